// Public tests of the actors lab: messages between processes, down messages, the supervisor, the service.
//
// The faults are real: children are killed with SIGKILL (also in the middle
// of a message), stopped with SIGSTOP, crash on purpose, or leave while the
// other side still writes.  What a test decides comes from the kernel: wait
// statuses, /proc/<pid>/stat, /proc/self/fd.  Code that runs in a child
// never asserts (a child's failure would not be this test's): it reports
// through its messages or its exit code.  Waits are bounded and scaled for
// Valgrind, so a broken submission fails instead of hanging.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor.h"
#include "actor_test.h"
#include "labkit_check.h"

enum { MIB = 1 << 20 };

// Receive until a message arrives, or fail the test after `ms` (scaled).
static void must_receive(struct actor_message *m, int ms, const char *what)
{
    int got = actor_receive(m, test_patience_ms(ms));
    ck_assert_msg(got == 1, "waiting %d ms for %s: actor_receive returned %d", test_patience_ms(ms),
                  what, got);
}

static void must_get_down(actor_t who, struct actor_message *m, int ms)
{
    for (;;) {
        must_receive(m, ms, "a DOWN message");
        if (m->kind == ACTOR_DOWN && m->from == who)
            return;
        actor_message_free(m);
    }
}

static unsigned char pattern(size_t i, unsigned seed)
{
    return (unsigned char)((i * 131 + seed * 7 + (i >> 11)) & 0xff);
}

// ---- Task 1: spawn, send, receive ----

// Child: tell the parent who we are and who it is, then echo one message.
static void echo_once(void *arg)
{
    (void)arg;
    actor_t ids[2] = {actor_self(), actor_parent()};
    actor_send(actor_parent(), ids, sizeof ids);
    struct actor_message m;
    if (actor_receive(&m, 5000) == 1 && m.kind == ACTOR_DATA)
        actor_send(actor_parent(), m.data, m.length);
    actor_message_free(&m);
}

START_TEST(spawn_send_receive)
{
    // A child knows its own id and its parent's; a message goes there and back.
    actor_t child = actor_spawn(echo_once, NULL);
    ck_assert_msg(child > 0, "actor_spawn returned %d", (int)child);
    ck_assert_msg(actor_monitor(child) == 0, "actor_monitor of a new child returned -1");
    struct actor_message m;
    must_receive(&m, 2000, "the child's first message");
    ck_assert_msg(m.kind == ACTOR_DATA && m.from == child && m.length == 2 * sizeof(actor_t),
                  "expected the child's ids from %d (%zu bytes), got kind %d from %d, %zu bytes",
                  (int)child, 2 * sizeof(actor_t), m.kind, (int)m.from, m.length);
    actor_t ids[2];
    memcpy(ids, m.data, sizeof ids);
    actor_message_free(&m);
    ck_assert_msg(ids[0] == child && ids[1] == getpid(),
                  "in the child, actor_self() = %d and actor_parent() = %d; expected %d and %d",
                  (int)ids[0], (int)ids[1], (int)child, (int)getpid());
    ck_assert_msg(actor_send(child, "hello, child", 13) == 0, "actor_send to a child failed");
    must_receive(&m, 2000, "the echo");
    ck_assert_msg(m.from == child && m.length == 13 && memcmp(m.data, "hello, child", 13) == 0,
                  "expected the 13 bytes \"hello, child\" back, got %zu bytes", m.length);
    actor_message_free(&m);
    must_get_down(child, &m, 2000);
    ck_assert_msg(m.reason == ACTOR_NORMAL, "the child returned: expected reason NORMAL, got %d",
                  m.reason);
}
END_TEST

static int small_count(void)
{
    return (int)lk_scaled(20000, 10, 1);
}

// Child: send small_count() messages of 1 byte, as fast as it can.
static void one_byte_sender(void *arg)
{
    (void)arg;
    for (int i = 0; i < small_count(); i++) {
        unsigned char b = (unsigned char)(i % 251);
        if (actor_send(actor_parent(), &b, 1) != 0)
            _exit(2);
    }
}

START_TEST(framing_one_byte_messages)
{
    // 20000 messages of one byte each arrive one by one, in order: none merged.
    actor_t child = actor_spawn(one_byte_sender, NULL);
    ck_assert_msg(child > 0, "actor_spawn failed");
    test_sleep_ms(50);   // let several messages queue up in the link
    for (int i = 0; i < small_count(); i++) {
        struct actor_message m;
        must_receive(&m, 2000, "a one-byte message");
        ck_assert_msg(m.kind == ACTOR_DATA && m.length == 1,
                      "message %d: expected 1 byte, got kind %d with %zu bytes (merged or torn?)",
                      i, m.kind, m.length);
        ck_assert_msg(m.data[0] == i % 251, "message %d: expected byte %d, got %d (out of order)",
                      i, i % 251, m.data[0]);
        actor_message_free(&m);
    }
}
END_TEST

