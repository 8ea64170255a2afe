// Public tests of the stm lab: transactions alone and under contention, the bank, the queue.
//
// A threaded case is a stress test with real threads in the native, Valgrind
// and TSan builds, and a set of forced schedules in the explore build
// (src/stm_schedules.c): the same property, checked both ways.  Waits are
// bounded (stm_test.h), so a broken submission fails instead of hanging.
// The times in messages are a native run's; Valgrind gets 10 times as long,
// TSan 5 times.
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labkit_check.h"
#include "lk_atomic.h"
#include "stm.h"
#include "stm_schedules.h"
#include "stm_test.h"

// ---- Task 1: one thread ----

static stm_word word_x, word_y;
static atomic_int body_runs;

static void own_writes_body(stm_tx *tx, void *arg)
{
    long *seen = arg;
    atomic_fetch_add(&body_runs, 1);
    seen[0] = stm_read(tx, &word_x);
    stm_write(tx, &word_x, 7);
    seen[1] = stm_read(tx, &word_x);
    stm_write(tx, &word_x, 8);
    seen[2] = stm_read(tx, &word_x);
}

static void read_x_body(stm_tx *tx, void *arg)
{
    *(long *)arg = stm_read(tx, &word_x);
}

START_TEST(stm_reads_own_writes)
{
    // One thread: a read sees the transaction's own latest write; the last
    // write is in memory after the commit; the body ran once (no conflict).
    atomic_init(&word_x, 5);
    atomic_init(&body_runs, 0);
    long seen[3] = { 0, 0, 0 };
    stm_atomically(own_writes_body, seen);
    ck_assert_msg(seen[0] == 5, "first read of x: expected 5 (its value in memory), got %ld", seen[0]);
    ck_assert_msg(seen[1] == 7 && seen[2] == 8,
                  "reads after writing 7, then 8: expected 7 and 8, got %ld and %ld", seen[1],
                  seen[2]);
    ck_assert_msg(atomic_load(&word_x) == 8, "x after the commit: expected 8, got %ld",
                  (long)atomic_load(&word_x));
    ck_assert_msg(atomic_load(&body_runs) == 1,
                  "the body ran %d times with no other thread: expected once",
                  atomic_load(&body_runs));
    long again = 0;
    stm_atomically(read_x_body, &again);
    ck_assert_msg(again == 8, "a later transaction read x: expected 8, got %ld", again);
}
END_TEST

static void inner_body(stm_tx *tx, void *arg)
{
    long *seen = arg;
    seen[0] = stm_read(tx, &word_x); // the outer transaction's write
    stm_write(tx, &word_y, 2);
}

static void outer_body(stm_tx *tx, void *arg)
{
    long *seen = arg;
    stm_write(tx, &word_x, 1);
    stm_atomically(inner_body, seen);
    seen[1] = atomic_load(&word_y); // memory itself: must not have changed yet
    seen[2] = stm_read(tx, &word_y);
}

START_TEST(stm_nested_transactions_flatten)
{
    // A transaction run inside another is part of it: it sees the outer
    // one's writes, and its own writes reach memory only when the outer one
    // commits.
    atomic_init(&word_x, 0);
    atomic_init(&word_y, 0);
    long seen[3] = { -1, -1, -1 };
    stm_atomically(outer_body, seen);
    ck_assert_msg(seen[0] == 1,
                  "the inner transaction read x: expected 1 (the outer one's write), got %ld",
                  seen[0]);
    ck_assert_msg(seen[1] == 0,
                  "y in memory after the inner transaction returned, before the outer one "
                  "committed: expected 0, got %ld (the inner one committed on its own)",
                  seen[1]);
    ck_assert_msg(seen[2] == 2, "the outer transaction read y: expected 2 (the inner write), got %ld",
                  seen[2]);
    ck_assert_msg(atomic_load(&word_x) == 1 && atomic_load(&word_y) == 2,
                  "after the commit: expected x=1 y=2, got x=%ld y=%ld",
                  (long)atomic_load(&word_x), (long)atomic_load(&word_y));
}
END_TEST

// ---- Task 1: many threads ----

static struct {
    long rounds;
    atomic_long torn;
    atomic_int writers_done;
} load;

static void increment_body(stm_tx *tx, void *arg)
{
    (void)arg;
    long value = stm_read(tx, &word_x);
    lk_yield(); // give the others a chance to commit in between
    stm_write(tx, &word_x, value + 1);
}

