// The test runner: main() for every lab's Check test binary.
//
// Run by the grader, it runs exactly one test case (argv[1]) in Check's fork
// mode and reports the result on a pipe the grader passed as LK_RESULT_FD,
// one line per test:
//
//     LK1 <tab> case <tab> pass|fail|error <tab> file <tab> line <tab> message
//
// Two things keep a submission from faking a pass.  The result pipe is closed
// in every forked test process (pthread_atfork), so only this parent, which
// never runs student code, can write to it.  And a test passes only if its
// process exits with a token the grader chose (LK_TOKEN), which the checked
// teardown does after the test body returns: a test that calls exit(0) or
// _exit(0) half way through is an "early exit", and Valgrind's and TSan's own
// exit codes replace the token when they found something.
#define _GNU_SOURCE
#include "labkit_check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { DEFAULT_TOKEN = 83, MAX_CASES = 512 };

static int exit_token = DEFAULT_TOKEN;
static int result_fd = -1;
static int forking = 1;
static double case_timeout = 30.0;
static void (*lab_setup)(void);
static void (*lab_teardown)(void);
static const char *case_names[MAX_CASES];
static int case_count;

void lk_set_fixture(void (*setup)(void), void (*teardown)(void))
{
    lab_setup = setup;
    lab_teardown = teardown;
}

// Checked setup: runs in the test's process before the body.
static void runner_setup(void)
{
    if (lab_setup)
        lab_setup();
}

// Checked teardown: runs only when the body returned normally, so the token
// exit below is the proof that the test ran to its end.
static void runner_teardown(void)
{
    if (lab_teardown)
        lab_teardown();
    if (forking) {
        fflush(NULL);
        exit(exit_token);
    }
}

void lk_add(Suite *suite, const char *name, const TTest *test)
{
    if (case_count == MAX_CASES) {
        fprintf(stderr, "labkit: more than %d test cases in one suite\n", MAX_CASES);
        abort();
    }
    case_names[case_count++] = name;
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, runner_setup, runner_teardown);
    if (forking)
        tcase_add_exit_test(tc, test, exit_token);
    else
        tcase_add_test(tc, test);
    tcase_set_timeout(tc, case_timeout);
    suite_add_tcase(suite, tc);
}

const char *lk_tool(void)
{
    const char *tool = getenv("LK_TOOL");
    return tool && *tool ? tool : "native";
}

long lk_scaled(long n, long memcheck_divisor, long tsan_divisor)
{
    long divisor = 1;
    if (strcmp(lk_tool(), "memcheck") == 0)
        divisor = memcheck_divisor;
    else if (strcmp(lk_tool(), "tsan") == 0)
        divisor = tsan_divisor;
    if (divisor < 1)
        divisor = 1;
    return n / divisor > 0 ? n / divisor : 1;
}

static void close_result_fd_in_child(void)
{
    if (result_fd >= 0)
        close(result_fd);
    result_fd = -1;
}

// Take the grader's settings out of the environment, so a test's process
// does not inherit them as plain variables.
static void read_settings(void)
{
    const char *value = getenv("CK_FORK");
    forking = !(value && strcmp(value, "no") == 0);
    if ((value = getenv("LK_TOKEN")) != NULL)
        exit_token = atoi(value);
    if ((value = getenv("LK_RESULT_FD")) != NULL)
        result_fd = atoi(value);
    if ((value = getenv("LK_CASE_TIMEOUT")) != NULL && atof(value) > 0)
        case_timeout = atof(value);
    unsetenv("LK_TOKEN");
    unsetenv("LK_RESULT_FD");
    if (result_fd >= 0)
        pthread_atfork(NULL, NULL, close_result_fd_in_child);
}

// Write `text` on one line: tabs become spaces, and newlines the ASCII unit
// separator, which the grader turns back into newlines (a message may be a
// whole explore trace).
static void put_field(FILE *out, const char *text)
{
    for (; text && *text; text++)
        fputc(*text == '\t' || *text == '\r' ? ' ' : *text == '\n' ? '\x1f' : *text, out);
}

static const char *verdict(int rtype)
{
    switch (rtype) {
    case CK_PASS:
        return "pass";
    case CK_FAILURE:
        return "fail";
    default:
        return "error";
    }
}

static void report_results(SRunner *runner)
{
    FILE *out = fdopen(result_fd, "w");
    if (!out)
        return;
    TestResult **results = srunner_results(runner);
    int count = srunner_ntests_run(runner);
    for (int i = 0; i < count; i++) {
        TestResult *r = results[i];
        fputs("LK1\t", out);
        put_field(out, tr_tcname(r));
        fprintf(out, "\t%s\t", verdict(tr_rtype(r)));
        put_field(out, tr_lfile(r) ? tr_lfile(r) : "");
        fprintf(out, "\t%d\t", tr_lno(r));
        put_field(out, tr_msg(r));
        fputc('\n', out);
    }
    free(results);
    fclose(out);
}

int main(int argc, char **argv)
{
    read_settings();
    Suite *suite = lk_suite();
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < case_count; i++)
            puts(case_names[i]);
        (void)suite;   // Check 0.15 has no public suite_free; the process ends here.
        return 0;
    }
    const char *only = argc > 1 ? argv[1] : NULL;
    if (only) {
        int known = 0;
        for (int i = 0; i < case_count && !known; i++)
            known = strcmp(case_names[i], only) == 0;
        if (!known) {
            fprintf(stderr, "%s: no test case named '%s' (try --list)\n", argv[0], only);
            (void)suite;   // Check 0.15 has no public suite_free; the process ends here.
            return 2;
        }
    }
    SRunner *runner = srunner_create(suite);
    srunner_run(runner, NULL, only, result_fd >= 0 ? CK_SILENT : CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    if (result_fd >= 0)
        report_results(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
