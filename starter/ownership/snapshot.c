// A read-mostly table shared by copy-on-write: immutable versions in Arcs (README.md#task-3-snapshots).
#include <string.h>

#include "lk_atomic.h"
#include "ownership.h"

// Placeholders: snapshot_init makes no table yet and says so by returning
// false; the rest do nothing.

bool snapshot_init(snapshot_table_t *table, size_t length)
{
    (void)table, (void)length; // TODO: version 1, an Arc of `length` zero entries
    return false;
}

void snapshot_destroy(snapshot_table_t *table)
{
    (void)table; // TODO: drop the table's reference to its current version
}

const struct snapshot *snapshot_get(snapshot_table_t *table)
{
    (void)table; // TODO: a reference to the current version (what stops a writer freeing it
                 // between your load and your clone?)
    return NULL;
}

const struct snapshot *snapshot_refresh(snapshot_table_t *table, const struct snapshot *held)
{
    (void)table; // TODO: `held` if still current (one load), else the current version
    return held;
}

void snapshot_release(const struct snapshot *snapshot)
{
    (void)snapshot; // TODO: give the reference back
}

bool snapshot_update(snapshot_table_t *table,
                     void (*update)(long *values, size_t length, void *arg), void *arg)
{
    (void)table, (void)update, (void)arg; // TODO: copy, change, then publish; drop the old
    return false;
}
