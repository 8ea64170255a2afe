// A free-list allocator: boundary-tagged blocks on an explicit free list.
//
// The heap is a row of blocks between two sentinels (README "The heap"):
//
//   | pad | prologue 16/1 | block | block | ... | block | epilogue 0/1 |
//
// Every block starts with a header word and ends with a footer word that
// both hold the block's size with its allocated flag in bit 0 (README "The
// block format").  The payload starts right after the header and is 16-byte
// aligned.  A free block's first two payload words link it into a doubly
// linked free list.
//
// This file is the skeleton of the allocator: the block format is given;
// every TODO names the README section that explains what goes there.  Work
// through the README's steps in order, and run the tests after each one.
#include "mm.h"

#include "memlib.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

// The helpers below are unused until the code that calls them is written;
// this keeps the compiler quiet about that.  Delete it when you are done.
#define NOT_YET_USED __attribute__((unused))

enum {
    WORD = 8,                     // a header, a footer, a list pointer
    ALIGN = MM_ALIGNMENT,         // payload alignment, and block size unit
    OVERHEAD = 2 * WORD,          // header + footer
    MIN_BLOCK = 2 * ALIGN,        // header, two list pointers, footer
    FLAGS = ALIGN - 1,            // the low bits of a header that are not size
    FIT_LOOKAHEAD = 8,            // free blocks that fit, compared by find_fit
};

// Requests above this cannot be met by any heap; rejecting them first keeps
// the size arithmetic below from overflowing.
#define MAX_REQUEST (SIZE_MAX / 4)

// A free block's payload: its links in the free list.
struct free_block {
    struct free_block *next, *prev;
};

static char *heap_prologue;          // the prologue's payload (its footer)
static struct free_block *free_list; // first free block, NULL when none

/* The block format (README "The block format") */

static inline NOT_YET_USED size_t pack(size_t size, int allocated)
{
    return size | (size_t)allocated;
}

static inline NOT_YET_USED size_t *header(void *bp)
{
    return (size_t *)bp - 1;
}

static inline NOT_YET_USED size_t block_size(void *bp)
{
    return *header(bp) & ~(size_t)FLAGS;
}

static inline NOT_YET_USED int block_allocated(void *bp)
{
    return (int)(*header(bp) & 1);
}

static inline NOT_YET_USED size_t *footer(void *bp)
{
    return (size_t *)((char *)bp + block_size(bp) - OVERHEAD);
}

static inline NOT_YET_USED void *next_block(void *bp)
{
    return (char *)bp + block_size(bp);
}

// The previous block's footer is the word just before this block's header.
static inline NOT_YET_USED void *prev_block(void *bp)
{
    return (char *)bp - (((size_t *)bp)[-2] & ~(size_t)FLAGS);
}

// Write a block's header and footer.  The header goes first: footer() reads
// the size from it.
static inline NOT_YET_USED void set_block(void *bp, size_t size, int allocated)
{
    *header(bp) = pack(size, allocated);
    *footer(bp) = pack(size, allocated);
}

// The block size that holds `size` payload bytes: payload plus header and
// footer, rounded up to the alignment, and never below MIN_BLOCK so that the
// block can hold its list links once it is freed.
static inline NOT_YET_USED size_t adjusted_size(size_t size)
{
    size_t asize = (size + OVERHEAD + FLAGS) & ~(size_t)FLAGS;
    return asize < MIN_BLOCK ? MIN_BLOCK : asize;
}

/* The free list (README "Step 2: an explicit free list") */

// Put a free block on the free list.
static NOT_YET_USED void free_list_insert(void *bp)
{
    // TODO (README "Step 2: an explicit free list"): link bp in at the front.
    (void)bp;
}

// Take a free block off the free list.
static NOT_YET_USED void free_list_remove(void *bp)
{
    // TODO (README "Step 2: an explicit free list"): unlink bp; mind the head.
    (void)bp;
}

// A free block of at least asize bytes, or NULL when there is none.
static NOT_YET_USED void *find_fit(size_t asize)
{
    // TODO (README "Step 1: an implicit free list", then "Step 2"): search
    // every block (step 1), then only the free list (step 2).  README
    // "Performance" compares first fit and best fit.
    (void)asize;
    return NULL;
}

/* Splitting and coalescing (README "Step 3: splitting", "Step 4: coalescing") */

