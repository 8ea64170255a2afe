// Judging a test's threads by their kernel state and processor time (see thread_watch.h).
#define _GNU_SOURCE
#include "thread_watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { TW_MAX = 64, QUIET_POLLS = 5, QUIET_WAKES = 3, BLOCKED_SWITCHES = 50 };
#define QUIET_SECONDS 0.05
#define POLL_SECONDS 0.001

void tw_sleep(double seconds)
{
    struct timespec pause = { (time_t)seconds,
                              (long)((seconds - (double)(time_t)seconds) * 1e9) };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
        ;
}

static double wall_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void tw_register(struct tw_thread *self)
{
    if (pthread_getcpuclockid(pthread_self(), &self->clock) != 0)
        self->clock = CLOCK_THREAD_CPUTIME_ID; // never read from another thread then
    atomic_store(&self->tid, (int)syscall(SYS_gettid));
}

void tw_watch_pthread(struct tw_thread *watch, pthread_t thread)
{
    if (pthread_getcpuclockid(thread, &watch->clock) != 0) {
        atomic_store(&watch->tid, 0);
        return;
    }
    // A thread's CPU clock id encodes its kernel id: ~tid << 3 | 6
    // (Linux's CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED, see clock_getcpuclockid).
    atomic_store(&watch->tid, (int)~((int)watch->clock >> 3));
}

// The first word of a small /proc file of the thread, or "" if it has none.
static bool read_task_file(int tid, const char *name, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/%s", tid, name);
    FILE *file = fopen(path, "r");
    if (!file)
        return false;
    size_t n = fread(buf, 1, size - 1, file);
    fclose(file);
    buf[n] = '\0';
    return n > 0;
}

enum tw_state tw_state(const struct tw_thread *thread)
{
    int tid = atomic_load(&thread->tid);
    if (tid == 0)
        return TW_UNKNOWN;
    char text[256];
    // `syscall` names the system call a blocked thread sleeps in; it says
    // "running" for a thread that is running or runnable, which includes
    // one just woken that has not had a core yet.
    if (read_task_file(tid, "syscall", text, sizeof text)) {
        long number = strtol(text, NULL, 10);
        return text[0] != 'r' && number == SYS_futex ? TW_ASLEEP : TW_RUNNING;
    }
    if (!read_task_file(tid, "stat", text, sizeof text))
        return TW_GONE;
    // Without `syscall`: the state letter after the command's ')'.
    const char *paren = strrchr(text, ')');
    return paren && paren[1] == ' ' && paren[2] == 'S' ? TW_ASLEEP : TW_RUNNING;
}

double tw_cpu(const struct tw_thread *thread)
{
    struct timespec used;
    if (atomic_load(&thread->tid) == 0 || clock_gettime(thread->clock, &used) != 0)
        return -1;
    return (double)used.tv_sec + (double)used.tv_nsec / 1e9;
}

// A count from the thread's /proc status ("\nNAME:"), or -1.
static long status_count(const struct tw_thread *thread, const char *name)
{
    int tid = atomic_load(&thread->tid);
    char text[2048];
    if (tid == 0 || !read_task_file(tid, "status", text, sizeof text))
        return -1;
    const char *field = strstr(text, name);
    return field ? strtol(field + strlen(name), NULL, 10) : -1;
}

long tw_sleeps(const struct tw_thread *thread)
{
    return status_count(thread, "\nvoluntary_ctxt_switches:");
}

long tw_switches(const struct tw_thread *thread)
{
    long sleeps = tw_sleeps(thread);
    long preempted = status_count(thread, "\nnonvoluntary_ctxt_switches:");
    return sleeps < 0 || preempted < 0 ? -1 : sleeps + preempted;
}

// Sum of the threads' processor time, each thread's last known figure kept
// in last[] (a thread that has exited keeps the figure it had).
static double total_cpu(const struct tw_wait *wait, double *last)
{
    double total = 0;
    for (int i = 0; i < wait->count && i < TW_MAX; i++) {
        double cpu = tw_cpu(&wait->threads[i]);
        if (cpu >= 0)
            last[i] = cpu;
        total += last[i];
    }
    return total;
}

static bool all_asleep(const struct tw_wait *wait)
{
    for (int i = 0; i < wait->count; i++) {
        enum tw_state state = tw_state(&wait->threads[i]);
        if (state != TW_ASLEEP && state != TW_GONE)
            return false;
    }
    return true;
}

enum tw_outcome tw_wait(struct tw_wait *wait)
{
    double last[TW_MAX] = { 0 };
    double start = total_cpu(wait, last), before = start, quiet_since = 0;
    int quiet_polls = 0, before_done = atomic_load(wait->done);
    long quiet_wakes = 0;
    for (;;) {
        if (wait->poll)
            wait->poll(wait->poll_arg);
        int done = atomic_load(wait->done);
        double cpu = total_cpu(wait, last);
        wait->cpu_used = cpu - start;
        if (done >= wait->target)
            return TW_DONE;
        if (wait->cpu_used > wait->cpu_budget)
            return TW_SPINNING;
        // Quiet: nobody moved since the last poll and everybody sleeps.
        bool quiet = done == before_done && cpu == before && all_asleep(wait);
        long wakes = wait->wakes ? atomic_load(wait->wakes) : 0;
        if (!quiet) {
            quiet_polls = 0;
        } else if (quiet_polls++ == 0) {
            quiet_since = wall_now();
            quiet_wakes = wakes;
        } else if (quiet_polls >= QUIET_POLLS && wall_now() - quiet_since >= QUIET_SECONDS &&
                   (!wait->wakes || wakes - quiet_wakes >= QUIET_WAKES)) {
            return TW_STUCK;
        }
        before = cpu;
        before_done = done;
        tw_sleep(POLL_SECONDS);
    }
}

enum tw_outcome tw_wait_blocked(const struct tw_thread *thread, double since_cpu,
                                double cpu_budget, atomic_int *flag)
{
    int asleep_polls = 0;
    double before = -1;
    long switches_start = tw_switches(thread);
    for (;;) {
        if (atomic_load(flag))
            return TW_DONE;
        double cpu = tw_cpu(thread);
        if (cpu >= 0 && cpu - since_cpu > cpu_budget)
            return TW_SPINNING;
        // A thread that retries with sched_yield on a busy machine uses
        // little processor time, but is switched out at every try: 50 turns
        // on a core without getting through is blocked too.
        long switches = tw_switches(thread);
        if (switches_start >= 0 && switches - switches_start >= BLOCKED_SWITCHES)
            return TW_SPINNING;
        // Asleep twice in a row with no processor time between: settled.
        bool asleep = tw_state(thread) == TW_ASLEEP && cpu == before;
        asleep_polls = asleep ? asleep_polls + 1 : 0;
        if (asleep_polls >= 2 && !atomic_load(flag))
            return TW_STUCK;
        before = cpu;
        tw_sleep(POLL_SECONDS);
    }
}
