// Public tests of the deadlock lab: the bank (task 1), the philosophers
// (task 2) and the lock-order checker (task 3).  Cases that need the explore
// scheduler exist only in the explore build (-DLK_EXPLORE).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bank.h"
#include "dl_check.h"
#include "lockorder.h"
#include "philosophers.h"

// ---- Task 1: the bank ----

// transfer(a, b, amount), or transfer(b, a, amount) when a_to_b is false,
// must return rc and leave a and b holding a_after and b_after.
static void expect_transfer(struct account *a, struct account *b, bool a_to_b, long amount,
                            int rc, long a_after, long b_after)
{
    long a_before = a->balance, b_before = b->balance;
    int got = a_to_b ? transfer(a, b, amount) : transfer(b, a, amount);
    ck_assert_msg(got == rc && a->balance == a_after && b->balance == b_after,
                  "transfer(%s, %ld) with a holding %ld and b %ld: expected %d and balances %ld "
                  "and %ld, got %d and balances %ld and %ld",
                  a_to_b ? "a, b" : "b, a", amount, a_before, b_before, rc, a_after, b_after, got,
                  a->balance, b->balance);
}

START_TEST(transfer_moves_money)
{
    // transfer moves the amount from one account to the other, in both directions.
    struct account a, b;
    account_init(&a, 1, 100, "a");
    account_init(&b, 2, 50, "b");
    expect_transfer(&a, &b, true, 30, 0, 70, 80);
    expect_transfer(&a, &b, false, 80, 0, 150, 0);
    account_destroy(&a);
    account_destroy(&b);
}
END_TEST

START_TEST(transfer_refuses_overdraft)
{
    // transfer returns -1 and moves nothing when the source holds too little or the amount is negative.
    struct account a, b;
    account_init(&a, 1, 100, "a");
    account_init(&b, 2, 50, "b");
    expect_transfer(&a, &b, true, 101, -1, 100, 50);
    expect_transfer(&a, &b, true, -5, -1, 100, 50);
    expect_transfer(&a, &b, true, 100, 0, 0, 150);   // exactly what a holds
    account_destroy(&a);
    account_destroy(&b);
}
END_TEST

struct self_transfer {
    struct account *account;
    long amount;
    int rc;
};

static void *transfer_to_self(void *arg)
{
    struct self_transfer *p = arg;
    p->rc = transfer(p->account, p->account, p->amount);
    return NULL;
}

START_TEST(transfer_to_same_account)
{
    // transfer(a, a, x) returns (0, or -1 if a holds less than x) and changes nothing.
    struct account a;
    account_init(&a, 1, 100, "a");
    long amounts[] = {10, 1000};
    int expected[] = {0, -1};
    for (int i = 0; i < 2; i++) {
        struct self_transfer p = {&a, amounts[i], -2};
        lk_thread_t t;
        lk_thread_create(&t, transfer_to_self, &p);
        ck_assert_msg(dl_join_within(&t, 1, 2.0) == 0,
                      "transfer(a, a, %ld) did not return (%s): expected it to return at "
                      "once; does it wait for a lock it already holds?",
                      amounts[i], dl_join_problem());
        ck_assert_msg(p.rc == expected[i] && a.balance == 100,
                      "transfer(a, a, %ld) with a holding 100: expected %d and the balance "
                      "unchanged, got %d and balance %ld",
                      amounts[i], expected[i], p.rc, a.balance);
    }
    account_destroy(&a);
}
END_TEST

