// Benchmark: a read-mostly table behind a mutex, your readers-writer lock and glibc's, side by side.
//
// Each thread does OPS operations on a table of 512 longs: a read sums the
// table, a write adds 1 to one entry.  A fraction of them (99%, 90%, 50%)
// are reads.  Printed: operations per microsecond for each lock, and the
// ratio to the mutex measured in the same run (higher is better).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ownership.h"

enum { TABLE = 512, OPS = 100000 };

enum lock_kind { MUTEX, RWLOCK, PTHREAD_RW, KINDS };
static const char *kind_names[KINDS] = { "pthread mutex", "your rwlock", "pthread rwlock" };

static struct {
    enum lock_kind kind;
    int read_percent;
    pthread_mutex_t mutex;
    rw_lock_t rw;
    pthread_rwlock_t prw;
    long table[TABLE];
    volatile long sink;
} bench;

static void lock(bool write)
{
    switch (bench.kind) {
    case MUTEX: pthread_mutex_lock(&bench.mutex); break;
    case RWLOCK: write ? rw_write_lock(&bench.rw) : rw_read_lock(&bench.rw); break;
    default: write ? pthread_rwlock_wrlock(&bench.prw) : pthread_rwlock_rdlock(&bench.prw);
    }
}

static void unlock(bool write)
{
    switch (bench.kind) {
    case MUTEX: pthread_mutex_unlock(&bench.mutex); break;
    case RWLOCK: write ? rw_write_unlock(&bench.rw) : rw_read_unlock(&bench.rw); break;
    default: pthread_rwlock_unlock(&bench.prw);
    }
}

static void *worker(void *arg)
{
    unsigned long rng = 88172645463325252ul ^ (unsigned long)(size_t)arg;
    long sum = 0;
    for (int i = 0; i < OPS; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        bool write = (int)(rng % 100) >= bench.read_percent;
        lock(write);
        if (write)
            bench.table[rng % TABLE]++;
        else
            for (int k = 0; k < TABLE; k++)
                sum += bench.table[k];
        unlock(write);
    }
    bench.sink = sum;
    return NULL;
}

static double seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

// Operations per microsecond, best of 3 runs.
static double run(enum lock_kind kind, int read_percent, int threads)
{
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        bench.kind = kind;
        bench.read_percent = read_percent;
        pthread_mutex_init(&bench.mutex, NULL);
        pthread_rwlock_init(&bench.prw, NULL);
        rw_init(&bench.rw);
        pthread_t t[2];
        double start = seconds();
        for (int i = 0; i < threads; i++)
            pthread_create(&t[i], NULL, worker, (void *)(size_t)(i + 1));
        for (int i = 0; i < threads; i++)
            pthread_join(t[i], NULL);
        double rate = threads * OPS / ((seconds() - start) * 1e6);
        if (rate > best)
            best = rate;
        pthread_rwlock_destroy(&bench.prw);
    }
    return best;
}

int main(int argc, char **argv)
{
    printf("read-mostly table, %s: operations per microsecond (x the mutex, same run)\n",
           argc > 1 ? argv[1] : "submission");
    printf("%-8s %-8s", "reads", "threads");
    for (int k = 0; k < KINDS; k++)
        printf("  %-22s", kind_names[k]);
    printf("\n");
    const int reads[] = { 99, 90, 50 };
    for (int r = 0; r < 3; r++)
        for (int threads = 1; threads <= 2; threads++) {
            double rate[KINDS];
            printf("%-8d %-8d", reads[r], threads);
            for (int k = 0; k < KINDS; k++) {
                rate[k] = run(k, reads[r], threads);
                printf("  %6.1f (%4.2fx)          ", rate[k], rate[k] / rate[MUTEX]);
            }
            printf("\n");
        }
    return 0;
}
