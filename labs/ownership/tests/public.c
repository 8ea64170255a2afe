// Public tests of the ownership lab: the readers-writer lock and Arc, natively and under TSan.
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "labkit_check.h"
#include "lk_suite.h"
#include "ownership.h"
#include "ownership_test.h"

// ---- Task 1: readers share, a writer is alone ----

enum { READERS_TOGETHER = 3 };

static struct {
    rw_lock_t lock;
    atomic_int inside;   // readers past rw_read_lock now
    atomic_int together; // readers that saw all of them inside at once
    atomic_int announced;
    pid_t tids[READERS_TOGETHER];
} meet;

// A barrier inside the read section: stay until every reader is inside.
// A lock that lets readers in one at a time never lets this finish.
static void *meeting_reader(void *arg)
{
    int index = (int)(intptr_t)arg;
    meet.tids[index] = test_gettid();
    atomic_fetch_add(&meet.announced, 1);
    rw_read_lock(&meet.lock);
    atomic_fetch_add(&meet.inside, 1);
    // A nap, not a spin: if the others never come, this process then uses
    // no processor time and test_wait_progress sees the hang at once.
    while (atomic_load(&meet.inside) < READERS_TOGETHER && atomic_load(&meet.together) >= 0)
        test_settle(0.001);
    atomic_fetch_add(&meet.together, 1);
    rw_read_unlock(&meet.lock);
    return NULL;
}

// Start the readers; with writer_first, only once all are asleep behind a
// writer, then let the writer go.
static void readers_meet(bool writer_first)
{
    memset(&meet, 0, sizeof meet);
    rw_init(&meet.lock);
    if (writer_first)
        rw_write_lock(&meet.lock);
    pthread_t threads[READERS_TOGETHER];
    for (int i = 0; i < READERS_TOGETHER; i++)
        threads[i] = test_thread(meeting_reader, (void *)(intptr_t)i);
    if (writer_first) {
        while (atomic_load(&meet.announced) < READERS_TOGETHER)
            sched_yield();
        for (int i = 0; i < READERS_TOGETHER; i++)
            ck_assert_msg(test_wait_asleep(meet.tids[i], 2),
                          "reader %d, waiting for a writer, did not go to sleep within 2 s", i);
        ck_assert_msg(atomic_load(&meet.inside) == 0,
                      "%d readers got in while a writer held the lock: expected none",
                      atomic_load(&meet.inside));
        rw_write_unlock(&meet.lock);
    }
    bool met = test_wait_progress(&meet.together, READERS_TOGETHER, 2, 1);
    int inside = atomic_load(&meet.inside);
    if (!met)
        atomic_store(&meet.together, -1000); // release the readers that are in
    ck_assert_msg(met,
                  "only %d of %d readers were ever inside the read lock together: expected "
                  "all of them at once%s",
                  inside, READERS_TOGETHER,
                  writer_first ? " after the writer's unlock (it must wake every waiting reader)"
                               : "");
    for (int i = 0; i < READERS_TOGETHER; i++)
        pthread_join(threads[i], NULL);
}

START_TEST(rw_readers_share)
{
    // 3 readers each wait inside the read section until all 3 are inside:
    // this finishes only if readers hold the lock together.
    readers_meet(false);
}
END_TEST

START_TEST(rw_write_unlock_wakes_all_readers)
{
    // A writer holds the lock while 3 readers go to sleep on it; its unlock
    // must let all 3 in together, not one.
    readers_meet(true);
}
END_TEST

// Two accounts that only a writer may change; their total stays 10000.
static struct {
    rw_lock_t lock;
    long a, b;           // plain: only the lock protects them
    atomic_int writers_inside, readers_inside;
    atomic_long overlaps, broken_reads;
    atomic_int announced, done;
    long rounds;
    pid_t tids[4];
} bank;

static void *bank_writer(void *arg)
{
    bank.tids[(intptr_t)arg] = test_gettid();
    atomic_fetch_add(&bank.announced, 1);
    for (long i = 0; i < bank.rounds; i++) {
        rw_write_lock(&bank.lock);
        if (atomic_fetch_add_explicit(&bank.writers_inside, 1, memory_order_relaxed) != 0 ||
            atomic_load_explicit(&bank.readers_inside, memory_order_relaxed) != 0)
            atomic_fetch_add_explicit(&bank.overlaps, 1, memory_order_relaxed);
        long a = bank.a;
        for (volatile int k = 0; k < 20; k++)
            ;
        bank.a = a - 1;
        bank.b += 1;
        atomic_fetch_sub_explicit(&bank.writers_inside, 1, memory_order_relaxed);
        rw_write_unlock(&bank.lock);
    }
    atomic_fetch_add(&bank.done, 1);
    return NULL;
}

