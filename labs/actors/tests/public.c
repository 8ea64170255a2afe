// Public tests of the actors lab, tasks 1 and 2: messages between processes, down messages.
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

// ---- Task 2: monitors and down messages ----

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

Suite *lk_suite(void)
{
    const TTest *tests[] = {
        spawn_send_receive, framing_one_byte_messages, framing_one_mib_messages, receive_times_out,
        down_reasons, kill_mid_message, monitor_after_death, send_to_ended_child,
    };
    return actor_suite("actors", tests, sizeof tests / sizeof *tests);
}
