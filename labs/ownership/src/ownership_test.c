// Helpers for the ownership lab's tests (see ownership_test.h).
#define _GNU_SOURCE
#include "ownership_test.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "labkit_check.h"

pthread_t test_thread(void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "test_thread: pthread_create: %s\n", strerror(rc));
        abort();
    }
    return thread;
}

pid_t test_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

bool test_wait_progress(atomic_int *flag, int value, double cpu_seconds, double hang_seconds)
{
    double cpu_start = test_process_cpu();
    double cpu_end = cpu_start + test_patience(cpu_seconds);
    double window = test_patience(hang_seconds);
    // The hang check looks at processor time too: over each window of
    // hang_seconds, did the process run at all (beyond this loop's own
    // polling)?  A loaded machine slows the threads down but they still
    // run; threads that all sleep with nobody to wake them do not.
    double window_end = test_now() + window, window_cpu = cpu_start;
    while (atomic_load(flag) < value) {
        double cpu = test_process_cpu();
        if (cpu > cpu_end)
            return false;
        if (test_now() > window_end) {
            if (cpu - window_cpu < 0.02 * window)
                return false;
            window_end = test_now() + window;
            window_cpu = cpu;
        }
        test_sleep(0.002);
    }
    return true;
}

// The state letter of /proc/self/task/TID/stat: after "(comm) ".
static char thread_state(pid_t tid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return '?';
    size_t got = fread(line, 1, sizeof line - 1, file);
    fclose(file);
    line[got] = '\0';
    char *close = strrchr(line, ')');
    return close != NULL && close[1] == ' ' ? close[2] : '?';
}

bool test_wait_asleep(pid_t tid, double seconds)
{
    double end = test_now() + test_patience(seconds);
    // Three readings in a row, so a thread caught in a page fault or a
    // moment's preemption is not taken for asleep.
    int asleep = 0;
    while (asleep < 3) {
        if (test_now() > end)
            return false;
        asleep = thread_state(tid) == 'S' ? asleep + 1 : 0;
        test_sleep(0.002);
    }
    return true;
}

static sigjmp_buf abort_jump;

static void on_abort(int signo)
{
    (void)signo;
    siglongjmp(abort_jump, 1);
}

bool test_aborts(void (*pattern)(void), char *text, size_t size)
{
    memset(text, 0, size);
    // A memory stream in place of stderr: no file, no system call, and
    // whatever the code under test prints there (fprintf, fputs, an
    // assert's message) lands in `text`.
    FILE *capture = fmemopen(text, size - 1, "w");
    if (capture == NULL) {
        fprintf(stderr, "test_aborts: fmemopen failed\n");
        abort();
    }
    FILE *saved = stderr;
    struct sigaction catch = { .sa_handler = on_abort }, old;
    sigemptyset(&catch.sa_mask);
    sigaction(SIGABRT, &catch, &old);
    // volatile: read after siglongjmp returns here a second time.
    volatile bool aborted = false;
    stderr = capture;
    if (sigsetjmp(abort_jump, 1) == 0)
        pattern();
    else
        aborted = true;
    stderr = saved;
    sigaction(SIGABRT, &old, NULL);
    fclose(capture);
    return aborted;
}

bool test_names_site(const char *text, const char *site)
{
    size_t length = strlen(site);
    // "file.c:12" must not match inside "file.c:123".
    for (const char *at = strstr(text, site); at != NULL; at = strstr(at + 1, site))
        if (at[length] < '0' || at[length] > '9')
            return true;
    return false;
}
