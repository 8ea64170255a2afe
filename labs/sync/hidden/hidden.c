// Hidden tests of the sync lab: trylock under contention, lost and remembered wake-ups, the semaphore and buffer at scale.
//
// Waits judge threads by what they do, not by a clock (sync_test.h): a
// broken submission fails instead of hanging, and a busy machine never fails
// a correct one.
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "labkit_check.h"
#include "sync.h"
#include "sync_test.h"

// ---- Contention with trylock in the mix ----

START_TEST(spin_trylock_excludes_under_contention)
{
    // Mutual exclusion when 2 of 4 threads take the spinlock only by
    // trylock: a successful trylock is as good as lock (also to TSan).
    contention_reset(lk_scaled(50, 10, 5));
    struct crew crew;
    contention_start(&crew, 4, contention_spin_mixed_worker, true);
    contention_check(&crew, 4);
}
END_TEST

START_TEST(mutex_trylock_excludes_under_contention)
{
    // Mutual exclusion when 2 of 4 threads take the mutex only by trylock:
    // a successful trylock is as good as lock (also to TSan).
    contention_reset(lk_scaled(50, 10, 5));
    struct crew crew;
    contention_start(&crew, 4, contention_mutex_mixed_worker, false);
    contention_check(&crew, 4);
}
END_TEST

// ---- Blocking ----

static struct {
    sync_mutex_t mutex;
    sync_cond_t cond;
    int tokens;          // plain: only the mutex protects it
    atomic_int waiting;  // threads about to block
    atomic_int returned; // threads past the blocking call
} scene;

static void reset_scene(void)
{
    memset(&scene, 0, sizeof scene);
    sync_mutex_init(&scene.mutex);
    sync_cond_init(&scene.cond);
}

// Take the mutex, hold it a moment (so the others go back to sleep), leave.
static void lock_and_hold(void *arg, int index)
{
    (void)arg, (void)index;
    atomic_fetch_add(&scene.waiting, 1);
    sync_mutex_lock(&scene.mutex);
    tw_sleep(test_patience(0.005));
    sync_mutex_unlock(&scene.mutex);
    atomic_fetch_add(&scene.returned, 1);
}

START_TEST(mutex_wakes_every_waiter)
{
    // Three threads asleep on a held mutex all get it in turn: a woken
    // waiter that takes the mutex must still wake the next one when it
    // unlocks (it has to leave the mutex marked contended).
    reset_scene();
    struct crew crew;
    crew_blocked_until_unlock(&crew, 3, lock_and_hold, &scene.mutex, &scene.returned,
                              "each unlock must wake the next sleeper");
}
END_TEST

// Wait on the condition variable exactly once (no loop, on purpose).
static void wait_once(void *arg, int index)
{
    (void)arg, (void)index;
    sync_mutex_lock(&scene.mutex);
    atomic_fetch_add(&scene.waiting, 1);
    sync_cond_wait(&scene.cond, &scene.mutex);
    sync_mutex_unlock(&scene.mutex);
    atomic_fetch_add(&scene.returned, 1);
}

// Signal until the crew has returned: the nudger does it, every
// millisecond; false if the waiter never returns all the same.
static bool signal_until_finished(struct crew *crew)
{
    struct nudger nudger;
    nudger_start(&nudger, &scene.cond, NULL);
    bool finished = crew_finish(crew);
    nudger_stop(&nudger);
    return finished;
}

