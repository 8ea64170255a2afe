// A free-list allocator: boundary-tagged blocks on an explicit free list.
//
// The heap is a row of blocks between two sentinels (README "The heap"):
//
//   | pad | prologue 16/1 | block | block | ... | block | epilogue 0/1 |
//
// Every block starts with a header word and ends with a footer word that
// both hold the block's size with its allocated flag in bit 0 (sizes are
// multiples of 16, so bits 0-3 are free for flags).  The payload starts
// right after the header and is 16-byte aligned.  A free block's first two
// payload words link it into a doubly linked free list.  The footer lets a
// block find its left neighbour in O(1), which is what makes coalescing with
// the previous block cheap.  The sentinels are allocated, so coalescing never
// has to ask whether a neighbour exists.
//
// Policies: the free list is LIFO (a freed block goes to the front); the
// search takes the best of the first few blocks that fit; a block is split
// when the leftover can be a block of its own; a freed block merges at once
// with its free neighbours, so two free blocks are never adjacent.  The heap
// grows only by what a request is missing, which keeps the heap small
// (utilization) at the price of more mem_sbrk calls, which are cheap here:
// the simulated heap's break is one pointer.
#include "mm.h"

#include "memlib.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

static inline size_t pack(size_t size, int allocated)
{
    return size | (size_t)allocated;
}

static inline size_t *header(void *bp)
{
    return (size_t *)bp - 1;
}

static inline size_t block_size(void *bp)
{
    return *header(bp) & ~(size_t)FLAGS;
}

static inline int block_allocated(void *bp)
{
    return (int)(*header(bp) & 1);
}

static inline size_t *footer(void *bp)
{
    return (size_t *)((char *)bp + block_size(bp) - OVERHEAD);
}

static inline void *next_block(void *bp)
{
    return (char *)bp + block_size(bp);
}

// The previous block's footer is the word just before this block's header.
static inline void *prev_block(void *bp)
{
    return (char *)bp - (((size_t *)bp)[-2] & ~(size_t)FLAGS);
}

// Write a block's header and footer.  The header goes first: footer() reads
// the size from it.
static inline void set_block(void *bp, size_t size, int allocated)
{
    *header(bp) = pack(size, allocated);
    *footer(bp) = pack(size, allocated);
}

// The block size that holds `size` payload bytes: payload plus header and
// footer, rounded up to the alignment, and never below MIN_BLOCK so that the
// block can hold its list links once it is freed.
static inline size_t adjusted_size(size_t size)
{
    size_t asize = (size + OVERHEAD + FLAGS) & ~(size_t)FLAGS;
    return asize < MIN_BLOCK ? MIN_BLOCK : asize;
}

/* The free list (README "Step 2: an explicit free list") */

// Put a free block at the front of the list: O(1), and the block most
// recently freed is the first one tried, while it is still in the cache.
static void free_list_insert(void *bp)
{
    struct free_block *block = bp;
    block->prev = NULL;
    block->next = free_list;
    if (free_list != NULL)
        free_list->prev = block;
    free_list = block;
}

static void free_list_remove(void *bp)
{
    struct free_block *block = bp;
    if (block->prev != NULL)
        block->prev->next = block->next;
    else
        free_list = block->next;
    if (block->next != NULL)
        block->next->prev = block->prev;
}

// A good fit: the smallest of the first FIT_LOOKAHEAD free blocks that are
// big enough (stopping early at an exact fit), or NULL when none is.  Pure
// first fit takes the first one and leaves the tail of a big block as a
// fragment; a full best-fit search walks the whole list on every request.
// Looking a few blocks further gets most of best fit's saving in space
// (README "Performance") at a bounded cost in time.
static void *find_fit(size_t asize)
{
    struct free_block *best = NULL;
    int candidates = 0;
    for (struct free_block *block = free_list; block != NULL; block = block->next) {
        size_t size = block_size(block);
        if (size < asize)
            continue;
        if (best == NULL || size < block_size(best))
            best = block;
        if (size == asize || ++candidates == FIT_LOOKAHEAD)
            break;
    }
    return best;
}

/* Splitting and coalescing (README "Step 3: splitting", "Step 4: coalescing") */

// Merge the free block bp, which is not on the free list yet, with whichever
// neighbours are free, put the result on the list and return it.  Because
// every free block was merged when it was freed, a neighbour's own
// neighbours are allocated: one merge on each side is enough.
static void *coalesce(void *bp)
{
    size_t size = block_size(bp);
    void *prev = prev_block(bp), *next = next_block(bp);
    if (!block_allocated(next)) {
        free_list_remove(next);
        size += block_size(next);
    }
    if (!block_allocated(prev)) {
        free_list_remove(prev);
        size += block_size(prev);
        bp = prev;
    }
    set_block(bp, size, 0);
    free_list_insert(bp);
    return bp;
}

