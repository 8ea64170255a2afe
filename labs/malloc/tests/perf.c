// Performance tests of the allocator lab: the performance index on the six
// scoring traces (README "Performance"), one case for every 5 points of it,
// and the leaderboard's rungs of utilization and throughput.
//
// The index combines the average utilization, which does not depend on the
// machine, and the throughput as a ratio to the C library's malloc, timed in
// the same process on the same traces (each allocator's best of several
// alternating runs), so that a loaded machine slows both alike.  The cases
// run in the -O2 build (lab.conf's `tool perf`); `make bench` makes the same
// measurement and prints it.
#include "heaptest.h"
#include "labkit_check.h"
#include "perfindex.h"

#include <signal.h>
#include <stdio.h>
#include <time.h>

// A case is judged by processor time, not by the wall clock: the timed runs
// stop after PERF_CPU_BUDGET seconds of it, and a case that has used
// PERF_CPU_LIMIT seconds is stuck or far too slow and fails saying so.  The
// case's wall-clock timeout (lab.conf) is only a safety net, generous enough
// for a machine whose load leaves this process a small share of a core.
#define PERF_CPU_LIMIT 1.0

static void on_cpu_limit(int signo)
{
    (void)signo;
    ck_abort_msg("too slow: the case used %.0f s of processor time without finishing the "
                 "checked replays and the timed runs of the scoring traces (the handout's "
                 "answer key needs about 0.1 s): mm.c is stuck in a loop or very slow",
                 PERF_CPU_LIMIT);
}

static void perf_setup(void)
{
    heaptest_setup();
    struct sigaction action = {.sa_handler = on_cpu_limit};
    sigaction(SIGPROF, &action, NULL);
    struct sigevent event = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGPROF};
    timer_t timer;
    struct itimerspec when = {.it_value = {.tv_sec = (time_t)PERF_CPU_LIMIT}};
    ck_assert_msg(timer_create(CLOCK_PROCESS_CPUTIME_ID, &event, &timer) == 0
                  && timer_settime(timer, 0, &when, NULL) == 0,
                  "cannot set a processor-time limit for the performance case");
}

// Fail unless the index reaches `points`; the message shows every figure.
static void assert_index(double points)
{
    static struct perf_result r;
    perf_measure_scoring(&r);
    ck_assert_msg(r.ok, "the performance index is measured on correct runs only: %s",
                  r.message);
    char slow[160] = "";
    if (r.runs < PERF_RUNS)
        snprintf(slow, sizeof slow, "; too slow for %d timed runs: %d ran in the %.1f s of "
                 "processor time they may use", PERF_RUNS, r.runs, PERF_CPU_BUDGET);
    char traces[600] = "";
    size_t used = 0;
    for (int i = 0; i < r.count && used < sizeof traces; i++)
        used += (size_t)snprintf(traces + used, sizeof traces - used, "%s%s %.1f%% (limit %.1f%%)",
                                 i ? ", " : "", perf_scoring_traces[i],
                                 100 * r.traces[i].check.utilization,
                                 100 * r.traces[i].check.alignment_limit);
    ck_assert_msg(r.index >= points, "performance index: expected at least %.0f, got %.1f "
                  "(average utilization %.1f%%, throughput %.2f of the C library's%s) [%s]",
                  points, r.index, 100 * r.utilization, r.ratio, slow, traces);
}

START_TEST(perf_index_at_least_05)
{
    // The performance index on the scoring traces is at least 5.
    assert_index(5);
}
END_TEST

START_TEST(perf_index_at_least_10)
{
    // The performance index on the scoring traces is at least 10.
    assert_index(10);
}
END_TEST

START_TEST(perf_index_at_least_15)
{
    // The performance index on the scoring traces is at least 15.
    assert_index(15);
}
END_TEST

START_TEST(perf_index_at_least_20)
{
    // The performance index on the scoring traces is at least 20.
    assert_index(20);
}
END_TEST

START_TEST(perf_index_at_least_25)
{
    // The performance index on the scoring traces is at least 25.
    assert_index(25);
}
END_TEST

