// Public tests of the sync lab: each primitive's contract, under contention and under TSan.
//
// Waits judge threads by what they do, not by a clock (sync_test.h): a
// broken submission fails instead of hanging, and a busy machine never fails
// a correct one.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labkit_check.h"
#include "sync.h"
#include "sync_test.h"

// ---- Contention: many threads, one counter only the lock protects ----

// Rounds per thread: enough for TSan to see every pair of critical
// sections, few enough that a fair lock whose next-in-line thread waits for
// a core (a convoy, on a busy machine) still finishes in seconds.
enum { SPIN_ROUNDS = 25, MUTEX_ROUNDS = 40 };

START_TEST(spin_excludes_under_contention)
{
    // Mutual exclusion: 4 threads (twice the cores) wait on a held spinlock,
    // then each runs many short critical sections; none overlap, no
    // increment is lost.
    contention_reset(lk_scaled(SPIN_ROUNDS, 10, 5));
    struct crew crew;
    contention_start(&crew, 4, contention_spin_worker, true);
    contention_check(&crew, 4);
}
END_TEST

START_TEST(mutex_excludes_under_contention)
{
    // Mutual exclusion: 8 threads pile up on a held mutex, then each runs many
    // short critical sections; none overlap, no increment is lost.
    contention_reset(lk_scaled(MUTEX_ROUNDS, 10, 5));
    struct crew crew;
    contention_start(&crew, 8, contention_mutex_worker, false);
    contention_check(&crew, 8);
}
END_TEST

// ---- trylock ----

static sync_spinlock_t try_spin;
static sync_mutex_t try_mutex;

// A lock kind's trylock and unlock, for the checks both kinds share.
struct try_kind {
    const char *noun;   // how messages name it: "lock", "mutex"
    void *lock;
    bool (*trylock)(void *lock);
    void (*unlock)(void *lock);
};

static bool spin_trylock(void *lock)
{
    return sync_spin_trylock(lock);
}

static void spin_unlock(void *lock)
{
    sync_spin_unlock(lock);
}

static bool mutex_trylock(void *lock)
{
    return sync_mutex_trylock(lock);
}

static void mutex_unlock(void *lock)
{
    sync_mutex_unlock(lock);
}

static void *trylock_from_thread(void *arg)
{
    const struct try_kind *kind = arg;
    bool taken = kind->trylock(kind->lock);
    if (taken)
        kind->unlock(kind->lock);
    return (void *)(long)taken;
}

// A trylock on the contention mutex, which must fail: never unlocks what
// it should not have got (an unlock of a mutex with a sleeping waiter
// could hide the bug by waking it).
static void *contended_trylock_from_thread(void *arg)
{
    (void)arg;
    return (void *)(long)sync_mutex_trylock(&contention.mutex);
}

// Run fn(arg) in a new thread and return what it returned.
static bool in_other_thread(void *(*fn)(void *), void *arg)
{
    pthread_t thread;
    void *result = NULL;
    pthread_create(&thread, NULL, fn, arg);
    pthread_join(thread, &result);
    return result != NULL;
}

// trylock takes a free lock, refuses a held one (from the holder and from
// another thread), and succeeds again after unlock.
static void check_trylock_semantics(const struct try_kind *k)
{
    ck_assert_msg(k->trylock(k->lock), "trylock on a free %s: expected true, got false", k->noun);
    ck_assert_msg(!k->trylock(k->lock), "trylock on a held %s: expected false, got true", k->noun);
    ck_assert_msg(!in_other_thread(trylock_from_thread, (void *)k),
                  "trylock from another thread on a held %s: expected false, got true", k->noun);
    k->unlock(k->lock);
    ck_assert_msg(in_other_thread(trylock_from_thread, (void *)k),
                  "trylock from another thread after unlock: expected true, got false");
    ck_assert_msg(k->trylock(k->lock),
                  "trylock after the other thread unlocked: expected true, got false");
    k->unlock(k->lock);
}

START_TEST(spin_trylock_semantics)
{
    // sync_spin_trylock takes a free lock, refuses a held one (from the
    // holder and from another thread), and succeeds again after unlock.
    sync_spin_init(&try_spin);
    check_trylock_semantics(&(struct try_kind){"lock", &try_spin, spin_trylock, spin_unlock});
}
END_TEST

