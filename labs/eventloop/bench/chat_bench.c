// Chat benchmark: the submission's chat server on its loop against a thread per client, in one run.
//
// For 10, 100 and 1,000 clients, each server runs in a child process of
// its own, and this process plays every client through one epoll of its
// own.  Join: the clients connect and send their nicknames; done when all
// N(N-1)/2 join notices have arrived (clients per second).  Talk: clients
// take turns to send short lines, at most WINDOW lines not yet delivered
// to everyone at a time; each line reaches N-1 clients (lines per second,
// and the server's processor time per line, read from its CPU clock, which
// a busy machine does not inflate).  Memory: the server's resident size
// once all have joined, less its size before the first client, per client.
// The benchmark's own processor time per line says how close the rates
// come to what this one process can play.
//
// Both servers' sockets have TCP_NODELAY (the accepted sockets inherit it
// from the listening one), as the clients' have: with Nagle's algorithm a
// short line waits for the acknowledgement of the one before, which the
// other end delays by up to 40 ms, and the rates measured those timers.
//
//   make -C labs/eventloop bench [SUBMISSION=dir] [RUNS=n]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chat.h"
#include "thread_chat.h"

enum { WINDOW = 16, DELIVERIES = 300000, STALL_S = 10 };
enum server_kind { SERVER_LOOP, SERVER_THREADS, SERVER_KINDS };
static const char *kind_name[SERVER_KINDS] = {"event loop", "thread/client"};

struct figures {
    double joins_per_s, lines_per_s, cpu_us_per_line, rss_kib_per_client, bench_us_per_line;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

// Start a server of `kind` in a child process; its port in *port.
static pid_t server_start(enum server_kind kind, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (kind == SERVER_LOOP ? SOCK_NONBLOCK : 0), 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int one = 1;
    if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 4096) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        die("chat_bench: listen");
    *port = ntohs(addr.sin_port);
    pid_t pid = fork();
    if (pid < 0)
        die("chat_bench: fork");
    if (pid == 0) {
        if (kind == SERVER_THREADS)
            thread_chat_serve(fd);
        loop_t *loop = loop_new();
        if (!loop || !chat_new(loop, fd, 1000L * 3600)) {
            fprintf(stderr, "chat_bench: loop_new or chat_new returned NULL\n");
            _exit(1);
        }
        loop_run(loop);
        _exit(0);
    }
    close(fd);
    return pid;
}

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

static double cpu_of(pid_t pid)
{
    clockid_t clock;
    struct timespec t;
    if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &t) != 0)
        return 0;
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct crowd {
    int n, epfd, *fds;
    long lines; // '\n' received by all clients together
};

// Read whatever has arrived; count lines.  Waits for some, up to STALL_S
// (then the server is stuck: a failure, not a figure).  One read per ready
// client and no second read to see EAGAIN: epoll reports the rest again.
static void crowd_read(struct crowd *c, int wait)
{
    struct epoll_event ready[256];
    static char buf[1 << 16];
    int k = epoll_wait(c->epfd, ready, 256, wait ? STALL_S * 1000 : 0);
    if (k == 0 && wait) {
        fprintf(stderr, "chat_bench: nothing arrived for %d s\n", STALL_S);
        exit(1);
    }
    for (int e = 0; e < k; e++) {
        ssize_t n = read(c->fds[ready[e].data.u32], buf, sizeof buf);
        if (n == 0) {
            fprintf(stderr, "chat_bench: the server closed a client's connection\n");
            exit(1);
        }
        for (char *p = buf, *end = buf + (n > 0 ? n : 0); (p = memchr(p, '\n', (size_t)(end - p))); p++)
            c->lines++;
    }
}

static void crowd_join(struct crowd *c, int port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int i = 0; i < c->n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
            die("chat_bench: connect");
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(fd, F_SETFL, O_NONBLOCK);
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &e);
        c->fds[i] = fd;
        char name[32];
        int len = snprintf(name, sizeof name, "user%d\n", i);
        if (write(fd, name, (size_t)len) != len)
            die("chat_bench: write");
        crowd_read(c, 0);
    }
    while (c->lines < (long)c->n * (c->n - 1) / 2)
        crowd_read(c, 1);
}

// Send `count` lines in turns, at most WINDOW not yet delivered everywhere.
static void crowd_talk(struct crowd *c, long count)
{
    long base = c->lines, sent = 0, fanout = c->n - 1;
    const char line[] = "the quick brown fox jumps\n";
    while (c->lines - base < count * fanout) {
        while (sent < count && sent - (c->lines - base) / fanout < WINDOW) {
            if (write(c->fds[sent % c->n], line, sizeof line - 1) != sizeof line - 1)
                break; // its buffer is full: try again after reading
            sent++;
        }
        crowd_read(c, 1);
    }
}

