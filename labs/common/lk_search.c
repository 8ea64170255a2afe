// The systematic strategy: every schedule within a preemption bound, depth first.
//
// Stateless search (as in CHESS): each schedule is a fresh run of the scenario
// in a forked child, which follows the default choice (the running thread
// goes on while it can) except at the decisions the search names (struct
// deviation), and logs every decision it made (lk_run.h).  After each run the
// search takes the deepest decision with an untried alternative and runs the
// schedule that differs there.  A switch away from a thread that could go on
// is a preemption; switches where the thread blocks, ends, yields or spins are
// free.  The bound grows 0, 1, 2, ... so the first failure found has the
// fewest preemptions.  Sleep sets prune schedules that only reorder two steps
// on different addresses (or two loads): such steps commute.
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lk_run.h"

#ifdef LK_EXPLORE
enum {
    MIN_EXTRA = 3000, // runs after the first failure, looking for a shorter one
    START_OP = NO_OP, // a thread that has not reached its first point yet
};

struct node {
    uint64_t candidates, done, sleep;
    unsigned char kind, chosen, self, dflt, preemptible, redundant;
    int preempts; // preemptions before this decision
    unsigned long step; // steps before it
    unsigned char op[64];
    short addr[64]; // each thread's next operation (op, address id) here
};

struct search {
    const struct search_params *p;
    struct search_result *r;
    struct node *nodes;
    unsigned long depth; // nodes on the current path
    struct deviation devs[MAX_DEVS];
    int dev_count;
    double cpu_start;
    int sleep_sets; // prune with sleep sets (LK_SLEEP_SETS=0: no, to measure what they save)
};

static double cpu_seconds(void)
{
    struct rusage self, children;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + children.ru_utime.tv_sec +
                    children.ru_stime.tv_sec) +
           (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + children.ru_utime.tv_usec +
                    children.ru_stime.tv_usec) / 1e6;
}

static int cost(const struct node *n, int thread)
{
    return n->kind == DECIDE_PICK && n->preemptible && thread != n->self;
}

// Do two steps (operation, address id) fail to commute?  Steps that touch no
// shared word (a thread's start, yield, fence, spawn, join) commute with all;
// steps on different words commute, and so do two loads.
static int dependent(int op1, int addr1, int op2, int addr2)
{
    int quiet1 = op1 == START_OP || op1 == LK_OP_YIELD || op1 == LK_OP_FENCE ||
                 op1 == LK_OP_SPAWN || op1 == LK_OP_JOIN || op1 == LK_OP_EXIT;
    int quiet2 = op2 == START_OP || op2 == LK_OP_YIELD || op2 == LK_OP_FENCE ||
                 op2 == LK_OP_SPAWN || op2 == LK_OP_JOIN || op2 == LK_OP_EXIT;
    if (quiet1 || quiet2)
        return 0;
    if (addr1 < 0 || addr2 < 0)
        return 1;
    return addr1 == addr2 && !(op1 == LK_OP_LOAD && op2 == LK_OP_LOAD);
}

// The threads of `set` whose next step commutes with `thread`'s at node n.
static uint64_t still_asleep(const struct node *n, uint64_t set, int thread)
{
    uint64_t kept = 0;
    for (int b = 0; b < 64; b++)
        if ((set >> b & 1) && !dependent(n->op[b], n->addr[b], n->op[thread], n->addr[thread]))
            kept |= 1ULL << b;
    return kept;
}

// Add the decisions of the run just made (from `from` on) to the path.
// Returns -1 if the run did not follow the path (the scenario is not
// deterministic under the scheduler).
static int extend_path(struct search *s, unsigned long from)
{
    const struct run_shared *run = s->p->config->shared;
    unsigned long count = run->decision_count;
    if (count > MAX_DECISIONS) {
        count = MAX_DECISIONS;
        s->r->truncated++;
    }
    if (run->diverged || count < from)
        return -1;
    for (unsigned long i = 0; i < from; i++)
        if (s->nodes[i].candidates != run->decisions[i].candidates ||
            s->nodes[i].chosen != run->decisions[i].chosen)
            return -1;
    for (unsigned long i = from; i < count; i++) {
        const struct decision *d = &run->decisions[i];
        struct node *n = &s->nodes[i];
        n->candidates = d->candidates;
        n->kind = d->kind;
        n->chosen = d->chosen;
        n->self = d->self;
        n->dflt = d->dflt;
        n->preemptible = d->preemptible;
        n->step = d->step;
        n->done = 1ULL << d->chosen;
        if (i == 0) {
            n->preempts = 0;
            n->sleep = 0;
            n->redundant = 0;
            memset(n->op, START_OP, sizeof n->op);
            memset(n->addr, 0xff, sizeof n->addr);
        } else {
            const struct node *up = &s->nodes[i - 1];
            n->preempts = up->preempts + cost(up, up->chosen);
            int asleep = up->kind == DECIDE_PICK && (up->sleep >> up->chosen & 1);
            n->redundant = up->redundant || (s->sleep_sets && asleep);
            memcpy(n->op, up->op, sizeof n->op);
            memcpy(n->addr, up->addr, sizeof n->addr);
            uint64_t explored = (up->sleep | up->done) & ~(1ULL << up->chosen);
            n->sleep = up->kind != DECIDE_PICK ? up->sleep : still_asleep(up, explored, up->chosen);
        }
        if (d->kind == DECIDE_PICK && d->op != NO_OP) {
            n->op[d->self] = d->op;
            n->addr[d->self] = d->addr_id;
        }
    }
    s->depth = count;
    return 0;
}

