// The stm lab's forced-schedule scenarios: what its threaded cases run in the explore build.
//
// In the explore build (-DLK_EXPLORE) every lk_ operation is a scheduling
// point and each scenario runs under 40 seeds of each strategy; the same
// test in the other builds runs a stress test instead (tests/public.c).
// labs/common/README.md explains the scheduler, its reports and replaying.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "labkit_check.h"
#include "lk_sched.h"
#include "stm.h"
#include "stm_schedules.h"

// Every scenario runs seeds 1-40 under each strategy.  A seed fixes the
// schedule, so a submission that fails on some of these seeds fails on every
// run of the test, not just sometimes.
static const struct lk_explore_opts explore_opts = {
    .seeds = 40, .strategies = LK_RANDOM | LK_PCT, .step_budget = 100000, .pct_depth = 3
};

static void explore_all(const char *name, void (*scenario)(void *))
{
    char *report = NULL;
    int failed = lk_explore(name, scenario, NULL, &explore_opts, &report);
    // The count is the report's own ("N of M runs failed"): lk_explore stops
    // early after a slow failure, so the seeds asked for may not all run.
    ck_assert_msg(failed == 0, "forced schedules failed: expected none.\n%s", report ? report : "");
    free(report);
}

static void run_threads(int count, void *(*thread)(void *), void *args, size_t arg_size)
{
    lk_thread_t threads[4];
    for (int i = 0; i < count; i++)
        lk_thread_create(&threads[i], thread, (char *)args + i * arg_size);
    for (int i = 0; i < count; i++)
        lk_thread_join(threads[i], NULL);
}

// ---- Opacity: a pair that is equal in every consistent state ----

static stm_word x, y, counter;

static void pair_write_body(stm_tx *tx, void *arg)
{
    (void)arg;
    long a = stm_read(tx, &x);
    long b = stm_read(tx, &y);
    stm_write(tx, &x, a + 1);
    stm_write(tx, &y, b + 1);
}

static void pair_read_body(stm_tx *tx, void *arg)
{
    (void)arg;
    long a = stm_read(tx, &x);
    long b = stm_read(tx, &y);
    // Code that computed 1 / (a - b + 1) would divide by zero here on a torn
    // pair, before any commit-time check could save it.
    lk_explore_check(a == b,
                     "a transaction read x=%ld then y=%ld: a torn pair (x == y in every "
                     "committed state); a read must abort if its word is newer than the "
                     "transaction's read version",
                     a, b);
}

static void *pair_thread(void *arg)
{
    int writer = *(int *)arg;
    for (int i = 0; i < 2; i++)
        stm_atomically(writer ? pair_write_body : pair_read_body, NULL);
    return NULL;
}

static void opacity_scenario(void *arg)
{
    (void)arg;
    atomic_init(&x, 0);
    atomic_init(&y, 0);
    lk_explore_name(&x, "x");
    lk_explore_name(&y, "y");
    int roles[3] = { 1, 0, 0 };
    run_threads(3, pair_thread, roles, sizeof roles[0]);
    lk_explore_check(atomic_load(&x) == 2 && atomic_load(&y) == 2,
                     "after two pair updates: expected x=2 y=2, got x=%ld y=%ld",
                     (long)atomic_load(&x), (long)atomic_load(&y));
}

void schedules_opacity(void)
{
    // Forced schedules: one thread adds 1 to x and y together, two read the
    // pair; on every seed no attempt, even a doomed one, sees x != y.
    explore_all("opacity", opacity_scenario);
}

// ---- No lost update ----

static void increment_body(stm_tx *tx, void *arg)
{
    (void)arg;
    long value = stm_read(tx, &counter);
    lk_yield(); // room for another commit between the read and the write
    stm_write(tx, &counter, value + 1);
}

static void *increment_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++)
        stm_atomically(increment_body, NULL);
    return NULL;
}

static void lost_update_scenario(void *arg)
{
    (void)arg;
    atomic_init(&counter, 0);
    lk_explore_name(&counter, "counter");
    int unused[3];
    run_threads(3, increment_thread, unused, sizeof unused[0]);
    lk_explore_check(atomic_load(&counter) == 6,
                     "3 threads x 2 transactional increments: expected 6, got %ld (an update was "
                     "lost: a commit overwrote a value it had not read)",
                     (long)atomic_load(&counter));
}

void schedules_no_lost_update(void)
{
    // Forced schedules: 3 threads each add 1 twice to one word, each
    // addition a transaction; on every seed the word ends at 6.
    explore_all("no_lost_update", lost_update_scenario);
}

// ---- Progress: two transactions that keep colliding ----

enum { PROGRESS_ROUNDS = 3, PROGRESS_MAX_ABORTS = 30 };
static atomic_int progress_runs;
static stm_word rounds_done[2]; // each thread's own word: no conflict on it

struct crossed {
    int order, round;
};

static void crossed_body(stm_tx *tx, void *arg)
{
    struct crossed *me = arg;
    stm_word *first = me->order ? &y : &x, *second = me->order ? &x : &y;
    atomic_fetch_add(&progress_runs, 1);
    long a = stm_read(tx, first);
    long b = stm_read(tx, second);
    stm_write(tx, first, a + 1);
    stm_write(tx, second, b + 1);
    stm_write(tx, &rounds_done[me->order], me->round + 1);
}

