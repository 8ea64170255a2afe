// lk_explore(): run a scenario once per seed, each run in a forked child, and report.
//
// The child runs the scenario (under the scheduler of lk_sched.c in an explore
// build, with real threads otherwise) and leaves its outcome in a block of
// memory shared with this parent (lk_run.h).  The parent waits for it with a
// timeout, tells a pass from a failed check, a deadlock, a spent step budget, a
// crash or a hang, and writes the report of the first failure.
#define _GNU_SOURCE
#include "lk_sched.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lk_run.h"

enum {
    TRACE_SHOWN = 20, // steps a report shows
    MAX_LISTED = 5,   // failing runs listed one per line
};

struct run_shared *lk_run;

const char *lk_op_name(int op)
{
    static const char *const op_names[] = {
        [LK_OP_LOAD] = "load",           [LK_OP_STORE] = "store",
        [LK_OP_EXCHANGE] = "exchange",   [LK_OP_CAS] = "cas",
        [LK_OP_FETCH_ADD] = "fetch_add", [LK_OP_FETCH_SUB] = "fetch_sub",
        [LK_OP_FETCH_OR] = "fetch_or",   [LK_OP_FETCH_AND] = "fetch_and",
        [LK_OP_FETCH_XOR] = "fetch_xor", [LK_OP_FENCE] = "fence",
        [LK_OP_FUTEX_WAIT] = "futex_wait", [LK_OP_FUTEX_WAKE] = "futex_wake",
        [LK_OP_YIELD] = "yield",         [LK_OP_SPAWN] = "spawn",
        [LK_OP_JOIN] = "join",           [LK_OP_EXIT] = "exit",
        [LK_OP_LOCK] = "lock",           [LK_OP_TRYLOCK] = "trylock",
        [LK_OP_UNLOCK] = "unlock",
    };
    if (op < 0 || op >= (int)(sizeof op_names / sizeof op_names[0]) || !op_names[op])
        return "?";
    return op_names[op];
}

// An address as a report shows it: its name, else its value.
const char *lk_run_addr_label(const struct run_shared *s, uintptr_t addr, char *buf, size_t size)
{
    for (int id = 0; id < s->addr_count; id++)
        if (s->addrs[id].addr == addr && s->addrs[id].name[0])
            return s->addrs[id].name;
    snprintf(buf, size, "%#lx", (unsigned long)addr);
    return buf;
}

void lk_run_message(const char *fmt, ...)
{
    size_t used = strlen(lk_run->message);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lk_run->message + used, sizeof lk_run->message - used, fmt, ap);
    va_end(ap);
}

// The status goes through the shared block, not the exit code, which Valgrind
// and TSan may replace with their own.
void lk_run_end(int status)
{
    lk_run->status = status;
    fflush(NULL);
    _exit(status == RUN_PASS ? 0 : 1);
}

void lk_explore_fail(const char *fmt, ...)
{
    static atomic_flag claimed = ATOMIC_FLAG_INIT;
    char text[MESSAGE_LEN - 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (!lk_run) {
        fprintf(stderr, "lk_explore_fail outside lk_explore: %s\n", text);
        abort();
    }
    // In a normal build two threads may fail at once: the first one reports.
    if (atomic_flag_test_and_set(&claimed))
        for (;;)
            pause();
    snprintf(lk_run->message, sizeof lk_run->message, "check failed: %s", text);
    lk_run_end(RUN_CHECK);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void append(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *out, size_t size, const char *fmt, ...)
{
    size_t used = strlen(out);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + used, size - used, fmt, ap);
    va_end(ap);
}

#ifdef LK_EXPLORE
// The scheduler runs one thread at a time, handing the turn over at every
// point.  Threads spread over CPUs make each handover wake a CPU that may be
// halted (about 30 us per step on an idle virtual machine); on one CPU it is a
// plain context switch (2-3 us).  Keep the CPU the child is on, if allowed.
static void pin_to_one_cpu(void)
{
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    int cpu = sched_getcpu();
    if (cpu < 0 || !CPU_ISSET(cpu, &allowed))
        for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed); cpu++)
            ;
    if (cpu >= CPU_SETSIZE)
        return;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
}
#endif

