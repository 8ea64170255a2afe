// Reporting a grade.
#define _GNU_SOURCE
#include "report.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define PLAIN "\033[0m"

int report_check_visibility(const char *v)
{
    static const char *const valid[] = {"visible", "hidden", "after_due_date", "after_published"};
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++)
        if (strcmp(v, valid[i]) == 0)
            return 0;
    fprintf(stderr, "labgrade: --hidden-visibility %s: Gradescope knows only visible, hidden, "
                    "after_due_date and after_published\n", v);
    return -1;
}

static const char *paint(const struct report_options *opt, const char *code)
{
    return opt->color ? code : "";
}

static int ran(const struct grade *g, int case_index, int tool)
{
    return g->cases[case_index].runs[tool].verdict != VERDICT_NOT_RUN &&
           (g->m->cases[case_index].tools & (1u << tool));
}

static void indent(struct buf *out, const char *text, const char *prefix)
{
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        buf_printf(out, "%s%.*s\n", prefix, (int)len, line);
        line = end ? end + 1 : NULL;
    }
}

// Whether case i counts in the score (graded, not hidden from this kit).
static int included_in_score(const struct grade *g, int i)
{
    if (g->cases[i].skipped)
        return 0;
    for (int t = 0; t < g->m->tool_count; t++)
        if (ran(g, i, t))
            return 1;
    return 0;
}

// How to rerun a failed case by hand in the kept work directory: the same
// command and environment the grader ran, from the tool's record.
static void rerun_commands(struct buf *out, const struct grade *g, int case_index)
{
    const struct manifest *m = g->m;
    const struct test_case *c = &m->cases[case_index];
    buf_puts(out, "rerun by hand (from anywhere):\n");
    for (int t = 0; t < m->tool_count; t++) {
        const struct run_outcome *o = &g->cases[case_index].runs[t];
        if (!ran(g, case_index, t) || o->verdict == VERDICT_PASS)
            continue;
        const struct tool *tool = &m->tools[t];
        char *binary = xasprintf("../build/%s/%s", tool->variant, c->suite);
        char *log_dir = xasprintf("../runs/%s.%s", c->name, tool->name);
        char *line = tool_rerun_line(tool->kind, tool->name, tool->scale, log_dir, binary, c->name);
        buf_printf(out, "  (cd %s/data && %s)\n", g->workdir, line);
        free(line);
        free(log_dir);
        free(binary);
    }
    buf_printf(out, "  (in gdb: cd %s/data && CK_FORK=no gdb --args ../build/%s/%s %s)\n",
               g->workdir, m->tools[TOOL_NATIVE].variant, c->suite, c->name);
}

void report_case_feedback(struct buf *out, const struct grade *g, int case_index)
{
    const struct manifest *m = g->m;
    const struct test_case *c = &m->cases[case_index];
    if (g->problem) {
        buf_puts(out, "not run: see the problem reported for the whole submission\n");
        return;
    }
    for (int t = 0; t < m->tool_count; t++) {
        const struct run_outcome *o = &g->cases[case_index].runs[t];
        if (!ran(g, case_index, t) || o->verdict == VERDICT_PASS)
            continue;
        buf_printf(out, "%s: %s\n", m->tools[t].name, o->reason ? o->reason : "");
        if (o->detail && (!o->reason || strcmp(o->detail, o->reason) != 0))
            indent(out, o->detail, "    ");
    }
    if (c->ref)
        buf_printf(out, "see labs/%s/%s\n", m->lab, c->ref);
    if (g->workdir)
        rerun_commands(out, g, case_index);
}

static void tool_summary(struct buf *out, const struct grade *g, int i)
{
    for (int t = 0; t < g->m->tool_count; t++) {
        if (!ran(g, i, t))
            continue;
        const struct run_outcome *o = &g->cases[i].runs[t];
        buf_printf(out, "%s%s%s", out->len ? " " : "", g->m->tools[t].name,
                   o->verdict == VERDICT_PASS ? "" : ":");
        if (o->verdict != VERDICT_PASS)
            buf_puts(out, run_verdict_name(&g->m->tools[t], o->verdict));
    }
}

