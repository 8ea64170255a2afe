// The stm lab's benchmark: transfers per second, STM against one global lock and per-account locks.
//
// Each configuration (threads x accounts) runs the same random transfers
// three ways in one process, one after the other: bank_transfer (your STM),
// one pthread mutex around the whole bank, and a mutex per account taken in
// address order.  It prints transfers per second and the ratio to the global
// lock measured in the same run, and the STM's abort rate (attempts that ran
// again / attempts).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stm.h"

enum { MAX_ACCOUNTS = 10000, OPENING = 1000000 };

static stm_word stm_balances[MAX_ACCOUNTS];
static struct bank bank;
static long plain_balances[MAX_ACCOUNTS];
static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t account_lock[MAX_ACCOUNTS];
static atomic_long attempts, commits;
static pthread_barrier_t start_line; // the threads start together

enum way { WAY_STM, WAY_GLOBAL, WAY_ORDERED };
static const char *way_names[] = { "stm", "global lock", "per-account locks" };

struct job {
    enum way way;
    int accounts;
    long transfers;
    unsigned seed;
};

struct transfer {
    int from, to;
    long amount;
};

static void counted_transfer(stm_tx *tx, void *arg)
{
    (void)tx;
    atomic_fetch_add_explicit(&attempts, 1, memory_order_relaxed);
    struct transfer *t = arg;
    bank_transfer(&bank, t->from, t->to, t->amount);
}

static void plain_transfer(struct transfer *t)
{
    if (plain_balances[t->from] >= t->amount) {
        plain_balances[t->from] -= t->amount;
        plain_balances[t->to] += t->amount;
    }
}

static void *worker(void *arg)
{
    struct job *job = arg;
    unsigned seed = job->seed;
    pthread_barrier_wait(&start_line);
    for (long i = 0; i < job->transfers; i++) {
        struct transfer t = { rand_r(&seed) % job->accounts, rand_r(&seed) % job->accounts, 1 + rand_r(&seed) % 100 };
        if (t.from == t.to)
            continue;
        switch (job->way) {
        case WAY_STM:
            stm_atomically(counted_transfer, &t);
            atomic_fetch_add_explicit(&commits, 1, memory_order_relaxed);
            break;
        case WAY_GLOBAL:
            pthread_mutex_lock(&global_lock);
            plain_transfer(&t);
            pthread_mutex_unlock(&global_lock);
            break;
        case WAY_ORDERED: {
            // Lower index first: every thread takes the two locks in one order.
            int first = t.from < t.to ? t.from : t.to, second = t.from < t.to ? t.to : t.from;
            pthread_mutex_lock(&account_lock[first]);
            pthread_mutex_lock(&account_lock[second]);
            plain_transfer(&t);
            pthread_mutex_unlock(&account_lock[second]);
            pthread_mutex_unlock(&account_lock[first]);
            break;
        }
        }
    }
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

// Transfers per second of one way (a transfer from an account to itself
// is skipped, the same for every way), with `threads` threads.
static double measure(enum way way, int threads, int accounts, long transfers)
{
    bank_init(&bank, stm_balances, accounts, OPENING);
    for (int i = 0; i < accounts; i++)
        plain_balances[i] = OPENING;
    atomic_store(&attempts, 0);
    atomic_store(&commits, 0);
    pthread_t tid[2];
    struct job jobs[2];
    pthread_barrier_init(&start_line, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct job){ way, accounts, transfers, (unsigned)(i + 1) };
        pthread_create(&tid[i], NULL, worker, &jobs[i]);
    }
    pthread_barrier_wait(&start_line);
    double start = now();
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    double seconds = now() - start;
    pthread_barrier_destroy(&start_line);
    long total = 0;
    for (int i = 0; i < accounts; i++)
        total += way == WAY_STM ? atomic_load(&stm_balances[i]) : plain_balances[i];
    if (total != (long)accounts * OPENING) {
        fprintf(stderr, "%s: money at the end %ld, expected %ld: the submission is broken\n",
                way_names[way], total, (long)accounts * OPENING);
        exit(1);
    }
    return (double)threads * (double)transfers / seconds;
}

int main(int argc, char **argv)
{
    long transfers = argc > 2 ? atol(argv[2]) : 1000000;
    for (int i = 0; i < MAX_ACCOUNTS; i++)
        pthread_mutex_init(&account_lock[i], NULL);
    printf("stm bench: %s, %ld transfers per thread; ratios are to the global lock in the same run\n\n",
           argc > 1 ? argv[1] : "submission", transfers);
    printf("%-8s %-9s %-18s %14s %7s %11s\n", "threads", "accounts", "way", "transfers/s", "ratio",
           "abort rate");
    const int account_counts[] = { 10000, 4 };
    for (int a = 0; a < 2; a++) {
        for (int threads = 1; threads <= 2; threads++) {
            double base = measure(WAY_GLOBAL, threads, account_counts[a], transfers);
            for (int w = 0; w < 3; w++) {
                double rate = w == WAY_GLOBAL ? base : measure(w, threads, account_counts[a], transfers);
                char aborts[32] = "";
                long runs = atomic_load(&attempts);
                if (w == WAY_STM && runs > 0)
                    snprintf(aborts, sizeof aborts, "%.2f%%",
                             100.0 * (double)(runs - atomic_load(&commits)) / (double)runs);
                printf("%-8d %-9d %-18s %14.0f %6.2fx %11s\n", threads, account_counts[a], way_names[w],
                       rate, rate / base, aborts);
            }
        }
    }
    return 0;
}
