// Unit tests of the grader's parts: the manifest parser, JSON and XML
// escaping, the symbol policy, and thread dumps; tests.h lists the other files.
#define _GNU_SOURCE
#include "diagnose.h"
#include "manifest.h"
#include "sandbox.h"
#include "symbols.h"
#include "tests.h"
#include "util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *good_manifest =
    "# a comment\n"
    "lab demo\n"
    "title \"A demo lab\"\n"
    "submit demo.c\n"
    "tools native memcheck\n"
    "tool fast cflags=-O2 scale=3\n"
    "timeout 4\n"
    "files 1200\n"
    "allow printf mem_*\n"
    "suite public lab.conf\n"
    "suite hidden no/such/file.c hidden\n"
    "case public first 2 \"checks the first thing\"\n"
    "case public second 3 tools=tsan,fast timeout=2 ref=README.md#x \"a \\\"quoted\\\" one\"\n"
    "case hidden third 5 \"hidden\"\n"
    "figure speed order=asc \"Speed (s)\"\n"
    "case public fourth 0 figure=speed:1.5 \"measures a figure\"\n";

// Parse text as a manifest of a lab in the current folder (which has lab.conf
// as far as suite files go: the tests run in grader/, where it does not).
static int parse(const char *text, struct manifest *m, struct buf *err)
{
    return manifest_parse(text, "test.conf", ".", m, err);
}

START_TEST(manifest_reads_every_directive)
{
    // A complete manifest gives the lab, its files, tools, suites and cases.
    struct manifest m;
    struct buf err = {0};
    FILE *f = fopen("lab.conf", "w");
    fclose(f);
    ck_assert_msg(parse(good_manifest, &m, &err) == 0, "parse failed: %s", buf_str(&err));
    ck_assert_str_eq(m.lab, "demo");
    ck_assert_str_eq(m.title, "A demo lab");
    ck_assert_int_eq(m.submit_count, 1);
    ck_assert_int_eq(m.case_count, 4);
    ck_assert_int_eq(m.figure_count, 1);
    ck_assert_str_eq(m.figures[0].label, "Speed (s)");
    ck_assert(m.figures[0].ascending);
    ck_assert(manifest_measures_only(&m.cases[3]) && !manifest_measures_only(&m.cases[0]));
    ck_assert_double_eq_tol(m.cases[3].figure_value, 1.5, 1e-9);
    ck_assert_int_eq(m.files, 1200);
    int memcheck = manifest_tool_index(&m, "memcheck"), tsan = manifest_tool_index(&m, "tsan");
    ck_assert_int_eq(m.cases[0].tools, (1u << TOOL_NATIVE) | (1u << memcheck));
    int fast = manifest_tool_index(&m, "fast");
    ck_assert_int_eq(fast, tool_kind_count);
    ck_assert_ptr_eq(m.tools[fast].kind, &tool_lab_defined);
    ck_assert_int_eq(m.cases[1].tools, (1u << tsan) | (1u << fast));
    ck_assert_str_eq(m.cases[1].description, "a \"quoted\" one");
    ck_assert_str_eq(m.cases[1].ref, "README.md#x");
    ck_assert(m.cases[2].hidden);
    ck_assert(!manifest_suite(&m, "hidden")->present);
    ck_assert_double_eq_tol(manifest_case_timeout(&m, &m.cases[1], fast), 6.0, 1e-9);
    ck_assert_double_eq_tol(manifest_case_timeout(&m, &m.cases[0], memcheck), 40.0, 1e-9);
    manifest_free(&m);
    unlink("lab.conf");
    buf_free(&err);
}
END_TEST

// Parse a manifest that must be rejected; return the error message.
static char *rejection(const char *text)
{
    struct manifest m;
    struct buf err = {0};
    FILE *f = fopen("lab.conf", "w");
    fclose(f);
    int rc = parse(text, &m, &err);
    unlink("lab.conf");
    ck_assert_msg(rc != 0, "accepted a bad manifest:\n%s", text);
    return err.data;
}