static void print_table(FILE *out, const struct grade *g, const struct report_options *opt)
{
    const struct manifest *m = g->m;
    int width = 20;
    for (int i = 0; i < m->case_count; i++)
        if ((int)strlen(m->cases[i].name) > width)
            width = (int)strlen(m->cases[i].name);
    fprintf(out, "\n  %-*s %8s  %s\n", width, "case", "points", "result");
    for (int i = 0; i < m->case_count; i++) {
        const struct case_outcome *c = &g->cases[i];
        if (c->skipped)
            continue;
        int any = 0;
        for (int t = 0; t < m->tool_count; t++)
            any |= ran(g, i, t);
        if (!any)
            continue;
        if (manifest_measures_only(&m->cases[i])) { // a rung: no points, no failure
            fprintf(out, "  %-*s %8s  %s\n", width, m->cases[i].name, "-",
                    c->passed ? "reached" : "not reached");
            continue;
        }
        struct buf tools = {0};
        tool_summary(&tools, g, i);
        char points[32];
        snprintf(points, sizeof points, "%g/%g", c->earned, m->cases[i].points);
        fprintf(out, "  %-*s %8s  %s%-4s%s  %s%s\n", width, m->cases[i].name, points,
                paint(opt, c->passed ? GREEN : RED), c->passed ? "pass" : "FAIL", paint(opt, PLAIN),
                buf_str(&tools), m->cases[i].hidden ? "  (hidden)" : "");
        buf_free(&tools);
    }
}

// Text that tells two failures apart: addresses and thread ids, which
// differ from run to run, and the case's own name (in replay lines) left out.
static void add_key(struct buf *key, const char *text, const char *case_name)
{
    size_t own = strlen(case_name);
    for (const char *p = text; p && *p;) {
        if (p[0] == '0' && p[1] == 'x') {
            buf_puts(key, "0x");
            for (p += 2; isxdigit((unsigned char)*p); p++)
                ;
        } else if (strncmp(p, "tid=", 4) == 0) {
            buf_puts(key, "tid=");
            for (p += 4; isdigit((unsigned char)*p); p++)
                ;
        } else if (strncmp(p, case_name, own) == 0) {
            buf_puts(key, "\x01");
            p += own;
        } else {
            buf_append(key, p++, 1);
        }
    }
    buf_puts(key, "\x1e");
}

// Whether two texts differ only in what add_key leaves out.
static int same_text(const char *a, const char *b, const char *case_name)
{
    struct buf ka = {0}, kb = {0};
    add_key(&ka, a, case_name);
    add_key(&kb, b, case_name);
    int same = strcmp(buf_str(&ka), buf_str(&kb)) == 0;
    buf_free(&ka);
    buf_free(&kb);
    return same;
}

// The failures of one case, each distinct reason once with the tools that
// gave it ("native, tsan: ..."), then the details of those runs, each once.
struct failure {
    const char *reason;
    unsigned tools;
    const char *details[TOOL_MAX];
    unsigned detail_tools[TOOL_MAX];
    int detail_count;
};

static int case_failures(const struct grade *g, int i, struct failure *f)
{
    const char *name = g->m->cases[i].name;
    int n = 0;
    for (int t = 0; t < g->m->tool_count; t++) {
        const struct run_outcome *o = &g->cases[i].runs[t];
        if (!ran(g, i, t) || o->verdict == VERDICT_PASS)
            continue;
        const char *reason = o->reason ? o->reason : "";
        int k = 0;
        while (k < n && !same_text(f[k].reason, reason, name))
            k++;
        if (k == n)
            f[n++] = (struct failure){.reason = reason};
        f[k].tools |= 1u << t;
        if (!o->detail || strcmp(o->detail, reason) == 0)
            continue;
        int d = 0;
        while (d < f[k].detail_count && !same_text(f[k].details[d], o->detail, name))
            d++;
        if (d == f[k].detail_count)
            f[k].details[f[k].detail_count++] = o->detail;
        f[k].detail_tools[d] |= 1u << t;
    }
    return n;
}