START_TEST(cond_signal_before_wait_is_forgotten)
{
    // A signal sent while nobody waits is not remembered: a thread that
    // starts waiting afterwards sleeps until the next signal.  (A spurious
    // wake-up is allowed, so it takes 3 early returns out of 3 tries.)
    reset_scene();
    for (int try = 0; try < 3; try++) {
        atomic_store(&scene.waiting, 0);
        atomic_store(&scene.returned, 0);
        sync_cond_signal(&scene.cond); // nobody waits yet
        struct crew crew;
        crew_start(&crew, 1, wait_once, NULL);
        ck_assert_msg(crew_wait_for(&crew, &scene.waiting, 1), "the waiter never got the mutex: %s",
                      crew_problem(&crew));
        crew_settle(&crew);
        sync_mutex_lock(&scene.mutex); // taken once its wait released it
        sync_mutex_unlock(&scene.mutex);
        crew_settle(&crew);
        bool early = atomic_load(&scene.returned) != 0;
        ck_assert_msg(signal_until_finished(&crew),
                      "the waiter did not return although signalled every millisecond (%s): "
                      "expected a signal to wake it",
                      crew_problem(&crew));
        if (!early)
            return;
    }
    ck_abort_msg("3 times out of 3, sync_cond_wait returned although the only signal came "
                 "before the thread began to wait: expected that signal to be forgotten");
}
END_TEST

// Two players take turns: each waits for its turn, moves, and signals.
static struct {
    sync_mutex_t mutex;
    sync_cond_t cond;
    long turn; // protected by the mutex: player turn % 2 moves next
    long rounds;
} game;

static void player(void *arg, int index)
{
    (void)arg;
    for (long r = 0; r < game.rounds; r++) {
        sync_mutex_lock(&game.mutex);
        while (game.turn % 2 != index)
            sync_cond_wait(&game.cond, &game.mutex);
        game.turn++;
        sync_cond_signal(&game.cond);
        sync_mutex_unlock(&game.mutex);
    }
}

START_TEST(cond_many_turns_with_spurious_wakeups)
{
    // Two threads take turns 500 times, each sleeping on the condition
    // variable until the other has moved, with spurious wake-ups thrown in:
    // every turn is taken once, in order, with the mutex held.
    memset(&game, 0, sizeof game);
    sync_mutex_init(&game.mutex);
    sync_cond_init(&game.cond);
    game.rounds = lk_scaled(500, 10, 5);
    struct nudger nudger;
    nudger_start(&nudger, &game.cond, NULL);
    struct crew crew;
    crew_start_behind(&crew, 2, player, NULL, &game.mutex);
    bool finished = crew_finish(&crew);
    nudger_stop(&nudger);
    ck_assert_msg(finished,
                  "the players were stuck after %ld of %ld moves (%s): expected them to finish "
                  "(is a thread asleep on the mutex, never woken?)",
                  game.turn, 2 * game.rounds, crew_problem(&crew));
    ck_assert_msg(game.turn == 2 * game.rounds, "moves made: expected %ld, got %ld",
                  2 * game.rounds, game.turn);
}
END_TEST

// Wait for a token; leave the mutex before saying so.
static void take_token(void *arg, int index)
{
    (void)arg, (void)index;
    sync_mutex_lock(&scene.mutex);
    atomic_fetch_add(&scene.waiting, 1);
    while (scene.tokens == 0)
        sync_cond_wait(&scene.cond, &scene.mutex);
    scene.tokens--;
    sync_mutex_unlock(&scene.mutex);
    atomic_fetch_add(&scene.returned, 1);
}

START_TEST(cond_each_signal_wakes_a_waiter)
{
    // With 3 threads waiting for tokens, each signal that comes with a
    // token wakes at least one of them: all 3 get a token, one by one.
    reset_scene();
    struct crew crew;
    crew_start_behind(&crew, 3, take_token, NULL, &scene.mutex);
    ck_assert_msg(crew_wait_for(&crew, &scene.waiting, 3),
                  "the waiters never all got the mutex: %s", crew_problem(&crew));
    crew_settle(&crew);
    sync_mutex_lock(&scene.mutex); // taken once the last one's wait released it
    sync_mutex_unlock(&scene.mutex);
    for (int k = 1; k <= 3; k++) {
        sync_mutex_lock(&scene.mutex);
        scene.tokens++;
        sync_mutex_unlock(&scene.mutex);
        sync_cond_signal(&scene.cond);
        ck_assert_msg(crew_wait_for(&crew, &scene.returned, k),
                      "after signal %d, %d waiters had taken a token (%s): expected %d "
                      "(a signal must wake a waiter)",
                      k, atomic_load(&scene.returned), crew_problem(&crew), k);
    }
    ck_assert_msg(crew_finish(&crew), "the waiters did not all return: %s", crew_problem(&crew));
}
END_TEST

