// Public tests of the allocator lab: each checks one behaviour of mm.c.
#include "heaptest.h"
#include "labkit_check.h"
#include "memlib.h"
#include "mm.h"

#include <stdint.h>
#include <string.h>

START_TEST(malloc_returns_writable_blocks)
{
    // Blocks of 1, 100 and 3000 bytes are usable at once and keep their bytes.
    static const size_t sizes[] = {1, 100, 3000};
    void *block[3];
    for (unsigned i = 0; i < 3; i++) {
        block[i] = mm_malloc(sizes[i]);
        heaptest_assert_block(block[i], sizes[i], "mm_malloc");
        heaptest_fill_pattern(block[i], sizes[i], i);
    }
    for (unsigned i = 0; i < 3; i++) {
        size_t at = heaptest_find_change(block[i], sizes[i], i);
        ck_assert_msg(at == sizes[i], "block of %zu bytes: expected its bytes kept, byte %zu "
                      "changed after the other blocks were allocated and written", sizes[i], at);
    }
    for (unsigned i = 0; i < 3; i++)
        mm_free(block[i]);
    heaptest_assert_block(mm_malloc(100), 100, "mm_malloc after freeing");
}
END_TEST

START_TEST(malloc_aligns_every_size_1_to_4096)
{
    // Every size from 1 to 4096 gets a 16-byte aligned block inside the heap.
    enum { WINDOW = 32 };
    void *live[WINDOW] = {NULL};
    for (size_t size = 1; size <= 4096; size++) {
        void *p = mm_malloc(size);
        ck_assert_msg(p != NULL && (uintptr_t)p % MM_ALIGNMENT == 0,
                      "mm_malloc(%zu): expected a multiple of %d, got %p", size, MM_ALIGNMENT, p);
        heaptest_assert_block(p, size, "mm_malloc");
        memset(p, (int)size, size);
        // Keep the last WINDOW blocks live, so that freed ones are reused.
        if (live[size % WINDOW] != NULL)
            mm_free(live[size % WINDOW]);
        live[size % WINDOW] = p;
    }
}
END_TEST

START_TEST(malloc_zero_returns_null)
{
    // mm_malloc(0) returns NULL, and the heap still works afterwards.
    void *p = mm_malloc(0);
    ck_assert_msg(p == NULL, "mm_malloc(0): expected NULL, got %p", p);
    heaptest_assert_block(mm_malloc(1), 1, "mm_malloc(1) after mm_malloc(0)");
}
END_TEST

START_TEST(free_null_does_nothing)
{
    // mm_free(NULL) does nothing: no crash, and the heap stays sound.
    mm_free(NULL);
    void *p = mm_malloc(64);
    heaptest_assert_block(p, 64, "mm_malloc(64) after mm_free(NULL)");
    mm_free(NULL);
    ck_assert_msg(mm_checkheap(0) == 0, "mm_checkheap after mm_free(NULL): expected 0 "
                  "(a sound heap), got non-zero");
}
END_TEST

START_TEST(malloc_returns_null_when_heap_cannot_grow)
{
    // When mem_sbrk fails, mm_malloc returns NULL and the heap stays usable.
    enum { BIG = 4 << 20 };
    heaptest_freeze();
    size_t before = mem_heapsize();
    void *p = mm_malloc(BIG);
    ck_assert_msg(p == NULL, "mm_malloc(%d) with the heap unable to grow: expected NULL, "
                  "got %p", BIG, p);
    ck_assert_msg(mem_heapsize() == before, "heap size: expected %zu, got %zu", before,
                  mem_heapsize());
    ck_assert_msg(mm_checkheap(0) == 0, "mm_checkheap after a failed mm_malloc: expected 0, "
                  "got non-zero");
    mem_set_limit(0);
    heaptest_assert_block(mm_malloc(BIG), BIG, "mm_malloc once the heap can grow again");
}
END_TEST

START_TEST(split_reuses_the_leftover)
{
    // Three 20000-byte requests fit in one freed 64 KiB block: it is split.
    heaptest_fill();
    char *big = mm_malloc(64 << 10);
    heaptest_assert_block(big, 64 << 10, "mm_malloc(64 KiB)");
    mm_free(big);
    heaptest_freeze();
    for (int i = 0; i < 3; i++) {
        void *p = mm_malloc(20000);
        ck_assert_msg(p != NULL, "request %d of 20000 bytes with the heap frozen after freeing "
                      "a 64 KiB block: expected a piece of that block, got NULL (is the rest "
                      "of a block split off as a free block?)", i + 1);
        heaptest_assert_block(p, 20000, "mm_malloc(20000)");
    }
}
END_TEST

// Blocks that lie next to each other on a full heap, which is then frozen
// and used up: from then on only the blocks the test frees can serve a
// request (heaptest.h).
static void allocate_adjacent(char **block, int count, size_t size)
{
    heaptest_allocate_adjacent(block, count, size);
    heaptest_freeze();
    heaptest_use_up();
}

