// Parallelism: sum one array with 1, 2 and 4 threads, each taking a slice.
//
// The threads share the array (they only read it) and each writes one slot
// of its own, so they need no lock.  On a machine with N cores, more than N
// threads cannot make it faster.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread parallel_sum.c -o parallel_sum
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { COUNT = 1 << 22, MAX_THREADS = 4 };

static int *numbers;

struct slice {
    long begin, end; // the part of the array this thread sums
    long sum;        // its result: written only by this thread
};

static void *sum_slice(void *arg)
{
    struct slice *s = arg;
    long sum = 0;
    for (long i = s->begin; i < s->end; i++)
        sum += numbers[i];
    s->sum = sum; // one write at the end, not one per element
    return NULL;
}

static long parallel_sum(int threads)
{
    pthread_t ids[MAX_THREADS];
    struct slice slices[MAX_THREADS];
    for (int t = 0; t < threads; t++) {
        slices[t].begin = (long)COUNT * t / threads;
        slices[t].end = (long)COUNT * (t + 1) / threads;
        pthread_create(&ids[t], NULL, sum_slice, &slices[t]);
    }
    long total = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(ids[t], NULL); // after join, its slice.sum is safe to read
        total += slices[t].sum;
    }
    return total;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
    numbers = malloc(sizeof *numbers * COUNT);
    if (!numbers)
        return 1;
    for (long i = 0; i < COUNT; i++)
        numbers[i] = (int)(i % 1000);
    long expected = (long)(COUNT / 1000) * 499500 + (long)(COUNT % 1000) * (COUNT % 1000 - 1) / 2;
    printf("%ld cores online\n", sysconf(_SC_NPROCESSORS_ONLN));
    int ok = 1;
    for (int threads = 1; threads <= MAX_THREADS; threads *= 2) {
        double start = now();
        long sum = 0;
        for (int repeat = 0; repeat < 10; repeat++)
            sum = parallel_sum(threads);
        printf("%d thread%s: sum %ld, %.2f ms per sum\n", threads, threads > 1 ? "s" : " ", sum,
               (now() - start) * 100);
        ok &= sum == expected;
    }
    free(numbers);
    return ok ? 0 : 1;
}
