// Unit tests of the tool table: commands, rerun lines, reports, tool failures.
#define _GNU_SOURCE
#include "tests.h"

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

START_TEST(rerun_line_is_the_command_the_grader_runs)
{
    // The hint for --keep holds every option of the real run (the leak kinds).
    const struct tool_kind *k = tool_kind_find("memcheck");
    char **argv = tool_argv(k, "../runs/x", "../build/native/public", "case_one");
    char *line = tool_rerun_line(k, "memcheck", "../runs/x", "../build/native/public", "case_one");
    for (char **p = argv; *p; p++)
        ck_assert_msg(strstr(line, *p), "'%s' lacks '%s'", line, *p);
    ck_assert_msg(strstr(line, "--errors-for-leak-kinds=definite,indirect"), "%s", line);
    ck_assert_msg(strncmp(line, "LK_TOOL=memcheck valgrind ", 26) == 0, "%s", line);
    ck_assert_msg(strstr(line, "--error-exitcode=97"), "%s", line);
    tool_free_strings(argv);
    free(line);
    line = tool_rerun_line(tool_kind_find("tsan"), "tsan", "../runs/y", "b", "c");
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

START_TEST(asan_overflow_names_the_students_line)
{
    // An out-of-bounds write says so, with the file:line in the student's code.
    char *dir = log_dir_with(
        "asan.40",
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
        "toy_fill\nShadow bytes around the buggy address:\n");
    char *files[] = {"toy.c"};
    char *report = tool_report(tool_kind_find("asan"), dir, files, 1);
    ck_assert_ptr_nonnull(report);
    ck_assert_msg(strncmp(report, "heap-buffer-overflow at toy.c:27 in toy_fill\n", 45) == 0, "%s",
                  report);
    ck_assert_msg(strstr(report, "WRITE of size 1"), "%s", report);
    ck_assert_msg(!strstr(report, "Shadow bytes"), "%s", report);
    free(report);
    dir_remove(dir);
    free(dir);
}
END_TEST

START_TEST(ubsan_report_names_the_line_and_the_behaviour)
{
    char *dir = log_dir_with("asan.41", "/tmp/labgrade.x/src/toy.c:12:14: runtime error: signed "
                                        "integer overflow: 2147483647 + 1 cannot be represented "
                                        "in type 'int'\n    #0 0x55 in toy_add "
                                        "/tmp/labgrade.x/src/toy.c:12\n");
    char *files[] = {"toy.c"};
    char *report = tool_report(tool_kind_find("asan"), dir, files, 1);
    ck_assert_ptr_nonnull(report);
    ck_assert_msg(strncmp(report, "signed integer overflow: 2147483647 + 1", 39) == 0, "%s", report);
    ck_assert_msg(strstr(report, " at toy.c:12:14\n"), "%s", report);
    free(report);
    dir_remove(dir);
    free(dir);
}
END_TEST

TCase *tools_tests(void)
{
    TCase *tc = tcase_create("tools");
    tcase_add_test(tc, builds_shared_by_tools_use_the_same_flags);
    tcase_add_test(tc, rerun_line_is_the_command_the_grader_runs);
    tcase_add_test(tc, valgrind_that_cannot_read_the_binary_is_a_tool_failure);
    tcase_add_test(tc, missing_sanitizer_runtime_is_a_tool_failure);
    tcase_add_test(tc, asan_overflow_names_the_students_line);
    tcase_add_test(tc, ubsan_report_names_the_line_and_the_behaviour);
    return tc;
}
