// Reporting a grade: a terminal table with explanations, Gradescope's
// results.json, and JUnit XML.
#ifndef REPORT_H
#define REPORT_H

#include "grade.h"

#include <stdio.h>

struct report_options {
    int color;
    int verbose;                   // show every run, passing ones too
    const char *hidden_visibility; // Gradescope visibility of hidden cases
};

// 0 if V is one of Gradescope's test visibilities; otherwise -1, after
// printing the valid values to stderr (for --hidden-visibility).
int report_check_visibility(const char *v);

void report_terminal(FILE *out, const struct grade *g, const struct report_options *opt);
int report_json(const char *path, const struct grade *g, const struct report_options *opt);
int report_junit(const char *path, const struct grade *g);

// The text of one case's failure: for each failing tool, the reason and
// the detail (report, stacks), indented.
void report_case_feedback(struct buf *out, const struct grade *g, int case_index);

#endif
