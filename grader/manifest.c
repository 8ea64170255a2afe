// The lab manifest parser: one directive per line, words split by spaces,
// double quotes for words with spaces, key=value options.
#define _GNU_SOURCE
#include "manifest.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_WORDS = 256 };

struct line {
    char *words[MAX_WORDS];
    int count;
};

// Split one line into words.  Returns -1 on an unterminated quote or too many
// words.  The words point into `text`, which is modified.
static int split_words(char *text, struct line *out, struct buf *why)
{
    out->count = 0;
    char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == '\0' || *p == '#')
            return 0;
        if (out->count == MAX_WORDS) {
            buf_printf(why, "more than %d words on one line", MAX_WORDS);
            return -1;
        }
        char *word = p, *to = p;
        int quoted = 0;
        while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\r'))) {
            if (*p == '"') {
                quoted = !quoted;
                p++;
            } else if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                *to++ = p[1];
                p += 2;
            } else {
                *to++ = *p++;
            }
        }
        if (quoted) {
            buf_puts(why, "a quote is not closed");
            return -1;
        }
        int end = *p == '\0';
        *to = '\0';
        out->words[out->count++] = word;
        if (end)
            return 0;
        p++;
    }
}

static void list_add(char ***list, int *count, const char *value)
{
    *list = xrealloc(*list, sizeof **list * (size_t)(*count + 1));
    (*list)[(*count)++] = xstrdup(value);
}

static char *join_words(const struct line *l, int from)
{
    struct buf b = {0};
    for (int i = from; i < l->count; i++)
        buf_printf(&b, "%s%s", i > from ? " " : "", l->words[i]);
    return b.data ? b.data : xstrdup("");
}

int manifest_tool_index(const struct manifest *m, const char *name)
{
    for (int i = 0; i < m->tool_count; i++)
        if (strcmp(m->tools[i].name, name) == 0)
            return i;
    return -1;
}

const struct suite *manifest_suite(const struct manifest *m, const char *name)
{
    for (int i = 0; i < m->suite_count; i++)
        if (strcmp(m->suites[i].name, name) == 0)
            return &m->suites[i];
    return NULL;
}

static void add_tool(struct manifest *m, const char *name, const struct tool_kind *kind)
{
    struct tool *t = &m->tools[m->tool_count++];
    t->name = xstrdup(name);
    t->variant = xstrdup(kind->variant ? kind->variant : name);
    t->cflags = xstrdup(kind->cflags ? kind->cflags : "");
    t->scale = kind->scale;
    t->kind = kind;
}

int manifest_parse_tools(const struct manifest *m, char *const *words, int count, unsigned *mask,
                         struct buf *why)
{
    *mask = 0;
    for (int i = 0; i < count; i++) {
        char *copy = xstrdup(words[i]), *save = NULL;
        for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
            int index = manifest_tool_index(m, name);
            if (index < 0) {
                buf_printf(why, "unknown tool '%s' (known: %s, or one defined with 'tool')", name,
                           tool_kind_names());
                free(copy);
                return -1;
            }
            *mask |= 1u << index;
        }
        free(copy);
    }
    if (*mask == 0) {
        buf_puts(why, "no tool named");
        return -1;
    }
    return 0;
}

int manifest_select_tools(const struct manifest *m, const char *list, unsigned *mask,
                          struct buf *why)
{
    char *words[] = {(char *)list};
    *mask = 0;
    return list && *list ? manifest_parse_tools(m, words, 1, mask, why) : 0;
}

static int parse_number(const char *text, double *value, struct buf *why)
{
    char *end = NULL;
    errno = 0;
    *value = strtod(text, &end);
    if (errno || end == text || *end != '\0' || *value < 0) {
        buf_printf(why, "'%s' is not a non-negative number", text);
        return -1;
    }
    return 0;
}

// Expand a `provide` word, which may be a glob, relative to the lab folder.
static int add_provided(struct manifest *m, const char *pattern, struct buf *why)
{
    if (pattern[0] == '/') {
        buf_printf(why, "'%s': provided paths are relative to the lab folder", pattern);
        return -1;
    }
    char *full = path_join(m->dir, pattern);
    glob_t g;
    int rc = glob(full, 0, NULL, &g);
    free(full);
    if (rc != 0) {
        buf_printf(why, "'%s' matches no file in %s", pattern, m->dir);
        return -1;
    }
    size_t skip = strlen(m->dir) + 1;
    for (size_t i = 0; i < g.gl_pathc; i++)
        list_add(&m->provide, &m->provide_count, g.gl_pathv[i] + skip);
    globfree(&g);
    return 0;
}

