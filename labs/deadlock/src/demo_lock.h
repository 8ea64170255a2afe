// The demos' locks: pthread mutexes that remember who holds them and who
// waits for them, and a watchdog that explains a hang.
//
// Each demo thread registers itself with a name.  demo_lock() notes "T waits
// for L" before it blocks and "T holds L" once it has the lock, so when the
// program stops making progress the watchdog can print every thread, what it
// holds, what it waits for and who holds that: the wait-for graph.  A cycle
// in that graph is a deadlock; the watchdog prints it and writes the graph
// for Graphviz.  (Not the lab's lk_mutex: the demos show a real hang, with
// real threads, outside any scheduler.)
#ifndef DEMO_LOCK_H
#define DEMO_LOCK_H

#include <pthread.h>

#define DEMO_MAX_THREADS 16
#define DEMO_MAX_HELD 8

struct demo_mutex {
    pthread_mutex_t lock;
    const char *name;
};

void demo_mutex_init(struct demo_mutex *m, const char *name);

// Register the calling thread under a name (before its first demo_lock).
void demo_thread_register(const char *name);

void demo_lock(struct demo_mutex *m);
void demo_unlock(struct demo_mutex *m);

// Count one unit of work (a transfer, a meal): the watchdog's sign of life.
void demo_progress(void);

// Start the watchdog.  It prints the work done each second; after `quiet`
// seconds without progress it prints the threads and the cycle, writes the
// wait-for graph to dot_path (and an .svg beside it when Graphviz's `dot` is
// installed), and ends the process with status 2.
void demo_watchdog_start(const char *unit, double quiet, const char *dot_path);

#endif
