// Plan C, one writer or many readers: a readers-writer lock.
//
// The rule Rust's borrow checker enforces at compile time (any number of
// shared references, or exactly one mutable one) enforced here at run time:
// readers may hold the lock together, a writer only alone.  Waiting writers
// go first, so a stream of readers cannot starve them.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread rwlock.c -o rwlock
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

struct rwlock {
    pthread_mutex_t lock;
    pthread_cond_t readers_may_enter, writer_may_enter;
    int readers;         // readers inside now
    int writer;          // 1 while a writer is inside
    int writers_waiting; // writers queued: new readers wait behind them
};

#define RWLOCK_INIT \
    {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0}

void read_lock(struct rwlock *rw)
{
    pthread_mutex_lock(&rw->lock);
    while (rw->writer || rw->writers_waiting > 0)
        pthread_cond_wait(&rw->readers_may_enter, &rw->lock);
    rw->readers++;
    pthread_mutex_unlock(&rw->lock);
}

void read_unlock(struct rwlock *rw)
{
    pthread_mutex_lock(&rw->lock);
    if (--rw->readers == 0)
        pthread_cond_signal(&rw->writer_may_enter); // the last reader out
    pthread_mutex_unlock(&rw->lock);
}

void write_lock(struct rwlock *rw)
{
    pthread_mutex_lock(&rw->lock);
    rw->writers_waiting++;
    while (rw->writer || rw->readers > 0)
        pthread_cond_wait(&rw->writer_may_enter, &rw->lock);
    rw->writers_waiting--;
    rw->writer = 1;
    pthread_mutex_unlock(&rw->lock);
}

void write_unlock(struct rwlock *rw)
{
    pthread_mutex_lock(&rw->lock);
    rw->writer = 0;
    if (rw->writers_waiting > 0)
        pthread_cond_signal(&rw->writer_may_enter);
    else
        pthread_cond_broadcast(&rw->readers_may_enter);
    pthread_mutex_unlock(&rw->lock);
}

// The shared data: two accounts whose total must stay 10000.
enum { READERS = 3, WRITERS = 2, ROUNDS = 20000 };
static struct rwlock rw = RWLOCK_INIT;
static long account_a = 10000, account_b = 0;
static atomic_int readers_inside, most_readers, broken_reads;

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        read_lock(&rw);
        int now = atomic_fetch_add(&readers_inside, 1) + 1;
        int most = atomic_load(&most_readers);
        while (now > most && !atomic_compare_exchange_weak(&most_readers, &most, now))
            ;
        if (account_a + account_b != 10000)
            atomic_fetch_add(&broken_reads, 1);
        if (i % 64 == 0)
            sched_yield(); // linger now and then, so readers overlap
        atomic_fetch_sub(&readers_inside, 1);
        read_unlock(&rw);
    }
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS / 10; i++) {
        write_lock(&rw);
        account_a -= 1; // from here the total is wrong ...
        if (i % 64 == 0)
            sched_yield();
        account_b += 1; // ... until here: no reader may see it
        write_unlock(&rw);
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[READERS + WRITERS];
    for (int i = 0; i < READERS; i++)
        pthread_create(&threads[i], NULL, reader, NULL);
    for (int i = 0; i < WRITERS; i++)
        pthread_create(&threads[READERS + i], NULL, writer, NULL);
    for (int i = 0; i < READERS + WRITERS; i++)
        pthread_join(threads[i], NULL);
    printf("%d reads saw a broken total; up to %d readers were inside at once; "
           "a = %ld, b = %ld\n",
           atomic_load(&broken_reads), atomic_load(&most_readers), account_a, account_b);
    return atomic_load(&broken_reads) == 0 && account_a + account_b == 10000 ? 0 : 1;
}
