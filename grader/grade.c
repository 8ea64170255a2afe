// Grading one submission.
#define _GNU_SOURCE
#include "grade.h"

#include "diagnose.h"
#include "guard.h"
#include "sandbox.h"
#include "symbols.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { OUTPUT_KEEP = 64 * 1024, OUTPUT_MAX = 8 << 20, MEMCHECK_EXIT = 97, TSAN_EXIT = 66 };

const char *verdict_name(enum verdict v)
{
    static const char *names[] = {"not run",  "pass",     "FAIL",     "CRASH",
                                  "TIMEOUT",  "MEMORY",   "OUTPUT",   "VALGRIND",
                                  "TSAN",     "EXIT",     "NO RESULT", "SKIPPED"};
    return names[v];
}

// One run of one case under one tool.
struct job {
    int case_index;
    int tool;
    char *run_dir;
    char *output_path;
    char *result_path;
    char *stacks_path;
    int no_aslr;
    unsigned char key[GUARD_KEY_BYTES];   // the runner's proof of a pass
    struct sandbox_run run;
    struct sandbox_result result;
    int finished;
};

static int tsan_needs_fixed_layout(void)
{
    // gcc 12 / clang 14 TSan cannot map its shadow when the kernel randomises
    // more than 30 bits of mmap addresses.
    char *text = file_read("/proc/sys/vm/mmap_rnd_bits", 64, NULL, NULL);
    int bits = text ? atoi(text) : 0;
    free(text);
    return bits > 30;
}

static char **job_argv(const struct test_case *c, const struct job *j, const char *binary)
{
    char **argv = xcalloc(16, sizeof *argv);
    int n = 0;
    if (j->tool == TOOL_MEMCHECK) {
        argv[n++] = xstrdup("valgrind");
        argv[n++] = xstrdup("--tool=memcheck");
        argv[n++] = xasprintf("--error-exitcode=%d", MEMCHECK_EXIT);
        argv[n++] = xstrdup("--leak-check=full");
        argv[n++] = xstrdup("--show-leak-kinds=definite,indirect");
        argv[n++] = xstrdup("--errors-for-leak-kinds=definite,indirect");
        argv[n++] = xstrdup("--fair-sched=yes");
        argv[n++] = xstrdup("--vgdb=no");   // no FIFOs to remove under the seccomp filter
        argv[n++] = xstrdup("--num-callers=30");
        argv[n++] = xasprintf("--log-file=%s/valgrind.%%p.log", j->run_dir);
    }
    argv[n++] = xstrdup(binary);
    argv[n++] = xstrdup(c->name);
    return argv;
}

static char **job_env(const struct manifest *m, const struct job *j, double timeout)
{
    char **env = xcalloc(24, sizeof *env);
    int n = 0;
    env[n++] = xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
    env[n++] = xstrdup("LC_ALL=C");
    env[n++] = xstrdup("HOME=/tmp");
    env[n++] = xstrdup("TMPDIR=/tmp");
    env[n++] = xasprintf("LK_TOOL=%s", m->tools[j->tool].name);
    env[n++] = xstrdup("LK_RESULT_FD=3");
    env[n++] = guard_syscalls_env(m);
    // Check's own timeout is a backstop: the sandbox's, shorter, takes the stacks.
    env[n++] = xasprintf("LK_CASE_TIMEOUT=%.0f", timeout * 2 + 10);
    // Replaying one explore seed through the grader: LK_SEED=N labgrade ...
    static const char *passed_through[] = {"LK_SEED", "LK_STRATEGY", "LK_TRACE_HASH",
                                           "LK_EXPLORE_VERBOSE"};
    for (size_t i = 0; i < sizeof passed_through / sizeof *passed_through; i++)
        if (getenv(passed_through[i]))
            env[n++] = xasprintf("%s=%s", passed_through[i], getenv(passed_through[i]));
    if (j->tool == TOOL_TSAN)
        env[n++] = xasprintf("TSAN_OPTIONS=exitcode=%d halt_on_error=0 log_path=%s/tsan "
                             "detect_deadlocks=1 second_deadlock_stack=1 history_size=4",
                             TSAN_EXIT, j->run_dir);
    return env;
}

