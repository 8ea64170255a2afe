// Unit tests of the tool table: commands, rerun lines, reports, tool failures.
#define _GNU_SOURCE
#include "tests.h"

#include "guard.h"
#include "tools.h"
#include "util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *log_dir_with(const char *name, const char *text)
{
    char *dir = xstrdup("/tmp/unit-tool-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = path_join(dir, name);
    file_write(path, text, strlen(text));
    free(path);
    return dir;
}

START_TEST(builds_shared_by_tools_use_the_same_flags)
{
    // Two tools running one build must agree on how it is compiled, and each
    // finding has an exit status of its own.
    for (int i = 0; i < tool_kind_count; i++)
        for (int j = i + 1; j < tool_kind_count; j++) {
            const struct tool_kind *a = &tool_kinds[i], *b = &tool_kinds[j];
            if (a->variant && b->variant && strcmp(a->variant, b->variant) == 0)
                ck_assert_str_eq(a->cflags, b->cflags);
            if (a->found_exit)
                ck_assert_int_ne(a->found_exit, b->found_exit);
        }
    ck_assert_str_eq(tool_kinds[0].name, "native");
}
END_TEST

START_TEST(every_tool_tells_the_test_its_slowdown)
{
    // The tests scale their waits by LK_SLOWDOWN, not by the tool's name.
    for (int i = 0; i < tool_kind_count; i++) {
        const struct tool_kind *k = &tool_kinds[i];
        char **env = tool_env(k, k->name, k->scale, "/tmp/x");
        char *want = xasprintf("LK_SLOWDOWN=%g", k->scale);
        int found = 0;
        for (char **p = env; *p; p++)
            found += strcmp(*p, want) == 0;
        ck_assert_msg(found == 1 && k->scale >= 1, "%s: no %s", k->name, want);
        free(want);
        tool_free_strings(env);
    }
    char **env = tool_env(tool_kind_find("memcheck"), "memcheck", 6, "/tmp/x");
    ck_assert_str_eq(env[1], "LK_SLOWDOWN=6");   // a lab's `scale memcheck 6`
    tool_free_strings(env);
}
END_TEST

START_TEST(rerun_line_is_the_command_the_grader_runs)
{
    // The hint for --keep holds every option of the real run (the leak kinds).
    const struct tool_kind *k = tool_kind_find("memcheck");
    char **argv = tool_argv(k, "../runs/x", "../build/native/public", "case_one");
    char *line = tool_rerun_line(k, "memcheck", k->scale, "../runs/x", "../build/native/public",
                                 "case_one");
    for (char **p = argv; *p; p++)
        ck_assert_msg(strstr(line, *p), "'%s' lacks '%s'", line, *p);
    ck_assert_msg(strstr(line, "--errors-for-leak-kinds=definite,indirect"), "%s", line);
    ck_assert_msg(strncmp(line, "LK_TOOL=memcheck LK_SLOWDOWN=10 valgrind ", 41) == 0, "%s", line);
    ck_assert_msg(strstr(line, "--error-exitcode=97"), "%s", line);
    tool_free_strings(argv);
    free(line);
    line = tool_rerun_line(tool_kind_find("tsan"), "tsan", 5, "../runs/y", "b", "c");
    ck_assert_msg(strstr(line, "TSAN_OPTIONS='exitcode=66 halt_on_error=0 log_path=../runs/y/tsan"),
                  "%s", line);
    free(line);
}
END_TEST

START_TEST(valgrind_that_cannot_read_the_binary_is_a_tool_failure)
{
    // clang 14's DWARF 5 stops Valgrind 3.19 before the tests run.
    char *dir = log_dir_with("valgrind.12.log",
                             "==12== Memcheck, a memory error detector\n"
                             "### unhandled dwarf2 abbrev form code 0x25\n"
                             "==12== Valgrind: debuginfo reader: Possibly corrupted debuginfo file.\n"
                             "==12==          I can't recover.  Giving up.  Sorry.\n");
    char *missing = path_join(dir, "output");
    char *failure = tool_failure(tool_kind_find("memcheck"), dir, missing);
    ck_assert_ptr_nonnull(failure);
    ck_assert_msg(strstr(failure, "unhandled dwarf2"), "%s", failure);
    free(failure);
    // The same log is not a failure of a tool that does not write it.
    ck_assert_ptr_null(tool_failure(tool_kind_find("tsan"), dir, missing));
    free(missing);
    dir_remove(dir);
    free(dir);
}
END_TEST

START_TEST(missing_sanitizer_runtime_is_a_tool_failure)
{
    char *dir = log_dir_with("output", "./public: error while loading shared libraries: "
                                       "libasan.so.8: cannot open shared object file\n");
    char *output = path_join(dir, "output");
    char *failure = tool_failure(tool_kind_find("asan"), dir, output);
    ck_assert_msg(failure && strstr(failure, "libasan.so.8"), "%s", failure ? failure : "NULL");
    free(failure);
    ck_assert_ptr_null(tool_failure_in(tool_kind_find("asan"), "all tests passed\n"));
    free(output);
    dir_remove(dir);
    free(dir);
}
END_TEST

// What a tool's parser must make of one log naming the student's `file`: the
// report starts with `starts`, holds every `has` and none of `lacks`.
struct log_case {
    const char *tool, *log_name, *text, *file, *starts;
    const char *has[5], *lacks[4];
};

static const struct log_case log_cases[] = {
    // Valgrind: the first error of the log, its first frame and the frames in mm.c.
    {"memcheck", "valgrind.100.log",
     "==100== Memcheck, a memory error detector\n==100== Command: ./public\n==100== \n"
     "==100== Invalid write of size 8\n"
     "==100==    at 0x4848: memset (vg_replace_strmem.c:1)\n"
     "==100==    by 0x1092: place (mm.c:142)\n"
     "==100==    by 0x1093: srunner_run (check_run.c:9)\n"
     "==100==  Address 0x4a is 0 bytes after a block of size 16 alloc'd\n"
     "==100== \n==100== HEAP SUMMARY:\n==100==     in use at exit: 0 bytes\n",
     "mm.c", "Invalid write of size 8\n",
     {"by place (mm.c:142)", "0 bytes after a block"}, {"vg_replace_strmem", "srunner_run"}},
    // TSan: the report from WARNING to SUMMARY, the build's paths cut to file
    // names; a thread the tests made is left out, one the student's code made stays.
    {"tsan", "tsan.7",
     "==================\nWARNING: ThreadSanitizer: data race (pid=7)\n"
     "  Write of size 4 at 0x1 by thread T1:\n"
     "    #0 bump /tmp/labgrade.x/src/race.c:9 (public+0x12)\n"
     "    #1 worker /tmp/labgrade.x/src/public.c:30 (public+0x13)\n\n"
     "  Thread T1 (tid=8, running) created by main thread at:\n"
     "    #0 pthread_create ../libsanitizer/tsan/tsan_interceptors.cpp:1022 (libtsan.so.2+0x5)\n"
     "    #1 start_threads /tmp/labgrade.x/src/public.c:20 (public+0x14)\n"
     "  Thread T2 (tid=9, running) created by thread T1 at:\n"
     "    #0 pthread_create ../libsanitizer/tsan/tsan_interceptors.cpp:1022 (libtsan.so.2+0x5)\n"
     "    #1 spawn /tmp/labgrade.x/src/race.c:14 (public+0x15)\n\n"
     "SUMMARY: ThreadSanitizer: data race /tmp/labgrade.x/src/race.c:9 in bump\n"
     "==================\n",
     "race.c", "data race at race.c:9 in bump\n",
     {"Thread T2 (tid=9, running) created by thread T1 at:", "#1 spawn race.c:14",
      "#0 bump race.c:9"},
     {"Thread T1", "public.c"}},
    // ASan: an out-of-bounds write says so, with the file:line in the student's code.
    {"asan", "asan.40",
     "=================================================================\n"
     "==40==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020 at pc 0x55 bp "
     "0x7f sp 0x7e\n"
     "WRITE of size 1 at 0x602000000014 thread T0\n"
     "    #0 0x5555 in toy_fill /tmp/labgrade.x/src/toy.c:27\n"
     "    #1 0x5556 in stays_in_bounds_fn /tmp/labgrade.x/src/public.c:40\n\n"
     "0x602000000014 is located 0 bytes to the right of 4-byte region [0x6020,0x6024)\n"
     "allocated by thread T0 here:\n"
     "    #0 0x7f00 in __interceptor_malloc ../../libsanitizer/asan/asan_malloc_linux.cpp:69\n"
     "    #1 0x5557 in stays_in_bounds_fn /tmp/labgrade.x/src/public.c:38\n\n"
     "SUMMARY: AddressSanitizer: heap-buffer-overflow /tmp/labgrade.x/src/toy.c:27 in "
     "toy_fill\nShadow bytes around the buggy address:\n",
     "toy.c", "heap-buffer-overflow at toy.c:27 in toy_fill\n",
     {"WRITE of size 1", "#0 toy_fill toy.c:27"}, {"Shadow bytes"}},
    // UBSan (the asan tool's build): the behaviour and the line.
    {"asan", "asan.41",
     "/tmp/labgrade.x/src/toy.c:12:14: runtime error: signed integer "
     "overflow: 2147483647 + 1 cannot be represented in type 'int'\n"
     "    #0 0x55 in toy_add /tmp/labgrade.x/src/toy.c:12\n",
     "toy.c", "signed integer overflow: 2147483647 + 1", {" at toy.c:12:14\n"}, {NULL}},
};

START_TEST(tool_reports_are_cut_to_the_students_lines)
{
    const struct log_case *c = &log_cases[_i];
    char *dir = log_dir_with(c->log_name, c->text);
    char *files[] = {(char *)c->file};
    char *report = tool_report(tool_kind_find(c->tool), dir, files, 1);
    dir_remove(dir);
    free(dir);
    ck_assert_msg(report != NULL, "%s found nothing in:\n%s", c->tool, c->text);
    ck_assert_msg(strncmp(report, c->starts, strlen(c->starts)) == 0, "%s", report);
    for (int k = 0; k < 5 && c->has[k]; k++)
        ck_assert_msg(strstr(report, c->has[k]), "%s: no '%s' in\n%s", c->tool, c->has[k], report);
    for (int k = 0; k < 4 && c->lacks[k]; k++)
        ck_assert_msg(!strstr(report, c->lacks[k]), "%s: '%s' in\n%s", c->tool, c->lacks[k], report);
    free(report);
}
END_TEST

START_TEST(tool_needs_reach_the_runners_filter)
{
    // A run's LK_SYSCALLS holds the lab's calls in the filter's words (files
    // opened for reading only, fork with clone) and then its tool's needs.
    char *lab[] = {"openat", "fork"};
    struct manifest m = {.syscalls = lab, .syscall_count = 2};
    for (int i = 0; i < tool_kind_count; i++) {
        char *env = guard_syscalls_env(&m, &tool_kinds[i]);
        ck_assert_msg(strncmp(env, "LK_SYSCALLS=openat:rdonly fork clone ", 37) == 0, "%s", env);
        if (tool_kinds[i].syscalls)
            ck_assert_msg(strstr(env + 37, tool_kinds[i].syscalls), "%s", env);
        free(env);
    }
    char *env = guard_syscalls_env(&m, tool_kind_find("tsan"));
    ck_assert_str_eq(env, "LK_SYSCALLS=openat:rdonly fork clone ioctl:tcgets open:rdonly");
    free(env);
    m.syscall_count = 0;
    env = guard_syscalls_env(&m, tool_kind_find("native"));
    ck_assert_str_eq(env, "LK_SYSCALLS=");
    free(env);
    env = guard_syscalls_env(&m, tool_kind_find("explore"));
    ck_assert_msg(strncmp(env, "LK_SYSCALLS=clone ", 18) == 0, "%s", env);
    free(env);
}
END_TEST

TCase *tools_tests(void)
{
    const TTest *const tests[] = {
        builds_shared_by_tools_use_the_same_flags, every_tool_tells_the_test_its_slowdown,
        rerun_line_is_the_command_the_grader_runs,
        valgrind_that_cannot_read_the_binary_is_a_tool_failure,
        missing_sanitizer_runtime_is_a_tool_failure, tool_needs_reach_the_runners_filter,
    };
    TCase *tc = tcase_create("tools");
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++)
        tcase_add_test(tc, tests[i]);
    tcase_add_loop_test(tc, tool_reports_are_cut_to_the_students_lines, 0,
                        (int)(sizeof log_cases / sizeof *log_cases));
    return tc;
}
