// Demo: two threads deposit and two withdraw, then four drain the account.
//
// With the racy account, deposits and withdrawals that overlap overwrite each
// other (money appears or vanishes), and two withdrawals can both pass the
// "enough money?" check before either subtracts (the account goes below 0).
#include <stdio.h>

#include "race.h"
#include "race_lab.h"

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
