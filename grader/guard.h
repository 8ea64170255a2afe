// Grade integrity: what a submission may include, say and contain, and the
// proof that a pass came from the runner.  See "What the grader defends
// against" in docs/instructor.md.
#ifndef GUARD_H
#define GUARD_H

#include "build.h"
#include "manifest.h"
#include "util.h"

enum { GUARD_KEY_BYTES = 16 };

// A fresh random key for one test run; the sandbox hands it to the runner
// on fd 4 (a pipe), never in the environment.
void guard_new_key(unsigned char key[GUARD_KEY_BYTES]);
// In the command's process before exec: the key readable on fd 4 (or fd 4
// closed when key is NULL).
void guard_key_on_fd4(const unsigned char *key, int len);
// Whether the proof a pass line carries (hex) is the run's key.
int guard_proof_ok(const char *proof, const unsigned char key[GUARD_KEY_BYTES]);
// The forgery verdict's message.
const char *guard_forged_message(void);

// "LK_SYSCALLS=..." for a test run's environment: the lab's `syscalls` and what
// the tool needs, in the runner's words (caller frees).
char *guard_syscalls_env(const struct manifest *m, const struct tool_kind *kind);

// The folder where submitted sources are compiled: the submitted files and
// the lab's provided headers only, so no #include reaches a test source.
char *guard_student_dir(const struct workdir *w);
// Fill it (after build_prepare).  Returns 0, or -1 with `problem` set.
int guard_prepare_student_dir(const struct manifest *m, const struct workdir *w, struct buf *problem);

// Preprocess each submitted source (in the student folder, in the sandbox),
// then refuse includes of anything but the lab's headers and system headers,
// and any tool switch or tool detection in the student's own lines.  Returns
// the number of problems, described (file:line) in `problem`.
int guard_check_sources(const struct manifest *m, const struct build_env *env, const struct workdir *w,
                        struct buf *problem);

// Scan one source text as written (comments and literals do not count) for
// tool switches, tool detection and stack reads; findings go to `problem`
// as "name:line: ..." lines, once per line and word (`seen` remembers them).
// Returns the number of new findings.
int guard_scan_text(const char *text, const char *name, struct buf *problem, struct buf *seen);

// Scan the submitted native objects' machine code for system-call
// instructions and Valgrind client requests.  Returns the number of problems.
int guard_check_objects(const struct manifest *m, const struct workdir *w, struct buf *problem);

#endif
