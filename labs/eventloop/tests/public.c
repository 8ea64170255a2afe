// Public tests of the eventloop lab: descriptors, timers, and changes made while dispatching.
//
// Every case drives the loop with socket pairs and timers inside the test
// process.  Times are checked only one way (a timer never fires early); a
// timer that never fires ends in the grader's time limit.
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

// ---- A readable descriptor ----

static struct {
    int calls, events;
    char buf[16];
} rd;

static void on_readable(loop_t *loop, int fd, int events, void *arg)
{
    (void)arg;
    rd.calls++;
    rd.events = events;
    ssize_t n = read(fd, rd.buf, sizeof rd.buf - 1);
    ck_assert_msg(n == 2, "read %zd bytes from the readable socket, expected 2", n);
    ck_assert_msg(loop_remove_fd(loop, fd) == 0, "loop_remove_fd of a registered fd failed");
}

START_TEST(fd_callback_gets_readable)
{
    // A socket with 2 bytes waiting calls its callback with LOOP_READ; once
    // the callback removes it, nothing is registered and loop_run returns.
    loop_t *loop = new_loop();
    int sv[2];
    el_socketpair(sv);
    ck_assert(write(sv[1], "hi", 2) == 2);
    ck_assert_msg(loop_add_fd(loop, sv[0], LOOP_READ, on_readable, NULL) == 0,
                  "loop_add_fd(fd, LOOP_READ) returned non-zero");
    run_to_end(loop);
    ck_assert_msg(rd.calls == 1, "the callback ran %d times, expected once", rd.calls);
    ck_assert_msg(rd.events == LOOP_READ, "events = %d, expected LOOP_READ (%d)", rd.events,
                  LOOP_READ);
    ck_assert_msg(strcmp(rd.buf, "hi") == 0, "read \"%s\", expected \"hi\"", rd.buf);
    loop_free(loop);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

// ---- Changing a descriptor's interest ----

static struct {
    int a_write_calls, a_read_calls, b_calls;
    int a, b;
} md;

static void a_read(loop_t *loop, int fd, int events, void *arg)
{
    (void)arg, (void)events;
    char buf[8] = {0};
    md.a_read_calls++;
    ck_assert_msg(read(fd, buf, sizeof buf) == 4 && memcmp(buf, "pong", 4) == 0,
                  "a's read callback did not find \"pong\"");
    loop_remove_fd(loop, fd);
}

static void a_write(loop_t *loop, int fd, int events, void *arg)
{
    (void)arg;
    md.a_write_calls++;
    ck_assert_msg(events == LOOP_WRITE, "events = %d, expected LOOP_WRITE", events);
    ck_assert(write(fd, "ping", 4) == 4);
    ck_assert_msg(loop_add_fd(loop, fd, LOOP_READ, a_read, NULL) == 0,
                  "loop_add_fd on a registered fd (to change its events) failed");
}

static void b_read(loop_t *loop, int fd, int events, void *arg)
{
    (void)arg, (void)events;
    char buf[8] = {0};
    md.b_calls++;
    ck_assert_msg(read(fd, buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0,
                  "b did not receive \"ping\"");
    ck_assert(write(fd, "pong", 4) == 4);
    loop_remove_fd(loop, fd);
}

START_TEST(fd_interest_can_change)
{
    // a is watched for LOOP_WRITE; its callback sends "ping" and switches a to
    // LOOP_READ (loop_add_fd again).  b answers "pong".  a, still writable,
    // must get no further LOOP_WRITE call.
    loop_t *loop = new_loop();
    int sv[2];
    el_socketpair(sv);
    ck_assert(loop_add_fd(loop, sv[0], LOOP_WRITE, a_write, NULL) == 0);
    ck_assert(loop_add_fd(loop, sv[1], LOOP_READ, b_read, NULL) == 0);
    run_to_end(loop);
    ck_assert_msg(md.a_write_calls == 1, "a's write callback ran %d times after a switched to "
                  "LOOP_READ, expected once", md.a_write_calls);
    ck_assert_msg(md.b_calls == 1 && md.a_read_calls == 1,
                  "b's callback ran %d times, a's read callback %d times; expected once each",
                  md.b_calls, md.a_read_calls);
    loop_free(loop);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

// ---- Nothing registered ----

static void never_called_fd(loop_t *loop, int fd, int events, void *arg)
{
    (void)loop, (void)fd, (void)events, (void)arg;
    ck_abort_msg("a removed descriptor's callback ran");
}

static void never_called_timer(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)arg;
    ck_abort_msg("cancelled timer %ld fired", id);
}

START_TEST(run_returns_when_nothing_registered)
{
    // loop_run returns 0 at once on an empty loop, after the only descriptor
    // is removed, and after the only timer is cancelled.
    loop_t *loop = new_loop();
    run_to_end(loop);
    int sv[2];
    el_socketpair(sv);
    ck_assert(write(sv[1], "x", 1) == 1);
    ck_assert(loop_add_fd(loop, sv[0], LOOP_READ, never_called_fd, NULL) == 0);
    ck_assert_msg(loop_remove_fd(loop, sv[0]) == 0, "loop_remove_fd of a registered fd failed");
    ck_assert_msg(loop_remove_fd(loop, sv[0]) == -1, "removing an fd twice did not return -1");
    run_to_end(loop);
    long id = loop_add_timer(loop, 10, 0, never_called_timer, NULL);
    ck_assert_msg(id > 0, "loop_add_timer returned %ld, expected a positive id", id);
    ck_assert(loop_cancel_timer(loop, id) == 0);
    run_to_end(loop);
    loop_free(loop);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

// ---- Timers ----

enum { MAX_FIRED = 64 };
static struct {
    double start, added[MAX_FIRED]; // added: the test's clock just before each add
    long delay[MAX_FIRED];
    int fired[MAX_FIRED], count;
} tm;

static void record_timer(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)id;
    int label = (int)(long)arg;
    double elapsed = el_now_ms() - tm.added[label];
    ck_assert_msg(elapsed >= (double)tm.delay[label],
                  "timer %d (delay %ld ms) fired early, after %.2f ms", label, tm.delay[label],
                  elapsed);
    ck_assert(tm.count < MAX_FIRED);
    tm.fired[tm.count++] = label;
}

START_TEST(timers_fire_in_deadline_order)
{
    // Timers of 60, 20, 40, 20 and 0 ms fire in deadline order (the two of
    // 20 ms in the order they were added), none before its delay.  Each
    // deadline lies between the moment its add began and the next add's, so
    // on a slow run (adding may take longer than the gaps) the check allows
    // for the time the adding took; on a quick one the order is 4 1 3 2 0.
    loop_t *loop = new_loop();
    long delays[] = {60, 20, 40, 20, 0};
    double added[6];
    tm.start = el_now_ms();
    for (int i = 0; i < 5; i++) {
        tm.delay[i] = delays[i];
        added[i] = tm.added[i] = el_now_ms();
        ck_assert(loop_add_timer(loop, delays[i], 0, record_timer, (void *)(long)i) > 0);
    }
    added[5] = el_now_ms();
    run_to_end(loop);
    ck_assert_msg(tm.count == 5, "%d timers fired, expected 5", tm.count);
    for (int k = 1; k < 5; k++) {
        int p = tm.fired[k - 1], q = tm.fired[k];
        ck_assert_msg(added[q + 1] + (double)delays[q] >= added[p] + (double)delays[p] &&
                          !(delays[p] == delays[q] && q < p),
                      "firing order %d %d %d %d %d (timers by label, delays 60 20 40 20 0, "
                      "added in %.1f ms): timer %d fired after timer %d, which was due later",
                      tm.fired[0], tm.fired[1], tm.fired[2], tm.fired[3], tm.fired[4],
                      added[5] - added[0], q, p);
    }
    loop_free(loop);
}
END_TEST

static void repeat_five_times(loop_t *loop, long id, void *arg)
{
    (void)arg;
    tm.count++;
    double elapsed = el_now_ms() - tm.start;
    ck_assert_msg(elapsed >= 10.0 * tm.count, "call %d of a 10 ms repeating timer came "
                  "after %.2f ms, earlier than %d ms", tm.count, elapsed, 10 * tm.count);
    if (tm.count == 5)
        ck_assert_msg(loop_cancel_timer(loop, id) == 0,
                      "a repeating timer could not cancel itself from its callback");
}

START_TEST(repeating_timer_repeats_until_cancelled)
{
    // A timer of 10 ms repeating every 10 ms cancels itself in its 5th call:
    // it ran 5 times, each no earlier than due, and loop_run returns.
    loop_t *loop = new_loop();
    tm.start = el_now_ms();
    long id = loop_add_timer(loop, 10, 10, repeat_five_times, NULL);
    ck_assert(id > 0);
    run_to_end(loop);
    ck_assert_msg(tm.count == 5, "the repeating timer ran %d times, expected 5", tm.count);
    ck_assert_msg(loop_cancel_timer(loop, id) == -1, "cancelling it again did not return -1");
    loop_free(loop);
}
END_TEST

START_TEST(cancelled_timer_never_fires)
{
    // A cancelled timer does not fire; its neighbour does; cancelling an
    // unknown id or a fired one-shot timer returns -1.
    loop_t *loop = new_loop();
    tm.added[0] = el_now_ms();
    tm.delay[0] = 20;
    long a = loop_add_timer(loop, 10, 0, never_called_timer, NULL);
    long b = loop_add_timer(loop, 20, 0, record_timer, (void *)0L);
    ck_assert(a > 0 && b > 0 && a != b);
    ck_assert_msg(loop_cancel_timer(loop, a) == 0, "cancelling a pending timer failed");
    ck_assert_msg(loop_cancel_timer(loop, 987654) == -1, "cancelling an unknown id returned 0");
    run_to_end(loop);
    ck_assert_msg(tm.count == 1, "%d timers fired, expected 1", tm.count);
    ck_assert_msg(loop_cancel_timer(loop, b) == -1, "cancelling a fired one-shot timer returned 0");
    loop_free(loop);
}
END_TEST

// ---- Callbacks that change the loop ----

struct conn {
    int fd, peer;
    int *calls;
};

static void close_self(loop_t *loop, int fd, int events, void *arg)
{
    (void)events;
    struct conn *c = arg;
    (*c->calls)++;
    ck_assert_msg(loop_remove_fd(loop, fd) == 0, "a callback could not remove its own fd");
    close(c->fd);
    close(c->peer);
    free(c);
}

START_TEST(callback_removes_itself)
{
    // Three readable descriptors; each callback removes its own descriptor,
    // closes it and frees its argument.  Each runs once and loop_run returns.
    loop_t *loop = new_loop();
    int calls = 0;
    for (int i = 0; i < 3; i++) {
        int sv[2];
        el_socketpair(sv);
        ck_assert(write(sv[1], "x", 1) == 1);
        struct conn *c = malloc(sizeof *c);
        *c = (struct conn){.fd = sv[0], .peer = sv[1], .calls = &calls};
        ck_assert(loop_add_fd(loop, sv[0], LOOP_READ, close_self, c) == 0);
    }
    run_to_end(loop);
    ck_assert_msg(calls == 3, "the callbacks ran %d times, expected 3", calls);
    loop_free(loop);
}
END_TEST

static int other_fd[2], other_calls;

static void remove_both(loop_t *loop, int fd, int events, void *arg)
{
    (void)events, (void)arg;
    other_calls++;
    int other = fd == other_fd[0] ? other_fd[1] : other_fd[0];
    ck_assert_msg(loop_remove_fd(loop, other) == 0, "removing the other fd failed");
    ck_assert_msg(loop_remove_fd(loop, fd) == 0, "removing its own fd failed");
}

START_TEST(callback_removes_another_fd)
{
    // Two descriptors are readable in the same round; whichever callback runs
    // first removes both.  The other's callback must not run.
    loop_t *loop = new_loop();
    int s1[2], s2[2];
    el_socketpair(s1);
    el_socketpair(s2);
    ck_assert(write(s1[1], "x", 1) == 1 && write(s2[1], "y", 1) == 1);
    other_fd[0] = s1[0];
    other_fd[1] = s2[0];
    ck_assert(loop_add_fd(loop, s1[0], LOOP_READ, remove_both, NULL) == 0);
    ck_assert(loop_add_fd(loop, s2[0], LOOP_READ, remove_both, NULL) == 0);
    run_to_end(loop);
    ck_assert_msg(other_calls == 1, "%d callbacks ran; after the first removed both "
                  "descriptors, expected 1", other_calls);
    loop_free(loop);
    close(s1[0]), close(s1[1]), close(s2[0]), close(s2[1]);
}
END_TEST

static struct {
    int sv[2];
    int fd_calls, late_calls, chain;
} ad;

static void added_fd(loop_t *loop, int fd, int events, void *arg)
{
    (void)events, (void)arg;
    char c;
    ck_assert(read(fd, &c, 1) == 1 && c == 'z');
    ad.fd_calls++;
    loop_remove_fd(loop, fd);
}

static void added_timer(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)id, (void)arg;
    ad.late_calls++;
}

// Adds a 0 ms timer to itself 20 times: each must wait for the next round.
static void chain_timer(loop_t *loop, long id, void *arg)
{
    (void)id, (void)arg;
    if (++ad.chain < 20)
        ck_assert(loop_add_timer(loop, 0, 0, chain_timer, NULL) > 0);
}

static void first_timer(loop_t *loop, long id, void *arg)
{
    (void)id, (void)arg;
    el_socketpair(ad.sv);
    ck_assert(write(ad.sv[1], "z", 1) == 1);
    ck_assert_msg(loop_add_fd(loop, ad.sv[0], LOOP_READ, added_fd, NULL) == 0,
                  "a timer callback could not add a descriptor");
    ck_assert_msg(loop_add_timer(loop, 15, 0, added_timer, NULL) > 0,
                  "a timer callback could not add a timer");
    ck_assert(loop_add_timer(loop, 0, 0, chain_timer, NULL) > 0);
}

START_TEST(callback_adds_fds_and_timers)
{
    // A timer's callback adds a readable descriptor, a 15 ms timer, and a
    // 0 ms timer that adds another 0 ms timer, 20 deep: all of them run.
    loop_t *loop = new_loop();
    ck_assert(loop_add_timer(loop, 5, 0, first_timer, NULL) > 0);
    run_to_end(loop);
    ck_assert_msg(ad.fd_calls == 1, "the added descriptor's callback ran %d times, expected 1",
                  ad.fd_calls);
    ck_assert_msg(ad.late_calls == 1, "the added timer fired %d times, expected 1", ad.late_calls);
    ck_assert_msg(ad.chain == 20, "the chain of 0 ms timers ran %d times, expected 20", ad.chain);
    loop_free(loop);
    close(ad.sv[0]);
    close(ad.sv[1]);
}
END_TEST

static int stop_calls;

static void stop_here(loop_t *loop, long id, void *arg)
{
    (void)id, (void)arg;
    if (++stop_calls == 1)
        loop_stop(loop);
}

START_TEST(stop_returns_before_next_callback)
{
    // Two timers due at the same moment; the first calls loop_stop, so
    // loop_run returns before the second runs.  A second loop_run runs it.
    loop_t *loop = new_loop();
    ck_assert(loop_add_timer(loop, 5, 0, stop_here, NULL) > 0);
    ck_assert(loop_add_timer(loop, 5, 0, stop_here, NULL) > 0);
    run_to_end(loop);
    ck_assert_msg(stop_calls == 1, "after loop_stop, %d timer callbacks had run, expected 1",
                  stop_calls);
    run_to_end(loop);
    ck_assert_msg(stop_calls == 2, "the second loop_run ran %d callbacks in all, expected 2",
                  stop_calls);
    loop_free(loop);
}
END_TEST

static void end_idle(loop_t *loop, long id, void *arg)
{
    (void)id;
    loop_remove_fd(loop, *(int *)arg);
}

// Processor time of the calling thread, in milliseconds.
static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

START_TEST(idle_loop_sleeps)
{
    // A descriptor with nothing to read and a 300 ms timer: loop_run sleeps
    // in epoll_wait/poll, waking a handful of times, not spinning.
    loop_t *loop = new_loop();
    int sv[2];
    el_socketpair(sv);
    ck_assert(loop_add_fd(loop, sv[0], LOOP_READ, never_called_fd, NULL) == 0);
    ck_assert(loop_add_timer(loop, 300, 0, end_idle, &sv[0]) > 0);
    // Judged by the count of sleeps, not by a clock: a spinning loop makes
    // thousands in 300 ms even on a machine loaded far past its cores, a
    // sleeping one one or two however late it is woken.  The processor
    // time is only told.
    long before = el_wait_calls();
    double cpu0 = thread_cpu_ms(), t0 = el_now_ms();
    run_to_end(loop);
    long waits = el_wait_calls() - before;
    ck_assert_msg(waits >= 1, "loop_run never called epoll_wait or poll");
    ck_assert_msg(waits <= 20, "loop_run called epoll_wait/poll %ld times in 300 ms of idleness "
                  "(and used %.0f ms of processor time in %.0f ms); a sleeping loop needs a few",
                  waits, thread_cpu_ms() - cpu0, el_now_ms() - t0);
    loop_free(loop);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("eventloop-public");
    LK_ADD(s, fd_callback_gets_readable);
    LK_ADD(s, fd_interest_can_change);
    LK_ADD(s, run_returns_when_nothing_registered);
    LK_ADD(s, timers_fire_in_deadline_order);
    LK_ADD(s, repeating_timer_repeats_until_cancelled);
    LK_ADD(s, cancelled_timer_never_fires);
    LK_ADD(s, callback_removes_itself);
    LK_ADD(s, callback_removes_another_fd);
    LK_ADD(s, callback_adds_fds_and_timers);
    LK_ADD(s, stop_returns_before_next_callback);
    LK_ADD(s, idle_loop_sleeps);
    return s;
}