static void increment_worker(void *arg, int index)
{
    (void)arg, (void)index;
    for (long i = 0; i < load.rounds; i++)
        stm_atomically(increment_body, NULL);
}

START_TEST(stm_no_lost_update)
{
    // 4 threads each add 1 to one word many times, each addition a
    // transaction that yields between its read and its write: no addition
    // is lost.  (Explore build: 3 threads x 2 additions, forced schedules.)
#ifdef LK_EXPLORE
    schedules_no_lost_update();
    return;
#endif
    atomic_init(&word_x, 0);
    load.rounds = lk_scaled(3000, 30, 5);
    struct crew crew;
    crew_start(&crew, 4, increment_worker, NULL);
    ck_assert_msg(crew_finish_within(&crew, 5),
                  "only %d of 4 threads finished within 5 s: expected all (a transaction that "
                  "never commits?)",
                  crew_finished(&crew));
    long got = atomic_load(&word_x);
    ck_assert_msg(got == 4 * load.rounds,
                  "counter after 4 x %ld transactional increments: expected %ld, got %ld (updates "
                  "lost: a commit that did not see a conflict)",
                  load.rounds, 4 * load.rounds, got);
}
END_TEST

static void pair_write_body(stm_tx *tx, void *arg)
{
    (void)arg;
    long x = stm_read(tx, &word_x);
    lk_yield();
    long y = stm_read(tx, &word_y);
    stm_write(tx, &word_x, x + 1);
    stm_write(tx, &word_y, y + 1);
}

static void pair_read_body(stm_tx *tx, void *arg)
{
    (void)arg;
    long x = stm_read(tx, &word_x);
    lk_yield();
    long y = stm_read(tx, &word_y);
    // x == y in every consistent state.  Code that computed 1 / (x - y + 1)
    // here would divide by zero on a torn pair; we count it instead.
    if (x != y)
        atomic_fetch_add(&load.torn, 1);
}

static void pair_worker(void *arg, int index)
{
    (void)arg;
    if (index < 2) {
        for (long i = 0; i < load.rounds; i++)
            stm_atomically(pair_write_body, NULL);
        atomic_fetch_add(&load.writers_done, 1);
    } else {
        while (atomic_load(&load.writers_done) < 2)
            stm_atomically(pair_read_body, NULL);
    }
}

START_TEST(stm_opacity)
{
    // Two threads add 1 to both x and y in one transaction; two others read
    // x and y in a transaction.  No transaction, not even one that will
    // abort, ever sees x != y.  (Explore build: 1 writer, 2 readers.)
#ifdef LK_EXPLORE
    schedules_opacity();
    return;
#endif
    atomic_init(&word_x, 0);
    atomic_init(&word_y, 0);
    atomic_init(&load.torn, 0);
    atomic_init(&load.writers_done, 0);
    load.rounds = lk_scaled(3000, 30, 5);
    struct crew crew;
    crew_start(&crew, 4, pair_worker, NULL);
    ck_assert_msg(crew_finish_within(&crew, 5), "only %d of 4 threads finished within 5 s",
                  crew_finished(&crew));
    long torn = atomic_load(&load.torn);
    ck_assert_msg(torn == 0,
                  "%ld transaction attempts read x != y (a torn pair, from two different "
                  "commits): expected none; check every read against the read version",
                  torn);
}
END_TEST

static struct {
    atomic_int parked, release, writer_done;
} park;

static void parked_reader_body(stm_tx *tx, void *arg)
{
    (void)arg;
    (void)stm_read(tx, &word_x);
    if (atomic_exchange(&park.parked, 1) == 0)
        test_wait_for(&park.release, 1, 5); // first attempt: stop half way
    (void)stm_read(tx, &word_y);
}

static void parked_worker(void *arg, int index)
{
    (void)arg;
    if (index == 0)
        stm_atomically(parked_reader_body, NULL);
}

static void writer_worker(void *arg, int index)
{
    (void)arg, (void)index;
    stm_atomically(increment_body, NULL);
}

START_TEST(stm_reader_does_not_block_writer)
{
    // A read-only transaction stopped half way (it has read x) does not stop
    // another thread from committing a write to x.
    atomic_init(&word_x, 0);
    atomic_init(&word_y, 0);
    memset(&park, 0, sizeof park);
    struct crew reader, writer;
    crew_start(&reader, 1, parked_worker, NULL);
    ck_assert_msg(test_wait_for(&park.parked, 1, 2), "the reader never started its transaction");
    crew_start(&writer, 1, writer_worker, NULL);
    bool wrote = crew_finish_within(&writer, 2);
    atomic_store(&park.release, 1);
    ck_assert_msg(wrote,
                  "a transaction writing x did not commit within 2 s while a read-only "
                  "transaction that had read x was stopped half way: expected readers never to "
                  "block writers");
    ck_assert_msg(atomic_load(&word_x) == 1, "x after one increment: expected 1, got %ld",
                  (long)atomic_load(&word_x));
    ck_assert_msg(crew_finish_within(&reader, 2), "the reader did not finish after it was let go");
}
END_TEST

