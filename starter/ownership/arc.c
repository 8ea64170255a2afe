// Atomically reference-counted immutable objects, after Rust's Arc (README.md#task-2-arc).
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "lk_atomic.h"
#include "ownership.h"

// Placeholders: arc_new allocates nothing yet and says so by returning NULL
// (out of memory); clone and drop do nothing.
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
