// Drawing a failing forced schedule as swimlanes: one column per thread, one
// row per step, the preemptions the search forced marked in red.
//
// The explore scheduler writes the schedule of a failing run as text
// (labs/common/lk_trace.c, to the folder LK_TRACE_DIR names); the same steps
// the report's table shows become plain SVG rectangles and text here.  The
// file comes from a test process, which runs the student's code: every text
// is escaped, every number bounded, and a file that does not parse is
// skipped, never an error.
#define _GNU_SOURCE
#include "swimlane.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_STEPS = 1000, MAX_THREADS = 64, MAX_REASON = 12,
    LANE = 300, LEFT = 56, ROW = 26, BOX = 20, TOP_GAP = 14, MARK_GAP = 20,
};

struct step {
    long number;
    int thread;
    char *text, *site;
    int preempted_by;   // -1, or the thread the search ran after this step instead
};

struct schedule {
    char *name;
    char *reason[MAX_REASON];
    int reason_count;
    struct step steps[MAX_STEPS];
    int count, threads;
};

// The tab-separated fields of one line (the line is modified).
static int fields(char *line, char **out, int max)
{
    int n = 0;
    for (char *p = line; p && n < max; n++) {
        out[n] = p;
        p = strchr(p, '\t');
        if (p)
            *p++ = '\0';
    }
    return n;
}

static void add_step(struct schedule *s, char **f, int n)
{
    int thread = atoi(f[2]);
    if (n < 4 || s->count == MAX_STEPS || thread < 0 || thread >= MAX_THREADS)
        return;
    struct step *st = &s->steps[s->count++];
    st->number = atol(f[1]);
    st->thread = thread;
    st->text = xstrdup(f[3]);
    st->site = n >= 6 && *f[4] ? xasprintf("%s:%d", f[4], atoi(f[5])) : NULL;
    st->preempted_by = -1;
    if (thread + 1 > s->threads)
        s->threads = thread + 1;
}

static void mark_preemption(struct schedule *s, char **f, int n)
{
    int to = n >= 4 ? atoi(f[3]) : -1;
    for (int i = 0; n >= 4 && i < s->count; i++)
        if (s->steps[i].number == atol(f[1]) && to >= 0 && to < MAX_THREADS)
            s->steps[i].preempted_by = to;
}

static int parse(const char *text, struct schedule *s)
{
    memset(s, 0, sizeof *s);
    if (strncmp(text, "labkit-schedule 1\n", 18) != 0)
        return -1;
    char *copy = xstrdup(text + 18);
    for (char *line = copy, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *f[8];
        int n = fields(line, f, 8);
        if (n >= 2 && strcmp(f[0], "name") == 0 && !s->name)
            s->name = xstrdup(f[1]);
        else if (n >= 2 && strcmp(f[0], "reason") == 0 && s->reason_count < MAX_REASON)
            s->reason[s->reason_count++] = xstrdup(f[1]);
        else if (n >= 3 && strcmp(f[0], "step") == 0)
            add_step(s, f, n);
        else if (strcmp(f[0], "preempt") == 0)
            mark_preemption(s, f, n);
    }
    free(copy);
    return s->count > 0 ? 0 : -1;
}

static void schedule_free(struct schedule *s)
{
    free(s->name);
    for (int i = 0; i < s->reason_count; i++)
        free(s->reason[i]);
    for (int i = 0; i < s->count; i++) {
        free(s->steps[i].text);
        free(s->steps[i].site);
    }
}

static void text_at(struct buf *b, int x, int y, const char *style, const char *text)
{
    buf_printf(b, "<text x=\"%d\" y=\"%d\" %s>", x, y, style);
    buf_xml_text(b, text);
    buf_puts(b, "</text>\n");
}

static int lane_x(int thread)
{
    return LEFT + thread * LANE;
}

// The title, the reason, and a heading over each lane.
static int draw_head(struct buf *b, const struct schedule *s, int width)
{
    int y = 28;
    char *title = xasprintf("%s: the failing schedule, one column per thread",
                            s->name ? s->name : "schedule");
    text_at(b, 16, y, "class=\"title\"", title);
    free(title);
    for (int i = 0; i < s->reason_count; i++)
        text_at(b, 16, y += 20, "class=\"reason\"", s->reason[i]);
    y += 34;
    for (int t = 0; t < s->threads; t++) {
        char name[32];
        snprintf(name, sizeof name, t == 0 ? "T%d (main)" : "T%d", t);
        text_at(b, lane_x(t) + LANE / 2, y, "class=\"lane\"", name);
    }
    buf_printf(b, "<line x1=\"16\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"rule\"/>\n", y + 8,
               width - 16, y + 8);
    return y + TOP_GAP;
}

static void draw_step(struct buf *b, const struct step *st, int y)
{
    static const char *const fills[] = {"#e8eef7", "#e6f4ea", "#fdf0d5", "#f3e8fd", "#e0f4f4",
                                        "#fde8e8"};
    int x = lane_x(st->thread) + 6;
    char number[24];
    snprintf(number, sizeof number, "%ld", st->number);
    text_at(b, LEFT - 10, y + 15, "class=\"number\"", number);
    buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\" "
                  "class=\"box\"><title>",
               x, y, LANE - 12, BOX, fills[st->thread % 6]);
    buf_xml_text(b, st->site ? st->site : "no call site");
    buf_puts(b, "</title></rect>\n");
    text_at(b, x + 6, y + 14, "class=\"op\"", st->text);
    if (st->site)
        text_at(b, x + LANE - 18, y + 14, "class=\"site\"", st->site);
}

