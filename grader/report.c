// Reporting a grade.
#define _GNU_SOURCE
#include "report.h"

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
        char *line = tool_rerun_line(tool->kind, tool->name, log_dir, binary, c->name);
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

void report_terminal(FILE *out, const struct grade *g, const struct report_options *opt)
{
    const struct manifest *m = g->m;
    fprintf(out, "%s%s%s: %s\nsubmission: %s\n", paint(opt, BOLD), m->lab, paint(opt, PLAIN),
            m->title ? m->title : "", g->submission);
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
    int failures = 0, skipped = 0;
    for (int i = 0; i < m->case_count; i++) {
        skipped += g->cases[i].skipped;
        if (g->cases[i].skipped || g->cases[i].passed || g->problem ||
            manifest_measures_only(&m->cases[i]))
            continue;
        int any = 0;
        for (int t = 0; t < m->tool_count; t++)
            any |= ran(g, i, t);
        if (!any)
            continue;
        if (failures++ == 0)
            fprintf(out, "\n%sWhat failed, and why%s\n", paint(opt, BOLD), paint(opt, PLAIN));
        struct buf text = {0};
        report_case_feedback(&text, g, i);
        fprintf(out, "\n  %s%s%s (%g points): %s\n", paint(opt, BOLD), m->cases[i].name,
                paint(opt, PLAIN), m->cases[i].points, m->cases[i].description);
        struct buf indented = {0};
        indent(&indented, buf_str(&text), "    ");
        fputs(buf_str(&indented), out);
        buf_free(&indented);
        buf_free(&text);
    }
    if (skipped)
        fprintf(out, "\n%d hidden case%s not in this kit: your instructor grades them.\n", skipped,
                skipped == 1 ? " is" : "s are");
    if (g->workdir)
        fprintf(out, "\nwork directory kept: %s (build/ has the test binaries, data/ is where "
                     "they run)\n", g->workdir);
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
