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
#include "lk_sched.h"

// The nudger running now, if any: its rounds tell crew waits that a waker
// is still at work.
static struct nudger *active_nudger;

static void *crew_member_main(void *member_arg)
{
    struct crew_member *member = member_arg;
    struct crew *crew = member->crew;
    tw_register(&crew->watch[member->index]);
    atomic_fetch_add(&crew->ready, 1);
    // The start line: yield rather than spin, there are more threads than
    // cores.
    while (!atomic_load(&crew->go))
        sched_yield();
    member->start_cpu = tw_cpu(&crew->watch[member->index]);
    atomic_store(&member->started, 1); // publishes start_cpu
    crew->body(crew->arg, member->index);
    atomic_store(&member->returned, 1);
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
    crew->cpu_budget = test_patience(5);
    // Small stacks: a thread's default stack is RLIMIT_STACK, and under the
    // grader's address-space limit a few of those would use it all up.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    for (int i = 0; i < size; i++) {
        crew->members[i] = (struct crew_member){ .crew = crew, .index = i };
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
    crew_settle(crew);
    sync_mutex_unlock(held);
}

void crew_blocked_until_unlock(struct crew *crew, int size, void (*body)(void *arg, int index),
                               sync_mutex_t *held, atomic_int *returned, const char *wakes)
{
    sync_mutex_lock(held);
    crew_start(crew, size, body, NULL);
    crew_settle(crew);
    ck_assert_msg(atomic_load(returned) == 0,
                  "%d of %d waiters got the mutex while main held it: expected all to block",
                  atomic_load(returned), size);
    sync_mutex_unlock(held);
    ck_assert_msg(crew_finish(crew),
                  "%d of %d waiters got the mutex after the unlock (%s): expected all (%s)",
                  crew_finished(crew), size, crew_problem(crew), wakes);
}

static enum tw_outcome crew_watch(struct crew *crew, atomic_int *flag, int value)
{
    struct tw_wait wait = {
        .done = flag, .target = value, .threads = crew->watch, .count = crew->size,
        .cpu_budget = crew->cpu_budget,
        .wakes = active_nudger ? &active_nudger->rounds : NULL,
    };
    crew->outcome = tw_wait(&wait);
    crew->cpu_used = wait.cpu_used;
    return crew->outcome;
}

bool crew_finish(struct crew *crew)
{
    if (crew_watch(crew, &crew->finished, crew->size) != TW_DONE)
        return false;
    for (int i = 0; i < crew->size && !crew->joined; i++)
        pthread_join(crew->threads[i], NULL);
    crew->joined = true;
    return true;
}

bool crew_wait_for(struct crew *crew, atomic_int *flag, int value)
{
    return crew_watch(crew, flag, value) == TW_DONE;
}

const char *crew_problem(const struct crew *crew)
{
    static char text[200];
    if (crew->outcome == TW_STUCK)
        snprintf(text, sizeof text,
                 "every thread still running is asleep in a futex wait and nothing wakes it");
    else if (crew->outcome == TW_SPINNING)
        snprintf(text, sizeof text,
                 "the threads used %.1f s of processor time without getting there (spinning "
                 "on something nobody releases?)",
                 crew->cpu_used);
    else
        snprintf(text, sizeof text, "no problem");
    return text;
}

enum tw_outcome crew_await_blocked(struct crew *crew, int index, double cpu_budget)
{
    struct crew_member *member = &crew->members[index];
    // Past the start line soon, however busy the machine: test code.
    while (!atomic_load(&member->started))
        tw_sleep(0.0005);
    crew->outcome = tw_wait_blocked(&crew->watch[index], member->start_cpu, cpu_budget,
                                    &member->returned);
    crew->cpu_used = tw_cpu(&crew->watch[index]) - member->start_cpu;
    return crew->outcome;
}

void crew_settle(struct crew *crew)
{
    for (int i = 0; i < crew->size; i++)
        crew_await_blocked(crew, i, test_patience(0.02));
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
        atomic_fetch_add(&nudger->rounds, 1);
        tw_sleep(0.001);
    }
    return NULL;
}

