// The explore scheduler's systematic choices, spin detection and deadlock reports.
//
// Split from lk_sched.c, whose state it shares (lk_sched_state.h): the
// choices a systematic run makes and logs for the search (lk_search.c), how
// a spinning thread is recognised, and the thread states a deadlock or a
// spent step budget reports.
#define _GNU_SOURCE
#include "lk_sched.h"

#ifdef LK_EXPLORE
#include <stdio.h>
#include <string.h>

#include "lk_sched_state.h"

// Whom thread i waits for (join target or mutex holder), or -1.
int lk_sched_waits_for(int i)
{
    const struct sched_thread *t = &lk_sched.thread[i];
    if (t->state == T_JOIN)
        return t->target;
    if (t->state == T_MUTEX)
        return ((const lk_mutex_t *)t->on)->holder - 1;
    return -1;
}

static void describe_thread(int i)
{
    const struct sched_thread *t = &lk_sched.thread[i];
    char buf[32];
    lk_run_message("  T%d%s: ", i, i == 0 ? " (main)" : "");
    switch (t->state) {
    case T_RUNNABLE:
        lk_run_message("runnable, last step %lu: %s%s%s\n", t->last_step, lk_op_name(t->last_op),
                       t->last_addr ? " " : "",
                       t->last_addr ? lk_run_addr_label(lk_run, t->last_addr, buf, sizeof buf)
                                    : "");
        break;
    case T_FUTEX:
        lk_run_message("blocked on futex at %s (sleeping while it holds %u)\n",
                       lk_run_addr_label(lk_run, (uintptr_t)t->on, buf, sizeof buf), t->expected);
        break;
    case T_JOIN:
        lk_run_message("joining T%d\n", t->target);
        break;
    case T_MUTEX:
        lk_run_message("waiting for mutex %s held by T%d\n",
                       lk_run_addr_label(lk_run, (uintptr_t)t->on, buf, sizeof buf),
                       lk_sched_waits_for(i));
        break;
    case T_DONE:
        lk_run_message("finished\n");
        break;
    case T_SPIN:
        lk_run_message("spinning on %s (it sees the same values again and again)\n",
                       lk_run_addr_label(lk_run, (uintptr_t)t->on, buf, sizeof buf));
        break;
    }
}

// Print the first cycle of threads waiting for each other, if any.
static void describe_cycle(void)
{
    for (int start = 0; start < lk_sched.count; start++) {
        int at = start, hops = 0;
        do
            at = lk_sched_waits_for(at);
        while (at >= 0 && at != start && ++hops < lk_sched.count);
        if (at != start)
            continue;
        lk_run_message("  cycle: T%d", start);
        do {
            at = lk_sched_waits_for(at);
            lk_run_message(" -> T%d", at);
        } while (at != start);
        lk_run_message("\n");
        return;
    }
}

void lk_sched_end_with_states(int status, const char *why)
{
    snprintf(lk_run->message, sizeof lk_run->message, "%s\n", why);
    for (int i = 0; i < lk_sched.count; i++)
        describe_thread(i);
    describe_cycle();
    lk_run_end(status);
}

// Systematic: make decision number lk_run->decision_count, among
// `candidates`: the deviation the search asked for there, else `dflt`.  Kept
// in the shared block for the search.
int lk_sched_decide(int kind, uint64_t candidates, int self, int preemptible, int dflt)
{
    const struct run_config *c = lk_sched.config;
    unsigned long index = lk_run->decision_count++;
    int chosen = dflt;
    while (lk_sched.next_dev < c->dev_count && c->devs[lk_sched.next_dev].index < index)
        lk_sched.next_dev++;
    if (lk_sched.next_dev < c->dev_count && c->devs[lk_sched.next_dev].index == index) {
        int t = c->devs[lk_sched.next_dev++].thread;
        if (t >= 0 && t < MAX_THREADS && (candidates >> t & 1))
            chosen = t;
        else
            lk_run->diverged = 1;
    }
    if (index < MAX_DECISIONS) {
        struct decision *d = &lk_run->decisions[index];
        const struct sched_thread *t = &lk_sched.thread[self];
        int announced = kind == DECIDE_PICK && t->state != T_DONE && t->pending_op != NO_OP;
        d->candidates = candidates;
        d->step = lk_run->steps;
        d->kind = (unsigned char)kind;
        d->chosen = (unsigned char)chosen;
        d->self = (unsigned char)self;
        d->dflt = (unsigned char)dflt;
        d->preemptible = (unsigned char)preemptible;
        d->op = (unsigned char)(announced ? t->pending_op : NO_OP);
        d->addr_id = (short)(announced ? t->pending_addr : -1);
    }
    return chosen;
}

