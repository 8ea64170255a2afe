// Helpers for the sync lab's tests: thread crews with a start line, deadlines, CPU clocks.
//
// A test that starts threads must never hang, whatever the submission does,
// and must never fail a correct submission because the machine is busy.  It
// waits for its crew with crew_finish(), which judges the threads by what
// they do (thread_watch.h), not by a wall clock: they are stuck when all
// sleep in a futex wait and nothing moves, spinning when they burn a budget
// of processor time.  When it says no, the test fails with a message, which
// ends the test's process and the stuck threads with it.
#ifndef SYNC_TEST_H
#define SYNC_TEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "sync.h"
#include "test_wait.h"
#include "thread_watch.h"

enum { CREW_MAX = 16 };

// A group of threads running body(arg, index) for index 0..size-1.  All
// wait at a start line until every one has been created, so they begin
// together and contend from their first operation.
struct crew {
    pthread_t threads[CREW_MAX];
    struct crew_member {
        struct crew *crew;
        int index;
        atomic_int started, returned;
        double start_cpu; // its processor time when its body began (set before started)
    } members[CREW_MAX];
    struct tw_thread watch[CREW_MAX];
    void (*body)(void *arg, int index);
    void *arg;
    int size;
    atomic_int ready;
    atomic_int go;
    atomic_int finished;
    bool joined;
    double cpu_budget;        // seconds of processor time crew_finish allows (scaled)
    enum tw_outcome outcome;  // what the last wait saw
    double cpu_used;          // ... and the processor time the members used meanwhile
};

// Start size threads (at most CREW_MAX) and release them all at once.
void crew_start(struct crew *crew, int size, void (*body)(void *arg, int index), void *arg);

// Start the crew while the caller holds `held` (a mutex its members take
// first), wait until every member is blocked on it (crew_settle), then
// unlock it.  Every member begins asleep on the mutex, so a mutex whose
// unlock wakes nobody fails on every run, not only when timing happens to
// put a thread to sleep.
void crew_start_behind(struct crew *crew, int size, void (*body)(void *arg, int index), void *arg,
                       sync_mutex_t *held);

// The same, and the test's check of it: fail the test if any member gets
// past the held mutex (`*returned` counts members past it) before the
// unlock, or if not every member finishes after it.  `wakes` says what the
// unlock had to do, for the message.
void crew_blocked_until_unlock(struct crew *crew, int size, void (*body)(void *arg, int index),
                               sync_mutex_t *held, atomic_int *returned, const char *wakes);

// Wait until every member has returned, then join them.  Returns false,
// without joining, if the members are stuck (all asleep in futex waits,
// nothing moving) or spinning (they used crew->cpu_budget seconds of
// processor time, 5 s natively unless the test sets it); crew_problem()
// then says which.  No wall clock decides: a busy machine only makes it
// take longer.
bool crew_finish(struct crew *crew);

// Why the last crew_finish or crew_wait_for said no, for a failure message.
const char *crew_problem(const struct crew *crew);

// Wait until *flag reaches value while the crew works towards it; false
// (crew_problem says why) if the crew gets stuck or spins first.
bool crew_wait_for(struct crew *crew, atomic_int *flag, int value);

// Wait until every member that has not returned is blocked: asleep in a
// futex wait, or spinning (20 ms of its processor time, scaled, since its
// body began).  How a test knows its threads have reached the lock or the
// wait they must block in, on a busy machine as on an idle one.
void crew_settle(struct crew *crew);

// The same for one member, with its own budget: TW_STUCK if it fell
// asleep, TW_SPINNING if it used cpu_budget seconds of processor time
// without sleeping, TW_DONE if its body returned.
enum tw_outcome crew_await_blocked(struct crew *crew, int index, double cpu_budget);

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

// ---- Contention: many threads, one counter only the lock under test protects ----

extern struct contention {
    sync_spinlock_t spin;
    sync_mutex_t mutex;
    struct guarded_counter counter;
    long rounds; // per thread
} contention;

// Fresh locks and counter, `rounds` critical sections per thread.
void contention_reset(long rounds);

// Crew bodies: `rounds` critical sections each, by lock; the _mixed ones
// take the lock by trylock (retrying, with a yield) in odd-numbered threads.
void contention_spin_worker(void *arg, int index);
void contention_mutex_worker(void *arg, int index);
void contention_spin_mixed_worker(void *arg, int index);
void contention_mutex_mixed_worker(void *arg, int index);

// Start the workers while main holds the lock (the spinlock if `spin`,
// else the mutex) and counts itself inside the critical section, and let
// go only once every worker is blocked (asleep or spinning): a worker let
// in meanwhile is an overlap.  So a lock that does not exclude fails on
// every run, not when timing happens to make two threads meet.
void contention_start(struct crew *crew, int threads, void (*worker)(void *, int), bool spin);

// Fail the test unless the crew finishes with no overlap and no lost
// increment.
void contention_check(struct crew *crew, int threads);

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
    atomic_long rounds; // broadcasts so far: crew_finish waits for a few before "stuck"
};

void nudger_start(struct nudger *nudger, sync_cond_t *first, sync_cond_t *second);
void nudger_stop(struct nudger *nudger);

// Run a forced-schedule scenario (lk_sched.h) on seeds 1-50 under each
// strategy, random and PCT (depth 3), at most 20000 scheduling points a
// run, and fail the test with the scheduler's report if any run fails.  A
// seed fixes the schedule, so a broken primitive that fails on some of
// these seeds fails on every run of the test, not just sometimes.
void sync_explore(const char *name, void (*scenario)(void *));

#endif