START_TEST(mutex_trylock_semantics)
{
    // sync_mutex_trylock takes a free mutex, refuses a held one (from the
    // holder and from another thread), and succeeds again after unlock.
    sync_mutex_init(&try_mutex);
    check_trylock_semantics(&(struct try_kind){"mutex", &try_mutex, mutex_trylock, mutex_unlock});
}
END_TEST

START_TEST(mutex_lock_and_trylock_mixed)
{
    // lock and trylock on one contended mutex: while main holds it and
    // another thread sleeps waiting for it, trylock from a third thread
    // fails; then 4 threads, 2 of them taking it only by trylock, share it
    // with no overlap and no lost increment.
    contention_reset(lk_scaled(50, 10, 5));
    sync_mutex_lock(&contention.mutex);
    struct crew crew;
    crew_start(&crew, 1, contention_mutex_worker, NULL);
    crew_settle(&crew); // the waiter is asleep: the mutex is contended
    bool taken = in_other_thread(contended_trylock_from_thread, NULL);
    ck_assert_msg(!taken,
                  "trylock from another thread on a held mutex with a sleeping waiter: expected "
                  "false, got true");
    sync_mutex_unlock(&contention.mutex);
    contention_check(&crew, 1);

    contention_reset(lk_scaled(50, 10, 5));
    contention_start(&crew, 4, contention_mutex_mixed_worker, false);
    contention_check(&crew, 4);
}
END_TEST

// ---- Blocking: one or a few waiting threads and the main thread ----

static struct {
    sync_mutex_t mutex;
    sync_cond_t cond;
    sync_sem_t sem;
    int flag;            // plain: only the mutex protects it
    atomic_int waiting;  // threads about to block
    atomic_int returned; // threads past the blocking call
} scene;

static void reset_scene(void)
{
    memset(&scene, 0, sizeof scene);
    sync_mutex_init(&scene.mutex);
    sync_cond_init(&scene.cond);
    sync_sem_init(&scene.sem, 0);
}

static void lock_once(void *arg, int index)
{
    (void)arg, (void)index;
    atomic_fetch_add(&scene.waiting, 1);
    sync_mutex_lock(&scene.mutex);
    atomic_fetch_add(&scene.returned, 1);
    sync_mutex_unlock(&scene.mutex);
}

static void wait_for_flag(void *arg, int index)
{
    (void)arg, (void)index;
    sync_mutex_lock(&scene.mutex);
    atomic_fetch_add(&scene.waiting, 1);
    while (!scene.flag)
        sync_cond_wait(&scene.cond, &scene.mutex);
    atomic_fetch_add(&scene.returned, 1);
    sync_mutex_unlock(&scene.mutex);
}

static void sem_wait_once(void *arg, int index)
{
    (void)arg, (void)index;
    atomic_fetch_add(&scene.waiting, 1);
    sync_sem_wait(&scene.sem);
    atomic_fetch_add(&scene.returned, 1);
}

START_TEST(mutex_unlock_wakes_waiter)
{
    // A thread blocked on a held mutex gets it once the holder unlocks, and
    // not before: the unlock wakes it.
    reset_scene();
    struct crew crew;
    crew_blocked_until_unlock(&crew, 1, lock_once, &scene.mutex, &scene.returned,
                              "the unlock must wake a sleeper: lk_futex_wake");
}
END_TEST

// Processor time a waiter may spend before it sleeps, in seconds: a mutex
// may spin a little first, hoping the holder lets go soon, but not this
// long.
#define WAITER_SPIN_BUDGET 0.05

START_TEST(mutex_waiter_sleeps)
{
    // A thread blocked on a held mutex goes to sleep: it uses under 50 ms
    // of processor time before it is asleep in a futex wait (a spinning
    // waiter uses all it gets, and never sleeps).
    reset_scene();
    sync_mutex_lock(&scene.mutex);
    struct crew crew;
    crew_start(&crew, 1, lock_once, NULL);
    enum tw_outcome blocked = crew_await_blocked(&crew, 0, test_patience(WAITER_SPIN_BUDGET));
    ck_assert_msg(blocked != TW_DONE,
                  "the waiter got the mutex while main held it: expected it to block");
    ck_assert_msg(blocked == TW_STUCK,
                  "the blocked waiter used %.0f ms of processor time without going to sleep: "
                  "expected it to sleep in lk_futex_wait, not spin",
                  crew.cpu_used * 1e3);
    sync_mutex_unlock(&scene.mutex);
    ck_assert_msg(crew_finish(&crew),
                  "the waiter never got the mutex after the unlock (%s): expected the unlock "
                  "to wake it",
                  crew_problem(&crew));
}
END_TEST

