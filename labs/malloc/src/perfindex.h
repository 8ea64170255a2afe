// The performance index of the malloc lab (README "Performance"): one
// measurement shared by the graded performance cases and `make bench`, so
// that both print and score exactly the same figures.
#ifndef PERFINDEX_H
#define PERFINDEX_H

#include "trace.h"

enum {
    PERF_MAX_TRACES = 16, // traces one measurement can take
    PERF_RUNS = 41,       // timed runs of each allocator on each trace; the best counts
};

// The processor time the timed runs may use: a slow allocator gets fewer
// runs (at least one), so that a measurement costs at most about half a
// second whatever the machine's load.  The lab's reference allocators and
// the C library need about 0.05 s for all PERF_RUNS; an allocator at 0.15
// of the C library's speed, where the index starts to count throughput,
// about 0.2 s.
#define PERF_CPU_BUDGET 0.5

// The six scoring traces, looked up in the current directory.
extern const char *const perf_scoring_traces[6];

// What one trace gave.
struct perf_trace {
    struct trace_result check; // the checked replay: utilization, alignment limit
    double mm_seconds;         // best timed run of mm.c, -1 when not timed
    double libc_seconds;       // best timed run of the C library, -1 when not timed
};

struct perf_result {
    int count;
    struct perf_trace traces[PERF_MAX_TRACES];
    int ok;               // every trace replayed correctly and every timed run succeeded
    int runs;             // timed runs of each allocator on each trace (PERF_RUNS or fewer)
    char message[400];    // the first problem, "" when ok
    double utilization;   // average over the traces (a failed trace counts 0)
    double ratio;         // the C library's total time / mm.c's total time
    double index;         // perf_index(utilization, ratio), 0..100
};

// Check every trace (utilization), then time mm.c and the C library on all
// of them, alternating the two PERF_RUNS times (or fewer, PERF_CPU_BUDGET)
// and keeping each one's best time per trace.  Returns result->ok.
int perf_measure(struct trace *const *traces, int count, struct perf_result *result);

// Read the scoring traces and perf_measure() them.  Returns result->ok.
int perf_measure_scoring(struct perf_result *result);

// Read the scoring traces and only check them: the utilization, untimed
// (ratio and index stay 0).  Returns result->ok.
int perf_check_scoring(struct perf_result *result);

// The performance index, 0 to 100, from the average utilization (0..1) and
// the throughput ratio against the C library (README "Performance").
double perf_index(double utilization, double ratio);

// The index's parts, each 0..1: how far the utilization and the ratio are
// between the floor (0) and the top (1) of their range.
double perf_utilization_part(double utilization);
double perf_throughput_part(double ratio);

#endif
