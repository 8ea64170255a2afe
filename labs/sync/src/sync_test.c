// Helpers for the sync lab's tests (see sync_test.h).
#define _GNU_SOURCE
#include "sync_test.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labkit_check.h"

static void sleep_seconds(double seconds)
{
    struct timespec pause = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
        ;
}

static void *crew_member_main(void *member_arg)
{
    struct crew_member *member = member_arg;
    struct crew *crew = member->crew;
    atomic_fetch_add(&crew->ready, 1);
    // The start line: yield rather than spin, there are more threads than
    // cores.
    while (!atomic_load(&crew->go))
        sched_yield();
    crew->body(crew->arg, member->index);
    atomic_fetch_add(&crew->finished, 1);
    return NULL;
}

void crew_start(struct crew *crew, int size, void (*body)(void *arg, int index), void *arg)
{
    if (size < 1 || size > CREW_MAX) {
        fprintf(stderr, "crew_start: %d threads (1..%d allowed)\n", size, CREW_MAX);
        abort();
    }
    memset(crew, 0, sizeof *crew);
    crew->body = body;
    crew->arg = arg;
    crew->size = size;
    // Small stacks: a thread's default stack is RLIMIT_STACK, and under the
    // grader's address-space limit a few of those would use it all up.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    for (int i = 0; i < size; i++) {
        crew->members[i] = (struct crew_member){ crew, i };
        int rc = pthread_create(&crew->threads[i], &attr, crew_member_main, &crew->members[i]);
        if (rc != 0) {
            fprintf(stderr, "crew_start: pthread_create: %s\n", strerror(rc));
            abort();
        }
    }
    pthread_attr_destroy(&attr);
    while (atomic_load(&crew->ready) < size)
        sched_yield();
    atomic_store(&crew->go, 1);
}

void crew_start_behind(struct crew *crew, int size, void (*body)(void *arg, int index), void *arg,
                       sync_mutex_t *held)
{
    sync_mutex_lock(held);
    crew_start(crew, size, body, arg);
    test_settle(0.02);
    sync_mutex_unlock(held);
}

bool crew_finish_within(struct crew *crew, double seconds)
{
    if (!test_wait_for(&crew->finished, crew->size, seconds))
        return false;
    for (int i = 0; i < crew->size && !crew->joined; i++)
        pthread_join(crew->threads[i], NULL);
    crew->joined = true;
    return true;
}

int crew_finished(struct crew *crew)
{
    return atomic_load(&crew->finished);
}

static void *nudger_main(void *arg)
{
    struct nudger *nudger = arg;
    while (!atomic_load(&nudger->stop)) {
        for (int i = 0; i < 2; i++)
            if (nudger->conds[i])
                sync_cond_broadcast(nudger->conds[i]);
        sleep_seconds(0.001);
    }
    return NULL;
}

void nudger_start(struct nudger *nudger, sync_cond_t *first, sync_cond_t *second)
{
    nudger->conds[0] = first;
    nudger->conds[1] = second;
    atomic_init(&nudger->stop, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    int rc = pthread_create(&nudger->thread, &attr, nudger_main, nudger);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "nudger_start: pthread_create: %s\n", strerror(rc));
        abort();
    }
}

void nudger_stop(struct nudger *nudger)
{
    atomic_store(&nudger->stop, 1);
    pthread_join(nudger->thread, NULL);
}

void guarded_increment(struct guarded_counter *counter)
{
    if (atomic_fetch_add_explicit(&counter->inside, 1, memory_order_relaxed) != 0)
        atomic_fetch_add_explicit(&counter->overlaps, 1, memory_order_relaxed);
    long value = counter->value;
    for (volatile int i = 0; i < 20; i++)
        ;
    counter->value = value + 1;
    atomic_fetch_sub_explicit(&counter->inside, 1, memory_order_relaxed);
}

double test_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

double test_patience(double seconds)
{
    const char *tool = lk_tool();
    if (strcmp(tool, "memcheck") == 0)
        return seconds * 10;
    if (strcmp(tool, "tsan") == 0)
        return seconds * 5;
    if (strcmp(tool, "native") != 0)
        return seconds * 3;
    return seconds;
}

void test_settle(double seconds)
{
    sleep_seconds(test_patience(seconds));
}

bool test_wait_for(atomic_int *flag, int value, double seconds)
{
    double deadline = test_now() + test_patience(seconds);
    while (atomic_load(flag) < value) {
        if (test_now() > deadline)
            return false;
        sleep_seconds(0.0005);
    }
    return true;
}

double test_thread_cpu(pthread_t thread)
{
    clockid_t clock;
    struct timespec used;
    if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &used) != 0)
        return -1;
    return (double)used.tv_sec + (double)used.tv_nsec / 1e9;
}
