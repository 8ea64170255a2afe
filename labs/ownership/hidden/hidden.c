// Hidden tests of the ownership lab: trylock under contention, many Arc objects, writers of a snapshot table, more borrow patterns.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
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
    ck_assert_msg(test_wait_progress(&mix.done, 4, 10, 1), "only %d of 4 threads finished",
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

static struct {
    snapshot_table_t table;
    long rounds;
    atomic_int first_inside, second_ready, done;
    pid_t second_tid;
} writers;

static void add_one(long *values, size_t length, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < length; i++)
        values[i]++;
}

// The first writer's first update: stay inside until the second writer
// waits for its turn (asleep, if it sleeps as it should), so that its
// wake-up is sure to be needed.
static void add_one_slowly(long *values, size_t length, void *arg)
{
    add_one(values, length, arg);
    atomic_store(&writers.first_inside, 1);
    while (atomic_load(&writers.second_ready) == 0)
        sched_yield();
    test_wait_asleep(writers.second_tid, 1);
}

static void *snap_writer(void *arg)
{
    bool first = arg == NULL;
    if (first) {
        snapshot_update(&writers.table, add_one_slowly, NULL);
    } else {
        writers.second_tid = test_gettid();
        atomic_store(&writers.second_ready, 1);
        snapshot_update(&writers.table, add_one, NULL);
    }
    for (long i = 1; i < writers.rounds; i++)
        snapshot_update(&writers.table, add_one, NULL);
    atomic_fetch_add(&writers.done, 1);
    return NULL;
}

START_TEST(snap_writers_take_turns)
{
    // 2 threads update the table at once, each adding 1 to every entry many
    // times, the second first arriving while the first is inside: it waits
    // and gets its turn, no update is lost (each writer copies the version
    // the other published), and the last version is numbered one per update.
    memset(&writers, 0, sizeof writers);
    ck_assert_msg(snapshot_init(&writers.table, 4), "snapshot_init returned false");
    writers.rounds = lk_scaled(1000, 20, 5);
    pthread_t threads[2];
    threads[0] = test_thread(snap_writer, NULL);
    while (atomic_load(&writers.first_inside) == 0)
        sched_yield();
    threads[1] = test_thread(snap_writer, &writers);
    ck_assert_msg(test_wait_progress(&writers.done, 2, 5, 1),
                  "only %d of 2 writers finished: expected both (a writer waiting for its turn "
                  "never woken?)",
                  atomic_load(&writers.done));
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    const struct snapshot *last = snapshot_get(&writers.table);
    ck_assert_msg(last->version == (unsigned long)(2 * writers.rounds + 1),
                  "after %ld updates: version %lu, expected %ld", 2 * writers.rounds,
                  last->version, 2 * writers.rounds + 1);
    for (size_t i = 0; i < last->length; i++)
        ck_assert_msg(last->values[i] == 2 * writers.rounds,
                      "entry %zu is %ld after %ld increments (lost updates)", i, last->values[i],
                      2 * writers.rounds);
    snapshot_release(last);
    snapshot_destroy(&writers.table);
}
END_TEST

static long guarded;
static cell_t death_cell;
static char released_site[128], held_site[128], new_site[128];

#define SITE(buffer) snprintf((buffer), sizeof(buffer), "%s:%d", __FILE__, __LINE__)

// Two shared borrows, the first released, then a mutable one: the message
// names the one still held, not the one gone.
static void mut_after_out_of_order_release(void)
{
    borrow_t first;
    SITE(released_site), first = borrow(&death_cell);
    SITE(held_site), (void)borrow(&death_cell);
    borrow_release(&first);
    SITE(new_site), (void)borrow_mut(&death_cell);
}

static void release_twice(void)
{
    borrow_t b = borrow(&death_cell);
    borrow_release(&b);
    borrow_release(&b);
}

START_TEST(borrow_names_the_borrow_still_held)
{
    // Shared at A and B, A released, then borrow_mut at C: it aborts naming C
    // and B (the borrow still held), not A.  A second release of one borrow
    // aborts too.
    char text[1024];
    cell_init(&death_cell, &guarded);
    ck_assert_msg(test_aborts(mut_after_out_of_order_release, text, sizeof text),
                  "borrow_mut beside a shared borrow: expected abort()");
    ck_assert_msg(test_names_site(text, new_site) && test_names_site(text, held_site),
                  "expected the message to name %s and %s, got: \"%s\"", new_site, held_site,
                  text);
    ck_assert_msg(!test_names_site(text, released_site),
                  "the message names %s, a borrow already released: \"%s\"", released_site,
                  text);
    cell_init(&death_cell, &guarded);
    ck_assert_msg(test_aborts(release_twice, text, sizeof text),
                  "releasing a borrow twice: expected abort()");
}
END_TEST

Suite *lk_suite(void)
{
    Suite *suite = suite_create("ownership-hidden");
    LK_ADD(suite, rw_try_write_excludes);
    LK_ADD(suite, arc_null_destroy_and_many_objects);
    LK_ADD(suite, snap_writers_take_turns);
    LK_ADD(suite, borrow_names_the_borrow_still_held);
    return suite;
}
