// The last failing build, kept in the kit's .labgrade/last/.
#define _GNU_SOURCE
#include "last.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *last_workdir(const char *kit)
{
    char *root = xasprintf("%s/.labgrade", kit), *dir = NULL;
    if (access(kit, W_OK) == 0 && dir_make(root) == 0) {
        char *template = xasprintf("%s/run.XXXXXX", root);
        if (mkdtemp(template))
            dir = template;
        else
            free(template);
    }
    free(root);
    return dir;
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

void last_keep(struct grade *g)
{
    if (!g->workdir)
        return;
    if (!g->problem && g->score >= g->max_score) {
        dir_remove(g->workdir);
        free(g->workdir);
        g->workdir = NULL;
        return;
    }
    char *root = xstrdup(g->workdir);
    *strrchr(root, '/') = '\0';
    char *last = xasprintf("%s/last", root), *old = xasprintf("%s/old.XXXXXX", root);
    // Renames, so that two graders finishing at once each leave a whole build.
    if (mkdtemp(old) && (rename(last, old) == 0 || !dir_exists(last)) &&
        rename(g->workdir, last) == 0) {
        for (int i = 0; i < g->m->case_count; i++) {
            for (int t = 0; t < TOOL_MAX; t++) {
                rewrite(&g->cases[i].runs[t].reason, g->workdir, last);
                rewrite(&g->cases[i].runs[t].detail, g->workdir, last);
            }
        }
        rewrite(&g->problem, g->workdir, last);
        rewrite(&g->warnings, g->workdir, last);
        free(g->workdir);
        g->workdir = last;
        last = NULL;
    }
    dir_remove(old);
    free(old);
    free(last);
    free(root);
}
