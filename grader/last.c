// The last failing build, reachable as the kit's .labgrade/last.
//
// The build itself stays in its temporary folder (outside the kit: a test
// run there finds no kit files above its working directory); the kit holds
// only a link to it, replaced by the next failing grade.
#define _GNU_SOURCE
#include "last.h"
#include "tools.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int last_wanted(const char *kit)
{
    return access(kit, W_OK) == 0;
}

// *text with every `from` replaced by `to`.
static void rewrite(char **text, const char *from, const char *to)
{
    if (!*text || !strstr(*text, from))
        return;
    struct buf out = {0};
    size_t n = strlen(from);
    const char *p = *text;
    for (const char *hit; (hit = strstr(p, from)); p = hit + n) {
        buf_append(&out, p, (size_t)(hit - p));
        buf_puts(&out, to);
    }
    buf_puts(&out, p);
    free(*text);
    *text = xstrdup(buf_str(&out));
    buf_free(&out);
}

// Point KIT/.labgrade/last at dir; remove the grader's folder it pointed at.
static int relink(const char *kit, const char *dir, const char *last)
{
    char *root = xasprintf("%s/.labgrade", kit), *next = xasprintf("%s.next", last);
    char before[PATH_MAX];
    ssize_t n = readlink(last, before, sizeof before - 1);
    before[n > 0 ? n : 0] = '\0';
    unlink(next);
    int rc = dir_make(root) == 0 && symlink(dir, next) == 0 && rename(next, last) == 0 ? 0 : -1;
    // Only a work directory of the grader's own, never what a link was changed to.
    const char *base = strrchr(before, '/');
    if (rc == 0 && base && strncmp(base, "/labgrade.", 10) == 0 && strcmp(before, dir) != 0)
        dir_remove(before);
    free(root);
    free(next);
    return rc;
}

char *last_keep(struct grade *g, const char *kit)
{
    char *last = NULL;
    if (!g->workdir)
        return NULL;
    if (!g->problem && g->score >= g->max_score) {
        dir_remove(g->workdir);
    } else {
        last = xasprintf("%s/.labgrade/last", kit);
        if (relink(kit, g->workdir, last) != 0) {
            free(last); // the build stays in its temporary folder
            last = xstrdup(g->workdir);
        }
        for (int i = 0; i < g->m->case_count; i++) {
            for (int t = 0; t < TOOL_MAX; t++) {
                rewrite(&g->cases[i].runs[t].reason, g->workdir, last);
                rewrite(&g->cases[i].runs[t].detail, g->workdir, last);
            }
        }
        rewrite(&g->problem, g->workdir, last);
        rewrite(&g->warnings, g->workdir, last);
    }
    free(g->workdir);
    g->workdir = NULL;
    return last;
}

void last_note(FILE *out, const struct grade *g, const char *last)
{
    const struct manifest *m = g->m;
    for (int i = 0; i < m->case_count; i++) {
        for (int t = 0; t < m->tool_count; t++) {
            int verdict = g->cases[i].runs[t].verdict;
            if (verdict == VERDICT_NOT_RUN || verdict == VERDICT_PASS ||
                verdict == VERDICT_SKIPPED || !(m->cases[i].tools & (1u << t)))
                continue;
            const struct tool *tool = &m->tools[t];
            char *binary = xasprintf("../build/%s/%s", tool->variant, m->cases[i].suite);
            char *log_dir = xasprintf("../runs/%s.%s", m->cases[i].name, tool->name);
            char *line = tool_rerun_line(tool->kind, tool->name, tool->scale, log_dir, binary, m->cases[i].name);
            fprintf(out, "\nthe build is kept in %s; to rerun %s by hand, from anywhere:\n"
                         "  (cd %s/data && %s)\n", last, m->cases[i].name, last, line);
            free(line);
            free(log_dir);
            free(binary);
            return;
        }
    }
}
