// Unit tests of the grade-integrity checks: the pass proof and the source scan.
#define _GNU_SOURCE
#include "guard.h"

#include <check.h>
#include <string.h>

// Scan `text` as toy.c; returns the findings and their messages in `out`.
static int scan(const char *text, struct buf *out)
{
    struct buf seen = {0};
    int found = guard_scan_text(text, "toy.c", out, &seen);
    buf_free(&seen);
    return found;
}

START_TEST(proof_must_be_the_runs_key)
{
    // Only the exact key, in lower-case hex, proves a pass.
    unsigned char key[GUARD_KEY_BYTES];
    for (int i = 0; i < GUARD_KEY_BYTES; i++)
        key[i] = (unsigned char)(0xa0 + i);
    ck_assert(guard_proof_ok("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", key));
    ck_assert(!guard_proof_ok("a0a1a2a3a4a5a6a7a8a9aaabacadaea0", key));
    ck_assert(!guard_proof_ok("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00", key));
    ck_assert(!guard_proof_ok("", key));
    ck_assert(!guard_proof_ok(NULL, key));
    unsigned char other[GUARD_KEY_BYTES];
    guard_new_key(other);
    ck_assert(memcmp(key, other, sizeof key) != 0);
}
END_TEST

START_TEST(scan_finds_tool_switches_with_their_line)
{
    // Each kind of switch or detection is found, at its line.
    struct buf out = {0};
    int found = scan("int a;\n"
                     "__attribute__((no_sanitize(\"thread\"))) void f(void);\n"
                     "#if defined(__SANITIZE_THREAD__)\n"
                     "#endif\n"
                     "void g(void) { __tsan_acquire(0); VALGRIND_DISABLE_ERROR_REPORTING; }\n"
                     "const char *t(void) { return getenv(\"LK_TOOL\"); }\n"
                     "void *h(void) { return __builtin_return_address(0); }\n"
                     "__attribute__((optimize(\"no-sanitize=thread\"))) void k(void);\n"
                     "int slow(void) { return getenv(\"LK_SLOWDOWN\") || lk_slowdown() > 1; }\n",
                     &out);
    ck_assert_int_eq(found, 9);
    ck_assert_ptr_nonnull(strstr(out.data, "toy.c:2: `no_sanitize`"));
    ck_assert_ptr_nonnull(strstr(out.data, "toy.c:3: `__SANITIZE_THREAD__`"));
    ck_assert_ptr_nonnull(strstr(out.data, "toy.c:5: `__tsan_acquire`"));
    ck_assert_ptr_nonnull(strstr(out.data, "toy.c:5: `VALGRIND_DISABLE_ERROR_REPORTING`"));
    ck_assert_ptr_nonnull(strstr(out.data, "toy.c:6: `LK_TOOL`"));
    ck_assert_ptr_nonnull(strstr(out.data, "toy.c:7: `__builtin_return_address`"));
    ck_assert_ptr_nonnull(strstr(out.data, "toy.c:8: `no-sanitize`"));
    ck_assert_ptr_nonnull(strstr(out.data, "toy.c:9: `LK_SLOWDOWN`"));
    ck_assert_ptr_nonnull(strstr(out.data, "toy.c:9: `lk_slowdown`"));
    buf_free(&out);
}
END_TEST

START_TEST(scan_ignores_comments_strings_and_longer_names)
{
    // Words in comments and strings, and names that only contain a rule's
    // word, are not findings.
    struct buf out = {0};
    int found = scan("// no_sanitize would hide the race; __tsan_acquire too\n"
                     "/* VALGRIND_DO_LEAK_CHECK\n   RUNNING_ON_VALGRIND */\n"
                     "const char *m = \"__has_feature(thread_sanitizer)\";\n"
                     "int my_lk_tool_count, no_sanitizer_here;\n"
                     "char c = '\\'';\n",
                     &out);
    ck_assert_msg(found == 0, "unexpected findings:\n%s", buf_str(&out));
    buf_free(&out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("guard");
    TCase *tc = tcase_create("units");
    tcase_add_test(tc, proof_must_be_the_runs_key);
    tcase_add_test(tc, scan_finds_tool_switches_with_their_line);
    tcase_add_test(tc, scan_ignores_comments_strings_and_longer_names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
