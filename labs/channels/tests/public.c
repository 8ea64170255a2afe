// Public tests of the channels lab: buffered channels, rendezvous, close, select, programs.
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

static chan_t *new_chan(unsigned capacity)
{
    chan_t *ch = chan_new(capacity);
    ck_assert_msg(ch != NULL, "chan_new(%u) returned NULL: expected a channel", capacity);
    return ch;
}

// ---- Task 1: a buffered channel ----

START_TEST(buffered_fifo_and_try)
{
    // A channel of capacity 3 holds 3 messages and refuses a 4th without
    // blocking; they come out in the order they went in.
    chan_t *ch = new_chan(3);
    long values[4] = { 10, 11, 12, 13 };
    for (int i = 0; i < 3; i++)
        ck_assert_msg(chan_trysend(ch, &values[i]) == CHAN_OK,
                      "chan_trysend #%d into a channel of capacity 3: expected CHAN_OK", i + 1);
    int status = chan_trysend(ch, &values[3]);
    ck_assert_msg(status == CHAN_WOULDBLOCK,
                  "chan_trysend into a full channel: expected CHAN_WOULDBLOCK (%d), got %d",
                  CHAN_WOULDBLOCK, status);
    for (int i = 0; i < 3; i++) {
        void *m = NULL;
        status = i == 1 ? chan_recv(ch, &m) : chan_tryrecv(ch, &m);
        ck_assert_msg(status == CHAN_OK && m == &values[i],
                      "receive #%d: expected CHAN_OK and message %ld (first in, first out), "
                      "got status %d and %s", i + 1, values[i], status,
                      m == NULL ? "NULL" : "another message");
    }
    void *m = NULL;
    status = chan_tryrecv(ch, &m);
    ck_assert_msg(status == CHAN_WOULDBLOCK,
                  "chan_tryrecv from an empty channel: expected CHAN_WOULDBLOCK (%d), got %d",
                  CHAN_WOULDBLOCK, status);
    ck_assert_msg(chan_send(ch, &values[3]) == CHAN_OK, "chan_send with room: expected CHAN_OK");
    ck_assert_msg(chan_recv(ch, &m) == CHAN_OK && m == &values[3],
                  "chan_recv after one send: expected that message");
    chan_free(ch);
}
END_TEST

enum { SENDERS = 4, RECEIVERS = 2, PER_SENDER_MAX = 20000 };

// Messages are heap objects numbered sender * PER_SENDER_MAX + sequence.
static struct {
    chan_t *ch;
    long per_sender;
    atomic_uchar seen[SENDERS][PER_SENDER_MAX];
    atomic_long strangers, out_of_order;
} flow;

static void *flow_sender(void *arg)
{
    long sender = (long)arg;
    for (long i = 0; i < flow.per_sender; i++)
        if (chan_send(flow.ch, msg_new(sender * PER_SENDER_MAX + i)) != CHAN_OK)
            break;
    return NULL;
}

static void *flow_receiver(void *arg)
{
    (void)arg;
    long last[SENDERS];
    for (int s = 0; s < SENDERS; s++)
        last[s] = -1;
    void *m;
    while (chan_recv(flow.ch, &m) == CHAN_OK) {
        long value = m ? msg_take(m) : -1, sender = value / PER_SENDER_MAX,
             sequence = value % PER_SENDER_MAX;
        if (value < 0 || sender >= SENDERS || sequence >= flow.per_sender) {
            atomic_fetch_add(&flow.strangers, 1);
            continue;
        }
        if (sequence <= last[sender])
            atomic_fetch_add(&flow.out_of_order, 1);
        last[sender] = sequence;
        atomic_fetch_add(&flow.seen[sender][sequence], 1);
    }
    return NULL;
}

