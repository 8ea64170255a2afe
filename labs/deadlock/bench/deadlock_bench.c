// Benchmark: what each way out of deadlock costs, as ratios against a baseline
// measured in the same run.
//
//     make -C labs/deadlock bench SUBMISSION=starter/deadlock
//
// Three figures, each the best of several rounds that alternate the
// submission's code and its baseline, so a busy machine slows both alike:
//   - the lock-order checker: a lock+unlock pair through lo_mutex, nested 1,
//     2 and 4 deep, against the bare lk_mutex underneath (one thread);
//   - the bank: transfers per second with per-account locks in id order
//     (task 1) against one lock for the whole bank, on 2 threads;
//   - the philosophers: meals per second with back-off (task 2) against one
//     lock for the whole table, 5 seats, one thread a seat.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bank.h"
#include "lockorder.h"
#include "philosophers.h"

enum { ROUNDS = 5, ACCOUNTS = 16, BANK_THREADS = 2, SEATS = 5 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double best(const double *v)
{
    double b = v[0];
    for (int i = 1; i < ROUNDS; i++)
        b = v[i] < b ? v[i] : b;
    return b;
}

// ---- The checker: nested lock+unlock, checked against bare ----

static void count_report(const struct lo_cycle *cycle, void *arg)
{
    (void)cycle;
    ++*(long *)arg;
}

// ns per lock+unlock pair, `depth` locks taken in one fixed order.
static double nested_pairs(int depth, int checked, long rounds)
{
    static struct lo_mutex lo[4];
    static lk_mutex_t bare[4];
    static const char *const names[4] = {"L0", "L1", "L2", "L3"};
    long reports = 0;
    lo_reset();
    lo_set_reporter(count_report, &reports);
    for (int i = 0; i < depth; i++) {
        lo_mutex_init(&lo[i], names[i]);
        lk_mutex_init(&bare[i], names[i]);
    }
    double start = now();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < depth; i++)
            checked ? lo_mutex_lock(&lo[i]) : lk_mutex_lock(&bare[i]);
        for (int i = depth - 1; i >= 0; i--)
            checked ? lo_mutex_unlock(&lo[i]) : lk_mutex_unlock(&bare[i]);
    }
    double ns = (now() - start) * 1e9 / (double)(rounds * depth);
    for (int i = 0; i < depth; i++) {
        lo_mutex_destroy(&lo[i]);
        lk_mutex_destroy(&bare[i]);
    }
    lo_set_reporter(NULL, NULL);
    if (reports)
        printf("  (the checker reported %ld cycles where the order never changed)\n", reports);
    return ns;
}

// Does lo_mutex_lock take the lock underneath?  (The starter's does not.)
static int checker_locks(void)
{
    struct lo_mutex m;
    lo_reset();
    lo_mutex_init(&m, "probe");
    lo_mutex_lock(&m);
    int taken = lk_mutex_trylock(&m.lock) != 0;
    if (!taken)
        lk_mutex_unlock(&m.lock);
    else
        lo_mutex_unlock(&m);
    lo_mutex_destroy(&m);
    return taken;
}

static void bench_checker(void)
{
    if (!checker_locks()) {
        printf("lock-order checker: lo_mutex_lock does not take the lock yet (task 3): no figure\n");
        return;
    }
    printf("lock-order checker: ns per lock+unlock pair, nested in one order (best of %d)\n",
           ROUNDS);
    printf("  %-6s %10s %10s %8s\n", "depth", "lo_mutex", "lk_mutex", "ratio");
    static const int depths[] = {1, 2, 4};
    for (unsigned d = 0; d < sizeof depths / sizeof depths[0]; d++) {
        double lo[ROUNDS], bare[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            lo[r] = nested_pairs(depths[d], 1, 1000000);
            bare[r] = nested_pairs(depths[d], 0, 1000000);
        }
        printf("  %-6d %10.1f %10.1f %7.2fx\n", depths[d], best(lo), best(bare),
               best(lo) / best(bare));
    }
}

// ---- The bank: ordered per-account locks against one bank lock ----

struct bank_run {
    struct account accounts[ACCOUNTS];
    lk_mutex_t bank_lock; // the baseline's one lock
    int global;           // 1: the baseline
    long transfers;       // per thread
    atomic_long refused;  // transfers that returned -1
};

struct bank_worker {
    struct bank_run *run;
    unsigned seed;
};

static void move_under_bank_lock(struct bank_run *run, struct account *from, struct account *to)
{
    lk_mutex_lock(&run->bank_lock);
    if (from != to && from->balance >= 1) {
        from->balance -= 1;
        to->balance += 1;
    }
    lk_mutex_unlock(&run->bank_lock);
}

static void *bank_worker(void *arg)
{
    struct bank_worker *w = arg;
    struct bank_run *run = w->run;
    for (long i = 0; i < run->transfers; i++) {
        struct account *from = &run->accounts[rand_r(&w->seed) % ACCOUNTS];
        struct account *to = &run->accounts[rand_r(&w->seed) % ACCOUNTS];
        if (run->global)
            move_under_bank_lock(run, from, to);
        else if (transfer(from, to, 1) != 0)
            atomic_fetch_add(&run->refused, 1);
    }
    return NULL;
}