static void *crossed_thread(void *arg)
{
    struct crossed me = { *(int *)arg, 0 };
    for (me.round = 0; me.round < PROGRESS_ROUNDS; me.round++)
        stm_atomically(crossed_body, &me);
    return NULL;
}

static void progress_scenario(void *arg)
{
    (void)arg;
    atomic_init(&x, 0);
    atomic_init(&y, 0);
    atomic_init(&progress_runs, 0);
    atomic_init(&rounds_done[0], 0);
    atomic_init(&rounds_done[1], 0);
    lk_explore_name(&x, "x");
    lk_explore_name(&y, "y");
    int orders[2] = { 0, 1 };
    run_threads(2, crossed_thread, orders, sizeof orders[0]);
    int aborts = atomic_load(&progress_runs) - 2 * PROGRESS_ROUNDS;
    lk_explore_check(aborts <= PROGRESS_MAX_ABORTS,
                     "%d aborted attempts for %d commits: expected at most %d; after an abort, "
                     "back off (lk_yield) so the transaction you collided with can finish",
                     aborts, 2 * PROGRESS_ROUNDS, PROGRESS_MAX_ABORTS);
    for (int i = 0; i < 2; i++)
        lk_explore_check(atomic_load(&rounds_done[i]) == PROGRESS_ROUNDS,
                         "thread %d's own word after its %d commits: expected %d, got %ld", i,
                         PROGRESS_ROUNDS, PROGRESS_ROUNDS, (long)atomic_load(&rounds_done[i]));
}

void schedules_backoff_progress(void)
{
    // Forced schedules: two threads each commit 3 transactions writing x and
    // y in opposite orders; on every seed they abort each other at most 30
    // times in all (each abort is followed by a back-off that lets the other
    // finish).
    explore_all("backoff_progress", progress_scenario);
}

// ---- The bank: a transfer is all or nothing ----

enum { BANK_ACCOUNTS = 3, BANK_OPENING = 10 };
static stm_word balances[BANK_ACCOUNTS];
static struct bank bank;

static void *bank_thread(void *arg)
{
    int role = *(int *)arg;
    for (int i = 0; i < 2; i++) {
        if (role == 2) {
            long total = bank_total(&bank);
            lk_explore_check(total == BANK_ACCOUNTS * BANK_OPENING,
                             "an audit summed %ld: expected %d (it saw a transfer half done)",
                             total, BANK_ACCOUNTS * BANK_OPENING);
        } else {
            bank_transfer(&bank, (role + i) % BANK_ACCOUNTS, (role + i + 1) % BANK_ACCOUNTS, 7);
        }
    }
    return NULL;
}

static void bank_scenario(void *arg)
{
    (void)arg;
    bank_init(&bank, balances, BANK_ACCOUNTS, BANK_OPENING);
    int roles[3] = { 0, 1, 2 };
    run_threads(3, bank_thread, roles, sizeof roles[0]);
    long total = 0;
    for (int i = 0; i < BANK_ACCOUNTS; i++) {
        long balance = atomic_load(&balances[i]);
        lk_explore_check(balance >= 0, "account %d ended at %ld: expected no negative balance", i,
                         balance);
        total += balance;
    }
    lk_explore_check(total == BANK_ACCOUNTS * BANK_OPENING, "total at the end: expected %d, got %ld",
                     BANK_ACCOUNTS * BANK_OPENING, total);
}

void schedules_bank_all_or_nothing(void)
{
    // Forced schedules: two threads make transfers (withdraw + deposit in one
    // transaction) while a third audits the total; on every seed each audit
    // and the end state show the same total, and no balance goes negative.
    explore_all("bank_all_or_nothing", bank_scenario);
}

// ---- The queue: no lost wake-up ----

static struct queue queue;
static atomic_long taken_mask;

static void *queue_thread(void *arg)
{
    int role = *(int *)arg;
    if (role == 0) {
        for (long item = 1; item <= 3; item++)
            queue_put(&queue, item);
        return NULL;
    }
    for (int i = 0; i < (role == 1 ? 2 : 1); i++) {
        long item = queue_take(&queue);
        lk_explore_check(item >= 1 && item <= 3, "take returned %ld: expected 1, 2 or 3", item);
        long before = atomic_fetch_or(&taken_mask, 1L << item);
        lk_explore_check(!(before & (1L << item)), "item %ld was taken twice", item);
    }
    return NULL;
}

static void queue_scenario(void *arg)
{
    (void)arg;
    queue_init(&queue, 1);
    atomic_init(&taken_mask, 0);
    lk_explore_name(&queue.count, "queue.count");
    int roles[3] = { 0, 1, 2 };
    run_threads(3, queue_thread, roles, sizeof roles[0]);
    lk_explore_check(atomic_load(&taken_mask) == 0xe, "items taken (bit mask): expected 0xe, got %#lx",
                     (long)atomic_load(&taken_mask));
}

void schedules_queue_handoff(void)
{
    // Forced schedules: one thread puts 3 items through a 1-slot queue, two
    // take them; on every seed each item is taken once and nobody waits
    // forever (a lost wake-up shows as "deadlock").
    explore_all("queue_handoff", queue_scenario);
}
