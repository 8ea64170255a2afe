// Hidden tests of the deadlock lab: more orders, more seats, more schedules,
// and the corners of the lock-order checker.
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include "bank.h"
#include "dl_check.h"
#include "lockorder.h"
#include "philosophers.h"

// ---- Task 1: the bank ----

START_TEST(transfer_locks_lower_id_first_among_four)
{
    // Between any two of four accounts, whose ids are not in address order, transfer locks the lower id first.
    static const int ids[4] = {40, 7, 23, 11};
    static const char *names[4] = {"account40", "account7", "account23", "account11"};
    struct account acc[4];
    for (int i = 0; i < 4; i++)
        account_init(&acc[i], ids[i], 1000 - 100 * i, names[i]);
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            if (i == j)
                continue;
            const struct account *low = ids[i] < ids[j] ? &acc[i] : &acc[j];
            const char *problem = dl_probe_lock_order(&acc[i], &acc[j]);
            ck_assert_msg(problem == NULL,
                          "transfer(%s, %s): expected it to lock %s (the lower id) first, but %s",
                          names[i], names[j], low->lock.name, problem);
        }
    }
    long total = 0;
    for (int i = 0; i < 4; i++) {
        total += acc[i].balance;
        account_destroy(&acc[i]);
    }
    ck_assert_msg(total == 1000 + 900 + 800 + 700, "expected the total to stay 3400, got %ld",
                  total);
}
END_TEST

START_TEST(transfer_of_zero_and_everything)
{
    // A transfer of 0 succeeds and changes nothing; a transfer of the whole balance empties the account.
    struct account a, b;
    account_init(&a, 5, 70, "a");
    account_init(&b, 2, 30, "b");
    int rc = transfer(&a, &b, 0);
    ck_assert_msg(rc == 0 && a.balance == 70 && b.balance == 30,
                  "transfer(a, b, 0): expected 0 and balances 70 and 30, got %d, %ld and %ld", rc,
                  a.balance, b.balance);
    rc = transfer(&b, &a, 30);
    ck_assert_msg(rc == 0 && a.balance == 100 && b.balance == 0,
                  "transfer(b, a, 30) with b holding 30: expected 0 and balances 100 and 0, got "
                  "%d, %ld and %ld",
                  rc, a.balance, b.balance);
    rc = transfer(&b, &a, 1);
    ck_assert_msg(rc == -1 && a.balance == 100 && b.balance == 0,
                  "transfer(b, a, 1) with b empty: expected -1 and nothing moved, got %d, %ld "
                  "and %ld",
                  rc, a.balance, b.balance);
    account_destroy(&a);
    account_destroy(&b);
}
END_TEST

#ifdef LK_EXPLORE
START_TEST(bank_explore_ring_of_three)
{
    // Three threads transferring 1 -> 2, 2 -> 3 and 3 -> 1 finish under every explored schedule.
    dl_explore_ring("bank_ring",
                    (struct dl_ring){.accounts = 3, .rounds = 2, .balance = 50, .amount = 5}, 30);
}
END_TEST
#endif

// ---- Task 2: the philosophers ----

START_TEST(seven_philosophers_eat_all_meals)
{
    // Seven philosophers eat many meals each: nobody starves, nobody eats next to an eating neighbour.
    dl_dinner_everyone_eats(7, lk_scaled(2000, 10, 5), 10.0);
}
END_TEST

START_TEST(philosopher_eats_when_neighbours_are_away)
{
    // A philosopher alone at the table eats at once, many times over.
    static struct dl_dinner d;
    dl_dinner_init(&d, 5, 1000);
    dl_dinner_start(&d, 2, 1);
    ck_assert_msg(dl_join_within(&d.thread[2], 1, 5.0) == 0,
                  "seat 2, alone at the table, did not eat its 1000 meals: %s", dl_join_problem());
    ck_assert_msg(!atomic_load(&d.failed), "%s", d.problem);
    ck_assert_msg(d.table.meals[2] == 1000, "seat 2: expected 1000 meals, got %ld",
                  d.table.meals[2]);
    table_destroy(&d.table);
}
END_TEST

#ifdef LK_EXPLORE
static struct dl_dinner explore_dinner;

static void dinner_scenario(void *arg)
{
    int seats = (int)(long)arg;
    dl_dinner_init(&explore_dinner, seats, seats == 2 ? 3 : 1);
    dl_dinner_start(&explore_dinner, 0, seats);
    dl_dinner_join(&explore_dinner);
}

