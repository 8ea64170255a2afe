// Benchmark: the cost of sharing, measured on one parallel sum done six ways.
//
//   one thread          a plain loop, one local total
//   sum_parallel        your race.c
//   locked total        every thread adds every number to one total, under one lock
//   atomic total        every thread adds every number to one atomic total
//   adjacent slots      every thread keeps its running total in memory, in slots
//                       next to each other: no data is shared, but a cache line is
//   padded slots        the same, each slot on a cache line of its own
//
// Usage: sum_bench [threads]  (default 4).  Each way runs five times, in
// turns; its best wall-clock time and its best processor time (all its
// threads together) are shown, with its speed against one thread and its
// processor time against the locked total's.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "race.h"
#include "race_lab.h"

enum { NUMBERS = 4 << 20, TURNS = 5, MAX_THREADS = 16, LINE = 64 };

enum way { SINGLE, YOURS, LOCKED, ATOMIC, ADJACENT, PADDED, WAYS };

static const char *const way_name[WAYS] = {"one thread",   "sum_parallel",   "locked total",
                                           "atomic total", "adjacent slots", "padded slots"};

struct job {
    const long *a;
    size_t n;
    int threads;
    atomic_long total;                // the atomic total
    atomic_long adjacent[MAX_THREADS]; // 8 bytes apart: eight share a cache line
    struct {
        _Alignas(LINE) atomic_long sum;
    } padded[MAX_THREADS];            // one per cache line
};

static void slice_of(const struct job *job, int index, size_t *begin, size_t *end)
{
    *begin = job->n * (size_t)index / (size_t)job->threads;
    *end = job->n * (size_t)(index + 1) / (size_t)job->threads;
}

static void add_atomic(int index, void *arg)
{
    struct job *job = arg;
    size_t begin, end;
    slice_of(job, index, &begin, &end);
    for (size_t i = begin; i < end; i++)
        atomic_fetch_add_explicit(&job->total, job->a[i], memory_order_relaxed);
}

// Keep a running total in memory: a relaxed load and store (plain moves on
// x86, and correct, because only this thread writes the slot), so the
// compiler cannot keep it in a register.
static void add_to_slot(const struct job *job, int index, atomic_long *slot)
{
    size_t begin, end;
    slice_of(job, index, &begin, &end);
    for (size_t i = begin; i < end; i++) {
        long now = atomic_load_explicit(slot, memory_order_relaxed);
        atomic_store_explicit(slot, now + job->a[i], memory_order_relaxed);
    }
}

static void add_adjacent(int index, void *arg)
{
    struct job *job = arg;
    add_to_slot(job, index, &job->adjacent[index]);
}

static void add_padded(int index, void *arg)
{
    struct job *job = arg;
    add_to_slot(job, index, &job->padded[index].sum);
}

static long run_way(enum way way, struct job *job)
{
    long sum = 0;
    atomic_store(&job->total, 0);
    for (int t = 0; t < MAX_THREADS; t++) {
        atomic_store(&job->adjacent[t], 0);
        atomic_store(&job->padded[t].sum, 0);
    }
    switch (way) {
    case SINGLE:
        return lab_sum_serial(job->a, job->n);
    case YOURS:
        return sum_parallel(job->a, job->n, job->threads);
    case LOCKED:
        return lab_sum_locked(job->a, job->n, job->threads);
    case ATOMIC:
        lab_run_threads(job->threads, add_atomic, job);
        return atomic_load(&job->total);
    case ADJACENT:
    case PADDED:
        lab_run_threads(job->threads, way == ADJACENT ? add_adjacent : add_padded, job);
        for (int t = 0; t < job->threads; t++)
            sum += atomic_load(way == ADJACENT ? &job->adjacent[t] : &job->padded[t].sum);
        return sum;
    default:
        return 0;
    }
}

int main(int argc, char **argv)
{
    static struct job job;
    int threads = argc > 1 ? atoi(argv[1]) : 4;
    if (threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: sum_bench [threads], 1 to %d\n", MAX_THREADS);
        return 2;
    }
    long *a = malloc(NUMBERS * sizeof *a);
    if (!a)
        return 1;
    lab_fill(a, NUMBERS, 7);
    job.a = a;
    job.n = NUMBERS;
    job.threads = threads;
    long want = lab_sum_serial(a, NUMBERS);
    double wall[WAYS] = {0}, cpu[WAYS] = {0};
    for (int turn = 0; turn < TURNS; turn++) {
        for (int way = 0; way < WAYS; way++) {
            double start = lab_seconds(), start_cpu = lab_cpu_seconds();
            long got = run_way(way, &job);
            double seconds = lab_seconds() - start, cpu_seconds = lab_cpu_seconds() - start_cpu;
            if (got != want)
                printf("%s: expected %ld, got %ld  <- wrong\n", way_name[way], want, got);
            if (turn == 0 || seconds < wall[way])
                wall[way] = seconds;
            if (turn == 0 || cpu_seconds < cpu[way])
                cpu[way] = cpu_seconds;
        }
    }
    printf("sum of %d numbers on %d threads, best of %d runs\n", NUMBERS, threads, TURNS);
    printf("%-15s %8s %10s %8s %14s %15s\n", "", "wall ms", "ns/number", "cpu ms",
           "vs one thread", "cpu vs locked");
    for (int way = 0; way < WAYS; way++)
        printf("%-15s %8.2f %10.2f %8.2f %13.2fx %14.1fx\n", way_name[way], wall[way] * 1e3,
               wall[way] * 1e9 / NUMBERS, cpu[way] * 1e3, wall[SINGLE] / wall[way],
               cpu[LOCKED] / cpu[way]);
    free(a);
    return 0;
}
