// Grading one submission.
#define _GNU_SOURCE
#include "grade.h"

#include "diagnose.h"
#include "guard.h"
#include "select.h"
#include "sandbox.h"
#include "swimlane.h"
#include "symbols.h"
#include "verdict.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


static const char *const verdict_names[] = {
    [VERDICT_NOT_RUN] = "not run", [VERDICT_PASS] = "pass",        [VERDICT_FAIL] = "FAIL",
    [VERDICT_CRASH] = "CRASH",     [VERDICT_TIMEOUT] = "TIMEOUT",  [VERDICT_MEMORY] = "MEMORY",
    [VERDICT_OUTPUT] = "OUTPUT",   [VERDICT_FOUND] = "FOUND",      [VERDICT_EARLY_EXIT] = "EXIT",
    [VERDICT_NO_RESULT] = "NO RESULT", [VERDICT_SKIPPED] = "SKIPPED",
    [VERDICT_TOOL_ERROR] = "TOOL ERROR",
};
static_assert(sizeof verdict_names / sizeof *verdict_names == VERDICT_COUNT,
              "a name for every verdict");

const char *verdict_name(enum verdict v)
{
    return v >= 0 && v < VERDICT_COUNT ? verdict_names[v] : "?";
}

const char *run_verdict_name(const struct tool *t, enum verdict v)
{
    return v == VERDICT_FOUND && t->kind->finding ? t->kind->finding : verdict_name(v);
}


static int tsan_needs_fixed_layout(void)
{
    // gcc 12 / clang 14 TSan cannot map its shadow when the kernel randomises
    // more than 30 bits of mmap addresses.
    char *text = file_read("/proc/sys/vm/mmap_rnd_bits", 64, NULL, NULL);
    int bits = text ? atoi(text) : 0;
    free(text);
    return bits > 30;
}

static char **job_env(const struct manifest *m, const struct job *j, double timeout)
{
    const struct tool *t = &m->tools[j->tool];
    char **own = tool_env(t->kind, t->name, t->scale, j->run_dir);
    char **env = xcalloc(24, sizeof *env);
    int n = 0;
    env[n++] = xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
    env[n++] = xstrdup("LC_ALL=C");
    env[n++] = xstrdup("HOME=/tmp");
    env[n++] = xstrdup("TMPDIR=/tmp");
    env[n++] = xstrdup("LK_RESULT_FD=3");
    env[n++] = guard_syscalls_env(m, t->kind);
    // Check's own timeout is a backstop: the sandbox's, shorter, takes the stacks.
    env[n++] = xasprintf("LK_CASE_TIMEOUT=%.0f", timeout * 2 + 10);
    // Where a forced-schedule run writes its failing schedule, for swimlane.c.
    if (t->kind->flags & TOOL_SCHEDULES)
        env[n++] = xasprintf("LK_TRACE_DIR=%s", j->run_dir);
    // Replaying one explore seed through the grader: LK_SEED=N labgrade ...
    static const char *passed_through[] = {"LK_SEED", "LK_STRATEGY", "LK_TRACE_HASH",
                                           "LK_EXPLORE_VERBOSE"};
    for (size_t i = 0; i < sizeof passed_through / sizeof *passed_through; i++)
        if (getenv(passed_through[i]))
            env[n++] = xasprintf("%s=%s", passed_through[i], getenv(passed_through[i]));
    for (char **p = own; *p && n < 23; p++)
        env[n++] = xstrdup(*p);
    tool_free_strings(own);
    return env;
}

// Whether the lab lets a test's process start processes (`syscalls fork`).
static int lab_forks(const struct manifest *m)
{
    for (int i = 0; i < m->syscall_count; i++)
        if (strcmp(m->syscalls[i], "fork") == 0 || strcmp(m->syscalls[i], "clone") == 0)
            return 1;
    return 0;
}

