// mdriver: replay traces through your allocator and report how well it did.
//
//     mdriver [-r REPS] [-v] [FILE.rep...]
//
// For each trace (the scoring traces in the current directory when none is
// named) it checks every operation (trace.h), then prints the utilization
// (peak live payload / final heap size) and the throughput of your mm_malloc,
// mm_free and mm_realloc beside the C library's malloc, free and realloc on
// the same trace in the same process.  -r sets how many timed runs of each
// allocator to take the best of (default 9); -v runs mm_checkheap(1) after a
// trace that failed its checks.  Exit status 1 if any trace failed.
#include "memlib.h"
#include "mm.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const scoring_traces[] = {"tree.rep",     "realloc.rep", "small.rep",
                                             "coalesce.rep", "phases.rep",  "mixed.rep"};

// Load the traces; returns how many, or -1 after printing why one failed.
static int load_traces(char **names, int count, struct trace **traces)
{
    for (int i = 0; i < count; i++) {
        char error[512];
        if ((traces[i] = trace_read(names[i], error, sizeof error)) == NULL) {
            fprintf(stderr, "mdriver: %s\n", error);
            return -1;
        }
    }
    return count;
}

// Check and time every trace, print one line for each and the totals.
static int report(struct trace **traces, int count, int reps, int verbose)
{
    double *mm_seconds = calloc(count, sizeof *mm_seconds);
    double *libc_seconds = calloc(count, sizeof *libc_seconds);
    double util_sum = 0, mm_total = 0, libc_total = 0;
    long ops_total = 0;
    int failed = 0;
    printf("%-16s %6s %5s %6s %12s %12s %7s\n", "trace", "ops", "valid", "util",
           "mm Kops/s", "libc Kops/s", "ratio");
    for (int i = 0; i < count; i++) {
        struct trace_result result;
        trace_check(traces[i], &result);
        int timed = result.ok && trace_bench(&traces[i], 1, reps, &mm_seconds[i],
                                             &libc_seconds[i]) == 0;
        if (!result.ok) {
            printf("%-16s %6d %5s   (%s)\n", traces[i]->name, traces[i]->num_ops, "no",
                   result.message);
            if (verbose)
                mm_checkheap(1);
            failed = 1;
            continue;
        }
        util_sum += result.utilization;
        if (!timed) {
            printf("%-16s %6d %5s %5.1f%%  (a timed run failed)\n", traces[i]->name,
                   traces[i]->num_ops, "yes", 100 * result.utilization);
            failed = 1;
            continue;
        }
        int ops = traces[i]->num_ops;
        mm_total += mm_seconds[i];
        libc_total += libc_seconds[i];
        ops_total += ops;
        printf("%-16s %6d %5s %5.1f%% %12.0f %12.0f %7.2f\n", traces[i]->name, ops, "yes",
               100 * result.utilization, ops / mm_seconds[i] / 1e3, ops / libc_seconds[i] / 1e3,
               libc_seconds[i] / mm_seconds[i]);
    }
    if (!failed && count > 0)
        printf("%-16s %6ld %5s %5.1f%% %12.0f %12.0f %7.2f\n", "total", ops_total, "",
               100 * util_sum / count, ops_total / mm_total / 1e3, ops_total / libc_total / 1e3,
               libc_total / mm_total);
    printf("util: average over the traces; ratio: your throughput / the C library's "
           "(best of %d runs)\n", reps);
    free(mm_seconds);
    free(libc_seconds);
    return failed;
}

int main(int argc, char **argv)
{
    int reps = 9, verbose = 0, opt;
    while ((opt = getopt(argc, argv, "r:v")) != -1) {
        if (opt == 'r' && atoi(optarg) > 0) {
            reps = atoi(optarg);
        } else if (opt == 'v') {
            verbose = 1;
        } else {
            fprintf(stderr, "usage: %s [-r REPS] [-v] [FILE.rep...]\n", argv[0]);
            return 2;
        }
    }
    char **names = argv + optind;
    int count = argc - optind;
    if (count == 0) {
        names = (char **)scoring_traces;
        count = (int)(sizeof scoring_traces / sizeof scoring_traces[0]);
    }
    struct trace **traces = calloc(count, sizeof *traces);
    mem_init();
    int status = load_traces(names, count, traces) < 0 ? 2 : report(traces, count, reps, verbose);
    for (int i = 0; i < count; i++)
        trace_free(traces[i]);
    free(traces);
    mem_deinit();
    return status;
}
