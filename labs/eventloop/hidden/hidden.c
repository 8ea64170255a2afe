// Hidden tests of the eventloop lab: many timers, cancelling a due timer, a reused descriptor number.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "el_test.h"
#include "labkit_check.h"
#include "loop.h"

static loop_t *new_loop(void)
{
    loop_t *loop = loop_new();
    ck_assert_msg(loop != NULL, "loop_new() returned NULL");
    return loop;
}

static void run_to_end(loop_t *loop)
{
    int rc = loop_run(loop);
    ck_assert_msg(rc == 0, "loop_run returned %d, expected 0", rc);
}

// ---- 500 timers ----

enum { MANY = 500 };
static struct {
    double added[MANY + 1]; // the test's clock just before each add; [MANY] after the last
    long delay[MANY];
    int order[MANY], count;
} mt;

static void many_fire(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)id;
    int i = (int)(long)arg;
    ck_assert_msg(el_now_ms() >= mt.added[i] + (double)mt.delay[i],
                  "timer %d (delay %ld ms) fired early", i, mt.delay[i]);
    mt.order[mt.count++] = i;
}

START_TEST(many_timers_fire_in_order)
{
    // 500 timers with delays 0 to 100 ms in a shuffled order: each fires once,
    // none early, in deadline order (equal delays in the order added).  A
    // timer's deadline lies between its add and the next one's, so the check
    // allows for the time the adding takes.
    loop_t *loop = new_loop();
    srand(12);
    for (int i = 0; i < MANY; i++) {
        mt.delay[i] = 25 * (rand() % 5);
        mt.added[i] = el_now_ms();
        ck_assert(loop_add_timer(loop, mt.delay[i], 0, many_fire, (void *)(long)i) > 0);
    }
    mt.added[MANY] = el_now_ms();
    run_to_end(loop);
    ck_assert_msg(mt.count == MANY, "%d of %d timers fired", mt.count, MANY);
    for (int k = 1; k < MANY; k++) {
        int p = mt.order[k - 1], q = mt.order[k];
        ck_assert_msg(mt.added[q + 1] + (double)mt.delay[q] >= mt.added[p] + (double)mt.delay[p],
                      "timer %d (delay %ld ms) fired after timer %d (delay %ld ms), which was due "
                      "later", q, mt.delay[q], p, mt.delay[p]);
        ck_assert_msg(!(mt.delay[p] == mt.delay[q] && q < p),
                      "timers %d and %d have the same delay; %d, added later, fired first", q, p,
                      p);
    }
    loop_free(loop);
}
END_TEST

// ---- A timer that cancels another one due in the same round ----

static struct {
    long victim;
    int first, victim_calls, added_calls;
} cv;

static void added_later(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)id, (void)arg;
    cv.added_calls++;
}

static void victim(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)id, (void)arg;
    cv.victim_calls++;
}

static void canceller(loop_t *loop, long id, void *arg)
{
    (void)id, (void)arg;
    cv.first++;
    ck_assert_msg(loop_cancel_timer(loop, cv.victim) == 0,
                  "cancelling a timer due in the same round failed");
    ck_assert(loop_add_timer(loop, 0, 0, added_later, NULL) > 0);
}

START_TEST(timer_cancels_another_due_timer)
{
    // Two 10 ms timers; the first cancels the second, which is due too: the
    // second never fires.  A timer the first adds does.
    loop_t *loop = new_loop();
    ck_assert(loop_add_timer(loop, 10, 0, canceller, NULL) > 0);
    cv.victim = loop_add_timer(loop, 10, 0, victim, NULL);
    ck_assert(cv.victim > 0);
    run_to_end(loop);
    ck_assert_msg(cv.first == 1 && cv.added_calls == 1, "the first timer ran %d times and the "
                  "timer it added %d times, expected once each", cv.first, cv.added_calls);
    ck_assert_msg(cv.victim_calls == 0, "the cancelled timer fired %d times", cv.victim_calls);
    loop_free(loop);
}
END_TEST

// ---- A descriptor number reused in the same round ----

static struct {
    int a[2], b[2], fresh[2];
    int first_calls, fresh_calls, *kept; // kept: the first callback's pair
} ru;

static void fresh_cb(loop_t *loop, int fd, int events, void *arg)
{
    (void)arg, (void)events;
    char c;
    // Only a real readiness of the new socket may call this.
    ck_assert_msg(read(fd, &c, 1) == 1, "the new descriptor's callback ran while it had "
                  "nothing to read (an event of the removed one, same number)");
    ru.fresh_calls++;
    loop_remove_fd(loop, fd);
}

// Replace the other readable socket by a fresh one (the kernel hands out the
// lowest free number, so it gets the same one) with nothing to read yet.
static void replace_other(loop_t *loop, int other)
{
    loop_remove_fd(loop, other);
    int *pair = other == ru.a[0] ? ru.a : ru.b;
    close(pair[0]);
    close(pair[1]);
    el_socketpair(ru.fresh);
    ck_assert(loop_add_fd(loop, ru.fresh[0], LOOP_READ, fresh_cb, NULL) == 0);
}

static void feed_fresh(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)id, (void)arg;
    ck_assert(write(ru.fresh[1], "f", 1) == 1);
}

static void first_cb(loop_t *loop, int fd, int events, void *arg)
{
    (void)events, (void)arg;
    ru.first_calls++;
    char c;
    ck_assert(read(fd, &c, 1) == 1);
    loop_remove_fd(loop, fd);
    ru.kept = fd == ru.a[0] ? ru.a : ru.b;
    replace_other(loop, fd == ru.a[0] ? ru.b[0] : ru.a[0]);
    ck_assert(loop_add_timer(loop, 20, 0, feed_fresh, NULL) > 0);
}

START_TEST(fd_number_reused_in_same_round)
{
    // Two sockets readable in one round; the first callback removes and
    // closes the other and registers a fresh socket, which gets the same
    // number.  The old readiness must not reach the new callback: it runs
    // only after data arrives for it (20 ms later).
    loop_t *loop = new_loop();
    el_socketpair(ru.a);
    el_socketpair(ru.b);
    ck_assert(write(ru.a[1], "a", 1) == 1 && write(ru.b[1], "b", 1) == 1);
    ck_assert(loop_add_fd(loop, ru.a[0], LOOP_READ, first_cb, NULL) == 0);
    ck_assert(loop_add_fd(loop, ru.b[0], LOOP_READ, first_cb, NULL) == 0);
    run_to_end(loop);
    ck_assert_msg(ru.first_calls == 1, "%d of the first callbacks ran, expected 1",
                  ru.first_calls);
    ck_assert_msg(ru.fresh_calls == 1, "the new descriptor's callback ran %d times, expected 1",
                  ru.fresh_calls);
    loop_free(loop);
    close(ru.fresh[0]);
    close(ru.fresh[1]);
    close(ru.kept[0]);
    close(ru.kept[1]);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("eventloop-hidden");
    LK_ADD(s, many_timers_fire_in_order);
    LK_ADD(s, timer_cancels_another_due_timer);
    LK_ADD(s, fd_number_reused_in_same_round);
    return s;
}