START_TEST(cond_wait_releases_mutex)
{
    // While a thread waits on a condition variable, the mutex it held is
    // free: another thread can take it.
    reset_scene();
    struct crew crew;
    crew_start(&crew, 1, wait_for_flag, NULL);
    ck_assert_msg(crew_wait_for(&crew, &scene.waiting, 1), "the waiter never got the mutex: %s",
                  crew_problem(&crew));
    crew_settle(&crew); // now inside sync_cond_wait, asleep (or spinning)
    ck_assert_msg(sync_mutex_trylock(&scene.mutex),
                  "main could not take the mutex while the other thread waited on the "
                  "condition variable: expected sync_cond_wait to release it");
    scene.flag = 1;
    sync_mutex_unlock(&scene.mutex);
    sync_cond_signal(&scene.cond); // after the unlock: the waiter wakes to a free mutex
    ck_assert_msg(crew_finish(&crew),
                  "the waiter did not return after the signal (%s): expected it to wake",
                  crew_problem(&crew));
}
END_TEST

START_TEST(cond_signal_wakes_waiter)
{
    // sync_cond_signal wakes a waiting thread, whose wait returns only once
    // it has the mutex again.
    reset_scene();
    struct crew crew;
    crew_start(&crew, 1, wait_for_flag, NULL);
    ck_assert_msg(crew_wait_for(&crew, &scene.waiting, 1), "the waiter never got the mutex: %s",
                  crew_problem(&crew));
    crew_settle(&crew);
    sync_mutex_lock(&scene.mutex); // taken once the waiter's wait released it
    scene.flag = 1;
    sync_cond_signal(&scene.cond);
    crew_settle(&crew); // woken, and blocked again on the mutex main holds
    ck_assert_msg(atomic_load(&scene.returned) == 0,
                  "sync_cond_wait returned while main held the mutex: expected it to reacquire "
                  "the mutex before returning");
    sync_mutex_unlock(&scene.mutex);
    ck_assert_msg(crew_finish(&crew),
                  "the waiter did not return after the signal (%s): expected the signal to "
                  "wake it",
                  crew_problem(&crew));
}
END_TEST

START_TEST(cond_broadcast_wakes_all)
{
    // sync_cond_broadcast wakes every waiting thread (4 here), and each
    // returns holding the mutex.
    reset_scene();
    struct crew crew;
    crew_start(&crew, 4, wait_for_flag, NULL);
    ck_assert_msg(crew_wait_for(&crew, &scene.waiting, 4),
                  "the waiters never all got the mutex: %s", crew_problem(&crew));
    crew_settle(&crew);
    sync_mutex_lock(&scene.mutex); // taken once the last waiter's wait released it
    scene.flag = 1;
    sync_cond_broadcast(&scene.cond);
    crew_settle(&crew); // woken, and blocked again on the mutex main holds
    ck_assert_msg(atomic_load(&scene.returned) == 0,
                  "sync_cond_wait returned while main held the mutex: expected it to reacquire "
                  "the mutex before returning");
    sync_mutex_unlock(&scene.mutex);
    ck_assert_msg(crew_finish(&crew),
                  "%d of 4 waiters returned after the broadcast (%s): expected all 4",
                  crew_finished(&crew), crew_problem(&crew));
}
END_TEST

// ---- Semaphore ----

START_TEST(sem_counts_and_trywait)
{
    // A semaphore counts: from 3, three trywaits succeed and the fourth fails;
    // two posts allow exactly two more takes.
    sync_sem_t sem;
    sync_sem_init(&sem, 3);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(sync_sem_trywait(&sem), "trywait at count %d: expected true, got false", 3 - i);
    ck_assert_msg(!sync_sem_trywait(&sem), "trywait at count 0: expected false, got true");
    sync_sem_post(&sem);
    sync_sem_post(&sem);
    sync_sem_wait(&sem); // count 2: must not block
    ck_assert_msg(sync_sem_trywait(&sem), "trywait at count 1: expected true, got false");
    ck_assert_msg(!sync_sem_trywait(&sem), "trywait at count 0: expected false, got true");
}
END_TEST

