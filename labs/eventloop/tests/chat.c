// Public tests of the chat server (Part 2): real loopback sockets, driven from the test process.
//
// The test's clients are sockets of this process; the loop runs in short
// slices (pump) between their reads and writes.  Waits for a line are bounded
// by a generous limit, so a broken server fails with a message, not a hang.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chat.h"
#include "el_test.h"
#include "labkit_check.h"

static loop_t *loop;
static chat_t *chat;
static int listen_fd;
static struct sockaddr_in server_addr;

struct peer {
    const char *name;
    int fd;
    char buf[1 << 18];
    size_t used;
    int closed; // the server closed the connection
};

static void stop_loop(loop_t *l, long id, void *arg)
{
    (void)id, (void)arg;
    loop_stop(l);
}

// Run the loop for about `ms` milliseconds.
static void pump(long ms)
{
    ck_assert(loop_add_timer(loop, ms, 0, stop_loop, NULL) > 0);
    ck_assert_msg(loop_run(loop) == 0, "loop_run failed while serving the chat");
}

static void start(long idle_ms)
{
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    socklen_t len = sizeof server_addr;
    server_addr = (struct sockaddr_in){.sin_family = AF_INET,
                                       .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    // Accepted sockets inherit a small send buffer, so a client that does
    // not read fills the server's queue after kilobytes, not megabytes.
    int small = 4096;
    ck_assert(setsockopt(listen_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
    ck_assert_msg(listen_fd >= 0 && bind(listen_fd, (struct sockaddr *)&server_addr, len) == 0 &&
                      listen(listen_fd, 64) == 0 &&
                      getsockname(listen_fd, (struct sockaddr *)&server_addr, &len) == 0,
                  "could not listen on 127.0.0.1 (the test machine, not your code)");
    loop = loop_new();
    ck_assert_msg(loop != NULL, "loop_new() returned NULL (Part 1 comes first)");
    chat = chat_new(loop, listen_fd, idle_ms);
    ck_assert_msg(chat != NULL, "chat_new returned NULL");
}

static void finish(void)
{
    chat_free(chat);
    loop_free(loop);
    close(listen_fd);
}

static struct peer *connect_peer(const char *name, int rcvbuf)
{
    struct peer *p = calloc(1, sizeof *p);
    p->name = name;
    p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf)
        setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    ck_assert(connect(p->fd, (struct sockaddr *)&server_addr, sizeof server_addr) == 0);
    ck_assert(fcntl(p->fd, F_SETFL, O_NONBLOCK) == 0);
    return p;
}

static void free_peer(struct peer *p)
{
    close(p->fd);
    free(p);
}

static void say(struct peer *p, const char *text)
{
    size_t len = strlen(text);
    ck_assert_msg(write(p->fd, text, len) == (ssize_t)len, "%s could not send", p->name);
}

// Take in whatever the server has sent p so far.
static void drain(struct peer *p)
{
    while (!p->closed && p->used < sizeof p->buf) {
        ssize_t n = read(p->fd, p->buf + p->used, sizeof p->buf - p->used);
        if (n > 0)
            p->used += (size_t)n;
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            p->closed = 1;
        else
            break;
    }
}

// Pump until p has a whole line, compare it with `want` (no '\n'), consume it.
static void expect_line(struct peer *p, const char *want)
{
    long limit_ms = strcmp(lk_tool(), "native") == 0 ? 3000 : 15000;
    double t0 = el_now_ms();
    char *nl;
    for (;;) {
        drain(p);
        if ((nl = memchr(p->buf, '\n', p->used)))
            break;
        ck_assert_msg(el_now_ms() - t0 < limit_ms, "%s waited %ld ms for \"%s\" and got %s%.*s",
                      p->name, limit_ms, want, p->used ? "only the partial line " : "nothing",
                      (int)p->used, p->buf);
        pump(5);
    }
    size_t len = (size_t)(nl - p->buf);
    ck_assert_msg(len == strlen(want) && memcmp(p->buf, want, len) == 0,
                  "%s expected the line \"%s\", got \"%.*s\"", p->name, want, (int)len, p->buf);
    memmove(p->buf, nl + 1, p->used - len - 1);
    p->used -= len + 1;
}

// After pumping for ms, p has received nothing more.
static void expect_nothing(struct peer *p, long ms)
{
    pump(ms);
    drain(p);
    ck_assert_msg(p->used == 0, "%s received \"%.*s\", expected nothing yet", p->name,
                  (int)p->used, p->buf);
}

// Pump until the server closes p's connection.
static void expect_closed(struct peer *p)
{
    double t0 = el_now_ms();
    while (drain(p), !p->closed) {
        ck_assert_msg(el_now_ms() - t0 < 15000, "the server did not close %s's connection",
                      p->name);
        pump(5);
    }
}

// Two named clients.  Whichever the server names first gets the other's
// join notice (on a loaded machine either may be first); wait for it.
static void join_two(struct peer **a, struct peer **b)
{
    *a = connect_peer("alice", 0);
    say(*a, "alice\n");
    *b = connect_peer("bob", 0);
    say(*b, "bob\n");
    double t0 = el_now_ms();
    while (drain(*a), drain(*b), !memchr((*a)->buf, '\n', (*a)->used) &&
                                     !memchr((*b)->buf, '\n', (*b)->used)) {
        ck_assert_msg(el_now_ms() - t0 < 15000, "alice and bob joined; neither got the "
                      "other's \"* NICK joined\" within 15 s");
        pump(5);
    }
    if ((*a)->used)
        expect_line(*a, "* bob joined");
    else
        expect_line(*b, "* alice joined");
    pump(5);
    drain(*a), drain(*b);
    ck_assert_msg((*a)->used == 0 && (*b)->used == 0, "after two joins, alice got \"%.*s\" "
                  "and bob \"%.*s\"; expected one join notice in all", (int)(*a)->used,
                  (*a)->buf, (int)(*b)->used, (*b)->buf);
}

START_TEST(chat_join_and_broadcast)
{
    // alice and bob join; the first named sees the other's "* NICK joined";
    // alice's line reaches bob as "alice: hi", and not alice herself.
    start(60000);
    struct peer *a, *b;
    join_two(&a, &b);
    say(a, "hi\n");
    expect_line(b, "alice: hi");
    expect_nothing(a, 50);
    free_peer(a), free_peer(b);
    finish();
}
END_TEST

START_TEST(chat_partial_lines)
{
    // A line sent in three pieces is relayed once, whole, after its '\n'.
    start(60000);
    struct peer *a, *b;
    join_two(&a, &b);
    say(a, "hel");
    expect_nothing(b, 30);
    say(a, "lo wor");
    expect_nothing(b, 30);
    say(a, "ld\n");
    expect_line(b, "alice: hello world");
    free_peer(a), free_peer(b);
    finish();
}
END_TEST

START_TEST(chat_many_lines_in_one_read)
{
    // Three lines in one write reach bob as three lines, in order.
    start(60000);
    struct peer *a, *b;
    join_two(&a, &b);
    say(a, "one\ntwo\nthree\n");
    expect_line(b, "alice: one");
    expect_line(b, "alice: two");
    expect_line(b, "alice: three");
    free_peer(a), free_peer(b);
    finish();
}
END_TEST

START_TEST(chat_quit_and_reset_leave)
{
    // bob's "/quit" closes his connection and tells alice; carol's abrupt
    // close tells alice too.
    start(60000);
    struct peer *a, *b;
    join_two(&a, &b);
    say(b, "/quit\n");
    expect_line(a, "* bob left");
    expect_closed(b);
    struct peer *c = connect_peer("carol", 0);
    say(c, "carol\n");
    expect_line(a, "* carol joined");
    free_peer(c);
    expect_line(a, "* carol left");
    free_peer(a), free_peer(b);
    finish();
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
    start(60000);
    struct peer *a, *b;
    join_two(&a, &b);
    int small = 4096;
    setsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    send_bulk(a, 120, NULL);
    expect_bulk(b, 120);
    free_peer(a), free_peer(b);
    finish();
}
END_TEST

// Pump until p has a whole line; return it (without '\n') in out, consumed.
static void next_line(struct peer *p, char *out, size_t cap)
{
    double t0 = el_now_ms();
    char *nl;
    while (drain(p), !(nl = memchr(p->buf, '\n', p->used))) {
        ck_assert_msg(el_now_ms() - t0 < 15000, "%s waited 15 s for a line", p->name);
        pump(5);
    }
    size_t len = (size_t)(nl - p->buf);
    ck_assert(len < cap);
    memcpy(out, p->buf, len);
    out[len] = '\0';
    memmove(p->buf, nl + 1, p->used - len - 1);
    p->used -= len + 1;
}

START_TEST(chat_slow_reader_does_not_stall_others)
{
    // slow joins and never reads.  alice sends 300-byte lines, and bob reads
    // as they come, until alice hears "* slow left" (slow's queue passed
    // 64 KiB; at most 4000 lines).  bob gets every line in order, and the
    // notice.
    start(60000);
    struct peer *a, *b;
    join_two(&a, &b);
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
    long idle = strcmp(lk_tool(), "native") == 0 ? 400 : 1500;
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
    free_peer(a), free_peer(b);
    finish();
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
