// Actors from Unix processes: spawn, framed messages over socketpairs, monitors and down messages.
//
// Your task: README.md, tasks 1 and 2.  Keep a table of links, one per
// child (and, in a child, one to the parent).  A message travels as a frame:
// its length, then its bytes.  actor_receive reads whatever is available on
// any link without blocking on one of them, and hands over a message only
// when its frame is complete.  End of file on a child's link means the
// child has gone: reap it (waitpid) and keep its status for actor_monitor.
#define _GNU_SOURCE
#include "actor.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

actor_t actor_spawn(actor_fn fn, void *arg)
{
    // TODO: socketpair, fork; the child closes every link it inherited,
    // keeps its own end, runs fn(arg) and _exit(0)s: it must never return.
    (void)fn, (void)arg;
    errno = ENOSYS;
    return -1;
}

actor_t actor_spawn_leader(actor_fn fn, void *arg)
{
    // TODO: as actor_spawn, and setpgid in both the parent and the child
    // (README.md#shutdown).
    (void)fn, (void)arg;
    errno = ENOSYS;
    return -1;
}

int actor_send(actor_t to, const void *data, size_t length)
{
    // TODO: the frame header, then the bytes; loop on partial writes; use
    // MSG_NOSIGNAL so a gone reader is an error, not SIGPIPE.
    (void)to, (void)data, (void)length;
    errno = ENOSYS;
    return -1;
}

int actor_receive(struct actor_message *m, int timeout_ms)
{
    // TODO: deliver a complete message or a due DOWN; else poll every open
    // link until the deadline, reading what each one has (README.md#framing).
    (void)m, (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}

void actor_message_free(struct actor_message *m)
{
    free(m->data);
    m->data = NULL;
    m->length = 0;
}

int actor_monitor(actor_t who)
{
    // TODO: mark the link; a child already reaped gets its DOWN now.
    (void)who;
    errno = ENOSYS;
    return -1;
}

actor_t actor_self(void)
{
    return getpid();
}

actor_t actor_parent(void)
{
    // TODO: the parent's id, recorded when this process was spawned.
    return 0;
}