// Run SENDERS senders and RECEIVERS receivers on a channel of `capacity`,
// then check every message arrived exactly once, each sender's in order.
static void check_flow(unsigned capacity, long per_sender)
{
    memset(&flow, 0, sizeof flow);
    flow.ch = new_chan(capacity);
    flow.per_sender = per_sender;
    struct helper senders[SENDERS], receivers[RECEIVERS];
    for (long i = 0; i < RECEIVERS; i++)
        helper_start(&receivers[i], flow_receiver, NULL);
    for (long i = 0; i < SENDERS; i++)
        helper_start(&senders[i], flow_sender, (void *)i);
    for (int i = 0; i < SENDERS; i++)
        ck_assert_msg(helper_done_within(&senders[i], 5),
                      "sender %d still sending after 5 s: expected the receivers to take "
                      "every message (a lost wake-up?)", i);
    chan_close(flow.ch);
    for (int i = 0; i < RECEIVERS; i++)
        ck_assert_msg(helper_done_within(&receivers[i], 2),
                      "receiver %d still waiting 2 s after chan_close: expected CHAN_CLOSED "
                      "once the channel is drained", i);
    chan_free(flow.ch);
    ck_assert_msg(atomic_load(&flow.strangers) == 0,
                  "receivers got %ld messages nobody sent: expected none", atomic_load(&flow.strangers));
    long missing = 0, repeated = 0;
    for (int s = 0; s < SENDERS; s++)
        for (long i = 0; i < per_sender; i++) {
            int seen = atomic_load(&flow.seen[s][i]);
            missing += seen == 0;
            repeated += seen > 1;
        }
    ck_assert_msg(missing == 0 && repeated == 0,
                  "of %ld messages, %ld never arrived and %ld arrived more than once: expected "
                  "each exactly once", SENDERS * per_sender, missing, repeated);
    ck_assert_msg(atomic_load(&flow.out_of_order) == 0,
                  "a receiver saw one sender's messages out of order %ld times: expected first "
                  "in, first out", atomic_load(&flow.out_of_order));
}

START_TEST(fifo_with_many_senders)
{
    // 4 senders and 2 receivers through a channel of capacity 8: every
    // message arrives exactly once, and each sender's in the order it sent them.
    check_flow(8, lk_scaled(PER_SENDER_MAX, 20, 10));
}
END_TEST

struct blocking_call {
    chan_t *ch;
    void *message;
    int status;
};

static void *send_in_thread(void *arg)
{
    struct blocking_call *call = arg;
    call->status = chan_send(call->ch, call->message);
    return NULL;
}

static void *recv_in_thread(void *arg)
{
    struct blocking_call *call = arg;
    call->status = chan_recv(call->ch, &call->message);
    return NULL;
}

START_TEST(send_blocks_when_full)
{
    // A send into a full channel blocks until a receive makes room; then the
    // messages come out in order.
    chan_t *ch = new_chan(2);
    long values[3] = { 1, 2, 3 };
    chan_send(ch, &values[0]);
    chan_send(ch, &values[1]);
    struct blocking_call call = { ch, &values[2], 99 };
    struct helper h;
    helper_start(&h, send_in_thread, &call);
    helper_wait_asleep(&h, 1);
    ck_assert_msg(!helper_done(&h), "chan_send into a full channel returned (status %d): "
                  "expected it to block until a receive", call.status);
    void *m = NULL;
    ck_assert_msg(chan_recv(ch, &m) == CHAN_OK && m == &values[0], "first receive: expected message 1");
    ck_assert_msg(helper_done_within(&h, 1),
                  "the blocked sender did not return within 1 s of a receive that made room");
    ck_assert_msg(call.status == CHAN_OK, "the blocked send: expected CHAN_OK, got %d", call.status);
    for (int i = 1; i < 3; i++) {
        m = NULL;
        ck_assert_msg(chan_recv(ch, &m) == CHAN_OK && m == &values[i],
                      "receive #%d: expected message %ld (first in, first out)", i + 1, values[i]);
    }
    chan_free(ch);
}
END_TEST

