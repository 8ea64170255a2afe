// Demo: a small chat relay on your loop, and a scripted conversation driven by its timers.
//
//   chat_demo            a server on a free loopback port, three clients in the
//                        same process speaking on a timer: one thread, one loop
//   chat_demo PORT       just the server; join with `nc 127.0.0.1 PORT`
//
// The relay is deliberately simple (a line that does not fit a client's
// socket buffer is cut short); it shows the loop, not a robust server.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"

enum { MAX_CONN = 64, LINE = 512 };

static struct conn {
    int fd; // -1: free
    char buf[LINE];
    size_t used;
} conns[MAX_CONN];
static int listen_fd;

static void relay(int from, const char *line, size_t len)
{
    char out[LINE + 32];
    int head = snprintf(out, sizeof out, "[%d] ", from);
    memcpy(out + head, line, len);
    // A full socket buffer makes write fail or fall short: this demo drops
    // the rest of the line for that client rather than wait.
    for (int i = 0; i < MAX_CONN; i++)
        if (conns[i].fd >= 0 && i != from)
            (void)!write(conns[i].fd, out, (size_t)head + len);
}

static void on_client(loop_t *loop, int fd, int events, void *arg)
{
    (void)events;
    struct conn *c = arg;
    ssize_t n = read(fd, c->buf + c->used, sizeof c->buf - c->used);
    if (n <= 0) {
        loop_remove_fd(loop, fd);
        close(fd);
        c->fd = -1;
        return;
    }
    c->used += (size_t)n;
    char *nl;
    while ((nl = memchr(c->buf, '\n', c->used))) {
        size_t len = (size_t)(nl - c->buf) + 1;
        relay((int)(c - conns), c->buf, len);
        memmove(c->buf, c->buf + len, c->used - len);
        c->used -= len;
    }
    if (c->used == sizeof c->buf)
        c->used = 0; // an over-long line: forget it
}

static void on_accept(loop_t *loop, int fd, int events, void *arg)
{
    (void)events, (void)arg;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    for (int i = 0; cfd >= 0 && i < MAX_CONN; i++) {
        if (conns[i].fd < 0) {
            conns[i] = (struct conn){.fd = cfd};
            loop_add_fd(loop, cfd, LOOP_READ, on_client, &conns[i]);
            return;
        }
    }
    if (cfd >= 0)
        close(cfd);
}

// ---- The scripted clients: sockets of this same process, in the same loop ----

static const char *names[] = {"alice", "bob", "carol"};
static int client_fd[3];
static const struct {
    int who;
    const char *text;
} script[] = {
    {0, "hi all\n"}, {1, "hello alice\n"}, {2, "hey! two lines in one write\ncarol again\n"},
    {0, "bye\n"},
};

static void on_heard(loop_t *loop, int fd, int events, void *arg)
{
    (void)loop, (void)events;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
            printf("    %-5s hears  %s\n", names[(long)arg], line);
    }
}

static void next_line(loop_t *loop, long id, void *arg)
{
    static size_t step;
    (void)arg;
    if (step == sizeof script / sizeof script[0]) {
        loop_cancel_timer(loop, id);
        loop_stop(loop);
        return;
    }
    int who = script[step].who;
    printf("%-5s (conn %d) says: %s", names[who], who, script[step].text);
    if (write(client_fd[who], script[step].text, strlen(script[step].text)) < 0)
        perror("write");
    step++;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < MAX_CONN; i++)
        conns[i].fd = -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    addr.sin_port = htons(argc > 1 ? (unsigned short)atoi(argv[1]) : 0);
    socklen_t alen = sizeof addr;
    int yes = 1;
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    loop_t *loop = loop_new();
    if (!loop || listen_fd < 0 ||
        setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) < 0 ||
        bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listen_fd, 64) < 0 ||
        getsockname(listen_fd, (struct sockaddr *)&addr, &alen) < 0 ||
        loop_add_fd(loop, listen_fd, LOOP_READ, on_accept, NULL) < 0) {
        fprintf(stderr, "chat_demo: could not start (is loop.c written yet?)\n");
        return 1;
    }
    int port = ntohs(addr.sin_port);
    if (argc > 1) {
        printf("chat relay on 127.0.0.1:%d; join from other terminals with: nc 127.0.0.1 %d\n",
               port, port);
        return loop_run(loop) == 0 ? 0 : 1;
    }
    printf("one thread, one loop: a relay on port %d and three clients, a line every 100 ms\n\n",
           port);
    for (long i = 0; i < 3; i++) {
        client_fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(client_fd[i], (struct sockaddr *)&addr, sizeof addr) < 0) {
            perror("connect");
            return 1;
        }
        loop_add_fd(loop, client_fd[i], LOOP_READ, on_heard, (void *)i);
    }
    loop_add_timer(loop, 100, 100, next_line, NULL);
    int rc = loop_run(loop);
    printf("\nevery line reached the two others, in the order the relay read them\n");
    loop_free(loop);
    return rc == 0 ? 0 : 1;
}
