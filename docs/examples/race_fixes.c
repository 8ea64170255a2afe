// Three ways out of the racy counter, each removing one condition of a race.
//
// A data race needs (1) memory shared by threads, (2) accesses that can
// happen at the same time, (3) at least one of them a write.  Remove any one
// and the race is gone; each fix below is clean under -fsanitize=thread.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread race_fixes.c -o race_fixes
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { THREADS = 2, INCREMENTS = 1000000, TABLE = 1000 };

// Fix 1, nothing shared: each thread counts privately; main adds up after join.
static void *count_privately(void *arg)
{
    long *result = arg;
    long mine = 0;
    for (int i = 0; i < INCREMENTS; i++)
        mine++;
    *result = mine; // this slot belongs to this thread alone
    return NULL;
}

// Fix 2, never at the same time: a mutex puts the increments in a line.
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long locked_counter;

static void *count_under_lock(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&counter_lock);
        locked_counter++;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

// Fix 2 again, in hardware: an atomic read-modify-write cannot interleave.
static atomic_long atomic_counter;

static void *count_atomically(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++)
        atomic_fetch_add_explicit(&atomic_counter, 1, memory_order_relaxed);
    return NULL;
}

// Fix 3, no writer: the table is filled before the threads exist and only
// read while they run (pthread_create orders the filling before the reads).
static long squares[TABLE];

static void *sum_squares(void *arg)
{
    long *result = arg;
    long sum = 0;
    for (int i = 0; i < TABLE; i++)
        sum += squares[i];
    *result = sum;
    return NULL;
}

// Run fn in THREADS threads, thread i getting &results[i].
static void run_threads(void *(*fn)(void *), long results[THREADS])
{
    pthread_t ids[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&ids[i], NULL, fn, &results[i]);
    for (int i = 0; i < THREADS; i++)
        pthread_join(ids[i], NULL);
}

int main(void)
{
    long results[THREADS] = {0}, expected = (long)THREADS * INCREMENTS;
    int ok = 1;

    run_threads(count_privately, results);
    printf("private counters: %ld (expected %ld)\n", results[0] + results[1], expected);
    ok &= results[0] + results[1] == expected;

    run_threads(count_under_lock, results);
    printf("mutex:            %ld (expected %ld)\n", locked_counter, expected);
    ok &= locked_counter == expected;

    run_threads(count_atomically, results);
    printf("atomic:           %ld (expected %ld)\n", atomic_load(&atomic_counter), expected);
    ok &= atomic_load(&atomic_counter) == expected;

    for (int i = 0; i < TABLE; i++)
        squares[i] = (long)i * i;
    run_threads(sum_squares, results);
    long want = (long)(TABLE - 1) * TABLE * (2 * TABLE - 1) / 6;
    printf("read-only table:  both threads read %ld and %ld (expected %ld)\n", results[0],
           results[1], want);
    ok &= results[0] == want && results[1] == want;
    return ok ? 0 : 1;
}
