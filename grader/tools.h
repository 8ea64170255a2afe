// The tools a test case runs under, one record each: how its build differs,
// how a run is started, what its exit code means, how its report becomes
// feedback and how to rerun it by hand.  Adding a sanitizer is adding a
// record to tools.c; the rest of the grader asks the table.
#ifndef TOOLS_H
#define TOOLS_H

#include "util.h"

enum tool_flag {
    TOOL_WATCH_RSS = 1,     // cap memory by resident size: the tool maps huge shadows
    TOOL_NO_STACKS = 2,     // gdb cannot attach to a hung run (Valgrind's own process)
    TOOL_FIXED_LAYOUT = 4,  // may need address randomisation off (TSan's shadow mapping)
    TOOL_SCHEDULES = 8,     // writes a failing run's schedule (LK_TRACE_DIR) for swimlane.c
};

struct tool_kind {
    const char *name;           // as lab.conf and --tools spell it
    const char *label;          // how feedback names it: "Valgrind"
    const char *finding;        // the result-table word for what it found: "VALGRIND"
    const char *variant;        // the build it runs (NULL: a build of its own name)
    const char *cflags;         // that build's extra compiler flags
    double scale;               // slow-down against a native run: timeouts, LK_SLOWDOWN
    const char *program;        // must be installed (NULL: nothing to install)
    const char *const *prefix;  // argv before the test binary
    const char *const *env;     // its environment entries
    int found_exit;             // the exit status meaning "it found a problem" (0: none)
    const char *log_prefix;     // its log files in the run folder: "valgrind."
    // The first report in one log's text, cut to the student's files.
    char *(*parse)(char *text, char **files, int file_count);
    const char *const *cannot_run;  // texts meaning the tool itself failed
    // System calls a run needs beyond the runner's base, as the runner's
    // filter reads them: NAME, or NAME:CONDITION (openat:rdonly, ioctl:tcgets).
    const char *syscalls;
    // What it needs besides, in a lab whose processes fork (the lab's
    // `syscalls` line names fork): Valgrind in a forked child opens its own
    // log with open(2), and reads RLIMIT_CORE when the child dies of a
    // signal, so that the parent sees that signal and not SIGSYS.
    const char *fork_syscalls;
    unsigned flags;
};

// In prefix and env: "{log}" is the run's log folder, "{exit}" found_exit.

// The built-in tools, in the order labs list them.
enum tool_builtin {
    TOOL_KIND_NATIVE,
    TOOL_KIND_MEMCHECK,
    TOOL_KIND_TSAN,
    TOOL_KIND_ASAN,
    TOOL_KIND_EXPLORE,
    TOOL_KIND_COUNT
};

extern const struct tool_kind tool_kinds[TOOL_KIND_COUNT];
extern const int tool_kind_count;
// The record of tools a lab defines with `tool NAME cflags=...`: native runs
// of a build of its own.
extern const struct tool_kind tool_lab_defined;

// The built-in record named `name`, or NULL.
const struct tool_kind *tool_kind_find(const char *name);
// The built-in tools' names, comma-separated (for error messages).
const char *tool_kind_names(void);

// The command of one run: the tool's prefix, the binary, the case.  NULL-terminated.
char **tool_argv(const struct tool_kind *k, const char *log_dir, const char *binary,
                 const char *case_name);
// The tool's own environment entries plus LK_TOOL=name and LK_SLOWDOWN=scale
// (its slow-down factor, which the tests scale their waits by), NULL-terminated.
char **tool_env(const struct tool_kind *k, const char *name, double scale, const char *log_dir);
// One shell line running the case by hand, built from the same two lists.
char *tool_rerun_line(const struct tool_kind *k, const char *name, double scale,
                      const char *log_dir, const char *binary, const char *case_name);
void tool_free_strings(char **list);

// The first report in the tool's logs in run_dir, or NULL.
char *tool_report(const struct tool_kind *k, const char *run_dir, char **files, int file_count);
// When the tool itself could not run (its crash, an unreadable binary, a
// missing runtime), the line saying so, from its logs or the run's output.
char *tool_failure(const struct tool_kind *k, const char *run_dir, const char *output_path);
// The same test on one text.
char *tool_failure_in(const struct tool_kind *k, const char *text);

#endif