START_TEST(transfer_locks_lower_id_first)
{
    // transfer locks the account with the lower id first, whatever the direction, the balances and the addresses.
    struct account acc[2]; // acc[0] has the higher id: address order is not id order
    account_init(&acc[0], 8, 0, "account8");
    account_init(&acc[1], 3, 0, "account3");
    static const struct {
        int from, to;
        long balance0, balance1;
    } probes[] = {
        {0, 1, 500, 500}, {1, 0, 500, 500}, {0, 1, 900, 100},
        {1, 0, 900, 100}, {0, 1, 100, 900}, {1, 0, 100, 900},
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        acc[0].balance = probes[i].balance0;
        acc[1].balance = probes[i].balance1;
        struct account *from = &acc[probes[i].from], *to = &acc[probes[i].to];
        long from_balance = from->balance, to_balance = to->balance;
        const char *problem = dl_probe_lock_order(from, to);
        ck_assert_msg(problem == NULL,
                      "transfer(%s, %s) with balances %ld and %ld: expected it to lock account3 "
                      "(the lower id) first, but %s",
                      from->lock.name, to->lock.name, from_balance, to_balance, problem);
    }
    account_destroy(&acc[0]);
    account_destroy(&acc[1]);
}
END_TEST

enum { HUB_THREADS = 4 };

struct hub_worker {
    struct account *hub, *own;
    long rounds, net; // net: what moved from the hub to own
};

static void *hub_worker(void *arg)
{
    struct hub_worker *w = arg;
    for (long i = 0; i < w->rounds; i++) {
        long amount = 1 + i % 7;
        if (transfer(w->hub, w->own, amount) == 0)
            w->net += amount;
        if (transfer(w->own, w->hub, amount + 1) == 0)
            w->net -= amount + 1;
    }
    return NULL;
}

START_TEST(concurrent_transfers_conserve_money)
{
    // Threads moving money to and from one shared account lose and create nothing.
    // (Each thread also has an account of its own, so no lock order can deadlock here:
    // this case checks the locking, not the order.)
    struct account hub, own[HUB_THREADS];
    static const char *names[HUB_THREADS] = {"own0", "own1", "own2", "own3"};
    struct hub_worker w[HUB_THREADS];
    lk_thread_t t[HUB_THREADS];
    account_init(&hub, 0, 1000, "hub");
    long rounds = lk_scaled(20000, 10, 10);
    for (int i = 0; i < HUB_THREADS; i++) {
        account_init(&own[i], i + 1, 100, names[i]);
        w[i] = (struct hub_worker){&hub, &own[i], rounds, 0};
        lk_thread_create(&t[i], hub_worker, &w[i]);
    }
    ck_assert_msg(dl_join_within(t, HUB_THREADS, 10.0) == 0,
                  "the transfers did not finish (%s): expected no thread to wait forever",
                  dl_join_problem());
    long hub_expected = 1000, moved = 0;
    for (int i = 0; i < HUB_THREADS; i++) {
        ck_assert_msg(own[i].balance == 100 + w[i].net,
                      "account own%d: expected 100 + %ld (what its successful transfers moved) = "
                      "%ld, got %ld",
                      i, w[i].net, 100 + w[i].net, own[i].balance);
        hub_expected -= w[i].net;
        moved += w[i].net < 0 ? -w[i].net : w[i].net;
        account_destroy(&own[i]);
    }
    ck_assert_msg(hub.balance == hub_expected,
                  "the hub account: expected %ld after the transfers, got %ld (money was %s)",
                  hub_expected, hub.balance, hub.balance > hub_expected ? "created" : "lost");
    ck_assert_msg(moved > 0, "expected some transfers to succeed, none did");
    account_destroy(&hub);
}
END_TEST

#ifdef LK_EXPLORE
START_TEST(bank_explore_opposite_transfers)
{
    // Two threads transferring in opposite directions finish under every explored schedule.
    dl_explore_ring("bank_opposite",
                    (struct dl_ring){.accounts = 2, .rounds = 2, .balance = 100, .amount = 10}, 25);
}
END_TEST
#endif

// ---- Task 2: the philosophers ----

START_TEST(philosophers_eat_all_meals)
{
    // Five philosophers each eat all their meals, with both forks, never next to an eating neighbour.
    dl_dinner_everyone_eats(5, lk_scaled(3000, 10, 5), 10.0);
}
END_TEST

START_TEST(two_philosophers)
{
    // Two philosophers, who share both forks, each eat all their meals.
    dl_dinner_everyone_eats(2, lk_scaled(3000, 10, 5), 10.0);
}
END_TEST

