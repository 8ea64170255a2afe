// mdriver: replay traces through your allocator and report how well it did.
//
//     mdriver [-v] [FILE.rep...]
//
// For each trace (the six scoring traces in the current directory when none
// is named) it checks every operation (trace.h), then prints the utilization
// (peak live payload / the heap's largest size), the best utilization that
// 16-byte alignment alone allows, and the throughput of your mm_malloc,
// mm_free and mm_realloc beside the C library's malloc, free and realloc on
// the same trace in the same process.  On the scoring traces it also prints
// the performance index and the points it earns: this is the measurement
// the graded performance cases make (perfindex.h), built the same way (-O2).
// -v runs mm_checkheap(1) after a trace that failed its checks.  Exit
// status 1 if any trace failed.
#include "memlib.h"
#include "mm.h"
#include "perfindex.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_trace(const struct trace *trace, const struct perf_trace *t)
{
    if (!t->check.ok) {
        printf("%-16s %6d %5s   (%s)\n", trace->name, trace->num_ops, "no", t->check.message);
        return;
    }
    printf("%-16s %6d %5s %5.1f%% %5.1f%%", trace->name, trace->num_ops, "yes",
           100 * t->check.utilization, 100 * t->check.alignment_limit);
    if (t->mm_seconds > 0 && t->libc_seconds > 0)
        printf(" %10.0f %10.0f %6.2f\n", trace->num_ops / t->mm_seconds / 1e3,
               trace->num_ops / t->libc_seconds / 1e3, t->libc_seconds / t->mm_seconds);
    else
        printf("  (not timed)\n");
}

static int report(struct trace **traces, int count, int scoring, int verbose)
{
    static struct perf_result result;
    perf_measure(traces, count, &result);
    long ops = 0;
    double limit_sum = 0, mm_total = 0, libc_total = 0;
    printf("%-16s %6s %5s %6s %6s %10s %10s %6s\n", "trace", "ops", "valid", "util", "limit",
           "mm Kops/s", "libc Kops/s", "ratio");
    for (int i = 0; i < result.count; i++) {
        const struct perf_trace *t = &result.traces[i];
        print_trace(traces[i], t);
        if (!t->check.ok && verbose)
            mm_checkheap(1);
        ops += traces[i]->num_ops;
        limit_sum += t->check.alignment_limit;
        mm_total += t->mm_seconds;
        libc_total += t->libc_seconds;
    }
    if (!result.ok) {
        printf("not timed: %s\n", result.message);
        return 1;
    }
    printf("%-16s %6ld %5s %5.1f%% %5.1f%% %10.0f %10.0f %6.2f\n", "total", ops, "",
           100 * result.utilization, 100 * limit_sum / result.count, ops / mm_total / 1e3,
           ops / libc_total / 1e3, result.ratio);
    printf("util: average over the traces (limit: the best that 16-byte alignment "
           "allows); ratio: your\nthroughput / the C library's, best of %d runs each\n",
           result.runs);
    if (result.runs < PERF_RUNS)
        printf("too slow for %d runs: the timed runs stopped after %.1f s of processor time\n",
               PERF_RUNS, PERF_CPU_BUDGET);
    if (scoring)
        printf("performance index %.1f = 60 x %.3f (utilization) + 40 x %.3f (throughput): "
               "%d of 20 points\n", result.index, perf_utilization_part(result.utilization),
               perf_throughput_part(result.ratio), (int)(result.index / 5 + 1e-9));
    return 0;
}

int main(int argc, char **argv)
{
    int verbose = 0, opt;
    while ((opt = getopt(argc, argv, "v")) != -1) {
        if (opt == 'v') {
            verbose = 1;
        } else {
            fprintf(stderr, "usage: %s [-v] [FILE.rep...]\n", argv[0]);
            return 2;
        }
    }
    char **names = argv + optind;
    int count = argc - optind, scoring = count == 0;
    if (scoring) {
        names = (char **)perf_scoring_traces;
        count = 6;
    }
    if (count > PERF_MAX_TRACES) {
        fprintf(stderr, "mdriver: at most %d traces at once\n", PERF_MAX_TRACES);
        return 2;
    }
    struct trace *traces[PERF_MAX_TRACES] = {NULL};
    int status = 0;
    mem_init();
    for (int i = 0; i < count && status == 0; i++) {
        char error[512];
        if ((traces[i] = trace_read(names[i], error, sizeof error)) == NULL) {
            fprintf(stderr, "mdriver: %s\n", error);
            status = 2;
        }
    }
    if (status == 0)
        status = report(traces, count, scoring, verbose);
    for (int i = 0; i < count; i++)
        trace_free(traces[i]);
    mem_deinit();
    return status;
}
