// Your reactor: descriptors and timers on epoll (or poll).  See labs/eventloop/README.md.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

// Everything the loop knows: the epoll descriptor, the registered
// descriptors and their callbacks, the timers (Task 2: a min-heap), and
// whether loop_stop was called.
struct loop {
    int epfd;
};

loop_t *loop_new(void)
{
    // TODO (README.md#task-1-descriptors): allocate a loop and its epoll descriptor.
    return NULL;
}

void loop_free(loop_t *loop)
{
    // TODO (README.md#task-1-descriptors): free the table, the timers, close epfd.
    (void)loop;
}

int loop_add_fd(loop_t *loop, int fd, int events, loop_fd_fn fn, void *arg)
{
    // TODO (README.md#task-1-descriptors): EPOLL_CTL_ADD, or MOD if registered.
    (void)loop, (void)fd, (void)events, (void)fn, (void)arg;
    return -1;
}

int loop_remove_fd(loop_t *loop, int fd)
{
    // TODO (README.md#task-3-changes-while-dispatching): forget it, bump its generation.
    (void)loop, (void)fd;
    return -1;
}

long loop_add_timer(loop_t *loop, long delay_ms, long interval_ms, loop_timer_fn fn, void *arg)
{
    // TODO (README.md#task-2-timers): push onto a min-heap ordered by deadline.
    (void)loop, (void)delay_ms, (void)interval_ms, (void)fn, (void)arg;
    return -1;
}

int loop_cancel_timer(loop_t *loop, long id)
{
    // TODO (README.md#task-2-timers): take it out of the heap (or mark the running one).
    (void)loop, (void)id;
    return -1;
}

int loop_run(loop_t *loop)
{
    // TODO (README.md#the-loop): epoll_wait with the nearest timer as timeout,
    // dispatch, fire due timers; until loop_stop or nothing registered.
    (void)loop;
    return -1;
}

void loop_stop(loop_t *loop)
{
    // TODO (README.md#task-4-stopping-and-sleeping): make loop_run return.
    (void)loop;
}
