// A one-for-one supervisor: restart the child that ended, give up past a restart limit, stop in order.
//
// Each child leads its own process group (actor_spawn_leader), so "the
// child" includes whatever it started: when it ends, or when it is stopped,
// the supervisor kills the whole group, and no grandchild is left behind.
// The runtime reaps a child before it reports its DOWN, so waiting for the
// DOWN of every child is what leaves no zombie and no open link.
#define _GNU_SOURCE
#include "actor.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct supervised {
    struct supervisor_child spec;
    actor_t pid;   // 0 while not running
};

struct supervisor {
    struct supervised *children;
    int count;
    int max_restarts, period_ms;
    double *restart_times;   // the last max_restarts + 1 restarts, a ring
    int ring_next, restarts;
    const char *failed;
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int start_child(struct supervised *c)
{
    c->pid = actor_spawn_leader(c->spec.fn, c->spec.arg);
    if (c->pid <= 0) {
        c->pid = 0;
        return -1;
    }
    return actor_monitor(c->pid);
}

static struct supervised *find(struct supervisor *s, actor_t pid)
{
    for (int i = 0; i < s->count; i++)
        if (s->children[i].pid == pid && pid > 0)
            return &s->children[i];
    return NULL;
}

// Note a restart; false if it makes more than max_restarts within period_ms.
// The ring holds the times of the last max_restarts + 1 restarts: the limit
// is crossed when the oldest of them is recent.
static int restart_allowed(struct supervisor *s)
{
    int size = s->max_restarts + 1;
    double now = now_ms();
    s->restart_times[s->ring_next] = now;
    s->ring_next = (s->ring_next + 1) % size;
    s->restarts++;
    if (s->restarts < size)
        return 1;
    double oldest = s->restart_times[s->ring_next];
    return now - oldest > s->period_ms;
}

struct supervisor *supervisor_start(const struct supervisor_child *children, int count,
                                    int max_restarts, int period_ms)
{
    struct supervisor *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->children = calloc((size_t)count, sizeof *s->children);
    s->restart_times = calloc((size_t)max_restarts + 1, sizeof *s->restart_times);
    s->count = count;
    s->max_restarts = max_restarts;
    s->period_ms = period_ms;
    if (!s->children || !s->restart_times)
        goto fail;
    for (int i = 0; i < count; i++) {
        s->children[i].spec = children[i];
        if (start_child(&s->children[i]) != 0)
            goto fail;
    }
    return s;
fail:
    supervisor_stop(s, 0);
    return NULL;
}

static int running(const struct supervisor *s)
{
    int n = 0;
    for (int i = 0; i < s->count; i++)
        n += s->children[i].pid > 0;
    return n;
}

// Wait for DOWNs of our children until none runs or the deadline passes
// (a negative one: no deadline).  Other messages are dropped: we are stopping.
static void collect_downs(struct supervisor *s, double deadline)
{
    while (running(s) > 0) {
        int wait = -1;
        if (deadline >= 0) {
            wait = (int)(deadline - now_ms());
            if (wait <= 0)
                return;
        }
        struct actor_message m;
        int got = actor_receive(&m, wait);
        if (got < 0)
            return;
        if (got == 0)
            continue;
        struct supervised *c = m.kind == ACTOR_DOWN ? find(s, m.from) : NULL;
        if (c) {
            kill(-c->pid, SIGKILL);   // what it started goes with it
            c->pid = 0;
        }
        actor_message_free(&m);
    }
}

// Ask, wait up to grace_ms, then kill every remaining group and reap.
static void stop_children(struct supervisor *s, int grace_ms)
{
    for (int i = 0; i < s->count; i++)
        if (s->children[i].pid > 0)
            kill(s->children[i].pid, SIGTERM);
    collect_downs(s, now_ms() + grace_ms);
    for (int i = 0; i < s->count; i++)
        if (s->children[i].pid > 0)
            kill(-s->children[i].pid, SIGKILL);
    collect_downs(s, -1);
}

int supervisor_receive(struct supervisor *s, struct actor_message *m, int timeout_ms)
{
    if (s->failed)
        return SUPERVISOR_GAVE_UP;
    int got = actor_receive(m, timeout_ms);
    if (got != 1 || m->kind != ACTOR_DOWN)
        return got;
    struct supervised *c = find(s, m->from);
    if (!c)
        return 1;
    kill(-c->pid, SIGKILL);   // its grandchildren, if it left any
    c->pid = 0;
    if (!restart_allowed(s) || start_child(c) != 0) {
        s->failed = c->spec.name;
        stop_children(s, 0);
        return SUPERVISOR_GAVE_UP;
    }
    return 1;
}

actor_t supervisor_which(const struct supervisor *s, int index)
{
    return index >= 0 && index < s->count ? s->children[index].pid : -1;
}

int supervisor_restarts(const struct supervisor *s)
{
    return s->restarts;
}

const char *supervisor_failed(const struct supervisor *s)
{
    return s->failed;
}

void supervisor_stop(struct supervisor *s, int grace_ms)
{
    if (!s)
        return;
    if (s->children)
        stop_children(s, grace_ms);
    free(s->children);
    free(s->restart_times);
    free(s);
}
