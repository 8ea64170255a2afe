// Helpers of the eventloop lab's tests: counts every epoll_wait and poll the loop makes.
#define _GNU_SOURCE
#include <poll.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include "el_test.h"
#include "labkit_check.h"

static atomic_long wait_calls;

// The linker sends the submission's calls here (-Wl,--wrap=...); a count of
// sleeps tells a loop that sleeps from one that spins, whatever the load.
int __real_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);
int __real_poll(struct pollfd *fds, nfds_t nfds, int timeout);

int __wrap_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
    atomic_fetch_add(&wait_calls, 1);
    return __real_epoll_wait(epfd, events, maxevents, timeout);
}

int __wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    atomic_fetch_add(&wait_calls, 1);
    return __real_poll(fds, nfds, timeout);
}

long el_wait_calls(void)
{
    return atomic_load(&wait_calls);
}

double el_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void el_socketpair(int sv[2])
{
    ck_assert_msg(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0,
                  "socketpair failed (the test machine, not your code)");
}