START_TEST(sem_wait_blocks_at_zero)
{
    // sync_sem_wait at count 0 blocks until a post, which wakes it and is
    // used up by it.
    reset_scene();
    struct crew crew;
    crew_start(&crew, 1, sem_wait_once, NULL);
    crew_settle(&crew);
    ck_assert_msg(atomic_load(&scene.returned) == 0,
                  "sync_sem_wait returned at count 0: expected it to block until a post");
    sync_sem_post(&scene.sem);
    ck_assert_msg(crew_finish(&crew),
                  "the waiter never returned after sync_sem_post (%s): expected the post to "
                  "wake it",
                  crew_problem(&crew));
    ck_assert_msg(!sync_sem_trywait(&scene.sem),
                  "count after one post and one wait: expected 0, but trywait succeeded");
}
END_TEST

// ---- Bounded buffer ----

enum { PRODUCERS = 2, CONSUMERS = 2, ITEMS_MAX = 2000 };

// Items are producer * ITEMS_MAX + sequence + 1, so each names its origin.
static struct {
    sync_buffer_t buffer;
    long slots[4];
    long items; // per producer
    atomic_uchar seen[PRODUCERS][ITEMS_MAX];
    atomic_long strangers;    // items no producer put
    atomic_long out_of_order; // a producer's items seen by a consumer out of order
} flow;

static void produce(int index)
{
    for (long i = 0; i < flow.items; i++)
        sync_buffer_put(&flow.buffer, index * ITEMS_MAX + i + 1);
}

static void consume(void)
{
    long last[PRODUCERS] = { 0 };
    for (long n = 0; n < flow.items * PRODUCERS / CONSUMERS; n++) {
        long item = sync_buffer_get(&flow.buffer) - 1;
        long from = item / ITEMS_MAX, sequence = item % ITEMS_MAX;
        if (item < 0 || from >= PRODUCERS || sequence >= flow.items) {
            atomic_fetch_add_explicit(&flow.strangers, 1, memory_order_relaxed);
            continue;
        }
        if (sequence + 1 <= last[from])
            atomic_fetch_add_explicit(&flow.out_of_order, 1, memory_order_relaxed);
        last[from] = sequence + 1;
        atomic_fetch_add_explicit(&flow.seen[from][sequence], 1, memory_order_relaxed);
    }
}

// Threads 0..PRODUCERS-1 produce, the others consume.
static void producer_or_consumer(void *arg, int index)
{
    (void)arg;
    if (index < PRODUCERS)
        produce(index);
    else
        consume();
}

START_TEST(buffer_delivers_every_item)
{
    // Producer/consumer: 2 producers and 2 consumers through a 4-slot buffer,
    // with spurious wake-ups thrown in; every item arrives exactly once, each
    // producer's in order.
    memset(&flow, 0, sizeof flow);
    flow.items = lk_scaled(ITEMS_MAX, 10, 5);
    sync_buffer_init(&flow.buffer, flow.slots, 4);
    struct nudger nudger;
    nudger_start(&nudger, &flow.buffer.not_full, &flow.buffer.not_empty);
    struct crew crew;
    crew_start_behind(&crew, PRODUCERS + CONSUMERS, producer_or_consumer, NULL, &flow.buffer.mutex);
    bool finished = crew_finish(&crew);
    nudger_stop(&nudger);
    ck_assert_msg(finished,
                  "%d of %d threads finished (%s): expected all (a lost wake-up, or a "
                  "full/empty buffer nobody signals)",
                  crew_finished(&crew), PRODUCERS + CONSUMERS, crew_problem(&crew));
    long strangers = atomic_load(&flow.strangers);
    ck_assert_msg(strangers == 0, "consumers got %ld items no producer put: expected none", strangers);
    long missing = 0, repeated = 0;
    for (int p = 0; p < PRODUCERS; p++)
        for (long i = 0; i < flow.items; i++) {
            int seen = atomic_load(&flow.seen[p][i]);
            missing += seen == 0;
            repeated += seen > 1;
        }
    ck_assert_msg(missing == 0 && repeated == 0,
                  "of %ld items, %ld never arrived and %ld arrived more than once: expected each "
                  "exactly once",
                  PRODUCERS * flow.items, missing, repeated);
    long disorder = atomic_load(&flow.out_of_order);
    ck_assert_msg(disorder == 0,
                  "a consumer saw a producer's items out of order %ld times: expected FIFO order",
                  disorder);
}
END_TEST

