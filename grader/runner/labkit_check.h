// The harness a lab's Check tests are written against.
//
// A lab's test file is a plain Check suite that defines one function,
// lk_suite(), and registers every test with LK_ADD.  Each test becomes a
// TCase of its own, named after the test, so the grader can run exactly one
// test per process (and so a Valgrind or ThreadSanitizer report belongs to
// exactly one test).
//
//     #include "labkit_check.h"
//
//     START_TEST(free_null_is_a_no_op)
//     {
//         // free(NULL) must do nothing and must not crash.
//         mm_free(NULL);
//     }
//     END_TEST
//
//     Suite *lk_suite(void)
//     {
//         Suite *s = suite_create("malloc-public");
//         lk_set_fixture(heap_setup, heap_teardown);   // optional
//         LK_ADD(s, free_null_is_a_no_op);
//         return s;
//     }
//
// The runner (runner.c) owns main().  Run by hand, `./public` runs every test
// and prints a summary; `./public NAME` runs one; `./public --list` lists them.
// Under `CK_FORK=no` a test runs in the runner's own process, which is what you
// want inside gdb.
#ifndef LABKIT_CHECK_H
#define LABKIT_CHECK_H

#include <check.h>

// Defined by each test file: builds and returns the suite.
Suite *lk_suite(void);

// Set the checked fixture (run in the test's own process, before and after
// each test) used by the tests added after this call.  Either may be NULL.
void lk_set_fixture(void (*setup)(void), void (*teardown)(void));

// Add one test as a TCase named `name`.  The name is the case name used by
// lab.conf and by the grader's report.
void lk_add(Suite *suite, const char *name, const TTest *test);

#define LK_ADD(suite, test) lk_add((suite), #test, (test))

// How many times slower than a native run the tool the test runs under is:
// LK_SLOWDOWN, which the grader sets from its tool table (10 under Valgrind,
// 5 under TSan, 3 under ASan and explore); 1 when run by hand without it.
// Scale waits by it, never correctness checks.
double lk_slowdown(void);

// Scale a count of iterations down when the test runs under a slow tool:
// n / divisor_10x under a tool ten or more times slower than a native run
// (Valgrind), n / divisor_5x under one five or more times slower (TSan), n
// otherwise; at least 1.  Use it for stress loops, never for correctness checks.
long lk_scaled(long n, long divisor_10x, long divisor_5x);

// The name of the tool the test runs under: "native", "memcheck", "tsan" or
// another tool named in lab.conf.  "native" when run by hand.  For messages:
// a test decides nothing by the tool's name (lk_slowdown() says how slow it is).
const char *lk_tool(void);

// 1 in a ThreadSanitizer build, else 0: for what TSan itself does (it
// reports a lock-order inversion of real mutexes on its own), never for
// speed.  gcc says __SANITIZE_THREAD__, clang __has_feature(thread_sanitizer).
#if defined(__SANITIZE_THREAD__)
#define LK_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LK_UNDER_TSAN 1
#endif
#endif
#ifndef LK_UNDER_TSAN
#define LK_UNDER_TSAN 0
#endif

#endif