START_TEST(coalesce_with_next_block)
{
    // Freeing a block whose right neighbour is free merges the two.
    char *block[3];
    allocate_adjacent(block, 3, 8000);
    mm_free(block[1]);
    mm_free(block[0]); // its next block is free
    void *p = mm_malloc(16000);
    ck_assert_msg(p != NULL, "mm_malloc(16000) after freeing two adjacent 8000-byte blocks "
                  "(the right one first), heap frozen: expected the merged block, got NULL");
}
END_TEST

START_TEST(coalesce_with_previous_block)
{
    // Freeing a block whose left neighbour is free merges the two.
    char *block[3];
    allocate_adjacent(block, 3, 8000);
    mm_free(block[0]);
    mm_free(block[1]); // its previous block is free
    void *p = mm_malloc(16000);
    ck_assert_msg(p != NULL, "mm_malloc(16000) after freeing two adjacent 8000-byte blocks "
                  "(the left one first), heap frozen: expected the merged block, got NULL");
}
END_TEST

START_TEST(coalesce_with_both_neighbours)
{
    // Freeing a block between two free blocks merges all three.
    char *block[4];
    allocate_adjacent(block, 4, 8000);
    mm_free(block[0]);
    mm_free(block[2]);
    mm_free(block[1]); // both neighbours are free
    void *p = mm_malloc(24000);
    ck_assert_msg(p != NULL, "mm_malloc(24000) after freeing three adjacent 8000-byte blocks "
                  "(the middle one last), heap frozen: expected the merged block, got NULL");
}
END_TEST

START_TEST(realloc_grow_keeps_contents)
{
    // Growing a block with mm_realloc keeps its old bytes.
    char *p = mm_malloc(100);
    heaptest_assert_block(p, 100, "mm_malloc(100)");
    heaptest_fill_pattern(p, 100, 7);
    char *fence = mm_malloc(100); // so that p cannot simply grow into free space
    heaptest_assert_block(fence, 100, "mm_malloc(100)");
    size_t sizes[] = {5000, 20000};
    size_t old = 100;
    for (int i = 0; i < 2; i++) {
        p = mm_realloc(p, sizes[i]);
        heaptest_assert_block(p, sizes[i], "mm_realloc");
        size_t at = heaptest_find_change(p, old, 7);
        ck_assert_msg(at == old, "mm_realloc from %zu to %zu bytes: expected the first %zu "
                      "bytes kept, byte %zu changed", old, sizes[i], old, at);
        heaptest_fill_pattern(p, sizes[i], 7);
        old = sizes[i];
    }
}
END_TEST

START_TEST(realloc_shrink_stays_in_place)
{
    // Shrinking a block returns the same pointer, with its first bytes kept.
    char *p = mm_malloc(4000);
    heaptest_assert_block(p, 4000, "mm_malloc(4000)");
    heaptest_fill_pattern(p, 4000, 3);
    char *q = mm_realloc(p, 1000);
    ck_assert_msg(q == p, "mm_realloc(p, 1000) of a 4000-byte block: expected p (%p), got %p",
                  (void *)p, (void *)q);
    size_t at = heaptest_find_change(q, 1000, 3);
    ck_assert_msg(at == 1000, "after shrinking: expected the first 1000 bytes kept, byte %zu "
                  "changed", at);
}
END_TEST

START_TEST(realloc_grows_into_free_next_block)
{
    // A block followed by a big enough free block grows in place.
    char *block[3];
    heaptest_allocate_adjacent(block, 3, 1000);
    heaptest_fill_pattern(block[0], 1000, 5);
    mm_free(block[1]);
    char *q = mm_realloc(block[0], 1800);
    ck_assert_msg(q == block[0], "mm_realloc to 1800 bytes of a 1000-byte block followed by a "
                  "free 1000-byte block: expected it to grow in place (%p), got %p",
                  (void *)block[0], (void *)q);
    size_t at = heaptest_find_change(q, 1000, 5);
    ck_assert_msg(at == 1000, "after growing: expected the first 1000 bytes kept, byte %zu "
                  "changed", at);
}
END_TEST

START_TEST(realloc_null_and_zero_size)
{
    // mm_realloc(NULL, n) allocates; mm_realloc(p, 0) frees p and returns NULL.
    heaptest_fill();
    void *p = mm_realloc(NULL, 3000);
    heaptest_assert_block(p, 3000, "mm_realloc(NULL, 3000)");
    heaptest_freeze();
    heaptest_use_up();
    void *q = mm_realloc(p, 0);
    ck_assert_msg(q == NULL, "mm_realloc(p, 0): expected NULL, got %p", q);
    ck_assert_msg(mm_malloc(3000) != NULL, "mm_malloc(3000) with the heap frozen after "
                  "mm_realloc(p, 0) of a 3000-byte block: expected p's freed space, got NULL");
}
END_TEST

START_TEST(calloc_zeroes_reused_memory)
{
    // mm_calloc zeroes the block, even where a freed block left bytes behind.
    heaptest_fill();
    char *dirty = mm_malloc(4096);
    heaptest_assert_block(dirty, 4096, "mm_malloc(4096)");
    memset(dirty, 0xa5, 4096);
    heaptest_freeze();
    heaptest_use_up();
    mm_free(dirty);
    unsigned char *p = mm_calloc(512, 8);
    heaptest_assert_block(p, 4096, "mm_calloc(512, 8)");
    for (size_t i = 0; i < 4096; i++)
        ck_assert_msg(p[i] == 0, "mm_calloc(512, 8): expected byte %zu to be 0, got 0x%02x", i,
                      p[i]);
}
END_TEST

