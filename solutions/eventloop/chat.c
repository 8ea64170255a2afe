// A line-based chat server on the loop: non-blocking sockets, output coalesced once per round.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "chat.h"

// What one recv may take: several lines at once, and a whole line after
// the partial one a client left behind.
enum { READ_MAX = 4 * CHAT_LINE_MAX, QUEUE_MIN = 64, LOG_MIN = 1024 };

// A client holds no buffer while it has nothing pending: its nickname is
// allocated to its length, a partial input line only while one waits for
// its end, an output queue only while its socket is full.
struct client {
    struct chat *chat;
    struct client *prev, *next; // every client, for the end of a round
    char *nick;                 // NULL until named
    char *in;                   // a line's start not yet ended by '\n', or NULL
    char *out;                  // bytes the socket did not take: out[out_off .. out_len)
    uint32_t out_off, out_len, out_cap;
    uint32_t id;
    uint32_t named_round, first_msg; // named in that round, before its message first_msg
    uint32_t spoke_round;            // the last round it broadcast in
    uint16_t in_len;
    uint8_t doomed;  // to be dropped once the current callback's work is done
    uint8_t writing; // registered for LOOP_WRITE too (its queue is not empty)
    int fd;
    long idle_timer;
    long long heard_ns; // when the last byte came in
};

// One broadcast of the round: it ends at log[end], and all named clients
// but its sender get it.
struct msg {
    uint32_t end, from;
};

// A round's broadcasts are written once, to the round's log, and sent to
// every client when the round ends: one send per client however many lines
// the round read, and no copy per client unless its socket is full.
struct chat {
    loop_t *loop;
    int listen_fd;
    long idle_ms;
    struct client *clients;
    char *log;
    uint32_t log_len, log_cap;
    struct msg *msgs;
    uint32_t msg_count, msg_cap;
    uint32_t round;     // rounds flushed so far
    uint32_t next_id;
    long flush_timer;   // the 0 ms timer that ends the round, or 0
    int doomed;         // clients marked doomed, not yet dropped
};

static void on_client(loop_t *loop, int fd, int events, void *arg);
static void on_idle(loop_t *loop, long id, void *arg);
static void reap(struct chat *chat);

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void doom(struct client *c)
{
    if (!c->doomed) {
        c->doomed = 1;
        c->chat->doomed++;
    }
}

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
    if (c->doomed)
        chat->doomed--;
    free(c->nick);
    free(c->in);
    free(c->out);
    free(c);
}

// Ask for LOOP_WRITE only while the queue holds bytes.  Only when the
// interest changes: an epoll_ctl per send would double the system calls.
static void set_interest(struct client *c)
{
    uint8_t writing = c->out_len > 0;
    if (writing != c->writing) {
        c->writing = writing;
        loop_add_fd(c->chat->loop, c->fd, LOOP_READ | (writing ? LOOP_WRITE : 0), on_client, c);
    }
}

// Send what the queue holds, as much as the socket takes now; free the
// queue once empty.  Never waits.
static void send_queue(struct client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                doom(c); // reset by the peer: dropped like end of file
            break;
        }
        c->out_off += (uint32_t)n;
    }
    if (c->out_off == c->out_len) {
        free(c->out);
        c->out = NULL;
        c->out_off = c->out_len = c->out_cap = 0;
    }
    set_interest(c);
}

// Keep bytes the socket did not take; past CHAT_QUEUE_MAX the client is
// doomed instead.
static void enqueue(struct client *c, const char *data, size_t len)
{
    size_t pending = c->out_len - c->out_off;
    if (pending + len > CHAT_QUEUE_MAX) {
        doom(c);
        return;
    }
    if (c->out_len + len > c->out_cap && c->out_off > 0) { // slide unsent bytes to the front
        memmove(c->out, c->out + c->out_off, pending);
        c->out_off = 0;
        c->out_len = (uint32_t)pending;
    }
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : QUEUE_MIN;
        while (cap < c->out_len + len)
            cap *= 2;
        char *out = realloc(c->out, cap);
        if (!out) {
            doom(c);
            return;
        }
        c->out = out;
        c->out_cap = (uint32_t)cap;
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += (uint32_t)len;
}