// The preemptions of the run on the current path.
static int path_preemptions(const struct search *s)
{
    if (s->depth == 0)
        return 0;
    const struct node *last = &s->nodes[s->depth - 1];
    return last->preempts + cost(last, last->chosen);
}

// Move to the next schedule within the bound: the deepest decision with an
// untried choice that is not asleep.  Returns 0 when there is none.
static int backtrack(struct search *s, int bound)
{
    while (s->depth > 0) {
        struct node *n = &s->nodes[s->depth - 1];
        uint64_t untried = n->candidates & ~n->done;
        // Once a failure is known, a schedule that leaves this path at or
        // after its length cannot be shorter.
        if (s->r->outcome != RUN_NONE && n->step + 1 >= s->r->shared.steps)
            untried = 0;
        if (n->kind == DECIDE_PICK && s->sleep_sets)
            untried &= ~n->sleep;
        for (int t = 0; !n->redundant && t < 64; t++)
            if ((untried >> t & 1) && n->preempts + cost(n, t) <= bound) {
                n->done |= 1ULL << t;
                n->chosen = (unsigned char)t;
                // The deviations that lead here.
                s->dev_count = 0;
                for (unsigned long i = 0; i < s->depth; i++)
                    if (s->nodes[i].chosen != s->nodes[i].dflt) {
                        if (s->dev_count == MAX_DEVS)
                            break;
                        s->devs[s->dev_count].index = i;
                        s->devs[s->dev_count++].thread = s->nodes[i].chosen;
                    }
                if (s->dev_count < MAX_DEVS)
                    return 1;
                s->r->truncated++; // too far from the default schedule to name
            }
        s->depth--;
    }
    return 0;
}

static int over_budget(const struct search *s)
{
    const struct search_params *p = s->p;
    return s->r->schedules >= p->max_schedules || cpu_seconds() - s->cpu_start >= p->max_seconds;
}

// Keep a failing run if it is the smallest so far: fewest preemptions, then
// fewest steps.
static void keep_failure(struct search *s, int outcome, int wstatus, int bound)
{
    struct search_result *r = s->r;
    const struct run_shared *run = s->p->config->shared;
    int preempts = path_preemptions(s);
    r->failed++;
    if (r->found_at < 0)
        r->found_at = bound;
    if (r->outcome != RUN_NONE && (preempts > r->preemptions ||
                                   (preempts == r->preemptions && run->steps >= r->shared.steps)))
        return;
    r->outcome = outcome;
    r->wstatus = wstatus;
    r->preemptions = preempts;
    r->dev_count = s->dev_count;
    memcpy(r->devs, s->devs, sizeof s->devs[0] * (size_t)s->dev_count);
    r->shared = *run;
}

// Search every schedule with at most `bound` preemptions.  Returns 1 when it
// covered them all.
static int search_bound(struct search *s, int bound)
{
    struct search_result *r = s->r;
    const struct search_params *p = s->p;
    long runs = 0, extra = 0;
    unsigned long from = 0;
    s->depth = 0;
    s->dev_count = 0;
    for (;;) {
        if (over_budget(s)) {
            r->budget_hit = 1;
            return 0;
        }
        struct run_config *config = p->config;
        int wstatus = 0;
        config->devs = s->devs;
        config->dev_count = s->dev_count;
        int outcome = lk_run_once(config, p->scenario, p->arg, &wstatus);
        runs++;
        r->schedules++;
        if (extend_path(s, from) != 0) {
            r->diverged = 1;
            return 0;
        }
        if (outcome != RUN_PASS) {
            keep_failure(s, outcome, wstatus, bound);
            if (outcome == RUN_BUDGET || outcome == RUN_TIMEOUT)
                return 0; // slow runs: do not look for a shorter one
        }
        if (r->outcome != RUN_NONE && ++extra > MIN_EXTRA)
            return 0;
        if (!backtrack(s, bound))
            break;
        from = s->depth;
    }
    r->at_bound = runs;
    return r->outcome == RUN_NONE;
}