void nudger_start(struct nudger *nudger, sync_cond_t *first, sync_cond_t *second)
{
    nudger->conds[0] = first;
    nudger->conds[1] = second;
    atomic_init(&nudger->stop, 0);
    atomic_init(&nudger->rounds, 0);
    active_nudger = nudger;
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
    active_nudger = NULL;
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

// ---- Contention ----

struct contention contention;

void contention_reset(long rounds)
{
    memset(&contention, 0, sizeof contention);
    sync_spin_init(&contention.spin);
    sync_mutex_init(&contention.mutex);
    contention.rounds = rounds;
}

void contention_spin_worker(void *arg, int index)
{
    (void)arg, (void)index;
    for (long i = 0; i < contention.rounds; i++) {
        sync_spin_lock(&contention.spin);
        guarded_increment(&contention.counter);
        sync_spin_unlock(&contention.spin);
    }
}

void contention_mutex_worker(void *arg, int index)
{
    (void)arg, (void)index;
    for (long i = 0; i < contention.rounds; i++) {
        sync_mutex_lock(&contention.mutex);
        guarded_increment(&contention.counter);
        sync_mutex_unlock(&contention.mutex);
    }
}

void contention_spin_mixed_worker(void *arg, int index)
{
    (void)arg;
    for (long i = 0; i < contention.rounds; i++) {
        if (index % 2)
            while (!sync_spin_trylock(&contention.spin))
                sched_yield();
        else
            sync_spin_lock(&contention.spin);
        guarded_increment(&contention.counter);
        sync_spin_unlock(&contention.spin);
    }
}

void contention_mutex_mixed_worker(void *arg, int index)
{
    (void)arg;
    for (long i = 0; i < contention.rounds; i++) {
        if (index % 2)
            while (!sync_mutex_trylock(&contention.mutex))
                sched_yield();
        else
            sync_mutex_lock(&contention.mutex);
        guarded_increment(&contention.counter);
        sync_mutex_unlock(&contention.mutex);
    }
}

void contention_start(struct crew *crew, int threads, void (*worker)(void *, int), bool spin)
{
    if (worker == contention_spin_mixed_worker || worker == contention_mutex_mixed_worker) {
        // Hold the lock by trylock: a trylock that never succeeds fails
        // here at once, where its threads would retry until their
        // processor budget (seconds) ran out.
        bool taken = spin ? sync_spin_trylock(&contention.spin)
                          : sync_mutex_trylock(&contention.mutex);
        ck_assert_msg(taken, "trylock on a free %s: expected true, got false (the threads that "
                      "take it by trylock could never get in)", spin ? "spinlock" : "mutex");
    } else if (spin) {
        sync_spin_lock(&contention.spin);
    } else {
        sync_mutex_lock(&contention.mutex);
    }
    atomic_store_explicit(&contention.counter.inside, 1, memory_order_relaxed);
    crew_start(crew, threads, worker, NULL);
    crew_settle(crew);
    atomic_store_explicit(&contention.counter.inside, 0, memory_order_relaxed);
    if (spin)
        sync_spin_unlock(&contention.spin);
    else
        sync_mutex_unlock(&contention.mutex);
}

void contention_check(struct crew *crew, int threads)
{
    ck_assert_msg(crew_finish(crew),
                  "%d of %d threads finished: %s: expected all (a deadlock, or a waiter that "
                  "is never woken)",
                  crew_finished(crew), threads, crew_problem(crew));
    long overlaps = atomic_load(&contention.counter.overlaps);
    ck_assert_msg(overlaps == 0,
                  "two threads were inside the critical section at once %ld times: expected never",
                  overlaps);
    ck_assert_msg(contention.counter.value == threads * contention.rounds,
                  "counter: expected %ld, got %ld (increments lost to overlapping threads)",
                  threads * contention.rounds, contention.counter.value);
}

void sync_explore(const char *name, void (*scenario)(void *))
{
    // First every schedule with at most 2 preemptions, within a budget of
    // runs and processor seconds (a failure it finds is shown as its
    // smallest schedule), then random and PCT seeds.  The seeds are what
    // decide every fixture's verdict (fixed seeds: the same on every run);
    // the search finds most of those bugs within 300 schedules, and every
    // one it needed more than 600 for, the seeds catch as well
    // (labs/common/README.md): a bigger budget only made grades slower.
    static const struct lk_explore_opts opts = {
        .strategies = LK_SYSTEMATIC | LK_RANDOM | LK_PCT, .preemptions = 2,
        .max_schedules = 600, .max_seconds = 0.3,
        .seeds = 50, .step_budget = 20000, .pct_depth = 3
    };
    char *report = NULL;
    int failed = lk_explore(name, scenario, NULL, &opts, &report);
    ck_assert_msg(failed == 0, "forced schedules failed: expected none.\n%s",
                  report ? report : "");
    free(report);
}
