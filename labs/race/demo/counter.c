// Demo: four threads each increment one shared counter a million times.
//
// With the racy counter the total comes out short, by a different amount on
// every run: increments that overlapped were lost.  `make demo` builds it.
#include <stdio.h>

#include "race.h"
#include "race_lab.h"

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
