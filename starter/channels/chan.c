// Go's channels on a mutex and condition variables (README.md#the-tasks).
#include "chan.h"

#include <stdlib.h>

// Your channel.  These fields are a start for Task 1; add what the later
// tasks need (README.md#a-design-that-handles-everything).
struct chan {
    lk_mutex_t lock;      // guards everything below
    unsigned capacity;
    unsigned head, count; // the ring: count messages from ring[head]
    void **ring;
    bool closed;
};

chan_t *chan_new(unsigned capacity)
{
    // TODO (README.md#task-1-a-buffered-channel): allocate the channel and
    // its ring of `capacity` slots (none for capacity 0), lk_mutex_init its
    // lock, cond_init any condition variables.  NULL if out of memory.
    (void)capacity;
    return NULL;
}

void chan_free(chan_t *ch)
{
    // TODO (README.md#task-1-a-buffered-channel): destroy the lock, free the
    // ring and the channel.  NULL does nothing.
    (void)ch;
}

int chan_send(chan_t *ch, void *message)
{
    // TODO (README.md#task-1-a-buffered-channel): under the lock, wait while
    // there is no room; store the message; wake a receiver.
    // Task 2: with capacity 0, return only once a receiver has taken it.
    // Task 3: CHAN_CLOSED if the channel is closed, or closes while you wait.
    (void)ch, (void)message;
    return CHAN_CLOSED;
}

int chan_recv(chan_t *ch, void **message)
{
    // TODO (README.md#task-1-a-buffered-channel): under the lock, wait while
    // there is nothing to take; take the oldest message; wake a sender.
    // Task 3: once closed and drained, *message = NULL and CHAN_CLOSED.
    (void)ch;
    *message = NULL;
    return CHAN_CLOSED;
}

int chan_trysend(chan_t *ch, void *message)
{
    // TODO (README.md#task-1-a-buffered-channel): as chan_send, but
    // CHAN_WOULDBLOCK instead of waiting.
    (void)ch, (void)message;
    return CHAN_CLOSED;
}

int chan_tryrecv(chan_t *ch, void **message)
{
    // TODO (README.md#task-1-a-buffered-channel): as chan_recv, but
    // CHAN_WOULDBLOCK instead of waiting.
    (void)ch;
    *message = NULL;
    return CHAN_CLOSED;
}

int chan_close(chan_t *ch)
{
    // TODO (README.md#task-3-close): mark the channel closed and wake every
    // blocked receiver and sender; CHAN_CLOSED if it was closed already.
    (void)ch;
    return CHAN_CLOSED;
}

int chan_select(struct chan_case *cases, int n, bool block)
{
    // TODO (README.md#task-4-select): lock the channels in one global order,
    // try the cases in a random order (rng_below), perform the first ready
    // one; if none is ready, return CHAN_WOULDBLOCK when !block, else wait
    // on all the channels at once until one is.
    (void)cases, (void)n, (void)block;
    return CHAN_WOULDBLOCK;
}