// Systematic: the running thread goes on while it can (not at a yield and not
// spinning); else the next candidate after it, in thread order.  Spinning
// threads are candidates only when nobody else can run.
int lk_sched_pick_systematic(int self, int yielding)
{
    uint64_t runnable = 0, spinning = 0;
    for (int i = 0; i < lk_sched.count; i++) {
        if (lk_sched.thread[i].state == T_RUNNABLE && !(yielding && i == self))
            runnable |= 1ULL << i;
        if (lk_sched.thread[i].state == T_SPIN)
            spinning |= 1ULL << i;
    }
    if (!runnable && yielding && lk_sched.thread[self].state == T_RUNNABLE)
        runnable = 1ULL << self;
    uint64_t candidates = runnable ? runnable : spinning;
    if (!candidates)
        return -1;
    int preemptible = !yielding && (runnable >> self & 1);
    int dflt = self;
    if (!preemptible)
        for (int k = 1; k <= lk_sched.count; k++)
            if (candidates >> ((self + k) % lk_sched.count) & 1) {
                dflt = (self + k) % lk_sched.count;
                break;
            }
    return lk_sched_decide(DECIDE_PICK, candidates, self, preemptible, dflt);
}

// Systematic: memory changed, so spinning threads may see something new.
void lk_sched_memory_changed(void)
{
    lk_sched.epoch++;
    for (int i = 0; i < lk_sched.count; i++)
        if (lk_sched.thread[i].state == T_SPIN)
            lk_sched.thread[i].state = T_RUNNABLE;
}

// Systematic: is the thread about to use `addr` a third time since memory
// last changed?  Then it would only see what it saw before: a spin.
int lk_sched_is_spinning(struct sched_thread *t, int op, const volatile void *addr)
{
    if (!addr || op == LK_OP_FUTEX_WAIT || op == LK_OP_FUTEX_WAKE || op == LK_OP_LOCK ||
        op == LK_OP_UNLOCK)
        return 0;
    if (t->seen_epoch != lk_sched.epoch) {
        t->seen_epoch = lk_sched.epoch;
        t->seen_count = t->repeats = 0;
    }
    for (int i = 0; i < t->seen_count; i++)
        if (t->seen[i] == (uintptr_t)addr)
            return ++t->repeats >= 2;
    if (t->seen_count < SPIN_SEEN)
        t->seen[t->seen_count++] = (uintptr_t)addr;
    return 0;
}

// Systematic: keep the object an operation is about to work on, to compare.
void lk_sched_snapshot(struct sched_thread *t, const volatile void *addr, unsigned size)
{
    t->snap_addr = addr;
    t->snap_size = size < SNAP_MAX ? size : SNAP_MAX;
    for (unsigned i = 0; i < t->snap_size; i++)
        t->snap[i] = ((const volatile unsigned char *)addr)[i];
}

void lk_sched_compare_snapshot(struct sched_thread *t)
{
    for (unsigned i = 0; i < t->snap_size; i++)
        if (t->snap[i] != ((const volatile unsigned char *)t->snap_addr)[i]) {
            lk_sched_memory_changed();
            break;
        }
    t->snap_size = 0;
}
#endif
