// The allocator's interface: what a submission's mm.c defines.
//
// The names and signatures are those of the classic CS:APP malloc lab, plus
// mm_calloc() and the heap checker.  Every payload pointer returned is a
// multiple of MM_ALIGNMENT and lies inside the simulated heap (memlib.h).
#ifndef MM_H
#define MM_H

#include <stddef.h>

// Payload alignment on 64-bit machines.
#define MM_ALIGNMENT 16

// Set up an empty heap on the memory mem_sbrk() hands out.  Called once
// before any other mm_ function, and again to start over after
// mem_reset_brk().  Returns 0 on success, -1 if the heap cannot be set up.
int mm_init(void);

// A block of at least `size` bytes, aligned to MM_ALIGNMENT, or NULL when the
// heap cannot grow enough.  mm_malloc(0) returns NULL.
void *mm_malloc(size_t size);

// Give back a block from mm_malloc, mm_calloc or mm_realloc.  NULL is
// ignored.
void mm_free(void *ptr);

// Resize a block, keeping its first min(old size, size) bytes.  NULL acts as
// mm_malloc(size); size 0 frees the block and returns NULL.  On failure
// returns NULL and leaves the old block as it was.
void *mm_realloc(void *ptr, size_t size);

// A zero-filled block for `nmemb` elements of `size` bytes, or NULL when the
// product overflows or the heap cannot grow.
void *mm_calloc(size_t nmemb, size_t size);

// Check the heap's invariants.  Returns 0 when all hold; otherwise prints
// what is wrong, and where, and returns non-zero.  With `verbose` set it also
// prints every block.
int mm_checkheap(int verbose);

// Kept so that a classic mm.c that fills in its team's names still compiles;
// the kit does not use it.
typedef struct {
    char *teamname;
    char *name1, *id1;
    char *name2, *id2;
} team_t;

#endif
