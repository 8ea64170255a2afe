// Public tests of the actors lab, tasks 3 and 4: the supervisor and the key-value service.
//
// As in public.c: real faults (SIGKILL, SIGSTOP, crashes, bad requests), a
// verdict read from the kernel (/proc, wait statuses), no assertion in a
// child, every wait bounded and scaled for Valgrind.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor.h"
#include "actor_test.h"
#include "labkit_check.h"

static void aborts(void *arg)
{
    (void)arg;
    abort();
}

// ---- Task 3: the supervisor ----

// A worker: answers every message with its own id.
static void pinger(void *arg)
{
    (void)arg;
    for (;;) {
        struct actor_message m;
        if (actor_receive(&m, -1) != 1 || m.kind == ACTOR_DOWN)
            return;
        actor_message_free(&m);
        actor_t me = actor_self();
        actor_send(actor_parent(), &me, sizeof me);
    }
}

static void must_answer(struct supervisor *s, actor_t who)
{
    ck_assert_msg(actor_send(who, "ping", 4) == 0, "sending to child %d failed", (int)who);
    for (;;) {
        struct actor_message m;
        int got = supervisor_receive(s, &m, test_patience_ms(2000));
        ck_assert_msg(got == 1, "waiting for child %d to answer: supervisor_receive returned %d",
                      (int)who, got);
        actor_t said = 0;
        if (m.kind == ACTOR_DATA && m.length == sizeof said)
            memcpy(&said, m.data, sizeof said);
        actor_message_free(&m);
        if (said == who)
            return;
    }
}

START_TEST(one_for_one_restart)
{
    // Killing one of three children restarts that one only; all three answer.
    struct supervisor_child spec[3] = {{"a", pinger, NULL}, {"b", pinger, NULL}, {"c", pinger, NULL}};
    struct supervisor *s = supervisor_start(spec, 3, 5, 1000);
    ck_assert_msg(s != NULL, "supervisor_start failed");
    actor_t before[3];
    for (int i = 0; i < 3; i++)
        before[i] = supervisor_which(s, i);
    kill(before[1], SIGKILL);
    for (;;) {
        struct actor_message m;
        int got = supervisor_receive(s, &m, test_patience_ms(2000));
        ck_assert_msg(got == 1, "waiting for the DOWN of the killed child: got %d", got);
        int done = m.kind == ACTOR_DOWN && m.from == before[1];
        actor_message_free(&m);
        if (done)
            break;
    }
    ck_assert_msg(supervisor_which(s, 0) == before[0] && supervisor_which(s, 2) == before[2],
                  "children 0 and 2 changed (%d, %d -> %d, %d): only the killed one restarts",
                  (int)before[0], (int)before[2], (int)supervisor_which(s, 0),
                  (int)supervisor_which(s, 2));
    ck_assert_msg(supervisor_which(s, 1) > 0 && supervisor_which(s, 1) != before[1],
                  "child 1 was not restarted (id %d)", (int)supervisor_which(s, 1));
    ck_assert_msg(supervisor_restarts(s) == 1, "expected 1 restart, counted %d",
                  supervisor_restarts(s));
    for (int i = 0; i < 3; i++)
        must_answer(s, supervisor_which(s, i));
    supervisor_stop(s, 100);
}
END_TEST

START_TEST(restart_limit_gives_up)
{
    // A child that crashes at once, limit 3 restarts in 60 s: the supervisor
    // gives up at the 4th crash, names that child, and leaves no child.
    struct supervisor_child spec[2] = {{"steady", pinger, NULL}, {"crasher", aborts, NULL}};
    struct supervisor *s = supervisor_start(spec, 2, 3, 60000);
    ck_assert_msg(s != NULL, "supervisor_start failed");
    double until = test_now_ms() + test_patience_ms(5000);
    int got = 0;
    while (got != SUPERVISOR_GAVE_UP && test_now_ms() < until) {
        struct actor_message m;
        got = supervisor_receive(s, &m, 100);
        if (got == 1)
            actor_message_free(&m);
    }
    int restarts = supervisor_restarts(s);
    ck_assert_msg(got == SUPERVISOR_GAVE_UP,
                  "the crasher was restarted %d times in 5 s with a limit of 3 in 60 s, and the "
                  "supervisor has not given up", restarts);
    ck_assert_msg(restarts >= 3 && restarts <= 4, "gave up after %d restarts; the limit was 3",
                  restarts);
    const char *who = supervisor_failed(s);
    ck_assert_msg(who && strcmp(who, "crasher") == 0, "supervisor_failed: expected \"crasher\", "
                  "got \"%s\"", who ? who : "(null)");
    pid_t left[8];
    int n = test_children(getpid(), left, 8);
    ck_assert_msg(n == 0, "after giving up, %d children remain (the first: %d, state %c)", n,
                  n ? (int)left[0] : 0, n ? test_state(left[0]) : '-');
    supervisor_stop(s, 100);
}
END_TEST

