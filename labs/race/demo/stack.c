// Demo: four threads push their own nodes onto one stack at the same time.
//
// With the racy push, two threads can link their nodes to the same old top;
// whichever stores the top second wins, and the other's node is lost.
//
// `make demo` builds it with forced schedules (demo/points.c), so the bug
// shows on every run, even on a busy machine where the threads rarely
// overlap; `make demo-tsan` builds the plain version, with real threads.
#include <stdio.h>
#include <stdlib.h>

#include "race.h"
#include "race_lab.h"

#ifdef LK_EXPLORE
#include "forced.h"

enum { FORCED_THREADS = 2, FORCED_PER_THREAD = 2 };

static struct node forced_nodes[FORCED_THREADS * FORCED_PER_THREAD];

static void push_two(int index, void *arg)
{
    (void)arg;
    for (int i = 0; i < FORCED_PER_THREAD; i++)
        stack_push(&forced_nodes[index * FORCED_PER_THREAD + i]);
}

static void scenario(void *arg)
{
    (void)arg;
    int found = 0, total = FORCED_THREADS * FORCED_PER_THREAD;
    lab_run_threads(FORCED_THREADS, push_two, NULL);
    for (struct node *n = stack_take_all(); n && found <= total; n = n->next)
        found++;
    lk_explore_check(found == total, "pushed %d nodes, found %d on the stack: pushes were lost",
                     total, found);
}

int main(void)
{
    demo_forced("stack", "T1 and T2 each push 2 nodes onto one stack", scenario, 20);
    return 0;
}
#else
// Under TSan, fewer: one unordered pair is enough for a report, and very
// long racing loops can make TSan drop it.
enum { THREADS = 4, PER_THREAD = LAB_UNDER_TSAN ? 5000 : 250000 };

static struct node *nodes;

static void push_mine(int index, void *arg)
{
    (void)arg;
    for (long i = 0; i < PER_THREAD; i++)
        stack_push(&nodes[(long)index * PER_THREAD + i]);
}

int main(void)
{
    long total = (long)THREADS * PER_THREAD, found = 0;
    nodes = calloc((size_t)total, sizeof *nodes);
    if (!nodes)
        return 1;
    lab_run_threads(THREADS, push_mine, NULL);
    for (struct node *n = stack_take_all(); n && found <= total; n = n->next)
        found++;
    printf("stack: %d threads pushed %ld nodes: expected %ld on the stack, got %ld%s\n",
           THREADS, total, total, found, found == total ? "" : "  <- wrong: pushes were lost");
    free(nodes);
    return 0;
}
#endif
