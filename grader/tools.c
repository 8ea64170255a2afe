// The table of tools: native runs, Valgrind memcheck, ThreadSanitizer,
// AddressSanitizer with UndefinedBehaviorSanitizer, and lab-defined builds.
#define _GNU_SOURCE
#include "tools.h"

#include "diagnose.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LOG_MAX = 1 << 20 };

// Texts no student program prints by accident that say the program never ran.
#define RUNTIME_MISSING "error while loading shared libraries"

static const char *const memcheck_prefix[] = {
    "valgrind", "--tool=memcheck", "--error-exitcode={exit}", "--leak-check=full",
    "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
    "--fair-sched=yes", "--vgdb=no", "--num-callers=30", "--log-file={log}/valgrind.%p.log", NULL,
};
static const char *const memcheck_failures[] = {
    "### unhandled dwarf2", "Valgrind: FATAL", "valgrind: failed to start",
    "Possibly corrupted debuginfo", "valgrind: the 'impossible' happened", RUNTIME_MISSING, NULL,
};

static const char *const tsan_env[] = {
    "TSAN_OPTIONS=exitcode={exit} halt_on_error=0 log_path={log}/tsan detect_deadlocks=1 "
    "second_deadlock_stack=1 history_size=4",
    NULL,
};
static const char *const tsan_failures[] = {
    "FATAL: ThreadSanitizer", "ThreadSanitizer: CHECK failed", RUNTIME_MISSING, NULL,
};

// Leaks are memcheck's part; LeakSanitizer also needs ptrace, which the sandbox denies.
static const char *const asan_env[] = {
    "ASAN_OPTIONS=exitcode={exit} log_path={log}/asan detect_leaks=0 abort_on_error=0",
    "UBSAN_OPTIONS=exitcode={exit} log_path={log}/asan print_stacktrace=1 halt_on_error=1",
    NULL,
};
static const char *const asan_failures[] = {
    "AddressSanitizer: CHECK failed", "AddressSanitizer failed to allocate",
    "Shadow memory range interleaves", "ASan runtime does not come first",
    "AddressSanitizer: out of memory", RUNTIME_MISSING, NULL,
};
static const char *const native_failures[] = {RUNTIME_MISSING, NULL};

const struct tool_kind tool_kinds[] = {
    [TOOL_KIND_NATIVE] = {
        .name = "native", .label = "native", .variant = "native",
        // The build memcheck runs too: Valgrind 3.19 cannot read clang 14's DWARF 5.
        .cflags = "-gdwarf-4", .scale = 1, .cannot_run = native_failures,
    },
    [TOOL_KIND_MEMCHECK] = {
        .name = "memcheck", .label = "Valgrind", .finding = "VALGRIND", .variant = "native",
        .cflags = "-gdwarf-4", .scale = 10, .program = "valgrind", .prefix = memcheck_prefix,
        .found_exit = 97, .log_prefix = "valgrind.", .parse = diagnose_valgrind_text,
        .cannot_run = memcheck_failures, .flags = TOOL_WATCH_RSS | TOOL_NO_STACKS,
        .syscalls = "rt_sigtimedwait",   // Valgrind's own scheduler
        .fork_syscalls = "open openat prlimit64",
    },
    [TOOL_KIND_TSAN] = {
        .name = "tsan", .label = "ThreadSanitizer", .finding = "TSAN", .variant = "tsan",
        .cflags = "-fsanitize=thread", .scale = 5, .env = tsan_env, .found_exit = 66,
        .log_prefix = "tsan.", .parse = diagnose_sanitizer_text, .cannot_run = tsan_failures,
        // isatty() on its report file; a report of a race with free() reads
        // /proc/self/maps again with open(2), and a refused call inside the
        // report deadlocks it.
        .syscalls = "ioctl:tcgets open:rdonly",
        .flags = TOOL_WATCH_RSS | TOOL_FIXED_LAYOUT,
    },
    [TOOL_KIND_ASAN] = {
        .name = "asan", .label = "AddressSanitizer", .finding = "ASAN", .variant = "asan",
        .cflags = "-fsanitize=address,undefined -fno-sanitize-recover=undefined", .scale = 3,
        .env = asan_env, .found_exit = 67, .log_prefix = "asan.",
        .parse = diagnose_sanitizer_text, .cannot_run = asan_failures, .flags = TOOL_WATCH_RSS,
        // It opens its log and reads the binary's symbols when it reports,
        // after the filter is on.
        .syscalls = "open openat readlink readlinkat ioctl pread64 getdents64 prctl fcntl",
    },
    // The forced-schedule scheduler of labs/common (lk_explore.c): each seed
    // runs in a child it forks, watches through a pipe and kills when it
    // hangs; it pins a run to one CPU and budgets a search by processor time.
    [TOOL_KIND_EXPLORE] = {
        .name = "explore", .label = "the test", .variant = "explore",
        .cflags = "-DLK_EXPLORE", .scale = 3, .cannot_run = native_failures,
        .flags = TOOL_SCHEDULES,
        .syscalls = "clone pipe2 poll ppoll prctl kill wait4 getppid sched_setaffinity getcpu "
                    "getrusage openat:rdonly",
    },
};
static_assert(sizeof tool_kinds / sizeof *tool_kinds == TOOL_KIND_COUNT, "a record per tool");
const int tool_kind_count = TOOL_KIND_COUNT;

const struct tool_kind tool_lab_defined = {
    .label = "the test", .scale = 1, .cannot_run = native_failures,
};

