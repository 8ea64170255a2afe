// A fast allocator: segregated free lists, footer-less allocated blocks and
// realloc that grows in place (instructor material: the lab's second
// reference, never released; README "Performance" records its figures).
//
//   | pad | prologue 16/1 | block | block | ... | block | epilogue 0/1 |
//
// Every block starts with a header word: its size (a multiple of 16), bit 0
// set when it is allocated, bit 1 set when the block before it is allocated.
// Only a free block has a footer, since only a free block is ever found from
// its right neighbour (when that neighbour is freed and coalesces), and bit
// 1 says whether there is one to find: an allocated block costs one word.
// So a request of 8 bytes or less fits a 16-byte block.  Freed, such a block
// is its header and its footer and has no room for list links: it stays off
// the lists and is used again only once a neighbour frees and absorbs it.
//
// Free blocks sit in CLASSES doubly linked lists: one per exact size from 32
// to SMALL_MAX bytes (a request there takes the head of its list, an exact
// fit, in O(1)), then four per power of two.  A 64-bit map says which lists
// are non-empty, so the search for a larger list is one bit scan.  Within a
// list, and in the first larger list, the search takes the best of the first
// few blocks that fit: with lists this narrow, that is best fit.  Freed
// blocks coalesce at once; the heap grows only by what a request lacks.
// mm_realloc shrinks in place, grows into a free next block or the heap's
// end, or slides down into a free previous block, and moves only when none
// of that is possible; a big block that grows into a free neighbour takes
// GROW-byte steps when there is room, room for its next step (at the heap's
// end it takes only what it lacks: the heap can grow again next time).
#include "mm.h"

#include "memlib.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum {
    WORD = 8,
    ALIGN = MM_ALIGNMENT,
    ALLOC = 1,             // header bit: this block is allocated
    PREV_ALLOC = 2,        // header bit: the block before is allocated
    FLAGS = ALIGN - 1,
    MINI = ALIGN,          // an allocated block of 8 bytes or less
    MIN_BLOCK = 2 * ALIGN, // a listed free block: header, two links, footer
    SMALL_MAX = 512,       // sizes with an exact list of their own
    SMALL_CLASSES = SMALL_MAX / ALIGN - 1, // 32, 48, ..., SMALL_MAX
    CLASSES = 64,
    LOOKAHEAD = 6,         // blocks that fit, compared in a list of mixed sizes
    GROW = 1024,           // mm_realloc grows big blocks in steps of this
};

#define MAX_REQUEST (SIZE_MAX / 4)

struct free_block {
    struct free_block *next, *prev;
};

static char *heap_first;                       // the first block's payload
static struct free_block *free_lists[CLASSES]; // by size class
static uint64_t nonempty;                      // bit k: free_lists[k] has a block

/* The block format */

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
    return (*header(bp) & ALLOC) != 0;
}

static inline int prev_allocated(void *bp)
{
    return (*header(bp) & PREV_ALLOC) != 0;
}

static inline size_t *footer(void *bp)
{
    return (size_t *)((char *)bp + block_size(bp)) - 2;
}

static inline char *next_block(void *bp)
{
    return (char *)bp + block_size(bp);
}

// Only when the block before is free: its footer is just before bp's header.
static inline char *prev_block(void *bp)
{
    return (char *)bp - ((size_t *)bp)[-2];
}

// Write a block's header (and footer when free), and tell the next block
// whether this one is allocated.
static inline void set_block(void *bp, size_t size, int allocated, int prev_alloc)
{
    *header(bp) = size | (allocated ? ALLOC : 0) | (prev_alloc ? PREV_ALLOC : 0);
    size_t *next = header((char *)bp + size);
    if (allocated) {
        *next |= PREV_ALLOC;
    } else {
        *footer(bp) = size;
        *next &= ~(size_t)PREV_ALLOC;
    }
}

static inline size_t adjusted_size(size_t size)
{
    return (size + WORD + FLAGS) & ~(size_t)FLAGS; // at least MINI, as size > 0
}

/* The free lists */