// ---- Speed against pthreads, measured in the same process ----
//
// Ratios, not times, so a slow or busy machine slows both sides alike; best
// of several runs, so one unlucky run does not decide.  Timings under TSan
// or Valgrind mean nothing: these pass trivially there (lab.conf runs them
// natively only).

// Wall time, for the ratio only: both sides are measured in the same run.
static double wall_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static bool timing_is_meaningful(void)
{
    return lk_slowdown() == 1; // not under Valgrind, a sanitizer or explore
}

static void *do_nothing(void *arg)
{
    return arg;
}

// The speed tests measure a mutex that works: it must refuse a second taker.
// They also start (and end) a thread first: glibc skips atomic instructions
// in a process that never had a second thread, which would not be a fair
// comparison.
static void require_working_mutex(void)
{
    pthread_t thread;
    pthread_create(&thread, NULL, do_nothing, NULL);
    pthread_join(thread, NULL);

    sync_mutex_t mutex = SYNC_MUTEX_INITIALIZER;
    sync_mutex_lock(&mutex);
    ck_assert_msg(!sync_mutex_trylock(&mutex),
                  "trylock took a held mutex: the speed test needs a working mutex first");
    sync_mutex_unlock(&mutex);
    ck_assert_msg(sync_mutex_trylock(&mutex),
                  "trylock failed on a free mutex: the speed test needs a working mutex first");
    sync_mutex_unlock(&mutex);
}

// Nanoseconds per uncontended lock+unlock pair, in this thread's CPU time
// (which a busy machine does not inflate).
static double uncontended_ns(sync_mutex_t *mine, pthread_mutex_t *theirs, long pairs)
{
    double start = test_thread_cpu(pthread_self());
    for (long i = 0; i < pairs; i++) {
        if (mine) {
            sync_mutex_lock(mine);
            sync_mutex_unlock(mine);
        } else {
            pthread_mutex_lock(theirs);
            pthread_mutex_unlock(theirs);
        }
    }
    return (test_thread_cpu(pthread_self()) - start) * 1e9 / (double)pairs;
}

START_TEST(perf_mutex_uncontended)
{
    // Speed: an uncontended lock+unlock costs at most 3 times what
    // pthread_mutex's does (best of 7): the fast path makes no system call.
    require_working_mutex();
    if (!timing_is_meaningful())
        return;
    sync_mutex_t mine = SYNC_MUTEX_INITIALIZER;
    pthread_mutex_t theirs = PTHREAD_MUTEX_INITIALIZER;
    double best_mine = 1e9, best_theirs = 1e9;
    for (int run = 0; run < 7; run++) {
        double ns = uncontended_ns(&mine, NULL, 200000);
        best_mine = ns < best_mine ? ns : best_mine;
        ns = uncontended_ns(NULL, &theirs, 200000);
        best_theirs = ns < best_theirs ? ns : best_theirs;
    }
    double ratio = best_mine / best_theirs;
    printf("uncontended lock+unlock: yours %.1f ns, pthread_mutex %.1f ns, ratio %.2f\n",
           best_mine, best_theirs, ratio);
    ck_assert_msg(ratio <= 3,
                  "uncontended lock+unlock: yours %.1f ns, pthread_mutex %.1f ns, ratio %.2f: "
                  "expected at most 3 (does unlock make a system call when nobody waits?)",
                  best_mine, best_theirs, ratio);
}
END_TEST

static struct {
    sync_mutex_t mine;
    pthread_mutex_t theirs;
    bool use_theirs;
    long rounds;
    long counter;
} race_track;

