// Hidden tests of the allocator lab: other traces, edge cases and checks.
#include "heaptest.h"
#include "labkit_check.h"
#include "memlib.h"
#include "mm.h"
#include "tracegen.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

// Make a trace in memory (seeds unlike the public traces'), replay it with
// every operation checked, and fail the test on the first problem.
static void check_generated(const char *kind, uint64_t seed, int num_ops)
{
    struct trace *trace = tracegen_make(kind, seed, num_ops);
    ck_assert_msg(trace != NULL, "cannot make a '%s' trace", kind);
    snprintf(trace->name, sizeof trace->name, "%s trace %llu", kind, (unsigned long long)seed);
    heaptest_assert_trace(trace);
    trace_free(trace);
}

START_TEST(hidden_random_traces)
{
    // Random traces unlike the public ones replay with every operation checked.
    check_generated("random", 7001, 700);
    check_generated("random", 7002, 700);
    check_generated("small", 7003, 700);
    check_generated("phases", 7004, 700);
}
END_TEST

START_TEST(hidden_structured_traces)
{
    // Tree and coalescing traces unlike the public ones replay correctly.
    check_generated("tree", 7101, 1500);
    check_generated("coalesce", 7102, 1500);
}
END_TEST

START_TEST(hidden_realloc_traces)
{
    // Realloc-heavy traces unlike the public ones replay correctly.
    check_generated("realloc", 7201, 1200);
    check_generated("realloc", 7202, 1200);
}
END_TEST

START_TEST(malloc_huge_request_returns_null)
{
    // Requests near SIZE_MAX return NULL: the size arithmetic does not wrap.
    static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 15, SIZE_MAX / 2 + 1, MEM_MAX_HEAP};
    for (int i = 0; i < 4; i++) {
        void *p = mm_malloc(sizes[i]);
        ck_assert_msg(p == NULL, "mm_malloc(%zu): expected NULL, got %p", sizes[i], p);
    }
    heaptest_assert_block(mm_malloc(100), 100, "mm_malloc(100) after the huge requests");
}
END_TEST

START_TEST(realloc_failure_keeps_the_block)
{
    // When mm_realloc cannot grow a block it returns NULL and the block is kept.
    char *p = mm_malloc(500);
    heaptest_assert_block(p, 500, "mm_malloc(500)");
    heaptest_fill_pattern(p, 500, 11);
    void *q = mm_realloc(p, SIZE_MAX - 8);
    ck_assert_msg(q == NULL, "mm_realloc(p, SIZE_MAX - 8): expected NULL, got %p", q);
    heaptest_freeze();
    q = mm_realloc(p, 1 << 20);
    ck_assert_msg(q == NULL, "mm_realloc(p, 1 MiB) with the heap frozen: expected NULL, got "
                  "%p", q);
    size_t at = heaptest_find_change(p, 500, 11);
    ck_assert_msg(at == 500, "after the failed mm_realloc: expected the block's 500 bytes "
                  "kept, byte %zu changed", at);
    ck_assert_msg(mm_checkheap(0) == 0, "mm_checkheap after the failed mm_realloc: expected "
                  "0, got non-zero");
}
END_TEST

START_TEST(freed_block_is_reused)
{
    // A freed block serves the next request of its size without heap growth.
    heaptest_fill();
    void *p = mm_malloc(5000);
    heaptest_assert_block(p, 5000, "mm_malloc(5000)");
    heaptest_freeze();
    heaptest_use_up();
    mm_free(p);
    void *q = mm_malloc(5000);
    ck_assert_msg(q != NULL, "mm_malloc(5000) with the heap frozen after freeing a 5000-byte "
                  "block: expected that block, got NULL (does mm_free put blocks back?)");
}
END_TEST