static inline int size_class(size_t size)
{
    if (size <= SMALL_MAX)
        return (int)(size / ALIGN) - 2;
    // Four lists per power of two above SMALL_MAX (2^9): (512, 640] is the first.
    _Static_assert(SMALL_MAX == 1 << 9, "the classes below start at 2^9");
    size_t s = size - 1;
    int n = 63 - __builtin_clzll((unsigned long long)s);
    int k = SMALL_CLASSES + (n - 9) * 4 + (int)((s >> (n - 2)) & 3);
    return k < CLASSES ? k : CLASSES - 1;
}

static inline void list_insert(void *bp)
{
    if (block_size(bp) == MINI)
        return;
    int k = size_class(block_size(bp));
    struct free_block *block = bp, *head = free_lists[k];
    block->prev = NULL;
    block->next = head;
    if (head != NULL)
        head->prev = block;
    free_lists[k] = block;
    nonempty |= (uint64_t)1 << k;
}

static inline void list_remove(void *bp)
{
    if (block_size(bp) == MINI)
        return;
    struct free_block *block = bp;
    if (block->next != NULL)
        block->next->prev = block->prev;
    if (block->prev != NULL) {
        block->prev->next = block->next;
    } else {
        int k = size_class(block_size(bp));
        free_lists[k] = block->next;
        if (block->next == NULL)
            nonempty &= ~((uint64_t)1 << k);
    }
}

// The best of the first LOOKAHEAD blocks of list k that hold asize bytes.
static struct free_block *best_in(int k, size_t asize)
{
    struct free_block *best = NULL;
    int seen = 0;
    for (struct free_block *b = free_lists[k]; b != NULL; b = b->next) {
        size_t size = block_size(b);
        if (size < asize || (best != NULL && size >= block_size(best)))
            continue;
        best = b;
        if (size == asize || ++seen == LOOKAHEAD)
            break;
    }
    return best;
}

static void *find_fit(size_t asize)
{
    int k = asize < MIN_BLOCK ? 0 : size_class(asize);
    if (k < SMALL_CLASSES) {
        if (free_lists[k] != NULL)
            return free_lists[k]; // every block in an exact list fits exactly
    } else {
        struct free_block *b = best_in(k, asize);
        if (b != NULL)
            return b;
    }
    uint64_t larger = k + 1 < CLASSES ? nonempty & (~(uint64_t)0 << (k + 1)) : 0;
    if (larger == 0)
        return NULL;
    return best_in(__builtin_ctzll(larger), asize);
}

/* Coalescing, splitting, growing */

// Merge the free block bp (not on a list yet) with free neighbours, put the
// result on its list and return it.
static void *coalesce(void *bp)
{
    size_t size = block_size(bp);
    char *next = next_block(bp);
    int prev_alloc = prev_allocated(bp);
    if (!block_allocated(next)) {
        list_remove(next);
        size += block_size(next);
    }
    if (!prev_alloc) {
        char *prev = prev_block(bp);
        list_remove(prev);
        size += block_size(prev);
        bp = prev;
        prev_alloc = prev_allocated(prev);
    }
    set_block(bp, size, 0, prev_alloc);
    list_insert(bp);
    return bp;
}

// Cut the allocated block bp down to asize bytes when the rest can be a
// block, and free the rest.
static void split(void *bp, size_t asize)
{
    size_t size = block_size(bp);
    if (size - asize < MIN_BLOCK)
        return;
    set_block(bp, asize, 1, prev_allocated(bp));
    char *rest = next_block(bp);
    *header(rest) = (size - asize) | PREV_ALLOC; // coalesce writes the rest
    coalesce(rest);
}

// Allocate asize bytes of the free block bp and put the rest, if it can be a
// block, back on a list.  The rest needs no coalescing: bp's neighbours are
// allocated, as every free block's are.
static void *take(char *bp, size_t asize)
{
    size_t size = block_size(bp), prev_bit = *header(bp) & PREV_ALLOC;
    list_remove(bp);
    if (size - asize < MIN_BLOCK) {
        *header(bp) = size | ALLOC | prev_bit;
        *header(bp + size) |= PREV_ALLOC;
        return bp;
    }
    *header(bp) = asize | ALLOC | prev_bit;
    char *rest = bp + asize;
    *header(rest) = (size - asize) | PREV_ALLOC;
    *footer(rest) = size - asize;
    list_insert(rest);
    return bp;
}

