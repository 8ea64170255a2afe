// Demo: sum eight million numbers on four threads, and on one.
//
// With the racy shared total, the threads' additions overwrite each other
// and the parallel answer is wrong.
#include <stdio.h>
#include <stdlib.h>

#include "race.h"
#include "race_lab.h"

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