// Merge the free block bp, which is not on the free list yet, with whichever
// neighbours are free, put the result on the list and return it.
static NOT_YET_USED void *coalesce(void *bp)
{
    // TODO (README "Step 4: coalescing"): the four cases of the two
    // neighbours; then put the merged block on the free list (step 2).
    return bp;
}

// Shrink the allocated block bp to asize bytes when what is left over can be
// a block of its own, and free that leftover.
static NOT_YET_USED void split(void *bp, size_t asize)
{
    // TODO (README "Step 3: splitting").
    (void)bp;
    (void)asize;
}

// Allocate asize bytes of the free block bp.
static NOT_YET_USED void place(void *bp, size_t asize)
{
    // TODO (README "Step 1: an implicit free list"): mark bp allocated; take
    // it off the free list (step 2); split it (step 3).
    (void)bp;
    (void)asize;
}

/* Growing the heap (README "The heap") */

// The last block before the epilogue (the prologue when there is none).
static NOT_YET_USED void *last_block(void)
{
    // TODO (README "The heap"): the epilogue is the last word of the heap,
    // and the block before it ends with a footer.
    return NULL;
}

// Grow the heap by `bytes` (a multiple of ALIGN) as one free block, merged
// with a free last block.  Returns the free block, or NULL when mem_sbrk
// fails.
static NOT_YET_USED void *extend_heap(size_t bytes)
{
    // TODO (README "The heap"): mem_sbrk; the old epilogue becomes the new
    // block's header; a new epilogue; coalesce (step 4).
    (void)bytes;
    return NULL;
}

// Grow the heap so that its last block is free and at least asize bytes.
static NOT_YET_USED void *extend_for(size_t asize)
{
    // TODO (README "The heap"): grow by asize, or (better) only by what a
    // free last block lacks.
    (void)asize;
    return NULL;
}

/* The API (README "The API") */

int mm_init(void)
{
    // TODO (README "The heap"): lay down the padding, the prologue and the
    // epilogue; reset every static variable (mm_init starts a new heap).
    (void)heap_prologue;
    (void)free_list;
    return -1;
}

void *mm_malloc(size_t size)
{
    // TODO (README "Step 1: an implicit free list"): adjust the size, find a
    // fit or grow the heap, place the block.
    (void)size;
    return NULL;
}

void mm_free(void *ptr)
{
    // TODO (README "Step 1: an implicit free list", then "Step 4").
    (void)ptr;
}

// Grow the block bp in place to asize bytes.  Returns 1 on success, 0 when
// bp must move.
static NOT_YET_USED int grow_in_place(void *bp, size_t asize)
{
    // TODO (README "Step 5: realloc and calloc").
    (void)bp;
    (void)asize;
    return 0;
}

void *mm_realloc(void *ptr, size_t size)
{
    // TODO (README "Step 5: realloc and calloc"): NULL and 0 first; shrink in
    // place; grow in place; else move.
    (void)ptr;
    (void)size;
    return NULL;
}

void *mm_calloc(size_t nmemb, size_t size)
{
    // TODO (README "Step 5: realloc and calloc"): mind the overflow.
    (void)nmemb;
    (void)size;
    return NULL;
}

/* The heap checker (README "Step 6: the heap checker") */

// Whether bp could be a free block's payload inside the heap.
static NOT_YET_USED int in_heap(const void *bp)
{
    // TODO (README "Step 6: the heap checker").
    (void)bp;
    return 0;
}

// Check the prologue and the epilogue.  Returns 0 when they are sound.
static NOT_YET_USED int check_sentinels(void)
{
    // TODO (README "Step 6: the heap checker").
    return 0;
}

// Check one block's header and footer.  Returns 0 when they are sound.
static NOT_YET_USED int check_block(char *bp, char *end)
{
    // TODO (README "Step 6: the heap checker").
    (void)bp;
    (void)end;
    return 0;
}

// Walk the blocks; count the free ones.  Returns the number of problems.
static NOT_YET_USED int check_blocks(int verbose, size_t *free_count)
{
    // TODO (README "Step 6: the heap checker").
    (void)verbose;
    *free_count = 0;
    return 0;
}

// Walk the free list.  Returns the number of problems.
static NOT_YET_USED int check_free_list(size_t free_count)
{
    // TODO (README "Step 6: the heap checker").
    (void)free_count;
    return 0;
}

int mm_checkheap(int verbose)
{
    // TODO (README "Step 6: the heap checker"): print what is wrong and
    // return non-zero; print every block when verbose.
    (void)verbose;
    return 0;
}
