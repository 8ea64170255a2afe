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
    // TODO (README.md#task-1-the-spinlock): compare-and-swap 0 -> 1 with
    // memory_order_acquire until it succeeds; after a lost race, back off
    // (lk_cpu_relax, up to SPIN_BACKOFF_MAX) and wait with plain loads
    // until the lock looks free.
    (void)lock;
}

bool sync_spin_trylock(sync_spinlock_t *lock)
{
    // TODO (README.md#task-1-the-spinlock): one strong compare-and-swap 0 -> 1.
    (void)lock;
    return false;
}

void sync_spin_unlock(sync_spinlock_t *lock)
{
    // TODO (README.md#task-1-the-spinlock): panic() if the lock is not
    // held; store 0 with memory_order_release.
    (void)lock;
    (void)panic;
}

// ---- Mutex: the three-state futex mutex ----

void sync_mutex_init(sync_mutex_t *mutex)
{
    atomic_init(&mutex->state, UNLOCKED);
}

// Acquire the mutex.  Sleeps in the kernel while another thread holds it.
void sync_mutex_lock(sync_mutex_t *mutex)
{
    // TODO (README.md#task-2-the-futex-mutex): the fast path 0 -> 1 by
    // compare-and-swap; else mark the mutex CONTENDED with an exchange and
    // sleep in lk_futex_wait while it stays so.
    (void)mutex;
}

bool sync_mutex_trylock(sync_mutex_t *mutex)
{
    // TODO (README.md#task-2-the-futex-mutex): one compare-and-swap 0 -> 1.
    (void)mutex;
    return false;
}

void sync_mutex_unlock(sync_mutex_t *mutex)
{
    // TODO (README.md#task-2-the-futex-mutex): exchange the state for
    // UNLOCKED (release); panic() if it was already unlocked; wake one
    // sleeper only if it was CONTENDED.
    (void)mutex;
}

// ---- Condition variable: a sequence number as the futex word ----

void sync_cond_init(sync_cond_t *cond)
{
    atomic_init(&cond->seq, 0);
}

// Release the mutex, sleep until signalled, reacquire the mutex.
void sync_cond_wait(sync_cond_t *cond, sync_mutex_t *mutex)
{
    // TODO (README.md#task-3-the-condition-variable): read seq while still
    // holding the mutex, unlock it, lk_futex_wait on seq, lock it again.
    (void)cond, (void)mutex;
}

void sync_cond_signal(sync_cond_t *cond)
{
    // TODO (README.md#task-3-the-condition-variable): change seq, wake one.
    (void)cond;
}

void sync_cond_broadcast(sync_cond_t *cond)
{
    // TODO (README.md#task-3-the-condition-variable): change seq, wake all
    // (INT_MAX).
    (void)cond;
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
    // TODO (README.md#task-4-the-semaphore): under the mutex, wait on
    // `nonzero` while the count is 0, then take one.
    (void)sem;
}

bool sync_sem_trywait(sync_sem_t *sem)
{
    // TODO (README.md#task-4-the-semaphore): under the mutex, take one if
    // the count is positive.
    (void)sem;
    return false;
}

void sync_sem_post(sync_sem_t *sem)
{
    // TODO (README.md#task-4-the-semaphore): add one under the mutex,
    // signal `nonzero`.
    (void)sem;
}
