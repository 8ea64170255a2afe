// Helpers shared by the allocator lab's test suites (see heaptest.h).
#include "heaptest.h"

#include "labkit_check.h"
#include "memlib.h"
#include "mm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void heaptest_setup(void)
{
    mem_init();
    int status = mm_init();
    ck_assert_msg(status == 0, "mm_init() on an empty heap: expected 0, got %d", status);
}

void heaptest_teardown(void)
{
    mem_deinit();
}

void heaptest_freeze(void)
{
    // A limit of 0 means "none", so an empty heap is frozen at one byte.
    mem_set_limit(mem_heapsize() > 0 ? mem_heapsize() : 1);
}

void heaptest_use_up(void)
{
    // Each success takes at least one byte of a frozen heap, so this ends;
    // the cap only stops an allocator that hands out blocks from nowhere.
    long blocks = 0;
    for (size_t size = (size_t)1 << 22; size > 0; size /= 2) {
        while (mm_malloc(size) != NULL) {
            ck_assert_msg(++blocks < 200000, "the heap is frozen at %zu bytes, yet mm_malloc "
                          "keeps returning blocks (200000 so far)", mem_heapsize());
        }
    }
}

void heaptest_fill(void)
{
    heaptest_freeze();
    heaptest_use_up();
    mem_set_limit(0);
}

static unsigned char pattern_byte(unsigned seed, size_t i)
{
    return (unsigned char)(seed * 97u + i * 13u + (i >> 9));
}

void heaptest_fill_pattern(void *p, size_t size, unsigned seed)
{
    unsigned char *bytes = p;
    for (size_t i = 0; i < size; i++)
        bytes[i] = pattern_byte(seed, i);
}

size_t heaptest_find_change(const void *p, size_t size, unsigned seed)
{
    const unsigned char *bytes = p;
    for (size_t i = 0; i < size; i++)
        if (bytes[i] != pattern_byte(seed, i))
            return i;
    return size;
}

void heaptest_assert_block(const void *p, size_t size, const char *what)
{
    uintptr_t start = (uintptr_t)p, lo = (uintptr_t)mem_heap_lo();
    uintptr_t end = (uintptr_t)mem_heap_hi() + 1;
    ck_assert_msg(p != NULL, "%s: expected a block of %zu bytes, got NULL", what, size);
    ck_assert_msg(start % MM_ALIGNMENT == 0, "%s: expected a multiple of %d, got %p", what,
                  MM_ALIGNMENT, p);
    ck_assert_msg(start >= lo && start < end && size <= end - start,
                  "%s: expected %zu bytes inside the heap [%p, %p), got %p", what, size,
                  (void *)lo, (void *)end, p);
}

void heaptest_written_blocks(char **block, int count, size_t size)
{
    for (int i = 0; i < count; i++) {
        block[i] = mm_malloc(size);
        heaptest_assert_block(block[i], size, "mm_malloc before the damage");
        memset(block[i], 0xa5, size);
    }
    ck_assert_msg(mm_checkheap(0) == 0, "mm_checkheap before the damage: expected 0, got "
                  "non-zero");
}

void heaptest_assert_trace(const struct trace *trace)
{
    struct trace_result result;
    trace_check(trace, &result);
    ck_assert_msg(result.ok, "%s", result.message);
}

void heaptest_assert_trace_file(const char *path)
{
    char error[512];
    struct trace *trace = trace_read(path, error, sizeof error);
    ck_assert_msg(trace != NULL, "cannot read the trace: %s", error);
    heaptest_assert_trace(trace);
    trace_free(trace);
}

static int compare_addresses(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (char *const *)a, y = (uintptr_t) * (char *const *)b;
    return x < y ? -1 : x > y;
}

void heaptest_allocate_adjacent(char **block, int count, size_t size)
{
    enum { EXTRA = 8, MAX = 16 };
    char *got[MAX + EXTRA];
    int total = count + EXTRA;
    size_t step = (size + 16 + MM_ALIGNMENT - 1) / MM_ALIGNMENT * MM_ALIGNMENT;
    ck_assert_msg(count <= MAX, "heaptest_allocate_adjacent: at most %d blocks", MAX);
    heaptest_fill();
    for (int i = 0; i < total; i++) {
        got[i] = mm_malloc(size);
        heaptest_assert_block(got[i], size, "mm_malloc");
    }
    qsort(got, (size_t)total, sizeof got[0], compare_addresses);
    for (int first = 0; first + count <= total; first++) {
        int run = 1;
        while (run < count && got[first + run] - got[first + run - 1] <= (ptrdiff_t)step)
            run++;
        if (run == count) {
            for (int i = 0; i < count; i++)
                block[i] = got[first + i];
            return;
        }
    }
    ck_abort_msg("this case needs %d blocks of %zu bytes next to each other in the heap, each "
                 "starting at most %zu bytes after the one before (a header and a footer "
                 "apart): %d blocks allocated one after another on a full heap gave no such "
                 "run", count, size, step, total);
}
