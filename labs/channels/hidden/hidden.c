// Hidden tests of the channels lab: the same contract, from other angles.
#include <stdatomic.h>
#include <stdlib.h>

#include "chan.h"
#include "chan_test.h"
#include "labkit_check.h"

struct select_call {
    struct chan_case *cases;
    int n;
    int chosen;
};

static void *select_in_thread(void *arg)
{
    struct select_call *call = arg;
    call->chosen = chan_select(call->cases, call->n, true);
    return NULL;
}

START_TEST(close_wakes_blocked_select)
{
    // A select blocked on two empty channels wakes when one of them is
    // closed, and returns that case with CHAN_CLOSED.
    chan_t *a = new_chan(1), *b = new_chan(0);
    struct chan_case cases[2] = { { .ch = a, .dir = CHAN_RECV }, { .ch = b, .dir = CHAN_RECV } };
    struct select_call call = { cases, 2, 99 };
    struct helper h;
    helper_start(&h, select_in_thread, &call);
    helper_wait_asleep(&h, 1);
    ck_assert_msg(!helper_done(&h), "select over two empty channels returned %d: expected it to block",
                  call.chosen);
    chan_close(b);
    ck_assert_msg(helper_done_within(&h, 1), "the select did not return within 1 s of chan_close");
    ck_assert_msg(call.chosen == 1 && cases[1].status == CHAN_CLOSED,
                  "select woken by closing case 1: expected case 1 with CHAN_CLOSED, got case %d "
                  "with status %d", call.chosen, call.chosen == 0 || call.chosen == 1 ? cases[call.chosen].status : 0);
    chan_free(a);
    chan_free(b);
}
END_TEST

static struct {
    chan_t *ch;
    long per_sender;
    atomic_long sum, count;
} trickle;

static void *trickle_sender(void *arg)
{
    long base = (long)arg * 1000000;
    for (long i = 0; i < trickle.per_sender; i++)
        chan_send(trickle.ch, msg_new(base + i));
    return NULL;
}

static void *trickle_receiver(void *arg)
{
    (void)arg;
    long last[3] = { -1, -1, -1 };
    void *m;
    while (chan_recv(trickle.ch, &m) == CHAN_OK) {
        long value = msg_take(m), sender = value / 1000000;
        if (sender < 0 || sender > 2 || value % 1000000 <= last[sender])
            atomic_fetch_add(&trickle.sum, 1000000000L); // poisons the total
        else
            last[sender] = value % 1000000;
        atomic_fetch_add(&trickle.sum, value % 1000000);
        atomic_fetch_add(&trickle.count, 1);
    }
    return NULL;
}

START_TEST(fifo_through_capacity_one)
{
    // 3 senders and 3 receivers through a channel of capacity 1: every
    // message arrives once, each sender's in order.
    trickle.ch = new_chan(1);
    trickle.per_sender = lk_scaled(5000, 20, 10);
    atomic_store(&trickle.sum, 0);
    atomic_store(&trickle.count, 0);
    struct helper senders[3], receivers[3];
    for (long i = 0; i < 3; i++) {
        helper_start(&receivers[i], trickle_receiver, NULL);
        helper_start(&senders[i], trickle_sender, (void *)i);
    }
    for (int i = 0; i < 3; i++)
        ck_assert_msg(helper_done_within(&senders[i], 10), "a sender was still sending after 10 s");
    chan_close(trickle.ch);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(helper_done_within(&receivers[i], 2),
                      "a receiver was still waiting 2 s after chan_close");
    long n = trickle.per_sender, expected = 3 * n * (n - 1) / 2;
    ck_assert_msg(atomic_load(&trickle.count) == 3 * n && atomic_load(&trickle.sum) == expected,
                  "%ld messages received (expected %ld); checksum %ld (expected %ld: a message "
                  "lost, repeated, or out of its sender's order)", atomic_load(&trickle.count),
                  3 * n, atomic_load(&trickle.sum), expected);
    chan_free(trickle.ch);
}
END_TEST

START_TEST(select_many_cases)
{
    // A select over 12 cases, only the last ready, performs the last; over
    // 12 cases all ready, it performs one of them.
    enum { N = 12 };
    chan_t *ch[N];
    struct chan_case cases[N];
    long value = 3;
    for (int i = 0; i < N; i++) {
        ch[i] = new_chan(1);
        cases[i] = (struct chan_case){ .ch = ch[i], .dir = CHAN_RECV };
    }
    chan_send(ch[N - 1], &value);
    int chosen = chan_select(cases, N, true);
    ck_assert_msg(chosen == N - 1 && cases[N - 1].message == &value,
                  "select over 12 cases, only the last ready: expected 11, got %d", chosen);
    for (int i = 0; i < N; i++)
        chan_send(ch[i], &value);
    chosen = chan_select(cases, N, false);
    ck_assert_msg(chosen >= 0 && chosen < N, "select over 12 ready cases: got %d", chosen);
    for (int i = 0; i < N; i++)
        chan_free(ch[i]);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *suite = suite_create("channels-hidden");
    LK_ADD(suite, close_wakes_blocked_select);
    LK_ADD(suite, fifo_through_capacity_one);
    LK_ADD(suite, select_many_cases);
    return suite;
}
