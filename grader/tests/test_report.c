// Unit tests of the terminal report: failures grouped, the summary by task,
// and its small texts, on grades built by hand.
#define _GNU_SOURCE
#include "tests.h"

#include "grade.h"
#include "report.h"
#include "swimlane.h"
#include "util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A lab of six cases in three tasks; its suite file is any file of grader/.
static const char *lab_text =
    "lab demo\n"
    "title \"demo: a lab to report on\"\n"
    "submit demo.c\n"
    "tools native memcheck\n"
    "suite public Makefile\n"
    "case public spin_one 2 ref=README.md#task-1 \"the first spin case\"\n"
    "case public spin_two 1 ref=README.md#task-1 \"the second spin case\"\n"
    "case public mutex_one 3 ref=README.md#task-2 \"the first mutex case\"\n"
    "case public mutex_two 1 ref=README.md#task-2 \"the second mutex case\"\n"
    "case public mutex_three 1 ref=README.md#task-2 \"the third mutex case\"\n"
    "case public cond_one 4 \"the condition variable case\"\n"
    "task 1 \"the spinlock\" spin_*\n"
    "task 2 \"the futex mutex\" mutex_*\n"
    "task 3 \"the condition variable\" cond_*\n";

static struct manifest lab;
static struct grade g;

static void set_run(int i, int tool, enum verdict v, const char *reason, const char *detail)
{
    struct run_outcome *o = &g.cases[i].runs[tool];
    free(o->reason);
    free(o->detail);
    *o = (struct run_outcome){v, xstrdup(reason), detail ? xstrdup(detail) : NULL, 0};
}

// Every case run under native and memcheck, and passed; the tests fail some.
static void setup(void)
{
    struct buf err = {0};
    ck_assert_msg(manifest_parse(lab_text, "demo.conf", ".", &lab, &err) == 0, "%s", buf_str(&err));
    buf_free(&err);
    memset(&g, 0, sizeof g);
    g.m = &lab;
    g.submission = xstrdup("starter/demo");
    g.cases = xcalloc((size_t)lab.case_count, sizeof *g.cases);
    for (int i = 0; i < lab.case_count; i++)
        for (int t = 0; t < lab.tool_count; t++)
            if (lab.cases[i].tools & (1u << t))
                set_run(i, t, VERDICT_PASS, "passed", NULL);
}

static void teardown(void)
{
    grade_free(&g);
    manifest_free(&lab);
}

// Score the hand-made grade: a case passes when all its runs do.
static void score(void)
{
    g.score = g.max_score = 0;
    for (int i = 0; i < lab.case_count; i++) {
        g.cases[i].passed = 1;
        for (int t = 0; t < lab.tool_count; t++)
            if (lab.cases[i].tools & (1u << t))
                g.cases[i].passed &= g.cases[i].runs[t].verdict == VERDICT_PASS;
        g.cases[i].earned = g.cases[i].passed ? lab.cases[i].points : 0;
        g.score += g.cases[i].earned;
        g.max_score += lab.cases[i].points;
    }
}

char *report_text(const struct grade *graded)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct report_options opt = {.hidden_visibility = "visible"};
    report_terminal(f, graded, &opt);
    fclose(f);
    return text;
}

static char *report(void)
{
    score();
    return report_text(&g);
}