int lk_search(const struct search_params *p, struct search_result *r)
{
    struct search s = { .p = p, .r = r };
    memset(r, 0, sizeof *r);
    r->bound_done = r->found_at = -1;
    r->outcome = RUN_NONE;
    s.nodes = malloc(sizeof *s.nodes * MAX_DECISIONS);
    if (!s.nodes)
        return -1;
    s.cpu_start = cpu_seconds();
    const char *sleep_sets = getenv("LK_SLEEP_SETS");
    s.sleep_sets = !sleep_sets || strcmp(sleep_sets, "0") != 0;
    for (int bound = 0; bound <= p->bound; bound++) {
        if (!search_bound(&s, bound))
            break;
        r->bound_done = bound;
    }
    r->seconds = cpu_seconds() - s.cpu_start;
    free(s.nodes);
    return 0;
}

// Run one named schedule (a replay).
int lk_search_replay(const struct search_params *p, const struct deviation *devs, int count,
                     struct search_result *r)
{
    struct search s = { .p = p, .r = r, .dev_count = count };
    memset(r, 0, sizeof *r);
    r->bound_done = r->found_at = -1;
    r->outcome = RUN_NONE;
    s.nodes = malloc(sizeof *s.nodes * MAX_DECISIONS);
    if (!s.nodes)
        return -1;
    memcpy(s.devs, devs, sizeof *devs * (size_t)count);
    p->config->devs = s.devs;
    p->config->dev_count = count;
    int wstatus = 0, outcome = lk_run_once(p->config, p->scenario, p->arg, &wstatus);
    r->schedules = 1;
    r->diverged = p->config->shared->diverged;
    extend_path(&s, 0);
    if (outcome != RUN_PASS)
        keep_failure(&s, outcome, wstatus, path_preemptions(&s));
    free(s.nodes);
    return 0;
}

// ---- The report of a failing systematic run ----

enum { TABLE_ROWS = 50, COLUMN = 24 };

static void add(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *out, size_t size, const char *fmt, ...)
{
    size_t used = strlen(out);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + used, size - used, fmt, ap);
    va_end(ap);
}

static const char *base_name(const char *file)
{
    const char *slash = strrchr(file, '/');
    return slash ? slash + 1 : file;
}

static const struct trace_step *step_at(const struct run_shared *s, unsigned long n)
{
    const struct trace_step *t = &s->trace[n % TRACE_LEN];
    return n >= 1 && t->number == n ? t : NULL;
}

// The latest step of `thread` at or before step n.
static const struct trace_step *last_step_of(const struct run_shared *s, int thread,
                                             unsigned long n)
{
    for (; n >= 1 && step_at(s, n); n--)
        if (step_at(s, n)->thread == thread)
            return step_at(s, n);
    return NULL;
}

static int is_preemption(const struct decision *d)
{
    return d->kind == DECIDE_PICK && d->preemptible && d->chosen != d->self;
}

// One sentence per preemption: who was stopped after doing what, and where.
static void add_preemptions(char *out, size_t size, const struct run_shared *s,
                            unsigned long decisions)
{
    for (unsigned long i = 0; i < decisions; i++) {
        const struct decision *d = &s->decisions[i];
        if (!is_preemption(d))
            continue;
        const struct trace_step *t = last_step_of(s, d->self, d->step);
        char text[96];
        add(out, size, "T%d was preempted", d->self);
        if (t) {
            lk_step_text(s, t, text, sizeof text);
            add(out, size, " after `%s` (step %lu", text, t->number);
            if (t->file)
                add(out, size, ", %s:%d", base_name(t->file), t->line);
            add(out, size, ")");
        } else {
            add(out, size, " before its first step");
        }
        add(out, size, "; T%d ran next.\n", d->chosen);
    }
}

void lk_schedule_table(char *out, size_t size, const struct search_result *r)
{
    const struct run_shared *s = &r->shared;
    unsigned long decisions = s->decision_count < MAX_DECISIONS ? s->decision_count : MAX_DECISIONS;
    unsigned long from = s->steps > TABLE_ROWS ? s->steps - TABLE_ROWS + 1 : 1;
    int threads = 0;
    for (unsigned long n = from; n <= s->steps; n++)
        if (step_at(s, n) && step_at(s, n)->thread >= threads)
            threads = step_at(s, n)->thread + 1;
    if (from > 1)
        add(out, size, "(the first %lu steps are not shown)\n", from - 1);
    add(out, size, " step");
    for (int t = 0; t < threads; t++)
        add(out, size, "  T%-*d", t + 1 < threads ? COLUMN - 3 : 0, t);
    add(out, size, "\n");
    unsigned long next = 0;
    for (unsigned long n = from; n <= s->steps; n++) {
        const struct trace_step *t = step_at(s, n);
        if (!t)
            continue;
        char text[96];
        lk_step_text(s, t, text, sizeof text);
        add(out, size, "%5lu  %*s%s\n", n, t->thread * (COLUMN + 1), "", text);
        while (next < decisions && s->decisions[next].step <= n) {
            const struct decision *d = &s->decisions[next++];
            if (d->step == n && is_preemption(d))
                add(out, size, "       %*s^^ T%d preempted here: T%d runs\n",
                    d->self * (COLUMN + 1), "", d->self, d->chosen);
        }
    }
    add_preemptions(out, size, s, decisions);
}

