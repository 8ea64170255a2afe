// Unit tests of grading, reporting and the gradebook note: real grades of the
// grader's toy lab (tests/grader/kit), and grades built by hand.
#define _GNU_SOURCE
#include "tests.h"

#include "batch.h"
#include "grade.h"
#include "report.h"
#include "util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The unit tests run in grader/.
#define TOY_KIT "../tests/grader/kit"
#define TOY_SUBMISSIONS "../tests/grader/submissions"

static struct manifest toy;
static struct build_env env;

static void load_toy(void)
{
    struct buf err = {0};
    ck_assert_msg(manifest_load(TOY_KIT, "toy", &toy, &err) == MANIFEST_OK, "%s", buf_str(&err));
    ck_assert_msg(build_env_init(&env, TOY_KIT, "cc", &err) == 0, "%s", buf_str(&err));
    buf_free(&err);
}

static void free_toy(void)
{
    build_env_free(&env);
    manifest_free(&toy);
}

// Grade a fixture of the toy lab, built as tests/fixture.py builds it: the
// solution's files with the fixture's patch applied (an empty patch: the
// solution as it is).
static int grade_toy(const char *fixture, const char *only_case, const char *cc,
                     struct grade *g, struct buf *err)
{
    struct grade_options opt = {.jobs = 2, .only_case = only_case};
    env.cc = cc;
    char *dir = xstrdup("/tmp/unit-toy-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *patch = path_real(TOY_SUBMISSIONS);
    char *build = xasprintf("cp %s/solutions/toy/* %s && P=%s/%s/patch && { [ ! -s $P ] || "
                            "patch -s -p1 -d %s -i $P; }", TOY_KIT, dir, patch, fixture, dir);
    ck_assert_msg(system(build) == 0, "could not build %s: %s", fixture, build);
    int rc = grade_submission(&toy, &env, dir, &opt, g, err);
    dir_remove(dir);
    free(build);
    free(patch);
    free(dir);
    return rc;
}

static const struct run_outcome *run_of(const struct grade *g, const char *case_name,
                                        const char *tool)
{
    for (int i = 0; i < g->m->case_count; i++)
        if (strcmp(g->m->cases[i].name, case_name) == 0)
            return &g->cases[i].runs[manifest_tool_index(g->m, tool)];
    ck_abort_msg("no case %s", case_name);
    return NULL;
}

START_TEST(verdicts_have_names_and_findings_their_tools_word)
{
    for (int v = 0; v < VERDICT_COUNT; v++)
        ck_assert_msg(verdict_name(v) && *verdict_name(v), "verdict %d has no name", v);
    int asan = manifest_tool_index(&toy, "asan"), native = TOOL_NATIVE;
    ck_assert_str_eq(run_verdict_name(&toy.tools[asan], VERDICT_FOUND), "ASAN");
    ck_assert_str_eq(run_verdict_name(&toy.tools[native], VERDICT_TIMEOUT), "TIMEOUT");
}
END_TEST

START_TEST(an_overflow_fails_under_memcheck_and_asan_with_its_line)
{
    // The out-of-bounds write of toy_fill, as each memory tool reports it.
    struct grade g;
    struct buf err = {0};
    ck_assert_msg(grade_toy("overflows", "stays_in_bounds", "cc", &g, &err) == 0, "%s",
                  buf_str(&err));
    const struct run_outcome *asan = run_of(&g, "stays_in_bounds", "asan");
    ck_assert_int_eq(asan->verdict, VERDICT_FOUND);
    ck_assert_msg(strstr(asan->reason, "AddressSanitizer: heap-buffer-overflow at toy.c:"), "%s",
                  asan->reason);
    ck_assert_msg(asan->detail && strstr(asan->detail, "WRITE of size 1"), "%s", asan->detail);
    const struct run_outcome *memcheck = run_of(&g, "stays_in_bounds", "memcheck");
    ck_assert_int_eq(memcheck->verdict, VERDICT_FOUND);
    ck_assert_msg(strstr(memcheck->reason, "Invalid write"), "%s", memcheck->reason);
    ck_assert_double_eq(g.score, 0);
    grade_free(&g);
    buf_free(&err);
}
END_TEST

START_TEST(a_tool_that_cannot_run_is_the_graders_error)
{
    // DWARF 5 that Valgrind cannot read: no score, the tool's own words.
    struct grade g;
    struct buf err = {0};
    char *cc = path_real("tests/dwarf5-cc");
    ck_assert_int_eq(grade_toy("good", "frees_what_it_allocates", cc, &g, &err), -1);
    free(cc);
    ck_assert_msg(strstr(buf_str(&err), "Valgrind could not run"), "%s", buf_str(&err));
    ck_assert_msg(strstr(buf_str(&err), "dwarf2"), "%s", buf_str(&err));
    grade_free(&g);
    buf_free(&err);
}
END_TEST

START_TEST(a_good_submission_scores_full_marks)
{
    struct grade g;
    struct buf err = {0};
    ck_assert_msg(grade_toy("good", NULL, "cc", &g, &err) == 0, "%s", buf_str(&err));
    ck_assert_ptr_null(g.problem);
    ck_assert_double_eq(g.score, g.max_score);
    ck_assert_double_gt(g.max_score, 0);
    grade_free(&g);
    buf_free(&err);
}
END_TEST

START_TEST(a_spawn_loop_is_stopped_by_the_process_count)
{
    // Root is exempt from RLIMIT_NPROC: the sandbox counts a forking lab's
    // processes and ends the run with a verdict that says why.
    struct grade g;
    struct buf err = {0};
    const char *fixture = "rm -rf /tmp/labkit-spawn-loop && mkdir /tmp/labkit-spawn-loop && "
                          "cp " TOY_KIT "/solutions/toy/toy.c /tmp/labkit-spawn-loop && "
                          "patch -s -d /tmp/labkit-spawn-loop -p1 < " TOY_SUBMISSIONS
                          "/spawn_loop/patch";
    ck_assert_msg(system(fixture) == 0, "could not build the spawn_loop submission");
    struct grade_options opt = {.jobs = 1, .only_case = "finishes"};
    env.cc = "cc";
    ck_assert_msg(grade_submission(&toy, &env, "/tmp/labkit-spawn-loop", &opt, &g, &err) == 0, "%s",
                  buf_str(&err));
    const struct run_outcome *o = run_of(&g, "finishes", "native");
    ck_assert_msg(o->verdict == VERDICT_CRASH && strstr(o->reason, "processes at once"),
                  "expected a CRASH naming the process count, got %s: %s",
                  verdict_name(o->verdict), o->reason);
    grade_free(&g);
    buf_free(&err);
    ck_assert_int_eq(system("rm -rf /tmp/labkit-spawn-loop"), 0);
}
END_TEST

// A grade of the toy lab made by hand: every case passed but the given one.
static void hand_grade(struct grade *g, int failed_case, int tool, enum verdict v)
{
    memset(g, 0, sizeof *g);
    g->m = &toy;
    g->submission = xstrdup("somewhere");
    g->cases = xcalloc((size_t)toy.case_count, sizeof *g->cases);
    for (int i = 0; i < toy.case_count; i++) {
        for (int t = 0; t < toy.tool_count; t++)
            if (toy.cases[i].tools & (1u << t))
                g->cases[i].runs[t] = (struct run_outcome){VERDICT_PASS, xstrdup("passed"), NULL, 0};
        g->cases[i].passed = i != failed_case;
        g->cases[i].earned = i != failed_case ? toy.cases[i].points : 0;
        g->score += g->cases[i].earned;
        g->max_score += toy.cases[i].points;
    }
    struct run_outcome *o = &g->cases[failed_case].runs[tool];
    free(o->reason);
    *o = (struct run_outcome){v, xstrdup("the reason"), xstrdup("the detail"), 0};
}

START_TEST(feedback_reruns_the_command_the_grader_ran)
{
    // --keep's rerun line for a failed memcheck run comes from the tool table.
    int c = 1, memcheck = manifest_tool_index(&toy, "memcheck");
    ck_assert_str_eq(toy.cases[c].name, "frees_what_it_allocates");
    struct grade g;
    hand_grade(&g, c, memcheck, VERDICT_FOUND);
    g.workdir = xstrdup("/tmp/kept");
    struct buf out = {0};
    report_case_feedback(&out, &g, c);
    char *line = tool_rerun_line(toy.tools[memcheck].kind, "memcheck", toy.tools[memcheck].scale,
                                 "../runs/frees_what_it_allocates.memcheck", "../build/native/public",
                                 "frees_what_it_allocates");
    ck_assert_msg(strstr(buf_str(&out), "memcheck: the reason\n    the detail\n"), "%s",
                  buf_str(&out));
    ck_assert_msg(strstr(buf_str(&out), line), "%s\nlacks\n%s", buf_str(&out), line);
    free(line);
    buf_free(&out);
    grade_free(&g);
}
END_TEST

START_TEST(a_problem_is_one_paragraph_without_empty_rows)
{
    // A submission nothing ran of: the problem on top, no table of zeros.
    struct grade g;
    hand_grade(&g, 0, TOOL_NATIVE, VERDICT_NOT_RUN);
    g.problem = xstrdup("Your code was not run: toy.c:3: uses `system`\n");
    char *text = report_text(&g);
    ck_assert_msg(strstr(text, "toy.c:3: uses `system`"), "%s", text);
    ck_assert_msg(!strstr(text, "adds_numbers"), "%s", text);
    free(text);
    grade_free(&g);
}
END_TEST

START_TEST(gradebook_note_counts_every_verdict_kind)
{
    // A skipped run and a timeout (the last verdicts of the enum) are counted.
    struct grade g;
    int memcheck = manifest_tool_index(&toy, "memcheck");
    hand_grade(&g, 1, TOOL_NATIVE, VERDICT_TIMEOUT);
    g.cases[1].runs[memcheck].verdict = VERDICT_SKIPPED;
    g.cases[2].runs[memcheck].verdict = VERDICT_CRASH;
    char *note = batch_grade_note(&g);
    ck_assert_str_eq(note, "1 case timed out; 1 case crashed");
    free(note);
    grade_free(&g);
}
END_TEST

TCase *grade_tests(void)
{
    TCase *tc = tcase_create("grade");
    tcase_add_checked_fixture(tc, load_toy, free_toy);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, verdicts_have_names_and_findings_their_tools_word);
    tcase_add_test(tc, an_overflow_fails_under_memcheck_and_asan_with_its_line);
    tcase_add_test(tc, a_tool_that_cannot_run_is_the_graders_error);
    tcase_add_test(tc, a_good_submission_scores_full_marks);
    tcase_add_test(tc, a_spawn_loop_is_stopped_by_the_process_count);
    tcase_add_test(tc, feedback_reruns_the_command_the_grader_ran);
    tcase_add_test(tc, a_problem_is_one_paragraph_without_empty_rows);
    tcase_add_test(tc, gradebook_note_counts_every_verdict_kind);
    return tc;
}
