// lk_explore() inside Check tests, the way the concurrency labs use it.
//
// run.sh links this with the kit's runner (grader/runner/runner.c), in an
// explore build and a normal one, and checks which cases pass and what the
// failure message says.
#include <stdlib.h>
#include <string.h>

#include "futex_mutex.h"
#include "labkit_check.h"
#include "lk_atomic.h"
#include "lk_sched.h"

enum { WORKERS = 3, ROUNDS = 3 };

static atomic_uint lock_word, counter;
static int use_futex_lock, workers = WORKERS;

// A test-then-set lock: the load and the store are two steps, not one.
static void broken_lock(void)
{
    while (lk_atomic_load(&lock_word) != 0)
        lk_cpu_relax();
    lk_atomic_store(&lock_word, 1);
}

static void unlock(void)
{
    if (use_futex_lock)
        futex_mutex_unlock(&lock_word);   // futex_mutex.h
    else
        lk_atomic_store(&lock_word, 0);
}

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        if (use_futex_lock)
            futex_mutex_lock(&lock_word);
        else
            broken_lock();
        unsigned value = lk_atomic_load(&counter);
        lk_atomic_store(&counter, value + 1);
        unlock();
    }
    return NULL;
}

static void counter_scenario(void *arg)
{
    lk_thread_t t[WORKERS];
    (void)arg;
    lk_explore_name(&lock_word, "lock_word");
    lk_explore_name(&counter, "counter");
    for (int i = 0; i < workers; i++)
        lk_thread_create(&t[i], worker, NULL);
    for (int i = 0; i < workers; i++)
        lk_thread_join(t[i], NULL);
    unsigned got = atomic_load(&counter);
    lk_explore_check(got == (unsigned)(workers * ROUNDS), "counter: expected %d, got %u",
                     workers * ROUNDS, got);
}

START_TEST(futex_mutex_counts_exactly)
{
    // A correct futex mutex loses no increment under any schedule.
    struct lk_explore_opts opts = { .seeds = 20 };
    char *report = NULL;
    use_futex_lock = 1;
    int failed = lk_explore("futex_mutex", counter_scenario, NULL, &opts, &report);
    ck_assert_msg(failed == 0, "%s", report ? report : "");
    free(report);
}
END_TEST

START_TEST(test_then_set_lock_counts_exactly)
{
    // The test a student's broken lock meets: fails in an explore build.
    struct lk_explore_opts opts = { .seeds = 20 };
    char *report = NULL;
    use_futex_lock = 0;
    int failed = lk_explore("test_then_set_lock", counter_scenario, NULL, &opts, &report);
    ck_assert_msg(failed == 0, "%s", report ? report : "");
    free(report);
}
END_TEST

START_TEST(test_then_set_lock_systematic)
{
    // The same broken lock under the systematic strategy, 2 threads: found
    // with 2 preemptions, and the report shows the smallest schedule.
    struct lk_explore_opts opts = { .strategies = LK_SYSTEMATIC, .preemptions = 2 };
    char *report = NULL;
    use_futex_lock = 0;
    workers = 2;
    int failed = lk_explore("test_then_set_lock", counter_scenario, NULL, &opts, &report);
    ck_assert_msg(failed == 0, "%s", report ? report : "");
    free(report);
}
END_TEST

START_TEST(futex_mutex_systematic)
{
    // A correct futex mutex passes every schedule with at most 2 preemptions.
    struct lk_explore_opts opts = { .seeds = 20, .strategies = LK_SYSTEMATIC, .preemptions = 2 };
    char *report = NULL;
    use_futex_lock = 1;
    workers = 2;
    int failed = lk_explore("futex_mutex", counter_scenario, NULL, &opts, &report);
    ck_assert_msg(failed == 0, "%s", report ? report : "");
    free(report);
}
END_TEST

static lk_mutex_t mutex_a, mutex_b;

static void *abba_worker(void *arg)
{
    lk_mutex_t *first = arg ? &mutex_b : &mutex_a, *second = arg ? &mutex_a : &mutex_b;
    lk_mutex_lock(first);
    lk_mutex_lock(second);
    lk_mutex_unlock(second);
    lk_mutex_unlock(first);
    return NULL;
}

static void abba_scenario(void *arg)
{
    lk_thread_t t[2];
    (void)arg;
    lk_mutex_init(&mutex_a, "A");
    lk_mutex_init(&mutex_b, "B");
    for (long i = 0; i < 2; i++)
        lk_thread_create(&t[i], abba_worker, (void *)i);
    for (int i = 0; i < 2; i++)
        lk_thread_join(t[i], NULL);
    lk_mutex_destroy(&mutex_a);
    lk_mutex_destroy(&mutex_b);
}

START_TEST(abba_deadlock_is_reported_as_a_cycle)
{
    // Opposite lock orders deadlock on some seed, reported as a cycle.
    struct lk_explore_opts opts = { .seeds = 20, .strategies = LK_RANDOM };
    char *report = NULL;
    int failed = lk_explore("abba", abba_scenario, NULL, &opts, &report);
    ck_assert_msg(failed > 0, "expected some of the 20 seeds to deadlock, got none");
    ck_assert_msg(report && strstr(report, "cycle: T"),
                  "expected a report naming the cycle, got: %s", report ? report : "(none)");
    free(report);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("sched");
    LK_ADD(s, futex_mutex_counts_exactly);
    LK_ADD(s, test_then_set_lock_counts_exactly);
    LK_ADD(s, test_then_set_lock_systematic);
    LK_ADD(s, futex_mutex_systematic);
    LK_ADD(s, abba_deadlock_is_reported_as_a_cycle);
    return s;
}
