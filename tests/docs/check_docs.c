// Checks the book's Markdown: links, referenced files, and quoted code.
//
//   check_docs [--pending LIST] FILE.md...     (run from the repository root)
//
// For every Markdown file it checks that
//   - each relative link points to a file that exists, and each #anchor to a
//     heading of that file (GitHub's heading ids, which the html build uses too);
//   - each repository path written as inline code (`labs/malloc/README.md`)
//     exists;
//   - each ```c block appears verbatim in the example file linked most
//     recently before it, unless the line before the block is
//     <!-- fragment -->, which marks an illustration that is not a program.
// Paths listed in the --pending file (one a line) may be missing: they are
// written by other parts of the kit, and are reported as warnings.
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { FULL_PATH = 8200 }; // a directory and a relative path, joined

static int errors, warnings;
static char *pending; // the --pending file's text, or NULL

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *text = malloc(cap);
    size_t n;
    while (text && (n = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2)
            text = realloc(text, cap *= 2);
    }
    fclose(f);
    if (text)
        text[len] = '\0';
    return text;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

// Is `path` (relative to the repository root) listed in the pending file?
static int is_pending(const char *path)
{
    size_t len = strlen(path);
    for (const char *p = pending; p && (p = strstr(p, path)) != NULL; p += len)
        if ((p == pending || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
            return 1;
    return 0;
}

// Turn "docs/book/../../labs/x" into "labs/x" in place.
static void normalise(char *path)
{
    char *parts[64];
    int count = 0, rooted = path[0] == '/';
    for (char *part = strtok(path, "/"); part && count < 64; part = strtok(NULL, "/")) {
        if (strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0 && count > 0 && strcmp(parts[count - 1], "..") != 0)
            count--;
        else
            parts[count++] = part;
    }
    char out[FULL_PATH] = "";
    if (rooted)
        strcpy(out, "/");
    for (int i = 0; i < count; i++) {
        if (i)
            strcat(out, "/");
        strncat(out, parts[i], sizeof out - strlen(out) - 2);
    }
    strcpy(path, out);
}

static void report_missing(const char *md, int line, const char *what, const char *path)
{
    if (is_pending(path)) {
        printf("%s:%d: warning: %s %s does not exist yet (pending)\n", md, line, what, path);
        warnings++;
    } else {
        printf("%s:%d: error: %s %s does not exist\n", md, line, what, path);
        errors++;
    }
}

// GitHub's id for a heading: lower case; letters, digits, '-' and '_' kept,
// spaces become '-', everything else is dropped.
static void heading_id(const char *heading, char *id, size_t size)
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)heading; *c && n + 1 < size; c++) {
        if (isalnum(*c) || *c == '-' || *c == '_')
            id[n++] = (char)tolower(*c);
        else if (*c == ' ')
            id[n++] = '-';
        else if (*c >= 0x80)
            id[n++] = (char)*c; // keep non-ASCII letters as they are
    }
    id[n] = '\0';
}

// Does the Markdown text have a heading whose id is `anchor`?
static int has_anchor(const char *text, const char *anchor)
{
    char id[512];
    for (const char *line = text; line && *line;) {
        const char *next = strchr(line, '\n');
        const char *h = line;
        line = next ? next + 1 : NULL;
        if (*h != '#')
            continue;
        while (*h == '#')
            h++;
        while (*h == ' ')
            h++;
        size_t len = strcspn(h, "\n");
        char heading[512];
        snprintf(heading, sizeof heading, "%.*s", (int)len, h);
        heading_id(heading, id, sizeof id);
        if (strcmp(id, anchor) == 0)
            return 1;
    }
    return 0;
}

// Check one link target found at md:line; remember it if it names an example.
static void check_link(const char *md, const char *dir, int line, const char *target,
                       char *last_example, size_t size)
{
    if (strstr(target, "://") || strncmp(target, "mailto:", 7) == 0)
        return;
    char path[4096], anchor[512] = "";
    snprintf(path, sizeof path, "%s", target);
    char *hash = strchr(path, '#');
    if (hash) {
        snprintf(anchor, sizeof anchor, "%s", hash + 1);
        *hash = '\0';
    }
    char full[FULL_PATH];
    if (*path)
        snprintf(full, sizeof full, "%s/%s", dir, path);
    else
        snprintf(full, sizeof full, "%s", md);
    normalise(full);
    if (!exists(full)) {
        report_missing(md, line, "link target", full);
        return;
    }
    size_t len = strlen(full);
    if (len > 2 && strcmp(full + len - 2, ".c") == 0 && strstr(full, "docs/examples/"))
        snprintf(last_example, size, "%s", full);
    if (*anchor && len > 3 && strcmp(full + len - 3, ".md") == 0) {
        char *text = read_all(full);
        if (!text || !has_anchor(text, anchor)) {
            printf("%s:%d: error: %s has no heading with id #%s\n", md, line, full, anchor);
            errors++;
        }
        free(text);
    }
}

