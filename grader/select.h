// Which test cases a run grades: --case names and globs, --task N.
#ifndef SELECT_H
#define SELECT_H

#include "manifest.h"
#include "util.h"

// Whether case `name` is one that `spec` picks: names and shell globs
// (fnmatch) separated by commas.  A NULL spec picks every case.
int select_case(const char *spec, const char *name);

// spec + "," + pattern, for --case given several times: a new string
// (spec, which may be NULL, is freed).
char *select_join(char *spec, const char *pattern);

// 0 if every pattern of spec picks at least one case of the lab; otherwise
// -1, and `why` names the patterns that pick none with the closest names.
int select_check(const struct manifest *m, const char *spec, struct buf *why);

// The cases of handout task `task` as a spec, from lab.conf's lines
// `task N "TITLE" PATTERN...`: a new string, or NULL with `why` set (no such
// task: the tasks there are listed).  *title gets a new copy of the title.
char *select_task(const struct manifest *m, const char *task, char **title, struct buf *why);

#endif
