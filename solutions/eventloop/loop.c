// A reactor on epoll: descriptors in a table indexed by fd, timers in a binary min-heap.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

enum { MAX_EVENTS = 64 };

// One registered descriptor.  `gen` changes on every add and remove, and is
// stored in the epoll event, so an event found before a remove (or before a
// remove and a new add of the same number) is recognised as stale.
struct fd_entry {
    loop_fd_fn fn; // NULL: not registered
    void *arg;
    int events;
    uint32_t gen;
};

struct timer {
    long id;
    long long deadline_ns;
    long long interval_ns;
    unsigned long seq; // order of adding: breaks ties between equal deadlines
    loop_timer_fn fn;
    void *arg;
};

struct loop {
    int epfd;
    struct fd_entry *fds; // indexed by descriptor number
    int fd_cap;
    int fd_count;
    struct timer **heap; // min-heap on (deadline, seq)
    size_t heap_len, heap_cap;
    struct timer *firing; // the timer whose callback runs now, or NULL
    int firing_cancelled;
    long next_id;
    unsigned long next_seq;
    int stopped;
};

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

loop_t *loop_new(void)
{
    loop_t *loop = calloc(1, sizeof *loop);
    if (!loop)
        return NULL;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        free(loop);
        return NULL;
    }
    loop->next_id = 1;
    return loop;
}

void loop_free(loop_t *loop)
{
    if (!loop)
        return;
    for (size_t i = 0; i < loop->heap_len; i++)
        free(loop->heap[i]);
    free(loop->heap);
    free(loop->fds);
    close(loop->epfd);
    free(loop);
}

// ---- Descriptors ----

static int grow_fds(loop_t *loop, int fd)
{
    if (fd < loop->fd_cap)
        return 0;
    int cap = loop->fd_cap ? loop->fd_cap : 16;
    while (cap <= fd)
        cap *= 2;
    struct fd_entry *fds = realloc(loop->fds, (size_t)cap * sizeof *fds);
    if (!fds)
        return -1;
    memset(fds + loop->fd_cap, 0, (size_t)(cap - loop->fd_cap) * sizeof *fds);
    loop->fds = fds;
    loop->fd_cap = cap;
    return 0;
}