static void free_strings(char **list)
{
    for (char **p = list; p && *p; p++)
        free(*p);
    free(list);
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
    char **argv = job_argv(c, j, binary);
    char **env = job_env(m, j, timeout);
    const char *ro[] = {build_dir, w->data, NULL};
    const char *rw[] = {j->run_dir, NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env, .cwd = w->data, .read_only = ro, .writable = rw,
        .wall_seconds = timeout, .cpu_seconds = timeout * 2 + 1, .memory_mb = m->memory_mb,
        .memory_by_rss = j->tool != TOOL_NATIVE, .output_keep = OUTPUT_KEEP,
        .output_max = OUTPUT_MAX, .output_path = j->output_path, .result_path = j->result_path,
        .stacks_path = j->tool == TOOL_MEMCHECK ? NULL : j->stacks_path,
        .no_aslr = j->no_aslr, .use_bwrap = opt->use_bwrap,
    };
    guard_new_key(j->key);
    spec.key = j->key;
    spec.key_len = GUARD_KEY_BYTES;
    // TSan reserves terabytes of address space: only its resident size is watched.
    if (j->tool == TOOL_TSAN || strcmp(t->variant, "tsan") == 0)
        spec.memory_by_rss = 1;
    int rc = sandbox_start(&spec, &j->run);
    free_strings(argv);
    free_strings(env);
    free(binary);
    free(build_dir);
    return rc;
}

// The runner's line for this case:
// "LK2 \t case \t verdict \t file \t line \t message \t proof".
struct reported {
    char verdict[16];
    char where[512];
    char message[16384];
    char proof[80];
    int found;
};

static void read_report(const char *path, const char *case_name, struct reported *r)
{
    memset(r, 0, sizeof *r);
    char *text = file_read(path, 1 << 20, NULL, NULL);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *fields[7] = {0};
        int n = 0;
        for (char *f = line; f && n < 7; n++) {
            fields[n] = f;
            f = n < 6 ? strchr(f, '\t') : NULL;
            if (f)
                *f++ = '\0';
        }
        if (n == 7 && strcmp(fields[0], "LK2") == 0 && strcmp(fields[1], case_name) == 0) {
            snprintf(r->proof, sizeof r->proof, "%s", fields[6]);
            snprintf(r->verdict, sizeof r->verdict, "%s", fields[2]);
            if (fields[3][0] && atoi(fields[4]) > 0)
                snprintf(r->where, sizeof r->where, "%s:%s", path_base(fields[3]), fields[4]);
            snprintf(r->message, sizeof r->message, "%s", fields[5]);
            for (char *c = r->message; *c; c++)
                if (*c == '\x1f')
                    *c = '\n';
            r->found = 1;
        }
    }
    free(text);
}

static void set_outcome(struct run_outcome *o, enum verdict v, char *reason, char *detail)
{
    o->verdict = v;
    o->reason = reason;
    o->detail = detail;
}

// What a finished error (not an assertion failure) means under this tool.
// Split a tool's report into its first line (the reason) and the rest.
static void split_report(char *report, const char *tool, const char *fallback, struct run_outcome *o,
                         enum verdict v)
{
    const char *text = report ? report : fallback;
    size_t first = strcspn(text, "\n");
    const char *bare = strstr(text, "ThreadSanitizer: ");
    if (bare && (size_t)(bare - text) < first)
        text = bare + 17, first = strcspn(text, "\n");
    o->verdict = v;
    o->reason = xasprintf("%s: %.*s", tool, (int)first, text);
    o->detail = text[first] ? xstrdup(text + first + 1) : NULL;
    free(report);
}

static void explain_error(const struct reported *r, const struct job *j, char **files, int nfiles,
                          struct run_outcome *o)
{
    int code = -1, signo = 0;
    sscanf(r->message, "Early exit with return value %d", &code);
    sscanf(r->message, "Received signal %d", &signo);
    if (code == MEMCHECK_EXIT && j->tool == TOOL_MEMCHECK) {
        split_report(diagnose_valgrind(j->run_dir, files, nfiles), "Valgrind", "an error", o,
                     VERDICT_MEMCHECK);
    } else if (code == TSAN_EXIT && j->tool == TOOL_TSAN) {
        split_report(diagnose_tsan(j->run_dir, files, nfiles), "ThreadSanitizer", "a report", o,
                     VERDICT_TSAN);
    } else if (signo > 0) {
        char *report = j->tool == TOOL_MEMCHECK ? diagnose_valgrind(j->run_dir, files, nfiles)
                       : j->tool == TOOL_TSAN  ? diagnose_tsan(j->run_dir, files, nfiles)
                                               : NULL;
        set_outcome(o, VERDICT_CRASH,
                    xasprintf("crashed: %s%s%s", strsignal(signo), r->where[0] ? " after " : "",
                              r->where),
                    report);
    } else if (strstr(r->message, "timeout")) {
        set_outcome(o, VERDICT_TIMEOUT, xstrdup("timed out (Check's own limit)"), NULL);
    } else if (code >= 0) {
        set_outcome(o, VERDICT_EARLY_EXIT,
                    xasprintf("the test's process exited with status %d before the test ended "
                              "(does the code under test call exit()?)", code),
                    NULL);
    } else {
        set_outcome(o, VERDICT_CRASH, xstrdup(r->message), NULL);
    }
}

