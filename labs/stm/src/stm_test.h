// Helpers for the stm lab's tests: thread crews with a start line, deadlines, CPU clocks.
//
// A test that starts threads must never hang, whatever the submission does:
// it waits for its crew with crew_finish_within(), and when that says no, it
// fails with a message, which ends the test's process and the stuck threads
// with it.  Every wait is scaled by test_patience() for slow tools.
#ifndef STM_TEST_H
#define STM_TEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "test_wait.h"

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

// Wait up to test_patience(seconds) for every member to return, then join
// them.  Returns false, without joining, if some are still running.
bool crew_finish_within(struct crew *crew, double seconds);

// How many members have returned so far.
int crew_finished(struct crew *crew);

// A small deterministic random generator for workloads (xorshift).
unsigned test_random(unsigned *state);

#endif