START_TEST(philosophers_explore_two_seats)
{
    // Two philosophers sharing both forks eat three meals each under every explored schedule.
    dl_explore("philosophers_two", dinner_scenario, (void *)2L, 30, LK_RANDOM | LK_PCT);
}
END_TEST

START_TEST(philosophers_explore_seven_seats)
{
    // Seven philosophers eat a meal each under every explored schedule.
    dl_explore("philosophers_seven", dinner_scenario, (void *)7L, 30, LK_RANDOM | LK_PCT);
}
END_TEST
#endif

// ---- Task 3: the lock-order checker ----

START_TEST(checker_reports_each_cycle_once)
{
    // Taking the same inverted order again does not report the same cycle again.
    struct lo_mutex a, b;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    for (int round = 0; round < 3; round++) {
        lo_mutex_lock(&a);
        lo_mutex_lock(&b);
        lo_mutex_unlock(&b);
        lo_mutex_unlock(&a);
        lo_mutex_lock(&b);
        lo_mutex_lock(&a);
        lo_mutex_unlock(&a);
        lo_mutex_unlock(&b);
    }
    dl_assert_reports(1, "after A -> B, B -> A three times over");
    lo_mutex_destroy(&a);
    lo_mutex_destroy(&b);
}
END_TEST

START_TEST(checker_reports_where_edges_were_first_seen)
{
    // Each edge of a report carries the file and line of the lock call that first made it.
    struct lo_mutex a, b;
    int first_ab, later_ab = 0;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_lock(&a);
    DL_LOCK_AT(&b, first_ab);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    for (int i = 0; i < 2; i++) {
        lo_mutex_lock(&a);
        DL_LOCK_AT(&b, later_ab);
        lo_mutex_unlock(&b);
        lo_mutex_unlock(&a);
    }
    (void)later_ab;
    dl_close_two_lock_cycle(&a, &b, first_ab, "after A -> B (at two places), then B -> A");
}
END_TEST

START_TEST(checker_reports_cycle_of_nested_locks)
{
    // Holding A and B while locking C makes A -> C and B -> C; C -> A then closes a cycle.
    struct lo_mutex a, b, c, d;
    int ab, ac, bc, cd, da;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_init(&c, "C");
    lo_mutex_init(&d, "D");
    lo_mutex_lock(&a);
    DL_LOCK_AT(&b, ab);
    ac = bc = __LINE__, lo_mutex_lock(&c);
    DL_LOCK_AT(&d, cd);
    lo_mutex_unlock(&d);
    lo_mutex_unlock(&c);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    dl_assert_reports(0, "after A, B, C, D nested in that order");
    lo_mutex_lock(&d);
    DL_LOCK_AT(&a, da);
    lo_mutex_unlock(&a);
    lo_mutex_unlock(&d);
    dl_assert_reports(1, "after A -> B -> C -> D nested, then D -> A");
    // The nested locking made A -> C, A -> D, B -> D as well: any cycle made
    // of real edges is a right answer.
    struct dl_edge known[] = {{&a, &b, ab}, {&a, &c, ac}, {&b, &c, bc}, {&a, &d, cd},
                              {&b, &d, cd}, {&c, &d, cd}, {&d, &a, da}};
    dl_check_cycle(0, __FILE__, &known[6], known, 7);
}
END_TEST

START_TEST(checker_reports_four_lock_cycle)
{
    // A -> B, B -> C, C -> D, each taken alone, then D -> A is reported as a cycle of four.
    struct lo_mutex m[4];
    static const char *names[4] = {"A", "B", "C", "D"};
    int line[4];
    dl_capture_reports();
    for (int i = 0; i < 4; i++)
        lo_mutex_init(&m[i], names[i]);
    for (int i = 0; i < 4; i++) {
        lo_mutex_lock(&m[i]);
        DL_LOCK_AT(&m[(i + 1) % 4], line[i]);
        lo_mutex_unlock(&m[(i + 1) % 4]);
        lo_mutex_unlock(&m[i]);
        dl_assert_reports(i == 3 ? 1 : 0, i == 3 ? "after A -> B, B -> C, C -> D, D -> A"
                                                 : "after a chain of edges");
    }
    struct dl_edge known[4];
    for (int i = 0; i < 4; i++)
        known[i] = (struct dl_edge){&m[i], &m[(i + 1) % 4], line[i]};
    dl_check_cycle(0, __FILE__, &known[3], known, 4);
    ck_assert_msg(dl_report(0)->length == 4, "expected a cycle of 4 edges, got %d",
                  dl_report(0)->length);
}
END_TEST