// Child: for each of 3 rounds, receive a message and send it back with
// every byte flipped, then one empty message.
static void big_echo(void *arg)
{
    (void)arg;
    for (int round = 0; round < 3; round++) {
        struct actor_message m;
        if (actor_receive(&m, -1) != 1 || m.kind != ACTOR_DATA)
            _exit(2);
        for (size_t i = 0; i < m.length; i++)
            m.data[i] ^= 0xff;
        if (actor_send(actor_parent(), m.data, m.length) != 0)
            _exit(3);
        actor_message_free(&m);
    }
    actor_send(actor_parent(), "", 0);
}

START_TEST(framing_one_mib_messages)
{
    // Messages of 1 MiB (and 1 MiB + 7) go both ways whole: every byte in place.
    actor_t child = actor_spawn(big_echo, NULL);
    ck_assert_msg(child > 0, "actor_spawn failed");
    size_t sizes[3] = {MIB, MIB + 7, MIB - 3};
    unsigned char *out = malloc(MIB + 7);
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizes[round]; i++)
            out[i] = pattern(i, round);
        ck_assert_msg(actor_send(child, out, sizes[round]) == 0, "sending %zu bytes failed",
                      sizes[round]);
        struct actor_message m;
        must_receive(&m, 5000, "a 1 MiB echo");
        ck_assert_msg(m.kind == ACTOR_DATA && m.length == sizes[round],
                      "round %d: expected %zu bytes back, got %zu", round, sizes[round], m.length);
        size_t bad = 0;
        while (bad < m.length && m.data[bad] == (unsigned char)(out[bad] ^ 0xff))
            bad++;
        ck_assert_msg(bad == m.length, "round %d: byte %zu of %zu is wrong", round, bad, m.length);
        actor_message_free(&m);
    }
    free(out);
    struct actor_message m;
    must_receive(&m, 2000, "an empty message");
    ck_assert_msg(m.kind == ACTOR_DATA && m.length == 0, "expected an empty message, got %zu bytes",
                  m.length);
    actor_message_free(&m);
}
END_TEST

// Child: one big message, then wait to be killed.
static void big_sender(void *arg)
{
    (void)arg;
    unsigned char *data = malloc(MIB);
    for (size_t i = 0; i < MIB; i++)
        data[i] = pattern(i, 9);
    actor_send(actor_parent(), data, MIB);
    free(data);
    pause();
}

START_TEST(receive_times_out)
{
    // With nothing to receive, and with a sender stopped half way through a
    // message, actor_receive returns 0 when its timeout has passed.
    actor_t child = actor_spawn(big_sender, NULL);
    ck_assert_msg(child > 0, "actor_spawn failed");
    test_sleep_ms(test_patience_ms(100));   // the child fills the link and blocks
    kill(child, SIGSTOP);
    struct actor_message m;
    double start = test_now_ms();
    int got = actor_receive(&m, 300);
    double took = test_now_ms() - start;
    kill(child, SIGCONT);
    ck_assert_msg(got == 0, "a half-sent message: expected a timeout (0), got %d (%zu bytes)", got,
                  got == 1 ? m.length : 0);
    ck_assert_msg(took >= 290 && took < 300 + test_patience_ms(1000),
                  "actor_receive(300 ms) returned after %.0f ms", took);
    must_receive(&m, 5000, "the rest of the message after SIGCONT");
    ck_assert_msg(m.length == MIB && m.data[MIB - 1] == pattern(MIB - 1, 9),
                  "after SIGCONT: expected the whole 1 MiB message, got %zu bytes", m.length);
    actor_message_free(&m);
    kill(child, SIGKILL);
}
END_TEST

// ---- Task 1: down messages ----

static void returns(void *arg)
{
    (void)arg;
}

static void exits_3(void *arg)
{
    (void)arg;
    _exit(3);
}

static void kills_itself(void *arg)
{
    (void)arg;
    kill(getpid(), SIGKILL);
}

static void aborts(void *arg)
{
    (void)arg;
    abort();
}

START_TEST(down_reasons)
{
    // A DOWN says how the child ended: normally, with exit code 3, by SIGKILL, by SIGABRT.
    actor_fn fns[4] = {returns, exits_3, kills_itself, aborts};
    enum actor_reason reasons[4] = {ACTOR_NORMAL, ACTOR_EXIT, ACTOR_SIGNAL, ACTOR_SIGNAL};
    int details[4] = {0, 3, SIGKILL, SIGABRT};
    const char *names[4] = {"returned", "_exit(3)", "SIGKILL", "abort()"};
    for (int i = 0; i < 4; i++) {
        actor_t child = actor_spawn(fns[i], NULL);
        ck_assert_msg(child > 0 && actor_monitor(child) == 0, "spawn or monitor failed");
        struct actor_message m;
        must_get_down(child, &m, 2000);
        ck_assert_msg(m.reason == reasons[i] && (i == 0 || m.detail == details[i]),
                      "child that %s: expected reason %d detail %d, got reason %d detail %d",
                      names[i], reasons[i], details[i], m.reason, m.detail);
    }
}
END_TEST

