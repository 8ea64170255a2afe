// A word-based software transactional memory in the style of TL2 (Dice, Shalev and Shavit, 2006).
//
// One global version clock; a table of versioned locks, one per stripe of
// memory, each (version << 1) | locked, where version is the clock value of
// the last commit that wrote a word of the stripe.  A transaction remembers
// the clock when it began (its read version), checks every read against it,
// buffers its writes, and at commit locks the stripes it writes (never
// waiting: a busy lock aborts), takes a new version from the clock, checks its
// reads once more, writes back and unlocks with the new version.
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lk_atomic.h"
#include "stm.h"

enum { STRIPES = 4096 };

static atomic_ulong version_clock;
static atomic_ulong stripes[STRIPES];

// stm_retry sleeps on commit_count, which every writing commit bumps after
// it unlocks; sleepers says whether a commit needs to make the wake call.
static atomic_uint commit_count;
static atomic_uint sleepers;
static atomic_uint threads_seen; // seeds each thread's back-off generator

struct stm_tx {
    jmp_buf restart;            // where an abort goes back to: stm_atomically
    int depth;                  // nesting depth; 0 outside any transaction
    unsigned long read_version; // the clock when this attempt began
    int read_count, write_count, locked_count;
    atomic_ulong *reads[STM_MAX_READS]; // the stripe of each word read
    struct {
        stm_word *word;
        long value;
    } writes[STM_MAX_WRITES];
    struct {
        atomic_ulong *stripe;
        unsigned long was; // its unlocked value, put back on abort
    } locked[STM_MAX_WRITES];
    unsigned aborts_in_a_row;
    unsigned random; // xorshift state for the back-off
};

// One transaction per thread at a time.  It lives outside the frame that
// calls setjmp, so its fields keep their values across the longjmp.
static _Thread_local struct stm_tx current;

enum { RESTART_AFTER_CONFLICT = 1, RESTART_AFTER_RETRY = 2 };

static atomic_ulong *stripe_of(stm_word *word)
{
    return &stripes[((uintptr_t)word / sizeof(stm_word)) % STRIPES];
}

static _Noreturn void too_big(const char *what, int limit)
{
    fprintf(stderr, "stm: a transaction %s more than %d distinct words\n", what, limit);
    abort();
}

// Give back the locks taken so far (with the versions they had) and start
// the transaction again.
static _Noreturn void stm_abort(struct stm_tx *tx)
{
    for (int i = 0; i < tx->locked_count; i++)
        lk_atomic_store_explicit(tx->locked[i].stripe, tx->locked[i].was, memory_order_release);
    tx->locked_count = 0;
    longjmp(tx->restart, RESTART_AFTER_CONFLICT);
}

long stm_read(stm_tx *tx, stm_word *word)
{
    for (int i = tx->write_count - 1; i >= 0; i--)
        if (tx->writes[i].word == word)
            return tx->writes[i].value; // our own write, not yet committed
    atomic_ulong *stripe = stripe_of(word);
    // Acquire: if a commit's write-back is visible below, so is its lock.
    unsigned long before = lk_atomic_load_explicit(stripe, memory_order_acquire);
    // Acquire: the second look at the lock cannot move before this read, and
    // a value written back by a commit brings that commit's lock with it.
    long value = lk_atomic_load_explicit(word, memory_order_acquire);
    unsigned long after = lk_atomic_load_explicit(stripe, memory_order_relaxed);
    // Locked, changed while we looked, or written since we began: the value
    // may not fit with what we read before.  Abort before anyone uses it.
    if ((before & 1) || before != after || (before >> 1) > tx->read_version)
        stm_abort(tx);
    if (tx->read_count == STM_MAX_READS)
        too_big("read", STM_MAX_READS);
    tx->reads[tx->read_count++] = stripe;
    return value;
}

void stm_write(stm_tx *tx, stm_word *word, long value)
{
    for (int i = 0; i < tx->write_count; i++) {
        if (tx->writes[i].word == word) {
            tx->writes[i].value = value;
            return;
        }
    }
    if (tx->write_count == STM_MAX_WRITES)
        too_big("wrote", STM_MAX_WRITES);
    tx->writes[tx->write_count].word = word;
    tx->writes[tx->write_count++].value = value;
}

static bool holds(struct stm_tx *tx, atomic_ulong *stripe)
{
    for (int i = 0; i < tx->locked_count; i++)
        if (tx->locked[i].stripe == stripe)
            return true;
    return false;
}