// ---- Semaphore at scale ----

static sync_sem_t crowd_sem;
static long crowd_rounds;

// The first half of the crew posts, the second half waits.
static void post_or_wait(void *arg, int index)
{
    int posters = *(int *)arg;
    for (long i = 0; i < crowd_rounds; i++)
        if (index < posters)
            sync_sem_post(&crowd_sem);
        else
            sync_sem_wait(&crowd_sem);
}

START_TEST(sem_many_posters_and_waiters)
{
    // 4 posters and 4 waiters share a semaphore, 300 posts or waits each,
    // with spurious wake-ups thrown in: no post is lost (every waiter gets
    // through) and the count ends at 0.
    int posters = 4;
    crowd_rounds = lk_scaled(300, 10, 5);
    sync_sem_init(&crowd_sem, 0);
    struct nudger nudger;
    nudger_start(&nudger, &crowd_sem.nonzero, NULL);
    struct crew crew;
    crew_start_behind(&crew, 2 * posters, post_or_wait, &posters, &crowd_sem.mutex);
    bool finished = crew_finish(&crew);
    nudger_stop(&nudger);
    ck_assert_msg(finished,
                  "%d of 8 threads finished (%s): expected all (a post that wakes nobody, "
                  "or a lost wake-up)",
                  crew_finished(&crew), crew_problem(&crew));
    ck_assert_msg(!sync_sem_trywait(&crowd_sem),
                  "the count after %ld posts and as many waits: expected 0, but trywait succeeded",
                  posters * crowd_rounds);
    sync_sem_post(&crowd_sem);
    ck_assert_msg(sync_sem_trywait(&crowd_sem),
                  "trywait after one more post: expected true (count 1), got false");
}
END_TEST

// ---- Bounded buffer: blocking, and many producers and consumers ----

static struct {
    sync_buffer_t buffer;
    long slots[4];
    atomic_long puts_done;
    atomic_long got;
    atomic_int gets_done;
} box;

static void put_three(void *arg, int index)
{
    (void)arg, (void)index;
    for (long item = 1; item <= 3; item++) {
        sync_buffer_put(&box.buffer, item);
        atomic_store(&box.puts_done, item);
    }
}

static void get_one(void *arg, int index)
{
    (void)arg, (void)index;
    atomic_store(&box.got, sync_buffer_get(&box.buffer));
    atomic_store(&box.gets_done, 1);
}

START_TEST(buffer_blocks_when_full)
{
    // A put into a full buffer (2 slots) blocks until a get makes room;
    // the items come out in the order they went in.
    memset(&box, 0, sizeof box);
    sync_buffer_init(&box.buffer, box.slots, 2);
    struct crew crew;
    crew_start(&crew, 1, put_three, NULL);
    crew_settle(&crew);
    long done = atomic_load(&box.puts_done);
    ck_assert_msg(done == 2, "puts returned into a 2-slot buffer: expected 2 (the third blocks), got %ld",
                  done);
    long first = sync_buffer_get(&box.buffer);
    ck_assert_msg(crew_finish(&crew),
                  "the third put never returned after a get made room (%s): expected the get "
                  "to wake it",
                  crew_problem(&crew));
    long second = sync_buffer_get(&box.buffer), third = sync_buffer_get(&box.buffer);
    ck_assert_msg(first == 1 && second == 2 && third == 3,
                  "items out: expected 1 2 3, got %ld %ld %ld", first, second, third);
}
END_TEST