const struct tool_kind *tool_kind_find(const char *name)
{
    for (int i = 0; i < tool_kind_count; i++)
        if (strcmp(tool_kinds[i].name, name) == 0)
            return &tool_kinds[i];
    return NULL;
}

const char *tool_kind_names(void)
{
    static char names[256];
    if (!names[0])
        for (int i = 0; i < tool_kind_count; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     tool_kinds[i].name);
    return names;
}

// A template with {log} and {exit} filled in.
static char *fill(const struct tool_kind *k, const char *template, const char *log_dir)
{
    struct buf b = {0};
    for (const char *p = template; *p;) {
        if (strncmp(p, "{log}", 5) == 0) {
            buf_puts(&b, log_dir);
            p += 5;
        } else if (strncmp(p, "{exit}", 6) == 0) {
            buf_printf(&b, "%d", k->found_exit);
            p += 6;
        } else {
            buf_append(&b, p++, 1);
        }
    }
    return b.data ? b.data : xstrdup("");
}

static int count_of(const char *const *list)
{
    int n = 0;
    while (list && list[n])
        n++;
    return n;
}

char **tool_argv(const struct tool_kind *k, const char *log_dir, const char *binary,
                 const char *case_name)
{
    int n = count_of(k->prefix), i = 0;
    char **argv = xcalloc((size_t)n + 3, sizeof *argv);
    for (; i < n; i++)
        argv[i] = fill(k, k->prefix[i], log_dir);
    argv[i++] = xstrdup(binary);
    argv[i] = xstrdup(case_name);
    return argv;
}

// LK_SLOWDOWN sizes the tests' waits and stress loops (labkit_check.h); the
// test process can change it, so it decides no pass: the grader's own
// timeout and the runner's completion token do.
char **tool_env(const struct tool_kind *k, const char *name, double scale, const char *log_dir)
{
    int n = count_of(k->env), i = 0;
    char **env = xcalloc((size_t)n + 3, sizeof *env);
    env[i++] = xasprintf("LK_TOOL=%s", name);
    env[i++] = xasprintf("LK_SLOWDOWN=%g", scale);
    for (int e = 0; e < n; e++)
        env[i++] = fill(k, k->env[e], log_dir);
    return env;
}

void tool_free_strings(char **list)
{
    for (char **p = list; p && *p; p++)
        free(*p);
    free(list);
}

// A word quoted for a POSIX shell when it needs it.
static void put_shell_word(struct buf *out, const char *word)
{
    if (word[strcspn(word, " \t'\"$%\\*?;&|<>()")] == '\0') {
        buf_puts(out, word);
        return;
    }
    buf_puts(out, "'");
    for (const char *p = word; *p; p++)
        buf_puts(out, *p == '\'' ? "'\\''" : (char[]){*p, '\0'});
    buf_puts(out, "'");
}

char *tool_rerun_line(const struct tool_kind *k, const char *name, double scale,
                      const char *log_dir, const char *binary, const char *case_name)
{
    char **env = tool_env(k, name, scale, log_dir), **argv = tool_argv(k, log_dir, binary, case_name);
    struct buf b = {0};
    for (char **p = env; *p; p++) {
        char *eq = strchr(*p, '=');
        buf_printf(&b, "%.*s", (int)(eq - *p + 1), *p);
        put_shell_word(&b, eq + 1);
        buf_puts(&b, " ");
    }
    for (char **p = argv; *p; p++) {
        put_shell_word(&b, *p);
        buf_puts(&b, p[1] ? " " : "");
    }
    tool_free_strings(env);
    tool_free_strings(argv);
    return b.data;
}

char *tool_report(const struct tool_kind *k, const char *run_dir, char **files, int file_count)
{
    if (!k->parse || !k->log_prefix)
        return NULL;
    return diagnose_logs(run_dir, k->log_prefix, k->parse, files, file_count);
}

char *tool_failure_in(const struct tool_kind *k, const char *text)
{
    for (const char *const *p = k->cannot_run; p && *p && text; p++) {
        const char *at = strstr(text, *p);
        if (!at)
            continue;
        while (at > text && at[-1] != '\n')
            at--;
        // The line that says it and a few after (Valgrind names the cause
        // there), each once.
        struct buf b = {0};
        for (int lines = 0; at && *at && lines < 6; lines++) {
            size_t len = strcspn(at, "\n");
            char *line = xstrndup(at, len);
            if (!strstr(buf_str(&b), line))
                buf_printf(&b, "%s\n", line);
            free(line);
            at = at[len] ? at + len + 1 : NULL;
        }
        if (b.len)
            b.data[--b.len] = '\0';
        return b.data;
    }
    return NULL;
}

// A tool that could not run never reported a case: look in its logs, then in
// what the run printed.
char *tool_failure(const struct tool_kind *k, const char *run_dir, const char *output_path)
{
    char *found = NULL;
    char **logs = NULL;
    int n = k->log_prefix ? diagnose_list_logs(run_dir, k->log_prefix, &logs) : 0;
    for (int i = 0; i < n; i++) {
        char *text = found ? NULL : file_read(logs[i], LOG_MAX, NULL, NULL);
        found = found ? found : tool_failure_in(k, text);
        free(text);
        free(logs[i]);
    }
    free(logs);
    if (!found) {
        char *text = file_read(output_path, LOG_MAX, NULL, NULL);
        found = tool_failure_in(k, text);
        free(text);
    }
    return found;
}
