// Hidden forced-schedule tests of the sync lab: turn-taking, broadcast, the semaphore, the buffer.
//
// Explore build only (-DLK_EXPLORE), like tests/schedules.c; see
// labs/common/README.md.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "labkit_check.h"
#include "lk_sched.h"
#include "lk_suite.h"
#include "sync.h"
#include "sync_test.h"

#ifdef LK_EXPLORE

struct explore_scene {
    sync_mutex_t mutex;
    sync_cond_t cond;
    sync_sem_t sem;
    sync_buffer_t buffer;
    long slot;
    int flag;             // protected by mutex: a flag, or whose turn it is
    atomic_uint received; // bit i: item i reached a consumer
};

static struct explore_scene *explore_scene_new(void)
{
    static struct explore_scene scene;
    memset(&scene, 0, sizeof scene);
    sync_mutex_init(&scene.mutex);
    sync_cond_init(&scene.cond);
    sync_sem_init(&scene.sem, 0);
    sync_buffer_init(&scene.buffer, &scene.slot, 1);
    lk_explore_name(&scene.mutex.state, "mutex.state");
    lk_explore_name(&scene.cond.seq, "cond.seq");
    lk_explore_name(&scene.sem.mutex.state, "sem.mutex.state");
    lk_explore_name(&scene.sem.nonzero.seq, "sem.nonzero.seq");
    lk_explore_name(&scene.buffer.mutex.state, "buffer.mutex.state");
    lk_explore_name(&scene.buffer.not_full.seq, "buffer.not_full.seq");
    lk_explore_name(&scene.buffer.not_empty.seq, "buffer.not_empty.seq");
    lk_explore_name(&scene.received, "received");
    return &scene;
}

// Start n threads, thread i running bodies[i](scene), and join them all.
static void explore_run(struct explore_scene *scene, int n, void *(*bodies[])(void *))
{
    lk_thread_t threads[4];
    for (int i = 0; i < n; i++)
        lk_thread_create(&threads[i], bodies[i], scene);
    for (int i = 0; i < n; i++)
        lk_thread_join(threads[i], NULL);
}

static void *explore_wait_for_flag(void *arg)
{
    struct explore_scene *scene = arg;
    sync_mutex_lock(&scene->mutex);
    while (!scene->flag)
        sync_cond_wait(&scene->cond, &scene->mutex);
    sync_mutex_unlock(&scene->mutex);
    return NULL;
}

static void *explore_broadcast_flag(void *arg)
{
    struct explore_scene *scene = arg;
    sync_mutex_lock(&scene->mutex);
    scene->flag = 1;
    sync_cond_broadcast(&scene->cond);
    sync_mutex_unlock(&scene->mutex);
    return NULL;
}

static void explore_broadcast_scenario(void *arg)
{
    (void)arg;
    void *(*bodies[])(void *) = { explore_wait_for_flag, explore_wait_for_flag,
                                  explore_broadcast_flag };
    explore_run(explore_scene_new(), 3, bodies);
}

START_TEST(explore_cond_broadcast)
{
    // Forced schedules: two threads wait for a flag, a third sets it and
    // broadcasts; on every seed both waiters wake.
    sync_explore("cond_broadcast", explore_broadcast_scenario);
}
END_TEST

// Two players, two moves each: a player waits for its turn, moves, signals.
static void *explore_player(void *arg, int me)
{
    struct explore_scene *scene = arg;
    for (int move = 0; move < 2; move++) {
        sync_mutex_lock(&scene->mutex);
        while (scene->flag % 2 != me)
            sync_cond_wait(&scene->cond, &scene->mutex);
        scene->flag++;
        sync_cond_signal(&scene->cond);
        sync_mutex_unlock(&scene->mutex);
    }
    return NULL;
}

static void *explore_player_0(void *arg)
{
    return explore_player(arg, 0);
}

static void *explore_player_1(void *arg)
{
    return explore_player(arg, 1);
}

