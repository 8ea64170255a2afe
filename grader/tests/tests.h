// The grader's unit tests, one test case (TCase) per module.
#ifndef GRADER_TESTS_H
#define GRADER_TESTS_H

#include <check.h>

TCase *tools_tests(void);
TCase *grade_tests(void);
TCase *report_tests(void);

struct grade;
// The terminal report of a grade, as a string the caller frees.
char *report_text(const struct grade *graded);

#endif