static void tool_names(struct buf *out, const struct manifest *m, unsigned tools)
{
    int first = 1;
    for (int t = 0; t < m->tool_count; t++)
        if (tools & (1u << t)) {
            buf_printf(out, "%s%s", first ? "" : ", ", m->tools[t].name);
            first = 0;
        }
}

static char *failure_key(const struct grade *g, int i)
{
    struct failure f[TOOL_MAX];
    int n = case_failures(g, i, f);
    struct buf key = {0};
    for (int k = 0; k < n; k++) {
        add_key(&key, f[k].reason, g->m->cases[i].name);
        for (int d = 0; d < f[k].detail_count; d++)
            add_key(&key, f[k].details[d], g->m->cases[i].name);
    }
    return key.data ? key.data : xstrdup("");
}

// The failure text of a group of cases that failed alike: the first case's
// runs, with the tools of every case of the group named.
static void group_feedback(struct buf *out, const struct grade *g, const int *members, int count)
{
    const struct manifest *m = g->m;
    struct failure f[TOOL_MAX];
    int n = case_failures(g, members[0], f);
    for (int c = 1; c < count; c++) {
        struct failure other[TOOL_MAX];
        int on = case_failures(g, members[c], other);
        for (int k = 0; k < n && k < on; k++)
            f[k].tools |= other[k].tools;
    }
    for (int k = 0; k < n; k++) {
        tool_names(out, m, f[k].tools);
        buf_printf(out, ": %s\n", f[k].reason);
        for (int d = 0; d < f[k].detail_count; d++) {
            // A detail of some of the tools only says whose it is.
            const char *text = f[k].details[d];
            unsigned whose = f[k].detail_tools[d];
            if (count == 1 && whose != f[k].tools) {
                struct buf names = {0};
                tool_names(&names, m, whose);
                if (strncmp(text, buf_str(&names), names.len) != 0)
                    buf_printf(out, "  %s:\n", buf_str(&names));
                buf_free(&names);
            }
            indent(out, text, "    ");
        }
    }
    const struct test_case *first = &m->cases[members[0]];
    if (first->ref)
        buf_printf(out, "see labs/%s/%s\n", m->lab, first->ref);
    if (g->workdir)
        rerun_commands(out, g, members[0]);
}

static const char *points_word(double points)
{
    return points == 1 ? "point" : "points";
}

// Names, comma-separated, wrapped under a prefix.
static void name_list(FILE *out, const struct manifest *m, const int *members, int count)
{
    int column = fprintf(out, "    the cases:");
    for (int c = 0; c < count; c++) {
        const char *name = m->cases[members[c]].name;
        int width = (int)strlen(name) + 2;
        if (column + width > 96)
            column = fprintf(out, "\n     ");
        column += fprintf(out, " %s%s", name, c + 1 < count ? "," : "");
    }
    fputc('\n', out);
}

static int failed_and_ran(const struct grade *g, int i)
{
    if (g->cases[i].skipped || g->cases[i].passed || g->problem ||
        manifest_measures_only(&g->m->cases[i]))
        return 0;
    for (int t = 0; t < g->m->tool_count; t++)
        if (ran(g, i, t))
            return 1;
    return 0;
}