static void contended_worker(void *arg, int index)
{
    (void)arg, (void)index;
    for (long i = 0; i < race_track.rounds; i++) {
        if (race_track.use_theirs) {
            pthread_mutex_lock(&race_track.theirs);
            race_track.counter++;
            pthread_mutex_unlock(&race_track.theirs);
        } else {
            sync_mutex_lock(&race_track.mine);
            race_track.counter++;
            sync_mutex_unlock(&race_track.mine);
        }
    }
}

// Nanoseconds per lock+unlock pair, 4 threads on one mutex.  They start
// blocked on it (as in crew_start_behind); the clock starts at the unlock.
static double contended_ns(bool use_theirs)
{
    enum { THREADS = 4 };
    race_track.use_theirs = use_theirs;
    race_track.counter = 0;
    if (use_theirs)
        pthread_mutex_lock(&race_track.theirs);
    else
        sync_mutex_lock(&race_track.mine);
    struct crew crew;
    crew_start(&crew, THREADS, contended_worker, NULL);
    crew_settle(&crew);
    double start = wall_now();
    if (use_theirs)
        pthread_mutex_unlock(&race_track.theirs);
    else
        sync_mutex_unlock(&race_track.mine);
    bool finished = crew_finish(&crew);
    ck_assert_msg(finished || crew.outcome != TW_SPINNING,
                  "too slow: %d threads used %.1f s of processor time and finished %d of %ld "
                  "lock+unlock pairs: expected them done long before",
                  THREADS, crew.cpu_used, crew_finished(&crew), THREADS * race_track.rounds);
    ck_assert_msg(finished,
                  "%d of %d threads finished (%s): expected all (a waiter never woken?)",
                  crew_finished(&crew), THREADS, crew_problem(&crew));
    double ns = (wall_now() - start) * 1e9 / (double)(THREADS * race_track.rounds);
    ck_assert_msg(race_track.counter == THREADS * race_track.rounds,
                  "counter: expected %ld, got %ld: the mutex let threads overlap",
                  THREADS * race_track.rounds, race_track.counter);
    return ns;
}

START_TEST(perf_mutex_contended)
{
    // Speed: 4 threads sharing one mutex get through lock+unlock pairs at
    // least a quarter as fast as with pthread_mutex (best of 5).
    require_working_mutex();
    if (!timing_is_meaningful())
        return;
    sync_mutex_init(&race_track.mine);
    pthread_mutex_init(&race_track.theirs, NULL);
    race_track.rounds = 50000;
    double best_mine = 1e9, best_theirs = 1e9;
    for (int run = 0; run < 5; run++) {
        double ns = contended_ns(false);
        best_mine = ns < best_mine ? ns : best_mine;
        ns = contended_ns(true);
        best_theirs = ns < best_theirs ? ns : best_theirs;
    }
    double ratio = best_mine / best_theirs;
    printf("4 threads, one mutex: yours %.1f ns, pthread_mutex %.1f ns, ratio %.2f\n", best_mine,
           best_theirs, ratio);
    ck_assert_msg(ratio <= 4,
                  "4 threads, one mutex: yours %.1f ns per lock+unlock, pthread_mutex %.1f ns, "
                  "ratio %.2f: expected at most 4",
                  best_mine, best_theirs, ratio);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *suite = suite_create("sync-public");
    LK_ADD(suite, spin_excludes_under_contention);
    LK_ADD(suite, spin_trylock_semantics);
    LK_ADD(suite, mutex_excludes_under_contention);
    LK_ADD(suite, mutex_trylock_semantics);
    LK_ADD(suite, mutex_lock_and_trylock_mixed);
    LK_ADD(suite, mutex_unlock_wakes_waiter);
    LK_ADD(suite, mutex_waiter_sleeps);
    LK_ADD(suite, cond_wait_releases_mutex);
    LK_ADD(suite, cond_signal_wakes_waiter);
    LK_ADD(suite, cond_broadcast_wakes_all);
    LK_ADD(suite, sem_counts_and_trywait);
    LK_ADD(suite, sem_wait_blocks_at_zero);
    LK_ADD(suite, buffer_delivers_every_item);
    LK_ADD(suite, perf_mutex_uncontended);
    LK_ADD(suite, perf_mutex_contended);
    return suite;
}