// figure=NAME:VALUE: passing the case shows the figure is at least VALUE.
static int parse_case_figure(const struct manifest *m, const char *word, struct test_case *c,
                             struct buf *why)
{
    const char *colon = strchr(word, ':');
    c->figure = -1;
    for (int i = 0; colon && i < m->figure_count; i++)
        if (strlen(m->figures[i].name) == (size_t)(colon - word) &&
            strncmp(m->figures[i].name, word, (size_t)(colon - word)) == 0)
            c->figure = i;
    if (c->figure < 0) {
        buf_printf(why, "figure=%s: expected NAME:VALUE, NAME declared by a 'figure' line above",
                   word);
        return -1;
    }
    return parse_number(colon + 1, &c->figure_value, why);
}

// figure NAME [order=asc|desc] "LABEL"
static int parse_figure(struct manifest *m, const struct line *l, struct buf *why)
{
    int ascending = 0;
    if (l->count == 4 && strcmp(l->words[2], "order=asc") == 0)
        ascending = 1;
    else if (l->count != 3 && !(l->count == 4 && strcmp(l->words[2], "order=desc") == 0)) {
        buf_puts(why, "expected: figure NAME [order=asc|desc] \"LABEL\"");
        return -1;
    }
    for (int i = 0; i < m->figure_count; i++) {
        if (strcmp(m->figures[i].name, l->words[1]) == 0) {
            buf_printf(why, "figure '%s' is declared twice", l->words[1]);
            return -1;
        }
    }
    m->figures = xrealloc(m->figures, sizeof *m->figures * (size_t)(m->figure_count + 1));
    m->figures[m->figure_count++] = (struct figure){
        xstrdup(l->words[1]), xstrdup(l->words[l->count - 1]), ascending};
    return 0;
}

// case SUITE NAME POINTS [tools=a,b] [timeout=S] [ref=ANCHOR] [figure=NAME:VALUE] "DESCRIPTION"
static int parse_case(struct manifest *m, const struct line *l, struct buf *why)
{
    if (l->count < 5) {
        buf_puts(why, "expected: case SUITE NAME POINTS [options] \"DESCRIPTION\"");
        return -1;
    }
    const struct suite *suite = manifest_suite(m, l->words[1]);
    if (!suite) {
        buf_printf(why, "suite '%s' is not declared above this line", l->words[1]);
        return -1;
    }
    for (int i = 0; i < m->case_count; i++) {
        if (strcmp(m->cases[i].name, l->words[2]) == 0) {
            buf_printf(why, "case '%s' is declared twice", l->words[2]);
            return -1;
        }
    }
    struct test_case c = {.figure = -1};
    if (parse_number(l->words[3], &c.points, why) != 0)
        return -1;
    c.tools = m->default_tools;
    for (int i = 4; i < l->count - 1; i++) {
        const char *w = l->words[i];
        if (strncmp(w, "tools=", 6) == 0) {
            char *value = (char *)w + 6;
            if (manifest_parse_tools(m, &value, 1, &c.tools, why) != 0)
                return -1;
        } else if (strncmp(w, "timeout=", 8) == 0) {
            if (parse_number(w + 8, &c.timeout, why) != 0)
                return -1;
        } else if (strncmp(w, "ref=", 4) == 0) {
            free(c.ref);
            c.ref = xstrdup(w + 4);
        } else if (strncmp(w, "figure=", 7) == 0) {
            if (parse_case_figure(m, w + 7, &c, why) != 0) {
                free(c.ref);
                return -1;
            }
        } else {
            buf_printf(why, "unknown case option '%s' (known: tools=, timeout=, ref=, figure=)",
                       w);
            free(c.ref);
            return -1;
        }
    }
    if (c.points == 0 && c.figure < 0) {
        buf_puts(why, "a case worth 0 points must measure a figure (figure=NAME:VALUE)");
        free(c.ref);
        return -1;
    }
    if (c.tools == 0) {
        buf_puts(why, "no tools: add a 'tools' line above or tools= on the case");
        free(c.ref);
        return -1;
    }
    c.suite = xstrdup(suite->name);
    c.name = xstrdup(l->words[2]);
    c.description = xstrdup(l->words[l->count - 1]);
    c.hidden = suite->hidden;
    m->cases = xrealloc(m->cases, sizeof *m->cases * (size_t)(m->case_count + 1));
    m->cases[m->case_count++] = c;
    return 0;
}

