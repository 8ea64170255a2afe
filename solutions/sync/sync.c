// Spinlock, mutex, condition variable and semaphore, from compare-and-swap and futexes.
#include "sync.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lk_atomic.h"

// Longest pause, in spin-wait hints, after a lost race for the spinlock:
// 64 `pause` instructions are a few microseconds, about what a sleep and a
// wake-up cost, so waiting longer than that is the mutex's job.
#define SPIN_BACKOFF_MAX 64

// Mutex states (sync.h).
enum { UNLOCKED = 0, LOCKED = 1, CONTENDED = 2 };

// Stop loudly on a broken invariant, like xv6's panic().
static void panic(const char *message)
{
    fprintf(stderr, "sync: %s\n", message);
    abort();
}

// ---- Spinlock: test-and-test-and-set with exponential backoff ----

void sync_spin_init(sync_spinlock_t *lock)
{
    atomic_init(&lock->locked, 0);
}

// Acquire the lock.  Loops (spins) until the lock is acquired.
void sync_spin_lock(sync_spinlock_t *lock)
{
    unsigned backoff = 1;
    for (;;) {
        unsigned expected = 0;
        // acquire: pairs with the release in unlock, so the critical section
        // sees every write the previous holder made in its own.  On failure
        // nothing was taken, so relaxed.
        if (lk_atomic_compare_exchange_weak_explicit(&lock->locked, &expected, 1,
                                                     memory_order_acquire,
                                                     memory_order_relaxed))
            return;
        // Lost the race: back off so the waiters do not all retry the CAS at
        // once, each try taking the cache line away from the others.
        for (unsigned i = 0; i < backoff; i++)
            lk_cpu_relax();
        if (backoff < SPIN_BACKOFF_MAX)
            backoff *= 2;
        // Test before test-and-set: wait with plain loads, which share the
        // cache line, until the lock looks free.  relaxed: only a hint, the
        // CAS above does the ordering.
        while (lk_atomic_load_explicit(&lock->locked, memory_order_relaxed) != 0)
            lk_cpu_relax();
    }
}

bool sync_spin_trylock(sync_spinlock_t *lock)
{
    unsigned expected = 0;
    // strong, not weak: a weak CAS may fail spuriously, and a free lock must
    // not be reported busy.  acquire: as in sync_spin_lock.
    return lk_atomic_compare_exchange_strong_explicit(&lock->locked, &expected, 1,
                                                      memory_order_acquire,
                                                      memory_order_relaxed);
}

void sync_spin_unlock(sync_spinlock_t *lock)
{
    // relaxed: a check, not a synchronization; the holder reads its own 1
    // (a lock held by another thread gets past it unnoticed).
    if (lk_atomic_load_explicit(&lock->locked, memory_order_relaxed) == 0)
        panic("sync_spin_unlock: the lock is not held");
    // release: the critical section's writes become visible before the 0
    // does, to whoever acquires next (after a relaxed store they could
    // still be on their way).
    lk_atomic_store_explicit(&lock->locked, 0, memory_order_release);
}

// ---- Mutex: the three-state futex mutex ----

void sync_mutex_init(sync_mutex_t *mutex)
{
    atomic_init(&mutex->state, UNLOCKED);
}

// Acquire the mutex.  Sleeps in the kernel while another thread holds it.
void sync_mutex_lock(sync_mutex_t *mutex)
{
    unsigned state = UNLOCKED;
    // Fast path, no system call: 0 -> 1.  acquire: pairs with the release
    // in unlock; on failure nothing was taken, so relaxed.
    if (lk_atomic_compare_exchange_strong_explicit(&mutex->state, &state, LOCKED,
                                                   memory_order_acquire,
                                                   memory_order_relaxed))
        return;
    // Slow path.  Mark the mutex CONTENDED before sleeping, so the holder's
    // unlock knows it must wake someone.  If the exchange finds it UNLOCKED,
    // it is ours (in state 2, which costs at most one needless wake-up).
    // acquire: as on the fast path.
    if (state != CONTENDED)
        state = lk_atomic_exchange_explicit(&mutex->state, CONTENDED, memory_order_acquire);
    while (state != UNLOCKED) {
        // Sleeps only while the word is still 2: the kernel checks and
        // sleeps in one step, so an unlock just before this is not missed.
        lk_futex_wait(&mutex->state, CONTENDED);
        state = lk_atomic_exchange_explicit(&mutex->state, CONTENDED, memory_order_acquire);
    }
}

