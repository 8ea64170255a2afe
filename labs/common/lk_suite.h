// A test suite from a list of tests, each its own TCase as LK_ADD makes it: LK_SUITE("name", LK_TEST(a), ...).
#ifndef LK_SUITE_H
#define LK_SUITE_H

#include <stddef.h>

#include "labkit_check.h"

// One test of a list: its name (what the grader and lab.conf call it) and
// the test itself.
struct lk_test_entry {
    const char *name;
    const TTest *test;
};

#define LK_TEST(test) { #test, (test) }

// The suite `name`, holding the LK_TEST entries given, in order.  A test
// file's lk_suite() is then one statement, whatever its number of tests.
#define LK_SUITE(name, ...)                                                         \
    lk_suite_of((name), (const struct lk_test_entry[]){ __VA_ARGS__ },            \
                sizeof((const struct lk_test_entry[]){ __VA_ARGS__ }) /            \
                    sizeof(struct lk_test_entry))

static inline Suite *lk_suite_of(const char *name, const struct lk_test_entry *tests,
                                 size_t count)
{
    Suite *suite = suite_create(name);
    for (size_t i = 0; i < count; i++)
        lk_add(suite, tests[i].name, tests[i].test);
    return suite;
}

#endif
