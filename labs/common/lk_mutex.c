// lk_mutex: a plain lock for labs that use one but are not about building one.
//
// A normal build wraps pthread_mutex.  In an explore build, inside a run, the
// lock lives in the scheduler: taking a held lock blocks the thread as
// "waiting for mutex NAME held by Tn", so a lock-order deadlock is reported as
// a cycle instead of hanging.  Outside a run it is the pthread_mutex again.
#include "lk_sched.h"

#include <errno.h>
#include <stdatomic.h>

#ifdef LK_EXPLORE
static const char *mutex_name(const lk_mutex_t *m)
{
    return m->name ? m->name : "(unnamed)";
}
#endif

static void (*_Atomic mutex_gate)(lk_mutex_t *m);

void lk_mutex_set_gate(void (*gate)(lk_mutex_t *m))
{
    atomic_store(&mutex_gate, gate);
}

// The gate, if a test set one: it may hold the caller before it tries m.
static void pass_gate(lk_mutex_t *m)
{
    void (*gate)(lk_mutex_t *m) = atomic_load_explicit(&mutex_gate, memory_order_acquire);
    if (gate)
        gate(m);
}

void lk_mutex_init(lk_mutex_t *m, const char *name)
{
    pthread_mutex_init(&m->lock, NULL);
    m->name = name;
    m->holder = 0;
}

void lk_mutex_destroy(lk_mutex_t *m)
{
#ifdef LK_EXPLORE
    if (lk_sched_running() && m->holder)
        lk_explore_fail("lk_mutex_destroy(%s) while T%d holds it", mutex_name(m),
                        m->holder - 1);
#endif
    pthread_mutex_destroy(&m->lock);
}

void (lk_mutex_lock)(lk_mutex_t *m)
{
#ifdef LK_EXPLORE
    if (lk_sched_running()) {
        int self = lk_sched_mutex_enter(LK_OP_LOCK, m);
        // Woken waiters compete again, so another thread may get there first.
        while (m->holder)
            lk_sched_mutex_wait(m);
        m->holder = self + 1;
        lk_sched_leave(-1);
        return;
    }
#endif
    pass_gate(m);
    pthread_mutex_lock(&m->lock);
}

int (lk_mutex_trylock)(lk_mutex_t *m)
{
#ifdef LK_EXPLORE
    if (lk_sched_running()) {
        int self = lk_sched_mutex_enter(LK_OP_TRYLOCK, m);
        int busy = m->holder != 0;
        if (!busy)
            m->holder = self + 1;
        lk_sched_leave(!busy);
        return busy ? EBUSY : 0;
    }
#endif
    pass_gate(m);
    return pthread_mutex_trylock(&m->lock);
}

void (lk_mutex_unlock)(lk_mutex_t *m)
{
#ifdef LK_EXPLORE
    if (lk_sched_running()) {
        int self = lk_sched_mutex_enter(LK_OP_UNLOCK, m);
        if (m->holder == 0)
            lk_explore_fail("T%d unlocked mutex %s, which is not locked", self, mutex_name(m));
        if (m->holder != self + 1)
            lk_explore_fail("T%d unlocked mutex %s, which T%d holds", self, mutex_name(m),
                            m->holder - 1);
        m->holder = 0;
        lk_sched_mutex_wake(m);
        lk_sched_leave(-1);
        return;
    }
#endif
    pthread_mutex_unlock(&m->lock);
}
