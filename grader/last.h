// The last failing build, reachable as the kit's .labgrade/last, so that the
// commands a report prints (reruns, explore replays) still work afterwards.
#ifndef LAST_H
#define LAST_H

#include "grade.h"

#include <stdio.h>

// Whether grades of this kit keep their last failing build: the kit's
// folder is writable (the student's own kit, not an autograder's).
int last_wanted(const char *kit);

// After a grade run with its work directory kept: if the grade lost points,
// KIT/.labgrade/last becomes a link to the work directory (the one it linked
// to before is removed), every path to it in g's reports is rewritten to go
// through the link, and the link's path is returned (a new string);
// otherwise the work directory is removed and NULL returned.  g->workdir is
// cleared either way: the report then prints no command per case.
char *last_keep(struct grade *g, const char *kit);

// One line after the report: where the build is, and the command that
// reruns the first failed case by hand, to paste from anywhere.
void last_note(FILE *out, const struct grade *g, const char *last);

#endif
