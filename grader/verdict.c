// Judging one finished run: the runner's report, the tool's exit status and
// log, the sandbox's limits, into a verdict with the feedback a student reads.
#define _GNU_SOURCE
#include "verdict.h"

#include "diagnose.h"
#include "sandbox.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

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

void verdict_set(struct run_outcome *o, enum verdict v, char *reason, char *detail)
{
    o->verdict = v;
    o->reason = reason;
    o->detail = detail;
}

// A tool's finding: the first line of its report is the reason, the rest
// the detail.
static void set_finding(const struct tool_kind *k, char *report, struct run_outcome *o)
{
    const char *text = report ? report : "an error (its log is empty)";
    size_t first = strcspn(text, "\n");
    o->verdict = VERDICT_FOUND;
    o->reason = xasprintf("%s: %.*s", k->label, (int)first, text);
    o->detail = text[first] ? xstrdup(text + first + 1) : NULL;
    free(report);
}

// What a finished error (not an assertion failure) means under this tool.
static void explain_error(const struct reported *r, const struct job *j, const struct tool_kind *k,
                          char **files, int nfiles, struct run_outcome *o)
{
    int code = -1, signo = 0;
    sscanf(r->message, "Early exit with return value %d", &code);
    sscanf(r->message, "Received signal %d", &signo);
    if (k->found_exit && code == k->found_exit) {
        set_finding(k, tool_report(k, j->run_dir, files, nfiles), o);
    } else if (signo > 0) {
        // The tool's report says where; without one, the last lines the test
        // printed often say why (an abort() after the code's own message).
        char *detail = tool_report(k, j->run_dir, files, nfiles);
        char *tail = detail ? NULL : diagnose_tail(j->output_path, 8);
        if (tail && *tail)
            detail = xasprintf("the test's last output:\n%s", tail);
        free(tail);
        verdict_set(o, VERDICT_CRASH,
                    xasprintf("crashed: %s%s%s", strsignal(signo), r->where[0] ? " after " : "",
                              r->where),
                    detail);
    } else if (strstr(r->message, "timeout")) {
        verdict_set(o, VERDICT_TIMEOUT, xstrdup("timed out (Check's own limit)"), NULL);
    } else if (code >= 0) {
        verdict_set(o, VERDICT_EARLY_EXIT,
                    xasprintf("the test's process exited with status %d before the test ended "
                              "(does the code under test call exit()?)", code),
                    NULL);
    } else {
        verdict_set(o, VERDICT_CRASH, xstrdup(r->message), NULL);
    }
}

// A tool's failure is believed only when the tool fails the same way on the
// test binary listing its cases, which runs none of the student's code: a
// test that printed those words, or wrote a fake log, stays the student's.
static char *confirmed_failure(const struct manifest *m, const struct workdir *w,
                               const struct job *j)
{
    const struct tool *t = &m->tools[j->tool];
    char *failure = tool_failure(t->kind, j->run_dir, j->output_path);
    if (!failure)
        return NULL;
    char *dir = xasprintf("%s.confirm", j->run_dir);
    char *output = path_join(dir, "output");
    char *binary = build_binary(w, t->variant, m->cases[j->case_index].suite);
    char *build_dir = path_join(w->build, t->variant);
    dir_remove(dir);
    dir_make(dir);
    char **argv = tool_argv(t->kind, dir, binary, "--list");
    char **env = tool_env(t->kind, t->name, t->scale, dir);
    const char *ro[] = {build_dir, w->data, NULL};
    const char *rw[] = {dir, NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env, .cwd = w->data, .read_only = ro, .writable = rw,
        .wall_seconds = 60, .cpu_seconds = 60, .memory_mb = m->memory_mb,
        .open_files = m->files, .memory_by_rss = (t->kind->flags & TOOL_WATCH_RSS) != 0, .output_keep = RUN_OUTPUT_KEEP,
        .output_max = RUN_OUTPUT_MAX, .output_path = output,
    };
    struct sandbox_result res;
    char *again = sandbox_exec(&spec, &res) == 0 ? tool_failure(t->kind, dir, output) : NULL;
    if (!again) {
        free(failure);
        failure = NULL;
    }
    free(again);
    tool_free_strings(argv);
    tool_free_strings(env);
    dir_remove(dir);
    free(build_dir);
    free(binary);
    free(output);
    free(dir);
    return failure;
}

