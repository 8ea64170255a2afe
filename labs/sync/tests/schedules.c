// Public forced-schedule tests of the sync lab: small scenarios under the explore scheduler.
//
// These cases exist only in the explore build (-DLK_EXPLORE), where every
// lk_ operation is a scheduling point; lab.conf runs them with tools=explore.
// labs/common/README.md explains the scheduler, its reports and replaying.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "labkit_check.h"
#include "lk_sched.h"
#include "sync.h"

#ifdef LK_EXPLORE

// Every scenario runs every schedule with at most 2 preemptions (tens to
// about two thousand runs of half a millisecond), then PCT seeds 1-50.  The
// search is deterministic, so a broken primitive fails on every run of the
// test, and the report shows its smallest failing schedule.
static const struct lk_explore_opts explore_opts = {
    .strategies = LK_SYSTEMATIC | LK_PCT, .preemptions = 2, .max_schedules = 10000,
    .max_seconds = 10,
    .seeds = 50, .step_budget = 20000, .pct_depth = 3
};

static void explore(const char *name, void (*scenario)(void *))
{
    char *report = NULL;
    int failed = lk_explore(name, scenario, NULL, &explore_opts, &report);
    ck_assert_msg(failed == 0, "%d forced schedules failed: expected none.\n%s", failed,
                  report ? report : "");
    free(report);
}

// A critical section the scheduler can interrupt: `inside` goes through the
// layer, so every schedule can try to run another thread in the middle.
struct explore_lock_scene {
    sync_spinlock_t spin;
    sync_mutex_t mutex;
    atomic_uint inside;
    int counter;
};

static void explore_critical_section(struct explore_lock_scene *scene)
{
    unsigned before = lk_atomic_fetch_add(&scene->inside, 1);
    lk_explore_check(before == 0, "two threads inside the critical section at once");
    scene->counter++;
    lk_atomic_fetch_sub(&scene->inside, 1);
}

static void *explore_spin_thread(void *arg)
{
    for (int i = 0; i < 2; i++) {
        sync_spin_lock(&((struct explore_lock_scene *)arg)->spin);
        explore_critical_section(arg);
        sync_spin_unlock(&((struct explore_lock_scene *)arg)->spin);
    }
    return NULL;
}

static void *explore_mutex_thread(void *arg)
{
    for (int i = 0; i < 2; i++) {
        sync_mutex_lock(&((struct explore_lock_scene *)arg)->mutex);
        explore_critical_section(arg);
        sync_mutex_unlock(&((struct explore_lock_scene *)arg)->mutex);
    }
    return NULL;
}

// Three threads take the lock twice each; afterwards the counter says 6.
static void explore_three_lockers(void *(*thread)(void *))
{
    struct explore_lock_scene scene;
    memset(&scene, 0, sizeof scene);
    sync_spin_init(&scene.spin);
    sync_mutex_init(&scene.mutex);
    lk_explore_name(&scene.spin.locked, "spin.locked");
    lk_explore_name(&scene.mutex.state, "mutex.state");
    lk_explore_name(&scene.inside, "inside");
    lk_thread_t threads[3];
    for (int i = 0; i < 3; i++)
        lk_thread_create(&threads[i], thread, &scene);
    for (int i = 0; i < 3; i++)
        lk_thread_join(threads[i], NULL);
    lk_explore_check(scene.counter == 6, "counter: expected 6, got %d", scene.counter);
}

static void explore_spin_scenario(void *arg)
{
    (void)arg;
    explore_three_lockers(explore_spin_thread);
}

static void explore_mutex_scenario(void *arg)
{
    (void)arg;
    explore_three_lockers(explore_mutex_thread);
}

START_TEST(explore_spin_excludes)
{
    // Forced schedules: 3 threads take the spinlock twice each; in every
    // schedule with at most 2 preemptions no two are ever inside at once.
    explore("spin_excludes", explore_spin_scenario);
}
END_TEST

START_TEST(explore_mutex_excludes)
{
    // Forced schedules: 3 threads take the mutex twice each; in every schedule
    // no two are inside at once and no waiter sleeps forever.
    explore("mutex_excludes", explore_mutex_scenario);
}
END_TEST

struct explore_cond_scene {
    sync_mutex_t mutex;
    sync_cond_t cond;
    int flag; // protected by mutex
};

static void *explore_cond_waiter(void *arg)
{
    struct explore_cond_scene *scene = arg;
    sync_mutex_lock(&scene->mutex);
    while (!scene->flag)
        sync_cond_wait(&scene->cond, &scene->mutex);
    sync_mutex_unlock(&scene->mutex);
    return NULL;
}

static void *explore_cond_signaller(void *arg)
{
    struct explore_cond_scene *scene = arg;
    sync_mutex_lock(&scene->mutex);
    scene->flag = 1;
    sync_cond_signal(&scene->cond);
    sync_mutex_unlock(&scene->mutex);
    return NULL;
}

static void explore_cond_scenario(void *arg)
{
    (void)arg;
    struct explore_cond_scene scene;
    memset(&scene, 0, sizeof scene);
    sync_mutex_init(&scene.mutex);
    sync_cond_init(&scene.cond);
    lk_explore_name(&scene.mutex.state, "mutex.state");
    lk_explore_name(&scene.cond.seq, "cond.seq");
    lk_thread_t waiter, signaller;
    lk_thread_create(&waiter, explore_cond_waiter, &scene);
    lk_thread_create(&signaller, explore_cond_signaller, &scene);
    lk_thread_join(waiter, NULL);
    lk_thread_join(signaller, NULL);
}

START_TEST(explore_cond_signal)
{
    // Forced schedules: one thread waits for a flag, another sets it and
    // signals; in every schedule the waiter wakes (no lost wake-up, no deadlock).
    explore("cond_signal", explore_cond_scenario);
}
END_TEST
#endif

Suite *lk_suite(void)
{
    Suite *suite = suite_create("sync-schedules");
#ifdef LK_EXPLORE
    LK_ADD(suite, explore_spin_excludes);
    LK_ADD(suite, explore_mutex_excludes);
    LK_ADD(suite, explore_cond_signal);
#endif
    return suite;
}