static void ignores_term(void *arg)
{
    (void)arg;
    signal(SIGTERM, SIG_IGN);
    pinger(NULL);
}

START_TEST(shutdown_reaps_and_closes)
{
    // Stop with one child that obeys SIGTERM, one that ignores it and one
    // stopped (SIGSTOP): done within the grace period and a bound, no child
    // left (zombie or not), as many descriptors open as before the start.
    int fds_before = test_open_fds();
    struct supervisor_child spec[3] = {
        {"obeys", pinger, NULL}, {"ignores", ignores_term, NULL}, {"stopped", pinger, NULL}};
    struct supervisor *s = supervisor_start(spec, 3, 5, 1000);
    ck_assert_msg(s != NULL, "supervisor_start failed");
    for (int i = 0; i < 3; i++)
        must_answer(s, supervisor_which(s, i));   // all three are up and listening
    kill(supervisor_which(s, 2), SIGSTOP);
    double start = test_now_ms();
    supervisor_stop(s, 200);
    double took = test_now_ms() - start;
    ck_assert_msg(took < test_patience_ms(2000), "supervisor_stop(grace 200 ms) took %.0f ms", took);
    pid_t left[8];
    int n = test_children(getpid(), left, 8);
    ck_assert_msg(n == 0, "after supervisor_stop, %d children remain (the first: %d, state %c)", n,
                  n ? (int)left[0] : 0, n ? test_state(left[0]) : '-');
    int fds_after = test_open_fds();
    ck_assert_msg(fds_after == fds_before, "%d descriptors open before the start, %d after the "
                  "stop", fds_before, fds_after);
}
END_TEST

// Grandchild: ignores SIGTERM and its parent's end; only SIGKILL ends it.
static void stubborn(void *arg)
{
    (void)arg;
    signal(SIGTERM, SIG_IGN);
    for (;;)
        pause();
}

// Child: start a helper, tell the parent its id, then serve pings.
static void starts_helper(void *arg)
{
    (void)arg;
    actor_t helper = actor_spawn(stubborn, NULL);
    actor_send(actor_parent(), &helper, sizeof helper);
    pinger(NULL);
}

START_TEST(shutdown_kills_grandchildren)
{
    // A child started a helper of its own: stopping the supervisor ends the helper too.
    struct supervisor_child spec[1] = {{"parent of a helper", starts_helper, NULL}};
    struct supervisor *s = supervisor_start(spec, 1, 5, 1000);
    ck_assert_msg(s != NULL, "supervisor_start failed");
    struct actor_message m;
    int got = supervisor_receive(s, &m, test_patience_ms(2000));
    ck_assert_msg(got == 1 && m.length == sizeof(actor_t), "expected the helper's id, got %d", got);
    actor_t helper;
    memcpy(&helper, m.data, sizeof helper);
    actor_message_free(&m);
    ck_assert_msg(helper > 0 && test_state(helper) != 0, "the child could not start its helper");
    supervisor_stop(s, 100);
    ck_assert_msg(test_wait_gone(helper, 1000), "the child's helper %d still runs (state %c) after "
                  "supervisor_stop", (int)helper, test_state(helper));
}
END_TEST

// ---- Task 4: the service ----

START_TEST(service_adds_and_gets)
{
    // 4 shards, 16 keys: adds and gets answer the sums; one worker per shard.
    struct service *s = service_start(4);
    ck_assert_msg(s != NULL, "service_start(4) failed");
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < i; j++)
            ck_assert_msg(service_worker(s, i) != service_worker(s, j) && service_worker(s, i) > 0,
                          "shards %d and %d: worker ids %d and %d", i, j,
                          (int)service_worker(s, i), (int)service_worker(s, j));
    long expect[16] = {0};
    char key[16];
    for (int round = 1; round <= 3; round++)
        for (int k = 0; k < 16; k++) {
            snprintf(key, sizeof key, "key%d", k);
            long value = -1;
            ck_assert_msg(service_add(s, key, k + round, &value) == 0, "service_add(%s) failed", key);
            expect[k] += k + round;
            ck_assert_msg(value == expect[k], "add to %s: expected %ld, got %ld", key, expect[k],
                          value);
        }
    long value = -1;
    ck_assert_msg(service_get(s, "key5", &value) == 0 && value == expect[5],
                  "get key5: expected %ld, got %ld", expect[5], value);
    ck_assert_msg(service_get(s, "never set", &value) == 0 && value == 0,
                  "get of a key never set: expected 0, got %ld", value);
    service_stop(s);
}
END_TEST

