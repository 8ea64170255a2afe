// The lab manifest (labs/<lab>/lab.conf): what to build, what to run, what it
// is worth.  The format is documented in docs/lab-format.md.
#ifndef MANIFEST_H
#define MANIFEST_H

#include "util.h"

#include "tools.h"

#include <assert.h>

// tools[TOOL_NATIVE] is the plain build: compile errors and the symbol check
// come from it, and every grade builds it.
enum { TOOL_NATIVE = TOOL_KIND_NATIVE, TOOL_MAX = 8 };
// Open descriptors of a case run: the default, and the most `files` may ask.
enum { MANIFEST_FILES_DEFAULT = 256, MANIFEST_FILES_MAX = 65536 };
static_assert((int)TOOL_KIND_COUNT < (int)TOOL_MAX, "room for the tools a lab defines");

struct tool {
    char *name;
    char *variant;      // the build it runs: "native", "tsan" or its own name
    char *cflags;       // extra compiler flags of its build variant
    double scale;       // timeout multiplier
    const struct tool_kind *kind;   // how it runs and what its results mean
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
    long files;         // open descriptors one case run may hold (RLIMIT_NOFILE)
    char **allow;
    int allow_count;
    char **deny;        // lab symbols a submission may not use (driver and test hooks)
    int deny_count;
    char **syscalls;    // system calls a test's process may make beyond the harness's
    int syscall_count;
    struct suite *suites;
    int suite_count;
    struct test_case *cases;
    int case_count;
};

enum manifest_status {
    MANIFEST_OK = 0,
    MANIFEST_BROKEN = -1,     // the lab's lab.conf is wrong or unreadable
    MANIFEST_NO_LAB = -2,     // the kit has no lab of that name
};

// Load labs/<lab>/lab.conf from the kit.  On error describes it (file:line:
// what is wrong) in err.
enum manifest_status manifest_load(const char *kit_dir, const char *lab, struct manifest *m,
                                   struct buf *err);
// Parse manifest text; `where` names it in error messages.
int manifest_parse(const char *text, const char *where, const char *lab_dir,
                   struct manifest *m, struct buf *err);
void manifest_free(struct manifest *m);

int manifest_tool_index(const struct manifest *m, const char *name);
// Parse tool lists ("native,memcheck" words) into a mask of tool indexes.
// Returns -1 with `why` set on an unknown tool or an empty list.
int manifest_parse_tools(const struct manifest *m, char *const *words, int count, unsigned *mask,
                         struct buf *why);
// The tools of a --tools option: all of them (mask 0) when list is NULL.
int manifest_select_tools(const struct manifest *m, const char *list, unsigned *mask,
                          struct buf *why);
const struct suite *manifest_suite(const struct manifest *m, const char *name);
// The case's wall-clock limit under a tool, in seconds.
double manifest_case_timeout(const struct manifest *m, const struct test_case *c, int tool);

#endif