START_TEST(philosopher_waits_without_spinning)
{
    // A philosopher whose fork is taken for a while waits for it asleep, not by retrying in a loop.
    static struct dl_dinner d;
    dl_dinner_init(&d, 5, 1);
    lk_mutex_lock(&d.table.fork[1]); // seat 0's right fork
    dl_dinner_start(&d, 0, 1);
    // Watch seat 0 until it has shown how it waits, judged by what it does,
    // not by the clock: asleep in a futex wait (blocked on the fork), or 20
    // sleeps of its own (a back-off between tries) while using little
    // processor time, passes; 50 ms of processor time first fails.
    struct tw_thread seat;
    tw_watch_pthread(&seat, d.thread[0]);
    double cpu_start = tw_cpu(&seat), cpu = 0;
    long sleeps_start = tw_sleeps(&seat), sleeps = 0;
    int asleep = 0;
    while (d.table.meals[0] == 0 && !atomic_load(&d.failed)) {
        cpu = tw_cpu(&seat) - cpu_start;
        sleeps = tw_sleeps(&seat) - sleeps_start;
        asleep = tw_state(&seat) == TW_ASLEEP ? asleep + 1 : 0;
        if (asleep >= 3 || sleeps >= 20 || cpu > dl_seconds(0.05))
            break;
        dl_sleep_ms(1);
    }
    long meals = d.table.meals[0];
    lk_mutex_unlock(&d.table.fork[1]);
    ck_assert_msg(dl_join_within(d.thread, 1, 5.0) == 0,
                  "seat 0 did not eat after its right fork was put back (%s): expected it to "
                  "take the fork and eat",
                  dl_join_problem());
    ck_assert_msg(meals == 0 && !atomic_load(&d.failed),
                  "seat 0 ate while the test held its right fork: %s",
                  d.problem[0] ? d.problem : "expected it to wait");
    ck_assert_msg(cpu <= dl_seconds(0.05),
                  "seat 0 used %.0f ms of processor time, and went to sleep only %ld times, "
                  "while its right fork was taken: expected it to wait asleep (block on the "
                  "fork it missed or on a futex, or sleep between tries), not to retry in a loop",
                  cpu * 1000, sleeps);
    ck_assert_msg(d.table.meals[0] == 1, "seat 0: expected 1 meal once its fork was free, got %ld",
                  d.table.meals[0]);
    table_destroy(&d.table);
}
END_TEST

#ifdef LK_EXPLORE
static struct dl_dinner explore_dinner;

static void five_philosophers(void *arg)
{
    (void)arg;
    dl_dinner_init(&explore_dinner, 5, 2);
    dl_dinner_start(&explore_dinner, 0, 5);
    dl_dinner_join(&explore_dinner);
}

START_TEST(philosophers_explore)
{
    // Five philosophers eat two meals each, with no deadlock or livelock, under every explored schedule.
    dl_explore("philosophers", five_philosophers, NULL, 25, LK_RANDOM | LK_PCT);
}
END_TEST
#endif

// ---- Task 3: the lock-order checker ----

START_TEST(checker_reports_two_lock_inversion)
{
    // A -> B then B -> A in one thread is reported, once B -> A is taken, naming both edges and their lines.
    struct lo_mutex a, b;
    int ab;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_lock(&a);
    DL_LOCK_AT(&b, ab);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    dl_assert_reports(0, "after A -> B only");
    dl_close_two_lock_cycle(&a, &b, ab, "after A -> B, then B -> A");
    lo_mutex_destroy(&a);
    lo_mutex_destroy(&b);
}
END_TEST

