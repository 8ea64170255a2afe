// Demo: threads deposit and withdraw at once on one account.
//
// With the racy account, deposits and withdrawals that overlap overwrite each
// other (money appears or vanishes), and two withdrawals can both pass the
// "enough money?" check before either subtracts (the account goes below 0).
//
// `make demo` builds this with -DLK_EXPLORE and demo/points.c: every plain
// load and store of race.c is then a point where the forced-schedule
// scheduler (labs/common/README.md) may switch threads, and each seed picks
// one schedule, the same on every run, however busy the machine.  `make
// demo-tsan` builds the plain version below, with real threads, for
// ThreadSanitizer's report.
#include <stdio.h>

#include "race.h"
#include "race_lab.h"

#ifdef LK_EXPLORE
#include "forced.h"

// T1 deposits 1; T2 and T3 each withdraw 1, from an account opened with 1:
// whatever the order, 1 + 1 - (withdrawals) must remain, and never below 0.
static int withdrawn[3];

static void teller(int index, void *arg)
{
    (void)arg;
    if (index == 0)
        bank_deposit(1);
    else
        withdrawn[index] = bank_withdraw(1);
}

static void scenario(void *arg)
{
    (void)arg;
    bank_open(1);
    lab_run_threads(3, teller, NULL);
    long taken = withdrawn[1] + withdrawn[2], got = bank_balance();
    lk_explore_check(got >= 0, "opened with 1, deposited 1, withdrew %ld: the balance is %ld, "
                     "below 0", taken, got);
    lk_explore_check(got == 2 - taken, "opened with 1, deposited 1, withdrew %ld: expected "
                     "balance %ld, got %ld", taken, 2 - taken, got);
}

int main(void)
{
    demo_forced("bank", "T1 deposits 1 while T2 and T3 withdraw 1 from an account of 1",
                scenario, 20);
    return 0;
}
#else
// Under TSan, fewer: one unordered pair is enough for a report, and very
// long racing loops can make TSan drop it.
enum { THREADS = 4, TIMES = LAB_UNDER_TSAN ? 5000 : 500000 };

static long taken[THREADS];

static void trade(int index, void *arg)
{
    (void)arg;
    for (long i = 0; i < TIMES; i++) {
        if (index % 2 == 0)
            bank_deposit(1);
        else
            taken[index] += bank_withdraw(1);
    }
}

static void drain(int index, void *arg)
{
    (void)arg;
    for (long i = 0; i < TIMES; i++)
        taken[index] += bank_withdraw(1);
}

static long total_taken(void)
{
    long sum = 0;
    for (int i = 0; i < THREADS; i++) {
        sum += taken[i];
        taken[i] = 0;
    }
    return sum;
}

int main(void)
{
    bank_open(0);
    lab_run_threads(THREADS, trade, NULL);
    long deposited = (long)THREADS / 2 * TIMES, withdrawn = total_taken();
    long want = deposited - withdrawn, got = bank_balance();
    printf("bank: deposited %ld, withdrew %ld: expected balance %ld, got %ld%s\n", deposited,
           withdrawn, want, got, got == want ? "" : "  <- wrong");

    long opening = (long)THREADS * TIMES / 2;
    bank_open(opening);
    lab_run_threads(THREADS, drain, NULL);
    withdrawn = total_taken();
    got = bank_balance();
    printf("bank: %d threads drained %ld: expected %ld withdrawals and balance 0, got %ld and "
           "%ld%s\n", THREADS, opening, opening, withdrawn, got,
           withdrawn == opening && got == 0 ? "" : "  <- wrong");
    return 0;
}
#endif
