// Public tests of the channels lab, tasks 1-3: buffered channels, rendezvous, close.
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
    return suite;
}