START_TEST(perf_index_at_least_30)
{
    // The performance index on the scoring traces is at least 30.
    assert_index(30);
}
END_TEST

START_TEST(perf_index_at_least_35)
{
    // The performance index on the scoring traces is at least 35.
    assert_index(35);
}
END_TEST

START_TEST(perf_index_at_least_40)
{
    // The performance index on the scoring traces is at least 40.
    assert_index(40);
}
END_TEST

START_TEST(perf_index_at_least_45)
{
    // The performance index on the scoring traces is at least 45.
    assert_index(45);
}
END_TEST

START_TEST(perf_index_at_least_50)
{
    // The performance index on the scoring traces is at least 50.
    assert_index(50);
}
END_TEST

START_TEST(perf_index_at_least_55)
{
    // The performance index on the scoring traces is at least 55.
    assert_index(55);
}
END_TEST

START_TEST(perf_index_at_least_60)
{
    // The performance index on the scoring traces is at least 60.
    assert_index(60);
}
END_TEST

START_TEST(perf_index_at_least_65)
{
    // The performance index on the scoring traces is at least 65.
    assert_index(65);
}
END_TEST

START_TEST(perf_index_at_least_70)
{
    // The performance index on the scoring traces is at least 70.
    assert_index(70);
}
END_TEST

START_TEST(perf_index_at_least_75)
{
    // The performance index on the scoring traces is at least 75.
    assert_index(75);
}
END_TEST

START_TEST(perf_index_at_least_80)
{
    // The performance index on the scoring traces is at least 80.
    assert_index(80);
}
END_TEST

START_TEST(perf_index_at_least_85)
{
    // The performance index on the scoring traces is at least 85.
    assert_index(85);
}
END_TEST

START_TEST(perf_index_at_least_90)
{
    // The performance index on the scoring traces is at least 90.
    assert_index(90);
}
END_TEST

START_TEST(perf_index_at_least_95)
{
    // The performance index on the scoring traces is at least 95.
    assert_index(95);
}
END_TEST

START_TEST(perf_index_at_least_100)
{
    // The performance index on the scoring traces is at least 100.
    assert_index(100);
}
END_TEST

// The leaderboard's rungs (README "The leaderboard"): cases worth no points,
// one per rung of average utilization and of throughput, run only for the
// leaderboard (labgrade --leaderboard).  The grader reports, for each figure,
// the highest rung that passed, so a figure rests on verdicts, not on
// anything the test process prints.

// Fail unless the average utilization on the scoring traces reaches
// `percent` (checked replays only: the figure does not depend on the machine).
static void assert_utilization(double percent)
{
    static struct perf_result r;
    perf_check_scoring(&r);
    ck_assert_msg(r.ok, "utilization is measured on correct runs only: %s", r.message);
    ck_assert_msg(100 * r.utilization >= percent, "average utilization: expected at least "
                  "%.0f%%, got %.1f%%", percent, 100 * r.utilization);
}

// Fail unless the throughput on the scoring traces reaches `ratio` times the
// C library's, measured as the performance cases measure it.
static void assert_throughput(double ratio)
{
    static struct perf_result r;
    perf_measure_scoring(&r);
    ck_assert_msg(r.ok, "throughput is measured on correct runs only: %s", r.message);
    ck_assert_msg(r.ratio >= ratio, "throughput: expected at least %.2f of the C library's, "
                  "got %.2f%s", ratio, r.ratio, r.runs < PERF_RUNS ? " (too slow for every "
                  "timed run: they stop after half a second of processor time)" : "");
}