static int start_job(const struct manifest *m, const struct workdir *w, const struct grade_options *opt,
                     struct job *j)
{
    const struct test_case *c = &m->cases[j->case_index];
    const struct tool *t = &m->tools[j->tool];
    char *build_dir = path_join(w->build, t->variant);
    char *binary = build_binary(w, t->variant, c->suite);
    double timeout = manifest_case_timeout(m, c, j->tool);
    dir_remove(j->run_dir);
    dir_make(j->run_dir);
    char **argv = tool_argv(t->kind, j->run_dir, binary, c->name);
    char **env = job_env(m, j, timeout);
    const char *ro[] = {build_dir, w->data, NULL};
    const char *rw[] = {j->run_dir, NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env, .cwd = w->data, .read_only = ro, .writable = rw,
        .wall_seconds = timeout, .cpu_seconds = timeout * 2 + 1, .memory_mb = m->memory_mb,
        .open_files = m->files, .memory_by_rss = (t->kind->flags & TOOL_WATCH_RSS) != 0, .output_keep = RUN_OUTPUT_KEEP,
        .output_max = RUN_OUTPUT_MAX, .output_path = j->output_path, .result_path = j->result_path,
        .stacks_path = t->kind->flags & TOOL_NO_STACKS ? NULL : j->stacks_path,
        .no_aslr = j->no_aslr, .use_bwrap = opt->use_bwrap,
        .max_processes = lab_forks(m) ? RUN_MAX_PROCESSES : 0,
    };
    // The runner proves a pass with this key, which it reads only after the
    // test's process has ended.
    guard_new_key(j->key);
    spec.key = j->key;
    spec.key_len = GUARD_KEY_BYTES;
    int rc = sandbox_start(&spec, &j->run);
    tool_free_strings(argv);
    tool_free_strings(env);
    free(binary);
    free(build_dir);
    return rc;
}

static int needs_layout_retry(const struct job *j)
{
    if (j->no_aslr || !j->result.started)
        return 0;
    char *tail = diagnose_tail(j->output_path, 20);
    int retry = tail && strstr(tail, "unexpected memory mapping");
    free(tail);
    return retry;
}

static void show_progress(const struct grade_options *opt, int done, int total, const char *what)
{
    if (!opt->progress)
        return;
    fprintf(stderr, "\r\033[K  running tests: %d/%d %s", done, total, what);
    if (done == total)
        fprintf(stderr, "\r\033[K");
    fflush(stderr);
}

// Run the jobs, at most opt->jobs at a time.
static int run_jobs(const struct manifest *m, const struct workdir *w, const struct grade_options *opt,
                    struct job *jobs, int count)
{
    int next = 0, running = 0, done = 0;
    int limit = opt->jobs > 0 ? opt->jobs : 1;
    while (done < count) {
        while (running < limit && next < count) {
            if (start_job(m, w, opt, &jobs[next]) != 0)
                return -1;
            running++;
            next++;
        }
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (int i = 0; i < next; i++) {
            if (jobs[i].finished || jobs[i].run.supervisor != pid)
                continue;
            sandbox_finish(&jobs[i].run, status, &jobs[i].result);
            jobs[i].finished = 1;
            running--;
            done++;
            show_progress(opt, done, count, m->cases[jobs[i].case_index].name);
        }
    }
    return 0;
}

static int tool_selected(const struct grade_options *opt, int tool)
{
    return opt->tools == 0 || (opt->tools & (1u << tool));
}

// A case that only measures a figure runs when the leaderboard is asked for,
// or when --case names it.
static int case_selected(const struct grade_options *opt, const struct test_case *c)
{
    return select_case(opt->only_case, c->name) &&
           (opt->figures || opt->only_case || !manifest_measures_only(c));
}

// The submitted .c files' base names, for trimming reports to them.
static int student_files(const struct manifest *m, char ***out)
{
    *out = xcalloc((size_t)m->submit_count + 1, sizeof **out);
    for (int i = 0; i < m->submit_count; i++)
        (*out)[i] = m->submit[i];
    return m->submit_count;
}