START_TEST(heap_growth_merges_with_free_last_block)
{
    // New heap space merges with a free block at the end of the heap.
    //
    // An allocator may grow the heap by exactly what a request lacks, or in
    // chunks, and may place the block anywhere in the merged free space, so
    // the merge shows in one of three ways: the block starts where the free
    // last block did; or the heap grew by less than the request; or what is
    // left free after the request is one piece, bigger than the old last
    // block and the new space's leftover could each hold alone.
    enum { LAST = 2000, REQUEST = 3000, MARGIN = 96 };
    heaptest_fill();
    char *last = mm_malloc(LAST);
    heaptest_assert_block(last, LAST, "mm_malloc(2000)");
    size_t before = mem_heapsize(), grown_before = mem_grown_total();
    mm_free(last);
    char *p = mm_malloc(REQUEST);
    heaptest_assert_block(p, REQUEST, "mm_malloc(3000)");
    size_t grown = mem_grown_total() - grown_before;
    ck_assert_msg(mem_heapsize() == before + grown, "mm_free and mm_malloc(%d) added %zu "
                  "bytes to the heap, yet it went from %zu to %zu bytes: expected it only to "
                  "grow at its end", REQUEST, grown, before, mem_heapsize());
    if (p == last || grown < REQUEST)
        return;
    // The free space left is about grown + LAST - REQUEST bytes: one block if
    // it merged, else the old last block (about LAST) and the new space's
    // leftover (about grown - REQUEST), each smaller than the request below.
    size_t rest = grown + LAST - REQUEST - MARGIN;
    ck_assert_msg(rest > LAST + MARGIN && rest > grown - REQUEST + MARGIN,
                  "mm_malloc(%d) after freeing the heap's last block (%d bytes at %p) grew "
                  "the heap by %zu bytes and returned %p: expected the new space to merge "
                  "with that free block (the block placed at %p, or the heap grown by less "
                  "than the request, or by a chunk whose leftover merges with it)",
                  REQUEST, LAST, (void *)last, grown, (void *)p, (void *)last);
    heaptest_freeze();
    ck_assert_msg(mm_malloc(rest) != NULL, "mm_malloc(%d) after freeing the heap's last "
                  "block (%d bytes) grew the heap by %zu bytes: expected the free space "
                  "left (about %zu bytes) to be one merged block, but mm_malloc(%zu) with "
                  "the heap frozen got NULL", REQUEST, LAST, grown, rest + MARGIN, rest);
}
END_TEST

START_TEST(realloc_shrink_frees_the_tail)
{
    // Shrinking a block frees its tail for other requests.
    heaptest_fill();
    char *p = mm_malloc(16000);
    heaptest_assert_block(p, 16000, "mm_malloc(16000)");
    heaptest_freeze();
    heaptest_use_up();
    char *q = mm_realloc(p, 1000);
    ck_assert_msg(q == p, "mm_realloc(p, 1000) of a 16000-byte block: expected p (%p), got "
                  "%p", (void *)p, (void *)q);
    ck_assert_msg(mm_malloc(12000) != NULL, "mm_malloc(12000) with the heap frozen after "
                  "shrinking a 16000-byte block to 1000: expected the freed tail, got NULL");
}
END_TEST

START_TEST(realloc_moves_when_neighbour_is_allocated)
{
    // A block that must move to grow keeps its bytes and leaves its neighbour intact.
    char *p = mm_malloc(100), *next = mm_malloc(100);
    heaptest_assert_block(p, 100, "mm_malloc(100)");
    heaptest_assert_block(next, 100, "mm_malloc(100)");
    heaptest_fill_pattern(p, 100, 21);
    heaptest_fill_pattern(next, 100, 22);
    char *q = mm_realloc(p, 10000);
    heaptest_assert_block(q, 10000, "mm_realloc(p, 10000)");
    ck_assert_msg(q + 10000 <= next || q >= next + 100, "mm_realloc(p, 10000) returned %p, "
                  "which overlaps the live block at %p", (void *)q, (void *)next);
    size_t at = heaptest_find_change(q, 100, 21);
    ck_assert_msg(at == 100, "after moving: expected the first 100 bytes kept, byte %zu "
                  "changed", at);
    at = heaptest_find_change(next, 100, 22);
    ck_assert_msg(at == 100, "the neighbouring block: expected its bytes kept, byte %zu "
                  "changed", at);
}
END_TEST

