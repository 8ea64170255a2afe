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

// A leaderboard figure (`figure` in lab.conf): its value is the highest
// figure= value among the cases of its ladder that passed, 0 when none did.
// It comes from verdicts alone, never from what a test printed or wrote.
struct figure {
    char *name;         // a column of the gradebook
    char *label;        // its name on Gradescope's leaderboard
    int ascending;      // a lower value ranks higher
};

struct test_case {
    char *suite;
    char *name;
    double points;      // 0 only for a case that measures a figure
    int figure;         // index into figures, or -1
    double figure_value; // the figure's value when this case passes
    unsigned tools;     // bit i set: runs under tools[i]
    double timeout;     // native seconds; 0 means the lab's default
    char *ref;
    char *description;
    int hidden;
};

// A task of the handout (`task N "TITLE" PATTERN...`): its cases are those
// the patterns (names or globs) pick.
struct task {
    char *number;
    char *title;
    char **patterns;
    int pattern_count;
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
    struct task *tasks;
    int task_count;
    struct figure *figures;
    int figure_count;
};

// A case worth nothing that only measures a figure: run only when a grade
// asks for the leaderboard, and never reported as a failure.
static inline int manifest_measures_only(const struct test_case *c)
{
    return c->points == 0 && c->figure >= 0;
}

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
// The index of the first task whose patterns pick case c (-1: none).
int manifest_task_of(const struct manifest *m, const struct test_case *c);
const struct suite *manifest_suite(const struct manifest *m, const char *name);
// The case's wall-clock limit under a tool, in seconds.
double manifest_case_timeout(const struct manifest *m, const struct test_case *c, int tool);

#endif
