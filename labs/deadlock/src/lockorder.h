// The lock-order checker of task 3: a mutex that reports possible deadlocks.
//
// Like Linux's lockdep and ThreadSanitizer's deadlock detector, the checker
// does not wait for a deadlock to happen.  It remembers, for every thread,
// the locks it holds, and adds an edge "held -> acquired" to one global graph
// whenever a thread locks a mutex while holding another.  An edge that closes
// a cycle in that graph is an order that can deadlock on some other run, and
// it is reported at once: see README.md, "Task 3".
//
//     static struct lo_mutex a, b;
//     lo_mutex_init(&a, "A");
//     lo_mutex_init(&b, "B");
//     lo_mutex_lock(&a); lo_mutex_lock(&b);    // edge A -> B
//     lo_mutex_unlock(&b); lo_mutex_unlock(&a);
//     lo_mutex_lock(&b); lo_mutex_lock(&a);    // edge B -> A: cycle, reported
#ifndef LOCKORDER_H
#define LOCKORDER_H

#include <stdio.h>

#include "lk_sched.h"

#define LO_MAX_LOCKS 64 // lo_mutex_init calls in one process (between lo_reset calls)
#define LO_MAX_HELD 16  // locks one thread holds at once

struct lo_mutex {
    lk_mutex_t lock;  // the lock itself
    const char *name; // for reports; not copied
    int id;           // the checker's number for this lock, set by lo_mutex_init
};

// One edge of the lock-order graph: some thread locked `to` while holding
// `from`, first at file:line (the lo_mutex_lock call that locked `to`).
struct lo_edge {
    const struct lo_mutex *from;
    const struct lo_mutex *to;
    const char *file;
    int line;
};

// A cycle in the graph.  edge[0] is the new edge that closed it; then each
// edge starts where the previous one ends (edge[i].to == edge[i + 1].from),
// and the last ends where edge[0] starts.  A -> B then B -> A is a cycle of
// length 2.
struct lo_cycle {
    int length;
    struct lo_edge edge[LO_MAX_LOCKS];
};

// Called once for each edge that closes a cycle, before the lock is taken.
// It may be called with the checker's own lock held: it must not lock an
// lo_mutex.
typedef void (*lo_reporter)(const struct lo_cycle *cycle, void *arg);

// Yours (lockorder.c).

// Where reports go: fn(cycle, arg).  NULL (the default) prints each report
// with lo_print_cycle on stderr.
void lo_set_reporter(lo_reporter fn, void *arg);

// Forget every lock, edge and held lock, and the reporter (as at the start
// of the process).  Call it when no lo_mutex is held nor in use.
void lo_reset(void);

void lo_mutex_init(struct lo_mutex *m, const char *name);
void lo_mutex_destroy(struct lo_mutex *m);

// Lock m, first adding an edge from each lock this thread holds to m and
// reporting each new edge that closes a cycle.  Use the macro, which passes
// the caller's file and line.
void lo_mutex_lock_at(struct lo_mutex *m, const char *file, int line);
#define lo_mutex_lock(m) lo_mutex_lock_at((m), __FILE__, __LINE__)

// Try to lock m: 0 on success (m is then held, but no edge is added: a
// trylock never waits, so it cannot be part of a deadlock), non-zero if m is
// taken (nothing recorded).
int lo_mutex_trylock_at(struct lo_mutex *m, const char *file, int line);
#define lo_mutex_trylock(m) lo_mutex_trylock_at((m), __FILE__, __LINE__)

// Unlock m, which this thread holds; locks may be released in any order.
void lo_mutex_unlock(struct lo_mutex *m);

// The lab's (lockorder_print.c): print a cycle as the checker's report.
void lo_print_cycle(FILE *out, const struct lo_cycle *cycle);

#endif