static struct figures measure(enum server_kind kind, int n)
{
    int port;
    pid_t pid = server_start(kind, &port);
    struct crowd c = {.n = n, .epfd = epoll_create1(EPOLL_CLOEXEC), .fds = calloc((size_t)n, sizeof(int))};
    if (c.epfd < 0 || !c.fds)
        die("chat_bench: epoll");
    usleep(100000); // let the child set up before its size is taken
    long rss0 = rss_kib(pid);
    double t0 = now();
    crowd_join(&c, port);
    double t1 = now();
    long rss1 = rss_kib(pid);
    long lines = DELIVERIES / (n - 1);
    double cpu0 = cpu_of(pid), self0 = cpu_of(0);
    double t2 = now();
    crowd_talk(&c, lines);
    double t3 = now();
    double cpu1 = cpu_of(pid), self1 = cpu_of(0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    for (int i = 0; i < n; i++)
        close(c.fds[i]);
    close(c.epfd);
    free(c.fds);
    return (struct figures){
        .joins_per_s = n / (t1 - t0),
        .lines_per_s = (double)lines / (t3 - t2),
        .cpu_us_per_line = (cpu1 - cpu0) * 1e6 / (double)lines,
        .rss_kib_per_client = (double)(rss1 - rss0) / n,
        .bench_us_per_line = (self1 - self0) * 1e6 / (double)lines,
    };
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { SIZES = 3, GAINS = 4, RUNS_MAX = 20 };
static const int sizes[SIZES] = {10, 100, 1000};
static const char *gain_name[GAINS] = {"joins/s", "lines/s", "CPU/line", "RSS/client"};

// The loop's gains of one size and run: the thread server's figure over the
// loop's, or the other way round, so that more is better.
static void gains_of(const struct figures f[SERVER_KINDS], double g[GAINS])
{
    g[0] = f[0].joins_per_s / f[1].joins_per_s;
    g[1] = f[0].lines_per_s / f[1].lines_per_s;
    g[2] = f[1].cpu_us_per_line / f[0].cpu_us_per_line;
    g[3] = f[1].rss_kib_per_client / f[0].rss_kib_per_client;
}

static void print_spread(double gain[SIZES][GAINS][RUNS_MAX], int runs)
{
    printf("the loop's gains over %d runs: median (lowest-highest)\n", runs);
    printf("%7s  %-23s %-23s %-23s %-23s\n", "clients", gain_name[0], gain_name[1], gain_name[2],
           gain_name[3]);
    for (int s = 0; s < SIZES; s++) {
        printf("%7d ", sizes[s]);
        for (int g = 0; g < GAINS; g++) {
            double *v = gain[s][g];
            qsort(v, (size_t)runs, sizeof *v, by_value);
            char cell[64];
            snprintf(cell, sizeof cell, "%.1fx (%.1f-%.1f)", v[runs / 2], v[0], v[runs - 1]);
            printf(" %-23s", cell);
        }
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    int runs = argc > 2 ? atoi(argv[2]) : 1;
    if (runs < 1 || runs > RUNS_MAX) {
        fprintf(stderr, "usage: chat_bench [SUBMISSION [RUNS (1-%d)]]\n", RUNS_MAX);
        return 2;
    }
    static double gain[SIZES][GAINS][RUNS_MAX];
    printf("chat benchmark: %s (the event loop) against a thread per client\n"
           "(lines: each to every other client, %d deliveries per size, at most %d lines in\n"
           "flight; CPU: the server's own, and the benchmark's, which plays every client)\n",
           argc > 1 ? argv[1] : "the submission", DELIVERIES, WINDOW);
    for (int r = 0; r < runs; r++) {
        printf("\n%7s  %-14s %10s %10s %12s %14s %12s\n", "clients", "server", "joins/s",
               "lines/s", "CPU us/line", "RSS KiB/client", "bench us/line");
        for (int s = 0; s < SIZES; s++) {
            struct figures f[SERVER_KINDS];
            for (int k = 0; k < SERVER_KINDS; k++) {
                f[k] = measure((enum server_kind)k, sizes[s]);
                printf("%7d  %-14s %10.0f %10.0f %12.1f %14.2f %12.1f\n", sizes[s], kind_name[k],
                       f[k].joins_per_s, f[k].lines_per_s, f[k].cpu_us_per_line,
                       f[k].rss_kib_per_client, f[k].bench_us_per_line);
                fflush(stdout);
            }
            double g[GAINS];
            gains_of(f, g);
            printf("%7s  %-14s %9.1fx %9.1fx %11.1fx %13.1fx\n", "", "loop's gain", g[0], g[1],
                   g[2], g[3]);
            for (int i = 0; i < GAINS; i++)
                gain[s][i][r] = g[i];
        }
    }
    if (runs > 1) {
        printf("\n");
        print_spread(gain, runs);
    }
    return 0;
}
