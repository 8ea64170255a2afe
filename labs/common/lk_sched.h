// The explore scheduler: run a concurrent scenario under many forced schedules.
//
// A test wraps its threads in a scenario and hands it to lk_explore():
//
//     static void scenario(void *arg)
//     {
//         lk_thread_t t[2];
//         for (int i = 0; i < 2; i++)
//             lk_thread_create(&t[i], worker, arg);
//         for (int i = 0; i < 2; i++)
//             lk_thread_join(t[i], NULL);
//         lk_explore_check(counter == 2 * ROUNDS, "expected %d, got %d", 2 * ROUNDS, counter);
//     }
//
//     char *report = NULL;
//     int failed = lk_explore("tas_lock", scenario, NULL, &opts, &report);
//     ck_assert_msg(failed == 0, "%s", report ? report : "");
//     free(report);
//
// In an explore build (-DLK_EXPLORE) every operation of lk_atomic.h, every
// lk_mutex_* call and thread start, exit and join is a scheduling point: one
// thread runs at a time and a seeded strategy picks, at each point, who runs
// next.  A run fails when the scenario says so (lk_explore_check), when every
// thread is blocked (deadlock), when it takes more than step_budget points
// (livelock or spinning), or when it crashes.  The same seed replays the same
// schedule.  In a normal build the same calls run the scenario with real
// threads, as a plain stress test.  See README.md in this folder.
#ifndef LK_SCHED_H
#define LK_SCHED_H

#include <pthread.h>

#include "lk_atomic.h"

// LK_SYSTEMATIC searches every schedule with at most `preemptions`
// preemptions, depth first, fewest preemptions first (see README.md).
enum lk_strategy { LK_RANDOM = 1, LK_PCT = 2, LK_SYSTEMATIC = 4 };

// Zero in any field means its default.
struct lk_explore_opts {
    int seeds;          // run seeds 1..seeds for each strategy in `strategies` (default 50)
    int strategies;     // bitmask of enum lk_strategy (default LK_RANDOM | LK_PCT)
    long step_budget;   // scheduling points per run before "livelock or spinning" (default 200000)
    int pct_depth;      // PCT's d (default 3)
    // LK_SYSTEMATIC only:
    int preemptions;    // the bound: 1, 2, ... (default 2; LK_NO_PREEMPTIONS for 0)
    int max_schedules;  // budget in runs (default 20000) ...
    double max_seconds; // ... and in processor seconds (default 3); past either
                        // the search stops and PCT seeds 1..seeds run instead
};
#define LK_NO_PREEMPTIONS (-1)

// Run scenario(arg) once per seed (and strategy) under the scheduler, each run
// in a forked child process (so a deadlocked or crashed run cannot hang or
// kill the test).  Returns 0 if every run passed; otherwise returns the number
// of failing runs and sets *report to a malloc'd text about the first failure:
// seed, strategy, reason (check failed: message / deadlock: thread states /
// step budget exhausted / crashed: signal), the last steps of its trace, and
// how to replay it.  Runs stop early after a run that exhausts its step budget
// or times out (the rest would be as slow).
//
// Environment: LK_SEED=N (and LK_STRATEGY=random|pct) restricts the call to
// that one seed (replay); LK_STRATEGY=systematic LK_SCHEDULE=S runs the one
// systematic schedule S of a report; LK_TRACE_HASH=H (from a report) warns if
// the replay took another path.  LK_EXPLORE_VERBOSE=1 prints one line per run.
// LK_RUN_TIMEOUT=S sets the per-run wall-clock limit (default 5 s; 0 for none,
// in a debugger), which a normal build multiplies by LK_SLOWDOWN.
//
// In a normal build (no LK_EXPLORE) it runs the scenario `seeds` times with
// real threads in forked children (a plain stress test, with a per-run
// timeout), so the same test compiles either way; under a slow tool `seeds`
// divided by its slow-down factor LK_SLOWDOWN (10 Valgrind, 5 TSan) times.
int lk_explore(const char *name, void (*scenario)(void *), void *arg,
               const struct lk_explore_opts *opts, char **report);

// Inside a scenario: fail this run (any thread may call it).  Does not return.
void lk_explore_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
#define lk_explore_check(cond, ...) ((cond) ? (void)0 : lk_explore_fail(__VA_ARGS__))

// Inside a scenario: give an address a name for the trace and the deadlock
// report ("store flag = 1" instead of "store 0x55d0c0a4 = 1").  The name is
// not copied.  A no-op in a normal build.
void lk_explore_name(const volatile void *addr, const char *name);

// A plain mutex for labs that need a lock but are not about building one
// (deadlock lab, race lab): pthread_mutex in a normal build; a
// scheduler-native lock in an explore build (a thread blocked on it is
// "waiting for mutex NAME held by Tn", so deadlocks are reported as cycles).
typedef struct lk_mutex lk_mutex_t;
struct lk_mutex {
    pthread_mutex_t lock; // the lock of a normal build
    const char *name;     // for reports; not copied
    int holder;           // explore build: 1 + the holder's thread number, 0 if free
};
#define LK_MUTEX_INITIALIZER(name) { PTHREAD_MUTEX_INITIALIZER, (name), 0 }

void lk_mutex_init(lk_mutex_t *m, const char *name);
void lk_mutex_destroy(lk_mutex_t *m);
void lk_mutex_lock(lk_mutex_t *m);
int lk_mutex_trylock(lk_mutex_t *m); // 0 on success, non-zero if held (like pthread)
void lk_mutex_unlock(lk_mutex_t *m);
// A test's gate in front of lk_mutex_lock and lk_mutex_trylock (NULL: none),
// called before the lock is tried, in a normal build and outside explore
// runs.  A test uses it to hold threads at their first lock until all of them
// have got there, so a window between a check made without the lock and
// taking it is open on every run, whatever the machine's load.  A lab that
// arms it denies it to submissions (lab.conf `deny`).
void lk_mutex_set_gate(void (*gate)(lk_mutex_t *m));
#ifdef LK_EXPLORE
#define lk_mutex_lock(m) LK_SITE_(lk_mutex_lock(m))
#define lk_mutex_trylock(m) LK_SITE_(lk_mutex_trylock(m))
#define lk_mutex_unlock(m) LK_SITE_(lk_mutex_unlock(m))
#endif

#ifdef LK_EXPLORE
// The scheduler's side of an explore-build lk_mutex (used by lk_mutex.c).
// Between enter and leave the caller holds the scheduler's lock.
int lk_sched_running(void);                          // inside an explore run?
int lk_sched_mutex_enter(enum lk_op op, lk_mutex_t *m); // a scheduling point; returns Tn's n
void lk_sched_mutex_wait(lk_mutex_t *m);             // block until m is unlocked
void lk_sched_mutex_wake(lk_mutex_t *m);             // make m's waiters runnable
void lk_sched_leave(long value);                     // note value (if >= 0) and leave
#endif

#endif