bool sync_mutex_trylock(sync_mutex_t *mutex)
{
    unsigned state = UNLOCKED;
    // acquire: as in sync_mutex_lock.
    return lk_atomic_compare_exchange_strong_explicit(&mutex->state, &state, LOCKED,
                                                      memory_order_acquire,
                                                      memory_order_relaxed);
}

void sync_mutex_unlock(sync_mutex_t *mutex)
{
    // release: the critical section's writes become visible before the
    // next holder's acquire reads this 0.
    unsigned state = lk_atomic_exchange_explicit(&mutex->state, UNLOCKED, memory_order_release);
    if (state == UNLOCKED)
        panic("sync_mutex_unlock: the mutex is not locked");
    // Only state 2 can have sleepers; from 1 the system call is skipped,
    // which is what makes an uncontended mutex cheap.
    if (state == CONTENDED)
        lk_futex_wake(&mutex->state, 1);
}

// ---- Condition variable: a sequence number as the futex word ----

void sync_cond_init(sync_cond_t *cond)
{
    atomic_init(&cond->seq, 0);
}

// Release the mutex, sleep until signalled, reacquire the mutex.
void sync_cond_wait(sync_cond_t *cond, sync_mutex_t *mutex)
{
    // Read the sequence while still holding the mutex: a signaller changes
    // the condition under the mutex and then bumps seq, so any signal after
    // our unlock makes the futex wait below return at once.  relaxed: the
    // mutex orders this read before the signaller's increment; seq carries
    // no data.
    unsigned seq = lk_atomic_load_explicit(&cond->seq, memory_order_relaxed);
    sync_mutex_unlock(mutex);
    lk_futex_wait(&cond->seq, seq);
    sync_mutex_lock(mutex);
}

void sync_cond_signal(sync_cond_t *cond)
{
    // relaxed: the increment only has to be a change the waiter's futex
    // check can see; the data it waits for is ordered by the mutex.
    lk_atomic_fetch_add_explicit(&cond->seq, 1, memory_order_relaxed);
    lk_futex_wake(&cond->seq, 1);
}

void sync_cond_broadcast(sync_cond_t *cond)
{
    // relaxed: as in sync_cond_signal.
    lk_atomic_fetch_add_explicit(&cond->seq, 1, memory_order_relaxed);
    lk_futex_wake(&cond->seq, INT_MAX);
}

// ---- Semaphore: a count under the mutex, waiters on the condvar ----

void sync_sem_init(sync_sem_t *sem, unsigned value)
{
    sync_mutex_init(&sem->mutex);
    sync_cond_init(&sem->nonzero);
    sem->count = value;
}

void sync_sem_wait(sync_sem_t *sem)
{
    sync_mutex_lock(&sem->mutex);
    // while, not if: another waiter may take the count between the post's
    // signal and our return, and wait may return spuriously.
    while (sem->count == 0)
        sync_cond_wait(&sem->nonzero, &sem->mutex);
    sem->count--;
    sync_mutex_unlock(&sem->mutex);
}

bool sync_sem_trywait(sync_sem_t *sem)
{
    sync_mutex_lock(&sem->mutex);
    bool taken = sem->count > 0;
    if (taken)
        sem->count--;
    sync_mutex_unlock(&sem->mutex);
    return taken;
}

void sync_sem_post(sync_sem_t *sem)
{
    sync_mutex_lock(&sem->mutex);
    sem->count++;
    sync_mutex_unlock(&sem->mutex);
    // One unit, one waiter: signal, not broadcast.  After the unlock, so the
    // waiter wakes to a free mutex, not to ours (safe: it read seq before
    // its own unlock).
    sync_cond_signal(&sem->nonzero);
}
