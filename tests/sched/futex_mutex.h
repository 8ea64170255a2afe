// A correct futex mutex on the lk_ layer, for the scheduler's own tests.
//
// The word is 0 free, 1 locked, 2 locked with (maybe) sleepers: the unlock
// that finds 2 wakes one.  Included by cases.c and check_suite.c.
#ifndef SCHED_FUTEX_MUTEX_H
#define SCHED_FUTEX_MUTEX_H

#include "lk_atomic.h"

static inline void futex_mutex_lock(atomic_uint *word)
{
    unsigned c = 0;
    if (lk_atomic_compare_exchange_strong(word, &c, 1))
        return;
    if (c != 2)
        c = lk_atomic_exchange(word, 2);
    while (c != 0) {
        lk_futex_wait(word, 2);
        c = lk_atomic_exchange(word, 2);
    }
}

static inline void futex_mutex_unlock(atomic_uint *word)
{
    if (lk_atomic_fetch_sub(word, 1) != 1) {
        lk_atomic_store(word, 0);
        lk_futex_wake(word, 1);
    }
}

#endif
