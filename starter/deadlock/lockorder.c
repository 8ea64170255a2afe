// Task 3: a lock-order checker, in the manner of lockdep: report an order of
// locking that can deadlock, on a run where it did not.
//
// As given, an lo_mutex is a plain lock that checks nothing.
#include <stdlib.h>
#include <string.h>

#include "lockorder.h"

// TODO (README.md, "Task 3: the lock-order checker"): the graph (one node
// per lock; an edge A -> B with the file and line where it was first seen),
// one lk_mutex_t that guards it, the reporter and its argument, and each
// thread's own list of the locks it holds (_Thread_local).

void lo_set_reporter(lo_reporter fn, void *arg)
{
    // TODO (README.md, "Reports"): remember fn and arg; NULL means print
    // each report with lo_print_cycle on stderr.
    (void)fn;
    (void)arg;
}

void lo_reset(void)
{
    // TODO (README.md, "Task 3: the lock-order checker"): forget every lock,
    // edge and the reporter, and this thread's held locks.
}

void lo_mutex_init(struct lo_mutex *m, const char *name)
{
    lk_mutex_init(&m->lock, name);
    m->name = name;
    m->id = -1;
    // TODO (README.md, "Task 3: the lock-order checker"): give the lock its
    // number in the graph.
}

void lo_mutex_destroy(struct lo_mutex *m)
{
    // TODO (README.md, "Task 3: the lock-order checker"): forget the lock's
    // edges, so no report names a lock that is gone.
    lk_mutex_destroy(&m->lock);
}

void lo_mutex_lock_at(struct lo_mutex *m, const char *file, int line)
{
    // TODO (README.md, "Finding the cycle"): before waiting for m, add an
    // edge from each lock this thread holds to m (first seen at file:line),
    // and report each new edge that closes a cycle; then note m as held.
    (void)file;
    (void)line;
    lk_mutex_lock(&m->lock);
}

int lo_mutex_trylock_at(struct lo_mutex *m, const char *file, int line)
{
    // TODO (README.md, "Trylock and release"): on success, note m as held
    // (a trylock adds no edge); on failure, record nothing.
    (void)file;
    (void)line;
    return lk_mutex_trylock(&m->lock);
}

void lo_mutex_unlock(struct lo_mutex *m)
{
    // TODO (README.md, "Trylock and release"): m is no longer held by this
    // thread; locks may be released in any order.
    lk_mutex_unlock(&m->lock);
}
