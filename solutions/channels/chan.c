// Go's channels on a mutex and condition variables: a ring of buffered
// messages, and queues of blocked senders and receivers that a partner
// completes directly, as Go's runtime does (runtime/chan.go, select.go).
#include "chan.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

// Where a blocked thread sleeps: one per blocked send, receive or select.
// A partner completes ("fires") it under its lock, at most once; for a
// select, firing one case is what stops its other cases from completing.
// A blocked thread first spins a little on `fired` (a partner on another
// core often comes within a microsecond or two, and a thread that never
// went to sleep needs no wake-up), then sleeps on the condition variable.
struct parker {
    lk_mutex_t lock;
    cond_t fired_cond;
    atomic_int fired; // the index of the case completed; -1 while none
    bool sleeping;    // under lock: the waiter gave up spinning
};

enum { PARKER_SPINS = 100 }; // about 1 to 3 microseconds of pause instructions

// One blocked operation, queued on one channel.  A select queues one per case.
struct waiter {
    struct waiter *next, *prev;
    struct parker *parker;
    void *message; // a sender's message; what a receiver was handed
    int index;     // its case's index (0 outside a select)
    int status;    // CHAN_OK or CHAN_CLOSED, set when fired
    bool sender;
    bool queued;   // still in its channel's queue (under the channel's lock)
};

struct waitq {
    struct waiter *head, *tail;
};

struct chan {
    lk_mutex_t lock;         // guards everything below
    unsigned capacity;
    unsigned head, count;    // the ring: count messages from ring[head]
    void **ring;
    bool closed;
    struct waitq senders;    // blocked because the ring is full (or capacity 0)
    struct waitq receivers;  // blocked because the ring is empty
};

// ---- Queues of waiters ----

static void waitq_push(struct waitq *q, struct waiter *w)
{
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    w->queued = true;
}

static void waitq_remove(struct waitq *q, struct waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->queued = false;
}

// ---- Parking a thread ----

static void parker_init(struct parker *p)
{
    lk_mutex_init(&p->lock, "parker.lock");
    cond_init(&p->fired_cond);
    atomic_init(&p->fired, -1);
    p->sleeping = false;
}

// Wait until some partner has fired one of our waiters: spin briefly, then
// sleep.  Returning early is safe: the partner fires us holding our
// channel's lock, and our caller takes that lock before it frees the parker.
static void parker_wait(struct parker *p)
{
    // Acquire pairs with the partner's release store of `fired`: what it
    // wrote into our waiter before is visible once we see the index.
    for (int i = 0; i < PARKER_SPINS; i++) {
        if (lk_atomic_load_explicit(&p->fired, memory_order_acquire) >= 0)
            return;
        lk_cpu_relax();
    }
    lk_mutex_lock(&p->lock);
    p->sleeping = true;
    while (lk_atomic_load_explicit(&p->fired, memory_order_relaxed) < 0)
        cond_wait(&p->fired_cond, &p->lock);
    lk_mutex_unlock(&p->lock);
}

// Complete w's operation unless another of its select's cases already has:
// a sender's message goes to *message, a receiver gets *message.  Called
// with w's channel locked; the waiter reads what we wrote only after taking
// the parker's lock, so the hand-over is ordered by it.
static bool waiter_fire(struct waiter *w, void **message, int status)
{
    struct parker *p = w->parker;
    lk_mutex_lock(&p->lock);
    bool won = lk_atomic_load_explicit(&p->fired, memory_order_relaxed) < 0;
    if (won) {
        if (w->sender)
            *message = w->message;
        else
            w->message = *message;
        w->status = status;
        lk_atomic_store_explicit(&p->fired, w->index, memory_order_release);
        // A waiter still spinning sees `fired` by itself; one that took the
        // lock to sleep set `sleeping` first, and only it needs the signal
        // (the system call that wakes it).
        if (p->sleeping)
            cond_signal(&p->fired_cond);
    }
    lk_mutex_unlock(&p->lock);
    return won;
}

// Fire the first waiter of q that is still waiting.  Waiters of a select
// that completed elsewhere are dropped on the way.
static bool waitq_fire_first(struct waitq *q, void **message, int status)
{
    struct waiter *w;
    while ((w = q->head)) {
        waitq_remove(q, w);
        if (waiter_fire(w, message, status))
            return true;
    }
    return false;
}

// ---- The channel ----