START_TEST(recv_blocks_when_empty)
{
    // A receive from an empty channel blocks until a send, and returns
    // that message.
    chan_t *ch = new_chan(2);
    long value = 42;
    struct blocking_call call = { ch, NULL, 99 };
    struct helper h;
    helper_start(&h, recv_in_thread, &call);
    helper_wait_asleep(&h, 1);
    ck_assert_msg(!helper_done(&h), "chan_recv from an empty channel returned (status %d): "
                  "expected it to block until a send", call.status);
    chan_send(ch, &value);
    ck_assert_msg(helper_done_within(&h, 1),
                  "the blocked receiver did not return within 1 s of a send");
    ck_assert_msg(call.status == CHAN_OK && call.message == &value,
                  "the blocked receive: expected CHAN_OK and the message sent, got status %d", call.status);
    chan_free(ch);
}
END_TEST

START_TEST(blocked_threads_sleep)
{
    // A receiver blocked on an empty channel and a sender blocked on a full
    // one sleep: over 0.2 s each uses under 5% of a CPU (by its thread's
    // CPU clock, which a busy machine does not inflate).
    chan_t *empty = new_chan(1), *full = new_chan(1);
    long values[2] = { 1, 2 };
    chan_send(full, &values[0]);
    struct blocking_call receive = { empty, NULL, 99 }, send = { full, &values[1], 99 };
    struct helper helpers[2];
    helper_start(&helpers[0], recv_in_thread, &receive);
    helper_start(&helpers[1], send_in_thread, &send);
    helper_wait_asleep(&helpers[0], 1);
    helper_wait_asleep(&helpers[1], 1);
    const char *who[2] = { "receiver", "sender" };
    double cpu_start[2], cpu[2];
    for (int i = 0; i < 2; i++)
        cpu_start[i] = test_thread_cpu(helpers[i].thread);
    double wall_start = test_now();
    struct timespec window = { 0, 200000000 };
    nanosleep(&window, NULL);
    double wall = test_now() - wall_start;
    for (int i = 0; i < 2; i++) {
        cpu[i] = test_thread_cpu(helpers[i].thread) - cpu_start[i];
        ck_assert_msg(!helper_done(&helpers[i]) && cpu_start[i] >= 0 && cpu[i] >= 0,
                      "the %s returned: expected it to block", who[i]);
    }
    for (int i = 0; i < 2; i++)
        ck_assert_msg(cpu[i] < 0.05 * wall,
                      "the blocked %s used %.0f ms of CPU in %.0f ms: expected under 5%% (wait "
                      "on a condition variable, do not spin)", who[i], cpu[i] * 1e3, wall * 1e3);
    void *m;
    chan_send(empty, &values[0]);
    chan_recv(full, &m);
    ck_assert_msg(helper_done_within(&helpers[0], 1) && helper_done_within(&helpers[1], 1),
                  "a blocked thread did not return within 1 s of its partner's call");
    chan_free(empty);
    chan_free(full);
}
END_TEST

// ---- Task 2: rendezvous ----

START_TEST(rendezvous_send_waits_for_receiver)
{
    // Capacity 0: a send returns only once a receiver has taken the message;
    // try-operations succeed only with a partner waiting.
    chan_t *ch = new_chan(0);
    long value = 7;
    void *m = NULL;
    int status = chan_trysend(ch, &value);
    ck_assert_msg(status == CHAN_WOULDBLOCK,
                  "chan_trysend on capacity 0 with no receiver: expected CHAN_WOULDBLOCK, got %d", status);
    status = chan_tryrecv(ch, &m);
    ck_assert_msg(status == CHAN_WOULDBLOCK,
                  "chan_tryrecv on capacity 0 with no sender: expected CHAN_WOULDBLOCK, got %d", status);
    struct blocking_call call = { ch, &value, 99 };
    struct helper h;
    helper_start(&h, send_in_thread, &call);
    helper_wait_asleep(&h, 1);
    ck_assert_msg(!helper_done(&h), "chan_send on a channel of capacity 0 returned with no "
                  "receiver: expected it to wait for one (rendezvous)");
    ck_assert_msg(chan_tryrecv(ch, &m) == CHAN_OK && m == &value,
                  "chan_tryrecv with a sender waiting: expected CHAN_OK and its message");
    ck_assert_msg(helper_done_within(&h, 1), "the sender did not return within 1 s of the receive");
    ck_assert_msg(call.status == CHAN_OK, "the rendezvous send: expected CHAN_OK, got %d", call.status);
    // And the other way round: a waiting receiver lets trysend through.
    call = (struct blocking_call){ ch, NULL, 99 };
    helper_start(&h, recv_in_thread, &call);
    helper_wait_asleep(&h, 1);
    ck_assert_msg(chan_trysend(ch, &value) == CHAN_OK,
                  "chan_trysend on capacity 0 with a receiver waiting: expected CHAN_OK");
    ck_assert_msg(helper_done_within(&h, 1) && call.message == &value,
                  "the waiting receiver did not get the message within 1 s");
    chan_free(ch);
}
END_TEST

