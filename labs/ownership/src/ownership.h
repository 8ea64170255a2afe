// The ownership lab's API: a readers-writer lock (one writer or many readers)
// and atomically reference-counted immutable objects (after Rust's Arc).
//
// The lab provides this header; you implement rwlock.c and arc.c.  Reach the
// atomic fields only through lk_atomic.h (lk_atomic_load_explicit,
// lk_futex_wait, ...); atomic_init in rw_init is the one exception (nobody
// else can see the lock yet).
#ifndef OWNERSHIP_H
#define OWNERSHIP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

// A readers-writer lock.  Three 32-bit words, to use as your design needs
// (README.md#task-1-the-readers-writer-lock shows one way): for example a
// state word holding the readers inside, a writer bit and the writers
// waiting, and up to two futex words for readers and writers to sleep on.
// All zero is the unlocked lock.
typedef struct rw_lock {
    atomic_uint state;
    atomic_uint readers_seq;
    atomic_uint writers_seq;
} rw_lock_t;

#define RW_LOCK_INITIALIZER { 0, 0, 0 }

// The readers-writer lock (README.md#task-1-the-readers-writer-lock).
void rw_init(rw_lock_t *lock);
// Shared access: any number of readers may hold the lock together, never
// with a writer.  A reader arriving while a writer waits waits too.
void rw_read_lock(rw_lock_t *lock);
void rw_read_unlock(rw_lock_t *lock);
// Exclusive access: one writer, no readers.
void rw_write_lock(rw_lock_t *lock);
void rw_write_unlock(rw_lock_t *lock);
// Take the lock only if that needs no waiting; true if taken.
bool rw_try_read_lock(rw_lock_t *lock);
bool rw_try_write_lock(rw_lock_t *lock);

// Reference-counted immutable objects (README.md#task-2-arc).
//
// arc_new allocates `size` bytes of zeroed data, aligned for any type, with
// one owner (the caller), and returns a pointer to the data.  Fill it in
// before you share it; after that it is read-only.  Returns NULL if memory
// runs out.  `destroy` (may be NULL) is called with the data pointer by the
// last arc_drop, exactly once, before the memory is freed.
void *arc_new(size_t size, void (*destroy)(void *data));
// One more owner: returns `data`.  The caller must already own a reference.
void *arc_clone(void *data);
// One owner fewer.  The last drop runs destroy(data) and frees the object;
// after its own drop an owner must not touch the data again.
void arc_drop(void *data);

#endif
