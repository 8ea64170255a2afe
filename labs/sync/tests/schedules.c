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
#include "lk_suite.h"
#include "sync.h"
#include "sync_test.h"

#ifdef LK_EXPLORE

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
    // Forced schedules: 3 threads take the spinlock twice each; on every
    // seed no two are ever inside at once.
    sync_explore("spin_excludes", explore_spin_scenario);
}
END_TEST

START_TEST(explore_mutex_excludes)
{
    // Forced schedules: 3 threads take the mutex twice each; on every seed
    // no two are inside at once and no waiter sleeps forever.
    sync_explore("mutex_excludes", explore_mutex_scenario);
}
END_TEST

// Two players take turns through one condition variable: each waits for
// its turn, moves, and signals the other.  Every signal is needed: one that
// is lost leaves both asleep, which the scheduler reports as a deadlock.
// Many moves give a schedule many chances to slip between a waiter's check
// and its sleep, or between a signal's wake-up and its sequence bump.
enum { TURN_MOVES = 20 };

struct explore_cond_scene {
    sync_mutex_t mutex;
    sync_cond_t cond;
    int turn; // protected by mutex: player turn % 2 moves next
};

static void explore_player(struct explore_cond_scene *scene, int me)
{
    for (int move = 0; move < TURN_MOVES; move++) {
        sync_mutex_lock(&scene->mutex);
        while (scene->turn % 2 != me)
            sync_cond_wait(&scene->cond, &scene->mutex);
        scene->turn++;
        sync_cond_signal(&scene->cond);
        sync_mutex_unlock(&scene->mutex);
    }
}

static void *explore_player_0(void *arg)
{
    explore_player(arg, 0);
    return NULL;
}

static void *explore_player_1(void *arg)
{
    explore_player(arg, 1);
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
    lk_thread_t players[2];
    lk_thread_create(&players[0], explore_player_0, &scene);
    lk_thread_create(&players[1], explore_player_1, &scene);
    lk_thread_join(players[0], NULL);
    lk_thread_join(players[1], NULL);
    lk_explore_check(scene.turn == 2 * TURN_MOVES, "moves made: expected %d, got %d",
                     2 * TURN_MOVES, scene.turn);
}

START_TEST(explore_cond_signal)
{
    // Forced schedules: two threads take turns through one condition
    // variable, each signalling the other after its move; on every seed
    // every signal wakes its waiter (no lost wake-up, no deadlock).
    sync_explore("cond_signal", explore_cond_scenario);
}
END_TEST

// Posters and waiters on a semaphore at 0: every post lets one waiter
// through, whatever the order.  A post whose wake-up comes before its
// count (or a wait that checks and sleeps in two steps) leaves a waiter
// asleep with a unit in the semaphore.
enum { SEM_PAIRS = 3 };

struct explore_sem_scene {
    sync_sem_t sem;
    atomic_uint posting; // posts begun: a waiter may pass only that many
    atomic_uint passed;  // waiters through
};

static void *explore_sem_waiter(void *arg)
{
    struct explore_sem_scene *scene = arg;
    sync_sem_wait(&scene->sem);
    unsigned passed = lk_atomic_fetch_add(&scene->passed, 1) + 1;
    unsigned posting = lk_atomic_load(&scene->posting);
    lk_explore_check(passed <= posting,
                     "%u waiters got through a semaphore at 0 after %u posts began: expected "
                     "each wait to use up a post",
                     passed, posting);
    return NULL;
}

static void *explore_sem_poster(void *arg)
{
    struct explore_sem_scene *scene = arg;
    lk_atomic_fetch_add(&scene->posting, 1);
    sync_sem_post(&scene->sem);
    return NULL;
}

static void explore_sem_scenario(void *arg)
{
    (void)arg;
    static struct explore_sem_scene scene;
    memset(&scene, 0, sizeof scene);
    sync_sem_init(&scene.sem, 0);
    lk_explore_name(&scene.sem.mutex.state, "sem.mutex.state");
    lk_explore_name(&scene.sem.nonzero.seq, "sem.nonzero.seq");
    lk_explore_name(&scene.posting, "posting");
    lk_explore_name(&scene.passed, "passed");
    lk_thread_t threads[2 * SEM_PAIRS];
    for (int i = 0; i < SEM_PAIRS; i++) {
        lk_thread_create(&threads[2 * i], explore_sem_waiter, &scene);
        lk_thread_create(&threads[2 * i + 1], explore_sem_poster, &scene);
    }
    for (int i = 0; i < 2 * SEM_PAIRS; i++)
        lk_thread_join(threads[i], NULL);
    lk_explore_check(!sync_sem_trywait(&scene.sem), "count after %d posts and %d waits: "
                     "expected 0, but trywait succeeded", SEM_PAIRS, SEM_PAIRS);
}

START_TEST(explore_sem_post_wakes_waiter)
{
    // Forced schedules: waiters block on a semaphore at 0 while as many
    // posts arrive; on every seed every waiter gets through.
    sync_explore("sem_post", explore_sem_scenario);
}
END_TEST
#endif

Suite *lk_suite(void)
{
#ifdef LK_EXPLORE
    return LK_SUITE("sync-schedules", LK_TEST(explore_spin_excludes),
                    LK_TEST(explore_mutex_excludes), LK_TEST(explore_cond_signal),
                    LK_TEST(explore_sem_post_wakes_waiter));
#else
    return suite_create("sync-schedules");
#endif
}