static void evaluate_job(const struct manifest *m, struct job *j, char **files, int nfiles,
                         struct run_outcome *o)
{
    const struct test_case *c = &m->cases[j->case_index];
    struct sandbox_result *res = &j->result;
    struct reported r;
    read_report(j->result_path, c->name, &r);
    o->seconds = res->seconds;
    if (!res->started) {
        set_outcome(o, VERDICT_NO_RESULT, xstrdup("the test could not be started"), NULL);
    } else if (res->timed_out) {
        char *stacks = diagnose_stacks(j->stacks_path, files, nfiles);
        set_outcome(o, VERDICT_TIMEOUT,
                    xasprintf("timed out after %.0f s%s", manifest_case_timeout(m, c, j->tool),
                              stacks ? "; where each thread was:" : ""),
                    stacks);
    } else if (res->memory_exceeded) {
        set_outcome(o, VERDICT_MEMORY, xasprintf("used more than %ld MiB of memory", m->memory_mb),
                    NULL);
    } else if (res->output_exceeded) {
        set_outcome(o, VERDICT_OUTPUT,
                    xasprintf("printed more than %d MiB; stopped", OUTPUT_MAX >> 20), NULL);
    } else if (!r.found) {
        char *tail = diagnose_tail(j->output_path, 8);
        if (WIFSIGNALED(res->status))
            set_outcome(o, VERDICT_NO_RESULT,
                        xasprintf("the test runner was killed by %s", strsignal(WTERMSIG(res->status))),
                        tail);
        else if (res->memory_exceeded || (tail && strstr(tail, "no test case named")))
            set_outcome(o, VERDICT_NO_RESULT,
                        xasprintf("lab error: the tests have no case '%s'", c->name), tail);
        else
            set_outcome(o, VERDICT_NO_RESULT,
                        xasprintf("no result: the test runner ended (status %d) without "
                                  "reporting", WIFEXITED(res->status) ? WEXITSTATUS(res->status) : -1),
                        tail);
    } else if (strcmp(r.verdict, "pass") == 0 && !guard_proof_ok(r.proof, j->key)) {
        set_outcome(o, VERDICT_FAIL, xstrdup(guard_forged_message()), NULL);
    } else if (strcmp(r.verdict, "pass") == 0) {
        set_outcome(o, VERDICT_PASS, xstrdup("passed"), NULL);
    } else if (strcmp(r.verdict, "fail") == 0) {
        // The first line is the reason; a long message (an explore trace) is the detail.
        size_t first = strcspn(r.message, "\n");
        char *rest = r.message[first] ? xstrdup(r.message + first + 1) : NULL;
        r.message[first] = '\0';
        // A tool's report explains a wrong answer more often than not: add it.
        char *report = j->tool == TOOL_MEMCHECK ? diagnose_valgrind(j->run_dir, files, nfiles)
                       : j->tool == TOOL_TSAN  ? diagnose_tsan(j->run_dir, files, nfiles)
                                               : NULL;
        if (report) {
            char *both = xasprintf("%s%s%s also reported:\n%s", rest ? rest : "", rest ? "\n" : "",
                                   m->tools[j->tool].name, report);
            free(rest);
            free(report);
            rest = both;
        }
        set_outcome(o, VERDICT_FAIL,
                    r.where[0] ? xasprintf("%s (%s)", r.message, r.where) : xstrdup(r.message),
                    rest);
    } else {
        explain_error(&r, j, files, nfiles, o);
    }
}

static int needs_tsan_retry(const struct job *j)
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

static int case_selected(const struct grade_options *opt, const struct test_case *c)
{
    return !opt->only_case || strcmp(opt->only_case, c->name) == 0;
}

// The submitted .c files' base names, for trimming reports to them.
static int student_files(const struct manifest *m, char ***out)
{
    *out = xcalloc((size_t)m->submit_count + 1, sizeof **out);
    for (int i = 0; i < m->submit_count; i++)
        (*out)[i] = m->submit[i];
    return m->submit_count;
}

