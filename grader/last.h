// The last failing build, kept in the kit's .labgrade/last/ so that the
// commands a report prints (reruns, explore replays) still work afterwards.
#ifndef LAST_H
#define LAST_H

#include "grade.h"

// A new work directory in KIT/.labgrade/ when the kit is writable (the
// student's own kit), else NULL: grade in a temporary folder as before.
char *last_workdir(const char *kit);

// After grading in a work directory from last_workdir(): if the grade lost
// points, it becomes KIT/.labgrade/last (replacing the one before) and every
// path to it in g's reports is rewritten; otherwise it is removed and
// g->workdir cleared.
void last_keep(struct grade *g);

#endif
