// Forced-schedule tests of the ownership lab: small scenarios under the explore scheduler.
//
// These cases exist only in the explore build (-DLK_EXPLORE), where every
// lk_ operation is a scheduling point; lab.conf runs them with tools=explore.
// A seed fixes the schedule, so a lock that fails on some of these seeds
// fails on every run of the test.  labs/common/README.md explains reports
// and replaying one seed.
#include <stdlib.h>
#include <string.h>

#include "labkit_check.h"
#include "lk_sched.h"
#include "ownership.h"

#ifdef LK_EXPLORE

static void explore_with(const char *name, void (*scenario)(void *), void *arg, int strategies)
{
    const struct lk_explore_opts opts = {
        .seeds = 50, .strategies = strategies, .step_budget = 20000, .pct_depth = 3
    };
    char *report = NULL;
    int failed = lk_explore(name, scenario, arg, &opts, &report);
    // The report counts the runs (a search may stop early after a failure).
    ck_assert_msg(failed == 0, "forced schedules failed: expected none.\n%s", report ? report : "");
    free(report);
}

static void explore(const char *name, void (*scenario)(void *), int strategies)
{
    explore_with(name, scenario, NULL, strategies);
}

// ---- A writer never with anyone ----

struct rw_scene {
    rw_lock_t lock;
    atomic_uint readers, writers; // inside now, through the layer so a switch can land between
    atomic_uint entries;          // read sections begun
    atomic_uint writer_waiting;   // the writer has announced itself
    unsigned entries_before_writer, entries_when_writer_in;
    int value;
};

static void scene_init(struct rw_scene *scene)
{
    memset(scene, 0, sizeof *scene);
    rw_init(&scene->lock);
    lk_explore_name(&scene->lock.state, "lock.state");
    lk_explore_name(&scene->lock.readers_seq, "lock.readers_seq");
    lk_explore_name(&scene->lock.writers_seq, "lock.writers_seq");
    lk_explore_name(&scene->readers, "readers");
    lk_explore_name(&scene->writers, "writers");
}

static void *excl_reader(void *arg)
{
    struct rw_scene *scene = arg;
    for (int i = 0; i < 2; i++) {
        rw_read_lock(&scene->lock);
        lk_atomic_fetch_add(&scene->readers, 1);
        lk_explore_check(lk_atomic_load(&scene->writers) == 0, "a reader inside with a writer");
        lk_atomic_fetch_sub(&scene->readers, 1);
        rw_read_unlock(&scene->lock);
    }
    return NULL;
}

static void *excl_writer(void *arg)
{
    struct rw_scene *scene = arg;
    for (int i = 0; i < 2; i++) {
        rw_write_lock(&scene->lock);
        unsigned before = lk_atomic_fetch_add(&scene->writers, 1);
        lk_explore_check(before == 0, "two writers inside at once");
        lk_explore_check(lk_atomic_load(&scene->readers) == 0, "a writer inside with a reader");
        scene->value++;
        lk_atomic_fetch_sub(&scene->writers, 1);
        rw_write_unlock(&scene->lock);
    }
    return NULL;
}

static void excl_scenario(void *arg)
{
    (void)arg;
    struct rw_scene scene;
    scene_init(&scene);
    lk_thread_t threads[4];
    for (int i = 0; i < 4; i++)
        lk_thread_create(&threads[i], i < 2 ? excl_writer : excl_reader, &scene);
    for (int i = 0; i < 4; i++)
        lk_thread_join(threads[i], NULL);
    lk_explore_check(scene.value == 4, "writes: expected 4, got %d", scene.value);
}

START_TEST(explore_rw_excludes)
{
    // Forced schedules: 2 writers and 2 readers take the lock twice each; on
    // every seed a writer is alone inside, and nobody is left asleep.
    explore("rw_excludes", excl_scenario, LK_RANDOM | LK_PCT);
}
END_TEST

// ---- Readers together after a writer ----

static void *meeting_reader(void *arg)
{
    struct rw_scene *scene = arg;
    rw_read_lock(&scene->lock);
    lk_atomic_fetch_add(&scene->readers, 1);
    // Wait inside for the other reader.  If the lock never lets both in,
    // this spins to the step budget and the run fails.
    while (lk_atomic_load(&scene->readers) < 2)
        lk_yield();
    rw_read_unlock(&scene->lock);
    return NULL;
}

static void meeting_scenario(void *arg)
{
    (void)arg;
    struct rw_scene scene;
    scene_init(&scene);
    rw_write_lock(&scene.lock);
    lk_thread_t threads[2];
    for (int i = 0; i < 2; i++)
        lk_thread_create(&threads[i], meeting_reader, &scene);
    // Let the readers run into the held lock before the unlock.
    for (int i = 0; i < 6; i++)
        lk_yield();
    rw_write_unlock(&scene.lock);
    for (int i = 0; i < 2; i++)
        lk_thread_join(threads[i], NULL);
}