static void *bank_reader(void *arg)
{
    bank.tids[(intptr_t)arg] = test_gettid();
    atomic_fetch_add(&bank.announced, 1);
    for (long i = 0; i < 4 * bank.rounds; i++) {
        rw_read_lock(&bank.lock);
        atomic_fetch_add_explicit(&bank.readers_inside, 1, memory_order_relaxed);
        if (atomic_load_explicit(&bank.writers_inside, memory_order_relaxed) != 0)
            atomic_fetch_add_explicit(&bank.overlaps, 1, memory_order_relaxed);
        if (bank.a + bank.b != 10000)
            atomic_fetch_add_explicit(&bank.broken_reads, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&bank.readers_inside, 1, memory_order_relaxed);
        rw_read_unlock(&bank.lock);
    }
    atomic_fetch_add(&bank.done, 1);
    return NULL;
}

START_TEST(rw_writer_excludes)
{
    // 2 writers and 2 readers start asleep behind a held write lock, then
    // run many sections: a writer is never inside with anyone, no reader
    // sees a half-done transfer, no transfer is lost.
    memset(&bank, 0, sizeof bank);
    rw_init(&bank.lock);
    bank.a = 10000;
    bank.rounds = lk_scaled(2000, 10, 5);
    rw_write_lock(&bank.lock);
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        threads[i] = test_thread(i < 2 ? bank_writer : bank_reader, (void *)(intptr_t)i);
    while (atomic_load(&bank.announced) < 4)
        sched_yield();
    for (int i = 0; i < 4; i++)
        ck_assert_msg(test_wait_asleep(bank.tids[i], 2),
                      "a thread waiting for the write lock did not go to sleep within 2 s");
    rw_write_unlock(&bank.lock);
    ck_assert_msg(test_wait_progress(&bank.done, 4, 5, 1),
                  "only %d of 4 threads finished: expected all (a waiter never woken?)",
                  atomic_load(&bank.done));
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    ck_assert_msg(atomic_load(&bank.overlaps) == 0,
                  "a writer was inside together with another thread %ld times: expected never",
                  atomic_load(&bank.overlaps));
    ck_assert_msg(atomic_load(&bank.broken_reads) == 0,
                  "readers saw a half-done transfer %ld times: expected never",
                  atomic_load(&bank.broken_reads));
    ck_assert_msg(bank.a == 10000 - 2 * bank.rounds && bank.b == 2 * bank.rounds,
                  "accounts: expected a = %ld, b = %ld, got %ld and %ld (lost writes)",
                  10000 - 2 * bank.rounds, 2 * bank.rounds, bank.a, bank.b);
}
END_TEST

static rw_lock_t try_lock;

static void *try_read_elsewhere(void *arg)
{
    (void)arg;
    bool taken = rw_try_read_lock(&try_lock);
    if (taken)
        rw_read_unlock(&try_lock);
    return (void *)(intptr_t)taken;
}

static void *try_write_elsewhere(void *arg)
{
    (void)arg;
    bool taken = rw_try_write_lock(&try_lock);
    if (taken)
        rw_write_unlock(&try_lock);
    return (void *)(intptr_t)taken;
}

static bool in_other_thread(void *(*fn)(void *))
{
    void *result = NULL;
    pthread_join(test_thread(fn, NULL), &result);
    return result != NULL;
}

START_TEST(rw_trylock_semantics)
{
    // try_read succeeds beside readers, fails beside a writer; try_write
    // succeeds only on a free lock.
    rw_init(&try_lock);
    ck_assert_msg(rw_try_read_lock(&try_lock), "try_read on a free lock: expected true");
    ck_assert_msg(in_other_thread(try_read_elsewhere),
                  "try_read while another reader holds the lock: expected true");
    ck_assert_msg(!in_other_thread(try_write_elsewhere),
                  "try_write while a reader holds the lock: expected false");
    rw_read_unlock(&try_lock);
    ck_assert_msg(rw_try_write_lock(&try_lock), "try_write on a free lock: expected true");
    ck_assert_msg(!in_other_thread(try_read_elsewhere),
                  "try_read while a writer holds the lock: expected false");
    ck_assert_msg(!in_other_thread(try_write_elsewhere),
                  "try_write while a writer holds the lock: expected false");
    rw_write_unlock(&try_lock);
    ck_assert_msg(in_other_thread(try_write_elsewhere),
                  "try_write after the writer unlocked: expected true");
}
END_TEST

