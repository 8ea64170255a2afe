// A deadlock on purpose, then two ways to prevent it.
//
// Thread 1 takes lock A then B; thread 2 takes B then A.  A barrier makes
// both take their first lock before either asks for its second, so the cycle
// happens on every run.  Instead of hanging, each waits at most 300 ms
// (pthread_mutex_timedlock) and reports what it was waiting for.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread deadlock.c -o deadlock
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one;
static int use_barrier;

struct plan {
    const char *name;
    pthread_mutex_t *first, *second;
    const char *first_name, *second_name;
    int timed_out;
};

static int lock_with_timeout(pthread_mutex_t *m, long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += ms * 1000000;
    t.tv_sec += t.tv_nsec / 1000000000;
    t.tv_nsec %= 1000000000;
    return pthread_mutex_timedlock(m, &t);
}

// Take `first`, wait for the other thread to take its first, then `second`.
static void *take_two(void *arg)
{
    struct plan *p = arg;
    pthread_mutex_lock(p->first);
    if (use_barrier)
        pthread_barrier_wait(&both_hold_one);
    if (lock_with_timeout(p->second, 300) == ETIMEDOUT) {
        printf("  %s holds %s and waited 300 ms for %s: gave up\n", p->name, p->first_name,
               p->second_name);
        p->timed_out = 1;
    } else {
        pthread_mutex_unlock(p->second);
    }
    pthread_mutex_unlock(p->first);
    return NULL;
}

// Prevention 1, a global lock order: always take the lock at the lower address first.
static void order_locks(struct plan *p)
{
    if (p->first > p->second) {
        pthread_mutex_t *m = p->first;
        const char *n = p->first_name;
        p->first = p->second, p->first_name = p->second_name;
        p->second = m, p->second_name = n;
    }
}

// Prevention 2, no hold-and-wait: if the second lock is busy, let go of the
// first and start again.
static void *take_two_or_back_off(void *arg)
{
    struct plan *p = arg;
    int attempts = 0;
    for (;;) {
        attempts++;
        pthread_mutex_lock(p->first);
        if (attempts == 1 && use_barrier)
            pthread_barrier_wait(&both_hold_one);
        if (pthread_mutex_trylock(p->second) == 0)
            break;
        pthread_mutex_unlock(p->first);
        for (int i = 0; i < attempts; i++) // back off longer each time
            sched_yield();
    }
    printf("  %s got both locks on attempt %d\n", p->name, attempts);
    pthread_mutex_unlock(p->second);
    pthread_mutex_unlock(p->first);
    return NULL;
}

static int run(const char *title, void *(*fn)(void *), int ordered)
{
    struct plan one = {"thread 1", &lock_a, &lock_b, "A", "B", 0};
    struct plan two = {"thread 2", &lock_b, &lock_a, "B", "A", 0};
    if (ordered) {
        order_locks(&one);
        order_locks(&two);
    }
    // Ordered locks: both go for the same first lock, so only one can reach
    // the barrier at first; no barrier then.
    use_barrier = !ordered;
    printf("%s\n", title);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, fn, &one);
    pthread_create(&t2, NULL, fn, &two);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    return one.timed_out + two.timed_out;
}

int main(void)
{
    pthread_barrier_init(&both_hold_one, NULL, 2);
    int stuck = run("A then B, and B then A:", take_two, 0);
    printf("  -> %s\n", stuck ? "deadlock: each held what the other wanted" : "no deadlock");
    int ordered = run("both in one global order:", take_two, 1);
    printf("  -> %s\n", ordered ? "deadlock" : "no deadlock");
    run("let go and retry when the second lock is busy:", take_two_or_back_off, 0);
    pthread_barrier_destroy(&both_hold_one);
    return stuck > 0 && ordered == 0 ? 0 : 1;
}