// "What failed, and why": a paragraph per distinct failure.  Cases that
// failed alike (the same reasons and details) share one paragraph that
// lists them, so one bug is explained once however many cases it fails.
static void print_failures(FILE *out, const struct grade *g, const struct report_options *opt)
{
    const struct manifest *m = g->m;
    char **keys = xcalloc((size_t)m->case_count, sizeof *keys);
    int *members = xcalloc((size_t)m->case_count, sizeof *members);
    int *done = xcalloc((size_t)m->case_count, sizeof *done);
    for (int i = 0; i < m->case_count; i++)
        keys[i] = failed_and_ran(g, i) ? failure_key(g, i) : NULL;
    int paragraphs = 0, graded = 0;
    for (int i = 0; i < m->case_count; i++)
        graded += included_in_score(g, i);
    for (int i = 0; i < m->case_count; i++) {
        if (!keys[i] || done[i])
            continue;
        int count = 0;
        double points = 0;
        for (int j = i; j < m->case_count; j++)
            if (keys[j] && !done[j] && strcmp(keys[i], keys[j]) == 0) {
                members[count++] = j;
                done[j] = 1;
                points += m->cases[j].points;
            }
        if (paragraphs++ == 0)
            fprintf(out, "\n%sWhat failed, and why%s\n", paint(opt, BOLD), paint(opt, PLAIN));
        if (count == 1)
            fprintf(out, "\n  %s%s%s (%g %s): %s\n", paint(opt, BOLD), m->cases[i].name,
                    paint(opt, PLAIN), points, points_word(points), m->cases[i].description);
        else
            fprintf(out, "\n  %s%d cases fail the same way%s (%g %s):\n", paint(opt, BOLD), count,
                    paint(opt, PLAIN), points, points_word(points));
        if (count > 1 && count == graded)
            fprintf(out, "    the cases: all of them\n");
        else if (count > 1)
            name_list(out, m, members, count);
        struct buf text = {0}, indented = {0};
        group_feedback(&text, g, members, count);
        indent(&indented, buf_str(&text), "    ");
        fputs(buf_str(&indented), out);
        buf_free(&indented);
        buf_free(&text);
    }
    for (int i = 0; i < m->case_count; i++)
        free(keys[i]);
    free(keys);
    free(members);
    free(done);
}

// The coaching summary: points per handout task (lab.conf's `task` lines)
// and the first task not at full marks, which is where to work next.
static void print_tasks(FILE *out, const struct grade *g, const struct report_options *opt)
{
    const struct manifest *m = g->m;
    if (m->task_count == 0 || g->problem)
        return;
    double *earned = xcalloc((size_t)m->task_count + 1, sizeof *earned);
    double *worth = xcalloc((size_t)m->task_count + 1, sizeof *worth);
    for (int i = 0; i < m->case_count; i++) {
        if (!included_in_score(g, i))
            continue;
        int t = manifest_task_of(m, &m->cases[i]);
        t = t < 0 ? m->task_count : t; // the last row: cases of no task
        earned[t] += g->cases[i].earned;
        worth[t] += m->cases[i].points;
    }
    int next = -1, width = 0;
    for (int t = 0; t < m->task_count; t++)
        if ((int)strlen(m->tasks[t].title) > width)
            width = (int)strlen(m->tasks[t].title);
    fprintf(out, "\n%sBy task%s (labs/%s/README.md)\n", paint(opt, BOLD), paint(opt, PLAIN), m->lab);
    for (int t = 0; t <= m->task_count; t++) {
        if (worth[t] == 0)
            continue;
        char points[32];
        snprintf(points, sizeof points, "%g/%g", earned[t], worth[t]);
        if (t == m->task_count)
            fprintf(out, "  %-*s  %8s\n", width + 8 + (int)strlen(m->tasks[0].number), "other cases",
                    points);
        else
            fprintf(out, "  Task %s, %-*s  %8s\n", m->tasks[t].number, width, m->tasks[t].title,
                    points);
        if (next < 0 && t < m->task_count && earned[t] < worth[t])
            next = t;
    }
    if (next >= 0)
        fprintf(out, "%snext: Task %s, %s (%g/%g)%s\n", paint(opt, BOLD), m->tasks[next].number,
                m->tasks[next].title, earned[next], worth[next], paint(opt, PLAIN));
    free(earned);
    free(worth);
}