static int count_of(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

START_TEST(identical_failures_are_explained_once_with_their_cases)
{
    // Four cases fail for one reason (one of them under both tools, with
    // different addresses in the detail); another fails its own way.
    int memcheck = manifest_tool_index(&lab, "memcheck");
    const char *same = "mm_init() on an empty heap: expected 0, got -1 (heaptest.c:15)";
    for (int i = 0; i < 4; i++)
        set_run(i, TOOL_NATIVE, VERDICT_FAIL, same, i == 0 ? "read at 0x55aa01" : "read at 0x55bb02");
    set_run(1, memcheck, VERDICT_FAIL, same, "read at 0x55cc03");
    set_run(5, TOOL_NATIVE, VERDICT_FAIL, "a waiter was never woken (cond.c:7)", "thread 2: cond_wait");
    char *text = report();
    ck_assert_msg(count_of(text, same) == 1, "the shared reason is not printed once:\n%s", text);
    ck_assert_msg(strstr(text, "4 cases fail the same way (7 points):\n"
                               "    the cases: spin_one, spin_two, mutex_one, mutex_two\n"
                               "    native, memcheck: mm_init()"),
                  "%s", text);
    ck_assert_msg(strstr(text, "  cond_one (4 points): the condition variable case\n"
                               "    native: a waiter was never woken (cond.c:7)\n"
                               "        thread 2: cond_wait\n"),
                  "a single failure lost its detail:\n%s", text);
    free(text);
}
END_TEST

START_TEST(tools_with_the_same_reason_share_a_line)
{
    int memcheck = manifest_tool_index(&lab, "memcheck");
    set_run(2, TOOL_NATIVE, VERDICT_FAIL, "trylock on a free lock: expected true (t.c:9)", NULL);
    set_run(2, memcheck, VERDICT_FAIL, "trylock on a free lock: expected true (t.c:9)",
            "memcheck also reported:\nInvalid read of size 4");
    char *text = report();
    ck_assert_msg(strstr(text, "  mutex_one (3 points): the first mutex case\n"
                               "    native, memcheck: trylock on a free lock: expected true (t.c:9)\n"
                               "        memcheck also reported:\n"
                               "        Invalid read of size 4\n"
                               "    see labs/demo/README.md#task-2\n"),
                  "%s", text);
    free(text);
}
END_TEST

START_TEST(summary_gives_points_per_task_and_the_next_one)
{
    // Task 1 at full marks, task 2 not: the next step is task 2.
    set_run(3, TOOL_NATIVE, VERDICT_FAIL, "the second mutex case failed", NULL);
    set_run(5, TOOL_NATIVE, VERDICT_TIMEOUT, "timed out", NULL);
    char *text = report();
    ck_assert_msg(strstr(text, "  Task 1, the spinlock                 3/3\n"), "%s", text);
    ck_assert_msg(strstr(text, "  Task 2, the futex mutex              4/5\n"), "%s", text);
    ck_assert_msg(strstr(text, "  Task 3, the condition variable       0/4\n"), "%s", text);
    ck_assert_msg(strstr(text, "\nnext: Task 2, the futex mutex (4/5)\n"), "%s", text);
    ck_assert_msg(strstr(text, "next:") < strstr(text, "score: 7/12"), "%s", text);
    free(text);
}
END_TEST

START_TEST(small_texts_read_right)
{
    // "1 point", and the title once even when it starts with the lab's name.
    set_run(1, TOOL_NATIVE, VERDICT_FAIL, "spin_two failed", NULL);
    char *text = report();
    ck_assert_msg(strstr(text, "spin_two (1 point): "), "%s", text);
    ck_assert_msg(!strstr(text, "(1 points)"), "%s", text);
    ck_assert_msg(strncmp(text, "demo: a lab to report on\n", 25) == 0, "%s", text);
    free(text);
}
END_TEST

START_TEST(full_marks_have_no_next_step)
{
    char *text = report();
    ck_assert_msg(!strstr(text, "next:") && !strstr(text, "What failed"), "%s", text);
    ck_assert_msg(strstr(text, "Task 3, the condition variable       4/4"), "%s", text);
    free(text);
}
END_TEST

START_TEST(a_schedule_is_drawn_as_swimlanes)
{
    // The format of labs/common/lk_trace.c: a lane per thread, a box per
    // step with its call site, the preemption in red; text is escaped.
    const char *schedule = "labkit-schedule 1\n"
                           "name\tspin_excludes\n"
                           "reason\tcheck failed: <two> threads & more\n"
                           "step\t1\t0\tspawn T1\t\t0\n"
                           "step\t2\t1\tload flag -> 0\tschedules.c\t28\n"
                           "step\t3\t2\tstore flag = 1\tschedules.c\t29\n"
                           "preempt\t2\t1\t2\n";
    char *svg = swimlane_svg(schedule);
    ck_assert_ptr_nonnull(svg);
    ck_assert_msg(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""), "%s", svg);
    ck_assert_int_eq(count_of(svg, "class=\"box\""), 3);
    ck_assert_int_eq(count_of(svg, "class=\"lane\""), 3);
    ck_assert_msg(strstr(svg, ">T1 preempted here: T2 runs<"), "%s", svg);
    ck_assert_msg(strstr(svg, ">schedules.c:28<"), "%s", svg);
    ck_assert_msg(strstr(svg, "load flag -&gt; 0"), "%s", svg);
    ck_assert_msg(strstr(svg, "&lt;two&gt; threads &amp; more"), "%s", svg);
    ck_assert_msg(!strstr(svg, "<two>"), "%s", svg);
    free(svg);
    ck_assert_ptr_null(swimlane_svg("not a schedule\nstep\t1\t0\tx\n"));
    ck_assert_ptr_null(swimlane_svg("labkit-schedule 1\nstep\t1\t99999\tx\t\t0\n"));
}
END_TEST

TCase *report_tests(void)
{
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, identical_failures_are_explained_once_with_their_cases);
    tcase_add_test(tc, tools_with_the_same_reason_share_a_line);
    tcase_add_test(tc, summary_gives_points_per_task_and_the_next_one);
    tcase_add_test(tc, small_texts_read_right);
    tcase_add_test(tc, full_marks_have_no_next_step);
    tcase_add_test(tc, a_schedule_is_drawn_as_swimlanes);
    return tc;
}
