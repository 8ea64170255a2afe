// Public tests of the chat server at volume: 500 clients at once, and a 1 MiB burst from one.
//
// Same set-up as tests/chat.c (chat_peer.h): the clients are sockets of the
// test's process and the loop runs in short slices between their reads and
// writes, so what each client has received is known exactly.
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/epoll.h>

#include "chat_peer.h"

// An assertion that costs nothing while it holds: Check's ck_assert reports
// every passing check through a pipe, a system call each, and the checks
// here run hundreds of thousands of times.
#define require(cond, ...)                  \
    do {                                    \
        if (!(cond))                        \
            ck_abort_msg(__VA_ARGS__);      \
    } while (0)

// ---- 500 clients ----

enum {
    CROWD = 500,           // natively; CROWD / 5 under a slowdown of 5 or more (n^2 / 2 join notices)
    SENDERS = 10,          // every crowd_n / SENDERS-th client speaks
    EACH = 4,              // lines per speaker
    SAID = SENDERS * EACH, // lines said in all
    BATCH = 20,            // connections made between two slices of the loop
};

struct member {
    int fd;
    int closed;
    char part[64]; // the start of a line not yet complete
    size_t part_len;
    int said[SAID]; // ids of the lines received, in order (speaker * EACH + k)
    int said_count;
};

static int crowd_n;           // clients in this run
static struct member *crowd;
static int crowd_size;        // clients connected so far
static int crowd_epoll;       // the test's own epoll over the clients' sockets
static unsigned char *joined; // joined[i * crowd_n + j]: notices of j's join that i got
static long joins_seen;

static int speaker_of(int i)
{
    return i % (crowd_n / SENDERS) == 0 ? i / (crowd_n / SENDERS) : -1;
}

// The number after `prefix` at the start of *p, or -1; *p moves past it.
static long number_after(const char **p, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(*p, prefix, n) != 0 || (*p)[n] < '0' || (*p)[n] > '9')
        return -1;
    char *end;
    long value = strtol(*p + n, &end, 10);
    *p = end;
    return value;
}

// One whole line received by member i.
static void crowd_line(int i, const char *line)
{
    const char *p = line;
    long who = number_after(&p, "* u"), k = -1;
    if (who >= 0 && who < crowd_n && strcmp(p, " joined") == 0) {
        require(++joined[i * crowd_n + who] == 1, "u%03d got \"%s\" twice", i, line);
        joins_seen++;
        return;
    }
    p = line;
    who = number_after(&p, "u");
    if (who >= 0 && who < crowd_n && speaker_of((int)who) >= 0 &&
        (k = number_after(&p, ": m")) >= 0 && k < EACH && *p == '\0') {
        require(crowd[i].said_count < SAID, "u%03d got more than the %d lines said", i,
                      SAID);
        crowd[i].said[crowd[i].said_count++] = speaker_of((int)who) * EACH + (int)k;
        return;
    }
    ck_abort_msg("u%03d got the line \"%s\", which nobody sent", i, line);
}

