// A sharded key-value service: one supervised worker per shard, clients that retry, workers that crash on bad input.
//
// Your task: README.md, task 4.  Keep, for each shard, the values as last
// acknowledged; a worker starts from its shard's table (fork copies it).
// A worker checks nothing it cannot handle: a malformed request makes it
// abort() ("let it crash").  A client sends a request to its shard's
// worker and, if the worker dies (or does not answer in time: kill it),
// sends the same request to the replacement.
#define _GNU_SOURCE
#include "actor.h"

#include <stdlib.h>

struct service {
    int shards;
};

struct service *service_start(int shards)
{
    // TODO: a supervisor with one worker per shard.
    (void)shards;
    return NULL;
}

int service_add(struct service *s, const char *key, long delta, long *value)
{
    // TODO
    (void)s, (void)key, (void)delta, (void)value;
    return -1;
}

int service_get(struct service *s, const char *key, long *value)
{
    // TODO
    (void)s, (void)key, (void)value;
    return -1;
}

int service_send_raw(struct service *s, int shard, const void *bytes, size_t length)
{
    // TODO: send once, no retry: 0 if answered, -1 if the worker died.
    (void)s, (void)shard, (void)bytes, (void)length;
    return 0;
}

actor_t service_worker(const struct service *s, int shard)
{
    // TODO
    (void)s, (void)shard;
    return -1;
}

int service_restarts(const struct service *s)
{
    // TODO
    (void)s;
    return 0;
}

void service_stop(struct service *s)
{
    // TODO: stop the supervisor and free s.
    free(s);
}
