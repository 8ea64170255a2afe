// Checking a lab: its manifest and its test files must name the same cases.
#ifndef LINT_H
#define LINT_H

#include "build.h"
#include "grade.h"
#include "manifest.h"

// Build the lab with `submission` and compare the cases each test binary
// lists with lab.conf.  Prints what disagrees; returns 0 when nothing does,
// 2 otherwise.
int lint_lab(const struct manifest *m, const struct build_env *env, const char *submission);

#endif
