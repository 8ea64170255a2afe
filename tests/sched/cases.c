// Scenarios that prove the explore scheduler finds, reports and replays bugs.
//
// Built twice by run.sh: with -DLK_EXPLORE (forced schedules) and without (a
// plain stress test with real threads).  `./cases NAME [SEEDS [STRATEGY [BOUND [MAX]]]]`
// runs one scenario through lk_explore() and prints
//
//     result NAME STRATEGY runs=N failed=F ms_per_run=T
//
// followed by the report of the first failure, if any.  run.sh checks them.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "futex_mutex.h"
#include "lk_atomic.h"
#include "lk_sched.h"

enum { MAX_WORKERS = 3 };

static int workers = 2, rounds = 3, check_inside;
static atomic_uint flag, counter, inside;

static void counter_add_one(void)
{
    // With check_inside, catch two threads in the critical section as it
    // happens: that needs one forced switch fewer than a lost update does.
    if (check_inside) {
        unsigned others = lk_atomic_fetch_add(&inside, 1);
        lk_explore_check(others == 0, "%u other thread(s) inside the critical section", others);
    }
    // Two layer steps, so a broken lock lets two threads interleave here.
    unsigned value = lk_atomic_load(&counter);
    lk_atomic_store(&counter, value + 1);
    if (check_inside)
        lk_atomic_fetch_sub(&inside, 1);
}

// A lock built from a non-atomic test-then-set: two threads can both see 0.
static void tas_lock(void)
{
    for (;;) {
        if (lk_atomic_load(&flag) == 0) {
            lk_atomic_store(&flag, 1);
            return;
        }
        lk_cpu_relax();
    }
}

// The same without the relax hint: a busy spin, which the systematic
// strategy must recognise as waiting rather than search without end.
static void tas_lock_busy(void)
{
    while (lk_atomic_load(&flag) != 0)
        ;
    lk_atomic_store(&flag, 1);
}

static void tas_unlock(void)
{
    lk_atomic_store(&flag, 0);
}

// A correct spinlock: compare-and-swap 0 -> 1.
static void cas_lock(void)
{
    unsigned expected = 0;
    while (!lk_atomic_compare_exchange_weak(&flag, &expected, 1)) {
        expected = 0;
        lk_cpu_relax();
    }
}

// The same spinlock spinning without a relax hint (PCT must not starve it).
static void cas_lock_busy(void)
{
    unsigned expected = 0;
    while (!lk_atomic_compare_exchange_strong(&flag, &expected, 1))
        expected = 0;
}

static void cas_unlock(void)
{
    lk_atomic_store(&flag, 0);
}

// A correct futex mutex (futex_mutex.h).
static void futex_lock(void)
{
    futex_mutex_lock(&flag);
}

static void futex_unlock(void)
{
    futex_mutex_unlock(&flag);
}

static void (*lock_fn)(void);
static void (*unlock_fn)(void);

static void *counter_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < rounds; i++) {
        lock_fn();
        counter_add_one();
        unlock_fn();
    }
    return NULL;
}

// N workers add `rounds` each under the lock; the total must be exact.
static void counter_scenario(void *arg)
{
    lk_thread_t t[MAX_WORKERS];
    (void)arg;
    atomic_store(&flag, 0);
    atomic_store(&counter, 0);
    atomic_store(&inside, 0);
    lk_explore_name(&flag, "flag");
    lk_explore_name(&inside, "inside");
    lk_explore_name(&counter, "counter");
    for (int i = 0; i < workers; i++)
        lk_thread_create(&t[i], counter_worker, NULL);
    for (int i = 0; i < workers; i++)
        lk_thread_join(t[i], NULL);
    unsigned got = atomic_load(&counter);
    lk_explore_check(got == (unsigned)(workers * rounds), "counter: expected %d, got %u",
                     workers * rounds, got);
}

// Lost wakeup: the waiter checks `ready`, then sleeps on a word that the
// signaller never changes, so a signal between the two is lost.
static atomic_uint ready, word;

static void *lost_waiter(void *arg)
{
    (void)arg;
    while (!lk_atomic_load(&ready))
        lk_futex_wait(&word, 0);
    return NULL;
}

static void *lost_signaller(void *arg)
{
    (void)arg;
    lk_atomic_store(&ready, 1);
    lk_futex_wake(&word, 1);
    return NULL;
}

