// Grading one submission: build it, check its symbols, run every case under
// every tool it needs, and turn what happened into verdicts and points.
#ifndef GRADE_H
#define GRADE_H

#include "build.h"
#include "manifest.h"

enum verdict {
    VERDICT_NOT_RUN,
    VERDICT_PASS,
    VERDICT_FAIL,        // an assertion failed
    VERDICT_CRASH,       // a signal
    VERDICT_TIMEOUT,
    VERDICT_MEMORY,
    VERDICT_OUTPUT,
    VERDICT_FOUND,       // the tool found an error: a leak, a race, an overflow
    VERDICT_EARLY_EXIT,  // the test's process exited before the test ended
    VERDICT_NO_RESULT,   // nothing was reported: the runner itself died
    VERDICT_SKIPPED,     // not run: the case already timed out natively
    VERDICT_TOOL_ERROR,  // the tool itself could not run: the grader's failure
    VERDICT_COUNT
};

struct run_outcome {
    enum verdict verdict;
    char *reason;        // one line
    char *detail;        // several lines: assertion, report, stacks (may be NULL)
    double seconds;
};

struct case_outcome {
    struct run_outcome runs[TOOL_MAX];
    int skipped;         // its suite is not in this kit (hidden tests)
    int passed;
    double earned;
};

struct grade_options {
    int jobs;
    unsigned tools;          // only these tools (0: all)
    const char *only_case;   // only this case (NULL: all)
    const char *workdir;     // keep the work in this folder (NULL: a temporary one)
    int keep;                // do not remove the work directory
    int use_bwrap;
    int progress;            // show progress on stderr
    int figures;             // also run the cases that only measure a figure
};

struct grade {
    const struct manifest *m;
    char *submission;
    struct case_outcome *cases;   // one per manifest case
    double score;
    double max_score;
    char *problem;       // set when nothing could run: missing file, compile error, forbidden call
    char *warnings;      // compiler warnings in the submitted files
    char *workdir;       // kept work directory, or NULL
    double seconds;
    double *figures;     // per manifest figure: its value, NAN when none of its cases ran
};

// Grade a submission.  Returns 0 (the grade says how it went, even for code
// that does not compile), or -1 when the lab, a tool or the grader itself is
// broken (with `err` set): never points taken from the student.
int grade_submission(const struct manifest *m, const struct build_env *env, const char *submission,
                     const struct grade_options *opt, struct grade *g, struct buf *err);
void grade_free(struct grade *g);

const char *verdict_name(enum verdict v);
// The word for a run's verdict in the results table: a finding is named by its tool.
const char *run_verdict_name(const struct tool *t, enum verdict v);

#endif
