// A failing forced schedule drawn as per-thread swimlanes: an SVG file a
// student opens in a browser, beside the kept build.
#ifndef SWIMLANE_H
#define SWIMLANE_H

#include "build.h"
#include "grade.h"

// The SVG of a schedule file (the format is labs/common/lk_trace.c's): a new
// string, or NULL when the text is not a schedule.
char *swimlane_svg(const char *schedule_text);

// For each failed run of g that left NAME.schedule files in its folder under
// w->runs, write NAME.svg beside each and add its path to the run's detail.
void swimlane_draw_all(struct grade *g, const struct workdir *w);

#endif
