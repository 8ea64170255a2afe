// A one-for-one supervisor: restart the child that ended, give up past a restart limit, stop in order.
//
// Your task: README.md, task 3.  Start each child with actor_spawn_leader
// and monitor it.  On a child's DOWN, kill its process group (what it
// started goes with it) and start it again, unless that makes more than
// max_restarts restarts within period_ms.  To stop: SIGTERM, wait up to the
// grace period for the DOWNs, SIGKILL the groups still there, and wait for
// every DOWN, so no zombie and no link is left.
#define _GNU_SOURCE
#include "actor.h"

#include <stdlib.h>

struct supervisor {
    int restarts;
};

struct supervisor *supervisor_start(const struct supervisor_child *children, int count,
                                    int max_restarts, int period_ms)
{
    // TODO
    (void)children, (void)count, (void)max_restarts, (void)period_ms;
    return NULL;
}

int supervisor_receive(struct supervisor *s, struct actor_message *m, int timeout_ms)
{
    // TODO: actor_receive; handle a DOWN of one of our children first.
    (void)s, (void)m, (void)timeout_ms;
    return -1;
}

actor_t supervisor_which(const struct supervisor *s, int index)
{
    // TODO
    (void)s, (void)index;
    return -1;
}

int supervisor_restarts(const struct supervisor *s)
{
    return s ? s->restarts : 0;
}

const char *supervisor_failed(const struct supervisor *s)
{
    // TODO
    (void)s;
    return NULL;
}

void supervisor_stop(struct supervisor *s, int grace_ms)
{
    // TODO: ask, wait, kill, reap (README.md#shutdown).
    (void)grace_ms;
    free(s);
}
