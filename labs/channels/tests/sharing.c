// Public tests of the channels lab, tasks 5-7: programs that share nothing but channels.
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
    Suite *suite = suite_create("channels-sharing");
    LK_ADD(suite, sieve_finds_primes);
    LK_ADD(suite, pool_keeps_input_order);
    LK_ADD(suite, server_counts_requests);
    return suite;
}