// The runner reported nothing: the tool could not run, the runner died, or
// the lab names a case its tests do not have.
static void explain_silence(const struct manifest *m, const struct workdir *w, const struct job *j,
                            struct run_outcome *o)
{
    const struct tool *t = &m->tools[j->tool];
    const struct sandbox_result *res = &j->result;
    char *failure = confirmed_failure(m, w, j);
    char *tail = diagnose_tail(j->output_path, 8);
    if (failure)
        verdict_set(o, VERDICT_TOOL_ERROR, xasprintf("%s could not run", t->kind->label), failure);
    else if (WIFSIGNALED(res->status))
        verdict_set(o, VERDICT_NO_RESULT,
                    xasprintf("the test runner was killed by %s", strsignal(WTERMSIG(res->status))),
                    tail);
    else if (tail && strstr(tail, "no test case named"))
        verdict_set(o, VERDICT_NO_RESULT,
                    xasprintf("lab error: the tests have no case '%s'",
                              m->cases[j->case_index].name),
                    tail);
    else
        verdict_set(o, VERDICT_NO_RESULT,
                    xasprintf("no result: the test runner ended (status %d) without reporting",
                              WIFEXITED(res->status) ? WEXITSTATUS(res->status) : -1),
                    tail);
    if (o->detail != tail)
        free(tail);
}

void verdict_evaluate(const struct manifest *m, const struct workdir *w, struct job *j,
                         char **files, int nfiles, struct run_outcome *o)
{
    const struct test_case *c = &m->cases[j->case_index];
    const struct tool_kind *kind = m->tools[j->tool].kind;
    struct sandbox_result *res = &j->result;
    struct reported r;
    read_report(j->result_path, c->name, &r);
    o->seconds = res->seconds;
    if (!res->started) {
        verdict_set(o, VERDICT_NO_RESULT, xstrdup("the test could not be started"), NULL);
    } else if (res->timed_out) {
        char *stacks = diagnose_stacks(j->stacks_path, files, nfiles);
        verdict_set(o, VERDICT_TIMEOUT,
                    xasprintf("timed out after %.0f s%s", manifest_case_timeout(m, c, j->tool),
                              stacks ? "; where each thread was:" : ""),
                    stacks);
    } else if (res->memory_exceeded) {
        verdict_set(o, VERDICT_MEMORY, xasprintf("used more than %ld MiB of memory", m->memory_mb),
                    NULL);
    } else if (res->processes_exceeded) {
        verdict_set(o, VERDICT_CRASH,
                    xasprintf("started more than %d processes at once: a runaway spawn loop? "
                              "(stopped; does a child ever return into its parent's code?)",
                              RUN_MAX_PROCESSES),
                    NULL);
    } else if (res->output_exceeded) {
        verdict_set(o, VERDICT_OUTPUT,
                    xasprintf("printed more than %d MiB; stopped", RUN_OUTPUT_MAX >> 20), NULL);
    } else if (!r.found) {
        explain_silence(m, w, j, o);
    } else if (strcmp(r.verdict, "pass") == 0 && !guard_proof_ok(r.proof, j->key)) {
        verdict_set(o, VERDICT_FAIL, xstrdup(guard_forged_message()), NULL);
    } else if (strcmp(r.verdict, "pass") == 0) {
        verdict_set(o, VERDICT_PASS, xstrdup("passed"), NULL);
    } else if (strcmp(r.verdict, "fail") == 0) {
        // The first line is the reason; a long message (an explore trace) is the detail.
        size_t first = strcspn(r.message, "\n");
        char *rest = r.message[first] ? xstrdup(r.message + first + 1) : NULL;
        r.message[first] = '\0';
        // A tool's report explains a wrong answer more often than not: add it.
        char *report = tool_report(kind, j->run_dir, files, nfiles);
        if (report) {
            char *both = xasprintf("%s%s%s also reported:\n%s", rest ? rest : "", rest ? "\n" : "",
                                   m->tools[j->tool].name, report);
            free(rest);
            free(report);
            rest = both;
        }
        verdict_set(o, VERDICT_FAIL,
                    r.where[0] ? xasprintf("%s (%s)", r.message, r.where) : xstrdup(r.message),
                    rest);
    } else {
        explain_error(&r, j, kind, files, nfiles, o);
    }
}
