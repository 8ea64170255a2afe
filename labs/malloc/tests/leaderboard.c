// The leaderboard's ladders (README "Performance"): cases worth no points,
// one for each rung of average utilization and of throughput against the C
// library.  The grader reports, for each figure, the highest rung that
// passed, so a figure rests on verdicts the test process cannot forge, not
// on anything it prints.  Run with `labgrade --leaderboard`.
#include "heaptest.h"
#include "labkit_check.h"
#include "perfindex.h"

#include <stdio.h>

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
                  "got %.2f", ratio, r.ratio);
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
    Suite *s = suite_create("malloc-leaderboard");
    lk_set_fixture(heaptest_setup, heaptest_teardown);
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