static void lost_wakeup_scenario(void *arg)
{
    lk_thread_t waiter, signaller;
    (void)arg;
    lk_explore_name(&ready, "ready");
    lk_explore_name(&word, "word");
    lk_thread_create(&waiter, lost_waiter, NULL);
    lk_thread_create(&signaller, lost_signaller, NULL);
    lk_thread_join(waiter, NULL);
    lk_thread_join(signaller, NULL);
}

// Livelock: each thread spins until the other has gone first.
static atomic_uint went[2];

static void *polite_worker(void *arg)
{
    int me = (int)(long)arg;
    while (!lk_atomic_load(&went[1 - me]))
        lk_cpu_relax();
    lk_atomic_store(&went[me], 1);
    return NULL;
}

static void livelock_scenario(void *arg)
{
    lk_thread_t t[2];
    (void)arg;
    lk_explore_name(&went[0], "went[0]");
    lk_explore_name(&went[1], "went[1]");
    for (long i = 0; i < 2; i++)
        lk_thread_create(&t[i], polite_worker, (void *)i);
    for (int i = 0; i < 2; i++)
        lk_thread_join(t[i], NULL);
}

// ABBA: two threads take the same two mutexes in opposite orders.
static lk_mutex_t mutex_a = LK_MUTEX_INITIALIZER("A"), mutex_b = LK_MUTEX_INITIALIZER("B");

static void *abba_worker(void *arg)
{
    lk_mutex_t *first = arg ? &mutex_b : &mutex_a, *second = arg ? &mutex_a : &mutex_b;
    lk_mutex_lock(first);
    lk_mutex_lock(second);
    counter_add_one();
    lk_mutex_unlock(second);
    lk_mutex_unlock(first);
    return NULL;
}

static void abba_scenario(void *arg)
{
    lk_thread_t t[2];
    (void)arg;
    for (long i = 0; i < 2; i++)
        lk_thread_create(&t[i], abba_worker, (void *)i);
    for (int i = 0; i < 2; i++)
        lk_thread_join(t[i], NULL);
}

// The same two mutexes taken in one global order: never deadlocks.
static void *ordered_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < rounds; i++) {
        lk_mutex_lock(&mutex_a);
        if (lk_mutex_trylock(&mutex_b) != 0)
            lk_mutex_lock(&mutex_b);
        counter_add_one();
        lk_mutex_unlock(&mutex_b);
        lk_mutex_unlock(&mutex_a);
    }
    return NULL;
}

static void ordered_scenario(void *arg)
{
    lk_thread_t t[MAX_WORKERS];
    (void)arg;
    atomic_store(&counter, 0);
    for (int i = 0; i < workers; i++)
        lk_thread_create(&t[i], ordered_worker, NULL);
    for (int i = 0; i < workers; i++)
        lk_thread_join(t[i], NULL);
    unsigned got = atomic_load(&counter);
    lk_explore_check(got == (unsigned)(workers * rounds), "counter: expected %d, got %u",
                     workers * rounds, got);
}

// A thread that dereferences NULL: the run crashes, the test does not.
static void *crashing_worker(void *arg)
{
    lk_atomic_store(&counter, 1);
    return (void *)(long)*(volatile int *)arg;
}

static void crash_scenario(void *arg)
{
    lk_thread_t t;
    (void)arg;
    lk_thread_create(&t, crashing_worker, NULL);
    lk_thread_join(t, NULL);
}

// A thread that sleeps on a futex nobody wakes: in a normal build, a hang.
static void *sleeper(void *arg)
{
    (void)arg;
    lk_futex_wait(&word, 0);
    return NULL;
}

static void hang_scenario(void *arg)
{
    lk_thread_t t;
    (void)arg;
    atomic_store(&word, 0);
    lk_thread_create(&t, sleeper, NULL);
    lk_thread_join(t, NULL);
}

// A bug that needs one thread to run far without a break: the reader must
// look exactly between the batch's last item and its `done` mark.  Random
// switching almost never lets the writer run that far alone; PCT often does.
enum { BATCH = 30 };
static atomic_uint items, done;

static void *batch_reader(void *arg)
{
    (void)arg;
    unsigned seen = lk_atomic_load(&items);
    lk_explore_check(seen < BATCH || lk_atomic_load(&done), "saw all %d items before `done`",
                     BATCH);
    return NULL;
}

