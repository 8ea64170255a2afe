// Benchmark: the lab's primitives against glibc's pthreads, in one run, as ratios.
//
//     make -C labs/sync bench SUBMISSION=starter/sync
//
// Every figure is a time per operation, best of several runs, measured for
// the submission and for pthreads alternately in the same process, so a busy
// machine slows both sides alike.  The ratio is yours / pthread: below 1 is
// faster than glibc.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sync.h"

enum { RUNS = 5, THREADS_MAX = 8 };

// Which implementation a measurement uses.
enum side { YOURS, PTHREAD };

static struct {
    sync_spinlock_t spin;
    sync_mutex_t mutex;
    sync_cond_t cond;
    pthread_spinlock_t pspin;
    pthread_mutex_t pmutex;
    pthread_cond_t pcond;
} locks;

static double seconds_on(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void)
{
    return seconds_on(CLOCK_MONOTONIC);
}

static void lock(enum side side, bool spin)
{
    if (side == YOURS)
        spin ? sync_spin_lock(&locks.spin) : sync_mutex_lock(&locks.mutex);
    else
        spin ? pthread_spin_lock(&locks.pspin) : pthread_mutex_lock(&locks.pmutex);
}

static void unlock(enum side side, bool spin)
{
    if (side == YOURS)
        spin ? sync_spin_unlock(&locks.spin) : sync_mutex_unlock(&locks.mutex);
    else
        spin ? pthread_spin_unlock(&locks.pspin) : pthread_mutex_unlock(&locks.pmutex);
}

// ---- Lock+unlock, with 1 to 8 threads on one lock ----

struct lock_run {
    enum side side;
    bool spin;
    long pairs; // per thread
    long counter;
    atomic_int go;
};

static void *lock_worker(void *arg)
{
    struct lock_run *run = arg;
    while (!atomic_load(&run->go))
        sched_yield();
    for (long i = 0; i < run->pairs; i++) {
        lock(run->side, run->spin);
        run->counter++;
        unlock(run->side, run->spin);
    }
    return NULL;
}

// Nanoseconds per lock+unlock pair, one thread: its CPU time, which a busy
// machine does not inflate.
static double uncontended_ns(enum side side, bool spin, long pairs)
{
    double start = seconds_on(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < pairs; i++) {
        lock(side, spin);
        unlock(side, spin);
    }
    return (seconds_on(CLOCK_THREAD_CPUTIME_ID) - start) * 1e9 / (double)pairs;
}

// Nanoseconds per lock+unlock pair, wall clock over all threads' pairs;
// sets *overlapped if the counter came out wrong.
static double lock_ns(enum side side, bool spin, int threads, long pairs, bool *overlapped)
{
    struct lock_run run = { .side = side, .spin = spin, .pairs = pairs };
    pthread_t ids[THREADS_MAX];
    for (int i = 0; i < threads; i++)
        pthread_create(&ids[i], NULL, lock_worker, &run);
    double start = now();
    atomic_store(&run.go, 1);
    for (int i = 0; i < threads; i++)
        pthread_join(ids[i], NULL);
    double ns = (now() - start) * 1e9 / (double)(threads * pairs);
    if (run.counter != threads * pairs)
        *overlapped = true;
    return ns;
}

// ---- Ping-pong: two threads take turns through a condition variable ----

struct ping_pong {
    enum side side;
    long rounds;
    long turn; // protected by the mutex: player turn % 2 moves next
};

struct player {
    struct ping_pong *game;
    long me;
};

static void *player_main(void *arg)
{
    struct player *player = arg;
    struct ping_pong *game = player->game;
    for (long r = 0; r < game->rounds; r++) {
        if (game->side == YOURS) {
            sync_mutex_lock(&locks.mutex);
            while (game->turn % 2 != player->me)
                sync_cond_wait(&locks.cond, &locks.mutex);
            game->turn++;
            sync_mutex_unlock(&locks.mutex);
            sync_cond_signal(&locks.cond);
        } else {
            pthread_mutex_lock(&locks.pmutex);
            while (game->turn % 2 != player->me)
                pthread_cond_wait(&locks.pcond, &locks.pmutex);
            game->turn++;
            pthread_mutex_unlock(&locks.pmutex);
            pthread_cond_signal(&locks.pcond);
        }
    }
    return NULL;
}