// Shrink the allocated block bp to asize bytes when what is left over can be
// a block of its own, and free that leftover (merging it with a free right
// neighbour, which it has when realloc shrinks a block).
static void split(void *bp, size_t asize)
{
    size_t size = block_size(bp);
    if (size - asize < MIN_BLOCK)
        return; // too small to be a block: it stays inside bp as padding
    set_block(bp, asize, 1);
    void *rest = next_block(bp);
    set_block(rest, size - asize, 0);
    coalesce(rest);
}

// Allocate asize bytes of the free block bp.
static void place(void *bp, size_t asize)
{
    free_list_remove(bp);
    set_block(bp, block_size(bp), 1);
    split(bp, asize);
}

/* Growing the heap (README "The heap") */

// The last block before the epilogue (the prologue when there is none).
static void *last_block(void)
{
    char *epilogue = (char *)mem_heap_hi() + 1; // the epilogue's "payload"
    return prev_block(epilogue);
}

// Grow the heap by `bytes` (a multiple of ALIGN) as one free block, merged
// with a free last block.  The old epilogue header becomes the new block's
// header and a new epilogue goes after it.  Returns the free block, or NULL
// when mem_sbrk fails.
static void *extend_heap(size_t bytes)
{
    // Even when a request lacks only 16 bytes, the new block must be able to
    // stand alone as a free block (with its list links) before it merges.
    if (bytes < MIN_BLOCK)
        bytes = MIN_BLOCK;
    char *bp = mem_sbrk((intptr_t)bytes);
    if (bp == (void *)-1)
        return NULL;
    set_block(bp, bytes, 0);
    *header(next_block(bp)) = pack(0, 1);
    return coalesce(bp);
}

// Grow the heap so that its last block is free and at least asize bytes,
// asking mem_sbrk only for what the free last block (if any) lacks.
static void *extend_for(size_t asize)
{
    void *last = last_block();
    size_t have = block_allocated(last) ? 0 : block_size(last);
    return extend_heap(asize - have);
}

/* The API (README "The API") */

// Lay down the padding word that aligns payloads, the prologue (a block of
// header and footer only) and the epilogue (a header of size 0).  The heap
// grows on the first request.
int mm_init(void)
{
    size_t *start = mem_sbrk(4 * WORD);
    if (start == (void *)-1)
        return -1;
    start[0] = 0;                  // padding: puts payloads on 16 bytes
    start[1] = pack(OVERHEAD, 1);  // prologue header
    start[2] = pack(OVERHEAD, 1);  // prologue footer
    start[3] = pack(0, 1);         // epilogue header
    heap_prologue = (char *)&start[2];
    free_list = NULL;
    return 0;
}

// Find a free block that fits, or grow the heap for one, and allocate it.
void *mm_malloc(size_t size)
{
    if (size == 0 || size > MAX_REQUEST)
        return NULL;
    size_t asize = adjusted_size(size);
    void *bp = find_fit(asize);
    if (bp == NULL && (bp = extend_for(asize)) == NULL)
        return NULL;
    place(bp, asize);
    return bp;
}

// The block becomes free and merges with its free neighbours at once.
void mm_free(void *ptr)
{
    if (ptr == NULL)
        return;
    set_block(ptr, block_size(ptr), 0);
    coalesce(ptr);
}

// Grow the block bp in place to asize bytes by taking in a free right
// neighbour, first growing the heap when bp or that neighbour is last.
// Returns 1 on success, 0 when bp must move.
static int grow_in_place(void *bp, size_t asize)
{
    void *next = next_block(bp);
    size_t size = block_size(bp);
    size_t have = size + (block_allocated(next) ? 0 : block_size(next));
    int next_is_last = block_allocated(next) ? block_size(next) == 0
                                             : block_size(next_block(next)) == 0;
    if (have < asize && next_is_last && extend_heap(asize - have) != NULL) {
        next = next_block(bp);
        have = size + block_size(next);
    }
    if (have < asize || block_allocated(next))
        return 0;
    free_list_remove(next);
    set_block(bp, have, 1);
    split(bp, asize);
    return 1;
}

// Resize in place when possible: shrinking never moves a block (split frees
// the tail), and growing takes in a free right neighbour.  Only then move,
// and only after the new block exists, so a failure leaves ptr untouched.
void *mm_realloc(void *ptr, size_t size)
{
    if (ptr == NULL)
        return mm_malloc(size);
    if (size == 0) {
        mm_free(ptr);
        return NULL;
    }
    if (size > MAX_REQUEST)
        return NULL;
    size_t asize = adjusted_size(size);
    if (asize <= block_size(ptr)) {
        split(ptr, asize);
        return ptr;
    }
    if (grow_in_place(ptr, asize))
        return ptr;
    void *moved = mm_malloc(size);
    if (moved == NULL)
        return NULL;
    memcpy(moved, ptr, block_size(ptr) - OVERHEAD); // the old payload, all of it fits
    mm_free(ptr);
    return moved;
}