START_TEST(checker_reports_three_lock_cycle)
{
    // A -> B, B -> C, then C -> A is reported as one cycle of three edges.
    struct lo_mutex a, b, c;
    int ab, bc, ca;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_init(&c, "C");
    lo_mutex_lock(&a);
    DL_LOCK_AT(&b, ab);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    lo_mutex_lock(&b);
    DL_LOCK_AT(&c, bc);
    lo_mutex_unlock(&c);
    lo_mutex_unlock(&b);
    dl_assert_reports(0, "after A -> B and B -> C");
    lo_mutex_lock(&c);
    DL_LOCK_AT(&a, ca);
    lo_mutex_unlock(&a);
    lo_mutex_unlock(&c);
    dl_assert_reports(1, "after A -> B, B -> C, then C -> A");
    struct dl_edge known[] = {{&a, &b, ab}, {&b, &c, bc}, {&c, &a, ca}};
    dl_check_cycle(0, __FILE__, &known[2], known, 3);
    ck_assert_msg(dl_report(0)->length == 3, "expected a cycle of 3 edges, got %d",
                  dl_report(0)->length);
    lo_mutex_destroy(&a);
    lo_mutex_destroy(&b);
    lo_mutex_destroy(&c);
}
END_TEST

START_TEST(checker_accepts_consistent_order)
{
    // Nested and repeated locking that always follows A, B, C, D is not reported; D -> A then is.
    struct lo_mutex m[4];
    static const char *names[4] = {"A", "B", "C", "D"};
    int line = 0;
    dl_capture_reports();
    for (int i = 0; i < 4; i++)
        lo_mutex_init(&m[i], names[i]);
    for (int round = 0; round < 3; round++) {
        // Every subset of the four locks, taken in order, released in order.
        for (int set = 1; set < 16; set++) {
            for (int i = 0; i < 4; i++)
                if (set & (1 << i))
                    lo_mutex_lock(&m[i]);
            for (int i = 0; i < 4; i++)
                if (set & (1 << i))
                    lo_mutex_unlock(&m[i]);
        }
        // A diamond: A -> B -> D and A -> C -> D, one lock at a time.
        lo_mutex_lock(&m[0]);
        lo_mutex_lock(&m[1]);
        lo_mutex_unlock(&m[1]);
        lo_mutex_lock(&m[2]);
        lo_mutex_lock(&m[3]);
        lo_mutex_unlock(&m[3]);
        lo_mutex_unlock(&m[2]);
        lo_mutex_unlock(&m[0]);
    }
    dl_assert_reports(0, "after locks taken only in the order A, B, C, D");
    lo_mutex_lock(&m[3]);
    DL_LOCK_AT(&m[0], line);
    lo_mutex_unlock(&m[0]);
    lo_mutex_unlock(&m[3]);
    dl_assert_reports(1, "after D -> A");
    ck_assert_msg(dl_report(0)->edge[0].from == &m[3] && dl_report(0)->edge[0].to == &m[0] &&
                      dl_report(0)->edge[0].line == line,
                  "expected the report to start with D -> A at line %d", line);
    for (int i = 0; i < 4; i++)
        lo_mutex_destroy(&m[i]);
}
END_TEST

START_TEST(checker_ignores_failed_trylock)
{
    // A trylock that fails adds no edge (it never waits); a real inversion is still reported.
    struct lo_mutex a, b;
    int ba;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_lock(&b);
    DL_LOCK_AT(&a, ba);
    int rc = lo_mutex_trylock(&b); // held (by this thread): fails
    ck_assert_msg(rc != 0, "trylock of a held lock: expected non-zero, got %d", rc);
    lo_mutex_unlock(&a);
    lo_mutex_unlock(&b);
    dl_assert_reports(0, "after B -> A and a failed trylock of B while holding A");
    dl_close_two_lock_cycle(&b, &a, ba, "after B -> A, then A -> B");
    lo_mutex_destroy(&a);
    lo_mutex_destroy(&b);
}
END_TEST

