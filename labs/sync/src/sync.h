// The sync lab's API: a spinlock, a mutex, a condition variable, a semaphore
// and a bounded buffer, built from compare-and-swap and futexes.
//
// The lab provides this header; you implement the functions in sync.c and
// buffer.c.  The structs are part of the API (tests declare them statically
// and with the initializers below), so their fields are fixed: each one is
// exactly the state its algorithm in README.md needs.  Reach the atomic
// fields only through lk_atomic.h (lk_atomic_load_explicit, lk_futex_wait,
// ...), never with plain reads and writes; atomic_init in the *_init
// functions is the one exception (nobody else can see the object yet).
#ifndef SYNC_H
#define SYNC_H

#include <stdatomic.h>
#include <stdbool.h>

// A spinlock: 0 free, 1 held.  Waiting means spinning on the CPU.
typedef struct sync_spinlock {
    atomic_uint locked;
} sync_spinlock_t;

// A mutex whose waiters sleep in the kernel (a futex) instead of spinning.
// state: 0 unlocked, 1 locked with no waiter, 2 locked and maybe waiters.
typedef struct sync_mutex {
    atomic_uint state;
} sync_mutex_t;

// A condition variable: a sequence number that every signal and broadcast
// changes, so a waiter can sleep "unless something happened since I looked".
typedef struct sync_cond {
    atomic_uint seq;
} sync_cond_t;

// A counting semaphore built from the pieces above: `count` is protected by
// `mutex`, and waiters sleep on `nonzero` until it is positive.
typedef struct sync_sem {
    sync_mutex_t mutex;
    sync_cond_t nonzero;
    unsigned count;
} sync_sem_t;

// A bounded buffer of `capacity` longs in the caller's array `slots`: a ring
// of `count` items starting at `head`, protected by `mutex`.
typedef struct sync_buffer {
    sync_mutex_t mutex;
    sync_cond_t not_full;
    sync_cond_t not_empty;
    long *slots;
    unsigned capacity;
    unsigned head;
    unsigned count;
} sync_buffer_t;

// Static initializers, the same as calling the matching *_init function.
#define SYNC_SPINLOCK_INITIALIZER { 0 }
#define SYNC_MUTEX_INITIALIZER { 0 }
#define SYNC_COND_INITIALIZER { 0 }

// Spinlock (README.md#task-1-the-spinlock).
void sync_spin_init(sync_spinlock_t *lock);
// Acquire the lock, spinning until it is free.
void sync_spin_lock(sync_spinlock_t *lock);
// Acquire the lock if it is free right now; true if the caller now holds it.
bool sync_spin_trylock(sync_spinlock_t *lock);
// Release a lock the caller holds.
void sync_spin_unlock(sync_spinlock_t *lock);

// Mutex (README.md#task-2-the-futex-mutex).
void sync_mutex_init(sync_mutex_t *mutex);
// Acquire the mutex, sleeping while another thread holds it.
void sync_mutex_lock(sync_mutex_t *mutex);
// Acquire the mutex if it is free right now; true if the caller now holds it.
bool sync_mutex_trylock(sync_mutex_t *mutex);
// Release a mutex the caller holds, waking one sleeping waiter if any.
void sync_mutex_unlock(sync_mutex_t *mutex);

// Condition variable (README.md#task-3-the-condition-variable).
void sync_cond_init(sync_cond_t *cond);
// Atomically release `mutex` (which the caller holds) and sleep until a
// signal or broadcast; reacquire `mutex` before returning.  May return
// without a signal (a spurious wake-up): always call it in a loop that
// re-checks the condition.
void sync_cond_wait(sync_cond_t *cond, sync_mutex_t *mutex);
// Wake at least one thread waiting on `cond`, if any is waiting.
void sync_cond_signal(sync_cond_t *cond);
// Wake every thread waiting on `cond`.
void sync_cond_broadcast(sync_cond_t *cond);

// Semaphore (README.md#task-4-the-semaphore).
void sync_sem_init(sync_sem_t *sem, unsigned value);
// Wait until the count is positive, then decrement it.
void sync_sem_wait(sync_sem_t *sem);
// Decrement the count if it is positive right now; true if it did.
bool sync_sem_trywait(sync_sem_t *sem);
// Increment the count, waking one waiter if any.
void sync_sem_post(sync_sem_t *sem);

// Bounded buffer (README.md#task-5-the-bounded-buffer).
void sync_buffer_init(sync_buffer_t *buffer, long *slots, unsigned capacity);
// Append `item`, waiting while the buffer is full.
void sync_buffer_put(sync_buffer_t *buffer, long item);
// Remove and return the oldest item, waiting while the buffer is empty.
long sync_buffer_get(sync_buffer_t *buffer);

#endif