START_TEST(buffer_get_blocks_when_empty)
{
    // A get from an empty buffer blocks until a put, and returns that item.
    memset(&box, 0, sizeof box);
    sync_buffer_init(&box.buffer, box.slots, 4);
    struct crew crew;
    crew_start(&crew, 1, get_one, NULL);
    crew_settle(&crew);
    ck_assert_msg(atomic_load(&box.gets_done) == 0,
                  "sync_buffer_get returned from an empty buffer (with %ld): expected it to block",
                  atomic_load(&box.got));
    sync_buffer_put(&box.buffer, 42);
    ck_assert_msg(crew_finish(&crew),
                  "the get never returned after a put (%s): expected the put to wake it",
                  crew_problem(&crew));
    ck_assert_msg(atomic_load(&box.got) == 42, "get returned %ld: expected 42 (the item put)",
                  atomic_load(&box.got));
}
END_TEST

enum { TEAM = 3, ITEMS_MAX = 1000 };

// Items are producer * ITEMS_MAX + sequence + 1, so each names its origin.
static struct {
    sync_buffer_t buffer;
    long slot;
    long items; // per producer, and per consumer
    atomic_uchar seen[TEAM][ITEMS_MAX];
    atomic_long strangers;
} flow;

// Threads 0..TEAM-1 produce, TEAM..2*TEAM-1 consume.
static void producer_or_consumer(void *arg, int index)
{
    (void)arg;
    for (long i = 0; i < flow.items; i++) {
        if (index < TEAM) {
            sync_buffer_put(&flow.buffer, index * ITEMS_MAX + i + 1);
            continue;
        }
        long item = sync_buffer_get(&flow.buffer) - 1;
        if (item < 0 || item / ITEMS_MAX >= TEAM || item % ITEMS_MAX >= flow.items)
            atomic_fetch_add_explicit(&flow.strangers, 1, memory_order_relaxed);
        else
            atomic_fetch_add_explicit(&flow.seen[item / ITEMS_MAX][item % ITEMS_MAX], 1,
                                      memory_order_relaxed);
    }
}

START_TEST(buffer_many_producers_and_consumers)
{
    // 3 producers and 3 consumers through a 1-slot buffer (every put and
    // get contends), with spurious wake-ups thrown in: every item arrives
    // exactly once, nobody is stuck.
    memset(&flow, 0, sizeof flow);
    flow.items = lk_scaled(ITEMS_MAX, 10, 5);
    sync_buffer_init(&flow.buffer, &flow.slot, 1);
    struct nudger nudger;
    nudger_start(&nudger, &flow.buffer.not_full, &flow.buffer.not_empty);
    struct crew crew;
    crew_start_behind(&crew, 2 * TEAM, producer_or_consumer, NULL, &flow.buffer.mutex);
    bool finished = crew_finish(&crew);
    nudger_stop(&nudger);
    ck_assert_msg(finished,
                  "%d of %d threads finished (%s): expected all (a lost wake-up, or a "
                  "full/empty buffer nobody signals)",
                  crew_finished(&crew), 2 * TEAM, crew_problem(&crew));
    long strangers = atomic_load(&flow.strangers), missing = 0, repeated = 0;
    ck_assert_msg(strangers == 0, "consumers got %ld items no producer put: expected none", strangers);
    for (int p = 0; p < TEAM; p++)
        for (long i = 0; i < flow.items; i++) {
            int seen = atomic_load(&flow.seen[p][i]);
            missing += seen == 0;
            repeated += seen > 1;
        }
    ck_assert_msg(missing == 0 && repeated == 0,
                  "of %ld items, %ld never arrived and %ld arrived more than once: expected each "
                  "exactly once",
                  TEAM * flow.items, missing, repeated);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *suite = suite_create("sync-hidden");
    LK_ADD(suite, spin_trylock_excludes_under_contention);
    LK_ADD(suite, mutex_trylock_excludes_under_contention);
    LK_ADD(suite, mutex_wakes_every_waiter);
    LK_ADD(suite, cond_signal_before_wait_is_forgotten);
    LK_ADD(suite, cond_many_turns_with_spurious_wakeups);
    LK_ADD(suite, cond_each_signal_wakes_a_waiter);
    LK_ADD(suite, sem_many_posters_and_waiters);
    LK_ADD(suite, buffer_blocks_when_full);
    LK_ADD(suite, buffer_get_blocks_when_empty);
    LK_ADD(suite, buffer_many_producers_and_consumers);
    return suite;
}
