// A readers-writer lock from compare-and-swap and a futex (README.md#task-1-the-readers-writer-lock).
#include <stdio.h>
#include <stdlib.h>

#include "lk_atomic.h"
#include "ownership.h"

// Every function below is a placeholder that stops the program with a
// message saying so.  Replace them one at a time, as README.md's steps
// suggest.
static _Noreturn void not_written(const char *function)
{
    fprintf(stderr, "rwlock: %s is not written yet (README.md#task-1-the-readers-writer-lock)\n",
            function);
    abort();
}

void rw_init(rw_lock_t *lock)
{
    atomic_init(&lock->state, 0);
    atomic_init(&lock->readers_seq, 0);
    atomic_init(&lock->writers_seq, 0);
}

void rw_read_lock(rw_lock_t *lock)
{
    (void)lock; // TODO: wait until no writer is inside or waiting, then count yourself in
    not_written(__func__);
}

void rw_read_unlock(rw_lock_t *lock)
{
    (void)lock; // TODO: count yourself out; the last reader out wakes a waiting writer
    not_written(__func__);
}

void rw_write_lock(rw_lock_t *lock)
{
    (void)lock; // TODO: announce yourself, wait until nobody is inside, take the lock
    not_written(__func__);
}

void rw_write_unlock(rw_lock_t *lock)
{
    (void)lock; // TODO: release the lock and wake everyone who waits for it
    not_written(__func__);
}

bool rw_try_read_lock(rw_lock_t *lock)
{
    (void)lock; // TODO
    not_written(__func__);
}

bool rw_try_write_lock(rw_lock_t *lock)
{
    (void)lock; // TODO
    not_written(__func__);
}