// Bytes for client c, after whatever its queue holds: straight from the
// log while the queue is empty, and only the rest is copied.
static void deliver(struct client *c, const char *data, size_t len)
{
    while (c->out_len == 0 && len > 0 && !c->doomed) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                doom(c);
            break;
        }
        data += n;
        len -= (size_t)n;
    }
    if (len > 0 && !c->doomed)
        enqueue(c, data, len);
}

// Client c's share of the round: every message from first on, but its own.
static void deliver_round(struct chat *chat, struct client *c, uint32_t first)
{
    uint32_t i = first;
    while (i < chat->msg_count && !c->doomed) {
        while (i < chat->msg_count && chat->msgs[i].from == c->id)
            i++;
        uint32_t j = i;
        while (j < chat->msg_count && chat->msgs[j].from != c->id)
            j++;
        if (j > i) {
            uint32_t start = i > 0 ? chat->msgs[i - 1].end : 0;
            deliver(c, chat->log + start, chat->msgs[j - 1].end - start);
        }
        i = j;
    }
}

// The round's last step: all descriptors of the round are dispatched
// before a due timer runs, so a 0 ms timer sends after all of them.
static void flush_round(struct chat *chat)
{
    for (struct client *c = chat->clients; c; c = c->next) {
        if (!c->nick || c->doomed)
            continue;
        uint32_t first = c->named_round == chat->round ? c->first_msg : 0;
        if (first == 0 && c->spoke_round != chat->round)
            deliver(c, chat->log, chat->log_len); // the whole log: the common case
        else
            deliver_round(chat, c, first);
        set_interest(c);
    }
    chat->log_len = chat->msg_count = 0;
    chat->round++;
}

static void on_flush(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)id;
    struct chat *chat = arg;
    chat->flush_timer = 0;
    flush_round(chat);
    reap(chat); // a "left" notice starts the next round
}

// An array of `size`-byte items grown to hold `need` (doubling *cap, from
// `min`); the same array, or NULL if out of memory (the old one stays).
static void *reserve(void *items, uint32_t *cap, size_t need, size_t size, size_t min)
{
    if (need <= *cap)
        return items;
    size_t n = *cap ? *cap : min;
    while (n < need)
        n *= 2;
    void *p = realloc(items, n * size);
    if (p)
        *cap = (uint32_t)n;
    return p;
}

// Add a message to the round, for every named client but `from`.
static void broadcast(struct chat *chat, struct client *from, const char *msg, size_t len)
{
    char *log = reserve(chat->log, &chat->log_cap, chat->log_len + len, 1, LOG_MIN);
    if (log)
        chat->log = log;
    struct msg *msgs = reserve(chat->msgs, &chat->msg_cap, chat->msg_count + 1, sizeof *msgs, 16);
    if (msgs)
        chat->msgs = msgs;
    if (!log || !msgs) {
        doom(from); // out of memory: its line cannot go out
        return;
    }
    memcpy(chat->log + chat->log_len, msg, len);
    chat->log_len += (uint32_t)len;
    chat->msgs[chat->msg_count++] = (struct msg){.end = chat->log_len, .from = from->id};
    from->spoke_round = chat->round;
    if (!chat->flush_timer) {
        chat->flush_timer = loop_add_timer(chat->loop, 0, 0, on_flush, chat);
        if (chat->flush_timer < 0) { // out of memory: send at once instead
            chat->flush_timer = 0;
            flush_round(chat);
        }
    }
}

static void announce(struct chat *chat, struct client *c, const char *what)
{
    char msg[CHAT_LINE_MAX + 32];
    int n = snprintf(msg, sizeof msg, "* %s %s\n", c->nick, what);
    broadcast(chat, c, msg, (size_t)n);
}

