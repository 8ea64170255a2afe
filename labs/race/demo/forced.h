// The demos that run under forced schedules (demo/points.c; `make demo`).
#ifndef DEMO_FORCED_H
#define DEMO_FORCED_H

// Run scenario under the scheduler's random strategy, seeds 1..seeds, and
// print what happened: how many schedules went wrong and the first one step
// by step, or that none did.  `what` says in a few words what the threads
// do.  Each seed is one schedule, the same on every run.
void demo_forced(const char *name, const char *what, void (*scenario)(void *), int seeds);

#endif