// tool NAME cflags=FLAGS scale=N
static int parse_tool(struct manifest *m, const struct line *l, struct buf *why)
{
    if (l->count < 2) {
        buf_puts(why, "expected: tool NAME cflags=FLAGS [scale=N]");
        return -1;
    }
    if (manifest_tool_index(m, l->words[1]) >= 0 || m->tool_count == TOOL_MAX) {
        buf_printf(why, "tool '%s' is already defined (or too many tools)", l->words[1]);
        return -1;
    }
    add_tool(m, l->words[1], &tool_lab_defined);
    struct tool *t = &m->tools[m->tool_count - 1];
    for (int i = 2; i < l->count; i++) {
        if (strncmp(l->words[i], "cflags=", 7) == 0) {
            free(t->cflags);
            t->cflags = xstrdup(l->words[i] + 7);
        } else if (strncmp(l->words[i], "scale=", 6) == 0) {
            if (parse_number(l->words[i] + 6, &t->scale, why) != 0)
                return -1;
        } else {
            buf_printf(why, "unknown tool option '%s' (known: cflags=, scale=)", l->words[i]);
            return -1;
        }
    }
    return 0;
}

static int parse_suite(struct manifest *m, const struct line *l, struct buf *why)
{
    if (l->count < 3 || l->count > 4 || (l->count == 4 && strcmp(l->words[3], "hidden") != 0)) {
        buf_puts(why, "expected: suite NAME PATH [hidden]");
        return -1;
    }
    if (manifest_suite(m, l->words[1])) {
        buf_printf(why, "suite '%s' is declared twice", l->words[1]);
        return -1;
    }
    struct suite s = {xstrdup(l->words[1]), xstrdup(l->words[2]), l->count == 4, 0};
    char *full = path_join(m->dir, s.path);
    s.present = file_exists(full);
    free(full);
    if (!s.present && !s.hidden) {
        buf_printf(why, "suite file '%s' does not exist", s.path);
        free(s.name);
        free(s.path);
        return -1;
    }
    m->suites = xrealloc(m->suites, sizeof *m->suites * (size_t)(m->suite_count + 1));
    m->suites[m->suite_count++] = s;
    return 0;
}

// submit FILE...: plain names in the submission folder.
static int parse_submit(struct manifest *m, const struct line *l, struct buf *why)
{
    for (int i = 1; i < l->count; i++) {
        if (strchr(l->words[i], '/') || l->words[i][0] == '.') {
            buf_printf(why, "submitted file '%s' must be a plain file name", l->words[i]);
            return -1;
        }
        list_add(&m->submit, &m->submit_count, l->words[i]);
    }
    return 0;
}

static int parse_allow(struct manifest *m, const struct line *l, struct buf *why)
{
    (void)why;
    for (int i = 1; i < l->count; i++)
        list_add(&m->allow, &m->allow_count, l->words[i]);
    return 0;
}

// syscalls NAME...: system calls a test's process may make beyond the harness's.
static int parse_syscalls(struct manifest *m, const struct line *l, struct buf *why)
{
    (void)why;
    for (int i = 1; i < l->count; i++)
        list_add(&m->syscalls, &m->syscall_count, l->words[i]);
    return 0;
}

// deny SYMBOL...: the lab's own functions a submission may not call (its
// driver's and tests' hooks), although the lab's files define them.
static int parse_deny(struct manifest *m, const struct line *l, struct buf *why)
{
    (void)why;
    for (int i = 1; i < l->count; i++)
        list_add(&m->deny, &m->deny_count, l->words[i]);
    return 0;
}

static int parse_provide(struct manifest *m, const struct line *l, struct buf *why)
{
    for (int i = 1; i < l->count; i++)
        if (add_provided(m, l->words[i], why) != 0)
            return -1;
    return 0;
}

static int parse_default_tools(struct manifest *m, const struct line *l, struct buf *why)
{
    return manifest_parse_tools(m, l->words + 1, l->count - 1, &m->default_tools, why);
}

static int parse_timeout(struct manifest *m, const struct line *l, struct buf *why)
{
    return parse_number(l->words[1], &m->timeout, why);
}

static int parse_memory(struct manifest *m, const struct line *l, struct buf *why)
{
    double number = 0;
    if (parse_number(l->words[1], &number, why) != 0)
        return -1;
    m->memory_mb = (long)number;
    return 0;
}

// files N: the descriptors a test's process may hold open at once.
static int parse_files(struct manifest *m, const struct line *l, struct buf *why)
{
    double number = 0;
    if (parse_number(l->words[1], &number, why) != 0)
        return -1;
    if (number < 16 || number > MANIFEST_FILES_MAX || number != (long)number) {
        buf_printf(why, "'files %s': a whole number from 16 to %d", l->words[1],
                   MANIFEST_FILES_MAX);
        return -1;
    }
    m->files = (long)number;
    return 0;
}

