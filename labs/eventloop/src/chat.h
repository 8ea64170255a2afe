// The eventloop lab's chat server API: a line-based chat on the loop of loop.h.
//
// Protocol (README.md, Part 2): a client's first line is its nickname; the
// others then get "* NICK joined\n".  Each later line L goes to every other
// named client as "NICK: L\n", in the order the server read the lines.
// "/quit", end of file, a reset, a line over CHAT_LINE_MAX bytes, more than
// CHAT_QUEUE_MAX bytes waiting for a client that does not read, or idle_ms
// without a byte from a client disconnect it; the others get "* NICK left\n".
#ifndef CHAT_H
#define CHAT_H

#include "loop.h"

enum {
    CHAT_LINE_MAX = 512,    // bytes of one line, its '\n' included
    CHAT_QUEUE_MAX = 65536, // bytes waiting to be sent to one client
};

typedef struct chat chat_t;

// Serve chat through `loop` on `listen_fd`, a listening non-blocking socket
// that stays the caller's.  NULL on error.
chat_t *chat_new(loop_t *loop, int listen_fd, long idle_ms);

// Disconnect every client (closing its socket, no notices), stop watching
// listen_fd (without closing it) and free everything.
void chat_free(chat_t *chat);

#endif
