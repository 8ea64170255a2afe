// The explore scheduler: one thread at a time, the next one chosen by a seed.
//
// A run's child (lk_explore.c) runs the scenario here.  Threads are real
// pthreads, but only the one holding the turn runs user code.  At each
// scheduling point (every call of lk_atomic.h, lk_mutex_*, thread start, exit
// and join) the holder records the step in the shared trace, asks the
// strategy who is next, and hands the turn over through that thread's futex
// word.  So memory is sequentially consistent, and the schedule depends only
// on the seed.  lk_explore.c pins a run to one CPU, where a handover is one
// context switch.
//
// Strategies: LK_RANDOM picks uniformly among the runnable threads at every
// point.  LK_PCT (Burckhardt et al., ASPLOS 2010) gives threads random
// priorities, always runs the highest runnable one, and at d-1 random steps
// drops the running thread's priority.  LK_SYSTEMATIC lets the running
// thread go on, except at the choices the search (lk_search.c) names, and
// logs every choice (lk_sched_sys.c).
#define _GNU_SOURCE
#include "lk_sched.h"

#ifdef LK_EXPLORE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lk_run.h"
#include "lk_sched_state.h"

struct sched_state lk_sched;

static struct {
    const volatile void *addr;
    const char *name;
} names[MAX_NAMES];
static int name_count;

__thread const char *lk_site_file;
__thread int lk_site_line;

static __thread int sched_self = -1;

