// Public tests of the ownership lab's tasks 3 and 4: the copy-on-write table and the borrow checker.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "labkit_check.h"
#include "lk_suite.h"
#include "ownership.h"
#include "ownership_test.h"

// ---- Task 3: snapshots ----

enum { ENTRIES = 16 };

// An update that sets every entry to the same number: a reader that finds
// two different numbers in one version saw it half-built.
static void set_all(long *values, size_t length, void *arg)
{
    long value = *(const long *)arg;
    for (size_t i = 0; i < length; i++)
        values[i] = value;
}

static void set_to_index(long *values, size_t length, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < length; i++)
        values[i] = (long)i + 1;
}

static void assert_all(const struct snapshot *s, unsigned long version, long value,
                       const char *what)
{
    ck_assert_msg(s != NULL, "%s: got NULL", what);
    ck_assert_msg(s->version == version, "%s: version %lu, expected %lu", what, s->version,
                  version);
    ck_assert_msg(s->length == ENTRIES, "%s: length %zu, expected %d", what, s->length, ENTRIES);
    for (size_t i = 0; i < s->length; i++)
        ck_assert_msg(s->values[i] == value, "%s: entry %zu is %ld, expected %ld", what, i,
                      s->values[i], value);
}

START_TEST(snap_copy_on_write)
{
    // A published version never changes: after an update, a reader still
    // holding version 1 sees it as it was, and snapshot_get returns version 2
    // with the update in it.
    snapshot_table_t table;
    ck_assert_msg(snapshot_init(&table, ENTRIES), "snapshot_init(%d) returned false", ENTRIES);
    const struct snapshot *first = snapshot_get(&table);
    assert_all(first, 1, 0, "version 1 after snapshot_init");
    ck_assert_msg(snapshot_update(&table, set_to_index, NULL), "snapshot_update returned false");
    const struct snapshot *second = snapshot_get(&table);
    ck_assert_msg(second != first, "snapshot_get after an update returned the old version");
    ck_assert_msg(second->version == 2, "after one update: version %lu, expected 2",
                  second->version);
    for (size_t i = 0; i < ENTRIES; i++)
        ck_assert_msg(second->values[i] == (long)i + 1, "version 2: entry %zu is %ld, expected %zu",
                      i, second->values[i], i + 1);
    assert_all(first, 1, 0, "version 1, held by a reader during the update");
    snapshot_release(first);
    snapshot_release(second);
    snapshot_destroy(&table);
}
END_TEST

START_TEST(snap_old_version_outlives_publish)
{
    // A reader holds version 1 across 3 updates and the table's destruction:
    // it stays readable until released (memcheck: no read of freed
    // memory), refresh moves a reader to the latest version, and in the end
    // every version is freed (memcheck: no leak).
    snapshot_table_t table;
    ck_assert_msg(snapshot_init(&table, ENTRIES), "snapshot_init(%d) returned false", ENTRIES);
    const struct snapshot *old = snapshot_get(&table);
    const struct snapshot *latest = snapshot_get(&table);
    ck_assert_msg(snapshot_refresh(&table, latest) == latest,
                  "snapshot_refresh of the current version returned another one");
    for (long n = 1; n <= 3; n++)
        ck_assert_msg(snapshot_update(&table, set_all, &n), "snapshot_update returned false");
    latest = snapshot_refresh(&table, latest);
    assert_all(latest, 4, 3, "snapshot_refresh after 3 updates");
    snapshot_destroy(&table);
    assert_all(old, 1, 0, "version 1, held across 3 updates and snapshot_destroy");
    assert_all(latest, 4, 3, "version 4, held across snapshot_destroy");
    snapshot_release(old);
    snapshot_release(latest);
}
END_TEST

static struct {
    snapshot_table_t table;
    unsigned long last_version;
    atomic_long half_built, changed, versions_seen;
    atomic_int done;
} share;

// Read the latest version over and over until the last one is out; each
// version must be whole (all entries equal, one less than its number) and
// must not change while held.
static void *snap_reader(void *arg)
{
    (void)arg;
    const struct snapshot *held = snapshot_get(&share.table);
    unsigned long seen = 0;
    for (;;) {
        long first = held->values[0];
        for (size_t i = 0; i < held->length; i++)
            if (held->values[i] != first || first != (long)held->version - 1)
                atomic_fetch_add_explicit(&share.half_built, 1, memory_order_relaxed);
        if (held->version != seen)
            atomic_fetch_add_explicit(&share.versions_seen, 1, memory_order_relaxed);
        seen = held->version;
        sched_yield();
        if (held->version != seen || held->values[held->length - 1] != first)
            atomic_fetch_add_explicit(&share.changed, 1, memory_order_relaxed);
        if (seen == share.last_version)
            break;
        held = snapshot_refresh(&share.table, held);
    }
    snapshot_release(held);
    atomic_fetch_add(&share.done, 1);
    return NULL;
}