START_TEST(checker_forgets_released_locks)
{
    // A released lock is no longer held, whatever the order of release; the locks still held still count.
    struct lo_mutex a, b, c, d;
    int cd;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_init(&c, "C");
    lo_mutex_init(&d, "D");
    // A released before B is locked: no A -> B.
    lo_mutex_lock(&a);
    lo_mutex_unlock(&a);
    lo_mutex_lock(&b);
    lo_mutex_lock(&a);
    lo_mutex_unlock(&a);
    lo_mutex_unlock(&b);
    dl_assert_reports(0, "after A locked and released, then B -> A");
    // A released before C, out of order: C is still held when D is locked.
    lo_mutex_lock(&a);
    ck_assert_msg(lo_mutex_trylock(&c) == 0, "trylock of a free lock: expected 0");
    lo_mutex_unlock(&a);
    DL_LOCK_AT(&d, cd);
    lo_mutex_unlock(&d);
    lo_mutex_unlock(&c);
    lo_mutex_lock(&d);
    lo_mutex_lock(&a);
    lo_mutex_unlock(&a);
    lo_mutex_unlock(&d);
    dl_assert_reports(0, "after A, C held; A released; D locked (C -> D); then D -> A");
    dl_close_two_lock_cycle(&c, &d, cd,
                            "after C -> D (C still held when A was released first), then D -> C");
    lo_mutex_destroy(&a);
    lo_mutex_destroy(&b);
    lo_mutex_destroy(&c);
    lo_mutex_destroy(&d);
}
END_TEST

START_TEST(checker_reports_cycle_past_trylocked_or_destroyed_lock)
{
    // An edge comes from every lock held, not only the last one taken: with
    // A held, B taken by a successful trylock (the innermost lock) and then
    // C locked, C -> A closes the cycle A -> C.  The same when the middle
    // lock B was taken by lock and has been destroyed since.
    struct lo_mutex a, b, c;
    int ac, ca;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_init(&c, "C");
    lo_mutex_lock(&a);
    ck_assert_msg(lo_mutex_trylock(&b) == 0, "trylock of a free lock: expected 0");
    DL_LOCK_AT(&c, ac);
    lo_mutex_unlock(&c);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    dl_assert_reports(0, "after A held, B by trylock, then C");
    lo_mutex_lock(&c);
    DL_LOCK_AT(&a, ca);
    lo_mutex_unlock(&a);
    lo_mutex_unlock(&c);
    dl_assert_reports(1, "after A held, B by trylock, C locked; then C -> A");
    struct dl_edge known[] = {{&a, &c, ac}, {&c, &a, ca}, {&b, &c, ac}};
    dl_check_cycle(0, __FILE__, &known[1], known, 3);
    lo_mutex_destroy(&a);
    lo_mutex_destroy(&b);
    lo_mutex_destroy(&c);

    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_init(&c, "C");
    lo_mutex_lock(&a);
    lo_mutex_lock(&b);
    DL_LOCK_AT(&c, ac);
    lo_mutex_unlock(&c);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    lo_mutex_destroy(&b); // its edges go with it; A -> C stays
    dl_close_two_lock_cycle(&a, &c, ac, "after A -> B -> C, B destroyed, then C -> A");
    lo_mutex_destroy(&a);
    lo_mutex_destroy(&c);
}
END_TEST

enum { ORDER_THREADS = 4, ORDER_LOCKS = 8 };

static struct lo_mutex order_lock[ORDER_LOCKS];
static long order_count[ORDER_LOCKS]; // order_count[i] is protected by order_lock[i]
static atomic_int order_line;

struct order_worker {
    long rounds, taken[ORDER_LOCKS];
    unsigned seed;
};

// Lock a pseudo-random subset of the locks, always in increasing order (the
// first round takes them all), some with trylock; count under each lock.
static void *order_worker(void *arg)
{
    struct order_worker *w = arg;
    for (long r = 0; r < w->rounds; r++) {
        int held[ORDER_LOCKS], n = 0;
        for (int i = 0; i < ORDER_LOCKS; i++) {
            w->seed = w->seed * 1103515245u + 12345u;
            unsigned pick = (w->seed >> 16) % 4;
            if (r > 0 && pick == 0)
                continue;
            if (r > 0 && pick == 1) {
                if (lo_mutex_trylock(&order_lock[i]) != 0)
                    continue;
            } else {
                atomic_store(&order_line, __LINE__), lo_mutex_lock(&order_lock[i]);
            }
            order_count[i]++;
            w->taken[i]++;
            held[n++] = i;
        }
        for (int k = 0; k < n; k++) // release in the order taken
            lo_mutex_unlock(&order_lock[held[k]]);
    }
    return NULL;
}