// One job per selected case and tool; a tool whose build failed gets its
// verdict at once.  Returns the number of jobs.
static int plan_jobs(const struct manifest *m, const struct workdir *w,
                     const struct grade_options *opt, int broken_variants, struct grade *g,
                     struct job *jobs)
{
    int count = 0;
    int fixed_layout = tsan_needs_fixed_layout();
    for (int i = 0; i < m->case_count; i++) {
        if (g->cases[i].skipped || !case_selected(opt, &m->cases[i]))
            continue;
        for (int t = 0; t < m->tool_count; t++) {
            if (!(m->cases[i].tools & (1u << t)) || !tool_selected(opt, t))
                continue;
            if (broken_variants & (1 << t)) {
                verdict_set(&g->cases[i].runs[t], VERDICT_NO_RESULT,
                            xasprintf("the %s build failed (see above)", m->tools[t].name), NULL);
                continue;
            }
            struct job *j = &jobs[count++];
            char *stem = xasprintf("%s.%s", m->cases[i].name, m->tools[t].name);
            j->case_index = i;
            j->tool = t;
            j->run_dir = path_join(w->runs, stem);
            j->output_path = xasprintf("%s/%s.output", w->results, stem);
            j->result_path = xasprintf("%s/%s.result", w->results, stem);
            j->stacks_path = xasprintf("%s/%s.stacks", w->results, stem);
            j->no_aslr = fixed_layout && (m->tools[t].kind->flags & TOOL_FIXED_LAYOUT);
            free(stem);
        }
    }
    return count;
}

// Move the jobs matching `keep` to the front, in order; returns how many.
typedef int job_test(const struct job *j, const struct job *context, int context_count);

static int move_to_front(struct job *jobs, int count, job_test *keep, const struct job *context,
                         int context_count)
{
    int front = 0;
    for (int k = 0; k < count; k++)
        if (keep(&jobs[k], context, context_count)) {
            struct job swap = jobs[front];
            jobs[front++] = jobs[k];
            jobs[k] = swap;
        }
    return front;
}

static int is_native(const struct job *j, const struct job *unused, int unused_count)
{
    (void)unused, (void)unused_count;
    return j->tool == TOOL_NATIVE;
}

// Whether the job's case did not hang in any of the native runs.
static int did_not_hang(const struct job *j, const struct job *native, int native_count)
{
    for (int n = 0; n < native_count; n++)
        if (native[n].case_index == j->case_index && native[n].result.timed_out)
            return 0;
    return 1;
}

static void free_jobs(struct job *jobs, int count)
{
    for (int k = 0; k < count; k++) {
        free(jobs[k].run_dir);
        free(jobs[k].output_path);
        free(jobs[k].result_path);
        free(jobs[k].stacks_path);
    }
    free(jobs);
}

static void run_all(const struct manifest *m, const struct workdir *w, const struct grade_options *opt,
                    int broken_variants, struct grade *g)
{
    struct job *jobs = xcalloc((size_t)m->case_count * TOOL_MAX, sizeof *jobs);
    int count = plan_jobs(m, w, opt, broken_variants, g, jobs);
    char **files;
    int nfiles = student_files(m, &files);
    // Native runs first: a case that hangs natively would only hang again,
    // ten times longer, under Valgrind or TSan, so its other runs are skipped.
    int native = move_to_front(jobs, count, is_native, NULL, 0);
    int rest = 0;
    if (run_jobs(m, w, opt, jobs, native) == 0) {
        rest = move_to_front(jobs + native, count - native, did_not_hang, jobs, native);
        for (int k = native + rest; k < count; k++)
            verdict_set(&g->cases[jobs[k].case_index].runs[jobs[k].tool], VERDICT_SKIPPED,
                        xstrdup("not run: the case already timed out natively"), NULL);
    }
    if (run_jobs(m, w, opt, jobs + native, rest) == 0) {
        for (int k = 0; k < native + rest; k++) {
            if ((m->tools[jobs[k].tool].kind->flags & TOOL_FIXED_LAYOUT) &&
                needs_layout_retry(&jobs[k])) {
                jobs[k].no_aslr = 1;
                jobs[k].finished = 0;
                run_jobs(m, w, opt, &jobs[k], 1);
            }
            struct run_outcome *o = &g->cases[jobs[k].case_index].runs[jobs[k].tool];
            verdict_evaluate(m, w, &jobs[k], files, nfiles, o);
        }
    }
    free_jobs(jobs, m->case_count * TOOL_MAX);
    free(files);
}

