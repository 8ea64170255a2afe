// Helpers of the eventloop lab's tests: counts every epoll_wait and poll the loop makes.
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

// ---- The watch for a send that sleeps ----

enum { WATCH_LOOKS = 8 };
#define WATCH_PERIOD_NS 2500000L // between looks
#define WATCH_MIN_MS 20.0        // and at least this long asleep in one send

static pthread_t watch_thread;
static int watch_running;
static atomic_int watch_tid, watch_armed, watch_stop, watch_fd = -1;
static const char *watch_call;

static const struct {
    long number;
    const char *name;
} send_calls[] = {
    {SYS_sendto, "send"}, {SYS_sendmsg, "sendmsg"}, {SYS_sendmmsg, "sendmmsg"},
    {SYS_write, "write"}, {SYS_writev, "writev"},
};

// The send the thread sleeps in now: its name, and its descriptor in *fd;
// NULL if it is running or in any other call.
static const char *sleeping_send(int tid, int *fd)
{
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    FILE *file = fopen(path, "r");
    if (!file)
        return NULL;
    size_t n = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[n] = '\0';
    // "running" while on a core or runnable; else "NR ARG0 ...", in hex.
    char *end;
    long number = strtol(text, &end, 10);
    if (end == text || number < 0)
        return NULL;
    *fd = (int)strtol(end, NULL, 16);
    for (size_t i = 0; i < sizeof send_calls / sizeof *send_calls; i++)
        if (send_calls[i].number == number)
            return send_calls[i].name;
    return NULL;
}

static void *watch_main(void *arg)
{
    (void)arg;
    int looks = 0, last_fd = -1;
    double since = 0;
    while (!atomic_load(&watch_stop)) {
        struct timespec pause = {0, WATCH_PERIOD_NS};
        nanosleep(&pause, NULL);
        int fd = -1;
        const char *call = atomic_load(&watch_armed) ? sleeping_send(watch_tid, &fd) : NULL;
        if (!call || fd != last_fd) {
            looks = call ? 1 : 0;
            last_fd = fd;
            since = el_now_ms();
            continue;
        }
        if (++looks < WATCH_LOOKS || el_now_ms() - since < WATCH_MIN_MS)
            continue;
        // Asleep in one send all this time: record it and end the wait.  A
        // write without MSG_NOSIGNAL on a shut socket raises SIGPIPE, which
        // would end the test before it can say why.
        if (atomic_load(&watch_fd) < 0) {
            watch_call = call;
            atomic_store(&watch_fd, fd);
        }
        signal(SIGPIPE, SIG_IGN);
        shutdown(fd, SHUT_WR);
        looks = 0;
    }
    return NULL;
}

void el_watch_start(void)
{
    atomic_store(&watch_tid, (int)syscall(SYS_gettid));
    atomic_store(&watch_stop, 0);
    ck_assert_msg(pthread_create(&watch_thread, NULL, watch_main, NULL) == 0,
                  "could not start the test's watch thread (the test machine, not your code)");
    watch_running = 1;
}

void el_watch_arm(int armed)
{
    atomic_store(&watch_armed, armed);
}

int el_watch_blocked_fd(const char **call)
{
    int fd = atomic_load(&watch_fd);
    if (fd >= 0 && call)
        *call = watch_call;
    return fd;
}

void el_watch_stop(void)
{
    if (!watch_running)
        return;
    atomic_store(&watch_stop, 1);
    pthread_join(watch_thread, NULL);
    watch_running = 0;
}