START_TEST(rendezvous_delivers_everything)
{
    // 4 senders and 2 receivers through a channel of capacity 0: every
    // message arrives exactly once, each sender's in order.
    check_flow(0, lk_scaled(2000, 10, 5));
}
END_TEST

// ---- Task 3: close ----

START_TEST(close_drains_then_reports_closed)
{
    // After chan_close, buffered messages still come out, then receives get
    // CHAN_CLOSED; sends fail with CHAN_CLOSED; a second close is an error.
    chan_t *ch = new_chan(4);
    long values[3] = { 1, 2, 3 };
    chan_send(ch, &values[0]);
    chan_send(ch, &values[1]);
    ck_assert_msg(chan_close(ch) == CHAN_OK, "chan_close: expected CHAN_OK");
    ck_assert_msg(chan_send(ch, &values[2]) == CHAN_CLOSED,
                  "chan_send on a closed channel: expected CHAN_CLOSED");
    ck_assert_msg(chan_trysend(ch, &values[2]) == CHAN_CLOSED,
                  "chan_trysend on a closed channel: expected CHAN_CLOSED");
    for (int i = 0; i < 2; i++) {
        void *m = NULL;
        int status = i == 0 ? chan_recv(ch, &m) : chan_tryrecv(ch, &m);
        ck_assert_msg(status == CHAN_OK && m == &values[i],
                      "receive #%d after close: expected buffered message %ld, got status %d",
                      i + 1, values[i], status);
    }
    void *m = &values[0];
    int status = chan_recv(ch, &m);
    ck_assert_msg(status == CHAN_CLOSED && m == NULL,
                  "chan_recv on a closed, drained channel: expected CHAN_CLOSED and NULL, got %d", status);
    ck_assert_msg(chan_tryrecv(ch, &m) == CHAN_CLOSED,
                  "chan_tryrecv on a closed, drained channel: expected CHAN_CLOSED");
    ck_assert_msg(chan_close(ch) == CHAN_CLOSED,
                  "closing a closed channel: expected CHAN_CLOSED (an error, not a crash)");
    chan_free(ch);
}
END_TEST

START_TEST(close_wakes_blocked_receivers)
{
    // Three receivers blocked on an empty channel all wake when it is
    // closed, each with CHAN_CLOSED.
    chan_t *ch = new_chan(2);
    struct blocking_call calls[3];
    struct helper h[3];
    for (int i = 0; i < 3; i++) {
        calls[i] = (struct blocking_call){ ch, NULL, 99 };
        helper_start(&h[i], recv_in_thread, &calls[i]);
    }
    for (int i = 0; i < 3; i++)
        helper_wait_asleep(&h[i], 1);
    chan_close(ch);
    test_wait_for(&h[2].done, 1, 1);
    int woken = 0;
    for (int i = 0; i < 3; i++)
        woken += helper_done_within(&h[i], 0.2);
    ck_assert_msg(woken == 3, "%d of 3 blocked receivers returned within 1 s of chan_close: "
                  "expected all (wake every waiter, not one)", woken);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(calls[i].status == CHAN_CLOSED,
                      "a receiver woken by close: expected CHAN_CLOSED, got %d", calls[i].status);
    chan_free(ch);
}
END_TEST