static void merge_symbols(struct symbols *into, const struct symbols *from)
{
    for (int i = 0; i < from->defined_count; i++)
        if (!symbols_has(into->defined, into->defined_count, from->defined[i])) {
            into->defined = xrealloc(into->defined, sizeof(char *) * (size_t)(into->defined_count + 1));
            into->defined[into->defined_count++] = xstrdup(from->defined[i]);
        }
}

static int read_object(const struct manifest *m, const struct workdir *w, const char *source,
                       struct symbols *out)
{
    char *path = build_object(w, m->tools[TOOL_NATIVE].variant, source);
    struct buf err = {0};
    int rc = symbols_read(path, out, &err);
    buf_free(&err);
    free(path);
    return rc;
}

// The symbol policy over the native objects.  Returns the number of problems.
static int check_symbols(const struct manifest *m, const struct workdir *w, struct buf *problem)
{
    struct symbols submission = {0}, provided = {0}, reserved = {0}, object;
    for (int i = 0; i < m->provide_count; i++) {
        char *name = build_source_name(m, m->provide[i]);
        if (build_is_c_source(name) && read_object(m, w, name, &object) == 0) {
            merge_symbols(&provided, &object);
            merge_symbols(&reserved, &object);
            symbols_free(&object);
        }
        free(name);
    }
    for (int i = -1; i < m->suite_count; i++) {
        if (i >= 0 && !m->suites[i].present)
            continue;
        char *name = build_source_name(m, i < 0 ? "runner.c" : m->suites[i].path);
        if (read_object(m, w, name, &object) == 0) {
            merge_symbols(&reserved, &object);
            symbols_free(&object);
        }
        free(name);
    }
    for (int i = 0; i < m->submit_count; i++)
        if (build_is_c_source(m->submit[i]) && read_object(m, w, m->submit[i], &object) == 0) {
            merge_symbols(&submission, &object);
            symbols_free(&object);
        }
    int problems = 0;
    for (int i = 0; i < m->submit_count; i++) {
        if (!build_is_c_source(m->submit[i]) || read_object(m, w, m->submit[i], &object) != 0)
            continue;
        char *source = path_join(w->src, m->submit[i]);
        problems += symbols_check(source, &object, &submission, &provided, &reserved, m->allow,
                                  m->allow_count, m->deny, m->deny_count, problem);
        free(source);
        symbols_free(&object);
    }
    symbols_free(&submission);
    symbols_free(&provided);
    symbols_free(&reserved);
    return problems;
}

// What the lab allows a submission to call, as a student knows the names:
// the C library's internal names (__assert_fail) become what the code says.
static char *allowed_calls(const struct manifest *m)
{
    static const struct { const char *internal, *written; } known[] = {
        {"__assert_fail", "assert"},
    };
    struct buf b = {0};
    for (int i = 0; i < m->allow_count; i++) {
        const char *name = m->allow[i];
        for (size_t k = 0; k < sizeof known / sizeof *known; k++)
            if (strcmp(name, known[k].internal) == 0)
                name = known[k].written;
        if (strncmp(name, "__", 2) != 0)
            buf_printf(&b, "%s%s", b.len ? ", " : "", name);
    }
    return b.data ? b.data : xstrdup("nothing else");
}

