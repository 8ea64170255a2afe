// A read-mostly table shared by copy-on-write: immutable versions in Arcs, published by swapping one pointer.
#include <string.h>

#include "lk_atomic.h"
#include "ownership.h"

// Readers and writers meet at one pointer, table->current, which owns one
// reference to the version it points at.
//
// Taking a reference is two steps, load the pointer and arc_clone what it
// points at, and a writer must not drop the table's reference (maybe the
// last one, freeing the version) between them.  So a reader holds
// table->swap read-locked for just those two steps, and a writer holds it
// write-locked for just the swap: readers never wait for a writer that is
// copying and changing a version, and a writer waits at most for a few
// clones in flight.  Once a reader has its reference it reads with no lock
// at all, for as long as it likes.
//
// Writers take turns on table->writers, so two writers cannot both copy
// version n and each publish their own n + 1 (one update would be lost).

static size_t version_size(size_t length)
{
    return sizeof(struct snapshot) + length * sizeof(long);
}

bool snapshot_init(snapshot_table_t *table, size_t length)
{
    struct snapshot *first = arc_new(version_size(length), NULL);
    if (first == NULL)
        return false;
    first->version = 1;
    first->length = length; // arc_new zeroed the values
    rw_init(&table->swap);
    rw_init(&table->writers);
    // Nobody can see the table yet.
    atomic_init(&table->current, first);
    return true;
}

void snapshot_destroy(snapshot_table_t *table)
{
    arc_drop(lk_atomic_load_explicit(&table->current, memory_order_relaxed));
}

const struct snapshot *snapshot_get(snapshot_table_t *table)
{
    rw_read_lock(&table->swap);
    // relaxed: the read lock's acquire pairs with the publishing writer's
    // unlock, which orders the version's contents before this load.
    struct snapshot *now = lk_atomic_load_explicit(&table->current, memory_order_relaxed);
    arc_clone(now); // the table's reference keeps it alive until we unlock
    rw_read_unlock(&table->swap);
    return now;
}

const struct snapshot *snapshot_refresh(snapshot_table_t *table, const struct snapshot *held)
{
    // One load, no write to shared memory, when nothing changed: the
    // common case of a read-mostly table.  The comparison is safe: `held`
    // cannot be freed while we own it, so no new version can reuse its
    // address.  relaxed: when equal we read nothing new.
    if (lk_atomic_load_explicit(&table->current, memory_order_relaxed) == held)
        return held;
    snapshot_release(held);
    return snapshot_get(table);
}

void snapshot_release(const struct snapshot *snapshot)
{
    arc_drop((void *)snapshot);
}

bool snapshot_update(snapshot_table_t *table,
                     void (*update)(long *values, size_t length, void *arg), void *arg)
{
    rw_write_lock(&table->writers);
    // Only writers change `current`, and we are the only writer: reading it
    // needs no lock, and the version cannot go away meanwhile.
    const struct snapshot *old = lk_atomic_load_explicit(&table->current, memory_order_relaxed);
    struct snapshot *draft = arc_new(version_size(old->length), NULL);
    if (draft == NULL) {
        rw_write_unlock(&table->writers);
        return false;
    }
    // Build the whole new version while nobody else can see it...
    memcpy(draft, old, version_size(old->length));
    draft->version = old->version + 1;
    update(draft->values, draft->length, arg);
    // ... and only then publish it.  The write unlock's release orders all
    // the writes above before any reader's read lock that sees the new
    // pointer.  Readers between lock and unlock hold no reference yet, so
    // the swap waits for them; readers already reading the old version are
    // not in the lock and do not delay us.
    rw_write_lock(&table->swap);
    lk_atomic_store_explicit(&table->current, draft, memory_order_relaxed);
    rw_write_unlock(&table->swap);
    // The table's reference moves to the draft; the old version goes when
    // its last reader lets go (maybe now, if there is none).
    arc_drop((void *)old);
    rw_write_unlock(&table->writers);
    return true;
}
