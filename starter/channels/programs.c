// Three programs with no shared mutable data: a prime sieve, an ordered
// worker pool, and a counter server.  Every message is a heap object owned
// by one thread at a time; sending it gives it away.
#include "chan.h"

#include <stdlib.h>

int sieve_primes(long limit, long *primes, int max)
{
    // TODO (README.md#task-5-the-prime-sieve): a generator thread sends
    // 2..limit and closes; for each number that comes out of the chain (a
    // prime), store it and start a filter thread after the chain's end.
    // Join every thread and free every channel before returning.
    (void)limit, (void)primes, (void)max;
    return 0;
}

void pool_run(chan_t *in, chan_t *out, int workers, long (*fn)(long))
{
    // TODO (README.md#task-6-a-worker-pool-in-order): start `workers`
    // threads and a collector; give each input a reply channel of its own,
    // and let the collector wait on the reply channels in input order.
    (void)in, (void)out, (void)workers, (void)fn;
}

server_t *server_start(int counters)
{
    // TODO (README.md#task-7-request-and-reply): define struct server, start
    // its thread, which alone owns the counters and answers requests.
    (void)counters;
    return NULL;
}

long server_add(server_t *server, int index, long delta)
{
    // TODO (README.md#task-7-request-and-reply): send a request carrying a
    // new reply channel; wait for the answer on it.
    (void)server, (void)index, (void)delta;
    return 0;
}

void server_stop(server_t *server)
{
    // TODO (README.md#task-7-request-and-reply): close the request channel,
    // join the server thread, free everything.
    (void)server;
}