// The lab's title, without the lab's name when it starts with it ("malloc:
// a free-list ..." is shown after the name already).
static const char *shown_title(const struct manifest *m)
{
    const char *title = m->title ? m->title : "";
    size_t n = strlen(m->lab);
    if (strncmp(title, m->lab, n) == 0 && title[n] == ':')
        for (title += n + 1; *title == ' '; title++)
            ;
    return title;
}

void report_terminal(FILE *out, const struct grade *g, const struct report_options *opt)
{
    const struct manifest *m = g->m;
    fprintf(out, "%s%s%s: %s\nsubmission: %s\n", paint(opt, BOLD), m->lab, paint(opt, PLAIN),
            shown_title(m), g->submission);
    if (g->problem) {
        fprintf(out, "\n%s%s%s", paint(opt, RED), g->problem, paint(opt, PLAIN));
        if (g->problem[strlen(g->problem) - 1] != '\n')
            fputc('\n', out);
    }
    if (g->warnings && *g->warnings)
        fprintf(out, "\n%s%s%s", paint(opt, YELLOW), g->warnings, paint(opt, PLAIN));
    if (!g->problem)
        print_table(out, g, opt);
    struct buf figures = {0};
    for (int f = 0; g->figures && f < m->figure_count; f++)
        if (!isnan(g->figures[f]))
            buf_printf(&figures, "%s%s %g", figures.len ? ", " : "", m->figures[f].label,
                       g->figures[f]);
    if (figures.len)
        fprintf(out, "\n  leaderboard: %s\n", buf_str(&figures));
    buf_free(&figures);
    int skipped = 0;
    for (int i = 0; i < m->case_count; i++)
        skipped += g->cases[i].skipped;
    print_failures(out, g, opt);
    if (skipped)
        fprintf(out, "\n%d hidden case%s not in this kit: your instructor grades them.\n", skipped,
                skipped == 1 ? " is" : "s are");
    if (g->workdir)
        fprintf(out, "\nwork directory kept: %s (build/ has the test binaries, data/ is where "
                     "they run)\n", g->workdir);
    print_tasks(out, g, opt);
    fprintf(out, "\n%sscore: %g/%g%s  (%.1f s)\n", paint(opt, BOLD), g->score, g->max_score,
            paint(opt, PLAIN), g->seconds);
}

// Whether a case is in the machine-readable reports: a case that only
// measures a figure is reported as the figure, not as a test.
static int included(const struct grade *g, int i)
{
    if (g->cases[i].skipped || manifest_measures_only(&g->m->cases[i]))
        return 0;
    if (g->problem)
        return 1;
    for (int t = 0; t < g->m->tool_count; t++)
        if (ran(g, i, t))
            return 1;
    return 0;
}

static int write_text(const char *path, const struct buf *b)
{
    if (strcmp(path, "-") == 0)
        return fputs(buf_str(b), stdout) < 0 ? -1 : 0;
    return file_write(path, buf_str(b), b->len);
}

// Gradescope's leaderboard: one entry per figure the grade measured.
static void json_leaderboard(struct buf *b, const struct grade *g)
{
    int n = 0;
    for (int f = 0; g->figures && f < g->m->figure_count; f++) {
        if (isnan(g->figures[f]))
            continue;
        buf_puts(b, n++ ? ",\n    {\"name\": " : ",\n  \"leaderboard\": [\n    {\"name\": ");
        buf_json_string(b, g->m->figures[f].label);
        buf_printf(b, ", \"value\": %g, \"order\": \"%s\"}", g->figures[f],
                   g->m->figures[f].ascending ? "asc" : "desc");
    }
    if (n)
        buf_puts(b, "\n  ]");
}

