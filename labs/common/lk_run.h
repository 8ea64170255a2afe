// What an explore run's child shares with lk_explore() (internal to lk_sched.c and lk_explore.c).
//
// lk_explore() maps one block of shared memory and forks a child per run.  The
// child writes its outcome into the block as it goes (the trace step by step),
// so the parent can report even a run that crashed or was killed.
#ifndef LK_RUN_H
#define LK_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "lk_sched.h"

enum {
    TRACE_LEN = 32,      // steps kept for the report (a ring)
    MAX_ADDRS = 256,     // distinct addresses the trace can name
    NAME_LEN = 24,
    MESSAGE_LEN = 1280,
    MAX_DEPTH = 16,      // PCT's d at most
};

// How a run ended.  The child sets PASS to BUDGET; the parent the rest.
enum run_status {
    RUN_NONE, RUN_PASS, RUN_CHECK, RUN_DEADLOCK, RUN_BUDGET,
    RUN_TIMEOUT, RUN_CRASH, RUN_BAD_EXIT, RUN_ERROR,
};

struct trace_step {
    unsigned long number, value;
    uintptr_t addr;
    int thread, addr_id;
    unsigned char op, has_value;
};

// Written by a run's child, read by lk_explore() when the child has ended.
struct run_shared {
    int status;
    unsigned long steps;
    unsigned long long hash; // FNV-1a over (thread, operation, address id) of every step
    char message[MESSAGE_LEN];
    struct trace_step trace[TRACE_LEN];
    int addr_count;
    struct { uintptr_t addr; char name[NAME_LEN]; } addrs[MAX_ADDRS];
};

struct run_config {
    struct run_shared *shared;
    int strategy, depth;
    unsigned seed;
    unsigned long budget, pct_length;
    double timeout;
};

// The shared block; set in a run's child only (NULL elsewhere).
extern struct run_shared *lk_run;

// Append to the run's message (printf-style).
void lk_run_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// End this run's child with a status (its message already written).
void lk_run_end(int status) __attribute__((noreturn));

// An operation's name and an address's label ("flag", else "0x55d0c0a4") for reports.
const char *lk_op_name(int op);
const char *lk_run_addr_label(const struct run_shared *s, uintptr_t addr, char *buf,
                              size_t size);

#ifdef LK_EXPLORE
// In the run's child: run the scenario under the scheduler (lk_sched.c).
void lk_sched_run(const struct run_config *config, void (*scenario)(void *), void *arg)
    __attribute__((noreturn));
#endif

#endif