// LK_SCHEDULE=12:2,15:1: at decision 12 choose T2, at 15 T1.  Returns how
// many deviations it names (-1: no LK_SCHEDULE, or it does not parse).
int lk_parse_schedule(const char *text, struct deviation *devs)
{
    int count = 0;
    if (!text)
        return -1;
    while (*text && count < MAX_DEVS) {
        char *end;
        devs[count].index = strtoul(text, &end, 10);
        if (end == text || *end != ':')
            return -1;
        text = end + 1;
        devs[count].thread = (int)strtol(text, &end, 10);
        if (end == text || (*end && *end != ','))
            return -1;
        count++;
        text = *end ? end + 1 : end;
    }
    return count;
}

// What the systematic search covered, in one line.
void lk_search_summary(const char *name, int bound, const struct search_result *r)
{
    fprintf(stderr, "lk_explore %s: systematic, at most %d preemption%s: ", name, bound,
            bound == 1 ? "" : "s");
    if (r->outcome != RUN_NONE)
        fprintf(stderr, "a failure with %d preemption%s", r->found_at, r->found_at == 1 ? "" : "s");
    else if (r->bound_done == bound)
        fprintf(stderr, "all %ld schedules passed", r->at_bound);
    else if (r->bound_done == 0)
        fprintf(stderr, "all %ld schedules without preemption passed; the budget ran out at 1",
                r->at_bound);
    else if (r->bound_done > 0)
        fprintf(stderr, "all %ld schedules with at most %d passed; the budget ran out at %d",
                r->at_bound, r->bound_done, r->bound_done + 1);
    else
        fprintf(stderr, "the budget ran out before all schedules without preemption ran");
    fprintf(stderr, " (%ld runs, %.2f processor s%s%s)\n", r->schedules, r->seconds,
            r->truncated ? ", some runs too long to search in full" : "",
            r->diverged ? ", a run diverged" : "");
}

static void add_plural(char *out, size_t size, long n, const char *what)
{
    add(out, size, "%ld %s%s", n, what, n == 1 ? "" : "s");
}

// The report of the smallest failing schedule the systematic search found.
char *lk_search_report(const char *name, const struct search_result *r, int replay,
                       const char *reason, const char *command)
{
    enum { REPORT_SIZE = 12288 };
    char *out = malloc(REPORT_SIZE);
    if (!out)
        return NULL;
    snprintf(out, REPORT_SIZE, "%s: ", name);
    if (replay) {
        add(out, REPORT_SIZE, "the replayed schedule failed");
    } else {
        add(out, REPORT_SIZE, "the systematic search found a failing schedule with ");
        add_plural(out, REPORT_SIZE, r->found_at, "preemption");
        add(out, REPORT_SIZE, " (");
        add_plural(out, REPORT_SIZE, r->schedules, "schedule");
        add(out, REPORT_SIZE, " run, %d failed", r->failed);
        if (r->bound_done == 0)
            add(out, REPORT_SIZE, "; every schedule without preemption passed");
        else if (r->bound_done > 0)
            add(out, REPORT_SIZE, "; every schedule with at most %d passed", r->bound_done);
        add(out, REPORT_SIZE, ")");
    }
    add(out, REPORT_SIZE, replay ? ".\nThe schedule: " : ".\nThe smallest failing schedule: ");
    add_plural(out, REPORT_SIZE, r->preemptions, "preemption");
    add(out, REPORT_SIZE, ", %lu steps:\n", r->shared.steps);
    add(out, REPORT_SIZE, "%s", reason);
    lk_schedule_table(out, REPORT_SIZE, r);
    add(out, REPORT_SIZE, "replay: LK_STRATEGY=systematic LK_SCHEDULE=");
    for (int i = 0; i < r->dev_count; i++)
        add(out, REPORT_SIZE, "%s%lu:%d", i ? "," : "", r->devs[i].index, r->devs[i].thread);
    add(out, REPORT_SIZE, " LK_TRACE_HASH=%016llx ", r->shared.hash);
    add(out, REPORT_SIZE, "%s", command);
    add(out, REPORT_SIZE, "\n");
    return out;
}
#endif