// Gradescope's results.json: score, execution_time, output, tests[] with
// name, number, score, max_score, status, output and visibility.
int report_json(const char *path, const struct grade *g, const struct report_options *opt)
{
    const struct manifest *m = g->m;
    struct buf b = {0}, summary = {0};
    if (g->problem)
        buf_printf(&summary, "%s\n", g->problem);
    if (g->warnings)
        buf_printf(&summary, "%s\n", g->warnings);
    buf_printf(&summary, "%s: %g/%g points", m->lab, g->score, g->max_score);
    buf_printf(&b, "{\n  \"score\": %g,\n  \"execution_time\": %.0f,\n  \"output\": ", g->score,
               g->seconds);
    buf_json_string(&b, buf_str(&summary));
    buf_puts(&b, ",\n  \"stdout_visibility\": \"hidden\",\n  \"tests\": [");
    int n = 0;
    for (int i = 0; i < m->case_count; i++) {
        if (!included(g, i))
            continue;
        const struct test_case *c = &m->cases[i];
        struct buf text = {0};
        buf_printf(&text, "%s\n", c->description);
        if (!g->cases[i].passed)
            report_case_feedback(&text, g, i);
        buf_printf(&b, "%s\n    {\"name\": ", n++ ? "," : "");
        buf_json_string(&b, c->name);
        buf_printf(&b, ", \"number\": \"%d\", \"score\": %g, \"max_score\": %g, \"status\": \"%s\", "
                       "\"visibility\": \"%s\", \"output\": ",
                   n, g->cases[i].earned, c->points, g->cases[i].passed ? "passed" : "failed",
                   c->hidden ? opt->hidden_visibility : "visible");
        buf_json_string(&b, buf_str(&text));
        buf_puts(&b, "}");
        buf_free(&text);
    }
    buf_puts(&b, "\n  ]");
    json_leaderboard(&b, g);
    buf_puts(&b, "\n}\n");
    int rc = write_text(path, &b);
    buf_free(&b);
    buf_free(&summary);
    return rc;
}

int report_junit(const char *path, const struct grade *g)
{
    const struct manifest *m = g->m;
    struct buf b = {0}, cases = {0};
    int tests = 0, failures = 0;
    for (int i = 0; i < m->case_count; i++) {
        if (!included(g, i))
            continue;
        const struct test_case *c = &m->cases[i];
        double seconds = 0;
        for (int t = 0; t < m->tool_count; t++)
            seconds += g->cases[i].runs[t].seconds;
        tests++;
        buf_printf(&cases, "    <testcase classname=\"%s.%s\" name=\"", m->lab, c->suite);
        buf_xml_text(&cases, c->name);
        buf_printf(&cases, "\" time=\"%.3f\">", seconds);
        if (!g->cases[i].passed) {
            struct buf text = {0};
            report_case_feedback(&text, g, i);
            failures++;
            buf_puts(&cases, "\n      <failure message=\"");
            buf_xml_text(&cases, c->description);
            buf_printf(&cases, " (0/%g points)\">", c->points);
            buf_xml_text(&cases, buf_str(&text));
            buf_puts(&cases, "</failure>\n    ");
            buf_free(&text);
        }
        buf_puts(&cases, "</testcase>\n");
    }
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    buf_printf(&b, "<testsuites name=\"labkit %s\" tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n",
               m->lab, tests, failures, g->seconds);
    buf_printf(&b, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
                   "time=\"%.3f\">\n",
               m->lab, tests, failures, g->seconds);
    buf_puts(&b, buf_str(&cases));
    if (g->problem) {
        buf_puts(&b, "    <system-out>");
        buf_xml_text(&b, g->problem);
        buf_puts(&b, "</system-out>\n");
    }
    buf_puts(&b, "  </testsuite>\n</testsuites>\n");
    int rc = write_text(path, &b);
    buf_free(&b);
    buf_free(&cases);
    return rc;
}