int loop_add_fd(loop_t *loop, int fd, int events, loop_fd_fn fn, void *arg)
{
    if (!loop || fd < 0 || !fn || !(events & (LOOP_READ | LOOP_WRITE)) ||
        (events & ~(LOOP_READ | LOOP_WRITE)) || grow_fds(loop, fd) < 0)
        return -1;
    struct fd_entry *e = &loop->fds[fd];
    int existed = e->fn != NULL;
    uint32_t gen = e->gen + 1;
    struct epoll_event ev = {
        .events = (events & LOOP_READ ? EPOLLIN : 0) | (events & LOOP_WRITE ? EPOLLOUT : 0),
        .data.u64 = (uint64_t)gen << 32 | (uint32_t)fd,
    };
    if (epoll_ctl(loop->epfd, existed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
        return -1;
    *e = (struct fd_entry){.fn = fn, .arg = arg, .events = events, .gen = gen};
    if (!existed)
        loop->fd_count++;
    return 0;
}

int loop_remove_fd(loop_t *loop, int fd)
{
    if (!loop || fd < 0 || fd >= loop->fd_cap || !loop->fds[fd].fn)
        return -1;
    // The descriptor may already be closed by a careless caller: the entry
    // goes anyway, so its callback can never run again.
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    loop->fds[fd].fn = NULL;
    loop->fds[fd].gen++;
    loop->fd_count--;
    return 0;
}

// ---- Timers: a binary min-heap ----

static int timer_before(const struct timer *a, const struct timer *b)
{
    return a->deadline_ns < b->deadline_ns ||
           (a->deadline_ns == b->deadline_ns && a->seq < b->seq);
}

static void heap_swap(loop_t *loop, size_t i, size_t j)
{
    struct timer *t = loop->heap[i];
    loop->heap[i] = loop->heap[j];
    loop->heap[j] = t;
}

static void sift_up(loop_t *loop, size_t i)
{
    while (i > 0 && timer_before(loop->heap[i], loop->heap[(i - 1) / 2])) {
        heap_swap(loop, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sift_down(loop_t *loop, size_t i)
{
    for (;;) {
        size_t least = i, l = 2 * i + 1, r = l + 1;
        if (l < loop->heap_len && timer_before(loop->heap[l], loop->heap[least]))
            least = l;
        if (r < loop->heap_len && timer_before(loop->heap[r], loop->heap[least]))
            least = r;
        if (least == i)
            return;
        heap_swap(loop, i, least);
        i = least;
    }
}

static int heap_push(loop_t *loop, struct timer *t)
{
    if (loop->heap_len == loop->heap_cap) {
        size_t cap = loop->heap_cap ? 2 * loop->heap_cap : 16;
        struct timer **heap = realloc(loop->heap, cap * sizeof *heap);
        if (!heap)
            return -1;
        loop->heap = heap;
        loop->heap_cap = cap;
    }
    t->seq = loop->next_seq++;
    loop->heap[loop->heap_len++] = t;
    sift_up(loop, loop->heap_len - 1);
    return 0;
}

// Take out the timer at heap position i.
static struct timer *heap_take(loop_t *loop, size_t i)
{
    struct timer *t = loop->heap[i];
    loop->heap[i] = loop->heap[--loop->heap_len];
    if (i < loop->heap_len) {
        sift_up(loop, i);
        sift_down(loop, i);
    }
    return t;
}

long loop_add_timer(loop_t *loop, long delay_ms, long interval_ms, loop_timer_fn fn, void *arg)
{
    if (!loop || !fn || delay_ms < 0 || interval_ms < 0)
        return -1;
    struct timer *t = malloc(sizeof *t);
    if (!t)
        return -1;
    *t = (struct timer){
        .id = loop->next_id++,
        .deadline_ns = now_ns() + delay_ms * 1000000LL,
        .interval_ns = interval_ms * 1000000LL,
        .fn = fn,
        .arg = arg,
    };
    if (heap_push(loop, t) < 0) {
        free(t);
        return -1;
    }
    return t->id;
}

// Cancelling searches the heap: a timer is found by id in O(n).  Firing, the
// frequent operation, stays O(log n).
int loop_cancel_timer(loop_t *loop, long id)
{
    if (!loop)
        return -1;
    // The running callback's own timer is out of the heap while it runs:
    // mark it, and run_timers frees it once the callback returns.
    if (loop->firing && loop->firing->id == id && !loop->firing_cancelled &&
        loop->firing->interval_ns > 0) {
        loop->firing_cancelled = 1;
        return 0;
    }
    for (size_t i = 0; i < loop->heap_len; i++) {
        if (loop->heap[i]->id == id) {
            free(heap_take(loop, i));
            return 0;
        }
    }
    return -1;
}

// Fire every timer due by `now`, earliest first.  Timers added during this
// round have seq >= limit and wait for the next round, so a callback that
// adds a 0 ms timer cannot keep the loop here forever.
static void run_timers(loop_t *loop, long long now)
{
    unsigned long limit = loop->next_seq;
    while (!loop->stopped && loop->heap_len > 0) {
        struct timer *t = loop->heap[0];
        if (t->deadline_ns > now || t->seq >= limit)
            return;
        heap_take(loop, 0);
        loop->firing = t;
        loop->firing_cancelled = 0;
        t->fn(loop, t->id, t->arg);
        loop->firing = NULL;
        if (t->interval_ns > 0 && !loop->firing_cancelled) {
            // Missed periods are skipped, not fired in a burst.
            t->deadline_ns += t->interval_ns;
            if (t->deadline_ns <= now)
                t->deadline_ns = now + t->interval_ns;
            if (heap_push(loop, t) == 0)
                continue;
        }
        free(t);
    }
}

// ---- The loop ----

// Milliseconds until the nearest timer, rounded up so the loop never wakes
// before it is due; -1 (wait forever) with no timer.
static int wait_timeout(loop_t *loop)
{
    if (loop->heap_len == 0)
        return -1;
    long long left = loop->heap[0]->deadline_ns - now_ns();
    if (left <= 0)
        return 0;
    long long ms = (left + 999999) / 1000000;
    return ms > 1000000000 ? 1000000000 : (int)ms;
}

static void dispatch(loop_t *loop, struct epoll_event *evs, int n)
{
    for (int i = 0; i < n && !loop->stopped; i++) {
        int fd = (int)(uint32_t)evs[i].data.u64;
        uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
        // Removed (or removed and added again) since epoll_wait returned:
        // this readiness is not for the current registration.
        if (fd >= loop->fd_cap || !loop->fds[fd].fn || loop->fds[fd].gen != gen)
            continue;
        struct fd_entry *e = &loop->fds[fd];
        int ready = 0;
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            ready |= e->events & LOOP_READ;
        if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            ready |= e->events & LOOP_WRITE;
        if (ready)
            e->fn(loop, fd, ready, e->arg);
    }
}

int loop_run(loop_t *loop)
{
    if (!loop)
        return -1;
    loop->stopped = 0;
    struct epoll_event evs[MAX_EVENTS];
    while (!loop->stopped && (loop->fd_count > 0 || loop->heap_len > 0)) {
        int n = epoll_wait(loop->epfd, evs, MAX_EVENTS, wait_timeout(loop));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        dispatch(loop, evs, n);
        run_timers(loop, now_ns());
    }
    loop->stopped = 0;
    return 0;
}

void loop_stop(loop_t *loop)
{
    if (loop)
        loop->stopped = 1;
}
