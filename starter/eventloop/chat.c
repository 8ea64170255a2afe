// Your chat server on your loop (Part 2).  See labs/eventloop/README.md.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chat.h"

// The server: its loop, the listening socket, the idle timeout, the clients
// (each with its partial input line and its output queue).
struct chat {
    loop_t *loop;
    int listen_fd;
};

chat_t *chat_new(loop_t *loop, int listen_fd, long idle_ms)
{
    // TODO (README.md#task-5-the-chat-server): register listen_fd; accept
    // clients as it becomes readable.
    (void)loop, (void)listen_fd, (void)idle_ms;
    return NULL;
}

void chat_free(chat_t *chat)
{
    // TODO (README.md#task-5-the-chat-server): close every client, free it all.
    (void)chat;
}
