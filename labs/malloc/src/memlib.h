// The simulated heap the allocator runs on: one fixed region and a break.
//
// mem_init() reserves MEM_MAX_HEAP bytes once; mem_sbrk() moves the break up
// through it the way sbrk(2) moves a process's break, and the allocator may
// use only the bytes below the break.  Under Valgrind the bytes past the break
// are marked no-access, so a read or write past the end of the heap is
// reported at the instruction that did it.  The names and signatures are
// those of the classic CS:APP malloc lab, so an mm.c written for it compiles.
#ifndef MEMLIB_H
#define MEMLIB_H

#include <stddef.h>
#include <stdint.h>

// The size of the region the break can move through: 20 MiB.
#define MEM_MAX_HEAP (20 * (1 << 20))

// Reserve the region and lift any limit (first call, or after
// mem_deinit), and empty it: the break goes back to the start.  Aborts with
// a message if the region cannot be reserved.
void mem_init(void);

// Give the region back.  Pointers into the heap are invalid afterwards.
void mem_deinit(void);

// Move the break up by `incr` bytes and return the old break, that is the
// start of the new bytes, whose contents are undefined.  Returns (void *)-1,
// and changes nothing, when `incr` is negative or the heap would grow past
// its limit.
void *mem_sbrk(intptr_t incr);

// Move the break back to the start of the region: the heap is empty again.
void mem_reset_brk(void);

// The first byte of the heap, and the last byte below the break.
void *mem_heap_lo(void);
void *mem_heap_hi(void);

// The heap's size in bytes (the break minus the start).
size_t mem_heapsize(void);

// Every byte mem_sbrk() has added since the program started.  It never goes
// down (not even in mem_init or mem_reset_brk), so the driver measures a
// trace's heap as the growth during the trace: the heap's high-water mark
// for an allocator that only grows its heap, and no less for one that moves
// the break back and grows it again.
size_t mem_grown_total(void);

// The system's page size.
size_t mem_pagesize(void);

// Test hook: cap the heap at `max_bytes` so that mem_sbrk() fails once the
// heap would grow past it, and once it has added, in all, more than the
// room there was under the cap (so moving the break back with
// mem_reset_brk() and growing again does not get round it).  0 lifts the
// cap (the limit is MEM_MAX_HEAP).  A cap below the current size makes every
// later mem_sbrk(n > 0) fail.
void mem_set_limit(size_t max_bytes);

#endif