// Read what member i has been sent, line by line.
static void crowd_drain(int i)
{
    struct member *m = &crowd[i];
    char buf[16384];
    ssize_t n;
    while (!m->closed && (n = read(m->fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            require(errno == EAGAIN || errno == EINTR, "u%03d: read failed: %s", i,
                          strerror(errno));
            if (errno == EAGAIN)
                return;
            continue;
        }
        for (ssize_t b = 0; b < n; b++) {
            if (buf[b] != '\n') {
                require(m->part_len < sizeof m->part - 1, "u%03d got a line longer than "
                              "any sent: \"%.*s...\"", i, (int)m->part_len, m->part);
                m->part[m->part_len++] = buf[b];
                continue;
            }
            m->part[m->part_len] = '\0';
            crowd_line(i, m->part);
            m->part_len = 0;
        }
    }
    m->closed = 1;
    ck_abort_msg("the server closed u%03d's connection", i);
}

// Read every client that has something to read.
static void crowd_drain_ready(void)
{
    struct epoll_event ready[64];
    int n;
    while ((n = epoll_wait(crowd_epoll, ready, 64, 0)) > 0)
        for (int e = 0; e < n; e++)
            crowd_drain((int)ready[e].data.u32);
}

// Lines each member must get: every line said, but its own.
static int crowd_due(int i)
{
    return SAID - (speaker_of(i) >= 0 ? EACH : 0);
}

static int crowd_done(void)
{
    for (int i = 0; i < crowd_n; i++)
        if (crowd[i].said_count < crowd_due(i))
            return 0;
    return 1;
}

static int crowd_all_joined(void)
{
    return joins_seen == (long)crowd_n * (crowd_n - 1) / 2;
}

// Pump and read until done() or the limit; a stall is a failure with a message.
static void crowd_wait(int (*done)(void), const char *what)
{
    long limit_ms = (long)(20000 * lk_slowdown());
    double t0 = el_now_ms();
    while (crowd_drain_ready(), !done()) {
        ck_assert_msg(el_now_ms() - t0 < limit_ms, "%s: not done after %ld ms (%ld of %d join "
                      "notices seen)", what, limit_ms, joins_seen, crowd_n * (crowd_n - 1) / 2);
        pump(5);
    }
}

static void crowd_connect(int i)
{
    crowd[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    require(crowd[i].fd >= 0, "client %d: no socket: %s (the test machine, not your "
                  "code)", i, strerror(errno));
    require(connect(crowd[i].fd, (struct sockaddr *)&server_addr, sizeof server_addr) == 0 &&
                fcntl(crowd[i].fd, F_SETFL, O_NONBLOCK) == 0,
            "client %d could not connect: %s", i, strerror(errno));
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    require(epoll_ctl(crowd_epoll, EPOLL_CTL_ADD, crowd[i].fd, &e) == 0, "epoll_ctl: %s",
            strerror(errno));
    crowd_size = i + 1;
    char name[16];
    int n = snprintf(name, sizeof name, "u%03d\n", i);
    require(write(crowd[i].fd, name, (size_t)n) == n, "client %d could not send its name", i);
}

// Every member agrees with u001 (no speaker, so it got every line) on the
// order of the lines, its own left out.
static void crowd_check_order(void)
{
    const struct member *ref = &crowd[1];
    int step = crowd_n / SENDERS;
    for (int i = 0; i < crowd_n; i++) {
        struct member *m = &crowd[i];
        require(m->said_count == crowd_due(i), "u%03d got %d lines, expected %d", i,
                      m->said_count, crowd_due(i));
        int r = 0;
        for (int got = 0; got < m->said_count; got++, r++) {
            while (r < SAID && ref->said[r] / EACH == speaker_of(i))
                r++;
            require(r < SAID && m->said[got] == ref->said[r], "u%03d's line %d is u%03d: "
                          "m%d, u001's is u%03d: m%d: clients disagree on the order of lines",
                          i, got, m->said[got] / EACH * step, m->said[got] % EACH,
                          r < SAID ? ref->said[r] / EACH * step : -1,
                          r < SAID ? ref->said[r] % EACH : -1);
        }
    }
}

START_TEST(chat_500_clients_one_order)
{
    // 500 clients join (100 under Valgrind); of each pair, exactly one
    // hears of the other's join (the one named first).  Then 10 of them say
    // 4 lines each, interleaved: every client gets every line but its own
    // exactly once, and all in one same order, the order the server read
    // them in.
    crowd_n = (int)lk_scaled(CROWD, 5, 5);
    start(600000);
    crowd = calloc((size_t)crowd_n, sizeof *crowd);
    joined = calloc((size_t)crowd_n * (size_t)crowd_n, 1);
    crowd_epoll = epoll_create1(EPOLL_CLOEXEC);
    ck_assert(crowd && joined && crowd_epoll >= 0);
    for (int i = 0; i < crowd_n; i++) {
        crowd_connect(i);
        if (i % BATCH == BATCH - 1) {
            pump(1);
            crowd_drain_ready();
        }
    }
    crowd_wait(crowd_all_joined, "every client joined");
    for (int i = 0; i < crowd_n; i++)
        for (int j = i + 1; j < crowd_n; j++)
            require(joined[i * crowd_n + j] + joined[j * crowd_n + i] == 1,
                          "u%03d and u%03d: %d notices of the other's join, expected 1 (to "
                          "whichever was named first)", i, j,
                          joined[i * crowd_n + j] + joined[j * crowd_n + i]);
    for (int k = 0; k < EACH; k++) {
        for (int s = 0; s < SENDERS; s++) {
            char line[16];
            int n = snprintf(line, sizeof line, "m%d\n", k);
            ck_assert(write(crowd[s * (crowd_n / SENDERS)].fd, line, (size_t)n) == n);
        }
        pump(1);
    }
    crowd_wait(crowd_done, "10 clients said 4 lines each");
    crowd_check_order();
    for (int i = 0; i < crowd_n; i++)
        close(crowd[i].fd);
    close(crowd_epoll);
    free(crowd);
    free(joined);
    finish();
}
END_TEST

// ---- A 1 MiB burst ----

enum { BURST = 1 << 20 };

// Line i of the burst, '\n' included; every 7th ends in "\r\n".
static size_t burst_line(int i, char *out)
{
    int n = sprintf(out, "%06d ", i);
    int fill = 1 + (int)((unsigned)i * 7919u % 400u);
    memset(out + n, 'a' + i % 26, (size_t)fill);
    n += fill;
    if (i % 7 == 6)
        out[n++] = '\r';
    out[n++] = '\n';
    return (size_t)n;
}

START_TEST(chat_one_mebibyte_burst)
{
    // alice sends 1 MiB of lines of 8 to 410 bytes as fast as her socket
    // takes them, so the server reads many lines, and parts of lines, at
    // a time; bob reads between slices of the loop and gets every line,
    // whole and in order, and neither is disconnected.  Small buffers on
    // both sides of alice's connection keep what the server can read in
    // one slice (so what it queues for bob) far under the 64 KiB bound.
    start(600000);
    int small = 4096;
    ck_assert(setsockopt(listen_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
    struct peer *a, *b;
    join_two(&a, &b);
    ck_assert(setsockopt(a->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
    char *text = malloc(BURST + 512);
    ck_assert(text != NULL);
    size_t len = 0;
    int lines = 0;
    while (len < BURST)
        len += burst_line(lines++, text + len);
    size_t sent = 0;
    int got = 0;
    char want[520], have[CHAT_LINE_MAX + 64];
    double t0 = el_now_ms(), limit_ms = 20000 * lk_slowdown();
    while (got < lines) {
        while (sent < len) {
            ssize_t n = write(a->fd, text + sent, len - sent);
            if (n <= 0) {
                ck_assert_msg(n < 0 && errno == EAGAIN, "alice could not send: %s",
                              n == 0 ? "wrote nothing" : strerror(errno));
                break;
            }
            sent += (size_t)n;
        }
        pump(1);
        drain(a);
        ck_assert_msg(!a->closed, "the server closed alice's connection after %zu of her %zu "
                      "bytes (her lines are at most 410 bytes)", sent, len);
        drain(b);
        ck_assert_msg(!b->closed || memchr(b->buf, '\n', b->used), "the server closed bob's "
                      "connection after %d of alice's %d lines (bob reads all the time)", got,
                      lines);
        char *nl;
        while ((nl = memchr(b->buf, '\n', b->used))) {
            size_t n = (size_t)(nl - b->buf);
            require(n < sizeof have, "bob got a line of %zu bytes", n);
            memcpy(have, b->buf, n);
            have[n] = '\0';
            memmove(b->buf, nl + 1, b->used - n - 1);
            b->used -= n + 1;
            size_t w = burst_line(got, want + 7);
            memcpy(want, "alice: ", 7);
            want[7 + w - (got % 7 == 6 ? 2 : 1)] = '\0';
            require(strcmp(have, want) == 0, "bob's line %d of alice's %d: expected "
                          "\"%.24s...\" (%zu bytes), got \"%.24s...\" (%zu bytes)", got, lines,
                          want, strlen(want), have, n);
            got++;
            t0 = el_now_ms();
        }
        ck_assert_msg(el_now_ms() - t0 < limit_ms, "bob got nothing new for %.0f ms, after %d "
                      "of alice's %d lines", limit_ms, got, lines);
    }
    expect_nothing(a, 5);
    free(text);
    free_peer(a), free_peer(b);
    finish();
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("eventloop-volume");
    LK_ADD(s, chat_500_clients_one_order);
    LK_ADD(s, chat_one_mebibyte_burst);
    return s;
}
