// The simulated heap: a fixed mmap'd region with a break that only grows.
#include "memlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

// Valgrind's client requests let the heap tell Memcheck which bytes are
// usable.  Without the header (package `valgrind` on Debian) they do nothing.
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MEM_HAVE_MEMCHECK 1
#endif
#endif
#ifndef MEM_HAVE_MEMCHECK
#define VALGRIND_MAKE_MEM_NOACCESS(addr, len) ((void)(addr), (void)(len))
#define VALGRIND_MAKE_MEM_UNDEFINED(addr, len) ((void)(addr), (void)(len))
#endif

static char *heap_start;  // first byte of the region
static char *heap_brk;    // the break: first byte past the heap
static size_t heap_limit; // mem_sbrk() never grows the heap past this size
// While a limit is set, mem_sbrk() also adds no more than limit_budget bytes
// in all (counted from limit_grown), so that moving the break back down and
// growing again cannot get round a frozen heap.
static int limited;
static size_t limit_budget, limit_grown;
// Every byte mem_sbrk() ever added, in this process: it never goes down, so
// a driver that reads it before and after a trace learns how much heap the
// trace needed, whatever the allocator did to the break in between.
static size_t heap_grown;

void mem_init(void)
{
    if (heap_start == NULL) {
        void *region = mmap(NULL, MEM_MAX_HEAP, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (region == MAP_FAILED) {
            perror("mem_init: cannot reserve the simulated heap");
            abort();
        }
        heap_start = heap_brk = region;
        mem_set_limit(0);
    }
    mem_reset_brk();
}

void mem_deinit(void)
{
    if (heap_start == NULL)
        return;
    munmap(heap_start, MEM_MAX_HEAP);
    heap_start = heap_brk = NULL;
}

void *mem_sbrk(intptr_t incr)
{
    size_t room = heap_limit > mem_heapsize() ? heap_limit - mem_heapsize() : 0;
    if (limited) {
        size_t used = heap_grown - limit_grown;
        size_t left = limit_budget > used ? limit_budget - used : 0;
        room = left < room ? left : room;
    }
    if (heap_start == NULL || incr < 0 || (size_t)incr > room)
        return (void *)-1;
    char *old_brk = heap_brk;
    heap_brk += incr;
    heap_grown += (size_t)incr;
    // The new bytes are usable but hold nothing yet: Memcheck then reports a
    // branch on a header the allocator forgot to write.
    VALGRIND_MAKE_MEM_UNDEFINED(old_brk, incr);
    return old_brk;
}

void mem_reset_brk(void)
{
    heap_brk = heap_start;
    // Everything past the break is off limits, so an access past the end of
    // the heap is an error at the instruction that made it.
    if (heap_start != NULL)
        VALGRIND_MAKE_MEM_NOACCESS(heap_start, MEM_MAX_HEAP);
}

void *mem_heap_lo(void)
{
    return heap_start;
}

void *mem_heap_hi(void)
{
    return heap_brk - 1;
}

size_t mem_heapsize(void)
{
    return (size_t)(heap_brk - heap_start);
}

size_t mem_grown_total(void)
{
    return heap_grown;
}

size_t mem_pagesize(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

void mem_set_limit(size_t max_bytes)
{
    limited = max_bytes != 0 && max_bytes < MEM_MAX_HEAP;
    heap_limit = limited ? max_bytes : MEM_MAX_HEAP;
    limit_grown = heap_grown;
    limit_budget = heap_limit > mem_heapsize() ? heap_limit - mem_heapsize() : 0;
}
