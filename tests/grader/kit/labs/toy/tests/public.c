// The toy lab's tests: each checks one behaviour the grader must judge.
#include "labkit_check.h"
#include "toy.h"

#include <stdlib.h>

START_TEST(adds_numbers)
{
    // toy_add(2, 3) is 5.
    ck_assert_msg(toy_add(2, 3) == 5, "expected toy_add(2, 3) == 5, got %d", toy_add(2, 3));
}
END_TEST

START_TEST(frees_what_it_allocates)
{
    // toy_buffer sums its buffer and frees it.
    ck_assert_int_eq(toy_buffer(10, 2), 20);
}
END_TEST

START_TEST(stays_in_bounds)
{
    // toy_fill writes exactly n bytes.
    char *buf = malloc(16);
    toy_fill(buf, 16, 7);
    ck_assert_int_eq(buf[15], 7);
    free(buf);
}
END_TEST

START_TEST(counts_without_races)
{
    // Two threads counting to 20000 get 20000.
    ck_assert_int_eq(toy_count(20000), 20000);
}
END_TEST

START_TEST(finishes)
{
    // toy_wait returns.
    toy_wait();
}
END_TEST

START_TEST(survives)
{
    // toy_poke returns 42.
    ck_assert_int_eq(toy_poke(), 42);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("toy");
    LK_ADD(s, adds_numbers);
    LK_ADD(s, frees_what_it_allocates);
    LK_ADD(s, stays_in_bounds);
    LK_ADD(s, counts_without_races);
    LK_ADD(s, finishes);
    LK_ADD(s, survives);
    return s;
}