static struct {
    rw_lock_t lock;
    atomic_int announced, done;
    pid_t tids[2];
} sleepers;

static void *sleeping_reader(void *arg)
{
    (void)arg;
    sleepers.tids[0] = test_gettid();
    atomic_fetch_add(&sleepers.announced, 1);
    rw_read_lock(&sleepers.lock);
    rw_read_unlock(&sleepers.lock);
    atomic_fetch_add(&sleepers.done, 1);
    return NULL;
}

static void *sleeping_writer(void *arg)
{
    (void)arg;
    sleepers.tids[1] = test_gettid();
    atomic_fetch_add(&sleepers.announced, 1);
    rw_write_lock(&sleepers.lock);
    rw_write_unlock(&sleepers.lock);
    atomic_fetch_add(&sleepers.done, 1);
    return NULL;
}

START_TEST(rw_waiter_sleeps)
{
    // While a writer holds the lock, a waiting reader and a waiting writer
    // sleep: each uses under 5% of a CPU; after the unlock both get in.
    memset(&sleepers, 0, sizeof sleepers);
    rw_init(&sleepers.lock);
    rw_write_lock(&sleepers.lock);
    pthread_t reader = test_thread(sleeping_reader, NULL);
    pthread_t writer = test_thread(sleeping_writer, NULL);
    while (atomic_load(&sleepers.announced) < 2)
        sched_yield();
    test_settle(0.02);
    double start[2] = { test_thread_cpu(reader), test_thread_cpu(writer) };
    double wall = test_patience(0.2);
    test_settle(0.2);
    double used[2] = { test_thread_cpu(reader) - start[0], test_thread_cpu(writer) - start[1] };
    rw_write_unlock(&sleepers.lock);
    bool finished = test_wait_progress(&sleepers.done, 2, 2, 1);
    ck_assert_msg(used[0] < 0.05 * wall && used[1] < 0.05 * wall,
                  "waiting threads used %.0f%% (reader) and %.0f%% (writer) of a CPU while the "
                  "lock was held: expected under 5%% (they must sleep, not spin)",
                  100 * used[0] / wall, 100 * used[1] / wall);
    ck_assert_msg(finished, "only %d of 2 waiters got the lock after the unlock: expected both",
                  atomic_load(&sleepers.done));
    pthread_join(reader, NULL);
    pthread_join(writer, NULL);
}
END_TEST

// ---- Task 2: Arc ----

static atomic_int destroyed;
static void *destroyed_data;

struct payload {
    long values[8];
    long total;
};

static long payload_sum(const struct payload *p)
{
    long sum = 0;
    for (int i = 0; i < 8; i++)
        sum += p->values[i];
    return sum;
}

// The destructor reads the object (as a real one frees what it points to),
// then poisons it, so an early free shows as a wrong sum.
static void payload_destroy(void *data)
{
    struct payload *p = data;
    if (payload_sum(p) != p->total)
        atomic_fetch_add(&destroyed, 1000);
    memset(p, 0xdd, sizeof *p);
    destroyed_data = data;
    atomic_fetch_add(&destroyed, 1);
}

static struct payload *payload_new(void)
{
    struct payload *p = arc_new(sizeof *p, payload_destroy);
    ck_assert_msg(p != NULL, "arc_new(%zu, destroy) returned NULL", sizeof *p);
    for (int i = 0; i < 8; i++)
        p->values[i] = 10 * i + 1;
    p->total = payload_sum(p);
    return p;
}

START_TEST(arc_new_is_zeroed_and_aligned)
{
    // arc_new returns zeroed data aligned for any type; one drop frees it.
    atomic_store(&destroyed, 0);
    for (size_t size = 1; size <= 100; size += 33) {
        unsigned char *data = arc_new(size, NULL);
        ck_assert_msg(data != NULL, "arc_new(%zu, NULL) returned NULL", size);
        ck_assert_msg((uintptr_t)data % alignof(max_align_t) == 0,
                      "arc_new(%zu) returned %p: expected a multiple of %zu", size, (void *)data,
                      alignof(max_align_t));
        for (size_t i = 0; i < size; i++)
            ck_assert_msg(data[i] == 0, "arc_new(%zu): byte %zu is %d, expected 0", size, i,
                          data[i]);
        memset(data, 0xab, size);
        arc_drop(data);
    }
}
END_TEST

