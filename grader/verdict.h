// Judging one finished run of a case under a tool.
#ifndef VERDICT_H
#define VERDICT_H

#include "build.h"
#include "grade.h"
#include "guard.h"
#include "sandbox.h"

// What a run may print: kept, and the most before it is stopped.
enum { RUN_OUTPUT_KEEP = 64 * 1024, RUN_OUTPUT_MAX = 8 << 20 };
// How many processes a run of a lab that forks may have at once.
enum { RUN_MAX_PROCESSES = 256 };

// One run of one case under one tool.
struct job {
    int case_index;
    int tool;
    char *run_dir;
    char *output_path;
    char *result_path;
    char *stacks_path;
    int no_aslr;
    unsigned char key[GUARD_KEY_BYTES];   // the runner's proof of a pass
    struct sandbox_run run;
    struct sandbox_result result;
    int finished;
};

// Set an outcome (reason and detail are taken over).
void verdict_set(struct run_outcome *o, enum verdict v, char *reason, char *detail);
// The verdict of a finished job; `files` are the student's source names.
void verdict_evaluate(const struct manifest *m, const struct workdir *w, struct job *j,
                      char **files, int nfiles, struct run_outcome *o);

#endif
