// Helpers for the actors lab's tests: clocks scaled per tool, /proc scans for children and descriptors, a chaos monkey.
//
// Everything a test decides is read from the kernel (/proc, wait statuses),
// never from the submission's own bookkeeping.
#ifndef ACTOR_TEST_H
#define ACTOR_TEST_H

#include <check.h>
#include <stddef.h>
#include <sys/types.h>

#include "test_wait.h"

// The test's process, before the body: default signal dispositions.
void test_setup(void);

// A suite of this lab: each of the `count` tests under its own name, with
// test_setup as its fixture.
Suite *actor_suite(const char *name, const TTest *const *tests, size_t count);

// labs/common/test_wait in the milliseconds this lab's tests count in: a
// monotonic clock, `ms` scaled for the tool the test runs under (Valgrind
// is ~10 times slower), a sleep.
static inline double test_now_ms(void)
{
    return test_now() * 1e3;
}

static inline int test_patience_ms(int ms)
{
    return (int)(test_patience(ms / 1e3) * 1e3);
}

static inline void test_sleep_ms(int ms)
{
    test_sleep(ms / 1e3);
}

// The children of `parent` that exist now, zombies included; returns how
// many (at most max) and puts their ids in out.
int test_children(pid_t parent, pid_t *out, int max);
// A process's state letter from /proc (R, S, T, Z, ...), or 0 if it is gone.
char test_state(pid_t pid);
// Wait up to test_patience_ms(ms) for the process to be gone or a zombie.
int test_wait_gone(pid_t pid, int ms);
// Open descriptors of this process.
int test_open_fds(void);

// A process that, every interval_ms, SIGKILLs one process-group leader
// among the children of `parent`, chosen at random.  Returns its id.
pid_t test_chaos_start(pid_t parent, int interval_ms, unsigned seed);
// How many processes it has killed so far.
int test_chaos_kills(void);
// Stop it and reap it; returns how many processes it killed.
int test_chaos_stop(pid_t chaos);

#endif
