// Which test cases a run grades: --case names and globs, --task N.
#include "select.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Calls fn(pattern, len, data) for each comma-separated pattern of spec;
// stops and returns 1 as soon as fn does.
static int each_pattern(const char *spec, int (*fn)(const char *, void *), void *data)
{
    char *copy = xstrdup(spec), *save = NULL;
    int found = 0;
    for (char *p = strtok_r(copy, ", ", &save); p && !found; p = strtok_r(NULL, ", ", &save))
        found = fn(p, data);
    free(copy);
    return found;
}

static int matches(const char *pattern, void *name)
{
    return fnmatch(pattern, name, 0) == 0;
}

int select_case(const char *spec, const char *name)
{
    return !spec || each_pattern(spec, matches, (void *)name);
}

char *select_join(char *spec, const char *pattern)
{
    char *joined = spec ? xasprintf("%s,%s", spec, pattern) : xstrdup(pattern);
    free(spec);
    return joined;
}

// Edit distance between a and b (at most 63 characters of each are compared).
static int distance(const char *a, const char *b)
{
    enum { N = 64 };
    int row[N], la = (int)strnlen(a, N - 1), lb = (int)strnlen(b, N - 1);
    for (int j = 0; j <= lb; j++)
        row[j] = j;
    for (int i = 1; i <= la; i++) {
        int diagonal = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diagonal + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = up;
        }
    }
    return row[lb];
}

struct check {
    const struct manifest *m;
    struct buf *why;
    int bad;
};

// The three case names closest to pattern (a name containing it counts as close).
static void closest(const struct manifest *m, const char *pattern, struct buf *out)
{
    int best[3] = {-1, -1, -1}, score[3] = {0};
    for (int i = 0; i < m->case_count; i++) {
        int d = strstr(m->cases[i].name, pattern) ? 0 : distance(pattern, m->cases[i].name);
        for (int k = 0; k < 3; k++) {
            if (best[k] < 0 || d < score[k]) {
                for (int s = 2; s > k; s--)
                    best[s] = best[s - 1], score[s] = score[s - 1];
                best[k] = i, score[k] = d;
                break;
            }
        }
    }
    for (int k = 0; k < 3 && best[k] >= 0; k++)
        buf_printf(out, "%s%s", k ? ", " : "", m->cases[best[k]].name);
}

static int check_one(const char *pattern, void *data)
{
    struct check *c = data;
    for (int i = 0; i < c->m->case_count; i++)
        if (fnmatch(pattern, c->m->cases[i].name, 0) == 0)
            return 0;
    buf_printf(c->why, "%sno case of %s is named '%s'; the closest: ", c->bad++ ? "\n" : "",
               c->m->lab, pattern);
    closest(c->m, pattern, c->why);
    return 0;
}

int select_check(const struct manifest *m, const char *spec, struct buf *why)
{
    struct check c = {m, why, 0};
    if (!spec)
        return 0;
    each_pattern(spec, check_one, &c);
    if (c.bad)
        buf_printf(why, "\n(the cases are the `case` lines of labs/%s/lab.conf)", m->lab);
    return c.bad ? -1 : 0;
}

char *select_task(const struct manifest *m, const char *task, char **title, struct buf *why)
{
    char *spec = NULL;
    struct buf known = {0};
    *title = NULL;
    for (int t = 0; t < m->task_count; t++) {
        const struct task *k = &m->tasks[t];
        buf_printf(&known, "%s%s (%s)", known.len ? ", " : "", k->number, k->title);
        if (strcmp(k->number, task) != 0 || spec)
            continue;
        *title = xstrdup(k->title);
        for (int i = 0; i < k->pattern_count; i++)
            spec = select_join(spec, k->patterns[i]);
    }
    if (!spec)
        buf_printf(why, "%s has no task %s%s%s", m->lab, task,
                   known.len ? "; its tasks: " : " (no `task` lines in its lab.conf)", buf_str(&known));
    buf_free(&known);
    return spec;
}
