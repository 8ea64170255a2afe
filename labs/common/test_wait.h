// Waiting in a lab's tests: a monotonic clock, waits scaled for slow tools, a thread's CPU time.
//
// A test waits for what a submission's threads do with a deadline, never
// forever, and every deadline is scaled by test_patience() for the tool the
// test runs under (Valgrind and the sanitizers are several times slower than
// a native run).  Needs the test runner's lk_slowdown() (labkit_check.h).
#ifndef TEST_WAIT_H
#define TEST_WAIT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

// Seconds on a monotonic clock.
double test_now(void);

// Sleep for `seconds`, unscaled, whatever signals arrive.
void test_sleep(double seconds);

// `seconds` times the slow-down factor of the tool the test runs under
// (LK_SLOWDOWN, set by the grader from its tool table; 1 when run by hand).
double test_patience(double seconds);

// Sleep for test_patience(seconds): long enough, on a loaded machine, for a
// thread just started to reach the point where it blocks.
void test_settle(double seconds);

// Wait for *flag to become at least value; returns whether it did.  Gives
// up when the process's threads have stopped running (asleep: nothing will
// move them) once test_patience(seconds) have passed, or when they have
// used test_patience(seconds) of processor time per core without getting
// there (spinning), or at ten times the patience on the wall clock.  What
// waits spend polling counts for neither.  A busy machine slows threads
// but does not stop them: a slow correct run is waited for.
bool test_wait_for(atomic_int *flag, int value, double seconds);

// Processor time this process has used, in seconds.
double test_process_cpu(void);

// CPU time a thread has used so far, in seconds; -1 if it has ended.
double test_thread_cpu(pthread_t thread);

#endif
