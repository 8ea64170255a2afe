// Building a submission: a grader-owned copy of exactly the manifest's
// files, compiled once per build variant, one test binary per suite.
#ifndef BUILD_H
#define BUILD_H

#include "manifest.h"
#include "util.h"

// The settings every build shares.
struct build_env {
    const char *cc;
    const char *kit;          // the kit's root folder
    char *check_cflags;       // from pkg-config check
    char *check_libs;
    int use_bwrap;
};

// The grader's work directory for one submission.
struct workdir {
    char *root;
    char *src;      // every source file, flat (never visible to a test run)
    char *data;     // the lab's data files: the working directory of test runs
    char *build;    // build/<variant>/: objects and test binaries
    char *runs;     // runs/<case>.<tool>/: what a test run may write (tool logs)
    char *results;  // results/<case>.<tool>.*: the grader's records of each run
};

int build_env_init(struct build_env *env, const char *kit, const char *cc, struct buf *err);
void build_env_free(struct build_env *env);

int workdir_create(struct workdir *w, const char *root);
void workdir_free(struct workdir *w);

// Copy the submitted and provided files into w->src and w->data.  A missing
// or unreadable submitted file is the student's problem, described in
// `problem` (returns 1); a broken lab returns -1 with `problem` set.
int build_prepare(const struct manifest *m, const struct build_env *env, const char *submission,
                  const struct workdir *w, struct buf *problem);

// Who is at fault when a build fails.
enum build_status {
    BUILD_OK = 0,
    BUILD_STUDENT_ERROR = 1,   // a submitted file does not compile, or the tests do not link
    BUILD_LAB_ERROR = -1,      // a file of the lab itself does not compile
};

// Compile and link one variant (build/<variant>/<suite> for each suite).
// On failure the compiler's first errors, cut to what a student needs, are
// in `errors`.  Warnings in submitted files go to `warnings`.
enum build_status build_variant(const struct manifest *m, const struct build_env *env,
                                const struct workdir *w, const char *variant,
                                const char *variant_cflags, struct buf *errors,
                                struct buf *warnings);

// The object file of a source in a variant (caller frees).
char *build_object(const struct workdir *w, const char *variant, const char *source);
// Whether a file name is a C source (.c).
int build_is_c_source(const char *name);

// The path of a suite's test binary in a variant (caller frees).
char *build_binary(const struct workdir *w, const char *variant, const char *suite);

// The names of a suite file and runner.c in the build (a submitted file may
// have the same name as a lab file; the lab's is renamed).
char *build_source_name(const struct manifest *m, const char *path);

#endif