// splitmix64: small, and every seed gives a good stream.
static unsigned long long rng_next(void)
{
    unsigned long long z = (lk_sched.rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

static const char *name_of(const volatile void *addr)
{
    for (int i = 0; i < name_count; i++)
        if (names[i].addr == addr)
            return names[i].name;
    return NULL;
}

void lk_explore_name(const volatile void *addr, const char *name)
{
    int i = 0;
    while (i < name_count && names[i].addr != addr)
        i++;
    if (i == MAX_NAMES)
        return;
    names[i].addr = addr;
    names[i].name = name;
    if (i == name_count)
        name_count++;
    for (int id = 0; lk_run && id < lk_run->addr_count; id++)
        if (lk_run->addrs[id].addr == (uintptr_t)addr)
            snprintf(lk_run->addrs[id].name, NAME_LEN, "%s", name ? name : "");
}

// The address's number in this run (in order of first use, so it is the
// same in every replay whatever the address), or -1.
static int addr_id(const volatile void *addr, const char *fallback_name)
{
    const unsigned slots = 2 * MAX_ADDRS;
    uintptr_t a = (uintptr_t)addr;
    if (!addr)
        return -1;
    unsigned h = (unsigned)((a >> 3) * 2654435761u) % slots;
    for (; lk_sched.addr_slot[h]; h = (h + 1) % slots)
        if (lk_run->addrs[lk_sched.addr_slot[h] - 1].addr == a)
            return lk_sched.addr_slot[h] - 1;
    if (lk_run->addr_count == MAX_ADDRS)
        return -1;
    int id = lk_run->addr_count++;
    lk_sched.addr_slot[h] = id + 1;
    lk_run->addrs[id].addr = a;
    const char *name = name_of(addr);
    snprintf(lk_run->addrs[id].name, NAME_LEN, "%s",
             name ? name : fallback_name ? fallback_name : "");
    return id;
}

static void hash_add(unsigned long long *hash, long value)
{
    for (int i = 0; i < 4; i++) {
        *hash ^= (unsigned long long)(value >> (8 * i)) & 0xff;
        *hash *= 0x100000001b3ULL;
    }
}

static void record(int self, int op, const volatile void *addr, const char *name,
                   unsigned long value, int has_value)
{
    unsigned long n = ++lk_run->steps;
    struct trace_step *step = &lk_run->trace[n % TRACE_LEN];
    step->number = n;
    step->thread = self;
    step->op = (unsigned char)op;
    step->addr = (uintptr_t)addr;
    step->addr_id = addr_id(addr, name);
    step->value = value;
    step->has_value = (unsigned char)has_value;
    step->file = lk_sched.thread[self].file;
    step->line = lk_sched.thread[self].line;
    lk_sched.thread[self].last_step = n;
    lk_sched.thread[self].last_op = op;
    lk_sched.thread[self].last_addr = (uintptr_t)addr;
    hash_add(&lk_run->hash, self);
    hash_add(&lk_run->hash, op);
    hash_add(&lk_run->hash, step->addr_id);
}

static void note_locked(int self, unsigned long value)
{
    unsigned long n = lk_sched.thread[self].last_step;
    struct trace_step *step = &lk_run->trace[n % TRACE_LEN];
    if (step->number == n) {
        step->value = value;
        step->has_value = 1;
    }
}

// Pick the thread to run next (-1 if none can).  A yielding thread is only
// picked again when nobody else can run.
static int pick_next(int self, int yielding)
{
    int enabled[MAX_THREADS], n = 0, best = -1;
    if (lk_sched.config->strategy == LK_SYSTEMATIC)
        return lk_sched_pick_systematic(self, yielding);
    for (int i = 0; i < lk_sched.count; i++)
        if (lk_sched.thread[i].state == T_RUNNABLE && !(yielding && i == self))
            enabled[n++] = i;
    if (n == 0)
        return yielding && lk_sched.thread[self].state == T_RUNNABLE ? self : -1;
    if (lk_sched.config->strategy == LK_RANDOM)
        return enabled[rng_below((unsigned)n)];
    for (int k = 0; k < n; k++)
        if (best < 0 || lk_sched.thread[enabled[k]].priority > lk_sched.thread[best].priority)
            best = enabled[k];
    return best;
}

// PCT: drop the runner's priority at a change point, and below everyone's
// when it yields or has run SPIN_LIMIT points in a row, so a spin loop cannot
// starve the thread it waits for.
static void pct_adjust(int self, int yielding)
{
    struct sched_thread *t = &lk_sched.thread[self];
    for (int i = 0; i < lk_sched.config->depth - 1; i++)
        if (lk_sched.change_at[i] == lk_sched.points)
            t->priority = lk_sched.config->depth - 1 - i;
    if (lk_sched.streak_thread == self) {
        lk_sched.streak++;
    } else {
        lk_sched.streak_thread = self;
        lk_sched.streak = 1;
    }
    if (yielding || lk_sched.streak > SPIN_LIMIT) {
        t->priority = --lk_sched.lowest;
        lk_sched.streak = 0;
    }
}

// The turn passes through each thread's own futex word: the holder sets the
// next thread's word and wakes it, then sleeps on its own.  On one CPU that is
// a single context switch per step.  The scheduler's lock is released before
// the handover, so the woken thread never contends for it.
static void wait_turn(int self)
{
    while (!atomic_load(&lk_sched.thread[self].go))
        lk_os_futex_wait(&lk_sched.thread[self].go, 0);
}

// Give the turn to `next` and release the lock (held on entry).
static void give_turn(int next)
{
    lk_sched.current = next;
    pthread_mutex_unlock(&lk_sched.lock);
    atomic_store(&lk_sched.thread[next].go, 1);
    lk_os_futex_wake(&lk_sched.thread[next].go, 1);
}

// Hand the turn to `next` and wait until it comes back.  Lock held.
static void switch_to(int self, int next)
{
    if (next == self)
        return;
    atomic_store(&lk_sched.thread[self].go, 0);
    give_turn(next);
    wait_turn(self);
    pthread_mutex_lock(&lk_sched.lock);
}

// The caller's thread number; fails the run for a thread the scheduler does
// not know (one started with pthread_create, not lk_thread_create).
static int self_checked(void)
{
    if (sched_self < 0) {
        snprintf(lk_run->message, sizeof lk_run->message,
                 "check failed: a thread not started by lk_thread_create used lk_atomic.h"
                 " during an explore run");
        lk_run_end(RUN_CHECK);
    }
    return sched_self;
}

// A scheduling point: let the strategy choose who runs, and when the turn
// comes back, record the step (the operation runs right after, so the trace
// is in the order things happened).
static void point_locked_at(int self, int op, const volatile void *addr, const char *name,
                            unsigned long value, int has_value, unsigned size)
{
    if (++lk_sched.points > lk_sched.config->budget) {
        char why[160];
        snprintf(why, sizeof why, "step budget exhausted: more than %lu scheduling points"
                 " (livelock, or a spin on something no other thread will change)",
                 lk_sched.config->budget);
        lk_sched_end_with_states(RUN_BUDGET, why);
    }
    int yielding = op == LK_OP_YIELD;
    struct sched_thread *t = &lk_sched.thread[self];
    t->file = lk_site_file;
    t->line = lk_site_line;
    lk_site_file = NULL;
    if (lk_sched.config->strategy == LK_PCT)
        pct_adjust(self, yielding);
    if (lk_sched.config->strategy == LK_SYSTEMATIC) {
        t->pending_op = op;
        t->pending_addr = addr_id(addr, name);
        // A thread that has run SPIN_LIMIT points in a row while others
        // wait is spinning too, if in a way that changes memory (a trylock,
        // unlock, lock loop): a real scheduler would preempt it sooner or
        // later, so the search must not take its endless run for a livelock.
        if (lk_sched.streak_thread != self) {
            lk_sched.streak_thread = self;
            lk_sched.streak = 0;
        }
        if (lk_sched_is_spinning(t, op, addr) || ++lk_sched.streak > SPIN_LIMIT) {
            t->state = T_SPIN;
            t->on = addr;
            lk_sched.streak = 0;
        }
    }
    switch_to(self, pick_next(self, yielding));
    if (t->state == T_SPIN)
        t->state = T_RUNNABLE;
    if (lk_sched.config->strategy == LK_SYSTEMATIC && size)
        lk_sched_snapshot(t, addr, size);
    record(self, op, addr, name, value, has_value);
}

static void point_locked(int self, int op, const volatile void *addr, const char *name,
                         unsigned long value, int has_value)
{
    point_locked_at(self, op, addr, name, value, has_value, 0);
}

// Block the caller (its state already says on what) until woken and chosen.
static void block_locked(int self)
{
    int next = pick_next(self, 0);
    if (next < 0)
        lk_sched_end_with_states(RUN_DEADLOCK, "deadlock: every thread is blocked");
    switch_to(self, next);
}

// Make up to `count` threads waiting on `on` runnable, chosen by the seed.
static int wake_locked(const volatile void *on, enum thread_state state, int count)
{
    int woken = 0;
    while (woken < count) {
        int waiting[MAX_THREADS], n = 0;
        for (int i = 0; i < lk_sched.count; i++)
            if (lk_sched.thread[i].state == state && lk_sched.thread[i].on == on)
                waiting[n++] = i;
        if (n == 0)
            break;
        int pick;
        if (lk_sched.config->strategy != LK_SYSTEMATIC) {
            pick = waiting[rng_below((unsigned)n)];
        } else if (n <= count - woken) {
            pick = waiting[0]; // all of them wake: no choice to make
        } else {
            uint64_t mask = 0;
            for (int k = 0; k < n; k++)
                mask |= 1ULL << waiting[k];
            pick = lk_sched_decide(DECIDE_WAKE, mask, sched_self, 0, waiting[0]);
        }
        lk_sched.thread[pick].state = T_RUNNABLE;
        woken++;
    }
    return woken;
}

static void thread_exit(int self, void *result)
{
    pthread_mutex_lock(&lk_sched.lock);
    record(self, LK_OP_EXIT, NULL, NULL, 0, 0);
    lk_sched.thread[self].state = T_DONE;
    lk_sched.thread[self].result = result;
    for (int i = 0; i < lk_sched.count; i++)
        if (lk_sched.thread[i].state == T_JOIN && lk_sched.thread[i].target == self)
            lk_sched.thread[i].state = T_RUNNABLE;
    if (--lk_sched.live == 0)
        lk_run_end(RUN_PASS);
    int next = pick_next(self, 0);
    if (next < 0)
        lk_sched_end_with_states(RUN_DEADLOCK, "deadlock: every thread is blocked");
    give_turn(next);
}

static void thread_init(int i)
{
    struct sched_thread *t = &lk_sched.thread[i];
    memset(t, 0, sizeof *t);
    t->state = T_RUNNABLE;
    t->pending_op = NO_OP;
    t->pending_addr = -1;
    t->priority = lk_sched.config->depth + 1 + (long)rng_below(1u << 20);
    lk_sched.live++;
}

// Begin a run in this child: the calling thread becomes T0, holding the turn.
static void sched_start(const struct run_config *config)
{
    memset(&lk_sched, 0, sizeof lk_sched);
    pthread_mutex_init(&lk_sched.lock, NULL);
    lk_sched.config = config;
    lk_sched.rng = (unsigned long long)config->strategy << 32 ^ config->seed;
    lk_sched.streak_thread = -1;
    lk_run->hash = 0xcbf29ce484222325ULL;
    for (int i = 0; config->pct_length && i < config->depth - 1; i++)
        lk_sched.change_at[i] = 1 + rng_below((unsigned)config->pct_length);
    thread_init(0);
    lk_sched.thread[0].pthread = pthread_self();
    atomic_store(&lk_sched.thread[0].go, 1);
    lk_sched.count = 1;
    sched_self = 0;
    lk_sched.running = 1;
}

// Run the scenario as T0, holding the turn.  When T0 returns, the run goes
// on until the last thread ends it (lk_run_end in thread_exit).
void lk_sched_run(const struct run_config *config, void (*scenario)(void *), void *arg)
{
    sched_start(config);
    scenario(arg);
    thread_exit(0, NULL);
    for (;;)
        pause();
}

static void *thread_start(void *arg)
{
    struct sched_thread *t = arg;
    sched_self = (int)(t - lk_sched.thread);
    wait_turn(sched_self);
    thread_exit(sched_self, t->start(t->arg));
    return NULL;
}

// ---- The layer's operations in an explore build (see lk_atomic.h) ----

void lk_sched_point_at(enum lk_op op, const volatile void *addr, unsigned size,
                       const char *file, int line)
{
    if (!lk_sched.running)
        return;
    pthread_mutex_lock(&lk_sched.lock);
    lk_site_file = file;
    lk_site_line = line;
    point_locked_at(self_checked(), op, addr, NULL, 0, 0, size);
    pthread_mutex_unlock(&lk_sched.lock);
}

void lk_sched_point(enum lk_op op, const volatile void *addr)
{
    lk_sched_point_at(op, addr, 0, NULL, 0);
}

void lk_sched_note(enum lk_op op, const volatile void *addr, unsigned long value)
{
    (void)op;
    (void)addr;
    if (!lk_sched.running)
        return;
    pthread_mutex_lock(&lk_sched.lock);
    int self = self_checked();
    note_locked(self, value);
    if (lk_sched.thread[self].snap_size)
        lk_sched_compare_snapshot(&lk_sched.thread[self]);
    pthread_mutex_unlock(&lk_sched.lock);
}

void (lk_yield)(void)
{
    if (!lk_sched.running) {
        sched_yield();
        return;
    }
    lk_sched_point(LK_OP_YIELD, NULL);
}

int (lk_futex_wait)(atomic_uint *word, unsigned expected)
{
    if (!lk_sched.running)
        return lk_os_futex_wait(word, expected);
    pthread_mutex_lock(&lk_sched.lock);
    int self = self_checked();
    point_locked(self, LK_OP_FUTEX_WAIT, word, NULL, expected, 1);
    // The check and the sleep are one step: nobody else runs in between.
    if (atomic_load(word) != expected) {
        pthread_mutex_unlock(&lk_sched.lock);
        return -1;
    }
    lk_sched.thread[self].state = T_FUTEX;
    lk_sched.thread[self].on = word;
    lk_sched.thread[self].expected = expected;
    block_locked(self);
    pthread_mutex_unlock(&lk_sched.lock);
    return 0;
}

int (lk_futex_wake)(atomic_uint *word, int count)
{
    if (!lk_sched.running)
        return lk_os_futex_wake(word, count);
    pthread_mutex_lock(&lk_sched.lock);
    int self = self_checked();
    point_locked(self, LK_OP_FUTEX_WAKE, word, NULL, 0, 0);
    int woken = wake_locked(word, T_FUTEX, count);
    note_locked(self, (unsigned long)woken);
    pthread_mutex_unlock(&lk_sched.lock);
    return woken;
}

int lk_thread_create(lk_thread_t *thread, void *(*start)(void *), void *arg)
{
    if (!lk_sched.running)
        return pthread_create(thread, NULL, start, arg);
    pthread_mutex_lock(&lk_sched.lock);
    int self = self_checked();
    point_locked(self, LK_OP_SPAWN, NULL, NULL, 0, 0);
    if (lk_sched.count == MAX_THREADS) {
        snprintf(lk_run->message, sizeof lk_run->message,
                 "check failed: more than %d threads in one explore run", MAX_THREADS);
        lk_run_end(RUN_CHECK);
    }
    int id = lk_sched.count;
    struct sched_thread *t = &lk_sched.thread[id];
    thread_init(id);
    t->start = start;
    t->arg = arg;
    int rc = pthread_create(&t->pthread, NULL, thread_start, t);
    if (rc == 0) {
        lk_sched.count++;
        *thread = t->pthread;
        note_locked(self, (unsigned long)id);
    } else {
        lk_sched.live--;
    }
    pthread_mutex_unlock(&lk_sched.lock);
    return rc;
}

int lk_thread_join(lk_thread_t thread, void **result)
{
    if (!lk_sched.running)
        return pthread_join(thread, result);
    pthread_mutex_lock(&lk_sched.lock);
    int self = self_checked(), target = 0;
    while (target < lk_sched.count && !pthread_equal(lk_sched.thread[target].pthread, thread))
        target++;
    if (target == lk_sched.count || target == self || lk_sched.thread[target].joined) {
        pthread_mutex_unlock(&lk_sched.lock);
        return target == self ? EDEADLK : ESRCH;
    }
    point_locked(self, LK_OP_JOIN, NULL, NULL, (unsigned long)target, 1);
    if (lk_sched.thread[target].state != T_DONE) {
        lk_sched.thread[self].state = T_JOIN;
        lk_sched.thread[self].target = target;
        block_locked(self);
    }
    lk_sched.thread[target].joined = 1;
    void *value = lk_sched.thread[target].result;
    pthread_mutex_unlock(&lk_sched.lock);
    // The target has finished with the scheduler; this waits only for its
    // last instructions, while the caller keeps the turn.
    pthread_join(thread, NULL);
    if (result)
        *result = value;
    return 0;
}

// ---- The scheduler's side of lk_mutex (lk_mutex.c) ----

int lk_sched_running(void)
{
    return lk_sched.running;
}

int lk_sched_mutex_enter(enum lk_op op, lk_mutex_t *m)
{
    pthread_mutex_lock(&lk_sched.lock);
    int self = self_checked();
    point_locked(self, op, m, m->name, 0, 0);
    if (lk_sched.config->strategy == LK_SYSTEMATIC)
        lk_sched_snapshot(&lk_sched.thread[self], &m->holder, sizeof m->holder);
    return self;
}

void lk_sched_mutex_wait(lk_mutex_t *m)
{
    int self = sched_self;
    lk_sched.thread[self].state = T_MUTEX;
    lk_sched.thread[self].on = m;
    block_locked(self);
}

void lk_sched_mutex_wake(lk_mutex_t *m)
{
    wake_locked(m, T_MUTEX, MAX_THREADS);
}

void lk_sched_leave(long value)
{
    if (value >= 0)
        note_locked(sched_self, (unsigned long)value);
    if (lk_sched.thread[sched_self].snap_size)
        lk_sched_compare_snapshot(&lk_sched.thread[sched_self]);
    pthread_mutex_unlock(&lk_sched.lock);
}
#else
// A normal build has no scheduler: names are for explore traces only.
void lk_explore_name(const volatile void *addr, const char *name)
{
    (void)addr;
    (void)name;
}
#endif