// Transfers per second, and whether the money added up afterwards.
static double bank_rate(int global, int *conserved)
{
    static struct bank_run run;
    atomic_store(&run.refused, 0);
    run.global = global;
    run.transfers = 1000000;
    lk_mutex_init(&run.bank_lock, "bank");
    for (int i = 0; i < ACCOUNTS; i++)
        account_init(&run.accounts[i], i, 1000, "account");
    pthread_t t[BANK_THREADS];
    struct bank_worker w[BANK_THREADS];
    double start = now();
    for (int i = 0; i < BANK_THREADS; i++) {
        w[i] = (struct bank_worker){&run, 7u + (unsigned)i};
        pthread_create(&t[i], NULL, bank_worker, &w[i]);
    }
    for (int i = 0; i < BANK_THREADS; i++)
        pthread_join(t[i], NULL);
    double rate = (double)(run.transfers * BANK_THREADS) / (now() - start);
    long total = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        total += run.accounts[i].balance;
        account_destroy(&run.accounts[i]);
    }
    lk_mutex_destroy(&run.bank_lock);
    *conserved = total == 1000L * ACCOUNTS;
    // Every transfer here is of 1 from a balance that cannot run dry on
    // average; one refused in a hundred means transfer() does not work yet.
    if (!global && atomic_load(&run.refused) * 100 > run.transfers * BANK_THREADS)
        *conserved = -1;
    return rate;
}

static void bench_bank(void)
{
    double mine[ROUNDS], one[ROUNDS];
    int ok = 1, c;
    for (int r = 0; r < ROUNDS; r++) {
        mine[r] = -bank_rate(0, &c); // negated: best() keeps the smallest
        if (c < 0) {
            printf("bank: transfer() refuses what it should do (task 1): no figure\n");
            return;
        }
        ok &= c;
        one[r] = -bank_rate(1, &c);
    }
    printf("bank: transfers/s on %d threads, %d accounts (best of %d)\n", BANK_THREADS,
           ACCOUNTS, ROUNDS);
    printf("  per-account locks in id order (transfer) %12.0f\n", -best(mine));
    printf("  one lock for the whole bank              %12.0f\n", -best(one));
    printf("  ratio                                    %11.2fx\n", best(mine) / best(one));
    if (!ok)
        printf("  (money was lost or made by transfer: see the tests)\n");
}

// ---- The philosophers: back-off against one lock for the table ----

struct dine_run {
    struct table table;
    lk_mutex_t table_lock; // the baseline's one lock
    int global;
    long meals; // per seat
};

struct diner {
    struct dine_run *run;
    int seat;
};

static void *diner(void *arg)
{
    struct diner *d = arg;
    struct dine_run *run = d->run;
    struct table *t = &run->table;
    for (long i = 0; i < run->meals; i++) {
        if (!run->global) {
            philosopher_dine(t, d->seat);
            continue;
        }
        lk_mutex_lock(&run->table_lock);
        lk_mutex_lock(&t->fork[table_left(t, d->seat)]);
        lk_mutex_lock(&t->fork[table_right(t, d->seat)]);
        table_eat(t, d->seat);
        lk_mutex_unlock(&t->fork[table_right(t, d->seat)]);
        lk_mutex_unlock(&t->fork[table_left(t, d->seat)]);
        lk_mutex_unlock(&run->table_lock);
    }
    return NULL;
}

static long meals_eaten(const struct table *t)
{
    long n = 0;
    for (int i = 0; i < t->seats; i++)
        n += t->meals[i];
    return n;
}

// Meals per second; 0 if philosopher_dine did not eat every meal.
static double meal_rate(int global)
{
    static struct dine_run run;
    run.global = global;
    run.meals = 200000;
    table_init(&run.table, SEATS);
    lk_mutex_init(&run.table_lock, "table");
    pthread_t t[SEATS];
    struct diner d[SEATS];
    double start = now();
    for (int i = 0; i < SEATS; i++) {
        d[i] = (struct diner){&run, i};
        pthread_create(&t[i], NULL, diner, &d[i]);
    }
    for (int i = 0; i < SEATS; i++)
        pthread_join(t[i], NULL);
    double rate = (double)(run.meals * SEATS) / (now() - start);
    if (meals_eaten(&run.table) != run.meals * SEATS)
        rate = 0;
    lk_mutex_destroy(&run.table_lock);
    table_destroy(&run.table);
    return rate;
}

static void bench_philosophers(void)
{
    double mine[ROUNDS], one[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        mine[r] = -meal_rate(0);
        if (mine[r] == 0) {
            printf("philosophers: philosopher_dine does not eat its meal yet (task 2): no figure\n");
            return;
        }
        one[r] = -meal_rate(1);
    }
    printf("philosophers: meals/s, %d seats, a thread each (best of %d)\n", SEATS, ROUNDS);
    printf("  back-off (philosopher_dine)              %12.0f\n", -best(mine));
    printf("  one lock for the whole table             %12.0f\n", -best(one));
    printf("  ratio                                    %11.2fx\n", best(mine) / best(one));
}

int main(int argc, char **argv)
{
    printf("deadlock bench: %s\n\n", argc > 1 ? argv[1] : "the submission");
    bench_checker();
    printf("\n");
    bench_bank();
    printf("\n");
    bench_philosophers();
    return 0;
}