// Run the scenario in this (child) process, and end the process.
static void run_child(const struct run_config *config, void (*scenario)(void *), void *arg)
    __attribute__((noreturn));
static void run_child(const struct run_config *config, void (*scenario)(void *), void *arg)
{
    lk_run = config->shared;
#ifdef LK_EXPLORE
    pin_to_one_cpu();
    lk_sched_run(config, scenario, arg);
#else
    (void)config;
    scenario(arg);
    lk_run_end(RUN_PASS);
#endif
}

// Wait until the child hangs up its end of the pipe.  Returns 1 on timeout
// (never if seconds <= 0).
static int wait_hangup(int fd, double seconds)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    double deadline = now_seconds() + seconds;
    for (;;) {
        double left = deadline - now_seconds();
        if (seconds > 0 && left <= 0)
            return 1;
        if (poll(&pfd, 1, seconds > 0 ? (int)(left * 1000) + 1 : -1) > 0)
            return 0;
    }
}

// Fork a child for one run and wait for it.  Returns how the run ended.
int lk_run_once(const struct run_config *config, void (*scenario)(void *), void *arg,
                int *wstatus)
{
    int fds[2];
    memset(config->shared, 0, sizeof *config->shared);
    if (pipe2(fds, O_CLOEXEC) != 0)
        return RUN_ERROR;
    fflush(NULL); // so nothing buffered is written twice
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        run_child(config, scenario, arg);
    }
    close(fds[1]); // now only the child holds the write end
    if (pid < 0) {
        close(fds[0]);
        return RUN_ERROR;
    }
    int timed_out = wait_hangup(fds[0], config->timeout);
    if (timed_out)
        kill(pid, SIGKILL);
    close(fds[0]);
    while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
        ;
    int status = config->shared->status;
    int clean_exit = WIFEXITED(*wstatus) && WEXITSTATUS(*wstatus) == (status == RUN_PASS ? 0 : 1);
    if (timed_out)
        return RUN_TIMEOUT;
    if (status == RUN_NONE && WIFSIGNALED(*wstatus))
        return RUN_CRASH;
    if (status == RUN_NONE || (status == RUN_PASS && !clean_exit))
        return RUN_BAD_EXIT;
    return status;
}

// The settings and the results of one lk_explore call.
struct explore {
    const char *name;
    void (*scenario)(void *);
    void *arg;
    int first_seed, last_seed, strategies, stopped;
    unsigned long long replay_hash;
    struct run_config config;
    int runs[4], failed[4]; // by strategy: stress, random, pct, systematic
    int bound;              // systematic: preemptions at most
    long max_schedules;
    double max_seconds;
    int dev_count;          // LK_SCHEDULE: the schedule to replay
    struct deviation devs[MAX_DEVS];
    struct search_result *search; // the systematic search's outcome
    double seeds_start;     // when the seeded runs began (after the search)
    struct {
        int strategy, seed, outcome, wstatus;
        unsigned long pct_length;
        struct run_shared shared;
    } *first; // the first failing run
};

static long env_number(const char *name, long fallback)
{
    const char *text = getenv(name);
    char *end;
    if (!text || !*text)
        return fallback;
    long value = strtol(text, &end, 0);
    return *end == '\0' ? value : fallback;
}

#ifndef LK_EXPLORE
// The tool's slow-down factor (LK_SLOWDOWN, from the grader's tool table):
// inside a lab's tests the runner's reading (labkit_check.h), taken before
// any test code ran; linked without the runner (the scheduler's own tests,
// the demos), the variable itself.  It only sizes stress runs and their
// timeouts: a submission that changes it decides no pass.
double lk_slowdown(void) __attribute__((weak));