// Inline code that looks like a path in the repository must exist.
static void check_inline_path(const char *md, int line, const char *code, size_t len)
{
    static const char *roots[] = {"labs/", "docs/", "grader/", "starter/", "tests/", NULL};
    char path[1024];
    if (len == 0 || len >= sizeof path)
        return;
    snprintf(path, sizeof path, "%.*s", (int)len, code);
    int rooted = 0;
    for (int i = 0; roots[i]; i++)
        rooted |= strncmp(path, roots[i], strlen(roots[i])) == 0;
    if (strstr(path, "/_build/") || strstr(path, "/_site/"))
        return; // made by a build, not kept in the kit
    if (!rooted || strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789_./-") != len)
        return;
    if (!exists(path))
        report_missing(md, line, "file", path);
}

// Scan one line of prose for links and inline code.
static void check_prose(const char *md, const char *dir, int line, const char *text,
                        char *last_example, size_t size)
{
    for (const char *p = text; *p && *p != '\n'; p++) {
        if (*p == '`') {
            const char *end = strchr(p + 1, '`');
            if (!end)
                return;
            check_inline_path(md, line, p + 1, (size_t)(end - p - 1));
            p = end;
        } else if (p[0] == ']' && p[1] == '(') {
            size_t len = strcspn(p + 2, ") \n");
            char target[4096];
            snprintf(target, sizeof target, "%.*s", (int)len, p + 2);
            check_link(md, dir, line, target, last_example, size);
        }
    }
}

// The ```c block starting after `open` must be in the example linked last.
static void check_code(const char *md, int line, const char *body, size_t len,
                       const char *example)
{
    if (!*example) {
        printf("%s:%d: error: a C block with no example file linked before it "
               "(link one, or mark the block <!-- fragment -->)\n", md, line);
        errors++;
        return;
    }
    char *source = read_all(example);
    char *block = strndup(body, len);
    if (!source || !block || !strstr(source, block)) {
        printf("%s:%d: error: this C block is not in %s word for word\n", md, line, example);
        errors++;
    }
    free(source);
    free(block);
}

static void check_file(const char *md)
{
    char *text = read_all(md);
    if (!text) {
        printf("%s: error: cannot read\n", md);
        errors++;
        return;
    }
    char dir[4096], last_example[FULL_PATH] = "";
    snprintf(dir, sizeof dir, "%s", md);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    int line = 1, fragment = 0;
    for (char *p = text; *p; line++) {
        char *next = strchr(p, '\n');
        next = next ? next + 1 : p + strlen(p);
        if (strncmp(p, "```", 3) == 0) {
            int is_c = strncmp(p, "```c\n", 5) == 0;
            int start = line;
            char *body = next, *q = next;
            while (*q && strncmp(q, "```", 3) != 0) { // skip the block
                q = strchr(q, '\n') ? strchr(q, '\n') + 1 : q + strlen(q);
                line++;
            }
            if (is_c && !fragment)
                check_code(md, start, body, (size_t)(q - body), last_example);
            next = strchr(q, '\n') ? strchr(q, '\n') + 1 : q + strlen(q);
            line++;
        } else {
            check_prose(md, dir, line, p, last_example, sizeof last_example);
        }
        if (next > p && *p != '\n')
            fragment = strncmp(p, "<!-- fragment -->", 17) == 0;
        p = next;
    }
    free(text);
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--pending") == 0) {
        pending = read_all(argv[2]);
        first = 3;
    }
    for (int i = first; i < argc; i++)
        check_file(argv[i]);
    printf("check_docs: %d files, %d errors, %d warnings\n", argc - first, errors, warnings);
    free(pending);
    return errors ? 1 : 0;
}