START_TEST(checker_reports_cycle_past_middle_locks)
{
    // With A locked, B by trylock, C locked and destroyed later, D locked,
    // every held lock gets an edge to D: D -> A then closes A -> D, although
    // the locks between A and D were trylocked or are gone.
    struct lo_mutex a, b, c, d;
    int ad;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_init(&c, "C");
    lo_mutex_init(&d, "D");
    lo_mutex_lock(&a);
    ck_assert_msg(lo_mutex_trylock(&b) == 0, "trylock of a free lock: expected 0");
    lo_mutex_lock(&c);
    DL_LOCK_AT(&d, ad);
    lo_mutex_unlock(&d);
    lo_mutex_unlock(&c);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    lo_mutex_destroy(&c);
    lo_mutex_destroy(&b);
    dl_assert_reports(0, "after A, B (trylock), C, D nested, B and C destroyed");
    dl_close_two_lock_cycle(&a, &d, ad, "after that, D -> A");
    lo_mutex_destroy(&a);
    lo_mutex_destroy(&d);
}
END_TEST

START_TEST(checker_counts_successful_trylock_as_held)
{
    // A trylock that succeeds adds no edge itself, but the lock is held: locking B then makes A -> B.
    struct lo_mutex a, b;
    int ab;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    ck_assert_msg(lo_mutex_trylock(&a) == 0, "trylock of a free lock: expected 0");
    DL_LOCK_AT(&b, ab);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    lo_mutex_lock(&b);
    ck_assert_msg(lo_mutex_trylock(&a) == 0, "trylock of a free lock: expected 0");
    lo_mutex_unlock(&a);
    lo_mutex_unlock(&b);
    dl_assert_reports(0, "after A (trylock) -> B, then B -> A by trylock");
    dl_close_two_lock_cycle(&a, &b, ab, "after A (trylock) -> B, then B -> A by lock");
}
END_TEST

// A thread that holds a lock until told to let go.
struct holder {
    struct lo_mutex *lock;
    atomic_int holding, release;
};

static void *hold_until_released(void *arg)
{
    struct holder *h = arg;
    lo_mutex_lock(h->lock);
    atomic_store(&h->holding, 1);
    while (!atomic_load(&h->release))
        dl_sleep_ms(1);
    lo_mutex_unlock(h->lock);
    return NULL;
}

static void wait_for(atomic_int *flag, lk_thread_t thread, const char *what)
{
    ck_assert_msg(dl_wait_flag(flag, thread), "expected %s: %s", what, dl_join_problem());
}

START_TEST(checker_ignores_trylock_of_lock_held_elsewhere)
{
    // A trylock that fails because another thread holds the lock adds no edge.
    struct lo_mutex a, b;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    struct holder h = {&b, 0, 0};
    lk_thread_t t;
    lk_thread_create(&t, hold_until_released, &h);
    wait_for(&h.holding, t, "the helper thread to hold B");
    lo_mutex_lock(&a);
    int rc = lo_mutex_trylock(&b);
    lo_mutex_unlock(&a);
    atomic_store(&h.release, 1);
    ck_assert_msg(dl_join_within(&t, 1, 2.0) == 0, "the helper thread did not end");
    ck_assert_msg(rc != 0, "trylock of B held by another thread: expected non-zero, got 0");
    lo_mutex_lock(&b);
    lo_mutex_lock(&a);
    lo_mutex_unlock(&a);
    lo_mutex_unlock(&b);
    dl_assert_reports(0, "after a failed trylock of B holding A, then B -> A");
    lo_mutex_lock(&a);
    lo_mutex_lock(&b);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    dl_assert_reports(1, "after B -> A, then A -> B");
}
END_TEST

