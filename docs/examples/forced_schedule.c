// Why stress testing is not enough: one broken lock under three schedules.
//
// The lock below tests the flag and then sets it in two separate steps, so two
// threads can both see "free" and both enter.  We run the same two-thread
// program 200 times in each of three ways and count the runs that go wrong:
//
//   plain   the operating system schedules the threads as it likes;
//   yield   each thread calls sched_yield() at random at every shared access;
//   forced  a seeded scheduler runs one thread at a time and, at every shared
//           access, picks at random which thread goes next.
//
// A run under the forced scheduler depends only on its seed, so a failing run
// can be replayed exactly: `./forced_schedule replay SEED`.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread forced_schedule.c -o forced_schedule
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { THREADS = 2, ROUNDS = 10, RUNS = 200 };
enum mode { PLAIN, YIELD, FORCED };

static enum mode mode;
static atomic_int flag;        // the broken lock: 0 free, 1 held
static atomic_int inside;      // threads inside the critical section now
static atomic_int violations;  // times two threads were inside together

// --- the forced scheduler: one thread runs, the others wait for their turn ---

static pthread_mutex_t sched_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_turn = PTHREAD_COND_INITIALIZER;
static int running;            // id of the only thread allowed to run
static int finished[THREADS];
static unsigned long long rng; // the seeded choice of who goes next
static unsigned run_seed;      // the same seed, for the yield mode's coin

static unsigned next_random(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rng >> 33);
}

// Pick a thread that has not finished; the caller holds sched_lock.
static int pick_next(void)
{
    int alive[THREADS], count = 0;
    for (int i = 0; i < THREADS; i++)
        if (!finished[i])
            alive[count++] = i;
    return count ? alive[next_random() % count] : -1;
}

static void wait_for_turn(int self)
{
    while (running != self)
        pthread_cond_wait(&sched_turn, &sched_lock);
}

// A scheduling point: called before every access to shared state.
static void point(int self, unsigned *seed)
{
    if (mode == YIELD && rand_r(seed) % 2)
        sched_yield();
    if (mode != FORCED)
        return;
    pthread_mutex_lock(&sched_lock);
    running = pick_next();
    pthread_cond_broadcast(&sched_turn);
    wait_for_turn(self);
    pthread_mutex_unlock(&sched_lock);
}

// --- the program under test ---

static void broken_lock(int self, unsigned *seed)
{
    for (;;) {
        point(self, seed);
        if (atomic_load(&flag) == 0)
            break;
        if (mode != FORCED)
            sched_yield();
    }
    // The gap is here: another thread may also have seen the flag at 0.
    point(self, seed);
    atomic_store(&flag, 1);
}

static void broken_unlock(int self, unsigned *seed)
{
    point(self, seed);
    atomic_store(&flag, 0);
}

static void *worker(void *arg)
{
    int self = (int)(long)arg;
    unsigned seed = run_seed + (unsigned)self;
    if (mode == FORCED) {
        pthread_mutex_lock(&sched_lock);
        wait_for_turn(self);
        pthread_mutex_unlock(&sched_lock);
    }
    for (int round = 0; round < ROUNDS; round++) {
        broken_lock(self, &seed);
        if (atomic_fetch_add(&inside, 1) != 0)
            atomic_fetch_add(&violations, 1);
        point(self, &seed);
        atomic_fetch_sub(&inside, 1);
        broken_unlock(self, &seed);
    }
    if (mode == FORCED) {
        pthread_mutex_lock(&sched_lock);
        finished[self] = 1;
        running = pick_next();
        pthread_cond_broadcast(&sched_turn);
        pthread_mutex_unlock(&sched_lock);
    }
    return NULL;
}

// One run of the two-thread program; returns 1 if mutual exclusion failed.
static int run_once(enum mode how, unsigned long long seed)
{
    pthread_t threads[THREADS];
    mode = how;
    rng = seed;
    run_seed = (unsigned)seed;
    atomic_store(&flag, 0);
    atomic_store(&violations, 0);
    memset(finished, 0, sizeof finished);
    running = how == FORCED ? pick_next() : 0;
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    return atomic_load(&violations) > 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "replay") == 0) {
        unsigned long long seed = strtoull(argv[2], NULL, 10);
        int failed = run_once(FORCED, seed);
        printf("seed %llu: %s\n", seed, failed ? "two threads inside the lock" : "no failure");
        return 0;
    }
    static const char *names[] = {"plain", "yield", "forced"};
    for (int how = PLAIN; how <= FORCED; how++) {
        int failures = 0;
        unsigned long long first = 0;
        for (unsigned long long seed = 1; seed <= RUNS; seed++) {
            if (run_once(how, seed) && failures++ == 0)
                first = seed;
        }
        printf("%-6s  %3d of %d runs failed", names[how], failures, RUNS);
        if (how == FORCED && failures)
            printf("  (replay the first: ./forced_schedule replay %llu)", first);
        printf("\n");
    }
    return 0;
}
