// Hidden tests of the stm lab: composition of bank operations, a put that waits.
#include <stdatomic.h>
#include <string.h>

#include "labkit_check.h"
#include "stm.h"
#include "stm_test.h"

enum { ACCOUNTS = 3, OPENING = 100 };
static stm_word balances[ACCOUNTS];
static struct bank bank;

static void two_transfers_body(stm_tx *tx, void *arg)
{
    (void)tx;
    long *seen = arg;
    bank_transfer(&bank, 0, 1, 40);
    bank_transfer(&bank, 1, 2, 140);
    // Memory itself, before the outer transaction commits.
    seen[0] = atomic_load(&balances[0]);
    seen[1] = atomic_load(&balances[1]);
    seen[2] = atomic_load(&balances[2]);
}

START_TEST(bank_transfer_inside_transaction)
{
    // Two transfers inside one transaction commit together: memory shows
    // neither until the outer transaction ends, then both.
    bank_init(&bank, balances, ACCOUNTS, OPENING);
    long seen[3] = { 0, 0, 0 };
    stm_atomically(two_transfers_body, seen);
    ck_assert_msg(seen[0] == 100 && seen[1] == 100 && seen[2] == 100,
                  "memory before the outer transaction committed: expected 100 100 100, got %ld "
                  "%ld %ld (a transfer committed on its own)",
                  seen[0], seen[1], seen[2]);
    long got[3] = { atomic_load(&balances[0]), atomic_load(&balances[1]), atomic_load(&balances[2]) };
    ck_assert_msg(got[0] == 60 && got[1] == 0 && got[2] == 240,
                  "after the commit: expected 60 0 240, got %ld %ld %ld", got[0], got[1], got[2]);
}
END_TEST

static struct queue queue;
static atomic_int put_returned;

static void put_third(void *arg, int index)
{
    (void)arg, (void)index;
    queue_put(&queue, 3);
    atomic_store(&put_returned, 1);
}

START_TEST(queue_put_waits_when_full)
{
    // A put into a full 2-slot queue waits until a take makes room; items
    // come out in order.
    queue_init(&queue, 2);
    atomic_init(&put_returned, 0);
    queue_put(&queue, 1);
    queue_put(&queue, 2);
    struct crew crew;
    crew_start(&crew, 1, put_third, NULL);
    test_settle(0.05);
    ck_assert_msg(atomic_load(&put_returned) == 0, "a put into a full queue returned: expected it to wait");
    long first = queue_take(&queue);
    ck_assert_msg(crew_finish_within(&crew, 2), "the waiting put did not finish 2 s after a take made room");
    long second = queue_take(&queue), third = queue_take(&queue);
    ck_assert_msg(first == 1 && second == 2 && third == 3, "takes: expected 1 2 3, got %ld %ld %ld",
                  first, second, third);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *suite = suite_create("stm-hidden");
    LK_ADD(suite, bank_transfer_inside_transaction);
    LK_ADD(suite, queue_put_waits_when_full);
    return suite;
}