START_TEST(checker_keeps_held_locks_per_thread)
{
    // A lock held by one thread is not "held" by another: no edge from it.
    struct lo_mutex a, b;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    struct holder h = {&a, 0, 0};
    lk_thread_t t;
    lk_thread_create(&t, hold_until_released, &h);
    wait_for(&h.holding, t, "the helper thread to hold A");
    // While the helper holds A, this thread takes B: that is not A -> B.
    lo_mutex_lock(&b);
    lo_mutex_unlock(&b);
    atomic_store(&h.release, 1);
    ck_assert_msg(dl_join_within(&t, 1, 2.0) == 0, "the helper thread did not end");
    lo_mutex_lock(&b);
    lo_mutex_lock(&a);
    lo_mutex_unlock(&a);
    lo_mutex_unlock(&b);
    dl_assert_reports(0, "after B alone (while another thread held A), then B -> A");
    lo_mutex_lock(&a);
    lo_mutex_lock(&b);
    lo_mutex_unlock(&b);
    lo_mutex_unlock(&a);
    dl_assert_reports(1, "after B -> A, then A -> B");
}
END_TEST

struct inverter {
    struct lo_mutex *first, *second;
};

static void *lock_in_order(void *arg)
{
    struct inverter *inv = arg;
    lo_mutex_lock(inv->first);
    lo_mutex_lock(inv->second);
    lo_mutex_unlock(inv->second);
    lo_mutex_unlock(inv->first);
    return NULL;
}

START_TEST(checker_reports_cycle_made_by_two_threads)
{
    // A -> B in one thread and B -> A in another (one after the other, so no deadlock) is reported.
    struct lo_mutex a, b;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    struct inverter one = {&a, &b}, two = {&b, &a};
    lk_thread_t t;
    lk_thread_create(&t, lock_in_order, &one);
    ck_assert_msg(dl_join_within(&t, 1, 2.0) == 0, "the first thread did not end");
    dl_assert_reports(0, "after A -> B in one thread");
    lk_thread_create(&t, lock_in_order, &two);
    ck_assert_msg(dl_join_within(&t, 1, 2.0) == 0, "the second thread did not end");
    dl_assert_reports(1, "after A -> B in one thread, then B -> A in another");
}
END_TEST

START_TEST(checker_reports_before_waiting)
{
    // The report comes when the lock call closes the cycle, before it waits: here the wait is long.
    struct lo_mutex a, b;
    dl_capture_reports();
    lo_mutex_init(&a, "A");
    lo_mutex_init(&b, "B");
    lo_mutex_lock(&a);
    lo_mutex_lock(&b); // A -> B
    lo_mutex_unlock(&b);
    // Still holding A: the thread's B -> A must wait for us.
    struct inverter two = {&b, &a};
    lk_thread_t t;
    lk_thread_create(&t, lock_in_order, &two);
    // Until the thread is blocked on A (asleep in a futex wait), or spins.
    struct tw_thread watch;
    tw_watch_pthread(&watch, t);
    for (int asleep = 0; dl_report_count() == 0 && asleep < 3 && tw_cpu(&watch) < dl_seconds(0.5);
         dl_sleep_ms(1))
        asleep = tw_state(&watch) == TW_ASLEEP ? asleep + 1 : 0;
    int during = dl_report_count();
    lo_mutex_unlock(&a);
    ck_assert_msg(dl_join_within(&t, 1, 2.0) == 0, "the thread taking B -> A did not end");
    ck_assert_msg(during > 0,
                  "while a thread waited for A holding B (after A -> B): expected the report "
                  "before the wait, got none during it and %d after",
                  dl_report_count());
    dl_assert_reports(1, "after A -> B, then B -> A in another thread");
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("deadlock-hidden");
    LK_ADD(s, transfer_locks_lower_id_first_among_four);
    LK_ADD(s, transfer_of_zero_and_everything);
    LK_ADD(s, seven_philosophers_eat_all_meals);
    LK_ADD(s, philosopher_eats_when_neighbours_are_away);
    LK_ADD(s, checker_reports_each_cycle_once);
    LK_ADD(s, checker_reports_where_edges_were_first_seen);
    LK_ADD(s, checker_reports_cycle_of_nested_locks);
    LK_ADD(s, checker_reports_four_lock_cycle);
    LK_ADD(s, checker_counts_successful_trylock_as_held);
    LK_ADD(s, checker_reports_cycle_past_middle_locks);
    LK_ADD(s, checker_ignores_trylock_of_lock_held_elsewhere);
    LK_ADD(s, checker_keeps_held_locks_per_thread);
    LK_ADD(s, checker_reports_cycle_made_by_two_threads);
    LK_ADD(s, checker_reports_before_waiting);
#ifdef LK_EXPLORE
    LK_ADD(s, bank_explore_ring_of_three);
    LK_ADD(s, philosophers_explore_two_seats);
    LK_ADD(s, philosophers_explore_seven_seats);
#endif
    return s;
}
