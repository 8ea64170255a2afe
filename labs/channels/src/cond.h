// A condition variable for lk_mutex_t, so channel code runs under the explore scheduler.
//
// The usual contract (pthread_cond_*): call cond_wait holding the mutex; it
// releases the mutex, sleeps until a signal or broadcast (or spuriously),
// and returns holding the mutex again, so always wait in a `while` loop
// around the condition.  Built from a sequence number and a futex, as in the
// sync lab; in an explore build every step is a scheduling point, and a
// thread asleep in cond_wait is "blocked on futex" in deadlock reports.
#ifndef COND_H
#define COND_H

#include <stdatomic.h>

#include "lk_sched.h"

typedef struct cond {
    atomic_uint seq; // changed by every signal and broadcast
} cond_t;

#define COND_INITIALIZER { 0 }

void cond_init(cond_t *cond);
void cond_wait(cond_t *cond, lk_mutex_t *mutex);
void cond_signal(cond_t *cond);    // wake at least one waiter, if any
void cond_broadcast(cond_t *cond); // wake every waiter

#endif
