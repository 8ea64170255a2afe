// Performance tests of the allocator lab: utilization and throughput on the
// six scoring traces (README "Performance").
//
// Utilization does not depend on the machine, so it is scored in tiers of
// the average over the traces.  Throughput does, so it is scored as a ratio
// to the C library's malloc, timed in the same process on the same traces,
// each allocator's best of several alternating runs.
#include "heaptest.h"
#include "labkit_check.h"
#include "memlib.h"
#include "mm.h"
#include "trace.h"

#include <stdio.h>

enum { TRACES = 6, TIMED_RUNS = 15 };

static const char *const trace_names[TRACES] = {"tree.rep",     "realloc.rep", "small.rep",
                                                "coalesce.rep", "phases.rep",  "mixed.rep"};

static struct trace *traces[TRACES];

static void load_traces(void)
{
    for (int i = 0; i < TRACES; i++) {
        char error[512];
        traces[i] = trace_read(trace_names[i], error, sizeof error);
        ck_assert_msg(traces[i] != NULL, "cannot read the trace: %s", error);
    }
}

static void free_traces(void)
{
    for (int i = 0; i < TRACES; i++) {
        trace_free(traces[i]);
        traces[i] = NULL;
    }
}

// Replay every trace with checking; a trace that fails counts as 0%.
// Returns the average utilization in percent and writes a per-trace summary.
static double average_utilization(char *summary, size_t size)
{
    double sum = 0;
    int used = 0;
    load_traces();
    for (int i = 0; i < TRACES; i++) {
        struct trace_result result;
        trace_check(traces[i], &result);
        sum += result.utilization;
        if (used >= 0 && (size_t)used < size)
            used += snprintf(summary + used, size - used, "%s%s %.1f%%", i ? ", " : "",
                             trace_names[i], 100 * result.utilization);
        if (!result.ok && used >= 0 && (size_t)used < size)
            used += snprintf(summary + used, size - used, " (failed: %s)", result.message);
    }
    free_traces();
    return 100 * sum / TRACES;
}

static void assert_utilization(double percent)
{
    char summary[1024] = "";
    double average = average_utilization(summary, sizeof summary);
    ck_assert_msg(average >= percent, "average utilization: expected at least %.0f%%, got "
                  "%.1f%% [%s]", percent, average, summary);
}

START_TEST(utilization_at_least_60)
{
    // The heap's average utilization on the scoring traces is at least 60%.
    assert_utilization(60);
}
END_TEST

START_TEST(utilization_at_least_70)
{
    // The heap's average utilization on the scoring traces is at least 70%.
    assert_utilization(70);
}
END_TEST

START_TEST(utilization_at_least_75)
{
    // The heap's average utilization on the scoring traces is at least 75%.
    assert_utilization(75);
}
END_TEST

// The submission's throughput over all traces, as a fraction of the C
// library's.  Fails the test if a trace does not replay correctly.
static double throughput_ratio(void)
{
    double mm_seconds[TRACES], libc_seconds[TRACES], mm_total = 0, libc_total = 0;
    load_traces();
    for (int i = 0; i < TRACES; i++) {
        struct trace_result result;
        trace_check(traces[i], &result);
        ck_assert_msg(result.ok, "throughput is timed only on correct runs: %s",
                      result.message);
    }
    int status = trace_bench(traces, TRACES, TIMED_RUNS, mm_seconds, libc_seconds);
    free_traces();
    ck_assert_msg(status == 0, "an allocation failed in a timed run");
    for (int i = 0; i < TRACES; i++) {
        mm_total += mm_seconds[i];
        libc_total += libc_seconds[i];
    }
    return libc_total / mm_total;
}

START_TEST(throughput_at_least_3_percent_of_libc)
{
    // The allocator's throughput is at least 3% of the C library's malloc.
    double ratio = throughput_ratio();
    ck_assert_msg(ratio >= 0.03, "throughput: expected at least 0.03 of the C library's, got "
                  "%.3f", ratio);
}
END_TEST

START_TEST(throughput_at_least_15_percent_of_libc)
{
    // The allocator's throughput is at least 15% of the C library's malloc.
    double ratio = throughput_ratio();
    ck_assert_msg(ratio >= 0.15, "throughput: expected at least 0.15 of the C library's, got "
                  "%.3f", ratio);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("malloc-perf");
    lk_set_fixture(heaptest_setup, heaptest_teardown);
    LK_ADD(s, utilization_at_least_60);
    LK_ADD(s, utilization_at_least_70);
    LK_ADD(s, utilization_at_least_75);
    LK_ADD(s, throughput_at_least_3_percent_of_libc);
    LK_ADD(s, throughput_at_least_15_percent_of_libc);
    return s;
}
