// A condition variable for lk_mutex_t from a sequence number and a futex (see cond.h).
#include "cond.h"

#include <limits.h>

void cond_init(cond_t *cond)
{
    atomic_init(&cond->seq, 0);
}

void cond_wait(cond_t *cond, lk_mutex_t *mutex)
{
    // Read the sequence while holding the mutex: a signaller changes the
    // condition under the mutex and then bumps seq, so a signal after our
    // unlock makes the futex wait return at once instead of being lost.
    unsigned seq = lk_atomic_load(&cond->seq);
    lk_mutex_unlock(mutex);
    lk_futex_wait(&cond->seq, seq);
    lk_mutex_lock(mutex);
}

void cond_signal(cond_t *cond)
{
    lk_atomic_fetch_add(&cond->seq, 1);
    lk_futex_wake(&cond->seq, 1);
}

void cond_broadcast(cond_t *cond)
{
    lk_atomic_fetch_add(&cond->seq, 1);
    lk_futex_wake(&cond->seq, INT_MAX);
}
