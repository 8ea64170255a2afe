// The ownership lab's API: a readers-writer lock, reference-counted immutable objects (Arc), a copy-on-write table and a run-time borrow checker.
//
// The lab provides this header; you implement rwlock.c, arc.c, snapshot.c
// and borrow.c.  Reach the atomic fields only through lk_atomic.h
// (lk_atomic_load_explicit, lk_futex_wait, ...); atomic_init of an object
// nobody else can see yet is the one exception.
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

// A read-mostly table shared by copy-on-write (README.md#task-3-snapshots).
//
// A version of the table is an Arc object (arc_new) and never changes once
// published.  Readers take a reference to the current version and read it
// for as long as they like, with no lock held; a writer copies the current
// version, changes the copy, and publishes it; the old version is freed by
// whoever drops its last reference (the table, or the last reader).
struct snapshot {
    unsigned long version; // 1 for the first version, +1 for each publish
    size_t length;         // entries in values, the same in every version
    long values[];
};

// The table: three fields to use as your design needs (the handout shows
// one way).  A reader must never block a writer for longer than it takes
// to take a reference.
typedef struct snapshot_table {
    struct snapshot *_Atomic current; // the version readers take now
    rw_lock_t swap;                   // e.g. read-held to take a reference, write-held to swap
    rw_lock_t writers;                // e.g. write-held by the one writer making a version
} snapshot_table_t;

// Make a table whose version 1 has `length` entries, all 0.  Returns false
// if memory runs out.
bool snapshot_init(snapshot_table_t *table, size_t length);
// Drop the table's own reference to its current version.  Versions readers
// still hold stay valid until they release them; nothing else may use the
// table afterwards.
void snapshot_destroy(snapshot_table_t *table);
// The current version, with a reference for the caller.  Never waits for a
// writer that is building a version.
const struct snapshot *snapshot_get(snapshot_table_t *table);
// `held` (a reference from snapshot_get or snapshot_refresh) if it is still
// the current version; otherwise releases it and returns the current
// version, with a reference.  The cheap way to keep reading the latest data.
const struct snapshot *snapshot_refresh(snapshot_table_t *table, const struct snapshot *held);
// Give back a reference from snapshot_get or snapshot_refresh.
void snapshot_release(const struct snapshot *snapshot);
// Publish a new version: a copy of the current one, changed by
// update(values, length, arg) before anyone else can see it, numbered one
// more.  One writer at a time (others wait); readers never wait for it.
// Returns false, publishing nothing, if memory runs out.
bool snapshot_update(snapshot_table_t *table,
                     void (*update)(long *values, size_t length, void *arg), void *arg);

// A run-time borrow checker, after Rust's RefCell (README.md#task-4-the-borrow-checker).
//
// A cell guards a value: at any moment it may have any number of shared
// borrows (to read) or one mutable borrow (to write), never both.  Each
// borrow records where it was taken; a borrow that breaks the rule prints
// one line naming both borrows and where each was taken, then calls abort().
enum { CELL_MAX_SHARED = 8 }; // shared borrows held at once, at most

struct borrow_site {
    const char *file; // __FILE__ of the borrow, NULL while the slot is free
    int line;
};

// The cell: fields to use as your design needs.  One design: `state` is
// the number of shared borrows held, or -1 for a mutable borrow, and
// sites[] records where each borrow still held was taken.
typedef struct cell {
    void *value; // what the cell guards
    int state;
    struct borrow_site sites[CELL_MAX_SHARED];
} cell_t;

// A borrow: the value to use, and what borrow_release needs to end it.
typedef struct borrow {
    void *value; // NULL once released
    cell_t *cell; // NULL once released
    int slot;    // yours: e.g. which sites[] entry this borrow took
} borrow_t;

// A cell guarding `value`, with no borrow.
void cell_init(cell_t *cell, void *value);
// Take a shared (read-only) borrow; aborts with a message if the cell is
// mutably borrowed, or already has CELL_MAX_SHARED shared borrows.
borrow_t borrow_at(cell_t *cell, const char *file, int line);
// Take the mutable borrow; aborts with a message if the cell has any borrow.
borrow_t borrow_mut_at(cell_t *cell, const char *file, int line);
// End a borrow (shared or mutable) and set its value to NULL; aborts with a
// message if it was already released.
void borrow_release(borrow_t *borrow);

#define borrow(cell) borrow_at((cell), __FILE__, __LINE__)
#define borrow_mut(cell) borrow_mut_at((cell), __FILE__, __LINE__)

#endif