// One test per rung: the average utilization is at least N percent.
#define UTILIZATION_RUNG(n)                                                                    \
    START_TEST(utilization_at_least_##n)                                                       \
    {                                                                                          \
        assert_utilization(n);                                                                 \
    }                                                                                          \
    END_TEST

// One test per rung: the throughput is at least A.BC times the C library's.
#define THROUGHPUT_RUNG(a, bc)                                                                 \
    START_TEST(throughput_at_least_##a##_##bc##x)                                              \
    {                                                                                          \
        assert_throughput(a + bc / 100.0);                                                     \
    }                                                                                          \
    END_TEST

UTILIZATION_RUNG(60)
UTILIZATION_RUNG(62)
UTILIZATION_RUNG(64)
UTILIZATION_RUNG(66)
UTILIZATION_RUNG(68)
UTILIZATION_RUNG(70)
UTILIZATION_RUNG(72)
UTILIZATION_RUNG(74)
UTILIZATION_RUNG(76)
UTILIZATION_RUNG(78)
UTILIZATION_RUNG(80)
UTILIZATION_RUNG(82)
UTILIZATION_RUNG(84)
UTILIZATION_RUNG(86)
UTILIZATION_RUNG(88)
UTILIZATION_RUNG(90)
UTILIZATION_RUNG(92)
UTILIZATION_RUNG(94)
UTILIZATION_RUNG(96)
UTILIZATION_RUNG(98)

THROUGHPUT_RUNG(0, 25)
THROUGHPUT_RUNG(0, 50)
THROUGHPUT_RUNG(0, 70)
THROUGHPUT_RUNG(0, 85)
THROUGHPUT_RUNG(1, 00)
THROUGHPUT_RUNG(1, 15)
THROUGHPUT_RUNG(1, 30)
THROUGHPUT_RUNG(1, 50)

Suite *lk_suite(void)
{
    Suite *s = suite_create("malloc-perf");
    lk_set_fixture(perf_setup, heaptest_teardown);
    LK_ADD(s, perf_index_at_least_05);
    LK_ADD(s, perf_index_at_least_10);
    LK_ADD(s, perf_index_at_least_15);
    LK_ADD(s, perf_index_at_least_20);
    LK_ADD(s, perf_index_at_least_25);
    LK_ADD(s, perf_index_at_least_30);
    LK_ADD(s, perf_index_at_least_35);
    LK_ADD(s, perf_index_at_least_40);
    LK_ADD(s, perf_index_at_least_45);
    LK_ADD(s, perf_index_at_least_50);
    LK_ADD(s, perf_index_at_least_55);
    LK_ADD(s, perf_index_at_least_60);
    LK_ADD(s, perf_index_at_least_65);
    LK_ADD(s, perf_index_at_least_70);
    LK_ADD(s, perf_index_at_least_75);
    LK_ADD(s, perf_index_at_least_80);
    LK_ADD(s, perf_index_at_least_85);
    LK_ADD(s, perf_index_at_least_90);
    LK_ADD(s, perf_index_at_least_95);
    LK_ADD(s, perf_index_at_least_100);
    LK_ADD(s, utilization_at_least_60);
    LK_ADD(s, utilization_at_least_62);
    LK_ADD(s, utilization_at_least_64);
    LK_ADD(s, utilization_at_least_66);
    LK_ADD(s, utilization_at_least_68);
    LK_ADD(s, utilization_at_least_70);
    LK_ADD(s, utilization_at_least_72);
    LK_ADD(s, utilization_at_least_74);
    LK_ADD(s, utilization_at_least_76);
    LK_ADD(s, utilization_at_least_78);
    LK_ADD(s, utilization_at_least_80);
    LK_ADD(s, utilization_at_least_82);
    LK_ADD(s, utilization_at_least_84);
    LK_ADD(s, utilization_at_least_86);
    LK_ADD(s, utilization_at_least_88);
    LK_ADD(s, utilization_at_least_90);
    LK_ADD(s, utilization_at_least_92);
    LK_ADD(s, utilization_at_least_94);
    LK_ADD(s, utilization_at_least_96);
    LK_ADD(s, utilization_at_least_98);
    LK_ADD(s, throughput_at_least_0_25x);
    LK_ADD(s, throughput_at_least_0_50x);
    LK_ADD(s, throughput_at_least_0_70x);
    LK_ADD(s, throughput_at_least_0_85x);
    LK_ADD(s, throughput_at_least_1_00x);
    LK_ADD(s, throughput_at_least_1_15x);
    LK_ADD(s, throughput_at_least_1_30x);
    LK_ADD(s, throughput_at_least_1_50x);
    return s;
}
