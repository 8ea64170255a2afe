// The explore scheduler's state, shared by lk_sched.c and lk_sched_sys.c (internal).
#ifndef LK_SCHED_STATE_H
#define LK_SCHED_STATE_H

#include <pthread.h>
#include <stdint.h>

#include "lk_run.h"
#include "lk_sched.h"

enum {
    MAX_THREADS = 64,
    SPIN_LIMIT = 500, // PCT, systematic: points in a row after which a thread counts as spinning
    MAX_NAMES = 256,  // lk_explore_name() entries
};

// T_SPIN (systematic only): the thread is about to repeat an operation on an
// address it has already used twice while no memory changed, so it would see
// the same values again; it waits until some memory changes, or until nobody
// else can run.
enum thread_state { T_RUNNABLE, T_FUTEX, T_JOIN, T_MUTEX, T_DONE, T_SPIN };

enum { SPIN_SEEN = 8, SNAP_MAX = 16 };

struct sched_thread {
    pthread_t pthread;
    atomic_uint go;           // 1 while this thread holds the turn (a futex word)
    enum thread_state state;
    const volatile void *on;  // the futex word or mutex it waits for
    unsigned expected;        // futex: the value it sleeps on
    int target;               // join: the thread it waits for
    int joined;
    long priority;            // PCT: the runnable thread with the highest runs
    void *(*start)(void *);
    void *arg, *result;
    unsigned long last_step;  // its latest step
    int last_op;
    uintptr_t last_addr;
    const char *file;         // the call site of its current operation
    int line;
    int pending_op, pending_addr; // systematic: what it announced at its latest point
    // Systematic: the object its operation works on, as it was just before
    // (to tell whether the operation changed memory), and the addresses it
    // used since memory last changed (to tell a spin).
    const volatile void *snap_addr;
    unsigned snap_size;
    unsigned char snap[SNAP_MAX];
    unsigned long seen_epoch;
    int seen_count, repeats;
    uintptr_t seen[SPIN_SEEN];
};

struct sched_state {
    pthread_mutex_t lock;
    struct sched_thread thread[MAX_THREADS];
    int count, live, current, running;
    const struct run_config *config;
    unsigned long long rng;
    unsigned long points;               // scheduling points so far
    unsigned long change_at[MAX_DEPTH]; // PCT: steps where the runner's priority drops
    long lowest;                        // PCT: the lowest priority handed out so far
    int streak_thread;                  // PCT: who ran the latest points in a row,
    unsigned long streak;               //      and how many
    int addr_slot[2 * MAX_ADDRS];       // open addressing: address -> id + 1
    unsigned long epoch;                // systematic: times memory changed
    int next_dev;                       // systematic: the next deviation to apply
};

// The one scheduler of a run's child.
extern struct sched_state lk_sched;

// lk_sched_sys.c: systematic choices and spins.
int lk_sched_decide(int kind, uint64_t candidates, int self, int preemptible, int dflt);
int lk_sched_pick_systematic(int self, int yielding);
void lk_sched_memory_changed(void);
int lk_sched_is_spinning(struct sched_thread *t, int op, const volatile void *addr);
void lk_sched_snapshot(struct sched_thread *t, const volatile void *addr, unsigned size);
void lk_sched_compare_snapshot(struct sched_thread *t);
// ... and the end of a run that every thread is blocked in, or that spent its
// budget: the reason and each thread's state.
void lk_sched_end_with_states(int status, const char *why) __attribute__((noreturn));

#endif
