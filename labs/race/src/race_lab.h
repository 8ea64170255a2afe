// The race lab's own helpers, used by its tests, demos and benchmark: the
// table builder's counters, threads that start together, a clock, and the
// reference sums the parallel sum is measured against.
#ifndef RACE_LAB_H
#define RACE_LAB_H

#include <stddef.h>

// 1 in a ThreadSanitizer build (gcc says __SANITIZE_THREAD__, clang
// __has_feature(thread_sanitizer)), else 0.
#if defined(__SANITIZE_THREAD__)
#define LAB_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LAB_UNDER_TSAN 1
#endif
#endif
#ifndef LAB_UNDER_TSAN
#define LAB_UNDER_TSAN 0
#endif

// table_build() sleeps this long before returning, standing for a table that
// is slow to make (read from disk, say).  The pause keeps the window between
// "no table yet" and "table stored" open, so a check-then-act race happens on
// every run.  20000 (20 ms) unless set; the explore build sets 0.
void lab_table_set_delay(long usec);
long lab_table_builds(void); // tables made by table_build() so far
long lab_table_frees(void);  // tables given back to table_free() so far

// Run fn(index, arg) on `threads` threads (index 0..threads-1) and wait for
// all of them.  The threads wait at a barrier until every one is running, so
// their calls overlap even on a loaded machine.  In an explore build there is
// no barrier: the scheduler decides who runs when.
void lab_run_threads(int threads, void (*fn)(int index, void *arg), void *arg);

// Seconds on a monotonic clock, for measuring intervals.
double lab_seconds(void);

// Seconds of processor time used so far by all the threads of this process,
// living or joined.  Unlike the clock on the wall, it does not grow while
// the threads wait for a processor that other programs are using.
double lab_cpu_seconds(void);

// Fill a[0..n) with small pseudo-random values, the same for the same seed.
void lab_fill(long *a, size_t n, unsigned seed);

// The sum of a[0..n), one thread, one local total.
long lab_sum_serial(const long *a, size_t n);

// The sum of a[0..n) by `threads` threads that add every element to one
// shared total under one mutex: correct, and as slow as sharing gets.
long lab_sum_locked(const long *a, size_t n, int threads);

#endif