static double slowdown(void)
{
    if (lk_slowdown)
        return lk_slowdown();
    const char *text = getenv("LK_SLOWDOWN");
    double factor = text && *text ? atof(text) : 1;
    return factor >= 1 ? (factor <= 100 ? factor : 100) : 1;
}
#endif

static int explore_setup(struct explore *e, const struct lk_explore_opts *opts)
{
    const char *strategy = getenv("LK_STRATEGY");
#ifdef LK_EXPLORE
    double slow = 1;   // one thread at a time already; the tool's factor is the grader's
#else
    double slow = slowdown();
#endif
    const char *hash = getenv("LK_TRACE_HASH");
    e->first_seed = 1;
    e->last_seed = opts->seeds > 0 ? opts->seeds : 50;
    e->strategies = opts->strategies & (LK_RANDOM | LK_PCT | LK_SYSTEMATIC);
    if (!e->strategies)
        e->strategies = LK_RANDOM | LK_PCT;
    if (strategy && strcmp(strategy, "random") == 0)
        e->strategies = LK_RANDOM;
    else if (strategy && strcmp(strategy, "pct") == 0)
        e->strategies = LK_PCT;
    else if (strategy && strcmp(strategy, "systematic") == 0)
        e->strategies = LK_SYSTEMATIC;
    e->bound = opts->preemptions > 0 ? opts->preemptions : opts->preemptions < 0 ? 0 : 2;
    e->bound = (int)env_number("LK_PREEMPTIONS", e->bound); // to try another bound
    if (e->bound < 0)
        e->bound = 0;
    e->max_schedules = opts->max_schedules > 0 ? opts->max_schedules : 20000;
    e->max_seconds = opts->max_seconds > 0 ? opts->max_seconds : 3.0;
#ifdef LK_EXPLORE
    e->dev_count = lk_parse_schedule(getenv("LK_SCHEDULE"), e->devs);
#else
    e->dev_count = -1;
#endif
#ifndef LK_EXPLORE
    // Real threads under a slow tool (Valgrind, TSan): fewer, slower runs.
    e->last_seed = (int)(e->last_seed / slow) > 0 ? (int)(e->last_seed / slow) : 1;
#endif
    long seed = env_number("LK_SEED", -1);
    if (seed >= 0)
        e->first_seed = e->last_seed = (int)seed;
    if (e->dev_count >= 0)
        e->strategies = LK_SYSTEMATIC; // replay one systematic schedule
    else if (seed >= 0 && e->strategies != LK_SYSTEMATIC)
        e->strategies &= ~LK_SYSTEMATIC; // replay seeds only
    if (hash && *hash)
        e->replay_hash = strtoull(hash, NULL, 16);
    e->config.budget = opts->step_budget > 0 ? (unsigned long)opts->step_budget : 200000;
    e->config.depth = opts->pct_depth > 0 ? opts->pct_depth : 3;
    if (e->config.depth > MAX_DEPTH)
        e->config.depth = MAX_DEPTH;
    // LK_RUN_TIMEOUT=0: no limit (a run stopped in a debugger).
    const char *timeout = getenv("LK_RUN_TIMEOUT");
    e->config.timeout = (timeout && *timeout ? atof(timeout) : 5.0) * slow;
    e->config.shared = mmap(NULL, sizeof *e->config.shared, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return e->config.shared == MAP_FAILED ? -1 : 0;
}

static const char *strategy_name(int strategy)
{
    return strategy == LK_PCT ? "pct" : strategy == LK_RANDOM ? "random"
           : strategy == LK_SYSTEMATIC ? "systematic" : "stress";
}

static const char *outcome_name(int outcome)
{
    static const char *const text[] = {
        [RUN_NONE] = "no result",        [RUN_PASS] = "pass",
        [RUN_CHECK] = "check failed",    [RUN_DEADLOCK] = "deadlock",
        [RUN_BUDGET] = "step budget exhausted", [RUN_TIMEOUT] = "timed out",
        [RUN_CRASH] = "crashed",         [RUN_BAD_EXIT] = "bad exit",
        [RUN_ERROR] = "could not run",
    };
    return text[outcome];
}

// The reason of a failed run: the child's message, or what the parent saw.
static void append_reason(char *out, size_t size, const struct explore *e)
{
    int ws = e->first->wstatus;
    switch (e->first->outcome) {
    case RUN_TIMEOUT:
#ifdef LK_EXPLORE
        append(out, size, "timed out after %g s: a thread blocked or spun outside lk_atomic.h"
               " and lk_mutex (a pthread lock, a sleep, a loop with no scheduling point?)\n",
               e->config.timeout);
#else
        append(out, size, "timed out after %g s: the run hung (a deadlock, a lost wakeup or a"
               " livelock?)\n", e->config.timeout);
#endif
        break;
    case RUN_CRASH:
        append(out, size, "crashed: signal %d (%s)\n", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
        break;
    case RUN_BAD_EXIT:
        append(out, size, "%s with status %d (exit() called, or a Valgrind or ThreadSanitizer"
               " report above)\n", e->first->shared.status == RUN_PASS
                   ? "passed its checks but exited" : "exited in the middle of the run",
               WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
        break;
    case RUN_ERROR:
        append(out, size, "could not start a run (fork or pipe failed)\n");
        break;
    default: {
        const char *message = e->first->shared.message;
        int length = (int)strlen(message);
        while (length > 0 && message[length - 1] == '\n')
            length--;
        append(out, size, "%.*s\n", length, message);
    }
    }
}

static void step_value(const struct trace_step *t, char *value, size_t size)
{
    long v = (long)t->value;
    value[0] = '\0';
    if (!t->has_value)
        ;
    else if (t->op == LK_OP_SPAWN || t->op == LK_OP_JOIN)
        snprintf(value, size, "T%ld", v);
    else if (t->op == LK_OP_CAS || t->op == LK_OP_TRYLOCK)
        snprintf(value, size, "-> %s", v ? "ok" : t->op == LK_OP_CAS ? "failed" : "busy");
    else if (t->op == LK_OP_FUTEX_WAIT || t->op == LK_OP_FUTEX_WAKE)
        snprintf(value, size, t->op == LK_OP_FUTEX_WAIT ? "while %ld" : "woke %ld", v);
    else
        snprintf(value, size, t->op == LK_OP_STORE ? "= %ld" : "-> %ld", v);
}

void lk_step_text(const struct run_shared *s, const struct trace_step *t, char *out, size_t size)
{
    char buf[32], value[32];
    step_value(t, value, sizeof value);
    snprintf(out, size, "%s%s%s%s%s", lk_op_name(t->op), t->addr ? " " : "",
             t->addr ? lk_run_addr_label(s, t->addr, buf, sizeof buf) : "", *value ? " " : "",
             value);
}

static void append_trace(char *out, size_t size, const struct run_shared *s)
{
    unsigned long from = s->steps > TRACE_SHOWN ? s->steps - TRACE_SHOWN + 1 : 1;
    append(out, size, "last steps (step, thread, operation, address, value):\n");
    for (unsigned long n = from; n <= s->steps; n++) {
        const struct trace_step *t = &s->trace[n % TRACE_LEN];
        char buf[32], value[32];
        if (t->number != n)
            continue;
        step_value(t, value, sizeof value);
        char line[128];
        int length = snprintf(line, sizeof line, "%7lu  T%-2d %-10s %-14s %s", n, t->thread,
                              lk_op_name(t->op),
                              t->addr ? lk_run_addr_label(s, t->addr, buf, sizeof buf) : "", value);
        if (length >= (int)sizeof line)
            length = (int)sizeof line - 1;
        while (length > 0 && line[length - 1] == ' ')
            length--;
        append(out, size, "%.*s\n", length, line);
    }
}

// Append this process's command line, quoted where needed.
static void append_command(char *out, size_t size)
{
    char args[512];
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, args, sizeof args - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0) {
        append(out, size, "%s", program_invocation_name);
        return;
    }
    args[n] = '\0';
    for (char *arg = args; arg < args + n; arg += strlen(arg) + 1) {
        int plain = *arg && strpbrk(arg, " \t'\"$\\") == NULL;
        append(out, size, plain ? "%s%s" : "%s'%s'", arg == args ? "" : " ", arg);
    }
}

#ifdef LK_EXPLORE
static char *make_systematic_report(const struct explore *e);
#endif

static char *make_report(const struct explore *e)
{
    enum { REPORT_SIZE = 4096 };
#ifdef LK_EXPLORE
    if (e->first->strategy == LK_SYSTEMATIC)
        return make_systematic_report(e);
#endif
    const struct run_shared *s = &e->first->shared;
    int strategy = e->first->strategy, seed = e->first->seed;
    int runs = e->runs[0] + e->runs[1] + e->runs[2];
    char *out = malloc(REPORT_SIZE);
    if (!out)
        return NULL;
    snprintf(out, REPORT_SIZE, "%s: %d of %d runs failed", e->name,
             e->failed[0] + e->failed[1] + e->failed[2], runs);
    if (strategy == 0) {
        append(out, REPORT_SIZE, " (stress runs with real threads); the first, run %d:\n", seed);
        append_reason(out, REPORT_SIZE, e);
        append(out, REPORT_SIZE, "(build with -DLK_EXPLORE to force the interleaving and see"
               " its trace)\n");
        return out;
    }
    if (e->runs[1] && e->runs[2])
        append(out, REPORT_SIZE, " (random %d/%d, pct %d/%d)", e->failed[1], e->runs[1],
               e->failed[2], e->runs[2]);
    append(out, REPORT_SIZE, "; the first:\nseed %d, strategy %s", seed, strategy_name(strategy));
    if (strategy == LK_PCT)
        append(out, REPORT_SIZE, " (d=%d, k=%lu)", e->config.depth, e->first->pct_length);
    append(out, REPORT_SIZE, ", %lu steps, trace hash %016llx\n", s->steps, s->hash);
    append_reason(out, REPORT_SIZE, e);
    append_trace(out, REPORT_SIZE, s);
    append(out, REPORT_SIZE, "replay: LK_SEED=%d LK_STRATEGY=%s LK_TRACE_HASH=%016llx ", seed,
           strategy_name(strategy), s->hash);
    append_command(out, REPORT_SIZE);
    append(out, REPORT_SIZE, "\n");
    return out;
}

#ifdef LK_EXPLORE
// The report of the systematic search's smallest failing run.
static char *make_systematic_report(const struct explore *e)
{
    char reason[MESSAGE_LEN + 256] = "", command[600] = "";
    append_reason(reason, sizeof reason, e);
    append_command(command, sizeof command);
    return lk_search_report(e->name, e->search, e->dev_count >= 0, reason, command);
}

// The systematic search, or the replay of one of its schedules.  Sets
// e->first to its smallest failing run; asks for PCT seeds when the search
// ran out of budget.
static void explore_systematic(struct explore *e)
{
    struct search_params p = {
        .config = &e->config, .scenario = e->scenario, .arg = e->arg, .bound = e->bound,
        .max_schedules = e->max_schedules, .max_seconds = e->max_seconds,
    };
    e->search = malloc(sizeof *e->search);
    if (!e->search)
        return;
    e->config.strategy = LK_SYSTEMATIC;
    e->config.seed = 0;
    if (e->dev_count >= 0)
        lk_search_replay(&p, e->devs, e->dev_count, e->search);
    else
        lk_search(&p, e->search);
    e->config.devs = NULL;
    e->config.dev_count = 0;
    struct search_result *r = e->search;
    e->runs[3] = (int)r->schedules;
    e->failed[3] = r->failed;
    if (e->dev_count >= 0 || getenv("LK_EXPLORE_VERBOSE"))
        fprintf(stderr, "lk_explore %s: systematic schedule: %s, %lu steps, trace hash %016llx\n",
                e->name, outcome_name(r->outcome == RUN_NONE ? RUN_PASS : r->outcome),
                r->outcome == RUN_NONE ? e->config.shared->steps : r->shared.steps,
                r->outcome == RUN_NONE ? e->config.shared->hash : r->shared.hash);
    if (r->diverged)
        fprintf(stderr, "lk_explore %s: a systematic run did not follow its schedule"
                " (does the scenario depend on time, rand() or memory outside lk_atomic.h?)\n",
                e->name);
    if (e->replay_hash && e->dev_count >= 0 && r->outcome != RUN_NONE &&
        r->shared.hash != e->replay_hash)
        fprintf(stderr, "lk_explore %s: replay diverged: trace hash %016llx, expected %016llx\n",
                e->name, r->shared.hash, e->replay_hash);
    if (r->outcome != RUN_NONE && (e->first = malloc(sizeof *e->first)) != NULL) {
        e->first->strategy = LK_SYSTEMATIC;
        e->first->seed = 0;
        e->first->outcome = r->outcome;
        e->first->wstatus = r->wstatus;
        e->first->pct_length = 0;
        e->first->shared = r->shared;
        e->stopped = 1;
    } else if (r->budget_hit || r->diverged) {
        e->strategies |= LK_PCT; // the search could not finish: PCT seeds instead
    }
}
#endif

// One run: fork it, count it, keep the first failure.
static void explore_run(struct explore *e, int strategy, int seed)
{
    const struct run_shared *s = e->config.shared;
    int wstatus = 0, which = strategy == LK_PCT ? 2 : strategy == LK_RANDOM;
    e->config.strategy = strategy;
    e->config.seed = (unsigned)seed;
    int outcome = lk_run_once(&e->config, e->scenario, e->arg, &wstatus);
    e->runs[which]++;
    // Every run when asked or replaying; otherwise the first few failures.
    int failures = e->failed[0] + e->failed[1] + e->failed[2] + (outcome != RUN_PASS);
    if (getenv("LK_EXPLORE_VERBOSE") || getenv("LK_SEED") ||
        (outcome != RUN_PASS && failures <= MAX_LISTED))
#ifdef LK_EXPLORE
        fprintf(stderr, "lk_explore %s: seed %d %s: %s, %lu steps, trace hash %016llx\n",
                e->name, seed, strategy_name(strategy), outcome_name(outcome), s->steps, s->hash);
#else
        fprintf(stderr, "lk_explore %s: stress run %d: %s\n", e->name, seed, outcome_name(outcome));
#endif
    if (e->replay_hash && getenv("LK_SEED") && s->hash != e->replay_hash)
        fprintf(stderr, "lk_explore %s: replay diverged: trace hash %016llx, expected %016llx"
                " (does the scenario depend on time, rand() or memory outside lk_atomic.h?)\n",
                e->name, s->hash, e->replay_hash);
    if (outcome == RUN_PASS)
        return;
    e->failed[which]++;
    if (!e->first && (e->first = malloc(sizeof *e->first)) != NULL) {
        e->first->strategy = strategy;
        e->first->seed = seed;
        e->first->outcome = outcome;
        e->first->wstatus = wstatus;
        e->first->pct_length = e->config.pct_length;
        e->first->shared = *s;
    }
    // A run that used up its budget or its time was slow; the rest would be too.
    if (outcome == RUN_BUDGET || outcome == RUN_TIMEOUT)
        e->stopped = 1;
}

// Run every seed of one strategy (explore build) or the stress runs (normal).
static void explore_strategy(struct explore *e, int strategy)
{
#ifdef LK_EXPLORE
    if (strategy == LK_PCT) {
        // PCT spreads its change points over the run's length, k: measure it
        // with a run that has none (seed 0).
        int wstatus;
        e->config.pct_length = 0;
        e->config.strategy = LK_PCT;
        e->config.seed = 0;
        lk_run_once(&e->config, e->scenario, e->arg, &wstatus);
        e->config.pct_length = e->config.shared->steps > 0 ? e->config.shared->steps : 1;
    }
#endif
    for (int seed = e->first_seed; seed <= e->last_seed && !e->stopped; seed++)
        explore_run(e, strategy, seed);
}

// One line per lk_explore call: which seeds ran, how many failed, how fast.
static void explore_summary(const struct explore *e, double seconds)
{
    int runs = e->runs[0] + e->runs[1] + e->runs[2];
#ifdef LK_EXPLORE
    if (e->search && e->dev_count < 0)
        lk_search_summary(e->name, e->bound, e->search);
    if (!(e->strategies & (LK_RANDOM | LK_PCT)) || runs == 0)
        return;
#endif
    char seeds[32];
    if (e->first_seed == e->last_seed)
        snprintf(seeds, sizeof seeds, "seed %d", e->first_seed);
    else
        snprintf(seeds, sizeof seeds, "seeds %d-%d", e->first_seed, e->last_seed);
#ifdef LK_EXPLORE
    fprintf(stderr, "lk_explore %s: %s, %s%s%s", e->name, seeds,
            e->strategies & LK_RANDOM ? "random" : "",
            e->strategies == (LK_RANDOM | LK_PCT) ? " and " : "",
            e->strategies & LK_PCT ? "pct" : "");
    if (e->strategies & LK_PCT)
        fprintf(stderr, " (d=%d)", e->config.depth);
#else
    fprintf(stderr, "lk_explore %s: %s, stress runs with real threads", e->name, seeds);
#endif
    fprintf(stderr, ": %d runs, %d failed, %.2f ms per run%s\n", runs,
            e->failed[0] + e->failed[1] + e->failed[2], runs ? seconds * 1000 / runs : 0.0,
            e->stopped ? " (stopped after a slow failure)" : "");
}

int lk_explore(const char *name, void (*scenario)(void *), void *arg,
               const struct lk_explore_opts *opts, char **report)
{
    static const struct lk_explore_opts defaults;
    struct explore e = { .name = name ? name : "scenario", .scenario = scenario, .arg = arg };
    double start = now_seconds();
    if (report)
        *report = NULL;
    if (explore_setup(&e, opts ? opts : &defaults) != 0) {
        fprintf(stderr, "lk_explore %s: cannot map memory: %s\n", e.name, strerror(errno));
        return 1;
    }
#ifdef LK_EXPLORE
    if (e.strategies & LK_SYSTEMATIC) {
        explore_systematic(&e);
        e.seeds_start = now_seconds();
    }
    for (int strategy = LK_RANDOM; strategy <= LK_PCT; strategy <<= 1)
        if ((e.strategies & strategy) && !e.stopped)
            explore_strategy(&e, strategy);
#else
    explore_strategy(&e, 0);
#endif
    int failed = e.failed[0] + e.failed[1] + e.failed[2] + e.failed[3];
    explore_summary(&e, now_seconds() - (e.seeds_start > 0 ? e.seeds_start : start));
    if (e.first) {
#ifdef LK_EXPLORE
        char reason[MESSAGE_LEN + 256] = "";
        append_reason(reason, sizeof reason, &e);
        lk_trace_write(e.name, &e.first->shared, reason);
#endif
        char *text = make_report(&e);
        if (report)
            *report = text;
        else
            free(text);
        free(e.first);
    }
    free(e.search);
    munmap(e.config.shared, sizeof *e.config.shared);
    return failed;
}