// scale TOOL N
static int parse_scale(struct manifest *m, const struct line *l, struct buf *why)
{
    int index = l->count == 3 ? manifest_tool_index(m, l->words[1]) : -1;
    if (index < 0) {
        buf_puts(why, "expected: scale TOOL N, with a known tool");
        return -1;
    }
    return parse_number(l->words[2], &m->tools[index].scale, why);
}

// task N "TITLE" PATTERN...: the handout's tasks; select.c reads them.
static int parse_task(struct manifest *m, const struct line *l, struct buf *why)
{
    if (l->count < 4) {
        buf_puts(why, "expected: task N \"TITLE\" CASE... (names or globs)");
        return -1;
    }
    m->tasks = xrealloc(m->tasks, sizeof *m->tasks * (size_t)(m->task_count + 1));
    struct task *t = &m->tasks[m->task_count++];
    memset(t, 0, sizeof *t);
    t->number = xstrdup(l->words[1]);
    t->title = xstrdup(l->words[2]);
    for (int i = 3; i < l->count; i++)
        list_add(&t->patterns, &t->pattern_count, l->words[i]);
    return 0;
}

int manifest_task_of(const struct manifest *m, const struct test_case *c)
{
    for (int t = 0; t < m->task_count; t++)
        for (int i = 0; i < m->tasks[t].pattern_count; i++)
            if (fnmatch(m->tasks[t].patterns[i], c->name, 0) == 0)
                return t;
    return -1;
}

// The directives of lab.conf (docs/lab-format.md).  A directive without a
// parser sets a text field to the rest of its line (or appends to it).
static const struct directive {
    const char *key;
    int needs_value;
    int (*parse)(struct manifest *m, const struct line *l, struct buf *why);
    size_t text_field;   // offsetof a char * in struct manifest
    int append;
} directives[] = {
    {"lab", 1, NULL, offsetof(struct manifest, lab), 0},
    {"title", 1, NULL, offsetof(struct manifest, title), 0},
    {"cflags", 1, NULL, offsetof(struct manifest, cflags), 1},
    {"ldflags", 1, NULL, offsetof(struct manifest, ldflags), 1},
    {"submit", 0, parse_submit, 0, 0},
    {"provide", 0, parse_provide, 0, 0},
    {"allow", 0, parse_allow, 0, 0},
    {"deny", 0, parse_deny, 0, 0},
    {"syscalls", 0, parse_syscalls, 0, 0},
    {"tools", 1, parse_default_tools, 0, 0},
    {"tool", 0, parse_tool, 0, 0},
    {"timeout", 1, parse_timeout, 0, 0},
    {"memory", 1, parse_memory, 0, 0},
    {"files", 1, parse_files, 0, 0},
    {"scale", 1, parse_scale, 0, 0},
    {"suite", 0, parse_suite, 0, 0},
    {"figure", 0, parse_figure, 0, 0},
    {"case", 0, parse_case, 0, 0},
    {"task", 0, parse_task, 0, 0},
};

static void set_text(struct manifest *m, const struct directive *d, const struct line *l)
{
    char **field = (char **)((char *)m + d->text_field);
    char *more = join_words(l, 1);
    char *value = d->append && *field ? xasprintf("%s%s%s", *field, **field ? " " : "", more)
                                      : xstrdup(more);
    free(more);
    free(*field);
    *field = value;
}

static int parse_line(struct manifest *m, const struct line *l, struct buf *why)
{
    const char *key = l->words[0];
    for (size_t i = 0; i < sizeof directives / sizeof *directives; i++) {
        if (strcmp(key, directives[i].key) != 0)
            continue;
        if (directives[i].needs_value && l->count < 2) {
            buf_printf(why, "'%s' needs a value", key);
            return -1;
        }
        if (!directives[i].parse) {
            set_text(m, &directives[i], l);
            return 0;
        }
        return directives[i].parse(m, l, why);
    }
    buf_printf(why, "unknown directive '%s' (see docs/lab-format.md)", key);
    return -1;
}

static void set_defaults(struct manifest *m, const char *lab_dir)
{
    memset(m, 0, sizeof *m);
    m->dir = xstrdup(lab_dir);
    m->cflags = xstrdup("");
    m->ldflags = xstrdup("");
    m->timeout = 10;
    m->memory_mb = 1024;
    m->files = MANIFEST_FILES_DEFAULT;
    for (int i = 0; i < tool_kind_count; i++)
        add_tool(m, tool_kinds[i].name, &tool_kinds[i]);
    m->default_tools = 1u << TOOL_NATIVE;
}

