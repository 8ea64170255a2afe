// The lab manifest (labs/<lab>/lab.conf): what to build, what to run, what it
// is worth.  The format is documented in docs/lab-format.md.
#ifndef MANIFEST_H
#define MANIFEST_H

#include "util.h"

enum { TOOL_NATIVE, TOOL_MEMCHECK, TOOL_TSAN, TOOL_BUILTIN_COUNT, TOOL_MAX = 8 };

struct tool {
    char *name;
    char *variant;      // the build it runs: "native", "tsan" or its own name
    char *cflags;       // extra compiler flags of its build variant
    double scale;       // timeout multiplier
};

struct suite {
    char *name;
    char *path;         // relative to the lab folder
    int hidden;
    int present;        // the file exists in this kit
};

struct test_case {
    char *suite;
    char *name;
    double points;
    unsigned tools;     // bit i set: runs under tools[i]
    double timeout;     // native seconds; 0 means the lab's default
    char *ref;
    char *description;
    int hidden;
};

struct manifest {
    char *lab;
    char *title;
    char *dir;          // labs/<lab>, absolute
    char **submit;
    int submit_count;
    char **provide;     // globs already expanded, relative to dir
    int provide_count;
    char *cflags;
    char *ldflags;
    struct tool tools[TOOL_MAX];
    int tool_count;
    unsigned default_tools;
    double timeout;
    long memory_mb;
    char **allow;
    int allow_count;
    char **syscalls;    // system calls a test's process may make beyond the harness's
    int syscall_count;
    struct suite *suites;
    int suite_count;
    struct test_case *cases;
    int case_count;
};

// Load labs/<lab>/lab.conf from the kit.  On error returns -1 and describes
// it (file:line: what is wrong) in err.
int manifest_load(const char *kit_dir, const char *lab, struct manifest *m, struct buf *err);
// Parse manifest text; `where` names it in error messages.
int manifest_parse(const char *text, const char *where, const char *lab_dir,
                   struct manifest *m, struct buf *err);
void manifest_free(struct manifest *m);

int manifest_tool_index(const struct manifest *m, const char *name);
const struct suite *manifest_suite(const struct manifest *m, const char *name);
// The case's wall-clock limit under a tool, in seconds.
double manifest_case_timeout(const struct manifest *m, const struct test_case *c, int tool);

#endif