static void run_all(const struct manifest *m, const struct workdir *w, const struct grade_options *opt,
                    int broken_variants, struct grade *g)
{
    int count = 0;
    struct job *jobs = xcalloc((size_t)m->case_count * TOOL_MAX, sizeof *jobs);
    int fixed_layout = tsan_needs_fixed_layout();
    for (int i = 0; i < m->case_count; i++) {
        if (g->cases[i].skipped || !case_selected(opt, &m->cases[i]))
            continue;
        for (int t = 0; t < m->tool_count; t++) {
            if (!(m->cases[i].tools & (1u << t)) || !tool_selected(opt, t))
                continue;
            if (broken_variants & (1 << t)) {
                set_outcome(&g->cases[i].runs[t], VERDICT_NO_RESULT,
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
            j->no_aslr = fixed_layout && strcmp(m->tools[t].variant, "tsan") == 0;
            free(stem);
        }
    }
    char **files;
    int nfiles = student_files(m, &files);
    // Native runs first: a case that hangs natively would only hang again,
    // ten times longer, under Valgrind or TSan, so its other runs are skipped.
    int native = 0;
    for (int k = 0; k < count; k++)
        if (jobs[k].tool == TOOL_NATIVE) {
            struct job swap = jobs[native];
            jobs[native++] = jobs[k];
            jobs[k] = swap;
        }
    int rest = 0;
    if (run_jobs(m, w, opt, jobs, native) == 0) {
        for (int k = native; k < count; k++) {
            int hung = 0;
            for (int n = 0; n < native; n++)
                hung |= jobs[n].case_index == jobs[k].case_index && jobs[n].result.timed_out;
            if (!hung) {
                struct job swap = jobs[native + rest];
                jobs[native + rest++] = jobs[k];
                jobs[k] = swap;
            } else {
                set_outcome(&g->cases[jobs[k].case_index].runs[jobs[k].tool], VERDICT_SKIPPED,
                            xstrdup("not run: the case already timed out natively"), NULL);
            }
        }
    }
    count = native + rest;
    if (run_jobs(m, w, opt, jobs + native, rest) == 0) {
        for (int k = 0; k < count; k++) {
            if (strcmp(m->tools[jobs[k].tool].variant, "tsan") == 0 && needs_tsan_retry(&jobs[k])) {
                jobs[k].no_aslr = 1;
                jobs[k].finished = 0;
                run_jobs(m, w, opt, &jobs[k], 1);
            }
            evaluate_job(m, &jobs[k], files, nfiles, &g->cases[jobs[k].case_index].runs[jobs[k].tool]);
        }
    }
    for (int k = 0; k < m->case_count * TOOL_MAX; k++) {
        free(jobs[k].run_dir);
        free(jobs[k].output_path);
        free(jobs[k].result_path);
        free(jobs[k].stacks_path);
    }
    free(jobs);
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

static int read_object(const struct workdir *w, const char *source, struct symbols *out)
{
    char *path = build_object(w, "native", source);
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
        if (build_is_c_source(name) && read_object(w, name, &object) == 0) {
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
        if (read_object(w, name, &object) == 0) {
            merge_symbols(&reserved, &object);
            symbols_free(&object);
        }
        free(name);
    }
    for (int i = 0; i < m->submit_count; i++)
        if (build_is_c_source(m->submit[i]) && read_object(w, m->submit[i], &object) == 0) {
            merge_symbols(&submission, &object);
            symbols_free(&object);
        }
    int problems = 0;
    for (int i = 0; i < m->submit_count; i++) {
        if (!build_is_c_source(m->submit[i]) || read_object(w, m->submit[i], &object) != 0)
            continue;
        problems += symbols_check(m->submit[i], &object, &submission, &provided, &reserved,
                                  m->allow, m->allow_count, problem);
        symbols_free(&object);
    }
    symbols_free(&submission);
    symbols_free(&provided);
    symbols_free(&reserved);
    return problems;
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
    int done_variants = 0;
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
        const char *flags = t == TOOL_TSAN ? "-fsanitize=thread" : m->tools[t].cflags;
        buf_free(&errors);
        int rc = build_variant(m, env, w, variant, flags, &errors, t == TOOL_NATIVE ? &warnings : NULL);
        if (rc != 0 && t == TOOL_NATIVE) {
            g->problem = xasprintf("Your code does not compile, so no test could run:\n%s",
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
    if (g->problem)
        return strstr(g->problem, "lab file ") ? (buf_printf(err, "%s", g->problem), -1) : 1;
    struct buf problem = {0};
    if (check_symbols(m, w, &problem) + guard_check_objects(m, w, &problem) > 0) {
        g->problem = xasprintf("Your code was not run: it breaks the lab's rules on what it may "
                               "call or define.\n%s", buf_str(&problem));
        buf_free(&problem);
        return 1;
    }
    buf_free(&problem);
    return 0;
}

static void score(const struct manifest *m, const struct grade_options *opt, struct grade *g)
{
    g->score = g->max_score = 0;
    for (int i = 0; i < m->case_count; i++) {
        struct case_outcome *c = &g->cases[i];
        if (c->skipped || !case_selected(opt, &m->cases[i]))
            continue;
        c->passed = !g->problem;
        for (int t = 0; t < m->tool_count; t++)
            if ((m->cases[i].tools & (1u << t)) && tool_selected(opt, t))
                c->passed &= c->runs[t].verdict == VERDICT_PASS;
        c->earned = c->passed ? m->cases[i].points : 0;
        g->score += c->earned;
        g->max_score += m->cases[i].points;
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
    free(g->submission);
    free(g->problem);
    free(g->warnings);
    free(g->workdir);
    memset(g, 0, sizeof *g);
}
