// A sharded key-value service: one supervised worker per shard, clients that retry, workers that crash on bad input.
//
// A worker's memory dies with it, so the state that must survive lives with
// the service: for each shard, the values as last acknowledged.  A worker
// starts from that table (fork copies it into the new process), so a request
// its predecessor died on, before answering, was never applied anywhere the
// service can see, and sending it again applies it once.
#define _GNU_SOURCE
#include "actor.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Restarts allowed per second before the service gives up, how long a
// worker may take to answer before it counts as stuck, and how often one
// request is tried.
enum { SERVICE_MAX_RESTARTS = 200, SERVICE_PERIOD_MS = 1000, SERVICE_PATIENCE_MS = 1000,
       SERVICE_ATTEMPTS = 20 };

struct shard_table {
    int count;
    struct entry {
        char key[SERVICE_KEY_MAX];
        int64_t value;
    } entries[SERVICE_KEYS];
};

struct service {
    int shards;
    struct supervisor *supervisor;
    struct shard_table tables[SERVICE_MAX_SHARDS];   // acknowledged values
    uint64_t next_id;
};

static int64_t *table_slot(struct shard_table *t, const char *key)
{
    for (int i = 0; i < t->count; i++)
        if (strcmp(t->entries[i].key, key) == 0)
            return &t->entries[i].value;
    if (t->count == SERVICE_KEYS)
        return NULL;
    struct entry *e = &t->entries[t->count++];
    strcpy(e->key, key);
    e->value = 0;
    return &e->value;
}

// The worker: handle the good case only.  A request that is not exactly a
// well-formed struct service_request is a bug in its sender: crash, and let
// the supervisor start a clean worker ("let it crash").
static void worker_main(void *arg)
{
    struct shard_table *table = arg;   // our own copy: fork made it
    for (;;) {
        struct actor_message m;
        if (actor_receive(&m, -1) != 1 || m.kind == ACTOR_DOWN)
            return;   // the service has gone: so do we
        const struct service_request *r = (const void *)m.data;
        if (m.length != sizeof *r || (r->op != SERVICE_ADD && r->op != SERVICE_GET) ||
            !memchr(r->key, '\0', sizeof r->key))
            abort();
        int64_t *value = table_slot(table, r->key);
        if (!value)
            abort();   // the shard is full
        if (r->op == SERVICE_ADD)
            *value += r->delta;
        struct service_reply reply = {.id = r->id, .value = *value};
        actor_message_free(&m);
        if (actor_send(actor_parent(), &reply, sizeof reply) != 0)
            return;
    }
}

struct service *service_start(int shards)
{
    if (shards < 1 || shards > SERVICE_MAX_SHARDS)
        return NULL;
    struct service *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->shards = shards;
    struct supervisor_child children[SERVICE_MAX_SHARDS];
    for (int i = 0; i < shards; i++)
        children[i] = (struct supervisor_child){"shard worker", worker_main, &s->tables[i]};
    s->supervisor = supervisor_start(children, shards, SERVICE_MAX_RESTARTS, SERVICE_PERIOD_MS);
    if (!s->supervisor) {
        free(s);
        return NULL;
    }
    return s;
}

enum outcome { ANSWERED, WORKER_DIED, GAVE_UP };

// Send one request to the shard's worker and wait for its reply or its
// end.  A worker silent for SERVICE_PATIENCE_MS (stopped, stuck) is killed:
// to a client, a worker that does not answer is as good as dead.
static enum outcome ask(struct service *s, int shard, const void *bytes, size_t length,
                        uint64_t id, struct service_reply *reply)
{
    actor_t worker = supervisor_which(s->supervisor, shard);
    if (worker <= 0)
        return GAVE_UP;   // and never kill(-0, ...): that is our own process group
    int sent = actor_send(worker, bytes, length) == 0;
    if (!sent)
        kill(-worker, SIGKILL);   // its link is broken: make sure its DOWN comes
    for (;;) {
        struct actor_message m;
        int got = supervisor_receive(s->supervisor, &m, SERVICE_PATIENCE_MS);
        if (got < 0)   // SUPERVISOR_GAVE_UP, or no link left at all
            return GAVE_UP;
        if (got == 0) {
            kill(-worker, SIGKILL);
            continue;
        }
        int mine = m.from == worker;
        if (mine && m.kind == ACTOR_DOWN)
            return WORKER_DIED;
        if (mine && sent && m.length == sizeof *reply) {
            memcpy(reply, m.data, sizeof *reply);
            if (reply->id == id) {
                actor_message_free(&m);
                return ANSWERED;
            }
        }
        actor_message_free(&m);   // a late reply to an abandoned request
    }
}

static int call(struct service *s, int op, const char *key, long delta, long *value)
{
    if (strlen(key) >= SERVICE_KEY_MAX)
        return -1;
    struct service_request r = {.id = ++s->next_id, .op = op, .delta = delta};
    strcpy(r.key, key);
    int shard = service_shard_of(key, s->shards);
    for (int attempt = 0; attempt < SERVICE_ATTEMPTS; attempt++) {
        struct service_reply reply;
        enum outcome o = ask(s, shard, &r, sizeof r, r.id, &reply);
        if (o == GAVE_UP)
            return -1;
        if (o == ANSWERED) {
            // Acknowledged: from now on this is the value a new worker starts with.
            int64_t *slot = table_slot(&s->tables[shard], key);
            if (!slot)
                return -1;
            *slot = reply.value;
            *value = (long)reply.value;
            return 0;
        }
    }
    return -1;
}

int service_add(struct service *s, const char *key, long delta, long *value)
{
    return call(s, SERVICE_ADD, key, delta, value);
}

int service_get(struct service *s, const char *key, long *value)
{
    return call(s, SERVICE_GET, key, 0, value);
}

int service_send_raw(struct service *s, int shard, const void *bytes, size_t length)
{
    struct service_reply reply;
    uint64_t id = 0;
    if (length >= sizeof id)
        memcpy(&id, bytes, sizeof id);
    return ask(s, shard, bytes, length, id, &reply) == ANSWERED ? 0 : -1;
}

actor_t service_worker(const struct service *s, int shard)
{
    return supervisor_which(s->supervisor, shard);
}

int service_restarts(const struct service *s)
{
    return supervisor_restarts(s->supervisor);
}

void service_stop(struct service *s)
{
    if (!s)
        return;
    supervisor_stop(s->supervisor, 100);
    free(s);
}