static void explore_turns_scenario(void *arg)
{
    (void)arg;
    struct explore_scene *scene = explore_scene_new();
    void *(*bodies[])(void *) = { explore_player_0, explore_player_1 };
    explore_run(scene, 2, bodies);
    lk_explore_check(scene->flag == 4, "moves made: expected 4, got %d", scene->flag);
}

START_TEST(explore_cond_turns)
{
    // Forced schedules: two threads take two turns each, waking each other
    // through one condition variable; on every seed no wake-up is lost.
    sync_explore("cond_turns", explore_turns_scenario);
}
END_TEST

static void *explore_sem_wait(void *arg)
{
    sync_sem_wait(&((struct explore_scene *)arg)->sem);
    return NULL;
}

static void *explore_sem_post(void *arg)
{
    sync_sem_post(&((struct explore_scene *)arg)->sem);
    return NULL;
}

static void explore_sem_scenario(void *arg)
{
    (void)arg;
    struct explore_scene *scene = explore_scene_new();
    void *(*bodies[])(void *) = { explore_sem_wait, explore_sem_post, explore_sem_wait,
                                  explore_sem_post };
    explore_run(scene, 4, bodies);
    lk_explore_check(!sync_sem_trywait(&scene->sem),
                     "count after 2 posts and 2 waits: expected 0, but trywait succeeded");
    sync_sem_post(&scene->sem);
    lk_explore_check(sync_sem_trywait(&scene->sem),
                     "trywait after one more post: expected true (count 1), got false");
}

START_TEST(explore_sem)
{
    // Forced schedules: two threads wait on a semaphore at 0 while two
    // post; on every seed both waiters get through and the count ends at 0.
    sync_explore("sem", explore_sem_scenario);
}
END_TEST

static void *explore_produce(void *arg)
{
    for (long item = 1; item <= 3; item++)
        sync_buffer_put(&((struct explore_scene *)arg)->buffer, item);
    return NULL;
}

// Record an item a consumer got: bit `item` of `received`, set once.
static void explore_receive(struct explore_scene *scene, long item)
{
    lk_explore_check(item >= 1 && item <= 3, "a consumer got %ld: expected 1, 2 or 3", item);
    unsigned before = lk_atomic_fetch_or(&scene->received, 1u << item);
    lk_explore_check(!(before & (1u << item)), "item %ld arrived twice: expected once", item);
}

static void *explore_consume_two(void *arg)
{
    struct explore_scene *scene = arg;
    long first = sync_buffer_get(&scene->buffer);
    explore_receive(scene, first);
    long second = sync_buffer_get(&scene->buffer);
    explore_receive(scene, second);
    lk_explore_check(first < second, "one consumer got %ld, then %ld: expected FIFO order", first,
                     second);
    return NULL;
}

static void *explore_consume_one(void *arg)
{
    struct explore_scene *scene = arg;
    explore_receive(scene, sync_buffer_get(&scene->buffer));
    return NULL;
}

static void explore_buffer_scenario(void *arg)
{
    (void)arg;
    struct explore_scene *scene = explore_scene_new();
    void *(*bodies[])(void *) = { explore_produce, explore_consume_two, explore_consume_one };
    explore_run(scene, 3, bodies);
    unsigned received = atomic_load(&scene->received);
    lk_explore_check(received == 0xe, "items received (bit i = item i): expected 0xe, got %#x",
                     received);
}

START_TEST(explore_buffer)
{
    // Forced schedules: a producer puts 3 items through a 1-slot buffer to
    // two consumers; on every seed each item arrives once, nobody is stuck.
    sync_explore("buffer", explore_buffer_scenario);
}
END_TEST
#endif

Suite *lk_suite(void)
{
#ifdef LK_EXPLORE
    return LK_SUITE("sync-hidden-schedules", LK_TEST(explore_cond_turns),
                    LK_TEST(explore_cond_broadcast), LK_TEST(explore_sem),
                    LK_TEST(explore_buffer));
#else
    return suite_create("sync-hidden-schedules");
#endif
}
