// Helpers for the ownership lab's tests: threads, CPU clocks, and waiting for a thread to sleep.
//
// A test must never hang, whatever the submission does: waits for threads
// are bounded, and a bound that runs out fails the test with a message.
// Progress is judged by processor time, not by the wall clock, so a loaded
// machine slows a test down but does not fail it.
#ifndef OWNERSHIP_TEST_H
#define OWNERSHIP_TEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "test_wait.h"

// Start a thread with a small stack (the grader limits address space).
pthread_t test_thread(void *(*fn)(void *), void *arg);

// The calling thread's kernel id (for test_wait_asleep).
pid_t test_gettid(void);

// Wait until *flag >= value.  Gives up when the process has used
// test_patience(cpu_seconds) of processor time since the call (work done,
// no progress), or when for test_patience(hang_seconds) it used almost none
// (every thread asleep: nothing runs, nothing will).  Returns whether it did.
bool test_wait_progress(atomic_int *flag, int value, double cpu_seconds, double hang_seconds);

// Wait until the thread `tid` sleeps in the kernel (state S in /proc), for
// up to test_patience(seconds).  Returns whether it did.
bool test_wait_asleep(pid_t tid, double seconds);


// Run pattern(), which is expected to call abort(), with stderr captured:
// returns whether it aborted, and what it wrote to stderr in `text` (at most
// size - 1 bytes, NUL-terminated).  The abort is caught (SIGABRT) and the
// test goes on; anything the pattern did before it stays as it was.
bool test_aborts(void (*pattern)(void), char *text, size_t size);

// Whether `text` names `site` ("file.c:12", not as part of "file.c:123").
bool test_names_site(const char *text, const char *site);

#endif