// Build every variant the selected cases need.  Returns 1 when the submission
// cannot be graded (g->problem says why), -1 on a lab error.
static int build_all(const struct manifest *m, const struct build_env *env, const struct workdir *w,
                     const struct grade_options *opt, struct grade *g, int *broken, struct buf *err)
{
    unsigned used = 1u << TOOL_NATIVE;
    for (int i = 0; i < m->case_count; i++)
        if (!g->cases[i].skipped && case_selected(opt, &m->cases[i]))
            used |= m->cases[i].tools & (opt->tools ? opt->tools : ~0u);
    struct buf warnings = {0}, errors = {0};
    int done_variants = 0, lab_broken = 0;
    *broken = 0;
    if (guard_check_sources(m, env, w, &errors) > 0) {
        g->problem = xasprintf("Your code was not run: it does what a submission may not do to the "
                               "tests or the tools.\n%s", buf_str(&errors));
        buf_free(&errors);
        return 1;
    }
    for (int t = 0; t < m->tool_count; t++) {
        if (!(used & (1u << t)))
            continue;
        const char *variant = m->tools[t].variant;
        int earlier = -1;
        for (int u = 0; u < t; u++)
            if ((done_variants & (1 << u)) && strcmp(m->tools[u].variant, variant) == 0)
                earlier = u;
        if (earlier >= 0) {
            *broken |= (*broken & (1 << earlier)) ? 1 << t : 0;
            continue;
        }
        done_variants |= 1 << t;
        buf_free(&errors);
        enum build_status rc = build_variant(m, env, w, variant, m->tools[t].cflags, &errors,
                                             t == TOOL_NATIVE ? &warnings : NULL);
        if (rc == BUILD_LAB_ERROR) {
            buf_printf(err, "lab %s: its own files do not compile (the %s build):\n%s", m->lab,
                       variant, buf_str(&errors));
            lab_broken = 1;
            break;
        }
        if (rc != BUILD_OK && t == TOOL_NATIVE) {
            g->problem = xasprintf("Your code does not build, so no test could run:\n%s",
                                   buf_str(&errors));
            break;
        }
        if (rc != 0) {
            *broken |= 1 << t;
            buf_printf(&warnings, "the %s build failed:\n%s", m->tools[t].name, buf_str(&errors));
        }
    }
    buf_free(&errors);
    g->warnings = warnings.data;
    if (lab_broken)
        return -1;
    if (g->problem)
        return 1;
    struct buf problem = {0};
    if (check_symbols(m, w, &problem) + guard_check_objects(m, w, &problem) > 0) {
        char *allowed = allowed_calls(m);
        g->problem = xasprintf("Your code was not run: it breaks the lab's rules on what it may "
                               "call or define, so every case scores 0.\n%s"
                               "Besides your own functions and the lab's, your code may call: %s "
                               "(see labs/%s/README.md).\n",
                               buf_str(&problem), allowed, m->lab);
        free(allowed);
        buf_free(&problem);
        return 1;
    }
    buf_free(&problem);
    return 0;
}

// A tool that could not run is the grader's failure, never the student's:
// the first one found is described in err.
static int tool_failed(const struct manifest *m, const struct grade *g, struct buf *err)
{
    for (int i = 0; i < m->case_count; i++)
        for (int t = 0; t < m->tool_count; t++) {
            const struct run_outcome *o = &g->cases[i].runs[t];
            if (o->verdict != VERDICT_TOOL_ERROR)
                continue;
            buf_printf(err, "%s (tool %s, case %s), so this submission was not graded:\n%s\n"
                            "This is a problem of the grader or its installation, not of the "
                            "submission.", o->reason, m->tools[t].name, m->cases[i].name,
                       o->detail ? o->detail : "");
            return 1;
        }
    return 0;
}