START_TEST(stm_backoff_progress)
{
    // Forced schedules only: two threads each commit 3 transactions that
    // write x and y in opposite orders; they abort each other at most 30
    // times in all.  (Counting aborts with real threads would measure the
    // machine's timing, not the back-off.)
#ifdef LK_EXPLORE
    schedules_backoff_progress();
#else
    ck_abort_msg("stm_backoff_progress runs in the explore build only");
#endif
}
END_TEST

// ---- Task 2: the bank ----

enum { ACCOUNTS = 8, OPENING = 100 };
static stm_word balances[ACCOUNTS];
static struct bank bank;

START_TEST(bank_withdraw_and_deposit)
{
    // One thread: a withdrawal beyond the balance is refused and changes
    // nothing; deposits add; a transfer moves money or, refused, nothing.
    bank_init(&bank, balances, 3, OPENING);
    ck_assert_msg(bank_withdraw(&bank, 0, 30), "withdraw 30 of 100: expected it to succeed");
    ck_assert_msg(bank_balance(&bank, 0) == 70, "balance after withdrawing 30 of 100: expected 70, got %ld",
                  bank_balance(&bank, 0));
    ck_assert_msg(!bank_withdraw(&bank, 0, 80), "withdraw 80 of 70: expected it to be refused");
    ck_assert_msg(bank_balance(&bank, 0) == 70, "balance after a refused withdrawal: expected 70, got %ld",
                  bank_balance(&bank, 0));
    bank_deposit(&bank, 1, 5);
    ck_assert_msg(bank_balance(&bank, 1) == 105, "balance after depositing 5 into 100: expected 105, got %ld",
                  bank_balance(&bank, 1));
    ck_assert_msg(bank_transfer(&bank, 0, 2, 70), "transfer 70 of 70: expected it to succeed");
    ck_assert_msg(!bank_transfer(&bank, 0, 1, 1), "transfer 1 out of an empty account: expected it refused");
    long got[3] = { bank_balance(&bank, 0), bank_balance(&bank, 1), bank_balance(&bank, 2) };
    ck_assert_msg(got[0] == 0 && got[1] == 105 && got[2] == 170,
                  "balances: expected 0 105 170, got %ld %ld %ld", got[0], got[1], got[2]);
    ck_assert_msg(bank_total(&bank) == 275, "total: expected 275, got %ld", bank_total(&bank));
}
END_TEST

static struct {
    long rounds;
    atomic_int tellers_done;
    atomic_long bad_audits, last_bad_total;
} bankload;

// The auditor's transaction: reads every account, yielding between reads
// so that transfers commit while it runs.
static void audit_body(stm_tx *tx, void *arg)
{
    long *total = arg;
    *total = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        *total += stm_read(tx, &balances[i]);
        lk_yield();
    }
}

static void teller_or_auditor(void *arg, int index)
{
    (void)arg;
    if (index < 4) {
        unsigned seed = 7u + (unsigned)index;
        for (long i = 0; i < bankload.rounds; i++) {
            int from = (int)(test_random(&seed) % ACCOUNTS), to = (int)(test_random(&seed) % ACCOUNTS);
            if (from != to)
                bank_transfer(&bank, from, to, 1 + (long)(test_random(&seed) % 60));
        }
        atomic_fetch_add(&bankload.tellers_done, 1);
        return;
    }
    while (atomic_load(&bankload.tellers_done) < 4) {
        long total = 0;
        stm_atomically(audit_body, &total);
        if (total != ACCOUNTS * OPENING) {
            atomic_fetch_add(&bankload.bad_audits, 1);
            atomic_store(&bankload.last_bad_total, total);
        }
    }
}

