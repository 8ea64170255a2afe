// Helpers shared by the allocator lab's test suites (see heaptest.h).
#include "heaptest.h"

#include "labkit_check.h"
#include "memlib.h"
#include "mm.h"

#include <stdint.h>

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
