// Demo: four threads push their own nodes onto one stack at the same time.
//
// With the racy push, two threads can link their nodes to the same old top;
// whichever stores the top second wins, and the other's node is lost.
#include <stdio.h>
#include <stdlib.h>

#include "race.h"
#include "race_lab.h"

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
