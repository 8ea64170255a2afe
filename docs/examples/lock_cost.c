// What sharing costs: the same 4 million increments done four ways.
//
// Prints nanoseconds per increment.  Two threads sharing one counter are
// slower than one thread alone, because the cache line holding the counter
// (and the lock) moves between the cores on almost every increment.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread lock_cost.c -o lock_cost
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { TOTAL = 4000000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long shared_counter;
static atomic_long atomic_counter;
static long private_totals[2];

static void *locked_increments(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&lock);
        shared_counter++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *atomic_increments(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++)
        atomic_fetch_add_explicit(&atomic_counter, 1, memory_order_relaxed);
    return NULL;
}

// Each thread counts in its own variable and publishes the total once.
static void *private_increments(void *arg)
{
    long *mine = arg;
    volatile long count = 0; // volatile: keep the compiler from skipping the loop
    for (long i = 0; i < TOTAL / 2; i++)
        count++;
    *mine = count;
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

// Run fn in `threads` threads (1 or 2) with the given arguments; return ns per
// increment over TOTAL increments.
static double timed(int threads, void *(*fn)(void *), void *arg_a, void *arg_b)
{
    pthread_t t[2];
    double start = now();
    pthread_create(&t[0], NULL, fn, arg_a);
    if (threads == 2)
        pthread_create(&t[1], NULL, fn, arg_b);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    return (now() - start) * 1e9 / TOTAL;
}

int main(void)
{
    void *all = (void *)(long)TOTAL, *half = (void *)(long)(TOTAL / 2);
    printf("%-44s %5.1f ns\n", "1 thread, mutex",
           timed(1, locked_increments, all, NULL));
    printf("%-44s %5.1f ns\n", "2 threads, one mutex",
           timed(2, locked_increments, half, half));
    printf("%-44s %5.1f ns\n", "2 threads, atomic fetch_add",
           timed(2, atomic_increments, half, half));
    printf("%-44s %5.1f ns\n", "2 threads, own counters, summed at the end",
           timed(2, private_increments, &private_totals[0], &private_totals[1]));
    long total = shared_counter + atomic_load(&atomic_counter) + private_totals[0] +
                 private_totals[1];
    printf("(check: %ld increments counted, expected %d)\n", total, 4 * TOTAL);
    return total == 4 * TOTAL ? 0 : 1;
}
