// The performance index: one measurement for the graded cases and the bench.
#include "perfindex.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const perf_scoring_traces[6] = {"tree.rep",     "realloc.rep", "small.rep",
                                            "coalesce.rep", "phases.rep",  "mixed.rep"};

// The ranges of the index (README "Performance"): below the floor a part is
// worth nothing, at the top it is worth all of its weight.
#define UTIL_FLOOR 0.55
#define UTIL_TOP 0.79
#define RATIO_FLOOR 0.15
#define RATIO_TOP 0.70
#define UTIL_WEIGHT 60.0
#define RATIO_WEIGHT 40.0

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

double perf_utilization_part(double utilization)
{
    return clamp01((utilization - UTIL_FLOOR) / (UTIL_TOP - UTIL_FLOOR));
}

// On a log scale: the same relative change of speed (say 3% of noise) moves
// the index by the same amount at any ratio.
double perf_throughput_part(double ratio)
{
    if (ratio <= RATIO_FLOOR)
        return 0;
    return clamp01(log(ratio / RATIO_FLOOR) / log(RATIO_TOP / RATIO_FLOOR));
}

double perf_index(double utilization, double ratio)
{
    return UTIL_WEIGHT * perf_utilization_part(utilization)
           + RATIO_WEIGHT * perf_throughput_part(ratio);
}

// Check every trace; then, when `timed`, time both allocators on them.
static int measure(struct trace *const *traces, int count, int timed, struct perf_result *result)
{
    memset(result, 0, sizeof *result);
    result->ok = 1;
    result->count = count < PERF_MAX_TRACES ? count : PERF_MAX_TRACES;
    double util_sum = 0, mm_total = 0, libc_total = 0;
    for (int i = 0; i < result->count; i++) {
        struct perf_trace *t = &result->traces[i];
        t->mm_seconds = t->libc_seconds = -1;
        trace_check(traces[i], &t->check);
        util_sum += t->check.utilization;
        if (!t->check.ok && result->ok) {
            result->ok = 0;
            snprintf(result->message, sizeof result->message, "%s", t->check.message);
        }
    }
    result->utilization = result->count ? util_sum / result->count : 0;
    if (!result->ok || !timed)
        return result->ok;
    double mm[PERF_MAX_TRACES], libc[PERF_MAX_TRACES];
    result->runs = trace_bench(traces, result->count, PERF_RUNS, PERF_CPU_BUDGET, mm, libc);
    if (result->runs < 0) {
        result->ok = 0;
        snprintf(result->message, sizeof result->message,
                 "an allocation failed in a timed run (the checked runs passed)");
        return 0;
    }
    for (int i = 0; i < result->count; i++) {
        result->traces[i].mm_seconds = mm[i];
        result->traces[i].libc_seconds = libc[i];
        mm_total += mm[i];
        libc_total += libc[i];
    }
    result->ratio = mm_total > 0 ? libc_total / mm_total : 0;
    result->index = perf_index(result->utilization, result->ratio);
    return 1;
}

int perf_measure(struct trace *const *traces, int count, struct perf_result *result)
{
    return measure(traces, count, 1, result);
}

static int measure_scoring(int timed, struct perf_result *result)
{
    struct trace *traces[6] = {NULL};
    int ok = 1;
    for (int i = 0; i < 6 && ok; i++) {
        char error[320];
        traces[i] = trace_read(perf_scoring_traces[i], error, sizeof error);
        if (traces[i] == NULL) {
            memset(result, 0, sizeof *result);
            snprintf(result->message, sizeof result->message, "%s", error);
            ok = 0;
        }
    }
    if (ok)
        ok = measure(traces, 6, timed, result);
    for (int i = 0; i < 6; i++)
        trace_free(traces[i]);
    return ok;
}

int perf_measure_scoring(struct perf_result *result)
{
    return measure_scoring(1, result);
}

int perf_check_scoring(struct perf_result *result)
{
    return measure_scoring(0, result);
}