START_TEST(snap_readers_see_whole_versions)
{
    // 2 readers keep reading the latest version while a writer publishes
    // many: no reader sees a version half-built or changing while it holds
    // it, and (TSan) every read of a version happens after its writes.
    memset(&share, 0, sizeof share);
    ck_assert_msg(snapshot_init(&share.table, ENTRIES), "snapshot_init returned false");
    long updates = lk_scaled(2000, 40, 10);
    share.last_version = (unsigned long)updates + 1;
    pthread_t readers[2];
    for (int i = 0; i < 2; i++)
        readers[i] = test_thread(snap_reader, NULL);
    for (long n = 1; n <= updates; n++) {
        ck_assert_msg(snapshot_update(&share.table, set_all, &n), "snapshot_update returned false");
        if (n % 64 == 0)
            sched_yield(); // let the readers see a few versions
    }
    bool finished = test_wait_progress(&share.done, 2, 5, 1);
    ck_assert_msg(finished, "only %d of 2 readers reached the last version",
                  atomic_load(&share.done));
    for (int i = 0; i < 2; i++)
        pthread_join(readers[i], NULL);
    snapshot_destroy(&share.table);
    ck_assert_msg(atomic_load(&share.half_built) == 0,
                  "readers saw a half-built version %ld times: expected never (a version is "
                  "published only once it is complete)",
                  atomic_load(&share.half_built));
    ck_assert_msg(atomic_load(&share.changed) == 0,
                  "a version changed %ld times while a reader held it: expected never (freed "
                  "and reused while read?)",
                  atomic_load(&share.changed));
}
END_TEST

static struct {
    snapshot_table_t table;
    atomic_int writer_inside, reader_done;
    unsigned long reader_saw;
    bool reader_in_time;
} slow;

// The writer's update: stay inside until the reader has taken and let go
// of a version (bounded: a reader that waits for the writer never does).
static void wait_for_reader(long *values, size_t length, void *arg)
{
    set_all(values, length, arg);
    atomic_store(&slow.writer_inside, 1);
    slow.reader_in_time = test_wait_progress(&slow.reader_done, 1, 2, 1);
}

static void *slow_writer(void *arg)
{
    (void)arg;
    long value = 1;
    snapshot_update(&slow.table, wait_for_reader, &value);
    return NULL;
}

START_TEST(snap_get_does_not_wait_for_writer)
{
    // While a writer is inside snapshot_update (its update function runs),
    // snapshot_get still returns at once, with the version before it.
    memset(&slow, 0, sizeof slow);
    ck_assert_msg(snapshot_init(&slow.table, ENTRIES), "snapshot_init returned false");
    pthread_t writer = test_thread(slow_writer, NULL);
    while (atomic_load(&slow.writer_inside) == 0)
        sched_yield();
    const struct snapshot *during = snapshot_get(&slow.table);
    slow.reader_saw = during->version;
    snapshot_release(during);
    atomic_store(&slow.reader_done, 1);
    pthread_join(writer, NULL);
    const struct snapshot *after = snapshot_get(&slow.table);
    unsigned long version_after = after->version;
    snapshot_release(after);
    snapshot_destroy(&slow.table);
    ck_assert_msg(slow.reader_in_time,
                  "snapshot_get waited for a writer still building its version: expected it "
                  "to return the current version at once");
    ck_assert_msg(slow.reader_saw == 1,
                  "snapshot_get during the first update returned version %lu: expected 1 (the "
                  "new one is not published yet)",
                  slow.reader_saw);
    ck_assert_msg(version_after == 2, "after the update: version %lu, expected 2", version_after);
}
END_TEST

// ---- Task 4: the borrow checker ----