START_TEST(explore_rw_readers_together)
{
    // Forced schedules: 2 readers wait for a writer; after its unlock both
    // are inside together on every seed (nobody left asleep).
    explore("rw_readers_together", meeting_scenario, LK_RANDOM | LK_PCT);
}
END_TEST

// ---- The writer gets in while readers keep coming ----

enum { STREAM_ROUNDS = 12, STREAM_BOUND = 6 };

// Two readers pass the lock hand over hand: each stays inside until the
// other is inside too, or has waited a while (it may be blocked behind the
// writer), so with a lock that lets readers pass a waiting writer, the read
// count never drops to zero.
static void *stream_reader(void *arg)
{
    struct rw_scene *scene = arg;
    for (int i = 0; i < STREAM_ROUNDS; i++) {
        rw_read_lock(&scene->lock);
        lk_atomic_fetch_add(&scene->entries, 1);
        unsigned now = lk_atomic_fetch_add(&scene->readers, 1) + 1;
        for (int spins = 0; now < 2 && spins < 40; spins++) {
            lk_yield();
            now = lk_atomic_load(&scene->readers);
        }
        lk_atomic_fetch_sub(&scene->readers, 1);
        rw_read_unlock(&scene->lock);
    }
    return NULL;
}

static void *stream_writer(void *arg)
{
    struct rw_scene *scene = arg;
    // Wait until the stream is flowing, then ask for the lock.
    while (lk_atomic_load(&scene->entries) < 2)
        lk_yield();
    scene->entries_before_writer = lk_atomic_load(&scene->entries);
    rw_write_lock(&scene->lock);
    scene->entries_when_writer_in = lk_atomic_load(&scene->entries);
    rw_write_unlock(&scene->lock);
    return NULL;
}

static void stream_scenario(void *arg)
{
    (void)arg;
    struct rw_scene scene;
    scene_init(&scene);
    lk_explore_name(&scene.entries, "entries");
    lk_thread_t threads[3];
    for (int i = 0; i < 2; i++)
        lk_thread_create(&threads[i], stream_reader, &scene);
    lk_thread_create(&threads[2], stream_writer, &scene);
    for (int i = 0; i < 3; i++)
        lk_thread_join(threads[i], NULL);
    unsigned passed = scene.entries_when_writer_in - scene.entries_before_writer;
    lk_explore_check(passed <= STREAM_BOUND,
                     "%u read sections began while the writer waited: expected at most %d "
                     "(readers that arrive while a writer waits must wait too)",
                     passed, STREAM_BOUND);
}

START_TEST(explore_writer_not_starved)
{
    // Forced schedules (random): 2 readers keep the lock read-held hand over
    // hand; a writer asking for it gets in before more than 6 further read
    // sections begin.
    explore("writer_not_starved", stream_scenario, LK_RANDOM);
}
END_TEST

// ---- Arc: two last drops race ----

struct arc_scene {
    atomic_uint owners; // references not yet dropped, kept by the test
    atomic_uint destroyed;
    long *data;
};

static struct arc_scene *arc_scene_now;

static void counted_destroy(void *data)
{
    struct arc_scene *scene = arc_scene_now;
    lk_explore_check(data == scene->data, "the destructor got another pointer than arc_new's");
    lk_explore_check(lk_atomic_load(&scene->owners) == 0,
                     "the destructor ran while %u owners had not dropped yet",
                     lk_atomic_load(&scene->owners));
    lk_atomic_fetch_add(&scene->destroyed, 1);
}

static void *arc_dropper(void *arg)
{
    long *data = arg;
    lk_explore_check(*data == 42, "an owner read %ld: expected 42", *data);
    lk_atomic_fetch_sub(&arc_scene_now->owners, 1);
    arc_drop(data);
    return NULL;
}

static void arc_scenario(void *arg)
{
    (void)arg;
    struct arc_scene scene;
    memset(&scene, 0, sizeof scene);
    arc_scene_now = &scene;
    lk_explore_name(&scene.owners, "owners");
    scene.data = arc_new(sizeof(long), counted_destroy);
    lk_explore_check(scene.data != NULL, "arc_new returned NULL");
    *scene.data = 42;
    atomic_init(&scene.owners, 2);
    arc_clone(scene.data);
    lk_thread_t threads[2];
    for (int i = 0; i < 2; i++)
        lk_thread_create(&threads[i], arc_dropper, scene.data);
    for (int i = 0; i < 2; i++)
        lk_thread_join(threads[i], NULL);
    unsigned runs = lk_atomic_load(&scene.destroyed);
    lk_explore_check(runs == 1, "the destructor ran %u times: expected exactly once", runs);
}

