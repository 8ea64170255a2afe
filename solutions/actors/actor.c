// Actors from Unix processes: spawn, framed messages over socketpairs, monitors and down messages.
//
// Each child is reached through one link: a socketpair whose one end the
// parent keeps and whose other end only the child holds.  A message is a
// frame, a 4-byte length and then the bytes, because a stream socket keeps
// no boundaries: one read() may return half a message or two of them.  The
// receiver reassembles frames per link without ever blocking on one link,
// so a sender stopped half way through a message (SIGSTOP) or killed there
// (SIGKILL) delays nobody and tears nothing: a partial frame at end of file
// is thrown away.  End of file on a child's link means the child is gone:
// only then is it reaped, so its last messages come before its DOWN.
#define _GNU_SOURCE
#include "actor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_LINKS = 64, HEADER_BYTES = 4 };

enum link_state {
    LINK_FREE,
    LINK_OPEN,   // the other end may still send
    LINK_DEAD,   // a child that ended and was reaped; its status is kept for a late monitor
};

struct link {
    enum link_state state;
    actor_t pid;        // the child, or the parent
    int is_parent;
    int in, out;        // descriptors: the same one for a socketpair
    int monitored;
    int down_pending;   // a DOWN waits to be delivered
    int status;         // wait status of a reaped child
    unsigned char header[HEADER_BYTES];
    size_t header_got;
    unsigned char *body;   // the frame being read, or a complete one waiting
    size_t body_length, body_got;
    int complete;          // body holds a whole message not yet delivered
    unsigned long dead_since;   // order of death, to recycle the oldest first
};

static struct link links[MAX_LINKS];
static actor_t parent_id;
static unsigned long deaths;
static int next_scan;   // round robin over links, so one busy sender starves nobody

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void link_close_fds(struct link *l)
{
    if (l->state != LINK_OPEN)
        return;
    if (l->in >= 0)
        close(l->in);
    if (l->out >= 0 && l->out != l->in)
        close(l->out);
    l->in = l->out = -1;
    free(l->body);
    l->body = NULL;
    l->header_got = l->body_got = l->body_length = 0;
    l->complete = 0;
}

static struct link *link_find(actor_t pid)
{
    for (int i = 0; i < MAX_LINKS; i++)
        if (links[i].state != LINK_FREE && links[i].pid == pid)
            return &links[i];
    return NULL;
}

// A free slot; failing that, the oldest dead child nobody monitors.
static struct link *link_new(void)
{
    struct link *oldest = NULL;
    for (int i = 0; i < MAX_LINKS; i++) {
        struct link *l = &links[i];
        if (l->state == LINK_FREE)
            return l;
        if (l->state == LINK_DEAD && !l->down_pending &&
            (!oldest || l->dead_since < oldest->dead_since))
            oldest = l;
    }
    return oldest;
}

// In a new child: the parent's links are not ours.  Close them, so a
// sibling's link reaches end of file when the sibling alone has gone.
static void links_forget_inherited(void)
{
    for (int i = 0; i < MAX_LINKS; i++) {
        link_close_fds(&links[i]);
        memset(&links[i], 0, sizeof links[i]);
        links[i].in = links[i].out = -1;
    }
}

// Run fn in the child and never come back: a child that returned into its
// parent's code would go on as a second copy of the parent.
static void child_run(actor_fn fn, void *arg, int fd, int leader)
{
    if (leader)
        setpgid(0, 0);
    links_forget_inherited();
    parent_id = getppid();
    struct link *l = &links[0];
    l->state = LINK_OPEN;
    l->pid = parent_id;
    l->is_parent = 1;
    l->in = l->out = fd;
    fn(arg);
    for (int i = 0; i < MAX_LINKS; i++)
        link_close_fds(&links[i]);
    _exit(0);
}

static actor_t spawn(actor_fn fn, void *arg, int leader)
{
    struct link *l = link_new();
    int fds[2];
    if (!l) {
        errno = EAGAIN;
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return -1;
    fflush(NULL);   // or the child would inherit, and print again, our buffered output
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child_run(fn, arg, fds[1], leader);
    }
    // Both sides set the group, so it exists whichever runs first.
    if (leader)
        setpgid(pid, pid);
    close(fds[1]);   // from now on only the child holds its end
    memset(l, 0, sizeof *l);
    l->state = LINK_OPEN;
    l->pid = pid;
    l->in = l->out = fds[0];
    return pid;
}

actor_t actor_spawn(actor_fn fn, void *arg)
{
    return spawn(fn, arg, 0);
}

actor_t actor_spawn_leader(actor_fn fn, void *arg)
{
    return spawn(fn, arg, 1);
}