void *mm_calloc(size_t nmemb, size_t size)
{
    if (nmemb != 0 && size > SIZE_MAX / nmemb)
        return NULL; // nmemb * size would wrap around
    void *ptr = mm_malloc(nmemb * size);
    if (ptr != NULL)
        memset(ptr, 0, nmemb * size);
    return ptr;
}

/* The heap checker (README "Step 6: the heap checker") */

// Whether bp could be a free block's payload: aligned, after the prologue,
// and with room for a minimal block before the epilogue.  Checked before
// reading anything through a pointer found in the heap, so that a corrupt
// heap is reported instead of crashing the checker.
static int in_heap(const void *bp)
{
    const char *p = bp;
    return (uintptr_t)p % ALIGN == 0 && p > heap_prologue
           && p + MIN_BLOCK <= (char *)mem_heap_hi() + 1;
}

static int check_sentinels(void)
{
    size_t *start = mem_heap_lo();
    if (mem_heapsize() < 4 * WORD || start[1] != pack(OVERHEAD, 1)
        || start[2] != pack(OVERHEAD, 1)) {
        fprintf(stderr, "mm_checkheap: the prologue at %p is damaged\n", (void *)&start[1]);
        return 1;
    }
    size_t *epilogue = (size_t *)((char *)mem_heap_hi() + 1) - 1;
    if (*epilogue != pack(0, 1)) {
        fprintf(stderr, "mm_checkheap: the epilogue at %p holds %#zx, not 0/1\n",
                (void *)epilogue, *epilogue);
        return 1;
    }
    return 0;
}

// Check one block's header and footer.  Returns 0 when they are sound.
static int check_block(char *bp, char *end)
{
    size_t word = *header(bp), size = word & ~(size_t)FLAGS;
    if ((word & FLAGS & ~(size_t)1) != 0 || size < MIN_BLOCK) {
        fprintf(stderr, "mm_checkheap: block %p: header %#zx is not a size that is a "
                "multiple of %d and at least %d, with the allocated bit\n",
                (void *)bp, word, ALIGN, MIN_BLOCK);
        return 1;
    }
    if (size > (size_t)(end - bp) + WORD) {
        fprintf(stderr, "mm_checkheap: block %p: size %zu runs past the end of the heap\n",
                (void *)bp, size);
        return 1;
    }
    if (*footer(bp) != word) {
        fprintf(stderr, "mm_checkheap: block %p: header %#zx and footer %#zx differ\n",
                (void *)bp, word, *footer(bp));
        return 1;
    }
    return 0;
}

// Walk the blocks from the prologue to the epilogue.  Counts the free blocks
// in *free_count.  Returns the number of problems (stops at a bad header,
// since the next block cannot be found from it).
static int check_blocks(int verbose, size_t *free_count)
{
    char *end = (char *)mem_heap_hi() + 1 - WORD; // the epilogue header
    int problems = 0, prev_free = 0;
    *free_count = 0;
    for (char *bp = next_block(heap_prologue); bp != end + WORD; bp = next_block(bp)) {
        if (check_block(bp, end) != 0)
            return problems + 1;
        int is_free = !block_allocated(bp);
        if (verbose)
            printf("  block %p: %6zu bytes, %s\n", (void *)bp, block_size(bp),
                   is_free ? "free" : "allocated");
        if (is_free && prev_free) {
            fprintf(stderr, "mm_checkheap: blocks %p and %p are both free: they were not "
                    "coalesced\n", prev_block(bp), (void *)bp);
            problems++;
        }
        *free_count += is_free;
        prev_free = is_free;
    }
    return problems;
}

// Walk the free list: every entry is a free block inside the heap, the links
// agree both ways, and the list holds exactly the free_count free blocks.
static int check_free_list(size_t free_count)
{
    size_t listed = 0;
    struct free_block *prev = NULL;
    for (struct free_block *block = free_list; block != NULL; block = block->next) {
        if (!in_heap(block)) {
            fprintf(stderr, "mm_checkheap: free list entry %p is not a block in the heap\n",
                    (void *)block);
            return 1;
        }
        if (block_allocated(block) || block->prev != prev) {
            fprintf(stderr, "mm_checkheap: free list entry %p is %s\n", (void *)block,
                    block_allocated(block) ? "marked allocated" : "linked back wrongly");
            return 1;
        }
        if (++listed > free_count) {
            fprintf(stderr, "mm_checkheap: the free list holds more than the %zu free "
                    "blocks in the heap (a cycle, or a stale entry)\n", free_count);
            return 1;
        }
        prev = block;
    }
    if (listed != free_count) {
        fprintf(stderr, "mm_checkheap: the heap has %zu free blocks, the free list %zu\n",
                free_count, listed);
        return 1;
    }
    return 0;
}

int mm_checkheap(int verbose)
{
    size_t free_count;
    if (verbose)
        printf("heap %p..%p, %zu bytes\n", mem_heap_lo(), mem_heap_hi(), mem_heapsize());
    if (check_sentinels() != 0)
        return 1;
    int problems = check_blocks(verbose, &free_count);
    if (problems == 0)
        problems += check_free_list(free_count);
    return problems;
}
