// The race lab's helpers (race_lab.h) and its table builder (race.h).
#define _GNU_SOURCE
#include "race_lab.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "race.h"

enum { LAB_MAX_THREADS = 64 };

static atomic_long table_delay_us = 20000;
static atomic_long tables_built;
static atomic_long tables_freed;

void lab_table_set_delay(long usec)
{
    atomic_store(&table_delay_us, usec);
}

long lab_table_builds(void)
{
    return atomic_load(&tables_built);
}

long lab_table_frees(void)
{
    return atomic_load(&tables_freed);
}

struct table *table_build(void)
{
    struct table *table = malloc(sizeof *table);
    if (!table)
        return NULL;
    for (unsigned byte = 0; byte < 256; byte++) {
        unsigned crc = byte;
        for (int bit = 0; bit < 8; bit++)
            crc = crc & 1 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        table->crc[byte] = crc;
    }
    atomic_fetch_add(&tables_built, 1);
    long delay = atomic_load(&table_delay_us);
    if (delay > 0)
        usleep((useconds_t)delay);
    return table;
}

void table_free(struct table *table)
{
    if (!table)
        return;
    atomic_fetch_add(&tables_freed, 1);
    free(table);
}

struct lab_thread {
    int index;
    void (*fn)(int index, void *arg);
    void *arg;
#ifndef LK_EXPLORE
    pthread_barrier_t *start;
#endif
};

static void *lab_thread_main(void *p)
{
    struct lab_thread *t = p;
#ifndef LK_EXPLORE
    pthread_barrier_wait(t->start);
#endif
    t->fn(t->index, t->arg);
    return NULL;
}

void lab_run_threads(int threads, void (*fn)(int index, void *arg), void *arg)
{
    struct lab_thread thread[LAB_MAX_THREADS];
    lk_thread_t id[LAB_MAX_THREADS];
    if (threads < 1 || threads > LAB_MAX_THREADS) {
        fprintf(stderr, "lab_run_threads: %d threads (1..%d)\n", threads, LAB_MAX_THREADS);
        abort();
    }
#ifndef LK_EXPLORE
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
#endif
    for (int i = 0; i < threads; i++) {
        thread[i] = (struct lab_thread){.index = i, .fn = fn, .arg = arg};
#ifndef LK_EXPLORE
        thread[i].start = &start;
#endif
        if (lk_thread_create(&id[i], lab_thread_main, &thread[i]) != 0) {
            fprintf(stderr, "lab_run_threads: cannot create thread %d\n", i);
            abort();
        }
    }
    for (int i = 0; i < threads; i++)
        lk_thread_join(id[i], NULL);
#ifndef LK_EXPLORE
    pthread_barrier_destroy(&start);
#endif
}

double lab_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

double lab_cpu_seconds(void)
{
    struct timespec used;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
    return (double)used.tv_sec + (double)used.tv_nsec / 1e9;
}

void lab_fill(long *a, size_t n, unsigned seed)
{
    unsigned long long state = seed * 2654435761ULL + 1;
    for (size_t i = 0; i < n; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        a[i] = (long)(state >> 54); // 0..1023
    }
}

long lab_sum_serial(const long *a, size_t n)
{
    long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += a[i];
    return sum;
}

struct locked_sum {
    const long *a;
    size_t n;
    int threads;
    pthread_mutex_t lock;
    long total; // guarded by lock
};

static void locked_sum_slice(int index, void *arg)
{
    struct locked_sum *s = arg;
    size_t begin = s->n * (size_t)index / (size_t)s->threads;
    size_t end = s->n * (size_t)(index + 1) / (size_t)s->threads;
    for (size_t i = begin; i < end; i++) {
        pthread_mutex_lock(&s->lock);
        s->total += s->a[i];
        pthread_mutex_unlock(&s->lock);
    }
}

long lab_sum_locked(const long *a, size_t n, int threads)
{
    struct locked_sum s = {.a = a, .n = n, .threads = threads, .total = 0};
    pthread_mutex_init(&s.lock, NULL);
    lab_run_threads(threads, locked_sum_slice, &s);
    pthread_mutex_destroy(&s.lock);
    return s.total;
}
