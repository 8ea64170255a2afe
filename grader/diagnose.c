// Turning tool output into feedback a student can act on.
#define _GNU_SOURCE
#include "diagnose.h"

#include "util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

enum { LOG_MAX = 1 << 20, REPORT_LINES = 40 };

int diagnose_list_logs(const char *dir, const char *prefix, char ***out)
{
    struct dirent **entries = NULL;
    int n = scandir(dir, &entries, NULL, alphasort), found = 0;
    *out = NULL;
    for (int i = 0; i < n; i++) {
        if (strncmp(entries[i]->d_name, prefix, strlen(prefix)) == 0) {
            *out = xrealloc(*out, sizeof **out * (size_t)(found + 1));
            (*out)[found++] = path_join(dir, entries[i]->d_name);
        }
        free(entries[i]);
    }
    free(entries);
    return found;
}

static void free_list(char **list, int count)
{
    for (int i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

// Whether a frame line names one of the files: "(mm.c:12)", " mm.c:12",
// "/path/to/mm.c:12" or "at mm.c:12".
static int frame_in_files(const char *line, char **files, int count)
{
    for (int i = 0; i < count; i++) {
        size_t len = strlen(files[i]);
        for (const char *p = strstr(line, files[i]); p; p = strstr(p + 1, files[i])) {
            char before = p == line ? ' ' : p[-1];
            if ((before == '(' || before == ' ' || before == '/') && p[len] == ':')
                return 1;
        }
    }
    return 0;
}

// Append a stack frame, without the noise: addresses and module offsets.
static void put_frame(struct buf *out, const char *line)
{
    const char *p = line;
    struct buf clean = {0};
    while (*p) {
        if (p[0] == '0' && p[1] == 'x' && strstr(p, ": ") && strstr(p, ": ") - p < 20) {
            p = strstr(p, ": ") + 2;             // valgrind: "at 0x10923F: f (mm.c:3)"
            continue;
        }
        if (p[0] == '0' && p[1] == 'x' && p[2 + strspn(p + 2, "0123456789abcdef")] == ' ' &&
            strncmp(p + 2 + strspn(p + 2, "0123456789abcdef"), " in ", 4) == 0) {
            p += 2 + strspn(p + 2, "0123456789abcdef") + 4;   // asan: "#0 0x55 in f file.c:3"
            continue;
        }
        if (*p == '(' && strstr(p, "+0x") && strchr(p, ')') && !strchr(p, ':')) {
            p = strchr(p, ')') + 1;              // tsan: "(public+0x1234)"
            continue;
        }
        if ((p == line || p[-1] == ' ') && *p == '/') {
            // An absolute path into the grader's build: keep the file name.
            size_t token = strcspn(p, " :");
            const char *inside = NULL;
            // The lab's files build in src/, the submitted ones in student/.
            for (const char *dir = "/src/"; dir; dir = strcmp(dir, "/src/") == 0 ? "/student/" : NULL)
                for (const char *q = strstr(p, dir); q && q < p + token; q = strstr(q + 1, dir))
                    inside = q + strlen(dir);
            if (inside) {
                p = inside;
                continue;
            }
        }
        buf_append(&clean, p, 1);
        p++;
    }
    buf_printf(out, "%s\n", buf_str(&clean));
    buf_free(&clean);
}

static int is_frame(const char *line)
{
    while (*line == ' ')
        line++;
    return strncmp(line, "at 0x", 5) == 0 || strncmp(line, "by 0x", 5) == 0 ||
           (line[0] == '#' && line[1] >= '0' && line[1] <= '9');
}

// TSan's "Thread T2 (tid=7, running) created by main thread at:" whose
// stack has no frame in the student's files: the tests made that thread, and
// its stack would show only "...".
static int thread_made_elsewhere(char **lines, int count, char **files, int file_count)
{
    const char *text = lines[0] + strspn(lines[0], " ");
    if (strncmp(text, "Thread T", 8) != 0 || !strstr(text, " created by "))
        return 0;
    for (int i = 1; i < count && is_frame(lines[i]); i++)
        if (frame_in_files(lines[i], files, file_count))
            return 0;
    return 1;
}

// Keep a block of report lines: every non-frame line, the first frame of
// each stack, and the frames in the student's files; not the threads the
// tests made.
static void trim_block(char **lines, int count, char **files, int file_count, struct buf *out)
{
    int first_of_stack = 1, skipped = 0, emitted = 0;
    for (int i = 0; i < count && emitted < REPORT_LINES; i++) {
        if (!is_frame(lines[i]) && thread_made_elsewhere(lines + i, count - i, files, file_count)) {
            while (i + 1 < count && is_frame(lines[i + 1]))
                i++;
            continue;
        }
        if (!is_frame(lines[i])) {
            if (skipped)
                buf_puts(out, "      ...\n");
            skipped = 0;
            first_of_stack = 1;
            put_frame(out, lines[i]);
            emitted++;
            continue;
        }
        // The first frame says where it happened, unless it is the tool's own.
        int tool_frame = strstr(lines[i], "libsanitizer") || strstr(lines[i], "vg_replace") ||
                         strstr(lines[i], "vgpreload");
        if ((first_of_stack && !tool_frame) || frame_in_files(lines[i], files, file_count)) {
            if (skipped && !first_of_stack)
                buf_puts(out, "      ...\n");
            put_frame(out, lines[i]);
            emitted++;
            skipped = 0;
        } else {
            skipped = 1;
        }
        first_of_stack = 0;
    }
    if (skipped)
        buf_puts(out, "      ...\n");
}

// Split text into lines in place.
static int split_lines(char *text, char ***out)
{
    int n = 0;
    *out = NULL;
    for (char *p = text; p && *p;) {
        char *end = strchr(p, '\n');
        if (end)
            *end = '\0';
        *out = xrealloc(*out, sizeof **out * (size_t)(n + 1));
        (*out)[n++] = p;
        p = end ? end + 1 : NULL;
    }
    return n;
}

// Valgrind blocks that are not errors: its banner, summaries and advice.
static int valgrind_noise(const char *first_line, char **lines, int count)
{
    static const char *prefixes[] = {
        "Memcheck,", "Copyright", "Using Valgrind", "Command:", "Parent PID:", "HEAP SUMMARY",
        "LEAK SUMMARY", "ERROR SUMMARY", "For lists", "For a detailed", "For counts",
        "All heap blocks", "Rerun with", "Use --track-origins", "To see them", "in use at exit",
        "total heap usage", "Reachable blocks", "Searching for", "Warning: set address range",
        "Warning: noted but unhandled", "(action at startup)", "Valgrind's memory management",
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(first_line, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    for (int i = 0; i < count; i++)
        if (strstr(lines[i], "still reachable") || strstr(lines[i], "possibly lost"))
            return 1;
    return 0;
}

char *diagnose_valgrind_text(char *text, char **files, int file_count)
{
    char **lines;
    int n = split_lines(text, &lines);
    // Drop the "==1234== " prefix of each line.
    for (int i = 0; i < n; i++) {
        if (lines[i][0] == '=' && lines[i][1] == '=') {
            char *end = strstr(lines[i] + 2, "== ");
            char *bare = strstr(lines[i] + 2, "==");
            lines[i] = end ? end + 3 : bare && bare[2] == '\0' ? bare + 2 : lines[i];
        }
    }
    char *found = NULL;
    for (int start = 0; start < n && !found;) {
        int end = start;
        while (end < n && lines[end][0] != '\0')
            end++;
        if (end > start && !valgrind_noise(lines[start], lines + start, end - start)) {
            struct buf out = {0};
            trim_block(lines + start, end - start, files, file_count, &out);
            found = out.data;
        }
        start = end + 1;
    }
    free(lines);
    return found;
}

char *diagnose_logs(const char *run_dir, const char *prefix,
                    char *(*parse)(char *text, char **files, int file_count), char **files,
                    int file_count)
{
    char **logs;
    int n = diagnose_list_logs(run_dir, prefix, &logs);
    char *found = NULL;
    for (int i = 0; i < n && !found; i++) {
        char *text = file_read(logs[i], LOG_MAX, NULL, NULL);
        if (text)
            found = parse(text, files, file_count);
        free(text);
    }
    free_list(logs, n);
    return found;
}

// A sanitizer report opens with "WARNING: XSanitizer: KIND", "==PID==ERROR:
// XSanitizer: KIND ..." or, from UBSan, "FILE:LINE:COL: runtime error: WHAT".
static int sanitizer_header(const char *line)
{
    return (strstr(line, "Sanitizer:") && (strstr(line, "WARNING") || strstr(line, "ERROR"))) ||
           strstr(line, ": runtime error: ");
}

// The header cut to "KIND" (without the pid, address and registers), then
// " at FILE:LINE in FUNCTION" from the summary when that is the student's.
static void sanitizer_reason(char *header, const char *summary, char **files, int file_count,
                             struct buf *out)
{
    char *ub = strstr(header, ": runtime error: ");
    const char *kind = ub ? ub + 17 : header;
    if (!ub) {
        for (const char *p = strstr(kind, "Sanitizer: "); p; p = strstr(kind, "Sanitizer: "))
            kind = p + 11;
        static const char *noise[] = {" (pid=", " on address ", " on unknown address", " at pc "};
        for (size_t i = 0; i < sizeof noise / sizeof *noise; i++) {
            char *cut = strstr(kind, noise[i]);
            if (cut)
                *cut = '\0';
        }
    }
    struct buf where = {0};
    if (ub) {
        *ub = '\0';
        put_frame(&where, header);
    } else if (summary && frame_in_files(summary, files, file_count)) {
        const char *at = strstr(summary, kind);
        if (at && at[strlen(kind)] == ' ')
            put_frame(&where, at + strlen(kind) + 1);
    }
    if (where.len)
        where.data[--where.len] = '\0';
    buf_printf(out, "%s%s%s\n", kind, where.len ? " at " : "", buf_str(&where));
    buf_free(&where);
}

char *diagnose_sanitizer_text(char *text, char **files, int file_count)
{
    char **lines;
    int n = split_lines(text, &lines), start = -1, end = -1;
    for (int i = 0; i < n && end < 0; i++) {
        if (start < 0 && sanitizer_header(lines[i]))
            start = i;
        if (start >= 0 && strncmp(lines[i], "SUMMARY: ", 9) == 0)
            end = i;
    }
    char *found = NULL;
    if (start >= 0) {
        struct buf out = {0};
        int stop = end >= 0 ? end : n;
        // Blank lines and the separator bars add nothing when trimmed; the
        // first line becomes the one-line reason.
        int kept = 0;
        for (int i = start + 1; i < stop; i++)
            if (lines[i][0] != '\0' && strncmp(lines[i], "=====", 5) != 0 &&
                strncmp(lines[i], "Shadow ", 7) != 0)
                lines[start + 1 + kept++] = lines[i];
        sanitizer_reason(lines[start], end >= 0 ? lines[end] : NULL, files, file_count, &out);
        trim_block(lines + start + 1, kept, files, file_count, &out);
        found = out.data;
    }
    free(lines);
    return found;
}

char *diagnose_stacks(const char *stacks_path, char **files, int file_count)
{
    char *text = file_read(stacks_path, LOG_MAX, NULL, NULL);
    if (!text)
        return NULL;
    char **lines;
    int n = split_lines(text, &lines), threads = 0, shown = 0;
    const char *elsewhere = NULL; // a thread's innermost frame with a source line
    struct buf out = {0};
    for (int i = 0; i <= n; i++) {
        int header = i < n && strncmp(lines[i], "Thread ", 7) == 0;
        // A thread with no frame in the student's files: where it was in the lab's.
        if ((header || i == n) && threads && !shown && elsewhere) {
            // "f (arg=<optimized out>) at sync_test.c:250" -> "f at sync_test.c:250"
            const char *at = strstr(elsewhere, " at ");
            buf_printf(&out, "    (in the lab's code) %.*s%s\n", (int)strcspn(elsewhere, " ("),
                       elsewhere, at);
        }
        if (i == n)
            break;
        const char *in = strstr(lines[i], " in ");
        const char *what = in ? in + 4 : strchr(lines[i], ' ');
        if (header) {
            // "Thread 2 (Thread 0x7f.. (LWP 12) "public"):" -> "thread 2:"
            int number = atoi(lines[i] + 7);
            buf_printf(&out, "  thread %d:\n", number);
            threads++;
            shown = 0;
            elsewhere = NULL;
        } else if (lines[i][0] == '#' && frame_in_files(lines[i], files, file_count)) {
            buf_printf(&out, "    %s\n", what ? what : lines[i]);
            shown++;
        } else if (lines[i][0] == '#' && !elsewhere && what && strstr(what, " at ") &&
                   !strchr(strstr(what, " at "), '/') && strstr(what, ".c:")) {
            elsewhere = what; // the lab's files build without a folder: not libc's
        }
    }
    free(lines);
    free(text);
    if (threads == 0) {
        buf_free(&out);
        return NULL;
    }
    return out.data;
}

char *diagnose_tail(const char *path, int lines)
{
    size_t len = 0;
    char *text = file_read(path, LOG_MAX, &len, NULL);
    if (!text || len == 0) {
        free(text);
        return NULL;
    }
    int seen = 0;
    size_t start = len;
    while (start > 0) {
        if (text[start - 1] == '\n' && start != len && ++seen >= lines)
            break;
        start--;
    }
    char *tail = xstrdup(text + start);
    free(text);
    return tail;
}
