// Helpers for the channels lab's tests: helper threads with deadlines, CPU clocks, messages.
//
// A test that starts threads must never hang, whatever the submission does:
// it waits for a helper with helper_done_within(), and when that says no, it
// fails with a message, which ends the test's process and the stuck threads
// with it.  Every wait is scaled by test_patience() for slow tools.
#ifndef CHAN_TEST_H
#define CHAN_TEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "chan.h"
#include "test_wait.h"

// A thread running fn(arg), whose return the test can wait for with a deadline.
struct helper {
    pthread_t thread;
    void *(*fn)(void *);
    void *arg;
    void *result;
    atomic_int done;
    atomic_int tid; // its Linux thread id, once it runs
    bool joined;
};

void helper_start(struct helper *h, void *(*fn)(void *), void *arg);

// Wait up to test_patience(seconds) for the helper to return, then join it.
// Returns false, without joining, if it is still running.
bool helper_done_within(struct helper *h, double seconds);

// Wait until the helper sleeps in the kernel (its state in
// /proc/self/task/TID/stat is S twice in a row, 1 ms apart) or has returned,
// up to test_patience(seconds).  Then a check that it has not returned is
// not a race with its start.  A helper that spins never sleeps: this then
// waits the whole time, and the test goes on.
void helper_wait_asleep(struct helper *h, double seconds);

// Whether the helper has returned yet.
bool helper_done(struct helper *h);

// chan_new(capacity), failing the test if it returns NULL.
chan_t *new_chan(unsigned capacity);

// A heap message carrying a number: what the tests send.  msg_take frees it
// and returns the number.
void *msg_new(long value);
long msg_take(void *message);

// The chi-square statistic of observed counts against equal expected counts.
double chi_square_uniform(const long *counts, int k);

#endif
