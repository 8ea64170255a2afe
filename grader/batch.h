// Whole-class grading: `labgrade batch LAB DIR` grades every submission in a
// folder, one process per student, and writes a gradebook and the reports.
#ifndef BATCH_H
#define BATCH_H

// Run `labgrade batch`; argv[0] is "batch".  `kit` is the default kit folder
// (--kit overrides it).  Returns the process's exit status: 0 when every
// submission was graded, 1 when the grader failed on some, 2 on bad input.
int batch_main(int argc, char **argv, const char *kit);

struct grade;
// The gradebook's note on a grade: its problem's first line, or how many
// cases timed out, crashed, exited early... (caller frees).
char *batch_grade_note(const struct grade *g);

#endif
