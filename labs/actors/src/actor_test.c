// Helpers for the actors lab's tests: clocks, /proc scans, a chaos monkey (see actor_test.h).
#define _GNU_SOURCE
#include "actor_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labkit_check.h"

void test_setup(void)
{
    // Check's SIGTERM and SIGINT handlers, inherited from its runner, kill
    // the test's whole process group: a child asked to stop with SIGTERM
    // must simply end, as any new program would.
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
}

Suite *actor_suite(const char *name, const TTest *const *tests, size_t count)
{
    Suite *s = suite_create(name);
    lk_set_fixture(test_setup, NULL);
    for (size_t i = 0; i < count; i++)
        lk_add(s, tests[i]->name, tests[i]);
    return s;
}

// Parse /proc/PID/stat: state, parent and process group.
static int read_stat(pid_t pid, char *state, pid_t *parent, pid_t *group)
{
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    char *paren = strrchr(text, ')');   // the command name may hold anything
    int p, g;
    if (!paren || sscanf(paren + 1, " %c %d %d", state, &p, &g) != 3)
        return -1;
    *parent = p;
    *group = g;
    return 0;
}

// Children of parent (leaders only: process-group leaders).
static int scan_children(pid_t parent, pid_t *out, int max, int leaders_only)
{
    DIR *proc = opendir("/proc");
    int count = 0;
    if (!proc)
        return 0;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL && count < max) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        pid_t pid = atoi(e->d_name), p, g;
        char state;
        if (read_stat(pid, &state, &p, &g) == 0 && p == parent && (!leaders_only || g == pid))
            out[count++] = pid;
    }
    closedir(proc);
    return count;
}

int test_children(pid_t parent, pid_t *out, int max)
{
    return scan_children(parent, out, max, 0);
}

char test_state(pid_t pid)
{
    char state;
    pid_t p, g;
    return read_stat(pid, &state, &p, &g) == 0 ? state : 0;
}

int test_wait_gone(pid_t pid, int ms)
{
    double until = test_now_ms() + test_patience_ms(ms);
    for (;;) {
        char s = test_state(pid);
        if (s == 0 || s == 'Z' || s == 'X')
            return 1;
        if (test_now_ms() > until)
            return 0;
        test_sleep_ms(5);
    }
}

int test_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;   // the directory's own descriptor
}

// The monkey's life: kill a random worker, report it, sleep, again.
static void chaos_loop(pid_t parent, int interval_ms, unsigned seed, int report)
{
    for (;;) {
        test_sleep_ms(interval_ms);
        pid_t pids[64];
        int n = scan_children(parent, pids, 64, 1);
        if (n == 0)
            continue;
        pid_t victim = pids[rand_r(&seed) % (unsigned)n];
        if (kill(victim, SIGKILL) == 0 && write(report, "k", 1) != 1)
            _exit(0);
    }
}

// The monkey's report socket: one byte per kill.  One monkey at a time.
static int chaos_reports = -1;
static int chaos_killed;

pid_t test_chaos_start(pid_t parent, int interval_ms, unsigned seed)
{
    int counter[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, counter) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(counter[0]);
        chaos_loop(parent, interval_ms, seed, counter[1]);
        _exit(0);
    }
    close(counter[1]);
    if (pid < 0) {
        close(counter[0]);
        return -1;
    }
    fcntl(counter[0], F_SETFL, O_NONBLOCK);
    chaos_reports = counter[0];
    chaos_killed = 0;
    return pid;
}

int test_chaos_kills(void)
{
    char c;
    while (chaos_reports >= 0 && read(chaos_reports, &c, 1) == 1)
        chaos_killed++;
    return chaos_killed;
}

int test_chaos_stop(pid_t chaos)
{
    kill(chaos, SIGKILL);
    while (waitpid(chaos, NULL, 0) < 0 && errno == EINTR)
        ;
    int kills = test_chaos_kills();
    close(chaos_reports);
    chaos_reports = -1;
    return kills;
}