START_TEST(calloc_returns_null_on_overflow)
{
    // mm_calloc returns NULL when nmemb * size is too big or overflows.
    ck_assert_msg(mm_calloc(1, SIZE_MAX / 2) == NULL,
                  "mm_calloc(1, SIZE_MAX / 2): expected NULL, got a block");
    ck_assert_msg(mm_calloc(SIZE_MAX / 2 + 2, 2) == NULL,
                  "mm_calloc(SIZE_MAX / 2 + 2, 2), whose product wraps around to 2: "
                  "expected NULL, got a block");
    ck_assert_msg(mm_calloc((size_t)1 << 33, (size_t)1 << 31) == NULL,
                  "mm_calloc(2^33, 2^31), whose product wraps around to 0: expected NULL, "
                  "got a block");
    heaptest_assert_block(mm_calloc(4, 4), 16, "mm_calloc(4, 4) after the overflows");
}
END_TEST

START_TEST(short_traces_pass_the_driver)
{
    // The short traces replay with every operation checked by the driver.
    heaptest_assert_trace_file("short-tree.rep");
    heaptest_assert_trace_file("short-realloc.rep");
    heaptest_assert_trace_file("short-coalesce.rep");
}
END_TEST

START_TEST(random_traces_pass_the_driver)
{
    // Four random traces replay with every operation checked by the driver.
    heaptest_assert_trace_file("random-1.rep");
    heaptest_assert_trace_file("random-2.rep");
    heaptest_assert_trace_file("random-3.rep");
    heaptest_assert_trace_file("random-4.rep");
}
END_TEST

START_TEST(scoring_traces_pass_the_driver)
{
    // The six scoring traces replay with every operation checked.
    static const char *const names[] = {"tree.rep",     "realloc.rep", "small.rep",
                                        "coalesce.rep", "phases.rep",  "mixed.rep"};
    for (int i = 0; i < 6; i++)
        heaptest_assert_trace_file(names[i]);
}
END_TEST

START_TEST(heap_checker_accepts_a_valid_heap)
{
    // mm_checkheap returns 0 on a sound heap of live and free blocks.
    char *block[60];
    for (int i = 0; i < 60; i++) {
        block[i] = mm_malloc(16 + 37 * (size_t)i);
        heaptest_assert_block(block[i], 16 + 37 * (size_t)i, "mm_malloc");
    }
    for (int i = 0; i < 60; i += 3)
        mm_free(block[i]);
    for (int i = 1; i < 60; i += 6)
        block[i] = mm_realloc(block[i], 700);
    ck_assert_msg(mm_checkheap(0) == 0, "mm_checkheap on a sound heap: expected 0, got "
                  "non-zero (see what it printed)");
}
END_TEST

START_TEST(heap_checker_detects_corrupted_header)
{
    // A header overwritten with a size that is not a multiple of 16 is reported.
    // The payloads are written (with bytes that make no sensible header), so
    // a checker that steps over the bad size reads defined memory; it should
    // not follow a size it has not validated (README "Step 6").
    char *block[3];
    heaptest_written_blocks(block, 3, 104);
    // The word before a payload is its block's header (README "The block format").
    ((size_t *)block[1])[-1] = 24 | 1;
    ck_assert_msg(mm_checkheap(0) != 0, "mm_checkheap after the header of the block at %p was "
                  "overwritten with size 24: expected non-zero, got 0", (void *)block[1]);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("malloc-public");
    lk_set_fixture(heaptest_setup, heaptest_teardown);
    LK_ADD(s, malloc_returns_writable_blocks);
    LK_ADD(s, malloc_aligns_every_size_1_to_4096);
    LK_ADD(s, malloc_zero_returns_null);
    LK_ADD(s, free_null_does_nothing);
    LK_ADD(s, malloc_returns_null_when_heap_cannot_grow);
    LK_ADD(s, split_reuses_the_leftover);
    LK_ADD(s, coalesce_with_next_block);
    LK_ADD(s, coalesce_with_previous_block);
    LK_ADD(s, coalesce_with_both_neighbours);
    LK_ADD(s, realloc_grow_keeps_contents);
    LK_ADD(s, realloc_shrink_stays_in_place);
    LK_ADD(s, realloc_grows_into_free_next_block);
    LK_ADD(s, realloc_null_and_zero_size);
    LK_ADD(s, calloc_zeroes_reused_memory);
    LK_ADD(s, calloc_returns_null_on_overflow);
    LK_ADD(s, short_traces_pass_the_driver);
    LK_ADD(s, random_traces_pass_the_driver);
    LK_ADD(s, scoring_traces_pass_the_driver);
    LK_ADD(s, heap_checker_accepts_a_valid_heap);
    LK_ADD(s, heap_checker_detects_corrupted_header);
    return s;
}