// Microseconds per round trip (each player moves once).
static double ping_pong_us(enum side side, long rounds, bool *wrong)
{
    struct ping_pong game = { .side = side, .rounds = rounds };
    struct player players[2] = { { &game, 0 }, { &game, 1 } };
    pthread_t ids[2];
    double start = now();
    for (int i = 0; i < 2; i++)
        pthread_create(&ids[i], NULL, player_main, &players[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(ids[i], NULL);
    if (game.turn != 2 * rounds)
        *wrong = true;
    return (now() - start) * 1e6 / (double)rounds;
}

// ---- Reporting ----

typedef double measure_fn(enum side side, int threads, bool *wrong);

static double measure_uncontended_spin(enum side side, int threads, bool *wrong)
{
    (void)threads, (void)wrong;
    return uncontended_ns(side, true, 1000000);
}

static double measure_uncontended_mutex(enum side side, int threads, bool *wrong)
{
    (void)threads, (void)wrong;
    return uncontended_ns(side, false, 1000000);
}

static double measure_contended_mutex(enum side side, int threads, bool *wrong)
{
    return lock_ns(side, false, threads, 400000 / threads, wrong);
}

static double measure_contended_spin(enum side side, int threads, bool *wrong)
{
    return lock_ns(side, true, threads, 400000 / threads, wrong);
}

static double measure_ping_pong(enum side side, int threads, bool *wrong)
{
    (void)threads;
    return ping_pong_us(side, 20000, wrong);
}

// Measure both sides RUNS times, alternately, and print the best of each.
static void report(const char *what, const char *unit, measure_fn *measure, int threads)
{
    double best[2] = { 1e300, 1e300 };
    bool wrong = false;
    for (int run = 0; run < RUNS; run++)
        for (int side = YOURS; side <= PTHREAD; side++) {
            bool side_wrong = false;
            double value = measure((enum side)side, threads, &side_wrong);
            best[side] = value < best[side] ? value : best[side];
            wrong |= side == YOURS && side_wrong;
        }
    printf("%-34s %9.2f %-2s %9.2f %-2s %7.2f%s\n", what, best[YOURS], unit, best[PTHREAD], unit,
           best[YOURS] / best[PTHREAD], wrong ? "   WRONG: your primitive let threads overlap" : "");
    fflush(stdout);
}

// Say so when the primitives cannot work yet: their figures would mean nothing.
static void check_working(void)
{
    sync_spinlock_t spin;
    sync_mutex_t mutex;
    sync_spin_init(&spin);
    sync_mutex_init(&mutex);
    sync_spin_lock(&spin);
    sync_mutex_lock(&mutex);
    bool works = !sync_spin_trylock(&spin) && !sync_mutex_trylock(&mutex);
    sync_spin_unlock(&spin);
    sync_mutex_unlock(&mutex);
    works = works && sync_spin_trylock(&spin) && sync_mutex_trylock(&mutex);
    if (works) {
        sync_spin_unlock(&spin);
        sync_mutex_unlock(&mutex);
    } else {
        printf("NOTE: your spinlock or mutex does not exclude yet (trylock says so): the "
               "figures below measure code that does not lock.\n\n");
    }
}

static void *do_nothing(void *arg)
{
    return arg;
}

int main(int argc, char **argv)
{
    // glibc skips atomic instructions in a process that never had a second
    // thread; start one so both sides pay what threaded programs pay.
    pthread_t thread;
    pthread_create(&thread, NULL, do_nothing, NULL);
    pthread_join(thread, NULL);

    sync_spin_init(&locks.spin);
    sync_mutex_init(&locks.mutex);
    sync_cond_init(&locks.cond);
    pthread_spin_init(&locks.pspin, PTHREAD_PROCESS_PRIVATE);
    pthread_mutex_init(&locks.pmutex, NULL);
    pthread_cond_init(&locks.pcond, NULL);

    printf("sync lab benchmark: %s against glibc's pthreads, %ld CPUs, best of %d runs\n",
           argc > 1 ? argv[1] : "your submission", sysconf(_SC_NPROCESSORS_ONLN), RUNS);
    printf("time per operation (uncontended: CPU time; others: wall clock)\n");
    printf("ratio = yours / pthread (below 1: yours is faster)\n\n");
    check_working();
    printf("%-34s %12s %12s %7s\n", "", "yours", "pthread", "ratio");
    report("uncontended spin lock+unlock", "ns", measure_uncontended_spin, 1);
    report("uncontended mutex lock+unlock", "ns", measure_uncontended_mutex, 1);
    report("contended mutex, 2 threads", "ns", measure_contended_mutex, 2);
    report("contended mutex, 4 threads", "ns", measure_contended_mutex, 4);
    report("contended mutex, 8 threads", "ns", measure_contended_mutex, 8);
    report("contended spin, 2 threads", "ns", measure_contended_spin, 2);
    report("contended spin, 4 threads", "ns", measure_contended_spin, 4);
    report("condvar ping-pong round trip", "us", measure_ping_pong, 2);
    return 0;
}