START_TEST(close_wakes_blocked_senders)
{
    // Two senders blocked on a channel of capacity 0 wake when it is closed,
    // each with CHAN_CLOSED: their messages were not sent.
    chan_t *ch = new_chan(0);
    struct blocking_call calls[2];
    struct helper h[2];
    for (int i = 0; i < 2; i++) {
        calls[i] = (struct blocking_call){ ch, msg_new(i), 99 };
        helper_start(&h[i], send_in_thread, &calls[i]);
    }
    for (int i = 0; i < 2; i++)
        helper_wait_asleep(&h[i], 1);
    chan_close(ch);
    int woken = 0;
    for (int i = 0; i < 2; i++)
        woken += helper_done_within(&h[i], 1);
    ck_assert_msg(woken == 2, "%d of 2 blocked senders returned within 1 s of chan_close: "
                  "expected both", woken);
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(calls[i].status == CHAN_CLOSED,
                      "a sender woken by close: expected CHAN_CLOSED, got %d", calls[i].status);
        free(calls[i].message); // not sent: still the sender's
    }
    chan_free(ch);
}
END_TEST

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

// ---- Task 5: programs ----

START_TEST(sieve_finds_primes)
{
    // sieve_primes(100, ...) finds the 25 primes up to 100 in order, through a
    // chain of filter threads; with room for 10 it stores 10 and still
    // counts 25; every thread ends and every message is freed.
    static const long expected[25] = { 2,  3,  5,  7,  11, 13, 17, 19, 23, 29, 31, 37, 41,
                                       43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97 };
    long primes[30] = { 0 };
    int found = sieve_primes(100, primes, 30);
    ck_assert_msg(found == 25, "sieve_primes(100): expected 25 primes, got %d", found);
    for (int i = 0; i < 25; i++)
        ck_assert_msg(primes[i] == expected[i], "prime #%d: expected %ld, got %ld", i + 1,
                      expected[i], primes[i]);
    long few[11] = { 0 };
    few[10] = -1;
    found = sieve_primes(100, few, 10);
    ck_assert_msg(found == 25 && few[9] == 29 && few[10] == -1,
                  "sieve_primes(100) with room for 10: expected 25 returned, 10 stored, got %d", found);
    found = sieve_primes(1, primes, 30);
    ck_assert_msg(found == 0, "sieve_primes(1): expected no prime, got %d", found);
}
END_TEST

static struct {
    chan_t *in, *out;
    long inputs;
    atomic_int received;
    atomic_long out_of_order, wrong;
} pool;

// Job 0 is slow: it waits (up to 0.2 s) until the output has received
// something.  A pool that keeps order cannot release anything before job 0,
// so it waits the whole time; one that passes later results by lets them out.
static long pool_square(long x)
{
    if (x == 0)
        test_wait_for(&pool.received, 1, 0.2);
    return x * x;
}

static void *pool_feeder(void *arg)
{
    (void)arg;
    for (long i = 0; i < pool.inputs; i++)
        if (chan_send(pool.in, msg_new(i)) != CHAN_OK)
            break;
    chan_close(pool.in);
    return NULL;
}

static void *pool_consumer(void *arg)
{
    (void)arg;
    long next = 0;
    void *m;
    while (chan_recv(pool.out, &m) == CHAN_OK) {
        long value = m ? msg_take(m) : -1, root = next;
        atomic_fetch_add(&pool.received, 1);
        if (value != root * root) {
            // Which input was it?  Squares of 0..inputs-1 are distinct.
            long r = 0;
            while (r < pool.inputs && r * r != value)
                r++;
            atomic_fetch_add(r < pool.inputs ? &pool.out_of_order : &pool.wrong, 1);
        }
        next++;
    }
    return NULL;
}

static void *pool_in_thread(void *arg)
{
    (void)arg;
    pool_run(pool.in, pool.out, 3, pool_square);
    return NULL;
}

