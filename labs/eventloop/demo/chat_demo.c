// Demo: your chat server on your loop, and a scripted conversation driven by its timers.
//
//   chat_demo            the server on a free loopback port, three clients in the
//                        same process speaking on a timer: one thread, one loop
//   chat_demo PORT       just the server (idle timeout 5 minutes); join with
//                        `nc 127.0.0.1 PORT` and type a nickname first
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chat.h"

static int listen_fd;

// ---- The scripted clients: sockets of this same process, in the same loop ----

static const char *names[] = {"alice", "bob", "carol"};
static int client_fd[3];
static const struct {
    int who;
    const char *text;
} script[] = {
    {0, "alice\n"}, {1, "bob\n"}, {2, "carol\n"}, {0, "hi all\n"}, {1, "hello alice\n"},
    {2, "two lines in one write\ncarol again\n"}, {1, "half a li"}, {1, "ne, sent in two\n"},
    {0, "/quit\n"},
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
    const char *text = script[step].text;
    printf("%-5s sends    \"", names[who]);
    for (const char *c = text; *c; c++)
        fputs(*c == '\n' ? "\\n" : (char[]){*c, 0}, stdout);
    printf("\"\n");
    if (write(client_fd[who], script[step].text, strlen(script[step].text)) < 0)
        perror("write");
    step++;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    addr.sin_port = htons(argc > 1 ? (unsigned short)atoi(argv[1]) : 0);
    socklen_t alen = sizeof addr;
    int yes = 1;
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    loop_t *loop = loop_new();
    if (!loop || listen_fd < 0 ||
        setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) < 0 ||
        bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listen_fd, 64) < 0 ||
        getsockname(listen_fd, (struct sockaddr *)&addr, &alen) < 0) {
        fprintf(stderr, "chat_demo: could not start (is loop.c written yet?)\n");
        return 1;
    }
    chat_t *chat = chat_new(loop, listen_fd, 300000);
    if (!chat) {
        fprintf(stderr, "chat_demo: chat_new returned NULL (is chat.c written yet?)\n");
        return 1;
    }
    int port = ntohs(addr.sin_port);
    if (argc > 1) {
        printf("chat server on 127.0.0.1:%d; join from other terminals with: nc 127.0.0.1 %d\n"
               "(your first line is your nickname; /quit leaves)\n", port, port);
        return loop_run(loop) == 0 ? 0 : 1;
    }
    printf("one thread, one loop: your chat server on port %d and three clients,\n"
           "each a socket of this same process, sending on a 100 ms timer\n\n", port);
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
    printf("\nthe half line went out once, whole; every line reached the others in the\n"
           "order the server read it, and nobody waited for anybody\n");
    chat_free(chat);
    loop_free(loop);
    return rc == 0 ? 0 : 1;
}
