// Judging a test's threads by what they do, not by the clock: asleep for good, spinning, or moving.
//
// A busy machine makes correct threads slow, never stuck: a thread whose turn
// has come is runnable, even if it waits for a core.  So a test never fails
// a thread for taking long on the wall clock.  It fails it when the kernel
// says it can no longer move (every thread asleep in a futex wait, using no
// processor time, with nobody left to wake it), or when it has burnt a
// budget of its own processor time without getting anywhere (a spin that
// never ends).  Both verdicts are the same on an idle machine and a loaded
// one.  The grader's wall-clock timeout stays as a backstop only.
#ifndef THREAD_WATCH_H
#define THREAD_WATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

// A watched thread: it calls tw_register() first thing, so others can read
// its kernel state and its processor clock.
struct tw_thread {
    atomic_int tid;  // 0 until registered
    clockid_t clock; // its CPU-time clock
};

void tw_register(struct tw_thread *self);

// Watch a thread from outside, by its handle (it need not register).
void tw_watch_pthread(struct tw_thread *watch, pthread_t thread);

enum tw_state {
    TW_UNKNOWN, // not registered yet
    TW_RUNNING, // running or runnable (or in a system call other than a futex wait)
    TW_ASLEEP,  // blocked in a futex wait: only a wake-up moves it
    TW_GONE,    // has exited
};

enum tw_state tw_state(const struct tw_thread *thread);

// Processor time the thread has used, in seconds; -1 once it is gone.
double tw_cpu(const struct tw_thread *thread);

// How many times the thread has gone to sleep of its own accord (a futex
// wait, a nanosleep, a blocking read), from the kernel's count of voluntary
// context switches; -1 once it is gone.  A thread that spins, even with
// sched_yield, does not add to it.
long tw_sleeps(const struct tw_thread *thread);

// Every time the thread has left its core: its sleeps, and the times the
// scheduler took the core away or it yielded it; -1 once it is gone.
long tw_switches(const struct tw_thread *thread);

// What tw_wait() saw.
enum tw_outcome {
    TW_DONE,     // *done reached the target
    TW_STUCK,    // every watched thread asleep in a futex wait (or gone), nobody moving
    TW_SPINNING, // the watched threads used cpu_budget seconds of processor time
};

struct tw_wait {
    atomic_int *done;          // progress counter to wait for
    int target;                // ... until it reaches this
    struct tw_thread *threads; // the threads that should get it there
    int count;
    double cpu_budget;         // seconds of their processor time, already scaled
    atomic_long *wakes;        // optional: a waker's round counter (see below)
    void (*poll)(void *arg);   // optional: called before each look at *done
    void *poll_arg;
    double cpu_used;           // out: their processor time during the wait
};

// Wait until *done >= target, or until the threads are stuck or spinning.
// Stuck means: every watched thread asleep in a futex wait or gone, their
// processor time unchanged, *done unchanged, through 5 polls and 50 ms in a
// row; when `wakes` is given (a helper thread that wakes waiters now and
// then counts its rounds there), also through 3 of its rounds.
enum tw_outcome tw_wait(struct tw_wait *wait);

// Wait until the thread is asleep in a futex wait (TW_STUCK), or has used
// cpu_budget seconds of processor time since `since_cpu`, or has left its
// core 50 times since the call without getting through (TW_SPINNING: a
// retry loop with sched_yield on a busy machine uses little time), or
// *flag has become non-zero (TW_DONE).  A thread blocked in a lock is
// asleep or spinning; one that got through is DONE: no clock decides.
enum tw_outcome tw_wait_blocked(const struct tw_thread *thread, double since_cpu,
                                double cpu_budget, atomic_int *flag);

// Sleep for `seconds` of wall time (only to pace polling, never to judge).
void tw_sleep(double seconds);

#endif
