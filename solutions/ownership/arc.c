// Atomically reference-counted immutable objects, after Rust's Arc.
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lk_atomic.h"
#include "ownership.h"

// The header sits just before the data, padded so that the data is aligned
// for any type (as malloc's own result is).
struct arc_header {
    atomic_uint count;            // owners: clones made + 1 - drops done
    void (*destroy)(void *data);  // run by the last drop, may be NULL
};

#define HEADER_SIZE \
    ((sizeof(struct arc_header) + alignof(max_align_t) - 1) / alignof(max_align_t) * \
     alignof(max_align_t))

static struct arc_header *header_of(void *data)
{
    return (struct arc_header *)((char *)data - HEADER_SIZE);
}

static void panic(const char *message)
{
    fprintf(stderr, "arc: %s\n", message);
    abort();
}

void *arc_new(size_t size, void (*destroy)(void *data))
{
    if (size > (size_t)-1 - HEADER_SIZE)
        return NULL;
    // aligned_alloc would do too; malloc's result is already aligned for
    // max_align_t, and HEADER_SIZE keeps the data so.
    struct arc_header *header = malloc(HEADER_SIZE + size);
    if (header == NULL)
        return NULL;
    // Nobody else can see the object yet: plain initialisation.  Sharing it
    // later (a thread start, a release store, a lock) publishes all of it.
    atomic_init(&header->count, 1);
    header->destroy = destroy;
    void *data = (char *)header + HEADER_SIZE;
    memset(data, 0, size);
    return data;
}

void *arc_clone(void *data)
{
    // relaxed: the caller already owns a reference, so the object cannot go
    // away under us and there is nothing to synchronise with; we only need
    // the increment not to be lost, which atomicity alone gives.  (Rust's
    // Arc::clone is relaxed for the same reason.)
    unsigned before =
        lk_atomic_fetch_add_explicit(&header_of(data)->count, 1, memory_order_relaxed);
    if (before == 0 || before == ~0u)
        panic("arc_clone: the object was already freed, or has too many owners");
    return data;
}

void arc_drop(void *data)
{
    struct arc_header *header = header_of(data);
    // release: everything this owner did with the object (its reads)
    // happens before the count goes down, so it happens before the
    // destructor, which runs after the last decrement.  Without it the
    // last owner could free the memory while our reads are still in flight.
    unsigned before = lk_atomic_fetch_sub_explicit(&header->count, 1, memory_order_release);
    if (before == 0)
        panic("arc_drop: dropped more often than cloned");
    if (before != 1)
        return;
    // We took the count from 1 to 0: nobody else owns it, nobody can clone
    // it (cloning needs a reference), and this branch runs in one thread
    // only, so the destructor runs exactly once.
    //
    // acquire: pairs with every other owner's release decrement (they form
    // one release sequence on `count`), so their uses of the object happen
    // before the destructor's.  Rust's Arc uses a standalone acquire fence
    // here; ThreadSanitizer does not model fences, so we take the equivalent
    // acquire load, which TSan understands and which costs nothing extra on
    // x86 (README.md#memory-orders).
    (void)lk_atomic_load_explicit(&header->count, memory_order_acquire);
    if (header->destroy != NULL)
        header->destroy(data);
    free(header);
}
