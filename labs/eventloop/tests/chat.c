// Public tests of the chat server (Part 2): real loopback sockets, driven from the test process.
//
// The test's clients are sockets of this process; the loop runs in short
// slices (pump) between their reads and writes.  Waits for a line are bounded
// by a generous limit, so a broken server fails with a message, not a hang.
#define _GNU_SOURCE
#include "chat_peer.h"

START_TEST(chat_join_and_broadcast)
{
    // alice and bob join; the first named sees the other's "* NICK joined";
    // alice's line reaches bob as "alice: hi", and not alice herself.
    struct peer *a, *b;
    start_with_two(&a, &b);
    say(a, "hi\n");
    expect_line(b, "alice: hi");
    expect_nothing(a, 50);
    finish_with_two(a, b);
}
END_TEST

START_TEST(chat_partial_lines)
{
    // A line sent in three pieces is relayed once, whole, after its '\n'.
    struct peer *a, *b;
    start_with_two(&a, &b);
    say(a, "hel");
    expect_nothing(b, 30);
    say(a, "lo wor");
    expect_nothing(b, 30);
    say(a, "ld\n");
    expect_line(b, "alice: hello world");
    finish_with_two(a, b);
}
END_TEST

START_TEST(chat_many_lines_in_one_read)
{
    // Three lines in one write reach bob as three lines, in order.
    struct peer *a, *b;
    start_with_two(&a, &b);
    say(a, "one\ntwo\nthree\n");
    expect_line(b, "alice: one");
    expect_line(b, "alice: two");
    expect_line(b, "alice: three");
    finish_with_two(a, b);
}
END_TEST

START_TEST(chat_quit_and_reset_leave)
{
    // bob's "/quit" closes his connection and tells alice; carol's abrupt
    // close tells alice too.
    struct peer *a, *b;
    start_with_two(&a, &b);
    say(b, "/quit\n");
    expect_line(a, "* bob left");
    expect_closed(b);
    struct peer *c = connect_peer("carol", 0);
    say(c, "carol\n");
    expect_line(a, "* carol joined");
    free_peer(c);
    expect_line(a, "* carol left");
    finish_with_two(a, b);
}
END_TEST

// alice sends `lines` lines of 300 bytes, pumping between them.
static void send_bulk(struct peer *a, int lines, struct peer *reader)
{
    char line[310];
    for (int i = 0; i < lines; i++) {
        int n = snprintf(line, sizeof line, "%04d ", i);
        memset(line + n, 'a' + i % 26, 294 - (size_t)n);
        line[294] = '\n';
        line[295] = '\0';
        say(a, line);
        pump(1);
        if (reader)
            drain(reader);
    }
}

static void expect_bulk(struct peer *b, int lines)
{
    char want[320];
    for (int i = 0; i < lines; i++) {
        int n = snprintf(want, sizeof want, "alice: %04d ", i);
        memset(want + n, 'a' + i % 26, 294 - (size_t)(n - 7));
        want[294 + 7] = '\0';
        expect_line(b, want);
    }
}

START_TEST(chat_partial_writes_lose_nothing)
{
    // bob reads nothing while alice sends 120 lines (35 KB, more than bob's
    // socket takes, less than the 64 KiB queue); then bob reads every line,
    // whole and in order.
    struct peer *a, *b;
    start_with_two(&a, &b);
    int small = 4096;
    setsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    send_bulk(a, 120, NULL);
    expect_bulk(b, 120);
    finish_with_two(a, b);
}
END_TEST

START_TEST(chat_slow_reader_does_not_stall_others)
{
    // slow joins and never reads.  alice sends 300-byte lines, and bob reads
    // as they come, until alice hears "* slow left" (slow's queue passed
    // 64 KiB; at most 4000 lines).  bob gets every line in order, and the
    // notice.
    struct peer *a, *b;
    start_with_two(&a, &b);
    struct peer *s = connect_peer("slow", 4096);
    say(s, "slow\n");
    expect_line(a, "* slow joined");
    expect_line(b, "* slow joined");
    char line[310];
    int sent = 0;
    for (; sent < 4000 && !memmem(a->buf, a->used, "* slow left\n", 12); sent++) {
        int n = snprintf(line, sizeof line, "%04d ", sent);
        memset(line + n, 'a' + sent % 26, 294 - (size_t)n);
        memcpy(line + 294, "\n", 2);
        say(a, line);
        pump(1);
        drain(a);
        drain(b);
    }
    expect_line(a, "* slow left");
    int got = 0, left = 0;
    char want[320], have[CHAT_LINE_MAX + 64];
    while (got < sent || !left) {
        next_line(b, have, sizeof have);
        if (strcmp(have, "* slow left") == 0) {
            left++;
            continue;
        }
        int n = snprintf(want, sizeof want, "alice: %04d ", got);
        memset(want + n, 'a' + got % 26, 301 - (size_t)n);
        want[301] = '\0';
        ck_assert_msg(strcmp(have, want) == 0, "bob expected line %d of alice's, got \"%.40s...\"",
                      got, have);
        got++;
    }
    ck_assert_msg(left == 1, "bob got \"* slow left\" %d times", left);
    free_peer(a), free_peer(b), free_peer(s);
    finish();
}
END_TEST

START_TEST(chat_idle_timeout)
{
    // With a 400 ms idle timeout (1.5 s under Valgrind, so joining fits in
    // it), alice says nothing and is disconnected; bob speaks every 50 ms
    // all along and stays.
    long idle = lk_slowdown() > 1 ? 1500 : 400; // the timeout must outlast a slow tool's start-up
    start(idle);
    struct peer *a, *b;
    join_two(&a, &b);
    for (long i = 0; i < 3 * idle / 50; i++) {
        say(b, "tick\n");
        pump(50);
        drain(a);
        drain(b);
        if (a->closed)
            break;
    }
    expect_closed(a);
    drain(b);
    ck_assert_msg(!b->closed, "bob, who spoke every 50 ms, was disconnected as idle");
    expect_line(b, "* alice left");
    finish_with_two(a, b);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("eventloop-chat");
    LK_ADD(s, chat_join_and_broadcast);
    LK_ADD(s, chat_partial_lines);
    LK_ADD(s, chat_many_lines_in_one_read);
    LK_ADD(s, chat_quit_and_reset_leave);
    LK_ADD(s, chat_partial_writes_lose_nothing);
    LK_ADD(s, chat_slow_reader_does_not_stall_others);
    LK_ADD(s, chat_idle_timeout);
    return s;
}