START_TEST(explore_arc_two_drops)
{
    // Forced schedules: two threads drop the last two references at once;
    // on every seed the destructor runs exactly once, after both drops began.
    explore("arc_two_drops", arc_scenario, LK_RANDOM | LK_PCT);
}
END_TEST

// ---- Snapshots: a publish against readers ----

enum { SNAP_ENTRIES = 3, SNAP_UPDATES = 3 };

// Fill a new version one entry at a time, with a scheduling point between
// entries: a version readers can see before it is complete is caught
// half-built on some schedule.
static void slow_set_all(long *values, size_t length, void *arg)
{
    long value = *(const long *)arg;
    for (size_t i = 0; i < length; i++) {
        values[i] = value;
        lk_yield();
    }
}

static void check_whole(const struct snapshot *s, const char *when)
{
    lk_explore_check(s->length == SNAP_ENTRIES, "%s: length %zu, expected %d", when, s->length,
                     SNAP_ENTRIES);
    for (size_t i = 0; i < SNAP_ENTRIES; i++)
        lk_explore_check(s->values[i] == (long)s->version - 1,
                         "%s: version %lu has entry %zu = %ld, expected %lu (half-built, or "
                         "freed and reused while held)",
                         when, s->version, i, s->values[i], s->version - 1);
}

// Each round takes the current version afresh (every snapshot_get is a
// chance to race a publish), checks it, holds it while others run, checks
// it again and lets go; the last round moves on by snapshot_refresh.
static void *snap_reader(void *arg)
{
    snapshot_table_t *table = arg;
    const struct snapshot *held = snapshot_get(table);
    for (int round = 0; round < 4; round++) {
        check_whole(held, "a reader just after taking it");
        unsigned long version = held->version;
        // Hold it while the writer goes on: it must stay as it was.
        lk_yield();
        lk_yield();
        lk_explore_check(held->version == version,
                         "a version changed from %lu to %lu while a reader held it (freed and "
                         "reused?)",
                         version, held->version);
        check_whole(held, "a reader holding it");
        if (round < 2) {
            snapshot_release(held);
            held = snapshot_get(table);
        } else {
            held = snapshot_refresh(table, held);
        }
    }
    snapshot_release(held);
    return NULL;
}

static void quick_set_all(long *values, size_t length, void *arg)
{
    for (size_t i = 0; i < length; i++)
        values[i] = *(const long *)arg;
}

static void (*snap_fill)(long *values, size_t length, void *arg);

static void *snap_writer(void *arg)
{
    snapshot_table_t *table = arg;
    for (long n = 1; n <= SNAP_UPDATES; n++)
        lk_explore_check(snapshot_update(table, snap_fill, &n), "snapshot_update failed");
    return NULL;
}

static void snap_scenario(void *arg)
{
    snap_fill = arg;
    snapshot_table_t table;
    lk_explore_check(snapshot_init(&table, SNAP_ENTRIES), "snapshot_init failed");
    lk_explore_name(&table.current, "table.current");
    lk_explore_name(&table.swap.state, "table.swap.state");
    lk_explore_name(&table.writers.state, "table.writers.state");
    lk_thread_t threads[3];
    lk_thread_create(&threads[0], snap_writer, &table);
    for (int i = 1; i < 3; i++)
        lk_thread_create(&threads[i], snap_reader, &table);
    for (int i = 0; i < 3; i++)
        lk_thread_join(threads[i], NULL);
    const struct snapshot *last = snapshot_get(&table);
    lk_explore_check(last->version == SNAP_UPDATES + 1, "after %d updates: version %lu",
                     SNAP_UPDATES, last->version);
    check_whole(last, "the last version");
    snapshot_release(last);
    snapshot_destroy(&table);
}

START_TEST(explore_snap_publish_vs_readers)
{
    // Forced schedules: a writer publishes 3 versions, filling each one
    // entry at a time, while 2 readers take, hold and refresh versions: no
    // reader sees a version half-built, or changing while it holds it.
    // A writer that fills at once spends more of its steps publishing and
    // dropping the old version: more chances for a reader's get to race it.
    explore_with("snap_quick_fill", snap_scenario, quick_set_all, LK_RANDOM | LK_PCT);
    explore_with("snap_slow_fill", snap_scenario, slow_set_all, LK_RANDOM | LK_PCT);
}
END_TEST
#endif

Suite *lk_suite(void)
{
    Suite *suite = suite_create("ownership-schedules");
#ifdef LK_EXPLORE
    LK_ADD(suite, explore_rw_excludes);
    LK_ADD(suite, explore_rw_readers_together);
    LK_ADD(suite, explore_writer_not_starved);
    LK_ADD(suite, explore_arc_two_drops);
    LK_ADD(suite, explore_snap_publish_vs_readers);
#endif
    return suite;
}