// Child: "hello", then 1 MiB messages until killed.
static void streams(void *arg)
{
    (void)arg;
    actor_send(actor_parent(), "hello", 5);
    unsigned char *data = malloc(MIB);
    for (size_t i = 0; i < MIB; i++)
        data[i] = pattern(i, 4);
    for (;;)
        actor_send(actor_parent(), data, MIB);
}

START_TEST(kill_mid_message)
{
    // A child killed half way through sending 1 MiB: its whole messages
    // arrive, then its DOWN (SIGKILL); the torn one is not delivered.
    actor_t child = actor_spawn(streams, NULL);
    ck_assert_msg(child > 0 && actor_monitor(child) == 0, "spawn or monitor failed");
    struct actor_message m;
    must_receive(&m, 2000, "hello");
    ck_assert_msg(m.length == 5 && memcmp(m.data, "hello", 5) == 0, "expected \"hello\" first");
    actor_message_free(&m);
    must_receive(&m, 5000, "a 1 MiB message");
    actor_message_free(&m);
    test_sleep_ms(test_patience_ms(50));   // the child blocks in the middle of a frame
    kill(child, SIGKILL);
    for (int whole = 0;; whole++) {
        must_receive(&m, 3000, "the rest, then the DOWN");
        if (m.kind == ACTOR_DOWN) {
            ck_assert_msg(m.from == child && m.reason == ACTOR_SIGNAL && m.detail == SIGKILL,
                          "expected DOWN of %d by SIGKILL, got DOWN of %d reason %d detail %d",
                          (int)child, (int)m.from, m.reason, m.detail);
            break;
        }
        ck_assert_msg(m.length == MIB && m.data[0] == pattern(0, 4) &&
                          m.data[MIB - 1] == pattern(MIB - 1, 4),
                      "after the kill: a message of %zu bytes (expected only whole 1 MiB ones)",
                      m.length);
        ck_assert_msg(whole < 4, "more whole messages after the kill than the link can hold");
        actor_message_free(&m);
    }
}
END_TEST

static void exits_7(void *arg)
{
    (void)arg;
    _exit(7);
}

START_TEST(monitor_after_death)
{
    // Monitoring a child that has already ended (and was reaped by an
    // earlier receive) still delivers its DOWN, with its exit code.
    actor_t child = actor_spawn(exits_7, NULL);
    ck_assert_msg(child > 0, "actor_spawn failed");
    ck_assert_msg(test_wait_gone(child, 2000), "the child did not end");
    struct actor_message m;
    int got = actor_receive(&m, 100);   // nothing to deliver: nobody monitors it yet
    ck_assert_msg(got != 1, "a DOWN arrived for a child nobody monitored");
    ck_assert_msg(test_state(child) == 0, "the ended child %d was not reaped (state %c)",
                  (int)child, test_state(child));
    ck_assert_msg(actor_monitor(child) == 0, "actor_monitor of an ended child returned -1");
    must_get_down(child, &m, 1000);
    ck_assert_msg(m.reason == ACTOR_EXIT && m.detail == 7,
                  "expected reason EXIT, code 7; got reason %d detail %d", m.reason, m.detail);
    ck_assert_msg(actor_monitor(getppid()) == -1, "actor_monitor of a process that is not a child "
                  "returned 0");
}
END_TEST

START_TEST(send_to_ended_child)
{
    // Sending to a child that has gone fails with -1: no SIGPIPE ends the sender.
    actor_t child = actor_spawn(returns, NULL);
    ck_assert_msg(child > 0, "actor_spawn failed");
    ck_assert_msg(test_wait_gone(child, 2000), "the child did not end");
    unsigned char *data = calloc(1, MIB);
    int results[3];
    for (int i = 0; i < 3; i++)
        results[i] = actor_send(child, data, MIB);
    free(data);
    ck_assert_msg(results[2] == -1, "a third 1 MiB send to an ended child returned %d", results[2]);
    struct actor_message m;
    actor_receive(&m, 100);
    ck_assert_msg(actor_send(child, "x", 1) == -1, "a send after the child was reaped returned 0");
}
END_TEST

// ---- Task 2: the supervisor ----

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

// ---- Task 3: the service ----

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
    Suite *s = suite_create("actors");
    lk_set_fixture(test_setup, NULL);
    LK_ADD(s, spawn_send_receive);
    LK_ADD(s, framing_one_byte_messages);
    LK_ADD(s, framing_one_mib_messages);
    LK_ADD(s, receive_times_out);
    LK_ADD(s, down_reasons);
    LK_ADD(s, kill_mid_message);
    LK_ADD(s, monitor_after_death);
    LK_ADD(s, send_to_ended_child);
    LK_ADD(s, one_for_one_restart);
    LK_ADD(s, restart_limit_gives_up);
    LK_ADD(s, shutdown_reaps_and_closes);
    LK_ADD(s, shutdown_kills_grandchildren);
    LK_ADD(s, service_adds_and_gets);
    LK_ADD(s, malformed_request_crashes_worker);
    LK_ADD(s, exactly_once_under_chaos);
    LK_ADD(s, stopped_worker_is_replaced);
    return s;
}
