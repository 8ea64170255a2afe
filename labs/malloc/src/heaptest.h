// Helpers shared by the allocator lab's test suites.
//
// The tests watch an allocator only through what it must do (README "The
// API"), never through its internals.  To see whether a freed block can be
// reused, a test first freezes the heap (mem_set_limit at its current size)
// and uses up every free byte in it; from then on a request succeeds only if
// the allocator finds room among the blocks the test frees.
#ifndef HEAPTEST_H
#define HEAPTEST_H

#include "trace.h"

#include <stddef.h>

// The fixture: a fresh simulated heap and mm_init() before each test (which
// fails the test if mm_init() returns non-zero), mem_deinit() after.
void heaptest_setup(void);
void heaptest_teardown(void);

// Stop the heap from growing past its current size.
void heaptest_freeze(void);

// Allocate until nothing more fits (largest requests first, down to 1 byte),
// so that no free space is left in a frozen heap.  Fails the test if the
// allocator keeps returning blocks without the heap running out.
void heaptest_use_up(void);

// heaptest_freeze() then heaptest_use_up(), then lift the limit: the next
// requests are met from new heap space, one block after another.
void heaptest_fill(void);

// Give block[0..count-1] `count` blocks of `size` bytes that lie next to
// each other in the heap, in address order, with nothing between them: the
// handout's block format fits a block of `size` bytes in round_up(size +
// 16, 16) bytes, so a block starting no further than that after another
// one is its right neighbour.  Blocks are allocated on a full heap (so they
// come from new heap space) and sorted by address, since an allocator may
// grow the heap in chunks and place a block anywhere in a free block; the
// extra ones stay allocated.  Fails the test with "this case needs ..." if
// no such run turns up.
void heaptest_allocate_adjacent(char **block, int count, size_t size);

// Fill `size` bytes at p with a pattern made from `seed`; find the first
// byte that no longer holds it (size when all do).
void heaptest_fill_pattern(void *p, size_t size, unsigned seed);
size_t heaptest_find_change(const void *p, size_t size, unsigned seed);

// Fail the test unless [p, p + size) is 16-byte aligned and inside the heap.
void heaptest_assert_block(const void *p, size_t size, const char *what);

// Allocate `count` blocks of `size` bytes and write every byte of them (with
// bytes that make no sensible header), so a heap checker reading where a
// free block would keep its links and footer reads defined memory; then
// fail the test unless mm_checkheap finds the heap sound.  The start of a
// test that damages the heap on purpose.
void heaptest_written_blocks(char **block, int count, size_t size);

// Replay a trace (trace_check) and fail the test with the driver's message
// if any operation went wrong.  The _file form reads a .rep file first.
void heaptest_assert_trace(const struct trace *trace);
void heaptest_assert_trace_file(const char *path);

#endif