START_TEST(bank_transfers_conserve_total)
{
    // 4 threads make random transfers between 8 accounts while a fifth sums
    // them all in one transaction, again and again: every sum, and the end
    // state, shows the same total, and no balance is negative.  (Explore
    // build: 2 threads make 2 transfers each among 3 accounts, a third
    // audits twice.)
#ifdef LK_EXPLORE
    schedules_bank_all_or_nothing();
    return;
#endif
    bank_init(&bank, balances, ACCOUNTS, OPENING);
    memset(&bankload, 0, sizeof bankload);
    bankload.rounds = lk_scaled(3000, 30, 5);
    struct crew crew;
    crew_start(&crew, 5, teller_or_auditor, NULL);
    ck_assert_msg(crew_finish_within(&crew, 5), "only %d of 5 threads finished within 5 s",
                  crew_finished(&crew));
    ck_assert_msg(atomic_load(&bankload.bad_audits) == 0,
                  "%ld audits saw a total other than %d (the last saw %ld): expected none; a "
                  "transfer must be all or nothing",
                  (long)atomic_load(&bankload.bad_audits), ACCOUNTS * OPENING,
                  (long)atomic_load(&bankload.last_bad_total));
    long total = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        long balance = atomic_load(&balances[i]);
        ck_assert_msg(balance >= 0, "account %d ended at %ld: expected no negative balance", i, balance);
        total += balance;
    }
    ck_assert_msg(total == ACCOUNTS * OPENING, "total at the end: expected %d, got %ld",
                  ACCOUNTS * OPENING, total);
}
END_TEST

// ---- Task 3: the queue ----

static struct queue queue;
static struct {
    atomic_int returned;
    atomic_long item;
} taker;

START_TEST(queue_fifo)
{
    // One thread: items come out in the order they went in, across the
    // wrap-around of a 4-slot queue.
    queue_init(&queue, 4);
    long next_in = 1, next_out = 1;
    for (int round = 0; round < 10; round++) {
        int batch = 1 + round % 4;
        for (int i = 0; i < batch; i++)
            queue_put(&queue, next_in++);
        for (int i = 0; i < batch; i++) {
            long got = queue_take(&queue);
            ck_assert_msg(got == next_out, "take: expected item %ld, got %ld", next_out, got);
            next_out++;
        }
    }
}
END_TEST

static void take_once(void *arg, int index)
{
    (void)arg, (void)index;
    atomic_store(&taker.item, queue_take(&queue));
    atomic_store(&taker.returned, 1);
}

START_TEST(queue_take_waits_for_put)
{
    // A take from an empty queue waits; a put wakes it, and it returns that
    // item.
    queue_init(&queue, 2);
    memset(&taker, 0, sizeof taker);
    struct crew crew;
    crew_start(&crew, 1, take_once, NULL);
    test_settle(0.05);
    ck_assert_msg(atomic_load(&taker.returned) == 0,
                  "take from an empty queue returned %ld: expected it to wait", (long)atomic_load(&taker.item));
    queue_put(&queue, 42);
    ck_assert_msg(crew_finish_within(&crew, 2),
                  "take was still waiting 2 s after a put: expected the commit of the put to wake it");
    ck_assert_msg(atomic_load(&taker.item) == 42, "take returned %ld: expected 42",
                  (long)atomic_load(&taker.item));
}
END_TEST

// The taker of queue_take_sleeps: queue_take inside a transaction of the
// test's own, so that every rerun of the body is counted here.
static atomic_int take_runs;

static void counted_take_body(stm_tx *tx, void *arg)
{
    (void)tx, (void)arg;
    atomic_fetch_add(&take_runs, 1);
    atomic_store(&taker.item, queue_take(&queue));
}

static void counted_take(void *arg, int index)
{
    (void)arg, (void)index;
    stm_atomically(counted_take_body, NULL);
    atomic_store(&taker.returned, 1);
}

// A thread that spins the way a busy-waiting retry would (yielding), to
// measure what such a waiter would get of the processor on this machine,
// under its current load, during the same interval.
static atomic_int spinner_stop;

static void yield_spinner(void *arg, int index)
{
    (void)arg, (void)index;
    while (!atomic_load_explicit(&spinner_stop, memory_order_relaxed))
        lk_yield();
}