START_TEST(borrow_legal_patterns)
{
    // Legal borrows never abort: 8 shared borrows at once, released in any
    // order; a mutable borrow once they are gone; shared again after it;
    // borrows of two cells are independent.  Each borrow gives the cell's
    // value, and a release sets it to NULL.
    long a = 1, b = 2;
    cell_t ca, cb;
    cell_init(&ca, &a);
    cell_init(&cb, &b);
    borrow_t shared[CELL_MAX_SHARED];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < CELL_MAX_SHARED; i++) {
            shared[i] = borrow(&ca);
            ck_assert_msg(shared[i].value == &a, "borrow %d gave %p, expected the value %p", i,
                          shared[i].value, (void *)&a);
        }
        // Release odd ones first, then even ones: not in the order taken.
        for (int i = 1; i < CELL_MAX_SHARED; i += 2)
            borrow_release(&shared[i]);
        borrow_t again = borrow(&ca); // a slot freed by a release is usable
        borrow_release(&again);
        for (int i = 0; i < CELL_MAX_SHARED; i += 2)
            borrow_release(&shared[i]);
        for (int i = 0; i < CELL_MAX_SHARED; i++)
            ck_assert_msg(shared[i].value == NULL, "a released borrow still has its value");
        borrow_t writer = borrow_mut(&ca);
        ck_assert_msg(writer.value == &a, "borrow_mut gave %p, expected %p", writer.value,
                      (void *)&a);
        borrow_t other = borrow(&cb); // another cell: no conflict
        borrow_t other_too = borrow(&cb);
        *(long *)writer.value += *(long *)other.value;
        borrow_release(&other);
        borrow_release(&other_too);
        borrow_release(&writer);
        borrow_t other_writer = borrow_mut(&cb);
        borrow_release(&other_writer);
    }
    ck_assert_msg(a == 5, "a: expected 5, got %ld", a);
}
END_TEST

static long guarded;
static cell_t death_cell;
static char first_site[128], second_site[128];

#define SITE(buffer) snprintf((buffer), sizeof(buffer), "%s:%d", __FILE__, __LINE__)

static void mut_while_shared(void)
{
    SITE(first_site), (void)borrow(&death_cell);
    SITE(second_site), (void)borrow_mut(&death_cell);
}

static void shared_while_mut(void)
{
    SITE(first_site), (void)borrow_mut(&death_cell);
    SITE(second_site), (void)borrow(&death_cell);
}

static void mut_twice(void)
{
    SITE(first_site), (void)borrow_mut(&death_cell);
    SITE(second_site), (void)borrow_mut(&death_cell);
}

// Run an illegal pattern on a fresh cell: it must abort, and its message
// must name where both borrows were taken.
static void assert_dies_naming_both(void (*pattern)(void), const char *what)
{
    char text[1024];
    cell_init(&death_cell, &guarded);
    first_site[0] = second_site[0] = '\0';
    bool aborted = test_aborts(pattern, text, sizeof text);
    ck_assert_msg(aborted, "%s: expected abort(), but the borrow was allowed%s%s", what,
                  text[0] ? "; it printed: " : "", text);
    ck_assert_msg(test_names_site(text, second_site),
                  "%s: the message must name the new borrow (%s), got: \"%s\"", what, second_site,
                  text);
    ck_assert_msg(test_names_site(text, first_site),
                  "%s: the message must name the borrow already held (%s), got: \"%s\"", what,
                  first_site, text);
}

START_TEST(borrow_mut_while_shared_aborts)
{
    // A mutable borrow while a shared one is held aborts, and the message
    // names where each of the two borrows was taken.
    assert_dies_naming_both(mut_while_shared, "borrow_mut while a shared borrow is held");
}
END_TEST

START_TEST(borrow_shared_while_mut_aborts)
{
    // A shared borrow while the mutable one is held aborts, naming both.
    assert_dies_naming_both(shared_while_mut, "borrow while a mutable borrow is held");
}
END_TEST

START_TEST(borrow_mut_twice_aborts)
{
    // A second mutable borrow aborts, naming both.
    assert_dies_naming_both(mut_twice, "a second borrow_mut");
}
END_TEST

Suite *lk_suite(void)
{
    return LK_SUITE("ownership-sharing", LK_TEST(snap_copy_on_write),
                    LK_TEST(snap_old_version_outlives_publish),
                    LK_TEST(snap_readers_see_whole_versions),
                    LK_TEST(snap_get_does_not_wait_for_writer), LK_TEST(borrow_legal_patterns),
                    LK_TEST(borrow_mut_while_shared_aborts),
                    LK_TEST(borrow_shared_while_mut_aborts), LK_TEST(borrow_mut_twice_aborts));
}
