// Hidden tests of the ownership lab: trylock under contention, many Arc objects.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "labkit_check.h"
#include "ownership.h"
#include "ownership_test.h"

static struct {
    rw_lock_t lock;
    long value; // plain: only the write lock protects it
    atomic_int writers, readers;
    atomic_long overlaps;
    atomic_int done;
    long rounds;
} mix;

// Even threads write, by trylock only; odd threads read with rw_read_lock.
static void *mix_worker(void *arg)
{
    int index = (int)(intptr_t)arg;
    for (long i = 0; i < mix.rounds; i++) {
        if (index % 2 == 0) {
            while (!rw_try_write_lock(&mix.lock))
                sched_yield();
            if (atomic_fetch_add_explicit(&mix.writers, 1, memory_order_relaxed) != 0 ||
                atomic_load_explicit(&mix.readers, memory_order_relaxed) != 0)
                atomic_fetch_add_explicit(&mix.overlaps, 1, memory_order_relaxed);
            mix.value++;
            atomic_fetch_sub_explicit(&mix.writers, 1, memory_order_relaxed);
            rw_write_unlock(&mix.lock);
        } else {
            rw_read_lock(&mix.lock);
            atomic_fetch_add_explicit(&mix.readers, 1, memory_order_relaxed);
            if (atomic_load_explicit(&mix.writers, memory_order_relaxed) != 0)
                atomic_fetch_add_explicit(&mix.overlaps, 1, memory_order_relaxed);
            atomic_fetch_sub_explicit(&mix.readers, 1, memory_order_relaxed);
            rw_read_unlock(&mix.lock);
        }
    }
    atomic_fetch_add(&mix.done, 1);
    return NULL;
}

START_TEST(rw_try_write_excludes)
{
    // 2 threads write by trylock, 2 read: no writer is inside with anyone,
    // no write is lost.
    memset(&mix, 0, sizeof mix);
    rw_init(&mix.lock);
    mix.rounds = lk_scaled(2000, 10, 5);
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        threads[i] = test_thread(mix_worker, (void *)(intptr_t)i);
    ck_assert_msg(test_wait_for(&mix.done, 4, 10, 1), "only %d of 4 threads finished",
                  atomic_load(&mix.done));
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    ck_assert_msg(atomic_load(&mix.overlaps) == 0,
                  "a writer was inside with another thread %ld times: expected never",
                  atomic_load(&mix.overlaps));
    ck_assert_msg(mix.value == 2 * mix.rounds, "writes: expected %ld, got %ld", 2 * mix.rounds,
                  mix.value);
}
END_TEST

static int destroy_calls[16];

static void note_destroy(void *data)
{
    destroy_calls[*(int *)data]++;
}

START_TEST(arc_null_destroy_and_many_objects)
{
    // 16 objects, odd ones without a destructor, each cloned i times and
    // dropped i+1 times in an interleaved order: each destructor runs once,
    // at its object's last drop; memcheck sees nothing leaked.
    memset(destroy_calls, 0, sizeof destroy_calls);
    int *objects[16];
    for (int i = 0; i < 16; i++) {
        objects[i] = arc_new(sizeof(int) + (size_t)i * 8, i % 2 ? NULL : note_destroy);
        ck_assert_msg(objects[i] != NULL, "arc_new returned NULL");
        *objects[i] = i;
        for (int k = 0; k < i; k++)
            arc_clone(objects[i]);
    }
    for (int round = 0; round < 16; round++)
        for (int i = round; i < 16; i++) {
            ck_assert_msg(destroy_calls[i] == 0, "object %d destroyed with %d owners left", i,
                          i - round + 1);
            arc_drop(objects[i]);
        }
    for (int i = 0; i < 16; i += 2)
        ck_assert_msg(destroy_calls[i] == 1, "object %d: destructor ran %d times, expected once",
                      i, destroy_calls[i]);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *suite = suite_create("ownership-hidden");
    LK_ADD(suite, rw_try_write_excludes);
    LK_ADD(suite, arc_null_destroy_and_many_objects);
    return suite;
}
