// Public tests of the channels lab, task 4: select.
//
// Waits are bounded (chan_test.h), so a broken submission fails instead of
// hanging.  The times in messages are a native run's; Valgrind gets 10 times
// as long, TSan 5 times.
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chan.h"
#include "chan_test.h"
#include "labkit_check.h"

// ---- Task 4: select ----

struct select_call {
    struct chan_case *cases;
    int n;
    bool block;
    int chosen;
};

static void *select_in_thread(void *arg)
{
    struct select_call *call = arg;
    call->chosen = chan_select(call->cases, call->n, call->block);
    return NULL;
}

START_TEST(select_default_never_blocks)
{
    // A non-blocking select with nothing ready returns CHAN_WOULDBLOCK at
    // once and performs nothing; with one case ready it performs that one.
    chan_t *empty = new_chan(1), *full = new_chan(1), *rendezvous = new_chan(0);
    long values[3] = { 1, 2, 3 };
    chan_send(full, &values[0]);
    struct chan_case cases[3] = {
        { .ch = empty, .dir = CHAN_RECV },
        { .ch = full, .dir = CHAN_SEND, .message = &values[1] },
        { .ch = rendezvous, .dir = CHAN_SEND, .message = &values[2] },
    };
    struct select_call call = { .cases = cases, .n = 3, .block = false, .chosen = 99 };
    struct helper h;
    helper_start(&h, select_in_thread, &call);
    ck_assert_msg(helper_done_within(&h, 1),
                  "select with no case ready and block=false was still waiting after 1 s: "
                  "expected it to return CHAN_WOULDBLOCK at once");
    int chosen = call.chosen;
    ck_assert_msg(chosen == CHAN_WOULDBLOCK,
                  "select with no case ready and block=false: expected CHAN_WOULDBLOCK, got %d", chosen);
    void *m = NULL;
    ck_assert_msg(chan_tryrecv(full, &m) == CHAN_OK && m == &values[0] &&
                  chan_tryrecv(full, &m) == CHAN_WOULDBLOCK,
                  "after a select that performed nothing: expected the full channel unchanged");
    chan_send(empty, &values[0]);
    chosen = chan_select(cases, 3, false);
    ck_assert_msg(chosen == 0 || chosen == 1,
                  "select with cases 0 and 1 ready: expected 0 or 1, got %d", chosen);
    if (chosen == 0)
        ck_assert_msg(cases[0].message == &values[0] && cases[0].status == CHAN_OK,
                      "select's receive case: expected the message and CHAN_OK");
    chan_free(empty);
    chan_free(full);
    chan_free(rendezvous);
}
END_TEST

START_TEST(select_performs_exactly_one)
{
    // With two receive cases ready, a select takes one message, from the
    // case it returns, and leaves the other channel alone; closed channels
    // are ready with CHAN_CLOSED.
    chan_t *a = new_chan(1), *b = new_chan(1);
    long values[2] = { 1, 2 };
    for (int round = 0; round < 20; round++) {
        chan_send(a, &values[0]);
        chan_send(b, &values[1]);
        struct chan_case cases[2] = { { .ch = a, .dir = CHAN_RECV }, { .ch = b, .dir = CHAN_RECV } };
        int chosen = chan_select(cases, 2, true);
        ck_assert_msg(chosen == 0 || chosen == 1, "select: expected 0 or 1, got %d", chosen);
        ck_assert_msg(cases[chosen].status == CHAN_OK && cases[chosen].message == &values[chosen],
                      "select returned case %d: expected its message and CHAN_OK", chosen);
        void *m = NULL;
        chan_t *other = chosen == 0 ? b : a, *same = chosen == 0 ? a : b;
        ck_assert_msg(chan_tryrecv(same, &m) == CHAN_WOULDBLOCK,
                      "the chosen channel still held a message: expected select to take it");
        ck_assert_msg(chan_tryrecv(other, &m) == CHAN_OK,
                      "the other channel was empty: expected select to perform only one case");
    }
    chan_close(b);
    struct chan_case cases[2] = { { .ch = a, .dir = CHAN_RECV }, { .ch = b, .dir = CHAN_RECV } };
    int chosen = chan_select(cases, 2, true);
    ck_assert_msg(chosen == 1 && cases[1].status == CHAN_CLOSED && cases[1].message == NULL,
                  "select over an empty channel and a closed one: expected case 1 with "
                  "CHAN_CLOSED, got case %d", chosen);
    chan_free(a);
    chan_free(b);
}
END_TEST