START_TEST(malformed_request_crashes_worker)
{
    // A truncated request and a garbage one each crash their shard's worker,
    // which is restarted with the shard's values; the other shards are untouched.
    struct service *s = service_start(3);
    ck_assert_msg(s != NULL, "service_start(3) failed");
    long value;
    ck_assert_msg(service_add(s, "apple", 40, &value) == 0, "service_add failed");
    int shard = service_shard_of("apple", 3);
    actor_t others[3];
    for (int i = 0; i < 3; i++)
        others[i] = service_worker(s, i);
    struct service_request half = {.id = 99, .op = SERVICE_ADD, .delta = 1000};
    strcpy(half.key, "apple");
    ck_assert_msg(service_send_raw(s, shard, &half, sizeof half / 2) == -1,
                  "a truncated request was answered: the worker should crash on it");
    ck_assert_msg(service_send_raw(s, shard, "\x01\x02garbage", 9) == -1,
                  "a 9-byte garbage request was answered: the worker should crash on it");
    ck_assert_msg(service_restarts(s) == 2, "expected 2 restarts, counted %d", service_restarts(s));
    for (int i = 0; i < 3; i++)
        if (i != shard)
            ck_assert_msg(service_worker(s, i) == others[i], "shard %d's worker changed", i);
    ck_assert_msg(service_add(s, "apple", 2, &value) == 0 && value == 42,
                  "after the crashes, apple + 2: expected 42, got %ld", value);
    service_stop(s);
}
END_TEST

START_TEST(exactly_once_under_chaos)
{
    // A monkey SIGKILLs a random worker every 10 ms while 12 keys get adds,
    // until it has killed 20 (or 8 s have passed: a loaded machine):
    // every answer is the sum of the adds acknowledged before it plus this
    // one: no add lost, none applied twice.  No child remains after the stop.
    struct service *s = service_start(4);
    ck_assert_msg(s != NULL, "service_start(4) failed");
    pid_t monkey = test_chaos_start(getpid(), test_patience_ms(10), 12345);
    ck_assert_msg(monkey > 0, "could not start the chaos monkey");
    long expect[12] = {0};
    double until = test_now_ms() + test_patience_ms(8000);
    char key[16];
    for (int i = 0; (i < 300 || test_chaos_kills() < 20) && test_now_ms() < until; i++) {
        int k = (i * 7) % 12;
        snprintf(key, sizeof key, "counter%d", k);
        long value = -1;
        int rc = service_add(s, key, i % 5 + 1, &value);
        if (rc != 0)
            test_chaos_stop(monkey);
        ck_assert_msg(rc == 0, "add %d to %s was not answered (after %d restarts)", i, key,
                      service_restarts(s));
        expect[k] += i % 5 + 1;
        if (value != expect[k])
            test_chaos_stop(monkey);
        ck_assert_msg(value == expect[k], "add %d to %s: expected %ld, got %ld (%s)", i, key,
                      expect[k], value, value > expect[k] ? "applied twice" : "an add lost");
    }
    int kills = test_chaos_stop(monkey);
    ck_assert_msg(kills >= 5, "the monkey killed only %d workers: the test proves nothing", kills);
    for (int k = 0; k < 12; k++) {
        snprintf(key, sizeof key, "counter%d", k);
        long value = -1;
        ck_assert_msg(service_get(s, key, &value) == 0 && value == expect[k],
                      "at the end, %s: expected %ld, got %ld", key, expect[k], value);
    }
    service_stop(s);
    pid_t left[8];
    int n = test_children(getpid(), left, 8);
    ck_assert_msg(n == 0, "after service_stop, %d children remain (the first: %d, state %c)", n,
                  n ? (int)left[0] : 0, n ? test_state(left[0]) : '-');
}
END_TEST

START_TEST(stopped_worker_is_replaced)
{
    // A worker stopped with SIGSTOP never answers: the request is answered
    // anyway, by a replacement, within a bound, and applied once.
    struct service *s = service_start(2);
    ck_assert_msg(s != NULL, "service_start(2) failed");
    long value;
    ck_assert_msg(service_add(s, "pear", 10, &value) == 0, "service_add failed");
    actor_t stuck = service_worker(s, service_shard_of("pear", 2));
    kill(stuck, SIGSTOP);
    double start = test_now_ms();
    int rc = service_add(s, "pear", 5, &value);
    double took = test_now_ms() - start;
    ck_assert_msg(rc == 0 && value == 15, "add to a shard whose worker is stopped: expected 15, got "
                  "rc %d value %ld", rc, value);
    ck_assert_msg(took < test_patience_ms(5000), "the answer took %.0f ms", took);
    ck_assert_msg(test_wait_gone(stuck, 1000), "the stopped worker %d was left behind (state %c)",
                  (int)stuck, test_state(stuck));
    service_stop(s);
}
END_TEST

Suite *lk_suite(void)
{
    const TTest *tests[] = {
        one_for_one_restart, restart_limit_gives_up, shutdown_reaps_and_closes,
        shutdown_kills_grandchildren, service_adds_and_gets, malformed_request_crashes_worker,
        exactly_once_under_chaos, stopped_worker_is_replaced,
    };
    return actor_suite("actors supervision", tests, sizeof tests / sizeof *tests);
}