chan_t *chan_new(unsigned capacity)
{
    chan_t *ch = calloc(1, sizeof *ch);
    if (!ch)
        return NULL;
    // calloc(0) may return NULL: a rendezvous channel needs no ring.
    ch->ring = capacity ? calloc(capacity, sizeof *ch->ring) : NULL;
    if (capacity && !ch->ring) {
        free(ch);
        return NULL;
    }
    lk_mutex_init(&ch->lock, "chan.lock");
    ch->capacity = capacity;
    return ch;
}

void chan_free(chan_t *ch)
{
    if (!ch)
        return;
    lk_mutex_destroy(&ch->lock);
    free(ch->ring);
    free(ch);
}

// A send that does not block, with ch locked: CHAN_WOULDBLOCK if it would.
static int send_locked(chan_t *ch, void *message)
{
    if (ch->closed)
        return CHAN_CLOSED;
    // A waiting receiver means the ring is empty: hand the message straight over.
    if (waitq_fire_first(&ch->receivers, &message, CHAN_OK))
        return CHAN_OK;
    if (ch->count < ch->capacity) {
        ch->ring[(ch->head + ch->count) % ch->capacity] = message;
        ch->count++;
        return CHAN_OK;
    }
    return CHAN_WOULDBLOCK;
}

// A receive that does not block, with ch locked.
static int recv_locked(chan_t *ch, void **message)
{
    if (ch->count > 0) {
        *message = ch->ring[ch->head];
        ch->head = (ch->head + 1) % ch->capacity;
        ch->count--;
        // A sender blocked on the full ring: its message joins the tail, so
        // messages still leave in the order they were sent.
        void *moved;
        if (waitq_fire_first(&ch->senders, &moved, CHAN_OK)) {
            ch->ring[(ch->head + ch->count) % ch->capacity] = moved;
            ch->count++;
        }
        return CHAN_OK;
    }
    // Capacity 0 (or a sender queued behind a full ring that is now empty):
    // take the message from the sender itself, which is the rendezvous.
    if (waitq_fire_first(&ch->senders, message, CHAN_OK))
        return CHAN_OK;
    if (ch->closed) {
        *message = NULL;
        return CHAN_CLOSED;
    }
    return CHAN_WOULDBLOCK;
}

// Queue a waiter on ch (locked), unlock, and sleep on p until a partner
// fires it.  Then take the lock once more: the partner fired us holding it,
// and after this, it is done with the channel, so our caller may free it.
static void block_on(chan_t *ch, struct waiter *w, struct parker *p)
{
    parker_init(p);
    w->parker = p;
    w->index = 0;
    waitq_push(w->sender ? &ch->senders : &ch->receivers, w);
    lk_mutex_unlock(&ch->lock);
    parker_wait(p);
    lk_mutex_lock(&ch->lock);
    lk_mutex_unlock(&ch->lock);
    lk_mutex_destroy(&p->lock);
}

int chan_send(chan_t *ch, void *message)
{
    lk_mutex_lock(&ch->lock);
    int status = send_locked(ch, message);
    if (status != CHAN_WOULDBLOCK) {
        lk_mutex_unlock(&ch->lock);
        return status;
    }
    struct parker p;
    struct waiter w = { .message = message, .sender = true };
    block_on(ch, &w, &p);
    return w.status;
}

int chan_recv(chan_t *ch, void **message)
{
    lk_mutex_lock(&ch->lock);
    int status = recv_locked(ch, message);
    if (status != CHAN_WOULDBLOCK) {
        lk_mutex_unlock(&ch->lock);
        return status;
    }
    struct parker p;
    struct waiter w = { .sender = false };
    block_on(ch, &w, &p);
    *message = w.message;
    return w.status;
}

int chan_trysend(chan_t *ch, void *message)
{
    lk_mutex_lock(&ch->lock);
    int status = send_locked(ch, message);
    lk_mutex_unlock(&ch->lock);
    return status;
}

int chan_tryrecv(chan_t *ch, void **message)
{
    lk_mutex_lock(&ch->lock);
    int status = recv_locked(ch, message);
    lk_mutex_unlock(&ch->lock);
    return status;
}

int chan_close(chan_t *ch)
{
    lk_mutex_lock(&ch->lock);
    if (ch->closed) {
        lk_mutex_unlock(&ch->lock);
        return CHAN_CLOSED;
    }
    ch->closed = true;
    // Every blocked party wakes: receivers (the ring is empty, or they
    // would not wait) get CHAN_CLOSED, and so do senders, whose messages
    // stay theirs.
    void *none = NULL;
    while (waitq_fire_first(&ch->receivers, &none, CHAN_CLOSED))
        none = NULL;
    while (waitq_fire_first(&ch->senders, &none, CHAN_CLOSED))
        ;
    lk_mutex_unlock(&ch->lock);
    return CHAN_OK;
}