START_TEST(checker_is_thread_safe)
{
    // Four threads locking in one consistent order at once: no report, and each lock still excludes.
    static const char *names[ORDER_LOCKS] = {"L0", "L1", "L2", "L3", "L4", "L5", "L6", "L7"};
    struct order_worker w[ORDER_THREADS];
    lk_thread_t t[ORDER_THREADS];
    dl_capture_reports();
    for (int i = 0; i < ORDER_LOCKS; i++)
        lo_mutex_init(&order_lock[i], names[i]);
    for (int k = 0; k < ORDER_THREADS; k++) {
        w[k] = (struct order_worker){.rounds = lk_scaled(20000, 20, 10), .seed = 17u + (unsigned)k};
        lk_thread_create(&t[k], order_worker, &w[k]);
    }
    ck_assert_msg(dl_join_within(t, ORDER_THREADS, 10.0) == 0,
                  "the threads did not finish (%s): expected consistent locking to finish",
                  dl_join_problem());
    for (int i = 0; i < ORDER_LOCKS; i++) {
        long taken = 0;
        for (int k = 0; k < ORDER_THREADS; k++)
            taken += w[k].taken[i];
        ck_assert_msg(order_count[i] == taken,
                      "the count under lock L%d: expected %ld (the times it was taken), got %ld: "
                      "an lo_mutex must exclude like the lock it wraps",
                      i, taken, order_count[i]);
    }
    dl_assert_reports(0, "after four threads locked only in increasing order");
    // The control, L7 -> L0, closes a cycle.  Under TSan it would be a real
    // inversion of the pthread mutexes inside, which TSan reports itself.
    if (!LK_UNDER_TSAN) {
        int line;
        lo_mutex_lock(&order_lock[7]);
        DL_LOCK_AT(&order_lock[0], line);
        lo_mutex_unlock(&order_lock[0]);
        lo_mutex_unlock(&order_lock[7]);
        dl_assert_reports(1, "after the threads took L0 -> L7, then L7 -> L0");
        struct dl_edge known[ORDER_LOCKS * ORDER_LOCKS];
        int n = 0;
        for (int i = 0; i < ORDER_LOCKS; i++)
            for (int j = i + 1; j < ORDER_LOCKS; j++)
                known[n++] = (struct dl_edge){&order_lock[i], &order_lock[j], atomic_load(&order_line)};
        struct dl_edge closing = {&order_lock[7], &order_lock[0], line};
        dl_check_cycle(0, __FILE__, &closing, known, n);
    }
    for (int i = 0; i < ORDER_LOCKS; i++)
        lo_mutex_destroy(&order_lock[i]);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("deadlock-public");
    LK_ADD(s, transfer_moves_money);
    LK_ADD(s, transfer_refuses_overdraft);
    LK_ADD(s, transfer_to_same_account);
    LK_ADD(s, transfer_locks_lower_id_first);
    LK_ADD(s, concurrent_transfers_conserve_money);
    LK_ADD(s, philosophers_eat_all_meals);
    LK_ADD(s, two_philosophers);
    LK_ADD(s, philosopher_waits_without_spinning);
    LK_ADD(s, checker_reports_two_lock_inversion);
    LK_ADD(s, checker_reports_three_lock_cycle);
    LK_ADD(s, checker_accepts_consistent_order);
    LK_ADD(s, checker_ignores_failed_trylock);
    LK_ADD(s, checker_forgets_released_locks);
    LK_ADD(s, checker_reports_cycle_past_trylocked_or_destroyed_lock);
    LK_ADD(s, checker_is_thread_safe);
#ifdef LK_EXPLORE
    LK_ADD(s, bank_explore_opposite_transfers);
    LK_ADD(s, philosophers_explore);
#endif
    return s;
}
