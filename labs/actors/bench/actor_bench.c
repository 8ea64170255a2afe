// The actors lab's benchmark: message round trips between two processes and between two threads, and the cost of a restart.
//
//   make -C labs/actors bench [SUBMISSION=...]
//
// The same exchange twice in one run: 64-byte messages bounced between two
// processes through the submission's actor_send/actor_receive, and between
// two threads of one process through a one-slot queue each way (a mutex and
// a condition variable).  The ratio says what isolation costs per message.
// Then a supervised worker is SIGKILLed again and again: the time from the
// kill to the first answer of its replacement is what a crash costs.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor.h"

enum { MESSAGE = 64, ROUND_TRIPS = 20000, RESTARTS = 40 };

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// ---- Between processes ----

static void echo(void *arg)
{
    (void)arg;
    struct actor_message m;
    while (actor_receive(&m, -1) == 1 && m.kind == ACTOR_DATA) {
        actor_send(actor_parent(), m.data, m.length);
        actor_message_free(&m);
    }
}

static double process_round_trips(void)
{
    actor_t child = actor_spawn(echo, NULL);
    if (child <= 0)
        return -1;
    char out[MESSAGE] = "ping";
    double start = now_ms();
    for (int i = 0; i < ROUND_TRIPS; i++) {
        struct actor_message m;
        if (actor_send(child, out, sizeof out) != 0 || actor_receive(&m, 5000) != 1)
            return -1;
        actor_message_free(&m);
    }
    double seconds = (now_ms() - start) / 1000;
    kill(child, SIGKILL);
    actor_monitor(child);
    struct actor_message m;
    while (actor_receive(&m, 1000) == 1 && m.kind != ACTOR_DOWN)
        actor_message_free(&m);
    return ROUND_TRIPS / seconds;
}

// ---- Between threads: a one-slot queue each way ----

struct slot {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int full;
    char data[MESSAGE];
};

static struct slot to_echo = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, ""};
static struct slot to_main = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, ""};

static void slot_put(struct slot *s, const char *data)
{
    pthread_mutex_lock(&s->lock);
    while (s->full)
        pthread_cond_wait(&s->changed, &s->lock);
    memcpy(s->data, data, MESSAGE);   // a copy, as a message between processes is
    s->full = 1;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

static void slot_take(struct slot *s, char *data)
{
    pthread_mutex_lock(&s->lock);
    while (!s->full)
        pthread_cond_wait(&s->changed, &s->lock);
    memcpy(data, s->data, MESSAGE);
    s->full = 0;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

static void *thread_echo(void *arg)
{
    (void)arg;
    char data[MESSAGE];
    for (int i = 0; i < ROUND_TRIPS; i++) {
        slot_take(&to_echo, data);
        slot_put(&to_main, data);
    }
    return NULL;
}

static double thread_round_trips(void)
{
    pthread_t t;
    pthread_create(&t, NULL, thread_echo, NULL);
    char out[MESSAGE] = "ping", in[MESSAGE];
    double start = now_ms();
    for (int i = 0; i < ROUND_TRIPS; i++) {
        slot_put(&to_echo, out);
        slot_take(&to_main, in);
    }
    double seconds = (now_ms() - start) / 1000;
    pthread_join(t, NULL);
    return ROUND_TRIPS / seconds;
}

// ---- The cost of a restart ----

// Milliseconds from SIGKILL to the replacement's first answer, median of RESTARTS.
static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double restart_ms(double *worst)
{
    struct supervisor_child spec = {"echo", echo, NULL};
    struct supervisor *s = supervisor_start(&spec, 1, RESTARTS * 2, 1000);
    if (!s)
        return -1;
    double took[RESTARTS];
    for (int i = 0; i < RESTARTS; i++) {
        double start = now_ms();
        kill(supervisor_which(s, 0), SIGKILL);
        struct actor_message m;
        int answered = 0;
        while (!answered) {
            actor_t worker = supervisor_which(s, 0);
            if (actor_send(worker, "ping", 4) != 0) {   // still the old one: wait for its DOWN
                if (supervisor_receive(s, &m, 1000) != 1)
                    return -1;
                actor_message_free(&m);
                continue;
            }
            int got = supervisor_receive(s, &m, 1000);
            if (got != 1)
                return -1;
            answered = m.kind == ACTOR_DATA && m.from == worker;
            actor_message_free(&m);
        }
        took[i] = now_ms() - start;
    }
    supervisor_stop(s, 100);
    qsort(took, RESTARTS, sizeof *took, compare);
    *worst = took[RESTARTS - 1];
    return took[RESTARTS / 2];
}

int main(int argc, char **argv)
{
    printf("actors bench (%s): %d round trips of %d-byte messages\n", argc > 1 ? argv[1] : "?",
           ROUND_TRIPS, MESSAGE);
    double threads = thread_round_trips();
    double processes = process_round_trips();
    if (processes < 0) {
        fprintf(stderr, "the exchange between processes failed: is the submission finished?\n");
        return 1;
    }
    printf("  two threads, one-slot queues:     %9.0f round trips/s  (1.00)\n", threads);
    printf("  two processes, actor_send/receive: %9.0f round trips/s  (%.2f of the threads')\n",
           processes, processes / threads);
    double worst;
    double median = restart_ms(&worst);
    if (median < 0) {
        fprintf(stderr, "the restart measurement failed\n");
        return 1;
    }
    printf("  restart, SIGKILL to the first answer of the replacement: median %.2f ms, worst %.2f "
           "ms (%d restarts)\n", median, worst, RESTARTS);
    return 0;
}