static inline size_t *epilogue(void)
{
    return (size_t *)((char *)mem_heap_hi() + 1) - 1;
}

// Grow the heap by `bytes` as a free block merged with a free last block.
static void *extend_heap(size_t bytes)
{
    if (bytes < MINI)
        bytes = MINI;
    int prev_alloc = (*epilogue() & PREV_ALLOC) != 0;
    char *bp = mem_sbrk((intptr_t)bytes);
    if (bp == (void *)-1)
        return NULL;
    *header(bp + bytes) = ALLOC; // the new epilogue
    set_block(bp, bytes, 0, prev_alloc);
    return coalesce(bp);
}

// What a free last block already holds of a request at the heap's end.
static size_t free_at_end(void)
{
    return (*epilogue() & PREV_ALLOC) ? 0 : ((size_t *)epilogue())[-1];
}

/* The API */

int mm_init(void)
{
    size_t *start = mem_sbrk(4 * WORD);
    if (start == (void *)-1)
        return -1;
    start[0] = 0;
    start[1] = 2 * WORD | ALLOC; // prologue header
    start[2] = 2 * WORD | ALLOC; // prologue footer
    start[3] = ALLOC | PREV_ALLOC;
    heap_first = (char *)&start[4];
    memset(free_lists, 0, sizeof free_lists);
    nonempty = 0;
    return 0;
}

void *mm_malloc(size_t size)
{
    if (size == 0 || size > MAX_REQUEST)
        return NULL;
    size_t asize = adjusted_size(size);
    char *bp = find_fit(asize);
    if (bp == NULL && (bp = extend_heap(asize - free_at_end())) == NULL)
        return NULL;
    return take(bp, asize);
}

void mm_free(void *ptr)
{
    if (ptr == NULL)
        return;
    coalesce(ptr); // which writes the header, the footer and the next block's bit
}

// Grow bp to asize bytes without moving its payload: take in a free next
// block, growing the heap first (when may_extend) if bp or that block is last.
static int grow_forward(char *bp, size_t asize, int may_extend)
{
    size_t size = block_size(bp);
    char *next = next_block(bp);
    size_t have = size + (block_allocated(next) ? 0 : block_size(next));
    char *after = block_allocated(next) ? next : next_block(next);
    if (have < asize && may_extend && block_size(after) == 0) { // after is the epilogue
        if (extend_heap(asize - have) == NULL)
            return 0;
        next = next_block(bp);
        have = size + block_size(next);
    }
    if (have < asize)
        return 0;
    if (!block_allocated(next))
        list_remove(next);
    set_block(bp, have, 1, prev_allocated(bp));
    split(bp, asize);
    return 1;
}

// Grow bp to asize bytes by sliding it down into a free previous block
// (with a free next block too).  Returns the new payload, or NULL.
static char *grow_backward(char *bp, size_t asize, size_t payload)
{
    if (prev_allocated(bp))
        return NULL;
    char *prev = prev_block(bp), *next = next_block(bp);
    size_t have = block_size(prev) + block_size(bp);
    if (!block_allocated(next))
        have += block_size(next);
    if (have < asize)
        return NULL;
    list_remove(prev);
    if (!block_allocated(next))
        list_remove(next);
    int prev_alloc = prev_allocated(prev);
    memmove(prev, bp, payload);
    set_block(prev, have, 1, prev_alloc);
    split(prev, asize);
    return prev;
}

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
    size_t asize = adjusted_size(size), old = block_size(ptr);
    if (asize <= old) {
        split(ptr, asize);
        return ptr;
    }
    // A block that grows is likely to grow again, often by a little: when
    // there is room, round a big one up to GROW bytes, so that the next small
    // step fits in place instead of moving the whole block.
    size_t roomy = asize >= GROW ? (asize + GROW - 1) / GROW * GROW : asize;
    if (roomy > asize && grow_forward(ptr, roomy, 0))
        return ptr;
    if (grow_forward(ptr, asize, 1))
        return ptr;
    char *slid = grow_backward(ptr, asize, old - WORD);
    if (slid != NULL)
        return slid;
    void *moved = mm_malloc(size);
    if (moved == NULL)
        return NULL;
    memcpy(moved, ptr, old - WORD);
    mm_free(ptr);
    return moved;
}

