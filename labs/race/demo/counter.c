// Demo: four threads each increment one shared counter a million times.
//
// With the racy counter the total comes out short, by a different amount on
// every run: increments that overlapped were lost.
//
// `make demo` builds it with forced schedules (demo/points.c), so the bug
// shows on every run, even on a busy machine where the threads rarely
// overlap; `make demo-tsan` builds the plain version, with real threads.
#include <stdio.h>

#include "race.h"
#include "race_lab.h"

#ifdef LK_EXPLORE
#include "forced.h"

enum { FORCED_THREADS = 2, FORCED_TIMES = 3 };

static void add_few(int index, void *arg)
{
    (void)index;
    (void)arg;
    for (int i = 0; i < FORCED_TIMES; i++)
        counter_increment();
}

static void scenario(void *arg)
{
    (void)arg;
    counter_reset();
    lab_run_threads(FORCED_THREADS, add_few, NULL);
    long got = counter_read();
    lk_explore_check(got == FORCED_THREADS * FORCED_TIMES, "expected %d, got %ld: increments "
                     "were lost", FORCED_THREADS * FORCED_TIMES, got);
}

int main(void)
{
    demo_forced("counter", "T1 and T2 each increment the counter 3 times", scenario, 20);
    return 0;
}
#else
// Under TSan, fewer: one unordered pair is enough for a report, and very
// long racing loops can make TSan drop it.
enum { THREADS = 4, TIMES = LAB_UNDER_TSAN ? 10000 : 1000000 };

static void add_many(int index, void *arg)
{
    (void)index;
    (void)arg;
    for (long i = 0; i < TIMES; i++)
        counter_increment();
}

int main(void)
{
    counter_reset();
    lab_run_threads(THREADS, add_many, NULL);
    long want = (long)THREADS * TIMES, got = counter_read();
    printf("counter: %d threads x %d increments: expected %ld, got %ld%s\n", THREADS, TIMES,
           want, got, got == want ? "" : "  <- wrong: increments were lost");
    return 0;
}
#endif