START_TEST(queue_take_sleeps)
{
    // A thread waiting in take on an empty queue sleeps: while nothing
    // commits, its transaction does not run again, and it uses under a
    // tenth of the CPU time a thread spinning beside it gets (a retry that
    // reruns the body at once uses as much).
    queue_init(&queue, 2);
    memset(&taker, 0, sizeof taker);
    atomic_init(&take_runs, 0);
    atomic_init(&spinner_stop, 0);
    struct crew crew, spinner;
    crew_start(&crew, 1, counted_take, NULL);
    test_settle(0.05);
    crew_start(&spinner, 1, yield_spinner, NULL);
    int runs_start = atomic_load(&take_runs);
    double cpu_start = test_thread_cpu(crew.threads[0]);
    double spin_start = test_thread_cpu(spinner.threads[0]);
    test_settle(0.2);
    double cpu = test_thread_cpu(crew.threads[0]) - cpu_start;
    double spin = test_thread_cpu(spinner.threads[0]) - spin_start;
    int runs = atomic_load(&take_runs) - runs_start;
    atomic_store(&spinner_stop, 1);
    (void)crew_finish_within(&spinner, 2);
    ck_assert_msg(atomic_load(&taker.returned) == 0 && cpu_start >= 0 && cpu >= 0,
                  "take from an empty queue returned: expected it to wait");
    ck_assert_msg(runs <= 1,
                  "the waiting take's transaction ran %d more times while nothing committed: "
                  "expected it to sleep (stm_retry must wait in lk_futex_wait until a commit)",
                  runs);
    ck_assert_msg(cpu <= 0.1 * spin + 0.001,
                  "the waiting taker used %.1f ms of CPU while a spinning thread beside it got "
                  "%.1f ms: expected under a tenth of that (sleep in lk_futex_wait, do not spin)",
                  cpu * 1e3, spin * 1e3);
    // Let it go.  Whether the put wakes it is queue_take_waits_for_put's
    // job, so a taker still asleep is not a failure here.
    queue_put(&queue, 1);
    (void)crew_finish_within(&crew, 1);
}
END_TEST

static struct {
    long items_per_taker;
    atomic_int taken[2 * 2000 + 1];
    atomic_long out_of_order;
} handoff;

static void handoff_worker(void *arg, int index)
{
    (void)arg;
    if (index == 0) {
        for (long item = 1; item <= 2 * handoff.items_per_taker; item++)
            queue_put(&queue, item);
        return;
    }
    long last = 0;
    for (long i = 0; i < handoff.items_per_taker; i++) {
        long item = queue_take(&queue);
        if (item < 1 || item > 2 * handoff.items_per_taker)
            item = 0; // counted in taken[0]: not an item that was put
        if (item <= last)
            atomic_fetch_add(&handoff.out_of_order, 1);
        last = item;
        atomic_fetch_add(&handoff.taken[item], 1);
    }
}

START_TEST(queue_handoff)
{
    // One thread puts items 1..N into a 1-slot queue while two take N/2
    // each: every item is taken exactly once, each taker sees them in
    // increasing order, and nobody waits forever.  (Explore build: 3 items,
    // forced schedules, where a lost wake-up shows as a deadlock.)
#ifdef LK_EXPLORE
    schedules_queue_handoff();
    return;
#endif
    queue_init(&queue, 1);
    memset(&handoff, 0, sizeof handoff);
    handoff.items_per_taker = lk_scaled(2000, 20, 5);
    struct crew crew;
    crew_start(&crew, 3, handoff_worker, NULL);
    ck_assert_msg(crew_finish_within(&crew, 5),
                  "only %d of 3 threads finished within 5 s: expected all (a lost wake-up?)",
                  crew_finished(&crew));
    ck_assert_msg(atomic_load(&handoff.taken[0]) == 0, "take returned an item that was never put");
    for (long item = 1; item <= 2 * handoff.items_per_taker; item++)
        ck_assert_msg(atomic_load(&handoff.taken[item]) == 1, "item %ld was taken %d times: expected once",
                      item, atomic_load(&handoff.taken[item]));
    ck_assert_msg(atomic_load(&handoff.out_of_order) == 0,
                  "a taker got an item older than one it had already taken: expected FIFO order");
}
END_TEST

Suite *lk_suite(void)
{
    Suite *suite = suite_create("stm-public");
    LK_ADD(suite, stm_reads_own_writes);
    LK_ADD(suite, stm_nested_transactions_flatten);
    LK_ADD(suite, stm_no_lost_update);
    LK_ADD(suite, stm_opacity);
    LK_ADD(suite, stm_reader_does_not_block_writer);
    LK_ADD(suite, stm_backoff_progress);
    LK_ADD(suite, bank_withdraw_and_deposit);
    LK_ADD(suite, bank_transfers_conserve_total);
    LK_ADD(suite, queue_fifo);
    LK_ADD(suite, queue_take_waits_for_put);
    LK_ADD(suite, queue_take_sleeps);
    LK_ADD(suite, queue_handoff);
    return suite;
}
