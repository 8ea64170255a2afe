// Checking a lab's manifest against its tests.
#define _GNU_SOURCE
#include "lint.h"

#include "sandbox.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

// The case names a test binary lists (`BINARY --list`), newline-separated.
static char *list_cases(const char *binary, const char *dir, const char *log)
{
    char *argv[] = {(char *)binary, "--list", NULL};
    // Listing leaks the suite (Check has no suite_free): not LeakSanitizer's business.
    char *env[] = {"PATH=/usr/bin:/bin", "ASAN_OPTIONS=detect_leaks=0", NULL};
    const char *none[] = {NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env, .cwd = dir, .read_only = none, .writable = none,
        .wall_seconds = 30, .cpu_seconds = 30, .output_keep = 1 << 20, .output_max = 1 << 22,
        .output_path = log,
    };
    struct sandbox_result res;
    if (sandbox_exec(&spec, &res) != 0 || !WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0)
        return NULL;
    return file_read(log, 1 << 20, NULL, NULL);
}

static int listed(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strstr(list, name); p; p = strstr(p + 1, name))
        if ((p == list || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
            return 1;
    return 0;
}

static int check_variant(const struct manifest *m, const struct workdir *w, int tool, int suite)
{
    int problems = 0;
    const char *variant = m->tools[tool].variant;
    char *binary = build_binary(w, variant, m->suites[suite].name);
    char *log = xasprintf("%s/list-%s-%s.txt", w->results, variant, m->suites[suite].name);
    char *list = list_cases(binary, w->data, log);
    if (!list) {
        printf("lint: %s --list failed (see %s)\n", binary, log);
        problems++;
    }
    for (int i = 0; list && i < m->case_count; i++) {
        const struct test_case *c = &m->cases[i];
        if (strcmp(c->suite, m->suites[suite].name) == 0 && (c->tools & (1u << tool)) &&
            !listed(list, c->name)) {
            printf("lint: case %s (lab.conf) is not a test in %s's %s build\n", c->name,
                   m->suites[suite].path, variant);
            problems++;
        }
    }
    for (const char *line = list; line && *line;) {
        const char *end = strchr(line, '\n');
        char *name = xstrndup(line, end ? (size_t)(end - line) : strlen(line));
        int known = 0;
        for (int i = 0; i < m->case_count; i++)
            known |= strcmp(m->cases[i].name, name) == 0 &&
                     strcmp(m->cases[i].suite, m->suites[suite].name) == 0;
        if (!known && *name) {
            printf("lint: test %s in %s has no case line in lab.conf: it is never graded\n", name,
                   m->suites[suite].path);
            problems++;
        }
        free(name);
        line = end ? end + 1 : NULL;
    }
    free(list);
    free(log);
    free(binary);
    return problems;
}

// With `task` lines, each case belongs to exactly one task (a report's
// points by task add up) and each task has a case.
static int check_tasks(const struct manifest *m)
{
    int problems = 0;
    int *cases = xcalloc((size_t)m->task_count + 1, sizeof *cases);
    for (int i = 0; i < m->case_count && m->task_count; i++) {
        if (manifest_measures_only(&m->cases[i]))
            continue;   // a leaderboard rung earns no points in any task
        int owners = 0;
        for (int t = 0; t < m->task_count; t++)
            for (int k = 0; k < m->tasks[t].pattern_count; k++)
                if (fnmatch(m->tasks[t].patterns[k], m->cases[i].name, 0) == 0) {
                    owners++;
                    cases[t]++;
                    break;
                }
        if (owners != 1) {
            printf("lint: case %s is in %d tasks: expected one\n", m->cases[i].name, owners);
            problems++;
        }
    }
    for (int t = 0; t < m->task_count; t++)
        if (!cases[t]) {
            printf("lint: task %s (%s) picks no case\n", m->tasks[t].number, m->tasks[t].title);
            problems++;
        }
    free(cases);
    return problems;
}

int lint_lab(const struct manifest *m, const struct build_env *env, const char *submission)
{
    char template[] = "/tmp/labgrade-lint.XXXXXX";
    if (!mkdtemp(template)) {
        perror("labgrade: lint");
        return 2;
    }
    struct workdir w;
    struct buf problem = {0};
    int problems = 0, built = 0;
    if (workdir_create(&w, template) != 0 || build_prepare(m, env, submission, &w, &problem) != 0) {
        printf("lint: cannot prepare a build: %s\n", buf_str(&problem));
        problems++;
    }
    for (int t = 0; t < m->tool_count && !problems; t++) {
        int used = 0;
        for (int i = 0; i < m->case_count; i++)
            used |= (m->cases[i].tools >> t) & 1;
        if (!used || (built & (1 << t)))
            continue;
        for (int u = t; u < m->tool_count; u++)
            if (strcmp(m->tools[u].variant, m->tools[t].variant) == 0)
                built |= 1 << u;
        buf_free(&problem);
        const struct tool *tool = &m->tools[t];
        if (build_variant(m, env, &w, tool->variant, tool->cflags, &problem, NULL) != 0) {
            printf("lint: the %s build fails:\n%s", m->tools[t].variant, buf_str(&problem));
            problems++;
            break;
        }
        for (int s = 0; s < m->suite_count; s++)
            if (m->suites[s].present)
                problems += check_variant(m, &w, t, s);
    }
    problems += check_tasks(m);
    double points = 0, hidden = 0;
    for (int i = 0; i < m->case_count; i++) {
        points += m->cases[i].points;
        hidden += m->cases[i].hidden ? m->cases[i].points : 0;
    }
    if (!problems)
        printf("lint: %s is consistent: %d cases, %g points (%g in hidden cases)\n", m->lab,
               m->case_count, points, hidden);
    dir_remove(template);
    workdir_free(&w);
    buf_free(&problem);
    return problems ? 2 : 0;
}
