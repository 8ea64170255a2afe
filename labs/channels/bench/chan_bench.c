// Channel speed against a pipe(2) and a single-lock queue, all measured in the same run.
//
// Ping-pong: two threads pass one message back and forth over two channels
// of capacity 0; a round trip is two hand-overs, each waking a sleeping
// thread.  Pipeline: one thread sends a stream of messages to another
// through a buffer of 64, so hand-overs are batched.  Each is run on the
// submission's channel, on a pipe between the two threads (8 bytes each
// way), and on a queue with one mutex and two condition variables (the
// channel of docs/examples/channel.c).  Figures are best of 5; ratios
// against the pipe are what to compare across machines.
//
//   make -C labs/channels bench [SUBMISSION=dir]
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"

enum { ROUND_TRIPS = 20000, STREAM = 200000, QUEUE_CAPACITY = 64, RUNS = 5 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

// ---- The baseline queue: one mutex, two condition variables ----

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    void *items[QUEUE_CAPACITY];
    int head, count, capacity;
};

static void queue_init(struct queue *q, int capacity)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_full, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    q->capacity = capacity;
}

static void queue_put(struct queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->capacity)
        pthread_cond_wait(&q->not_full, &q->lock);
    q->items[(q->head + q->count++) % q->capacity] = item;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static void *queue_get(struct queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0)
        pthread_cond_wait(&q->not_empty, &q->lock);
    void *item = q->items[q->head];
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->lock);
    return item;
}

// ---- One transport: channels, pipes or queues, behind the same two calls ----

enum transport { T_CHAN, T_PIPE, T_QUEUE, T_COUNT };
static const char *transport_name[T_COUNT] = { "channel", "pipe", "1-lock queue" };

struct link {
    enum transport kind;
    chan_t *ch;
    int fds[2];
    struct queue q;
};

static void link_open(struct link *l, enum transport kind, unsigned capacity)
{
    memset(l, 0, sizeof *l);
    l->kind = kind;
    if (kind == T_CHAN && !(l->ch = chan_new(capacity))) {
        fprintf(stderr, "chan_bench: chan_new returned NULL: write chan.c first\n");
        exit(1);
    }
    if (kind == T_PIPE && pipe(l->fds) != 0) {
        perror("pipe");
        exit(1);
    }
    if (kind == T_QUEUE)
        queue_init(&l->q, capacity ? (int)capacity : 1);
}

static void link_close(struct link *l)
{
    if (l->kind == T_CHAN)
        chan_free(l->ch);
    if (l->kind == T_PIPE)
        close(l->fds[0]), close(l->fds[1]);
}

static void link_send(struct link *l, void *m)
{
    if (l->kind == T_CHAN)
        chan_send(l->ch, m);
    else if (l->kind == T_PIPE)
        (void)!write(l->fds[1], &m, sizeof m);
    else
        queue_put(&l->q, m);
}

static void *link_recv(struct link *l)
{
    void *m = NULL;
    if (l->kind == T_CHAN)
        chan_recv(l->ch, &m);
    else if (l->kind == T_PIPE) {
        size_t got = 0;
        while (got < sizeof m) {
            ssize_t n = read(l->fds[0], (char *)&m + got, sizeof m - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
    } else
        m = queue_get(&l->q);
    return m;
}

// ---- Ping-pong and pipeline ----

static struct link ping, pong;

static void *ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUND_TRIPS; i++)
        link_send(&pong, link_recv(&ping));
    return NULL;
}

// Microseconds per round trip.
static double ping_pong(enum transport kind)
{
    link_open(&ping, kind, 0);
    link_open(&pong, kind, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, ponger, NULL);
    long token = 1;
    double start = now();
    for (int i = 0; i < ROUND_TRIPS; i++) {
        link_send(&ping, &token);
        link_recv(&pong);
    }
    double seconds = now() - start;
    pthread_join(thread, NULL);
    link_close(&ping);
    link_close(&pong);
    return seconds * 1e6 / ROUND_TRIPS;
}

static struct link stream;

static void *consumer(void *arg)
{
    (void)arg;
    for (int i = 0; i < STREAM; i++)
        link_recv(&stream);
    return NULL;
}

// Million messages per second through a buffer of QUEUE_CAPACITY.
static double pipeline(enum transport kind)
{
    link_open(&stream, kind, QUEUE_CAPACITY);
    pthread_t thread;
    pthread_create(&thread, NULL, consumer, NULL);
    long token = 1;
    double start = now();
    for (int i = 0; i < STREAM; i++)
        link_send(&stream, &token);
    pthread_join(thread, NULL);
    double seconds = now() - start;
    link_close(&stream);
    return STREAM / seconds / 1e6;
}

int main(int argc, char **argv)
{
    printf("channels benchmark: %s (best of %d; 2 threads)\n\n", argc > 1 ? argv[1] : "", RUNS);
    double trip[T_COUNT], rate[T_COUNT];
    for (int t = 0; t < T_COUNT; t++) {
        trip[t] = 1e9;
        rate[t] = 0;
    }
    // Interleaved, so a change in the machine's load hits every transport alike.
    for (int run = 0; run < RUNS; run++)
        for (int t = 0; t < T_COUNT; t++) {
            double us = ping_pong((enum transport)t), mps = pipeline((enum transport)t);
            trip[t] = us < trip[t] ? us : trip[t];
            rate[t] = mps > rate[t] ? mps : rate[t];
        }
    printf("%-14s %18s %10s %22s %10s\n", "", "ping-pong (us/trip)", "vs pipe",
           "pipeline (M msgs/s)", "vs pipe");
    for (int t = 0; t < T_COUNT; t++)
        printf("%-14s %18.2f %9.2fx %22.2f %9.2fx\n", transport_name[t], trip[t],
               trip[t] / trip[T_PIPE], rate[t], rate[t] / rate[T_PIPE]);
    printf("\ntargets for the channel: ping-pong at most 2x the pipe's time (%s), "
           "pipeline at least 3x the pipe's rate (%s)\n",
           trip[T_CHAN] <= 2 * trip[T_PIPE] ? "met" : "NOT met",
           rate[T_CHAN] >= 3 * rate[T_PIPE] ? "met" : "NOT met");
    return 0;
}
