// A deadlock on purpose, then two ways to prevent it.
//
// Thread 1 takes lock A then B; thread 2 takes B then A.  Each version runs
// under the kit's forced-schedule scheduler (labs/common/README.md): one
// thread runs at a time, and at every lock operation a seeded choice says
// who goes next.  A seed is one schedule, the same on every run, so a seed
// that deadlocks does so on every run, however busy the machine; and the
// scheduler sees every thread blocked and names the cycle, so the program
// ends instead of hanging.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread -DLK_EXPLORE -I../../labs/common
//      deadlock.c ../../labs/common/lk_*.c -o deadlock       (one line)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lk_sched.h"

enum { SEEDS = 20 };

static lk_mutex_t lock_a = LK_MUTEX_INITIALIZER("A");
static lk_mutex_t lock_b = LK_MUTEX_INITIALIZER("B");

struct plan {
    lk_mutex_t *first, *second;
};

// Take `first`, then `second`.
static void *take_two(void *arg)
{
    struct plan *p = arg;
    lk_mutex_lock(p->first);
    lk_mutex_lock(p->second);
    lk_mutex_unlock(p->second);
    lk_mutex_unlock(p->first);
    return NULL;
}

// Prevention 1, a global lock order: always take the lock at the lower address first.
static void order_locks(struct plan *p)
{
    if ((uintptr_t)p->first > (uintptr_t)p->second) {
        lk_mutex_t *m = p->first;
        p->first = p->second;
        p->second = m;
    }
}

// Prevention 2, no hold-and-wait: if the second lock is busy, let go of the
// first and start again.
static void *take_two_or_back_off(void *arg)
{
    struct plan *p = arg;
    for (;;) {
        lk_mutex_lock(p->first);
        if (lk_mutex_trylock(p->second) == 0)
            break;
        lk_mutex_unlock(p->first);
        lk_yield(); // let the other thread finish first
    }
    lk_mutex_unlock(p->second);
    lk_mutex_unlock(p->first);
    return NULL;
}

struct version {
    void *(*take)(void *);
    int ordered;
};

static void two_threads(void *arg)
{
    const struct version *v = arg;
    struct plan one = {&lock_a, &lock_b}, two = {&lock_b, &lock_a};
    if (v->ordered) {
        order_locks(&one);
        order_locks(&two);
    }
    lk_thread_t t1, t2;
    lk_thread_create(&t1, v->take, &one);
    lk_thread_create(&t2, v->take, &two);
    lk_thread_join(t1, NULL);
    lk_thread_join(t2, NULL);
}

// Run one version under seeds 1..SEEDS; return how many deadlocked.
static int run(const char *name, const char *title, void *(*take)(void *), int ordered)
{
    struct version v = {take, ordered};
    struct lk_explore_opts opts = {.seeds = SEEDS, .strategies = LK_RANDOM};
    char *report = NULL;
    printf("%s\n", title);
    fflush(stdout);
    int failed = lk_explore(name, two_threads, &v, &opts, &report);
    if (failed)
        printf("%s  -> deadlock under %d of %d schedules, on every run\n", report ? report : "",
               failed, SEEDS);
    else
        printf("  -> no deadlock under any of %d schedules\n", SEEDS);
    free(report);
    return failed;
}

int main(void)
{
    int stuck = run("ab_ba", "A then B, and B then A:", take_two, 0);
    int ordered = run("ordered", "both in one global order:", take_two, 1);
    int backed_off = run("back_off", "let go and retry when the second lock is busy:",
                         take_two_or_back_off, 0);
    return stuck > 0 && ordered == 0 && backed_off == 0 ? 0 : 1;
}
