// Plan A, concurrency without parallelism: a chat server in one thread.
//
// One loop waits in poll() for whichever socket is ready (a new connection,
// a line from a client) and handles it to the end before waiting again.
// Nothing runs in parallel, so nothing needs a lock; the price is that no
// handler may block, or every client waits.
//
//   cc -std=gnu11 -O2 -Wall -Wextra chat_server.c -o chat_server
//   ./chat_server 7000          then, in two other terminals: nc 127.0.0.1 7000
//   ./chat_server --self-test   starts, connects two clients, relays a line, exits
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_CLIENTS = 64, LINE_MAX_BYTES = 512 };

struct client {
    int fd;                     // -1: slot unused
    char line[LINE_MAX_BYTES];  // bytes received, not yet a full line
    size_t used;
};

struct server {
    int listen_fd;
    struct client clients[MAX_CLIENTS];
};

static int server_open(struct server *s, unsigned short port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int yes = 1;
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) < 0 ||
        bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        listen(s->listen_fd, 16) < 0)
        return -1;
    for (int i = 0; i < MAX_CLIENTS; i++)
        s->clients[i] = (struct client){.fd = -1};
    return 0;
}

static void drop_client(struct client *c)
{
    close(c->fd);
    c->fd = -1;
    c->used = 0;
}

// Send a line to every client but the sender.  The sockets are non-blocking:
// a client that cannot take the line now is dropped, because waiting for it
// would stall everybody else.
static void broadcast(struct server *s, struct client *from, const char *text, size_t len)
{
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &s->clients[i];
        if (c->fd < 0 || c == from)
            continue;
        if (send(c->fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len)
            drop_client(c);
    }
}

static void accept_client(struct server *s)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (s->clients[i].fd < 0) {
            s->clients[i].fd = fd;
            return;
        }
    }
    close(fd); // full
}

// Read what the client sent; relay each complete line, prefixed by its slot.
static void read_client(struct server *s, struct client *c)
{
    ssize_t n = recv(c->fd, c->line + c->used, sizeof c->line - c->used, 0);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
            drop_client(c);
        return;
    }
    c->used += (size_t)n;
    char *newline;
    while ((newline = memchr(c->line, '\n', c->used)) != NULL) {
        size_t len = (size_t)(newline - c->line) + 1;
        char out[LINE_MAX_BYTES + 32];
        int head = snprintf(out, sizeof out, "client %d: ", (int)(c - s->clients));
        memcpy(out + head, c->line, len);
        broadcast(s, c, out, (size_t)head + len);
        memmove(c->line, c->line + len, c->used - len);
        c->used -= len;
    }
    if (c->used == sizeof c->line)
        drop_client(c); // a line longer than the buffer: refuse it
}

// One turn of the event loop: wait until something is ready, handle it all.
static void server_step(struct server *s, int timeout_ms)
{
    struct pollfd fds[MAX_CLIENTS + 1];
    int owner[MAX_CLIENTS + 1], count = 0;
    fds[count] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
    owner[count++] = -1;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (s->clients[i].fd >= 0) {
            fds[count] = (struct pollfd){.fd = s->clients[i].fd, .events = POLLIN};
            owner[count++] = i;
        }
    }
    if (poll(fds, (nfds_t)count, timeout_ms) <= 0)
        return;
    for (int k = 0; k < count; k++) {
        if (!fds[k].revents)
            continue;
        if (owner[k] < 0)
            accept_client(s);
        else if (s->clients[owner[k]].fd == fds[k].fd) // not dropped meanwhile
            read_client(s, &s->clients[owner[k]]);
    }
}

static int connect_to(unsigned short port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int connected_clients(struct server *s)
{
    int n = 0;
    for (int i = 0; i < MAX_CLIENTS; i++)
        n += s->clients[i].fd >= 0;
    return n;
}

// Run the server on a free port with two clients in this same process:
// alice says a line, and the loop must deliver it to bob.
static int self_test(void)
{
    struct server s;
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    alarm(5); // a broken loop must not hang the test
    if (server_open(&s, 0) < 0 || getsockname(s.listen_fd, (struct sockaddr *)&addr, &len) < 0)
        return 1;
    unsigned short port = ntohs(addr.sin_port);
    int alice = connect_to(port), bob = connect_to(port);
    for (int i = 0; i < 100 && connected_clients(&s) < 2; i++)
        server_step(&s, 10);
    const char hello[] = "hello, bob\n";
    if (alice < 0 || bob < 0 || send(alice, hello, strlen(hello), 0) < 0)
        return 1;
    char got[128] = "";
    ssize_t n = -1;
    for (int i = 0; i < 100 && n <= 0; i++) {
        server_step(&s, 10);
        n = recv(bob, got, sizeof got - 1, MSG_DONTWAIT);
    }
    got[n > 0 ? n : 0] = '\0';
    printf("server on port %u, %d clients; bob received: %s", port, connected_clients(&s),
           n > 0 ? got : "(nothing)\n");
    int ok = n > 0 && strstr(got, "hello, bob\n") != NULL;
    close(alice);
    close(bob);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--self-test") == 0)
        return self_test();
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT | --self-test\n", argv[0]);
        return 2;
    }
    struct server s;
    if (server_open(&s, (unsigned short)atoi(argv[1])) < 0) {
        perror("chat_server: cannot listen");
        return 1;
    }
    printf("chat server on 127.0.0.1:%s; connect with nc 127.0.0.1 %s\n", argv[1], argv[1]);
    fflush(stdout);
    for (;;)
        server_step(&s, -1);
}