// Write all of it: a socket may take a large message in several pieces.
// MSG_NOSIGNAL: writing to a link whose reader has gone is an error to
// report, not a SIGPIPE that would end this process.
static int write_all(int fd, const void *data, size_t length)
{
    const unsigned char *p = data;
    while (length > 0) {
        ssize_t n = send(fd, p, length, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

int actor_send(actor_t to, const void *data, size_t length)
{
    struct link *l = link_find(to);
    if (!l || l->state != LINK_OPEN || length > ACTOR_MAX_MESSAGE) {
        errno = l ? EPIPE : ESRCH;
        return -1;
    }
    uint32_t size = (uint32_t)length;
    unsigned char header[HEADER_BYTES];
    memcpy(header, &size, sizeof header);
    if (write_all(l->out, header, sizeof header) != 0 || write_all(l->out, data, length) != 0)
        return -1;
    return 0;
}

// The link's other end is gone: drop a torn frame, and reap a child (its
// end of file means it has exited, so this wait is short).
static void link_ended(struct link *l)
{
    link_close_fds(l);
    if (l->is_parent) {
        l->state = LINK_DEAD;
        l->down_pending = 1;   // a child always hears that its parent is gone
        return;
    }
    while (waitpid(l->pid, &l->status, 0) < 0 && errno == EINTR)
        ;
    l->state = LINK_DEAD;
    l->dead_since = ++deaths;
    if (l->monitored)
        l->down_pending = 1;
}

// Read what the link has, without blocking: one read() per call.
static void link_read(struct link *l)
{
    unsigned char *into;
    size_t want;
    if (l->header_got < HEADER_BYTES) {
        into = l->header + l->header_got;
        want = HEADER_BYTES - l->header_got;
    } else {
        into = l->body + l->body_got;
        want = l->body_length - l->body_got;
    }
    ssize_t n = read(l->in, into, want);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        link_ended(l);
        return;
    }
    if (l->header_got < HEADER_BYTES) {
        l->header_got += (size_t)n;
        if (l->header_got < HEADER_BYTES)
            return;
        uint32_t size;
        memcpy(&size, l->header, sizeof size);
        if (size > ACTOR_MAX_MESSAGE) {
            // Not a frame of ours: the peer is broken.  A child is killed
            // first, or reaping it could wait for ever.
            if (!l->is_parent)
                kill(l->pid, SIGKILL);
            link_ended(l);
            return;
        }
        l->body_length = size;
        l->body_got = 0;
        l->body = malloc(size ? size : 1);
        if (!l->body)
            abort();
    } else {
        l->body_got += (size_t)n;
    }
    l->complete = l->body_got == l->body_length;
}

// Hand over a complete message or a pending DOWN, if any link has one.
static int deliver(struct actor_message *m)
{
    for (int k = 0; k < MAX_LINKS; k++) {
        struct link *l = &links[(next_scan + k) % MAX_LINKS];
        if (l->state == LINK_OPEN && l->complete) {
            *m = (struct actor_message){.kind = ACTOR_DATA, .from = l->pid,
                                        .length = l->body_length, .data = l->body};
            l->body = NULL;
            l->header_got = l->body_got = l->body_length = 0;
            l->complete = 0;
        } else if (l->state == LINK_DEAD && l->down_pending) {
            *m = (struct actor_message){.kind = ACTOR_DOWN, .from = l->pid};
            if (l->is_parent)
                m->reason = ACTOR_CLOSED;
            else if (WIFSIGNALED(l->status))
                m->reason = ACTOR_SIGNAL, m->detail = WTERMSIG(l->status);
            else if (WEXITSTATUS(l->status) != 0)
                m->reason = ACTOR_EXIT, m->detail = WEXITSTATUS(l->status);
            else
                m->reason = ACTOR_NORMAL;
            memset(l, 0, sizeof *l);   // delivered: the slot is free again
            l->in = l->out = -1;
        } else {
            continue;
        }
        next_scan = (next_scan + k + 1) % MAX_LINKS;
        return 1;
    }
    return 0;
}

int actor_receive(struct actor_message *m, int timeout_ms)
{
    double deadline = now_ms() + timeout_ms;
    for (;;) {
        if (deliver(m))
            return 1;
        struct pollfd fds[MAX_LINKS];
        struct link *of[MAX_LINKS];
        int n = 0;
        for (int i = 0; i < MAX_LINKS; i++)
            if (links[i].state == LINK_OPEN) {
                fds[n] = (struct pollfd){.fd = links[i].in, .events = POLLIN};
                of[n++] = &links[i];
            }
        if (n == 0) {
            errno = ECHILD;
            return -1;
        }
        int wait = -1;
        if (timeout_ms >= 0) {
            double left = deadline - now_ms();
            if (left <= 0)
                return 0;
            wait = (int)left + 1;
        }
        int ready = poll(fds, (nfds_t)n, wait);
        if (ready < 0 && errno != EINTR)
            return -1;
        for (int i = 0; i < n && ready > 0; i++)
            if (fds[i].revents)
                link_read(of[i]);
    }
}

void actor_message_free(struct actor_message *m)
{
    free(m->data);
    m->data = NULL;
    m->length = 0;
}

int actor_monitor(actor_t who)
{
    struct link *l = link_find(who);
    if (!l || l->is_parent) {
        errno = ESRCH;
        return -1;
    }
    l->monitored = 1;
    // Already reaped: the DOWN is due now, not never.
    if (l->state == LINK_DEAD)
        l->down_pending = 1;
    return 0;
}

actor_t actor_self(void)
{
    return getpid();
}

actor_t actor_parent(void)
{
    return parent_id;
}
