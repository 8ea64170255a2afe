// Helpers of the chat tests: a server on loopback and clients in the test process.
//
// Included by the public and hidden chat suites; every function is static
// inline, so a suite that does not use one gets no warning.
#ifndef CHAT_PEER_H
#define CHAT_PEER_H

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

static inline void stop_loop(loop_t *l, long id, void *arg)
{
    (void)id, (void)arg;
    loop_stop(l);
}

// Run the loop for about `ms` milliseconds.  The server must never sleep in
// a send meanwhile (el_test.h: the watch ends such a sleep and says so).
static inline void pump(long ms)
{
    ck_assert(loop_add_timer(loop, ms, 0, stop_loop, NULL) > 0);
    el_watch_arm(1);
    int rc = loop_run(loop);
    el_watch_arm(0);
    const char *call = "";
    int fd = el_watch_blocked_fd(&call);
    if (fd >= 0)
        el_watch_stop(); // before the failure ends the process
    ck_assert_msg(fd < 0, "the server slept in %s() on its client socket %d, waiting for the "
                  "client to read: meanwhile no other client was served (a send must never "
                  "wait: non-blocking sockets and an output queue, README Task 6)", call, fd);
    ck_assert_msg(rc == 0, "loop_run failed while serving the chat");
}

static inline void start(long idle_ms)
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
    el_watch_start();
}

static inline void finish(void)
{
    el_watch_stop();
    chat_free(chat);
    loop_free(loop);
    close(listen_fd);
}

static inline struct peer *connect_peer(const char *name, int rcvbuf)
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

static inline void free_peer(struct peer *p)
{
    close(p->fd);
    free(p);
}

static inline void say(struct peer *p, const char *text)
{
    size_t len = strlen(text);
    ck_assert_msg(write(p->fd, text, len) == (ssize_t)len, "%s could not send", p->name);
}

// Take in whatever the server has sent p so far.
static inline void drain(struct peer *p)
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
static inline void expect_line(struct peer *p, const char *want)
{
    long limit_ms = (long)(3000 * lk_slowdown());
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
static inline void expect_nothing(struct peer *p, long ms)
{
    pump(ms);
    drain(p);
    ck_assert_msg(p->used == 0, "%s received \"%.*s\", expected nothing yet", p->name,
                  (int)p->used, p->buf);
}

// Pump until the server closes p's connection.
static inline void expect_closed(struct peer *p)
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
static inline void join_two(struct peer **a, struct peer **b)
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

// Pump until p has a whole line; return it (without '\n') in out, consumed.
static inline void next_line(struct peer *p, char *out, size_t cap)
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

// Most tests' cast and end: the server started, alice and bob joined; then
// both gone and the server stopped.
static inline void start_with_two(struct peer **a, struct peer **b)
{
    start(60000);
    join_two(a, b);
}

static inline void finish_with_two(struct peer *a, struct peer *b)
{
    free_peer(a);
    free_peer(b);
    finish();
}

#endif
