// The benchmark's baseline: the same chat protocol served by one thread per client.
//
// The design a first server often has: an accept loop that starts a thread
// for every client; the thread reads its client's lines with blocking reads
// and, holding one lock over the list of clients, writes each line to every
// other named client with blocking writes.  No output queues, no idle
// timeout, no limit on lines: only what the benchmark's clients exercise.
// Its sockets inherit TCP_NODELAY from the listening socket, as the loop's do.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chat.h"
#include "thread_chat.h"

struct tclient {
    struct tclient *prev, *next;
    int fd;
    int named;
    char nick[CHAT_LINE_MAX];
};

static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tclient *clients;

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return; // the reader of that client notices the error
        data += n;
        len -= (size_t)n;
    }
}

// With clients_lock held: to every named client but `from`.
static void broadcast(struct tclient *from, const char *msg, size_t len)
{
    for (struct tclient *c = clients; c; c = c->next)
        if (c != from && c->named)
            send_all(c->fd, msg, len);
}

static void handle_line(struct tclient *c, char *line, size_t len)
{
    char msg[2 * CHAT_LINE_MAX + 16];
    int n;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    pthread_mutex_lock(&clients_lock);
    if (!c->named) {
        memcpy(c->nick, line, len);
        c->nick[len] = '\0';
        c->named = 1;
        n = snprintf(msg, sizeof msg, "* %s joined\n", c->nick);
    } else {
        n = snprintf(msg, sizeof msg, "%s: %.*s\n", c->nick, (int)len, line);
    }
    broadcast(c, msg, (size_t)n);
    pthread_mutex_unlock(&clients_lock);
}

static void *serve_client(void *arg)
{
    struct tclient *c = arg;
    char in[CHAT_LINE_MAX];
    size_t used = 0;
    ssize_t n;
    while (used < sizeof in && (n = recv(c->fd, in + used, sizeof in - used, 0)) > 0) {
        used += (size_t)n;
        size_t start = 0;
        char *nl;
        while ((nl = memchr(in + start, '\n', used - start))) {
            handle_line(c, in + start, (size_t)(nl - (in + start)));
            start = (size_t)(nl - in) + 1;
        }
        memmove(in, in + start, used - start);
        used -= start;
    }
    pthread_mutex_lock(&clients_lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->named) {
        char msg[CHAT_LINE_MAX + 16];
        int len = snprintf(msg, sizeof msg, "* %s left\n", c->nick);
        broadcast(c, msg, (size_t)len);
    }
    pthread_mutex_unlock(&clients_lock);
    close(c->fd);
    free(c);
    return NULL;
}

void thread_chat_serve(int listen_fd)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        struct tclient *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        pthread_mutex_lock(&clients_lock);
        c->next = clients;
        if (clients)
            clients->prev = c;
        clients = c;
        pthread_mutex_unlock(&clients_lock);
        pthread_t thread;
        if (pthread_create(&thread, &attr, serve_client, c) != 0) {
            fprintf(stderr, "thread_chat: cannot start a thread per client\n");
            exit(1);
        }
    }
}
