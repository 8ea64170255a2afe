// Waiting in a lab's tests (see test_wait.h).
#define _GNU_SOURCE
#include "test_wait.h"

#include <errno.h>
#include <sched.h>
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

// Processor time the waiters below have spent polling, all of them, in
// nanoseconds.  It moves no thread forward: a wait that counted another
// waiter's polling as progress (two threads waiting at once, as a
// worker and the test's own thread do) would never see the others stop,
// and under Valgrind, where each poll costs a few percent of a core, would
// wait out its whole budget.
static atomic_llong polling_ns;

// Add this thread's processor time since *mark to polling_ns.
static void count_polling(double *mark)
{
    double now = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    atomic_fetch_add(&polling_ns, (long long)((now - *mark) * 1e9));
    *mark = now;
}

// Processor time the process has spent on anything but polling in a wait.
static double progress_cpu(void)
{
    return test_process_cpu() - (double)atomic_load(&polling_ns) / 1e9;
}

// How often a wait reads the processor clocks (system calls, and under
// Valgrind each one hands its lock to another thread): often enough that
// an unread poll is a small share of a window.
#define WAIT_TICK 0.01

// The cores this process may run on.  Asked of the scheduler, not of
// sysconf, which reads /sys: an open that some labs' tests may not make.
static int usable_cores(void)
{
    static atomic_int cores;
    if (atomic_load(&cores) == 0) {
        cpu_set_t set;
        int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
        atomic_store(&cores, n > 0 ? n : 1);
    }
    return atomic_load(&cores);
}

bool test_wait_for(atomic_int *flag, int value, double seconds)
{
    if (atomic_load(flag) >= value)
        return true;
    double patience = test_patience(seconds);
    // The others' budget: what they could run in `patience` on every core,
    // so a correct run never gives up sooner than on the wall clock.
    double budget = patience * usable_cores();
    double window = patience < 0.25 ? patience : 0.25;
    double start = test_now(), mark = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    double cpu_start = progress_cpu(), tick = start;
    double window_start = start, window_cpu = cpu_start;
    double pause = 0.0005;
    bool reached;
    while (!(reached = atomic_load(flag) >= value)) {
        double now = test_now();
        if (now - tick >= WAIT_TICK) {
            tick = now;
            count_polling(&mark);
            double cpu = progress_cpu();
            // Running all along without getting there (spinning, livelock).
            if (cpu - cpu_start > budget)
                break;
            // Past the deadline, and the others have stopped: asleep, with
            // nothing to wake them.  A busy machine slows a runnable thread
            // (to about 5% of a core with 40 others on two cores), it does
            // not stop it.
            if (now - window_start >= window) {
                if (now - start >= patience && cpu - window_cpu < 0.01 * (now - window_start))
                    break;
                window_start = now;
                window_cpu = cpu;
            }
            // The safety net, should neither say so.
            if (now - start > 10 * patience)
                break;
        }
        test_sleep(pause);
        if (pause < 0.002)
            pause *= 2;
    }
    count_polling(&mark);
    return reached;
}

double test_thread_cpu(pthread_t thread)
{
    clockid_t clock;
    struct timespec used;
    if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &used) != 0)
        return -1;
    return (double)used.tv_sec + (double)used.tv_nsec / 1e9;
}