START_TEST(manifest_errors_name_the_line_and_the_problem)
{
    // Typos get "file:line: what is wrong", never a crash.
    struct { const char *text, *expect; } cases[] = {
        {"lab x\nsubmit a.c\nsuite public lab.conf\ncase public a 1 tools=natve \"d\"\n",
         "test.conf:4: unknown tool 'natve'"},
        {"lab x\nsubmitt a.c\n", "test.conf:2: unknown directive 'submitt'"},
        {"lab x\nsubmit a.c\ncase public a 1 \"d\"\n", "test.conf:3: suite 'public' is not declared"},
        {"lab x\nsubmit a.c\nsuite public lab.conf\ncase public a lots \"d\"\n",
         "test.conf:4: 'lots' is not a non-negative number"},
        {"lab x\ntitle \"open\n", "test.conf:2: a quote is not closed"},
        {"lab x\nsubmit ../a.c\n", "must be a plain file name"},
        {"lab x\nsubmit a.c\nsuite public missing.c\n", "suite file 'missing.c' does not exist"},
        {"lab x\nsubmit a.c\nsuite public lab.conf\n", "no 'case' lines"},
        {"lab x\nsubmit a.c\nsuite public lab.conf\ncase public a 1 \"d\"\ncase public a 1 \"d\"\n",
         "case 'a' is declared twice"},
        {"lab x\nsubmit a.c\nsuite public lab.conf\ncase public a 0 \"d\"\n",
         "test.conf:4: a case worth 0 points must measure a figure"},
        {"lab x\nsubmit a.c\nsuite public lab.conf\ncase public a 0 figure=speed:1 \"d\"\n",
         "NAME declared by a 'figure' line above"},
        {"lab x\nfiles 8\n", "test.conf:2: 'files 8': a whole number from 16 to 65536"},
        {"lab x\nfiles 100000\n", "'files 100000': a whole number"},
        {"lab x\nfiles 300.5\n", "'files 300.5': a whole number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *message = rejection(cases[i].text);
        ck_assert_msg(strstr(message, cases[i].expect), "expected \"%s\" in \"%s\"", cases[i].expect,
                      message);
        free(message);
    }
}
END_TEST

// What `ulimit -n` prints in a sandboxed shell given open_files.
static long sandboxed_open_files(long open_files)
{
    char *argv[] = {"/bin/sh", "-c", "ulimit -n", NULL};
    char *env[] = {"PATH=/usr/bin:/bin", NULL};
    char output[] = "unit_ulimit.out";
    struct sandbox_spec spec = {
        .argv = argv, .env = env, .cwd = ".", .wall_seconds = 10, .cpu_seconds = 10,
        .open_files = open_files, .output_keep = 256, .output_max = 4096,
        .output_path = output,
    };
    struct sandbox_result res;
    ck_assert_int_eq(sandbox_exec(&spec, &res), 0);
    ck_assert_msg(res.started && WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0,
                  "the sandboxed shell did not run");
    char *text = file_read(output, 256, NULL, NULL);
    ck_assert_ptr_nonnull(text);
    long limit = strtol(text, NULL, 10);
    free(text);
    unlink(output);
    return limit;
}

START_TEST(files_directive_sets_the_descriptor_limit_of_a_run)
{
    // A manifest without `files` gives the default; the sandbox gives the
    // command exactly the limit it is asked for (a lab with 500 clients
    // needs more than 256 descriptors).
    struct manifest m;
    struct buf err = {0};
    FILE *f = fopen("lab.conf", "w");
    fclose(f);
    ck_assert_msg(parse("lab x\nsubmit a.c\nsuite public lab.conf\ncase public a 1 \"d\"\n", &m,
                        &err) == 0, "%s", buf_str(&err));
    unlink("lab.conf");
    ck_assert_int_eq(m.files, MANIFEST_FILES_DEFAULT);
    manifest_free(&m);
    buf_free(&err);
    ck_assert_int_eq(sandboxed_open_files(0), MANIFEST_FILES_DEFAULT);
    ck_assert_int_eq(sandboxed_open_files(1200), 1200);
}
END_TEST

START_TEST(json_strings_are_escaped_and_valid_utf8)
{
    // Quotes, control characters and invalid UTF-8 from test output come out as valid JSON.
    struct buf b = {0};
    buf_json_string(&b, "a\"b\\c\nd\te\x01 \xc3\xa9 \xff");
    ck_assert_str_eq(buf_str(&b), "\"a\\\"b\\\\c\\nd\\te\\u0001 \xc3\xa9 \\ufffd\"");
    buf_free(&b);
}
END_TEST

START_TEST(xml_text_is_escaped)
{
    // Markup characters are escaped and XML-illegal control characters replaced.
    struct buf b = {0};
    buf_xml_text(&b, "<a href=\"x\">&\x02</a>");
    ck_assert_str_eq(buf_str(&b), "&lt;a href=&quot;x&quot;&gt;&amp;?&lt;/a&gt;");
    buf_free(&b);
}
END_TEST

// Compile C text to an object and read its symbols.
static void compile_symbols(const char *source, struct symbols *out)
{
    FILE *f = fopen("unit_object.c", "w");
    fputs(source, f);
    fclose(f);
    ck_assert_int_eq(system("cc -c -o unit_object.o unit_object.c"), 0);
    struct buf err = {0};
    ck_assert_msg(symbols_read("unit_object.o", out, &err) == 0, "%s", buf_str(&err));
    unlink("unit_object.c");
    unlink("unit_object.o");
    buf_free(&err);
}

START_TEST(symbol_policy_catches_forbidden_calls_and_definitions)
{
    // Using a symbol outside the allow-list, defining main, a C library name or a
    // constructor: each is reported by name.
    struct symbols object, none = {0}, reserved = {0};
    compile_symbols("#include <stdlib.h>\n#include <stdio.h>\n"
                    "int main(void) { return 0; }\n"
                    "int waitpid(void) { return 0; }\n"
                    "__attribute__((constructor)) static void early(void) {}\n"
                    "void *use(void) { printf(\"%d\", 1); return malloc(1); }\n",
                    &object);
    char *allow[] = {"print*"};
    struct buf why = {0};
    int problems = symbols_check("x.c", &object, &object, &none, &reserved, allow, 1, NULL, 0, &why);
    const char *text = buf_str(&why);
    ck_assert_msg(problems == 4, "expected 4 problems, got %d:\n%s", problems, text);
    ck_assert_msg(strstr(text, "x.c uses `malloc`"), "%s", text);
    ck_assert_msg(strstr(text, "defines `main`"), "%s", text);
    ck_assert_msg(strstr(text, "defines `waitpid` (a C library function)"), "%s", text);
    ck_assert_msg(strstr(text, "constructor"), "%s", text);
    ck_assert_msg(!strstr(text, "printf"), "printf is allowed by a glob:\n%s", text);
    symbols_free(&object);
    buf_free(&why);
}
END_TEST

START_TEST(symbol_policy_accepts_a_clean_object)
{
    // Allowed calls, the lab's own functions and static helpers pass.
    struct symbols object, provided = {0}, reserved = {0};
    compile_symbols("#include <string.h>\nvoid *mem_sbrk(long);\n"
                    "static int helper(int x) { return x + 1; }\n"
                    "int mm_init(void) { char b[8]; memset(b, 0, 8); return mem_sbrk(helper(1)) "
                    "!= 0; }\n",
                    &object);
    provided.defined = (char *[]){"mem_sbrk"};
    provided.defined_count = 1;
    char *allow[] = {"memset"};
    struct buf why = {0};
    int problems = symbols_check("mm.c", &object, &object, &provided, &reserved, allow, 1, NULL, 0, &why);
    ck_assert_msg(problems == 0, "%s", buf_str(&why));
    symbols_free(&object);
    buf_free(&why);
}
END_TEST

START_TEST(symbols_refuse_a_denied_lab_function)
{
    // A lab function the manifest denies is refused although the lab defines it.
    struct symbols object, provided = {0}, reserved = {0};
    compile_symbols("void mem_reset_brk(void);\nvoid *mem_sbrk(long);\n"
                    "int mm_init(void) { mem_reset_brk(); return mem_sbrk(16) != 0; }\n", &object);
    provided.defined = (char *[]){"mem_sbrk", "mem_reset_brk"};
    provided.defined_count = 2;
    char *deny[] = {"mem_reset*"};
    struct buf why = {0};
    int problems = symbols_check("mm.c", &object, &object, &provided, &reserved, NULL, 0, deny, 1, &why);
    ck_assert_int_eq(problems, 1);
    ck_assert_msg(strstr(buf_str(&why), "uses `mem_reset_brk`, which the lab keeps"), "%s",
                  buf_str(&why));
    symbols_free(&object);
    buf_free(&why);
}
END_TEST

START_TEST(symbols_reject_a_file_that_is_not_elf)
{
    // A text file is not an object file: a clear error, no crash.
    FILE *f = fopen("not_elf.o", "w");
    fputs("hello", f);
    fclose(f);
    struct symbols s;
    struct buf err = {0};
    ck_assert_int_eq(symbols_read("not_elf.o", &s, &err), -1);
    ck_assert_msg(strstr(buf_str(&err), "not a 64-bit ELF"), "%s", buf_str(&err));
    unlink("not_elf.o");
    buf_free(&err);
}
END_TEST

static void write_log(const char *dir, const char *name, const char *text)
{
    char *path = path_join(dir, name);
    file_write(path, text, strlen(text));
    free(path);
}

START_TEST(thread_dump_shows_where_each_thread_waits)
{
    // gdb's backtraces become one line per thread and frame in the student's files.
    char dir[] = "/tmp/unit-gdb-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_log(dir, "stacks",
              "Thread 2 (Thread 0x7f (LWP 12) \"public\"):\n"
              "#0  0x00007f in __futex_abstimed_wait () from /lib/libc.so.6\n"
              "#1  0x000055 in lock (m=0x10) at bank.c:20\n"
              "#2  0x000056 in transfer (a=1, b=2) at bank.c:31\n"
              "Thread 3 (Thread 0x7d (LWP 13) \"public\"):\n"
              "#0  0x00007f in __GI_sched_yield () at ../sysdeps/unix/sched_yield.c:4\n"
              "#1  0x000057 in wait_turn (c=0x20) at bank_test.c:44\n"
              "#2  0x000058 in worker (arg=0x0) at bank_test.c:60\n"
              "Thread 1 (Thread 0x7e (LWP 11) \"public\"):\n"
              "#0  0x00007f in pthread_join () from /lib/libc.so.6\n");
    char *files[] = {"bank.c"};
    char *path = path_join(dir, "stacks");
    char *dump = diagnose_stacks(path, files, 1);
    ck_assert_ptr_nonnull(dump);
    ck_assert_msg(strstr(dump, "thread 2:\n    lock (m=0x10) at bank.c:20\n    transfer (a=1, b=2) "
                               "at bank.c:31\n  thread 3:\n"),
                  "%s", dump);
    // A thread in the lab's code only: its innermost frame with a line.
    ck_assert_msg(strstr(dump, "thread 3:\n    (in the lab's code) wait_turn at bank_test.c:44\n"
                               "  thread 1:\n"),
                  "%s", dump);
    free(dump);
    free(path);
    dir_remove(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("grader");
    TCase *tc = tcase_create("units");
    tcase_add_test(tc, manifest_reads_every_directive);
    tcase_add_test(tc, manifest_errors_name_the_line_and_the_problem);
    tcase_add_test(tc, files_directive_sets_the_descriptor_limit_of_a_run);
    tcase_add_test(tc, json_strings_are_escaped_and_valid_utf8);
    tcase_add_test(tc, xml_text_is_escaped);
    tcase_add_test(tc, symbol_policy_catches_forbidden_calls_and_definitions);
    tcase_add_test(tc, symbol_policy_accepts_a_clean_object);
    tcase_add_test(tc, symbols_refuse_a_denied_lab_function);
    tcase_add_test(tc, symbols_reject_a_file_that_is_not_elf);
    tcase_add_test(tc, thread_dump_shows_where_each_thread_waits);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tools_tests());
    suite_add_tcase(s, grade_tests());
    suite_add_tcase(s, report_tests());
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