static void batch_scenario(void *arg)
{
    lk_thread_t reader;
    (void)arg;
    lk_explore_name(&items, "items");
    lk_explore_name(&done, "done");
    lk_thread_create(&reader, batch_reader, NULL);
    for (unsigned i = 1; i <= BATCH; i++)
        lk_atomic_store(&items, i);
    lk_atomic_store(&done, 1);
    lk_thread_join(reader, NULL);
}

struct scenario {
    const char *name;
    void (*run)(void *);
    void (*lock)(void), (*unlock)(void);
    int workers;
    long budget;
    int check_inside;
    int rounds; // per worker (default 3)
};

static const struct scenario scenarios[] = {
    { "tas_lock_2", counter_scenario, tas_lock, tas_unlock, 2, 0, 0, 0 },
    { "tas_lock_3", counter_scenario, tas_lock, tas_unlock, 3, 0, 0, 0 },
    { "tas_lock_2_long", counter_scenario, tas_lock, tas_unlock, 2, 0, 0, 1000 },
    { "tas_lock_2_inside", counter_scenario, tas_lock, tas_unlock, 2, 0, 1, 0 },
    { "tas_lock_3_inside", counter_scenario, tas_lock, tas_unlock, 3, 0, 1, 0 },
    { "tas_lock_2_busy", counter_scenario, tas_lock_busy, tas_unlock, 2, 0, 1, 0 },
    { "cas_spinlock", counter_scenario, cas_lock, cas_unlock, 3, 0, 0, 0 },
    { "cas_spinlock_busy", counter_scenario, cas_lock_busy, cas_unlock, 3, 0, 0, 0 },
    { "futex_mutex", counter_scenario, futex_lock, futex_unlock, 3, 0, 0, 0 },
    { "lost_wakeup", lost_wakeup_scenario, NULL, NULL, 2, 0, 0, 0 },
    { "livelock", livelock_scenario, NULL, NULL, 2, 20000, 0, 0 },
    { "livelock_default_budget", livelock_scenario, NULL, NULL, 2, 0, 0, 0 },
    { "abba", abba_scenario, NULL, NULL, 2, 0, 0, 0 },
    { "ordered_mutexes", ordered_scenario, NULL, NULL, 3, 0, 0, 0 },
    { "batch", batch_scenario, NULL, NULL, 2, 0, 0, 0 },
    { "crash", crash_scenario, NULL, NULL, 1, 0, 0, 0 },
    { "hang", hang_scenario, NULL, NULL, 1, 0, 0, 0 },
};

int main(int argc, char **argv)
{
    const struct scenario *s = NULL;
    for (size_t i = 0; argc > 1 && i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (strcmp(argv[1], scenarios[i].name) == 0)
            s = &scenarios[i];
    if (!s) {
        fprintf(stderr, "usage: %s SCENARIO [SEEDS [random|pct|both|systematic [BOUND [MAX_SCHEDULES]]]]\n"
                "scenarios:", argv[0]);
        for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
            fprintf(stderr, " %s", scenarios[i].name);
        fputc('\n', stderr);
        return 2;
    }
    const char *strategy = argc > 3 ? argv[3] : "both";
    struct lk_explore_opts opts = {
        .seeds = argc > 2 ? atoi(argv[2]) : 50,
        .strategies = strcmp(strategy, "random") == 0       ? LK_RANDOM
                      : strcmp(strategy, "pct") == 0        ? LK_PCT
                      : strcmp(strategy, "systematic") == 0 ? LK_SYSTEMATIC
                                                            : LK_RANDOM | LK_PCT,
        .step_budget = s->budget,
        .preemptions = argc > 4 ? atoi(argv[4]) : 0,
        .max_schedules = argc > 5 ? atoi(argv[5]) : 0,
    };
    lock_fn = s->lock;
    unlock_fn = s->unlock;
    workers = s->workers;
    check_inside = s->check_inside;
    rounds = s->rounds ? s->rounds : 3;
    struct timespec t0, t1;
    char *report = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int failed = lk_explore(s->name, s->run, NULL, &opts, &report);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("result %s %s seeds=%d failed=%d ms=%.1f\n", s->name, strategy, opts.seeds, failed, ms);
    if (report)
        printf("%s", report);
    free(report);
    return 0;
}
