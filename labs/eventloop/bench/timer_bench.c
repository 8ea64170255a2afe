// Timer benchmark: the submission's loop against a sorted-list baseline, in processor time.
//
// Each size schedules N one-shot timers with shuffled delays of 0 to 20 ms
// and runs the loop until all have fired.  Time is the process's CPU time
// (the loop sleeps between deadlines, and sleeping costs none), so a busy
// machine changes the figures little.  The baseline is what a first attempt
// often is: timers kept in a list sorted on insertion (O(N) per add), fired
// from its head; it runs the same adds and fires with no waiting at all.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "loop.h"

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long fired;

static void on_timer(loop_t *loop, long id, void *arg)
{
    (void)loop, (void)id, (void)arg;
    fired++;
}

static double run_loop(long n)
{
    loop_t *loop = loop_new();
    if (!loop) {
        fprintf(stderr, "timer_bench: loop_new() returned NULL\n");
        exit(1);
    }
    srand(7);
    fired = 0;
    double t0 = cpu_seconds();
    for (long i = 0; i < n; i++)
        if (loop_add_timer(loop, rand() % 21, 0, on_timer, NULL) <= 0) {
            fprintf(stderr, "timer_bench: loop_add_timer failed\n");
            exit(1);
        }
    if (loop_run(loop) != 0 || fired != n) {
        fprintf(stderr, "timer_bench: %ld of %ld timers fired\n", fired, n);
        exit(1);
    }
    double t = cpu_seconds() - t0;
    loop_free(loop);
    return t;
}

struct node {
    long deadline;
    struct node *next;
};

// The baseline: insert each deadline into a sorted list, then pop them all.
static double run_sorted_list(long n)
{
    struct node *nodes = malloc((size_t)n * sizeof *nodes), *head = NULL;
    srand(7);
    double t0 = cpu_seconds();
    for (long i = 0; i < n; i++) {
        nodes[i].deadline = (rand() % 21) * 1000000L + i; // add order breaks ties
        struct node **at = &head;
        while (*at && (*at)->deadline <= nodes[i].deadline)
            at = &(*at)->next;
        nodes[i].next = *at;
        *at = &nodes[i];
    }
    long count = 0;
    for (; head; head = head->next)
        count++;
    double t = cpu_seconds() - t0;
    free(nodes);
    if (count != n)
        exit(1);
    return t;
}

int main(int argc, char **argv)
{
    printf("timers: %s, CPU time to schedule and fire N timers of 0-20 ms\n\n",
           argc > 1 ? argv[1] : "submission");
    printf("%8s  %12s  %14s  %12s\n", "N", "your loop", "sorted list", "list / yours");
    long sizes[] = {1000, 10000, 100000};
    for (int i = 0; i < 3; i++) {
        double mine = run_loop(sizes[i]);
        if (sizes[i] <= 10000) {
            double base = run_sorted_list(sizes[i]);
            printf("%8ld  %10.4f s  %12.4f s  %11.1fx\n", sizes[i], mine, base, base / mine);
        } else {
            printf("%8ld  %10.4f s  %14s  %12s\n", sizes[i], mine, "(too slow)", "-");
        }
    }
    printf("\nthe sorted list grows as N^2; a heap as N log N (target: 100000 in under 0.5 s)\n");
    return 0;
}
