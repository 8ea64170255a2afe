// A line-based chat server on the loop: non-blocking sockets, an output queue per client.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chat.h"

struct client {
    struct chat *chat;
    struct client *prev, *next;
    int fd;
    int named;
    int doomed; // to be dropped once the current callback's work is done
    int writing; // registered for LOOP_WRITE too (the queue is not empty)
    long idle_timer;
    char nick[CHAT_LINE_MAX];
    char in[CHAT_LINE_MAX]; // bytes read, not yet a whole line
    size_t in_used;
    char *out; // bytes not yet sent: out[out_off .. out_len)
    size_t out_off, out_len, out_cap;
};

struct chat {
    loop_t *loop;
    int listen_fd;
    long idle_ms;
    struct client *clients;
};

static void on_client(loop_t *loop, int fd, int events, void *arg);

static void unlink_client(struct client *c)
{
    struct chat *chat = c->chat;
    loop_remove_fd(chat->loop, c->fd);
    loop_cancel_timer(chat->loop, c->idle_timer);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        chat->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->out);
    free(c);
}

// Send what the queue holds, as much as the socket takes now; ask for
// LOOP_WRITE only while something is left.  Never waits.
static void flush(struct client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                c->doomed = 1; // reset by the peer: dropped like end of file
            break;
        }
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    // Change the registration only when the interest changes: an
    // epoll_ctl per line sent would cost a system call per client and line.
    int writing = c->out_len > 0;
    if (writing != c->writing) {
        c->writing = writing;
        loop_add_fd(c->chat->loop, c->fd, LOOP_READ | (writing ? LOOP_WRITE : 0), on_client, c);
    }
}

// Queue bytes for a client; past CHAT_QUEUE_MAX it is doomed instead.
static void enqueue(struct client *c, const char *data, size_t len)
{
    if (c->doomed)
        return;
    size_t pending = c->out_len - c->out_off;
    if (pending + len > CHAT_QUEUE_MAX) {
        c->doomed = 1;
        return;
    }
    if (c->out_off > 0) { // slide the unsent bytes to the front
        memmove(c->out, c->out + c->out_off, pending);
        c->out_off = 0;
        c->out_len = pending;
    }
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 1024;
        while (cap < c->out_len + len)
            cap *= 2;
        char *out = realloc(c->out, cap);
        if (!out) {
            c->doomed = 1;
            return;
        }
        c->out = out;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    flush(c);
}

static void broadcast(struct chat *chat, struct client *from, const char *msg, size_t len)
{
    for (struct client *c = chat->clients; c; c = c->next)
        if (c != from && c->named)
            enqueue(c, msg, len);
}

static void announce(struct chat *chat, struct client *c, const char *what)
{
    char msg[CHAT_LINE_MAX + 32];
    int n = snprintf(msg, sizeof msg, "* %s %s\n", c->nick, what);
    broadcast(chat, c, msg, (size_t)n);
}

// Drop every doomed client.  A drop sends "left" to the others, which may
// doom another client (its queue full), hence the loop.  Called at the end
// of every callback, never inside a broadcast, so no list walk is disturbed.
static void reap(struct chat *chat)
{
    for (;;) {
        struct client *c = chat->clients;
        while (c && !c->doomed)
            c = c->next;
        if (!c)
            return;
        if (c->named) {
            c->named = 0;
            announce(chat, c, "left");
        }
        unlink_client(c);
    }
}

static void on_idle(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)id;
    struct client *c = arg;
    c->idle_timer = 0;
    c->doomed = 1;
    reap(c->chat);
}

// One complete line (without its '\n') from client c.
static void handle_line(struct chat *chat, struct client *c, char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (!c->named) {
        memcpy(c->nick, line, len);
        c->nick[len] = '\0';
        c->named = 1;
        announce(chat, c, "joined");
    } else if (len == 5 && memcmp(line, "/quit", 5) == 0) {
        c->doomed = 1;
    } else {
        char msg[2 * CHAT_LINE_MAX + 8];
        int head = snprintf(msg, sizeof msg, "%s: ", c->nick);
        memcpy(msg + head, line, len);
        msg[head + (int)len] = '\n';
        broadcast(chat, c, msg, (size_t)head + len + 1);
    }
}

static void read_client(struct chat *chat, struct client *c)
{
    ssize_t n = recv(c->fd, c->in + c->in_used, sizeof c->in - c->in_used, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        c->doomed = 1; // end of file or reset
        return;
    }
    if (n < 0)
        return;
    c->in_used += (size_t)n;
    // Any byte counts as activity: the idle timer starts again.
    loop_cancel_timer(chat->loop, c->idle_timer);
    c->idle_timer = loop_add_timer(chat->loop, chat->idle_ms, 0, on_idle, c);
    // Every whole line in the buffer, then keep the partial rest.
    size_t start = 0;
    char *nl;
    while (!c->doomed && (nl = memchr(c->in + start, '\n', c->in_used - start))) {
        size_t len = (size_t)(nl - (c->in + start));
        handle_line(chat, c, c->in + start, len);
        start += len + 1;
    }
    memmove(c->in, c->in + start, c->in_used - start);
    c->in_used -= start;
    if (c->in_used == sizeof c->in)
        c->doomed = 1; // a line longer than CHAT_LINE_MAX
}

static void on_client(loop_t *loop, int fd, int events, void *arg)
{
    (void)loop, (void)fd;
    struct client *c = arg;
    struct chat *chat = c->chat;
    if (events & LOOP_WRITE)
        flush(c);
    if ((events & LOOP_READ) && !c->doomed)
        read_client(chat, c);
    reap(chat); // may free c
}

static void on_accept(loop_t *loop, int fd, int events, void *arg)
{
    (void)events;
    struct chat *chat = arg;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
            return; // EAGAIN: none left; anything else: try on the next round
        struct client *c = calloc(1, sizeof *c);
        if (!c || loop_add_fd(loop, cfd, LOOP_READ, on_client, c) < 0) {
            free(c);
            close(cfd);
            continue;
        }
        c->chat = chat;
        c->fd = cfd;
        c->idle_timer = loop_add_timer(loop, chat->idle_ms, 0, on_idle, c);
        c->next = chat->clients;
        if (c->next)
            c->next->prev = c;
        chat->clients = c;
    }
}

chat_t *chat_new(loop_t *loop, int listen_fd, long idle_ms)
{
    struct chat *chat = calloc(1, sizeof *chat);
    if (!chat)
        return NULL;
    *chat = (struct chat){.loop = loop, .listen_fd = listen_fd, .idle_ms = idle_ms};
    if (loop_add_fd(loop, listen_fd, LOOP_READ, on_accept, chat) < 0) {
        free(chat);
        return NULL;
    }
    return chat;
}

void chat_free(chat_t *chat)
{
    if (!chat)
        return;
    while (chat->clients)
        unlink_client(chat->clients);
    loop_remove_fd(chat->loop, chat->listen_fd);
    free(chat);
}