// Lock the stripe of every word we write, without waiting: a stripe another
// transaction holds means it is committing now, so we abort.  Two
// transactions that lock in opposite orders can therefore abort each other,
// but never wait for each other: no deadlock.
static void lock_write_set(struct stm_tx *tx)
{
    for (int i = 0; i < tx->write_count; i++) {
        atomic_ulong *stripe = stripe_of(tx->writes[i].word);
        if (holds(tx, stripe))
            continue; // two of our words share a stripe
        unsigned long seen = lk_atomic_load_explicit(stripe, memory_order_relaxed);
        // Acquire: our write-back stays after the lock is ours.
        if ((seen & 1) || !lk_atomic_compare_exchange_strong_explicit(
                              stripe, &seen, seen | 1, memory_order_acquire, memory_order_relaxed))
            stm_abort(tx);
        tx->locked[tx->locked_count].stripe = stripe;
        tx->locked[tx->locked_count++].was = seen;
    }
}

// Whether every word read still has the version it had when we began and
// is not locked by another transaction.
static bool read_set_valid(struct stm_tx *tx)
{
    for (int i = 0; i < tx->read_count; i++) {
        unsigned long now = lk_atomic_load_explicit(tx->reads[i], memory_order_acquire);
        if ((now & 1) && !holds(tx, tx->reads[i]))
            return false;
        if ((now >> 1) > tx->read_version)
            return false;
    }
    return true;
}

static void commit(struct stm_tx *tx)
{
    if (tx->write_count == 0)
        return; // every read was checked against read_version: a consistent view
    lock_write_set(tx);
    // Acq_rel: the new version orders after everything we read and locked.
    unsigned long write_version =
        lk_atomic_fetch_add_explicit(&version_clock, 1, memory_order_acq_rel) + 1;
    // The locks are ours now, so what we validate cannot change before we
    // write: check, then write, with nobody in between.
    if (!read_set_valid(tx))
        stm_abort(tx);
    // Release: whoever reads a new value also sees our lock on its stripe.
    for (int i = 0; i < tx->write_count; i++)
        lk_atomic_store_explicit(tx->writes[i].word, tx->writes[i].value, memory_order_release);
    // Release: the new version publishes the values written above.
    for (int i = 0; i < tx->locked_count; i++)
        lk_atomic_store_explicit(tx->locked[i].stripe, write_version << 1, memory_order_release);
    tx->locked_count = 0;
    // Seq_cst, against stm_retry's: either a sleeper sees this count change
    // or this load sees the sleeper (so it is woken).
    lk_atomic_fetch_add(&commit_count, 1);
    if (lk_atomic_load(&sleepers) != 0)
        lk_futex_wake(&commit_count, INT_MAX);
}

_Noreturn void stm_retry(stm_tx *tx)
{
    lk_atomic_fetch_add(&sleepers, 1);
    unsigned seen = lk_atomic_load(&commit_count);
    // If a word we read has changed already, run again now; otherwise sleep
    // until some commit bumps the count (then run again and look).
    if (read_set_valid(tx))
        lk_futex_wait(&commit_count, seen);
    lk_atomic_fetch_sub(&sleepers, 1);
    longjmp(tx->restart, RESTART_AFTER_RETRY);
}

// After a conflict, wait before the next attempt: a random number of yields
// below a limit that doubles with every abort in a row.  The yield lets the
// transaction we collided with (which may be holding locks) finish first, so
// two transactions cannot keep aborting each other.
static void back_off(struct stm_tx *tx)
{
    if (tx->random == 0)
        tx->random = 2654435761u * (lk_atomic_fetch_add(&threads_seen, 1) + 1) | 1;
    tx->random ^= tx->random << 13;
    tx->random ^= tx->random >> 17;
    tx->random ^= tx->random << 5;
    unsigned shift = tx->aborts_in_a_row < 8 ? tx->aborts_in_a_row : 8;
    unsigned yields = 1 + tx->random % (1u << shift);
    for (unsigned i = 0; i < yields; i++)
        lk_yield();
}

void stm_atomically(void (*body)(stm_tx *tx, void *arg), void *arg)
{
    struct stm_tx *tx = &current;
    if (tx->depth > 0) {
        body(tx, arg); // flat nesting: part of the transaction already running
        return;
    }
    tx->aborts_in_a_row = 0;
    switch (setjmp(tx->restart)) {
    case RESTART_AFTER_CONFLICT:
        tx->aborts_in_a_row++;
        back_off(tx);
        break;
    case RESTART_AFTER_RETRY:
        tx->aborts_in_a_row = 0; // we waited for a change: no need to back off
        break;
    }
    tx->depth = 1;
    tx->read_count = tx->write_count = tx->locked_count = 0;
    // Acquire: every commit up to this version is visible to our reads.
    tx->read_version = lk_atomic_load_explicit(&version_clock, memory_order_acquire);
    body(tx, arg);
    commit(tx);
    tx->depth = 0;
}