// Drop every doomed client; the others hear "left" when the round ends.
// Called at the end of every callback, never during the end of a round's
// walk over the clients, so no list walk is disturbed.
static void reap(struct chat *chat)
{
    while (chat->doomed > 0) {
        struct client *c = chat->clients;
        while (c && !c->doomed)
            c = c->next;
        if (!c)
            return;
        if (c->nick)
            announce(chat, c, "left");
        unlink_client(c);
    }
}

// The idle timer is not restarted on every read (cancelling searches the
// heap): when it fires, a client heard from since is given the time left.
static void on_idle(loop_t *loop, long id, void *arg)
{
    (void)id;
    struct client *c = arg;
    long long left = c->heard_ns + c->chat->idle_ms * 1000000LL - now_ns();
    c->idle_timer = 0;
    if (left > 0)
        c->idle_timer = loop_add_timer(loop, (long)((left + 999999) / 1000000), 0, on_idle, c);
    if (c->idle_timer <= 0)
        doom(c);
    reap(c->chat);
}

// One complete line (without its '\n') from client c.
static void handle_line(struct chat *chat, struct client *c, const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (!c->nick) {
        if (!(c->nick = malloc(len + 1))) {
            doom(c);
            return;
        }
        memcpy(c->nick, line, len);
        c->nick[len] = '\0';
        c->named_round = chat->round;
        c->first_msg = chat->msg_count; // it hears of nothing said before
        announce(chat, c, "joined");
    } else if (len == 5 && memcmp(line, "/quit", 5) == 0) {
        doom(c);
    } else {
        char msg[2 * CHAT_LINE_MAX + 8];
        int head = snprintf(msg, sizeof msg, "%s: ", c->nick);
        memcpy(msg + head, line, len);
        msg[head + (int)len] = '\n';
        broadcast(chat, c, msg, (size_t)head + len + 1);
    }
}

// Keep the bytes after the last whole line until the next read.
static void keep_partial(struct client *c, const char *rest, size_t len)
{
    if (len == 0) {
        free(c->in);
        c->in = NULL;
    } else {
        char *in = realloc(c->in, len);
        if (!in) {
            doom(c);
            return;
        }
        memcpy(in, rest, len);
        c->in = in;
    }
    c->in_len = (uint16_t)len;
}

static void read_client(struct chat *chat, struct client *c)
{
    char buf[READ_MAX];
    size_t used = c->in_len;
    if (used > 0)
        memcpy(buf, c->in, used); // the partial line comes first
    ssize_t n = recv(c->fd, buf + used, sizeof buf - used, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        doom(c); // end of file or reset
        return;
    }
    if (n < 0)
        return;
    used += (size_t)n;
    c->heard_ns = now_ns(); // any byte counts as activity (on_idle reads it)
    // Every whole line in the buffer, then keep the partial rest.
    size_t start = 0;
    while (!c->doomed) {
        char *nl = memchr(buf + start, '\n', used - start);
        size_t len = nl ? (size_t)(nl - (buf + start)) : used - start;
        if (len >= CHAT_LINE_MAX) {
            doom(c); // a line longer than CHAT_LINE_MAX, its '\n' included
            return;
        }
        if (!nl)
            break;
        handle_line(chat, c, buf + start, len);
        start += len + 1;
    }
    if (!c->doomed)
        keep_partial(c, buf + start, used - start);
}

static void on_client(loop_t *loop, int fd, int events, void *arg)
{
    (void)loop, (void)fd;
    struct client *c = arg;
    struct chat *chat = c->chat;
    if (events & LOOP_WRITE)
        send_queue(c);
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
        c->id = ++chat->next_id;
        c->heard_ns = now_ns();
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
    *chat = (struct chat){.loop = loop, .listen_fd = listen_fd, .idle_ms = idle_ms, .round = 1};
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
    loop_cancel_timer(chat->loop, chat->flush_timer);
    loop_remove_fd(chat->loop, chat->listen_fd);
    free(chat->log);
    free(chat->msgs);
    free(chat);
}
