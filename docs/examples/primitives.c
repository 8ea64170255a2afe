// A spinlock, a mutex, a condition variable and a semaphore, built from
// compare-and-swap and the Linux futex call, each checked by a small demo.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread primitives.c -o primitives
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

// --- the spinlock ---

struct spinlock {
    atomic_int held; // 0 free, 1 held
};

void spin_lock(struct spinlock *l)
{
    int expected = 0;
    // Acquire ordering: what the previous holder wrote before its release
    // is visible to us once the CAS succeeds.
    while (!atomic_compare_exchange_weak_explicit(&l->held, &expected, 1,
                                                  memory_order_acquire,
                                                  memory_order_relaxed)) {
        expected = 0; // a failed CAS wrote the current value here
        sched_yield();
    }
}

void spin_unlock(struct spinlock *l)
{
    // Release ordering: our writes in the critical section happen before
    // the next holder's successful CAS.  A plain store would not promise that.
    atomic_store_explicit(&l->held, 0, memory_order_release);
}

// --- the futex system call: sleep while a word holds a value, wake sleepers ---

static void futex_wait(atomic_uint *word, unsigned expected)
{
    // The kernel checks *word == expected and sleeps as one step.
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake(atomic_uint *word, int count)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

// --- the mutex: a lock that sleeps instead of spinning ---

struct mutex {
    atomic_uint state; // 0 free, 1 held
};

void mutex_lock(struct mutex *m)
{
    unsigned expected = 0;
    while (!atomic_compare_exchange_strong_explicit(&m->state, &expected, 1,
                                                    memory_order_acquire,
                                                    memory_order_relaxed)) {
        // Sleep only while the lock is still held; if it was released
        // between our CAS and this call, futex_wait returns at once.
        futex_wait(&m->state, 1);
        expected = 0;
    }
}

void mutex_unlock(struct mutex *m)
{
    atomic_store_explicit(&m->state, 0, memory_order_release);
    // Correct but slow: a system call on every unlock, even with no waiter.
    futex_wake(&m->state, 1);
}

// --- the condition variable: wait for a change, woken by whoever makes it ---

struct condvar {
    atomic_uint seq; // bumped by every signal
};

void cond_wait(struct condvar *c, struct mutex *m)
{
    unsigned seen = atomic_load_explicit(&c->seq, memory_order_relaxed);
    mutex_unlock(m);
    // A signal sent after we read seq changed it, so this returns at once:
    // the wakeup cannot be lost between the unlock and the sleep.
    futex_wait(&c->seq, seen);
    mutex_lock(m);
}

void cond_signal(struct condvar *c)
{
    atomic_fetch_add_explicit(&c->seq, 1, memory_order_relaxed);
    futex_wake(&c->seq, 1);
}

void cond_broadcast(struct condvar *c)
{
    atomic_fetch_add_explicit(&c->seq, 1, memory_order_relaxed);
    futex_wake(&c->seq, INT_MAX);
}

// --- the semaphore: a counter that waits at zero ---

struct semaphore {
    struct mutex lock;
    struct condvar nonzero;
    unsigned count;
};

void sem_down(struct semaphore *s)
{
    mutex_lock(&s->lock);
    while (s->count == 0) // wakeups may be spurious: always recheck
        cond_wait(&s->nonzero, &s->lock);
    s->count--;
    mutex_unlock(&s->lock);
}

void sem_up(struct semaphore *s)
{
    mutex_lock(&s->lock);
    s->count++;
    cond_signal(&s->nonzero);
    mutex_unlock(&s->lock);
}

// --- demos ---

enum { INCREMENTS = 100000, ITEMS = 20000, SLOT_COUNT = 8, WORKERS = 4 };

static struct spinlock spin;
static struct mutex mutex;
static long counter;

static void *count_with_spinlock(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        spin_lock(&spin);
        counter++;
        spin_unlock(&spin);
    }
    return NULL;
}

static void *count_with_mutex(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        mutex_lock(&mutex);
        counter++;
        mutex_unlock(&mutex);
    }
    return NULL;
}

// A bounded buffer: the producer waits while it is full, the consumer
// while it is empty.
static struct {
    struct mutex lock;
    struct condvar changed;
    int slots[SLOT_COUNT];
    int head, count;
} buffer;

static void *produce(void *arg)
{
    (void)arg;
    for (int item = 1; item <= ITEMS; item++) {
        mutex_lock(&buffer.lock);
        while (buffer.count == SLOT_COUNT)
            cond_wait(&buffer.changed, &buffer.lock);
        buffer.slots[(buffer.head + buffer.count++) % SLOT_COUNT] = item;
        cond_broadcast(&buffer.changed);
        mutex_unlock(&buffer.lock);
    }
    return NULL;
}

static void *consume(void *arg)
{
    long *sum = arg;
    for (int taken = 0; taken < ITEMS; taken++) {
        mutex_lock(&buffer.lock);
        while (buffer.count == 0)
            cond_wait(&buffer.changed, &buffer.lock);
        *sum += buffer.slots[buffer.head];
        buffer.head = (buffer.head + 1) % SLOT_COUNT;
        buffer.count--;
        cond_broadcast(&buffer.changed);
        mutex_unlock(&buffer.lock);
    }
    return NULL;
}

static struct semaphore two_at_a_time = {.count = 2};
static atomic_int inside, most_inside;

static void *enter_room(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        sem_down(&two_at_a_time);
        int now = atomic_fetch_add(&inside, 1) + 1;
        int most = atomic_load(&most_inside);
        while (now > most && !atomic_compare_exchange_weak(&most_inside, &most, now))
            ;
        sched_yield(); // stay inside a little, so others pile up at the door
        atomic_fetch_sub(&inside, 1);
        sem_up(&two_at_a_time);
    }
    return NULL;
}

static void run_two(void *(*fn)(void *), void *arg_a, void *(*fn_b)(void *), void *arg_b)
{
    pthread_t a, b;
    pthread_create(&a, NULL, fn, arg_a);
    pthread_create(&b, NULL, fn_b, arg_b);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
}

int main(void)
{
    int ok = 1;
    run_two(count_with_spinlock, NULL, count_with_spinlock, NULL);
    printf("spinlock:  counter = %ld (expected %d)\n", counter, 2 * INCREMENTS);
    ok &= counter == 2 * INCREMENTS;

    counter = 0;
    run_two(count_with_mutex, NULL, count_with_mutex, NULL);
    printf("mutex:     counter = %ld (expected %d)\n", counter, 2 * INCREMENTS);
    ok &= counter == 2 * INCREMENTS;

    long sum = 0, expected = (long)ITEMS * (ITEMS + 1) / 2;
    run_two(produce, NULL, consume, &sum);
    printf("condvar:   consumer summed %ld (expected %ld)\n", sum, expected);
    ok &= sum == expected;

    pthread_t workers[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&workers[i], NULL, enter_room, NULL);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(workers[i], NULL);
    printf("semaphore: at most %d of %d threads inside (limit 2)\n",
           atomic_load(&most_inside), WORKERS);
    ok &= atomic_load(&most_inside) <= 2;
    return ok ? 0 : 1;
}
