// Three programs with no shared mutable data: a prime sieve, an ordered
// worker pool, and a counter server.  Every message is a heap object owned
// by one thread at a time; sending it gives it away.
#include "chan.h"

#include <stdlib.h>

// ---- Go's concurrent prime sieve ----

// One thread of the chain: the generator (prime 0) or a filter.
struct stage {
    struct stage *previous;
    lk_thread_t thread;
    long prime, limit;
    chan_t *in, *out; // out is the next stage's in; each stage closes its out
};

static void *generate(void *arg)
{
    struct stage *s = arg;
    for (long n = 2; n <= s->limit; n++) {
        long *m = malloc(sizeof *m);
        if (!m)
            break;
        *m = n;
        chan_send(s->out, m); // m is the filter's now
    }
    chan_close(s->out);
    return NULL;
}

static void *filter(void *arg)
{
    struct stage *s = arg;
    void *m;
    while (chan_recv(s->in, &m) == CHAN_OK) {
        long *n = m;
        if (*n % s->prime == 0)
            free(n); // the last owner frees it
        else
            chan_send(s->out, n);
    }
    chan_close(s->out); // the end travels down the chain
    return NULL;
}

// A stage reading from `in` (NULL for the generator), linked onto *chain.
// Returns its output channel, or NULL if out of memory or threads.
static chan_t *stage_start(struct stage **chain, chan_t *in, long prime, long limit)
{
    struct stage *s = malloc(sizeof *s);
    chan_t *out = chan_new(0);
    if (!s || !out)
        goto fail;
    *s = (struct stage){ .previous = *chain, .prime = prime, .limit = limit, .in = in, .out = out };
    if (lk_thread_create(&s->thread, in ? filter : generate, s) != 0)
        goto fail;
    *chain = s;
    return out;
fail:
    chan_free(out);
    free(s);
    return NULL;
}

int sieve_primes(long limit, long *primes, int max)
{
    struct stage *chain = NULL;
    chan_t *tail = stage_start(&chain, NULL, 0, limit);
    int found = 0;
    void *m;
    // The first number to come through every filter so far is a prime: add
    // a filter for it.  Without memory or threads for one, keep draining the
    // chain, so every stage still ends.
    while (tail && chan_recv(tail, &m) == CHAN_OK) {
        long prime = *(long *)m;
        free(m);
        if (found < max)
            primes[found] = prime;
        found++;
        chan_t *next = stage_start(&chain, tail, prime, limit);
        if (next)
            tail = next;
    }
    while (chain) {
        struct stage *s = chain;
        chain = s->previous;
        lk_thread_join(s->thread, NULL);
        chan_free(s->out);
        free(s);
    }
    return found;
}

// ---- A worker pool with ordered fan-in ----
//
// The dispatcher gives every job a reply channel of its own and queues the
// reply channels, in input order, for the collector.  Workers finish in any
// order; the collector waits on each reply channel in turn, so results leave
// in input order.

struct job {
    long value;
    chan_t *reply; // capacity 1: the worker never waits to answer
};

struct pool {
    chan_t *jobs;    // dispatcher -> workers
    chan_t *pending; // dispatcher -> collector: reply channels, in input order
    chan_t *out;
    long (*fn)(long);
};

static void *pool_worker(void *arg)
{
    struct pool *pool = arg;
    void *m;
    while (chan_recv(pool->jobs, &m) == CHAN_OK) {
        struct job *job = m;
        long *result = malloc(sizeof *result);
        if (result)
            *result = pool->fn(job->value);
        chan_t *reply = job->reply;
        free(job);
        chan_send(reply, result); // NULL if out of memory: the collector skips it
    }
    return NULL;
}

static void *pool_collector(void *arg)
{
    struct pool *pool = arg;
    void *m, *result;
    while (chan_recv(pool->pending, &m) == CHAN_OK) {
        chan_t *reply = m;
        chan_recv(reply, &result);
        chan_free(reply); // only we and one worker knew it; the worker is done
        if (result && chan_send(pool->out, result) != CHAN_OK)
            free(result);
    }
    chan_close(pool->out);
    return NULL;
}

