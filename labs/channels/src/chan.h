// The channels lab's API: Go-style channels in C, and three programs built on them.
//
// The lab provides this header; you implement the chan_ functions in chan.c
// and the programs in programs.c.  A channel carries pointers ("messages").
// Sending a message gives it away: after chan_send returns, the sender must
// not touch the object again; the receiver owns it (README.md#ownership-moves-with-the-message).
//
// Build the channel from the lab's lock and condition variable (lk_mutex_t in
// labs/common/lk_sched.h, cond_t in cond.h) and start threads with
// lk_thread_create, so the grader's explore scheduler can force schedules.
#ifndef CHAN_H
#define CHAN_H

#include <stdbool.h>

#include "cond.h"
#include "lk_sched.h"
#include "rng.h"

// What the chan_ calls return.
enum {
    CHAN_OK = 0,
    CHAN_CLOSED = -1,     // the channel is closed (and, for a receive, drained)
    CHAN_WOULDBLOCK = -2, // a try or non-blocking select found nothing ready
    CHAN_NOMEM = -3,      // out of memory (chan_select with many cases)
};

// The channel's fields are yours to choose: define struct chan in chan.c.
typedef struct chan chan_t;

// A new channel holding up to `capacity` messages; capacity 0 makes every
// send a rendezvous with a receive.  NULL if out of memory.
chan_t *chan_new(unsigned capacity);

// Free a channel nobody uses any more (no thread blocked on it or about to
// use it).  Messages still buffered are not freed: they are not the
// channel's.  NULL does nothing.
void chan_free(chan_t *ch);

// Hand `message` to a receiver, blocking while the channel has no room; with
// capacity 0, return only once a receiver has taken it.  CHAN_OK, or
// CHAN_CLOSED if the channel is (or becomes, while waiting) closed: then the
// message was not sent and still belongs to the caller.
int chan_send(chan_t *ch, void *message);

// Take the next message into *message, blocking while there is none.
// CHAN_OK, or CHAN_CLOSED once the channel is closed and every buffered
// message has been received (*message is then NULL).
int chan_recv(chan_t *ch, void **message);

// Without blocking: as chan_send / chan_recv when they would not block,
// else CHAN_WOULDBLOCK.  With capacity 0, chan_trysend succeeds only when a
// receiver is waiting, and chan_tryrecv only when a sender is.
int chan_trysend(chan_t *ch, void *message);
int chan_tryrecv(chan_t *ch, void **message);

// No more sends: buffered messages can still be received, then receivers get
// CHAN_CLOSED; every blocked receiver and sender wakes up.  CHAN_OK, or
// CHAN_CLOSED if it was closed already (an error, not a crash).
int chan_close(chan_t *ch);

// One case of a select: send `message` on `ch`, or receive from `ch` into
// `message`.  chan_select fills in `status` for the case it performs.
enum chan_dir { CHAN_SEND, CHAN_RECV };
struct chan_case {
    chan_t *ch;
    enum chan_dir dir;
    void *message; // SEND: the message to send; RECV: the message received
    int status;    // out: CHAN_OK or CHAN_CLOSED for the case performed
};

// Perform exactly one of the n cases, Go's select: a case is ready when its
// operation would not block (a closed channel is ready for both directions:
// the case completes with status CHAN_CLOSED).  If several are ready, pick
// one uniformly at random (use rng_below); if none is, block until one is,
// or, when `block` is false, return CHAN_WOULDBLOCK at once (Go's default
// case).  Returns the index of the case performed.  The same channel may
// appear in several cases.  n is at least 1.
int chan_select(struct chan_case *cases, int n, bool block);

// ---- Programs (programs.c), each built only from channels and threads ----

// Go's concurrent prime sieve: a generator thread sends 2, 3, ..., limit
// (each number in its own malloc'd long) and closes its channel; for each
// prime it receives, the caller starts a filter thread that drops the
// multiples of that prime, in a chain.  Stores the primes up to limit in
// primes[] (at most max of them; the rest are still received and freed) and
// returns how many there are.  Every thread joined, every message and
// channel freed before it returns.
int sieve_primes(long limit, long *primes, int max);

// A worker pool with ordered fan-in: receive messages (each a malloc'd long)
// from `in` until it is closed, compute fn(value) on `workers` threads at
// once, and send the results (each a malloc'd long) on `out` in the order
// their inputs arrived; then close `out`.  The input messages are freed; the
// results belong to whoever receives them.  Returns once every thread it
// started has been joined.
void pool_run(chan_t *in, chan_t *out, int workers, long (*fn)(long));

// A counter server: one thread owns `counters` counters (all 0 at first);
// nobody else touches them.  Clients ask it through messages: each request
// carries its own reply channel.
typedef struct server server_t;
server_t *server_start(int counters); // NULL if out of memory
// Add delta to counter `index` and return its new value (the server's reply).
long server_add(server_t *server, int index, long delta);
// Stop the server: no call may be running; joins its thread and frees all.
void server_stop(server_t *server);

#endif