START_TEST(select_blocks_until_ready)
{
    // A blocking select over two empty channels waits until a send on the
    // second, and receives that message; a select's send case waits for a
    // receiver on a channel of capacity 0.
    chan_t *a = new_chan(1), *b = new_chan(0);
    long value = 5;
    struct chan_case cases[2] = { { .ch = a, .dir = CHAN_RECV }, { .ch = b, .dir = CHAN_RECV } };
    struct select_call call = { cases, 2, true, 99 };
    struct helper h;
    helper_start(&h, select_in_thread, &call);
    helper_wait_asleep(&h, 1);
    ck_assert_msg(!helper_done(&h), "select over two empty channels returned %d: expected it "
                  "to block", call.chosen);
    ck_assert_msg(chan_send(b, &value) == CHAN_OK, "send to the waiting select: expected CHAN_OK");
    ck_assert_msg(helper_done_within(&h, 1), "the select did not return within 1 s of a send");
    ck_assert_msg(call.chosen == 1 && call.cases[1].message == &value && call.cases[1].status == CHAN_OK,
                  "the select: expected case 1 with the message sent, got case %d", call.chosen);
    void *m;
    ck_assert_msg(chan_tryrecv(a, &m) == CHAN_WOULDBLOCK, "select put something into the other channel");

    cases[0] = (struct chan_case){ .ch = a, .dir = CHAN_RECV };
    cases[1] = (struct chan_case){ .ch = b, .dir = CHAN_SEND, .message = &value };
    call.chosen = 99;
    helper_start(&h, select_in_thread, &call);
    helper_wait_asleep(&h, 1);
    ck_assert_msg(!helper_done(&h), "select with a send on capacity 0 and no receiver returned "
                  "%d: expected it to wait", call.chosen);
    m = NULL;
    ck_assert_msg(chan_recv(b, &m) == CHAN_OK && m == &value,
                  "receive from the select's send case: expected its message");
    ck_assert_msg(helper_done_within(&h, 1) && call.chosen == 1 && call.cases[1].status == CHAN_OK,
                  "the select did not return case 1 within 1 s of the receive");
    chan_free(a);
    chan_free(b);
}
END_TEST

// chi-square's critical value for 2 degrees of freedom (3 cases) at p = 1e-9:
// for 2 degrees of freedom P(X > x) = exp(-x / 2), so x = 2 ln(1e9).
static const double chi_square_bound = 41.45;

// Repeat a select over `cases` with the ready ones kept ready, count picks.
static void count_picks(struct chan_case *cases, int n, long rounds, long *counts)
{
    long value = 1;
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < n; i++)
            if (cases[i].dir == CHAN_SEND)
                cases[i].message = &value;
        int chosen = chan_select(cases, n, false);
        ck_assert_msg(chosen >= 0 && chosen < n, "select with ready cases returned %d: expected "
                      "the index of one", chosen);
        counts[chosen]++;
        // Restore the state: refill what a receive took, drain what a send gave.
        void *m;
        if (cases[chosen].dir == CHAN_RECV)
            chan_trysend(cases[chosen].ch, &value);
        else
            chan_tryrecv(cases[chosen].ch, &m);
    }
}

START_TEST(select_is_uniform)
{
    // Among ready cases a select chooses uniformly at random: over 6000
    // picks each ready case's count passes a chi-square test at p = 1e-9
    // (a correct select fails it once in a billion runs); cases that are
    // not ready are never chosen.
    rng_seed(20261129);
    chan_t *empty[2] = { new_chan(1), new_chan(1) }, *ready[3] = { new_chan(1), new_chan(1), new_chan(1) };
    long value = 1;
    for (int i = 0; i < 3; i++)
        chan_send(ready[i], &value);
    // Not-ready cases in between, so scanning from a random start is caught too.
    struct chan_case cases[5] = {
        { .ch = empty[0], .dir = CHAN_RECV }, { .ch = ready[0], .dir = CHAN_RECV },
        { .ch = ready[1], .dir = CHAN_RECV }, { .ch = empty[1], .dir = CHAN_RECV },
        { .ch = ready[2], .dir = CHAN_RECV },
    };
    long counts[5] = { 0 };
    count_picks(cases, 5, 6000, counts);
    ck_assert_msg(counts[0] == 0 && counts[3] == 0,
                  "select chose a receive from an empty channel %ld times: expected never",
                  counts[0] + counts[3]);
    long ready_counts[3] = { counts[1], counts[2], counts[4] };
    double chi = chi_square_uniform(ready_counts, 3);
    ck_assert_msg(chi < chi_square_bound,
                  "3 ready receive cases (at 1, 2, 4) chosen %ld, %ld, %ld times in 6000 selects: "
                  "chi-square %.1f, expected under %.1f (uniform: each ready case equally likely)",
                  ready_counts[0], ready_counts[1], ready_counts[2], chi, chi_square_bound);
    // Send and receive cases mixed: two channels with room, one with a message.
    chan_t *room[2] = { new_chan(1), new_chan(1) };
    struct chan_case mixed[4] = {
        { .ch = room[0], .dir = CHAN_SEND }, { .ch = empty[0], .dir = CHAN_RECV },
        { .ch = ready[0], .dir = CHAN_RECV }, { .ch = room[1], .dir = CHAN_SEND },
    };
    long mixed_counts[4] = { 0 };
    count_picks(mixed, 4, 6000, mixed_counts);
    long mixed_ready[3] = { mixed_counts[0], mixed_counts[2], mixed_counts[3] };
    chi = chi_square_uniform(mixed_ready, 3);
    ck_assert_msg(mixed_counts[1] == 0 && chi < chi_square_bound,
                  "ready cases 0 (send), 2 (receive), 3 (send) chosen %ld, %ld, %ld times and the "
                  "empty receive %ld times in 6000 selects: chi-square %.1f, expected under %.1f",
                  mixed_ready[0], mixed_ready[1], mixed_ready[2], mixed_counts[1], chi,
                  chi_square_bound);
    for (int i = 0; i < 3; i++)
        chan_free(ready[i]);
    for (int i = 0; i < 2; i++)
        chan_free(empty[i]), chan_free(room[i]);
}
END_TEST