static int check_complete(const struct manifest *m, struct buf *why)
{
    if (!m->lab)
        buf_puts(why, "no 'lab' line");
    else if (m->submit_count == 0)
        buf_puts(why, "no 'submit' line: which files does a student hand in?");
    else if (m->case_count == 0)
        buf_puts(why, "no 'case' lines");
    else
        return 0;
    return -1;
}

int manifest_parse(const char *text, const char *where, const char *lab_dir,
                   struct manifest *m, struct buf *err)
{
    set_defaults(m, lab_dir);
    char *copy = xstrdup(text);
    int line_no = 0, rc = 0;
    // strtok_r would merge blank lines; count them by hand.
    for (char *p = copy; p && rc == 0; line_no++) {
        char *next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        struct line l;
        struct buf why = {0};
        if (split_words(p, &l, &why) != 0 || (l.count > 0 && parse_line(m, &l, &why) != 0)) {
            buf_printf(err, "%s:%d: %s", where, line_no + 1, buf_str(&why));
            rc = -1;
        }
        buf_free(&why);
        p = next;
    }
    free(copy);
    if (rc == 0) {
        struct buf why = {0};
        if (check_complete(m, &why) != 0) {
            buf_printf(err, "%s: %s", where, buf_str(&why));
            rc = -1;
        }
        buf_free(&why);
    }
    if (rc != 0)
        manifest_free(m);
    return rc;
}

enum manifest_status manifest_load(const char *kit_dir, const char *lab, struct manifest *m,
                                   struct buf *err)
{
    for (const char *p = lab; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
            buf_printf(err, "'%s' is not a lab name (letters, digits, '-' and '_' only)", lab);
            return MANIFEST_NO_LAB;
        }
    }
    char *labs = path_join(kit_dir, "labs");
    char *dir = path_join(labs, lab);
    char *conf = path_join(dir, "lab.conf");
    int rc = -1;
    char *text = NULL;
    if (!dir_exists(dir)) {
        buf_printf(err, "no lab named '%s' (there is no folder %s)", lab, dir);
        rc = MANIFEST_NO_LAB;
    } else if (!(text = file_read(conf, 1 << 20, NULL, NULL))) {
        buf_printf(err, "cannot read %s: %s", conf, strerror(errno));
    } else if ((rc = manifest_parse(text, conf, dir, m, err)) == 0 && strcmp(m->lab, lab) != 0) {
        buf_printf(err, "%s: says 'lab %s' but is in the folder of lab '%s'", conf, m->lab, lab);
        manifest_free(m);
        rc = -1;
    }
    free(text);
    free(conf);
    free(dir);
    free(labs);
    return rc;
}

static void free_list(char **list, int count)
{
    for (int i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

void manifest_free(struct manifest *m)
{
    free(m->lab);
    free(m->title);
    free(m->dir);
    free_list(m->submit, m->submit_count);
    free_list(m->provide, m->provide_count);
    free_list(m->allow, m->allow_count);
    free_list(m->deny, m->deny_count);
    free_list(m->syscalls, m->syscall_count);
    free(m->cflags);
    free(m->ldflags);
    for (int i = 0; i < m->tool_count; i++) {
        free(m->tools[i].name);
        free(m->tools[i].variant);
        free(m->tools[i].cflags);
    }
    for (int i = 0; i < m->suite_count; i++) {
        free(m->suites[i].name);
        free(m->suites[i].path);
    }
    free(m->suites);
    for (int i = 0; i < m->case_count; i++) {
        free(m->cases[i].suite);
        free(m->cases[i].name);
        free(m->cases[i].ref);
        free(m->cases[i].description);
    }
    free(m->cases);
    for (int i = 0; i < m->task_count; i++) {
        free(m->tasks[i].number);
        free(m->tasks[i].title);
        free_list(m->tasks[i].patterns, m->tasks[i].pattern_count);
    }
    free(m->tasks);
    for (int i = 0; i < m->figure_count; i++) {
        free(m->figures[i].name);
        free(m->figures[i].label);
    }
    free(m->figures);
    memset(m, 0, sizeof *m);
}

double manifest_case_timeout(const struct manifest *m, const struct test_case *c, int tool)
{
    double base = c->timeout > 0 ? c->timeout : m->timeout;
    return base * m->tools[tool].scale;
}
