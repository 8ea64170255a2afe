// Atomically reference-counted immutable objects, after Rust's Arc (README.md#task-2-arc).
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "lk_atomic.h"
#include "ownership.h"

// A placeholder: arc_new allocates no header and no count yet, so nothing
// knows when the last owner lets go (the object is never freed).
void *arc_new(size_t size, void (*destroy)(void *data))
{
    (void)size, (void)destroy; // TODO: a header with the count and destroy, then the data
    return NULL;
}

void *arc_clone(void *data)
{
    return data; // TODO: one owner more (which memory order, and why?)
}

void arc_drop(void *data)
{
    (void)data; // TODO: one owner fewer; the last one runs destroy and frees
}
