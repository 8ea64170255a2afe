// Waiting in a lab's tests (see test_wait.h).
#define _GNU_SOURCE
#include "test_wait.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "labkit_check.h"

double test_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void test_sleep(double seconds)
{
    struct timespec pause = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
        ;
}

// The tool's slow-down factor from the grader (LK_SLOWDOWN, read by the
// runner before any test code; 1 by hand).  A submission that changes it can
// only make its own waits longer or shorter: a pass is never decided by it.
double test_patience(double seconds)
{
    return seconds * lk_slowdown();
}

void test_settle(double seconds)
{
    test_sleep(test_patience(seconds));
}

static double clock_seconds(clockid_t clock)
{
    struct timespec now;
    if (clock_gettime(clock, &now) != 0)
        return 0;
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

double test_process_cpu(void)
{
    return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

bool test_wait_for(atomic_int *flag, int value, double seconds)
{
    double deadline = test_now() + test_patience(seconds);
    while (atomic_load(flag) < value) {
        if (test_now() > deadline)
            return false;
        test_sleep(0.0005);
    }
    return true;
}

double test_thread_cpu(pthread_t thread)
{
    clockid_t clock;
    struct timespec used;
    if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &used) != 0)
        return -1;
    return (double)used.tv_sec + (double)used.tv_nsec / 1e9;
}