START_TEST(arc_last_drop_destroys)
{
    // new, 3 clones, 3 drops: no destructor yet; the fourth drop runs it
    // once, on the same pointer, with the contents intact.
    atomic_store(&destroyed, 0);
    destroyed_data = NULL;
    struct payload *p = payload_new();
    for (int i = 0; i < 3; i++)
        ck_assert_msg(arc_clone(p) == p, "arc_clone returned another pointer than it was given");
    for (int i = 0; i < 3; i++) {
        arc_drop(p);
        ck_assert_msg(atomic_load(&destroyed) == 0,
                      "the destructor ran at drop %d of 4, while %d owners remained", i + 1,
                      3 - i);
        ck_assert_msg(payload_sum(p) == p->total, "the data changed while it was owned");
    }
    arc_drop(p);
    int runs = atomic_load(&destroyed);
    ck_assert_msg(runs < 1000, "the destructor saw changed contents");
    ck_assert_msg(runs == 1, "the last drop ran the destructor %d times: expected once", runs);
    ck_assert_msg(destroyed_data == p, "the destructor got %p: expected the data pointer %p",
                  destroyed_data, (void *)p);
}
END_TEST

enum { SHARERS = 4 };

static struct {
    struct payload *object;
    long rounds;
    atomic_int turn;       // whose final drop is next, -1 until main has dropped its own
                           // (relaxed: it orders nothing)
    atomic_long bad_reads;
} share;

// Each worker owns one reference: it clones and drops in a loop while the
// others do the same, then drops its own reference in turn.  The turn is
// kept with relaxed atomics on purpose: it orders no memory, so the only
// thing that can make a worker's reads happen before the destructor is the
// Arc's own drop (TSan checks exactly that).
static void *share_worker(void *arg)
{
    int index = (int)(intptr_t)arg;
    struct payload *own = share.object;
    for (long i = 0; i < share.rounds; i++) {
        struct payload *copy = arc_clone(own);
        if (payload_sum(copy) != copy->total)
            atomic_fetch_add(&share.bad_reads, 1);
        arc_drop(copy);
    }
    while (atomic_load_explicit(&share.turn, memory_order_relaxed) != index)
        sched_yield();
    if (payload_sum(own) != own->total)
        atomic_fetch_add(&share.bad_reads, 1);
    arc_drop(own);
    atomic_store_explicit(&share.turn, index + 1, memory_order_relaxed);
    return NULL;
}

START_TEST(arc_shared_across_threads)
{
    // 4 threads each own a reference and clone and drop it many times, then
    // drop theirs one after another: every read sees the data, the last
    // drop (by a thread) runs the destructor exactly once, and under TSan
    // every read happens before it.
    memset(&share, 0, sizeof share);
    atomic_store(&share.turn, -1);
    atomic_store(&destroyed, 0);
    share.rounds = lk_scaled(20000, 20, 5);
    share.object = payload_new();
    for (int i = 0; i < SHARERS; i++)
        arc_clone(share.object);
    pthread_t threads[SHARERS];
    for (int i = 0; i < SHARERS; i++)
        threads[i] = test_thread(share_worker, (void *)(intptr_t)i);
    // The workers are the owners now; one of them, not this thread, drops
    // last, so no join orders its reads before the destructor.
    arc_drop(share.object);
    atomic_store_explicit(&share.turn, 0, memory_order_relaxed);
    for (int i = 0; i < SHARERS; i++)
        pthread_join(threads[i], NULL);
    ck_assert_msg(atomic_load(&share.bad_reads) == 0,
                  "owners read changed data %ld times: expected never (freed too early?)",
                  atomic_load(&share.bad_reads));
    int runs = atomic_load(&destroyed);
    ck_assert_msg(runs < 1000, "the destructor saw changed contents");
    ck_assert_msg(runs == 1, "the destructor ran %d times: expected once, at the last drop", runs);
}
END_TEST

Suite *lk_suite(void)
{
    return LK_SUITE("ownership", LK_TEST(rw_readers_share),
                    LK_TEST(rw_write_unlock_wakes_all_readers), LK_TEST(rw_writer_excludes),
                    LK_TEST(rw_trylock_semantics), LK_TEST(rw_waiter_sleeps),
                    LK_TEST(arc_new_is_zeroed_and_aligned), LK_TEST(arc_last_drop_destroys),
                    LK_TEST(arc_shared_across_threads));
}