START_TEST(calloc_edge_cases)
{
    // mm_calloc of zero elements or too much returns NULL; a small one is zeroed.
    ck_assert_msg(mm_calloc(0, 16) == NULL, "mm_calloc(0, 16): expected NULL (as mm_malloc(0))");
    ck_assert_msg(mm_calloc(16, 0) == NULL, "mm_calloc(16, 0): expected NULL (as mm_malloc(0))");
    ck_assert_msg(mm_calloc(SIZE_MAX, 1) == NULL, "mm_calloc(SIZE_MAX, 1): expected NULL");
    ck_assert_msg(mm_calloc(SIZE_MAX, SIZE_MAX) == NULL,
                  "mm_calloc(SIZE_MAX, SIZE_MAX): expected NULL");
    unsigned char *p = mm_calloc(3, 7);
    heaptest_assert_block(p, 21, "mm_calloc(3, 7)");
    for (int i = 0; i < 21; i++)
        ck_assert_msg(p[i] == 0, "mm_calloc(3, 7): expected byte %d to be 0, got 0x%02x", i,
                      p[i]);
}
END_TEST

START_TEST(mm_init_starts_over)
{
    // mm_init after mem_reset_brk forgets the old heap, free list included.
    for (int i = 0; i < 20; i++)
        mm_free(mm_malloc(100 + 300 * (size_t)i)); // leaves free blocks behind
    mem_reset_brk();
    int status = mm_init();
    ck_assert_msg(status == 0, "mm_init() after mem_reset_brk(): expected 0, got %d", status);
    for (int i = 0; i < 20; i++)
        heaptest_assert_block(mm_malloc(200), 200, "mm_malloc(200) in the new heap");
    ck_assert_msg(mm_checkheap(0) == 0, "mm_checkheap on the new heap: expected 0, got "
                  "non-zero");
}
END_TEST

START_TEST(heap_checker_detects_block_wrongly_marked_free)
{
    // An allocated block whose header says "free" is reported.  The payloads
    // are written, so whatever the checker reads where a free block would
    // keep its links and footer is defined.
    char *block[3];
    heaptest_written_blocks(block, 3, 200);
    ((size_t *)block[1])[-1] &= ~(size_t)1; // clear the allocated bit
    ck_assert_msg(mm_checkheap(0) != 0, "mm_checkheap after clearing the allocated bit of the "
                  "block at %p (not on the free list): expected non-zero, got 0",
                  (void *)block[1]);
}
END_TEST

START_TEST(heap_checker_detects_corrupted_free_footer)
{
    // A free block whose footer disagrees with its header is reported.
    char *block[3];
    heaptest_allocate_adjacent(block, 3, 200);
    mm_free(block[1]);
    ck_assert_msg(mm_checkheap(0) == 0, "mm_checkheap before the damage: expected 0, got "
                  "non-zero");
    // The free block's footer is the word before its right neighbour's header.
    ((size_t *)block[2])[-2] ^= 0x40;
    ck_assert_msg(mm_checkheap(0) != 0, "mm_checkheap after changing the footer of the free "
                  "block at %p: expected non-zero, got 0", (void *)block[1]);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("malloc-hidden");
    lk_set_fixture(heaptest_setup, heaptest_teardown);
    LK_ADD(s, hidden_random_traces);
    LK_ADD(s, hidden_structured_traces);
    LK_ADD(s, hidden_realloc_traces);
    LK_ADD(s, malloc_huge_request_returns_null);
    LK_ADD(s, realloc_failure_keeps_the_block);
    LK_ADD(s, freed_block_is_reused);
    LK_ADD(s, heap_growth_merges_with_free_last_block);
    LK_ADD(s, realloc_shrink_frees_the_tail);
    LK_ADD(s, realloc_moves_when_neighbour_is_allocated);
    LK_ADD(s, calloc_edge_cases);
    LK_ADD(s, mm_init_starts_over);
    LK_ADD(s, heap_checker_detects_block_wrongly_marked_free);
    LK_ADD(s, heap_checker_detects_corrupted_free_footer);
    return s;
}