// Hand one input to a worker; false if out of memory.
static bool pool_dispatch(struct pool *pool, const long *value)
{
    struct job *job = malloc(sizeof *job);
    chan_t *reply = chan_new(1);
    if (!job || !reply) {
        free(job);
        chan_free(reply);
        return false;
    }
    job->value = *value;
    job->reply = reply;
    chan_send(pool->pending, reply);
    chan_send(pool->jobs, job);
    return true;
}

enum { POOL_MAX_WORKERS = 32 };

void pool_run(chan_t *in, chan_t *out, int workers, long (*fn)(long))
{
    if (workers < 1)
        workers = 1;
    if (workers > POOL_MAX_WORKERS)
        workers = POOL_MAX_WORKERS;
    // pending bounds the jobs in flight, and so the memory they hold.
    struct pool pool = { chan_new(0), chan_new(2 * (unsigned)workers), out, fn };
    lk_thread_t threads[POOL_MAX_WORKERS + 1];
    int started = 0;
    bool collecting = false;
    if (pool.jobs && pool.pending) {
        collecting = lk_thread_create(&threads[0], pool_collector, &pool) == 0;
        for (started = 0; collecting && started < workers; started++)
            if (lk_thread_create(&threads[1 + started], pool_worker, &pool) != 0)
                break;
    }
    void *m;
    while (chan_recv(in, &m) == CHAN_OK) {
        // Without workers, or out of memory, the input is dropped.
        if (started > 0)
            pool_dispatch(&pool, m);
        free(m);
    }
    if (pool.jobs)
        chan_close(pool.jobs);
    for (int i = 0; i < started; i++)
        lk_thread_join(threads[1 + i], NULL);
    if (collecting) {
        chan_close(pool.pending);
        lk_thread_join(threads[0], NULL);
    } else {
        chan_close(out);
    }
    chan_free(pool.jobs);
    chan_free(pool.pending);
}

// ---- A counter server: request and reply ----

struct server {
    chan_t *requests;
    lk_thread_t thread;
    long *counters; // the server thread's alone
    int count;
};

struct request {
    int index;
    long delta;
    chan_t *reply; // the client's: the server answers here, once
};

static void *server_main(void *arg)
{
    struct server *server = arg;
    void *m;
    while (chan_recv(server->requests, &m) == CHAN_OK) {
        struct request *request = m;
        long *answer = malloc(sizeof *answer);
        if (request->index >= 0 && request->index < server->count)
            server->counters[request->index] += request->delta;
        if (answer)
            *answer = request->index >= 0 && request->index < server->count
                          ? server->counters[request->index] : 0;
        chan_t *reply = request->reply;
        free(request); // ours since it arrived
        chan_send(reply, answer);
    }
    return NULL;
}

server_t *server_start(int counters)
{
    struct server *server = calloc(1, sizeof *server);
    if (!server)
        return NULL;
    server->count = counters;
    server->counters = calloc(counters > 0 ? (size_t)counters : 1, sizeof *server->counters);
    server->requests = chan_new(0);
    if (!server->counters || !server->requests)
        goto fail;
    if (lk_thread_create(&server->thread, server_main, server) != 0)
        goto fail;
    return server;
fail:
    chan_free(server->requests);
    free(server->counters);
    free(server);
    return NULL;
}

long server_add(server_t *server, int index, long delta)
{
    struct request *request = malloc(sizeof *request);
    chan_t *reply = chan_new(1);
    if (!request || !reply) {
        free(request);
        chan_free(reply);
        return 0;
    }
    *request = (struct request){ index, delta, reply };
    chan_send(server->requests, request); // the server's now: do not read it again
    void *m;
    long value = 0;
    if (chan_recv(reply, &m) == CHAN_OK && m) {
        value = *(long *)m;
        free(m);
    }
    chan_free(reply);
    return value;
}

void server_stop(server_t *server)
{
    chan_close(server->requests);
    lk_thread_join(server->thread, NULL);
    chan_free(server->requests);
    free(server->counters);
    free(server);
}
