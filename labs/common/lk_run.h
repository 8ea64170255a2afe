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
    TRACE_LEN = 512,     // steps kept for the report (a ring)
    MAX_ADDRS = 256,     // distinct addresses the trace can name
    NAME_LEN = 24,
    MESSAGE_LEN = 1280,
    MAX_DEPTH = 16,      // PCT's d at most
    MAX_DECISIONS = 4096, // systematic: the choices of a run the search can vary
    NO_OP = 0xff,        // a decision made where the thread announced no operation
    MAX_DEVS = 256,      // systematic: deviations from the default schedule at most
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
    const char *file; // the call site, if known (a string of the program's image)
    int line;
};

// One choice the scheduler made in a systematic run: who runs next (PICK), or
// which sleeper a futex wake wakes (WAKE).  The search replays a run's choices
// and varies them one at a time.
enum { DECIDE_PICK, DECIDE_WAKE };
struct decision {
    uint64_t candidates;         // the threads it could choose (bit i: Ti)
    unsigned long step;          // steps taken before it
    unsigned char kind, chosen, self, dflt;
    unsigned char preemptible;   // PICK: `self` could go on, so choosing another preempts it
    unsigned char op;            // PICK at a point: what `self` is about to do (else NO_OP)
    short addr_id;               // ... and on which address (-1: none)
};

// A systematic run follows the default choice except at these decisions.
struct deviation {
    unsigned long index;
    int thread;
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
    int diverged;                 // systematic: a deviation named a thread it could not choose
    unsigned long decision_count; // systematic: decisions made (only MAX_DECISIONS kept)
    struct decision decisions[MAX_DECISIONS];
};

struct run_config {
    struct run_shared *shared;
    int strategy, depth;
    unsigned seed;
    unsigned long budget, pct_length;
    double timeout;
    const struct deviation *devs; // systematic: sorted by index
    int dev_count;
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

// Fork a child for one run and wait for it (lk_explore.c).  Returns how it ended.
int lk_run_once(const struct run_config *config, void (*scenario)(void *), void *arg,
                int *wstatus);

// An operation's text in a trace ("load flag -> 0"), without the thread.
void lk_step_text(const struct run_shared *s, const struct trace_step *t, char *buf, size_t size);

// The systematic search (lk_search.c).
struct search_params {
    struct run_config *config;
    void (*scenario)(void *);
    void *arg;
    int bound;           // preemptions at most
    long max_schedules;  // budget: runs ...
    double max_seconds;  // ... and processor seconds
};

struct search_result {
    int bound_done;      // every schedule up to this bound was run (-1: not even 0)
    long at_bound;       // ... that many of them
    long schedules;      // runs in all
    int found_at;        // the bound at which the first failure appeared (-1: none)
    int failed;          // failing runs seen
    int budget_hit, truncated, diverged;
    double seconds;      // processor seconds
    // The smallest failing run: fewest preemptions, then fewest steps.
    int outcome, wstatus, preemptions, dev_count;
    struct deviation devs[MAX_DEVS];
    struct run_shared shared;
};

int lk_search(const struct search_params *p, struct search_result *r);
int lk_search_replay(const struct search_params *p, const struct deviation *devs, int count,
                     struct search_result *r);
// Append the failing run of r as a table of threads and steps, preemptions marked.
void lk_schedule_table(char *out, size_t size, const struct search_result *r);
// The report of r's failing run (malloc'd): what the search covered, the
// reason, the table and the replay line (`command` is the test's command).
char *lk_search_report(const char *name, const struct search_result *r, int replay,
                       const char *reason, const char *command);
// One line on stderr: what the search covered.
void lk_search_summary(const char *name, int bound, const struct search_result *r);
// LK_SCHEDULE's text ("12:2,15:1") as deviations; -1 if absent or malformed.
int lk_parse_schedule(const char *text, struct deviation *devs);

#ifdef LK_EXPLORE
// In the run's child: run the scenario under the scheduler (lk_sched.c).
void lk_sched_run(const struct run_config *config, void (*scenario)(void *), void *arg)
    __attribute__((noreturn));
// The failing run s, step by step, to LK_TRACE_DIR/NAME.schedule for tools
// to draw (lk_trace.c); nothing when LK_TRACE_DIR is not set.
void lk_trace_write(const char *name, const struct run_shared *s, const char *reason);
#endif

#endif
