// A writer-preferring readers-writer lock in one word, from compare-and-swap and a futex.
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lk_atomic.h"
#include "ownership.h"

// The state word: who is inside, and how many writers wait.
//
//   bits 0-14   readers inside
//   bit  15     SLEEPERS: someone may be asleep on the word
//   bit  16     a writer inside
//   bits 17-31  writers waiting (registered in rw_write_lock, not yet inside)
//
// One word, so a single compare-and-swap sees and changes all of it at
// once: a reader can never slip in between "no writer" and "one reader more".
// Everyone who waits sleeps on this same word (futex), with the value it saw.
// A thread sets SLEEPERS before it sleeps, and an unlock makes the wake-up
// system call only if it finds the bit set (and clears it): without waiters
// the lock never enters the kernel.
#define READER 1u
#define READERS_MASK 0x7fffu
#define SLEEPERS (1u << 15)
#define WRITER (1u << 16)
#define WAITING_WRITER (1u << 17)

static void panic(const char *message)
{
    fprintf(stderr, "rwlock: %s\n", message);
    abort();
}

void rw_init(rw_lock_t *lock)
{
    atomic_init(&lock->state, 0);
    atomic_init(&lock->readers_seq, 0);
    atomic_init(&lock->writers_seq, 0);
}

// A reader may enter when no writer is inside and none waits.  The second
// condition is the writer preference: without it a steady stream of
// overlapping readers keeps the count above zero forever and a writer never
// gets in (README.md#writer-starvation).
// Sleep until the word may have changed from `state` (which does not allow
// us in).  Sets SLEEPERS first, so that the unlock that lets us in knows to
// wake us; the kernel then sleeps only while the word still holds exactly
// what we left in it, so an unlock in between makes the call return at once
// (no lost wake-up).  Returns the word's value to look at next.
static unsigned sleep_on(rw_lock_t *lock, unsigned state)
{
    if ((state & SLEEPERS) == 0 &&
        !lk_atomic_compare_exchange_strong_explicit(&lock->state, &state, state | SLEEPERS,
                                                    memory_order_relaxed, memory_order_relaxed))
        return state; // it changed meanwhile: decide again
    lk_futex_wait(&lock->state, state | SLEEPERS);
    return lk_atomic_load_explicit(&lock->state, memory_order_relaxed);
}

// Clear SLEEPERS and wake every sleeper, if the bit was set.
static void wake_sleepers(rw_lock_t *lock)
{
    unsigned before = lk_atomic_fetch_and_explicit(&lock->state, ~SLEEPERS, memory_order_relaxed);
    if (before & SLEEPERS)
        lk_futex_wake(&lock->state, INT_MAX);
}

static bool reader_may_enter(unsigned state)
{
    return (state & WRITER) == 0 && state < WAITING_WRITER &&
           (state & READERS_MASK) != READERS_MASK;
}

void rw_read_lock(rw_lock_t *lock)
{
    unsigned state = lk_atomic_load_explicit(&lock->state, memory_order_relaxed);
    for (;;) {
        if (reader_may_enter(state)) {
            // acquire: pairs with the release in rw_write_unlock, so this
            // reader sees everything the last writer wrote.  On failure the
            // CAS reloads `state` and we decide again.
            if (lk_atomic_compare_exchange_weak_explicit(&lock->state, &state, state + READER,
                                                         memory_order_acquire,
                                                         memory_order_relaxed))
                return;
            continue;
        }
        // Every unlock that could let us in wakes all sleepers.
        state = sleep_on(lock, state);
    }
}

void rw_read_unlock(rw_lock_t *lock)
{
    // release: this reader's reads happen before a later writer's writes
    // (the writer's acquire CAS reads this value or a later one).
    unsigned before = lk_atomic_fetch_sub_explicit(&lock->state, READER, memory_order_release);
    if ((before & READERS_MASK) == 0)
        panic("rw_read_unlock: no reader holds the lock");
    // The last reader out with writers waiting lets one in.  Readers sleep
    // on the same word, so we cannot pick a writer: wake all, and whoever
    // cannot enter sleeps again.
    if ((before & READERS_MASK) == READER && before >= WAITING_WRITER)
        wake_sleepers(lock);
}

void rw_write_lock(rw_lock_t *lock)
{
    unsigned state = 0;
    // Fast path: a free lock, nobody waiting.  acquire: pairs with the
    // release of the previous holder's unlock.
    if (lk_atomic_compare_exchange_strong_explicit(&lock->state, &state, WRITER,
                                                   memory_order_acquire, memory_order_relaxed))
        return;
    // Register as waiting: from now on no new reader enters, so the readers
    // inside drain and the count reaches zero.
    state = lk_atomic_fetch_add_explicit(&lock->state, WAITING_WRITER, memory_order_relaxed) +
            WAITING_WRITER;
    for (;;) {
        if ((state & (WRITER | READERS_MASK)) == 0) {
            // Empty: turn our "waiting" into "inside" in one step.
            if (lk_atomic_compare_exchange_weak_explicit(&lock->state, &state,
                                                         state - WAITING_WRITER + WRITER,
                                                         memory_order_acquire,
                                                         memory_order_relaxed))
                return;
            continue;
        }
        state = sleep_on(lock, state);
    }
}

void rw_write_unlock(rw_lock_t *lock)
{
    // release: the writer's writes happen before whoever enters next.
    unsigned before = lk_atomic_fetch_sub_explicit(&lock->state, WRITER, memory_order_release);
    if ((before & WRITER) == 0)
        panic("rw_write_unlock: no writer holds the lock");
    // Wake everyone who might sleep: the next writer if one waits, else
    // every waiting reader (they may all enter together, so waking one
    // would leave the others asleep with the lock free to them).
    wake_sleepers(lock);
}

bool rw_try_read_lock(rw_lock_t *lock)
{
    unsigned state = lk_atomic_load_explicit(&lock->state, memory_order_relaxed);
    // Retry only while the CAS loses to other readers coming and going;
    // give up as soon as entering would mean waiting.
    while (reader_may_enter(state))
        if (lk_atomic_compare_exchange_weak_explicit(&lock->state, &state, state + READER,
                                                     memory_order_acquire, memory_order_relaxed))
            return true;
    return false;
}

bool rw_try_write_lock(rw_lock_t *lock)
{
    unsigned state = 0;
    return lk_atomic_compare_exchange_strong_explicit(&lock->state, &state, WRITER,
                                                      memory_order_acquire, memory_order_relaxed);
}
