// Helpers for the sync lab's tests: thread crews with a start line, deadlines, CPU clocks.
//
// A test that starts threads must never hang, whatever the submission does:
// it waits for its crew with crew_finish_within(), and when that says no, it
// fails with a message, which ends the test's process and the stuck threads
// with it.  Every wait is scaled by test_patience() for slow tools.
#ifndef SYNC_TEST_H
#define SYNC_TEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "sync.h"

enum { CREW_MAX = 16 };

// A group of threads running body(arg, index) for index 0..size-1.  All
// wait at a start line until every one has been created, so they begin
// together and contend from their first operation.
struct crew {
    pthread_t threads[CREW_MAX];
    struct crew_member {
        struct crew *crew;
        int index;
    } members[CREW_MAX];
    void (*body)(void *arg, int index);
    void *arg;
    int size;
    atomic_int ready;
    atomic_int go;
    atomic_int finished;
    bool joined;
};

// Start size threads (at most CREW_MAX) and release them all at once.
void crew_start(struct crew *crew, int size, void (*body)(void *arg, int index), void *arg);

// Start the crew while the caller holds `held` (a mutex its members take
// first), wait until they have had time to block on it, then unlock it.
// Every member begins asleep on the mutex, so a mutex whose unlock wakes
// nobody fails on every run, not only when timing happens to put a thread
// to sleep.
void crew_start_behind(struct crew *crew, int size, void (*body)(void *arg, int index), void *arg,
                       sync_mutex_t *held);

// Wait up to test_patience(seconds) for every member to return, then join
// them.  Returns false, without joining, if some are still running.
bool crew_finish_within(struct crew *crew, double seconds);

// How many members have returned so far.
int crew_finished(struct crew *crew);

// A counter for mutual-exclusion tests.  `value` is plain: only the lock
// under test protects it.  `inside` catches two threads in the critical
// section at once; it uses relaxed atomics so that it orders nothing, and
// TSan sees the lock as the only synchronization between the threads.
struct guarded_counter {
    long value;
    atomic_int inside;
    atomic_long overlaps;
};

// The critical section: read, dawdle, write back one more, long enough that
// two threads let in together are seen together.
void guarded_increment(struct guarded_counter *counter);

// A thread that broadcasts up to two condition variables every millisecond
// until stopped.  The contract allows a waiter to wake at any time, so this
// is legal, and a `while` loop around each wait absorbs it (an `if` does
// not).  It also heals a lost wake-up within a millisecond, so a volume test
// that runs one checks delivery and mutual exclusion, never timing luck:
// lost wake-ups are the forced-schedule cases' job.
struct nudger {
    pthread_t thread;
    sync_cond_t *conds[2];
    atomic_int stop;
};

void nudger_start(struct nudger *nudger, sync_cond_t *first, sync_cond_t *second);
void nudger_stop(struct nudger *nudger);

// Seconds on a monotonic clock.
double test_now(void);

// `seconds` scaled for the tool the test runs under (TSan and Valgrind
// are several times slower than a native run).
double test_patience(double seconds);

// Sleep for test_patience(seconds): long enough, on a loaded machine, for
// a thread that was just started or woken to reach the point where it
// blocks.
void test_settle(double seconds);

// Wait up to test_patience(seconds) for *flag to become at least value.
// Returns whether it did.
bool test_wait_for(atomic_int *flag, int value, double seconds);

// CPU time a thread has used so far, in seconds; -1 if it has ended.
double test_thread_cpu(pthread_t thread);

#endif