// A red line from the preempted thread's lane to the lane that ran instead.
static void draw_preemption(struct buf *b, const struct step *st, int y)
{
    int from = lane_x(st->thread) + LANE / 2, to = lane_x(st->preempted_by) + LANE / 2;
    buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"preempt\"/>\n", from, y,
               to, y);
    char label[96];
    snprintf(label, sizeof label, "T%d preempted here: T%d runs", st->thread, st->preempted_by);
    text_at(b, (from < to ? from : to) + 8, y - 4, "class=\"preempt-label\"", label);
}

char *swimlane_svg(const char *schedule_text)
{
    struct schedule *s = xcalloc(1, sizeof *s);
    if (!schedule_text || parse(schedule_text, s) != 0) {
        schedule_free(s);
        free(s);
        return NULL;
    }
    int marks = 0;
    for (int i = 0; i < s->count; i++)
        marks += s->steps[i].preempted_by >= 0;
    int width = LEFT + s->threads * LANE + 16;
    int height = 110 + 20 * s->reason_count + s->count * ROW + marks * MARK_GAP + 40;
    if (width < 640)
        width = 640;
    struct buf b = {0};
    buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\">\n", width, height, width, height);
    buf_puts(&b, "<style>text { font-family: monospace; font-size: 12px; }\n"
                 ".title { font-size: 15px; font-weight: bold; } .reason { fill: #a00000; }\n"
                 ".lane { font-weight: bold; text-anchor: middle; } .number { text-anchor: end; "
                 "fill: #666; }\n.site { text-anchor: end; fill: #777; font-size: 10px; }\n"
                 ".box { stroke: #889; } .rule, .lanes { stroke: #ccc; }\n"
                 ".lanes { stroke-dasharray: 4 4; } .handover { stroke: #999; }\n"
                 ".preempt { stroke: #d00000; stroke-width: 2; } .preempt-label { fill: #d00000; "
                 "font-weight: bold; }</style>\n");
    buf_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height);
    int y = draw_head(&b, s, width);
    for (int t = 1; t < s->threads; t++)
        buf_printf(&b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"lanes\"/>\n",
                   lane_x(t), y, lane_x(t), height - 30);
    for (int i = 0; i < s->count; i++) {
        const struct step *st = &s->steps[i];
        // The turn passing from one thread to another, without a preemption.
        if (i > 0 && s->steps[i - 1].thread != st->thread && s->steps[i - 1].preempted_by < 0)
            buf_printf(&b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"handover\"/>\n",
                       lane_x(s->steps[i - 1].thread) + LANE / 2, y - ROW + BOX,
                       lane_x(st->thread) + LANE / 2, y);
        draw_step(&b, st, y);
        y += ROW;
        if (st->preempted_by >= 0) {
            draw_preemption(&b, st, y + 12);
            y += MARK_GAP;
        }
    }
    char *end = xasprintf("the run ends here: %s", s->reason_count ? s->reason[0] : "it failed");
    text_at(&b, 16, y + 20, "class=\"reason\"", end);
    free(end);
    buf_puts(&b, "</svg>\n");
    schedule_free(s);
    free(s);
    return b.data;
}

// Draw the schedules one run left in its folder; add each drawing's path to
// the run's detail.
static void draw_run(struct run_outcome *o, const char *run_dir)
{
    char *pattern = xasprintf("%s/*.schedule", run_dir);
    glob_t found;
    if (glob(pattern, 0, NULL, &found) == 0) {
        for (size_t k = 0; k < found.gl_pathc && k < 8; k++) {
            const char *path = found.gl_pathv[k];
            char *text = file_read(path, 1 << 20, NULL, NULL);
            char *svg = swimlane_svg(text);
            char *out = xasprintf("%.*s.svg", (int)(strlen(path) - strlen(".schedule")), path);
            if (svg && file_write(out, svg, strlen(svg)) == 0) {
                int len = o->detail ? (int)strlen(o->detail) : 0;
                while (len > 0 && o->detail[len - 1] == '\n')
                    len--;
                char *detail = xasprintf("%.*s%sthe schedule drawn as swimlanes (open it in a "
                                         "browser): %s", len, o->detail ? o->detail : "",
                                         len ? "\n" : "", out);
                free(o->detail);
                o->detail = detail;
            }
            free(out);
            free(svg);
            free(text);
        }
        globfree(&found);
    }
    free(pattern);
}

void swimlane_draw_all(struct grade *g, const struct workdir *w)
{
    const struct manifest *m = g->m;
    for (int i = 0; i < m->case_count; i++)
        for (int t = 0; t < m->tool_count; t++) {
            struct run_outcome *o = &g->cases[i].runs[t];
            if (o->verdict == VERDICT_NOT_RUN || o->verdict == VERDICT_PASS)
                continue;
            char *stem = xasprintf("%s.%s", m->cases[i].name, m->tools[t].name);
            char *dir = path_join(w->runs, stem);
            draw_run(o, dir);
            free(dir);
            free(stem);
        }
}
