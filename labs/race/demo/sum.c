// Demo: sum eight million numbers on four threads, and on one.
//
// With the racy shared total, the threads' additions overwrite each other
// and the parallel answer is wrong.
//
// `make demo` builds it with forced schedules (demo/points.c), so the bug
// shows on every run, even on a busy machine where the threads rarely
// overlap; `make demo-tsan` builds the plain version, with real threads.
#include <stdio.h>
#include <stdlib.h>

#include "race.h"
#include "race_lab.h"

#ifdef LK_EXPLORE
#include "forced.h"

static long forced_numbers[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static void scenario(void *arg)
{
    (void)arg;
    long got = sum_parallel(forced_numbers, 8, 2);
    lk_explore_check(got == 36, "1 + 2 + ... + 8 on 2 threads: expected 36, got %ld", got);
}

int main(void)
{
    demo_forced("sum", "T1 and T2 each add 4 of the numbers 1 to 8 into the total", scenario,
                20);
    return 0;
}
#else
// Under TSan, fewer: one unordered pair is enough for a report, and very
// long racing loops can make TSan drop it.
enum { THREADS = 4, NUMBERS = LAB_UNDER_TSAN ? 1 << 16 : 8 << 20 };

int main(void)
{
    long *a = malloc(NUMBERS * sizeof *a);
    if (!a)
        return 1;
    lab_fill(a, NUMBERS, 1);
    long want = lab_sum_serial(a, NUMBERS), got = sum_parallel(a, NUMBERS, THREADS);
    printf("sum: %d numbers on %d threads: expected %ld, got %ld%s\n", NUMBERS, THREADS, want,
           got, got == want ? "" : "  <- wrong");
    free(a);
    return 0;
}
#endif