void *mm_calloc(size_t nmemb, size_t size)
{
    if (nmemb != 0 && size > SIZE_MAX / nmemb)
        return NULL;
    void *ptr = mm_malloc(nmemb * size);
    if (ptr != NULL)
        memset(ptr, 0, nmemb * size);
    return ptr;
}

/* The heap checker */

static int in_heap(const void *bp)
{
    const char *p = bp;
    return (uintptr_t)p % ALIGN == 0 && p >= heap_first
           && p + MIN_BLOCK <= (char *)mem_heap_hi() + 1;
}

// Walk the blocks; every header is validated before its size is followed.
static int check_blocks(int verbose, size_t *free_count)
{
    char *end = (char *)mem_heap_hi() + 1; // the epilogue's "payload"
    int prev_free = 0;
    *free_count = 0;
    for (char *bp = heap_first; bp != end; bp = next_block(bp)) {
        size_t word = *header(bp), size = word & ~(size_t)FLAGS;
        if ((word & FLAGS & ~(size_t)(ALLOC | PREV_ALLOC)) != 0 || size < MINI
            || size > (size_t)(end - bp)) {
            fprintf(stderr, "mm_checkheap: block %p: header %#zx is not a sound size\n",
                    (void *)bp, word);
            return 1;
        }
        int is_free = !(word & ALLOC);
        if (is_free && *footer(bp) != size) {
            fprintf(stderr, "mm_checkheap: free block %p: header %#zx, footer %#zx\n",
                    (void *)bp, word, *footer(bp));
            return 1;
        }
        if (prev_allocated(bp) == prev_free || (is_free && prev_free)) {
            fprintf(stderr, "mm_checkheap: block %p: %s\n", (void *)bp,
                    is_free && prev_free ? "two free blocks in a row"
                                         : "its previous-allocated bit is wrong");
            return 1;
        }
        if (verbose)
            printf("  block %p: %6zu bytes, %s\n", (void *)bp, size,
                   is_free ? "free" : "allocated");
        *free_count += is_free && size >= MIN_BLOCK;
        prev_free = is_free;
    }
    if (((*epilogue() & PREV_ALLOC) != 0) == prev_free) {
        fprintf(stderr, "mm_checkheap: the epilogue's previous-allocated bit is wrong\n");
        return 1;
    }
    return 0;
}

static int check_lists(size_t free_count)
{
    size_t listed = 0;
    for (int k = 0; k < CLASSES; k++) {
        if (((nonempty >> k) & 1) != (free_lists[k] != NULL)) {
            fprintf(stderr, "mm_checkheap: the map of non-empty lists is wrong at %d\n", k);
            return 1;
        }
        struct free_block *prev = NULL;
        for (struct free_block *b = free_lists[k]; b != NULL; prev = b, b = b->next) {
            if (!in_heap(b) || block_allocated(b) || b->prev != prev
                || size_class(block_size(b)) != k || ++listed > free_count) {
                fprintf(stderr, "mm_checkheap: list %d: entry %p is not a free block of "
                        "that class linked back to %p (or the lists hold more than the "
                        "%zu free blocks)\n", k, (void *)b, (void *)prev, free_count);
                return 1;
            }
        }
    }
    if (listed != free_count) {
        fprintf(stderr, "mm_checkheap: %zu free blocks, %zu on the lists\n", free_count,
                listed);
        return 1;
    }
    return 0;
}

int mm_checkheap(int verbose)
{
    size_t *start = mem_heap_lo(), free_count;
    if (mem_heapsize() < 4 * WORD || start[1] != (2 * WORD | ALLOC)
        || start[2] != (2 * WORD | ALLOC) || (*epilogue() & ~(size_t)PREV_ALLOC) != ALLOC) {
        fprintf(stderr, "mm_checkheap: the prologue or the epilogue is damaged\n");
        return 1;
    }
    if (verbose)
        printf("heap %p..%p, %zu bytes\n", mem_heap_lo(), mem_heap_hi(), mem_heapsize());
    if (check_blocks(verbose, &free_count) != 0)
        return 1;
    return check_lists(free_count);
}