static void score(const struct manifest *m, const struct grade_options *opt, struct grade *g)
{
    g->score = g->max_score = 0;
    for (int i = 0; i < m->case_count; i++) {
        struct case_outcome *c = &g->cases[i];
        // A case none of whose tools this grade runs (--tools) is not graded.
        if (c->skipped || !case_selected(opt, &m->cases[i]) ||
            (opt->tools && !(m->cases[i].tools & opt->tools)))
            continue;
        c->passed = !g->problem;
        for (int t = 0; t < m->tool_count; t++)
            if ((m->cases[i].tools & (1u << t)) && tool_selected(opt, t))
                c->passed &= c->runs[t].verdict == VERDICT_PASS;
        c->earned = c->passed ? m->cases[i].points : 0;
        g->score += c->earned;
        g->max_score += m->cases[i].points;
        // A figure is the highest rung of its ladder that passed: it rests
        // on verdicts alone, as points do.
        int f = m->cases[i].figure;
        if (f >= 0) {
            if (isnan(g->figures[f]))
                g->figures[f] = 0;
            if (c->passed && m->cases[i].figure_value > g->figures[f])
                g->figures[f] = m->cases[i].figure_value;
        }
    }
}

static char *make_workdir(const struct grade_options *opt)
{
    if (opt->workdir) {
        if (dir_make(opt->workdir) != 0)
            return NULL;
        return path_real(opt->workdir);
    }
    const char *tmp = getenv("TMPDIR");
    char *template = xasprintf("%s/labgrade.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    char *dir = mkdtemp(template) ? path_real(template) : NULL;
    free(template);
    return dir;
}

int grade_submission(const struct manifest *m, const struct build_env *env, const char *submission,
                     const struct grade_options *opt, struct grade *g, struct buf *err)
{
    double start = now_seconds();
    memset(g, 0, sizeof *g);
    g->m = m;
    g->submission = xstrdup(submission);
    g->cases = xcalloc((size_t)m->case_count, sizeof *g->cases);
    for (int i = 0; i < m->case_count; i++)
        g->cases[i].skipped = !manifest_suite(m, m->cases[i].suite)->present;
    g->figures = xcalloc((size_t)m->figure_count + 1, sizeof *g->figures);
    for (int f = 0; f < m->figure_count; f++)
        g->figures[f] = NAN;
    char *root = make_workdir(opt);
    if (!root) {
        buf_printf(err, "cannot create a work directory: %s", strerror(errno));
        return -1;
    }
    struct workdir w;
    int rc = 0;
    if (workdir_create(&w, root) != 0) {
        buf_printf(err, "cannot create a work directory in %s: %s", root, strerror(errno));
        rc = -1;
        goto out;
    }
    struct buf problem = {0};
    rc = build_prepare(m, env, submission, &w, &problem);
    if (rc == 1)
        g->problem = xstrdup(buf_str(&problem));
    else if (rc < 0)
        buf_puts(err, buf_str(&problem));
    buf_free(&problem);
    int broken = 0;
    if (rc == 0)
        rc = build_all(m, env, &w, opt, g, &broken, err);
    if (rc == 0)
        run_all(m, &w, opt, broken, g);
    if (rc == 0 && (opt->keep || opt->workdir))
        swimlane_draw_all(g, &w); // failing schedules, drawn beside the kept build
    if (rc == 0 && tool_failed(m, g, err))
        rc = -1;
    if (rc >= 0) {
        score(m, opt, g);
        rc = 0;
    }
out:
    if (opt->keep || opt->workdir)
        g->workdir = xstrdup(root);
    else
        dir_remove(root);
    workdir_free(&w);
    free(root);
    g->seconds = now_seconds() - start;
    return rc;
}

void grade_free(struct grade *g)
{
    for (int i = 0; g->cases && i < g->m->case_count; i++) {
        for (int t = 0; t < TOOL_MAX; t++) {
            free(g->cases[i].runs[t].reason);
            free(g->cases[i].runs[t].detail);
        }
    }
    free(g->cases);
    free(g->figures);
    free(g->submission);
    free(g->problem);
    free(g->warnings);
    free(g->workdir);
    memset(g, 0, sizeof *g);
}