START_TEST(pool_keeps_input_order)
{
    // A pool of 3 workers squares 30 numbers; the first is slow, so later
    // results are ready first: they still leave in input order, each once.
    memset(&pool, 0, sizeof pool);
    pool.in = new_chan(4);
    pool.out = new_chan(4);
    pool.inputs = 30;
    struct helper feeder, consumer;
    helper_start(&feeder, pool_feeder, NULL);
    helper_start(&consumer, pool_consumer, NULL);
    struct helper runner;
    helper_start(&runner, pool_in_thread, NULL);
    ck_assert_msg(helper_done_within(&runner, 3),
                  "pool_run had not returned after 3 s: expected it to end once the input is "
                  "closed and drained (%d results so far)", atomic_load(&pool.received));
    ck_assert_msg(helper_done_within(&feeder, 1) && helper_done_within(&consumer, 1),
                  "1 s after pool_run returned, the output was still open: expected pool_run "
                  "to close it");
    int received = atomic_load(&pool.received);
    ck_assert_msg(atomic_load(&pool.wrong) == 0,
                  "%ld results were not the square of any input: expected none", atomic_load(&pool.wrong));
    ck_assert_msg(received == 30, "received %d results for 30 inputs: expected 30", received);
    ck_assert_msg(atomic_load(&pool.out_of_order) == 0,
                  "%ld of 30 results came out of input order: expected all in order (job 0 was "
                  "slowest)", atomic_load(&pool.out_of_order));
    chan_free(pool.in);
    chan_free(pool.out);
}
END_TEST

enum { CLIENTS = 4, COUNTERS = 2 };

static struct {
    server_t *server;
    long requests;
    atomic_long not_increasing;
} bank;

static void *bank_client(void *arg)
{
    long index = (long)arg, last = 0;
    for (long r = 0; r < bank.requests; r++) {
        long value = server_add(bank.server, (int)(index % COUNTERS), 1);
        if (value <= last)
            atomic_fetch_add(&bank.not_increasing, 1);
        last = value;
    }
    return NULL;
}

START_TEST(server_counts_requests)
{
    // 4 clients each ask a counter server to add 1 to one of 2 counters,
    // many times, each request with its own reply channel: every reply is
    // the counter's new value, and none is lost.
    memset(&bank, 0, sizeof bank);
    bank.server = server_start(COUNTERS);
    ck_assert_msg(bank.server != NULL, "server_start(2) returned NULL: expected a server");
    bank.requests = lk_scaled(2000, 10, 5);
    struct helper clients[CLIENTS];
    for (long i = 0; i < CLIENTS; i++)
        helper_start(&clients[i], bank_client, (void *)i);
    for (int i = 0; i < CLIENTS; i++)
        ck_assert_msg(helper_done_within(&clients[i], 5),
                      "client %d was still waiting for replies after 5 s", i);
    ck_assert_msg(atomic_load(&bank.not_increasing) == 0,
                  "%ld replies were not above the same client's previous one: expected each "
                  "reply to be the counter's new value", atomic_load(&bank.not_increasing));
    for (int c = 0; c < COUNTERS; c++) {
        long total = server_add(bank.server, c, 0);
        long expected = bank.requests * (CLIENTS / COUNTERS);
        ck_assert_msg(total == expected, "counter %d: expected %ld after all adds, got %ld", c,
                      expected, total);
    }
    server_stop(bank.server);
}
END_TEST

Suite *lk_suite(void)
{
    Suite *suite = suite_create("channels-public");
    LK_ADD(suite, buffered_fifo_and_try);
    LK_ADD(suite, fifo_with_many_senders);
    LK_ADD(suite, send_blocks_when_full);
    LK_ADD(suite, recv_blocks_when_empty);
    LK_ADD(suite, blocked_threads_sleep);
    LK_ADD(suite, rendezvous_send_waits_for_receiver);
    LK_ADD(suite, rendezvous_delivers_everything);
    LK_ADD(suite, close_drains_then_reports_closed);
    LK_ADD(suite, close_wakes_blocked_receivers);
    LK_ADD(suite, close_wakes_blocked_senders);
    LK_ADD(suite, select_default_never_blocks);
    LK_ADD(suite, select_performs_exactly_one);
    LK_ADD(suite, select_blocks_until_ready);
    LK_ADD(suite, select_is_uniform);
    LK_ADD(suite, select_meets_select);
    LK_ADD(suite, sieve_finds_primes);
    LK_ADD(suite, pool_keeps_input_order);
    LK_ADD(suite, server_counts_requests);
    return suite;
}