enum { MEET_ROUNDS = 300 };

static struct {
    chan_t *a, *b;
    long rounds;
    atomic_long wrong;
    atomic_uchar seen[MEET_ROUNDS];
} pair;

static void *select_sender(void *arg)
{
    (void)arg;
    for (long r = 0; r < pair.rounds; r++) {
        struct chan_case cases[2] = { { .ch = pair.a, .dir = CHAN_SEND, .message = msg_new(r) },
                                      { .ch = pair.b, .dir = CHAN_SEND, .message = msg_new(r) } };
        int chosen = chan_select(cases, 2, true);
        if (chosen < 0 || chosen > 1 || cases[chosen].status != CHAN_OK) {
            atomic_fetch_add(&pair.wrong, 1);
            chosen = -1;
        }
        for (int i = 0; i < 2; i++)
            if (i != chosen)
                free(cases[i].message); // not sent: still ours
    }
    return NULL;
}

static void *select_receiver(void *arg)
{
    (void)arg;
    for (long r = 0; r < pair.rounds; r++) {
        struct chan_case cases[2] = { { .ch = pair.a, .dir = CHAN_RECV }, { .ch = pair.b, .dir = CHAN_RECV } };
        int chosen = chan_select(cases, 2, true);
        long got = -1;
        if (chosen >= 0 && chosen < 2 && cases[chosen].status == CHAN_OK && cases[chosen].message)
            got = msg_take(cases[chosen].message);
        if (got >= 0 && got < pair.rounds)
            atomic_fetch_add(&pair.seen[got], 1);
        else
            atomic_fetch_add(&pair.wrong, 1);
    }
    return NULL;
}

START_TEST(select_meets_select)
{
    // A select sending on two channels of capacity 0 and a select receiving
    // from them meet 300 times: each message sent arrives exactly once.
    // (Selects listing the channels in opposite orders: explore_select_opposite_orders.)
    pair.a = new_chan(0);
    pair.b = new_chan(0);
    pair.rounds = lk_scaled(MEET_ROUNDS, 3, 3);
    atomic_store(&pair.wrong, 0);
    for (int r = 0; r < MEET_ROUNDS; r++)
        atomic_store(&pair.seen[r], 0);
    struct helper sender, receiver;
    helper_start(&sender, select_sender, NULL);
    helper_start(&receiver, select_receiver, NULL);
    ck_assert_msg(helper_done_within(&sender, 5) && helper_done_within(&receiver, 5),
                  "the selects were still running after 5 s: expected a select's send to meet "
                  "a select's receive on a channel of capacity 0");
    ck_assert_msg(atomic_load(&pair.wrong) == 0,
                  "%ld selects went wrong (bad index or status, or a message nobody sent): "
                  "expected none", atomic_load(&pair.wrong));
    for (long r = 0; r < pair.rounds; r++)
        ck_assert_msg(atomic_load(&pair.seen[r]) == 1,
                      "message %ld arrived %d times: expected exactly once", r,
                      atomic_load(&pair.seen[r]));
    chan_free(pair.a);
    chan_free(pair.b);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *suite = suite_create("channels-select");
    LK_ADD(suite, select_default_never_blocks);
    LK_ADD(suite, select_performs_exactly_one);
    LK_ADD(suite, select_blocks_until_ready);
    LK_ADD(suite, select_is_uniform);
    LK_ADD(suite, select_meets_select);
    return suite;
}