// ---- Select ----

enum { SELECT_ON_STACK = 8 };

// Lock every channel of the select once, in address order: two selects over
// the same channels in different argument orders take their locks in the
// same order, so they cannot deadlock.
static void lock_all(chan_t **sorted, int n)
{
    for (int i = 0; i < n; i++)
        if (i == 0 || sorted[i] != sorted[i - 1])
            lk_mutex_lock(&sorted[i]->lock);
}

static void unlock_all(chan_t **sorted, int n)
{
    for (int i = n - 1; i >= 0; i--)
        if (i == 0 || sorted[i] != sorted[i - 1])
            lk_mutex_unlock(&sorted[i]->lock);
}

static void sort_channels(const struct chan_case *cases, chan_t **sorted, int n)
{
    for (int i = 0; i < n; i++) {
        chan_t *ch = cases[i].ch;
        int j = i;
        for (; j > 0 && (uintptr_t)sorted[j - 1] > (uintptr_t)ch; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = ch;
    }
}

// Try the cases in a uniformly random order (Fisher-Yates): the first ready
// one in a random order is a uniform choice among the ready ones.  Returns
// its index, or -1 if none is ready.  Channels locked.
static int select_poll(struct chan_case *cases, int n, int *order)
{
    for (int i = 0; i < n; i++) {
        int j = (int)rng_below((unsigned)i + 1);
        if (j != i)
            order[i] = order[j];
        order[j] = i;
    }
    for (int k = 0; k < n; k++) {
        struct chan_case *c = &cases[order[k]];
        void *got = NULL;
        int status = c->dir == CHAN_SEND ? send_locked(c->ch, c->message)
                                         : recv_locked(c->ch, &got);
        if (status == CHAN_WOULDBLOCK)
            continue;
        if (c->dir == CHAN_RECV)
            c->message = got;
        c->status = status;
        return order[k];
    }
    return -1;
}

// Nothing was ready: queue a waiter on every case's channel, sleep until a
// partner fires one, then take the others back out.  Channels locked on
// entry and on return.
static int select_block(struct chan_case *cases, int n, chan_t **sorted, struct waiter *waiters)
{
    struct parker p;
    parker_init(&p);
    for (int i = 0; i < n; i++) {
        waiters[i] = (struct waiter){ .parker = &p, .index = i, .sender = cases[i].dir == CHAN_SEND,
                                      .message = cases[i].dir == CHAN_SEND ? cases[i].message : NULL };
        waitq_push(waiters[i].sender ? &cases[i].ch->senders : &cases[i].ch->receivers, &waiters[i]);
    }
    unlock_all(sorted, n);
    parker_wait(&p);
    lock_all(sorted, n);
    // With every channel locked, no partner can still be firing one of ours.
    for (int i = 0; i < n; i++)
        if (waiters[i].queued)
            waitq_remove(waiters[i].sender ? &cases[i].ch->senders : &cases[i].ch->receivers,
                         &waiters[i]);
    lk_mutex_destroy(&p.lock);
    int fired = atomic_load_explicit(&p.fired, memory_order_relaxed);
    cases[fired].status = waiters[fired].status;
    if (cases[fired].dir == CHAN_RECV)
        cases[fired].message = waiters[fired].message;
    return fired;
}

int chan_select(struct chan_case *cases, int n, bool block)
{
    chan_t *sorted_small[SELECT_ON_STACK];
    int order_small[SELECT_ON_STACK];
    struct waiter waiters_small[SELECT_ON_STACK];
    chan_t **sorted = sorted_small;
    int *order = order_small;
    struct waiter *waiters = waiters_small;
    if (n > SELECT_ON_STACK) {
        sorted = malloc((size_t)n * sizeof *sorted);
        order = malloc((size_t)n * sizeof *order);
        waiters = malloc((size_t)n * sizeof *waiters);
        if (!sorted || !order || !waiters) {
            free(sorted), free(order), free(waiters);
            return CHAN_NOMEM;
        }
    }
    sort_channels(cases, sorted, n);
    lock_all(sorted, n);
    int chosen = select_poll(cases, n, order);
    if (chosen < 0)
        chosen = block ? select_block(cases, n, sorted, waiters) : CHAN_WOULDBLOCK;
    unlock_all(sorted, n);
    if (n > SELECT_ON_STACK)
        free(sorted), free(order), free(waiters);
    return chosen;
}
