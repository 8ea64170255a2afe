// Hidden tests of the actors lab: many children in a row, a slow crasher under the limit, answers after each kill.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor.h"
#include "actor_test.h"
#include "labkit_check.h"

static void sends_and_returns(void *arg)
{
    int n = (int)(long)arg;
    actor_send(actor_parent(), &n, sizeof n);
}

START_TEST(runtime_leaves_nothing)
{
    // 40 children in waves of 10 (of 4 under Valgrind, whose processes are
    // big), each sends one message and returns: every message and DOWN
    // arrives, then no child and no extra descriptor remains.
    int fds_before = test_open_fds();
    int size = (int)lk_scaled(10, 3, 1), waves = 40 / size;
    for (int wave = 0; wave < waves; wave++) {
        actor_t kids[10];
        for (int i = 0; i < size; i++) {
            kids[i] = actor_spawn(sends_and_returns, (void *)(long)(wave * size + i));
            ck_assert_msg(kids[i] > 0 && actor_monitor(kids[i]) == 0, "spawn or monitor failed");
        }
        int messages = 0, downs = 0;
        while (messages + downs < 2 * size) {
            struct actor_message m;
            int got = actor_receive(&m, test_patience_ms(2000));
            ck_assert_msg(got == 1, "wave %d: %d messages and %d DOWNs of %d each, then %d", wave,
                          messages, downs, size, got);
            if (m.kind == ACTOR_DOWN)
                downs++, ck_assert_msg(m.reason == ACTOR_NORMAL, "a child did not end normally");
            else
                messages++;
            actor_message_free(&m);
        }
    }
    pid_t left[8];
    int n = test_children(getpid(), left, 8);
    ck_assert_msg(n == 0, "%d children remain (the first: %d, state %c)", n, n ? (int)left[0] : 0,
                  n ? test_state(left[0]) : '-');
    ck_assert_msg(test_open_fds() == fds_before, "%d descriptors before, %d after", fds_before,
                  test_open_fds());
}
END_TEST

static void crashes_late(void *arg)
{
    (void)arg;
    test_sleep_ms(test_patience_ms(250));
    abort();
}

START_TEST(slow_crasher_keeps_running)
{
    // A child that crashes every 250 ms, limit 2 restarts in 400 ms: it is
    // restarted every time and the supervisor never gives up.
    struct supervisor_child spec[1] = {{"slow", crashes_late, NULL}};
    struct supervisor *s = supervisor_start(spec, 1, 2, test_patience_ms(400));
    ck_assert_msg(s != NULL, "supervisor_start failed");
    double until = test_now_ms() + test_patience_ms(1400);
    while (test_now_ms() < until) {
        struct actor_message m;
        int got = supervisor_receive(s, &m, 50);
        ck_assert_msg(got != SUPERVISOR_GAVE_UP, "gave up after %d restarts, one per 250 ms, with a "
                      "limit of 2 in 400 ms", supervisor_restarts(s));
        if (got == 1)
            actor_message_free(&m);
    }
    ck_assert_msg(supervisor_restarts(s) >= 3, "only %d restarts in 1.4 s", supervisor_restarts(s));
    supervisor_stop(s, 50);
}
END_TEST

START_TEST(answers_again_after_kill)
{
    // Five times: SIGKILL the worker of a key's shard, then add to the key:
    // answered within 2 s, with the value kept.
    struct service *s = service_start(3);
    ck_assert_msg(s != NULL, "service_start(3) failed");
    long value, expect = 0;
    for (int round = 0; round < 5; round++) {
        ck_assert_msg(service_add(s, "plum", 3, &value) == 0, "service_add failed");
        expect += 3;
        kill(service_worker(s, service_shard_of("plum", 3)), SIGKILL);
        double start = test_now_ms();
        int rc = service_add(s, "plum", 1, &value);
        double took = test_now_ms() - start;
        expect += 1;
        ck_assert_msg(rc == 0 && value == expect, "round %d, after a kill: expected %ld, got rc %d "
                      "value %ld", round, expect, rc, value);
        ck_assert_msg(took < test_patience_ms(2000), "round %d: answered %.0f ms after the kill",
                      round, took);
    }
    service_stop(s);
}
END_TEST

Suite *lk_suite(void)
{
    const TTest *tests[] = {
        runtime_leaves_nothing, slow_crasher_keeps_running, answers_again_after_kill,
    };
    return actor_suite("actors hidden", tests, sizeof tests / sizeof *tests);
}
