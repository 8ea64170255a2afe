// Public forced-schedule tests of the channels lab: small scenarios under the explore scheduler.
//
// These cases exist only in the explore build (-DLK_EXPLORE), where every
// lk_ operation (the channel's lk_mutex_t, cond_t's futex, thread start and
// join) is a scheduling point; lab.conf runs them with tools=explore.
// labs/common/README.md explains the scheduler, its reports and replaying.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "labkit_check.h"
#include "lk_sched.h"

#ifdef LK_EXPLORE

// Seeds 1-30 under each strategy.  A seed fixes the schedule, so a broken
// channel that fails on some of these seeds fails on every run of the test.
static const struct lk_explore_opts explore_opts = {
    .seeds = 30, .strategies = LK_RANDOM | LK_PCT, .step_budget = 100000, .pct_depth = 3
};

static void explore(const char *name, void (*scenario)(void *))
{
    char *report = NULL;
    int failed = lk_explore(name, scenario, NULL, &explore_opts, &report);
    // The count is the report's own ("N of M runs failed"): lk_explore stops
    // early after a slow failure, so the seeds asked for may not all run.
    ck_assert_msg(failed == 0, "forced schedules failed: expected none.\n%s", report ? report : "");
    free(report);
}

static chan_t *explore_chan(unsigned capacity)
{
    chan_t *ch = chan_new(capacity);
    lk_explore_check(ch != NULL, "chan_new(%u) returned NULL", capacity);
    return ch;
}

// ---- The rendezvous: a send returns only after its receive ----

static struct {
    chan_t *ch;
    atomic_uint sent;
    long value;
} rendezvous;

static void *rendezvous_sender(void *arg)
{
    (void)arg;
    lk_explore_check(chan_send(rendezvous.ch, &rendezvous.value) == CHAN_OK,
                     "chan_send: expected CHAN_OK");
    lk_atomic_store(&rendezvous.sent, 1);
    return NULL;
}

static void rendezvous_scenario(void *arg)
{
    (void)arg;
    rendezvous.ch = explore_chan(0);
    atomic_init(&rendezvous.sent, 0);
    lk_explore_name(&rendezvous.sent, "sent");
    lk_thread_t sender;
    lk_thread_create(&sender, rendezvous_sender, NULL);
    // Each look is a scheduling point: the sender gets every chance to run
    // ahead, and must still be waiting for our receive.
    for (int i = 0; i < 4; i++)
        lk_explore_check(lk_atomic_load(&rendezvous.sent) == 0,
                         "chan_send on a channel of capacity 0 returned before any receive");
    void *m = NULL;
    lk_explore_check(chan_recv(rendezvous.ch, &m) == CHAN_OK && m == &rendezvous.value,
                     "chan_recv: expected CHAN_OK and the message sent");
    lk_thread_join(sender, NULL);
    chan_free(rendezvous.ch);
}

START_TEST(explore_rendezvous)
{
    // Forced schedules: on a channel of capacity 0, a send never returns
    // before a receive has taken its message.
    explore("rendezvous", rendezvous_scenario);
}
END_TEST

// ---- Close wakes every receiver ----

static struct {
    chan_t *ch;
    atomic_uint received;
} closing;

static void *closing_receiver(void *arg)
{
    (void)arg;
    void *m;
    while (chan_recv(closing.ch, &m) == CHAN_OK)
        lk_atomic_fetch_add(&closing.received, 1);
    return NULL;
}

static void close_scenario(void *arg)
{
    (void)arg;
    long value = 1;
    closing.ch = explore_chan(1);
    atomic_init(&closing.received, 0);
    lk_thread_t receivers[2];
    for (int i = 0; i < 2; i++)
        lk_thread_create(&receivers[i], closing_receiver, NULL);
    lk_explore_check(chan_send(closing.ch, &value) == CHAN_OK, "chan_send: expected CHAN_OK");
    lk_explore_check(chan_close(closing.ch) == CHAN_OK, "chan_close: expected CHAN_OK");
    for (int i = 0; i < 2; i++)
        lk_thread_join(receivers[i], NULL);
    unsigned received = lk_atomic_load(&closing.received);
    lk_explore_check(received == 1, "the receivers got %u messages: expected the 1 sent", received);
    chan_free(closing.ch);
}

START_TEST(explore_close_wakes_all)
{
    // Forced schedules: two receivers loop until the channel is closed; one
    // message and a close reach them in any order, and both always end.
    explore("close_wakes_all", close_scenario);
}
END_TEST

// ---- Selects in opposite orders ----

static struct {
    chan_t *a, *b;
    long values[2];
    int sent, received; // each written by one thread, read after the joins
    void *message;
} crossing;

static void *crossing_sender(void *arg)
{
    (void)arg;
    struct chan_case cases[2] = {
        { .ch = crossing.a, .dir = CHAN_SEND, .message = &crossing.values[0] },
        { .ch = crossing.b, .dir = CHAN_SEND, .message = &crossing.values[1] },
    };
    crossing.sent = chan_select(cases, 2, true);
    return NULL;
}

static void *crossing_receiver(void *arg)
{
    (void)arg;
    struct chan_case cases[2] = { { .ch = crossing.b, .dir = CHAN_RECV },
                                  { .ch = crossing.a, .dir = CHAN_RECV } };
    crossing.received = chan_select(cases, 2, true);
    crossing.message = crossing.received >= 0 && crossing.received < 2
                           ? cases[crossing.received].message : NULL;
    return NULL;
}

static void crossing_scenario(void *arg)
{
    (void)arg;
    crossing.a = explore_chan(0);
    crossing.b = explore_chan(0);
    lk_thread_t threads[2];
    lk_thread_create(&threads[0], crossing_sender, NULL);
    lk_thread_create(&threads[1], crossing_receiver, NULL);
    for (int i = 0; i < 2; i++)
        lk_thread_join(threads[i], NULL);
    lk_explore_check(crossing.sent == 0 || crossing.sent == 1, "the sending select returned %d",
                     crossing.sent);
    lk_explore_check(crossing.message == &crossing.values[crossing.sent],
                     "the receiving select got another message than the one sent");
    chan_free(crossing.a);
    chan_free(crossing.b);
}

START_TEST(explore_select_opposite_orders)
{
    // Forced schedules: a select sending on (a, b) and a select receiving
    // from (b, a), capacity 0: they always meet, never deadlock.
    explore("select_opposite_orders", crossing_scenario);
}
END_TEST

// ---- A blocked select wakes for a send ----

static struct {
    chan_t *a, *b;
    long values[2];
    int got[2];
} waking;

static void *waking_sender(void *arg)
{
    long which = (long)arg;
    chan_send(which ? waking.b : waking.a, &waking.values[which]);
    return NULL;
}

static void waking_scenario(void *arg)
{
    (void)arg;
    waking.a = explore_chan(1);
    waking.b = explore_chan(1);
    memset(waking.got, 0, sizeof waking.got);
    lk_thread_t senders[2];
    for (long i = 0; i < 2; i++)
        lk_thread_create(&senders[i], waking_sender, (void *)i);
    struct chan_case cases[2] = { { .ch = waking.a, .dir = CHAN_RECV }, { .ch = waking.b, .dir = CHAN_RECV } };
    int chosen = chan_select(cases, 2, true);
    lk_explore_check(chosen == 0 || chosen == 1, "select returned %d: expected 0 or 1", chosen);
    lk_explore_check(cases[chosen].message == &waking.values[chosen],
                     "select's case %d: expected that channel's message", chosen);
    void *m = NULL;
    chan_recv(chosen ? waking.a : waking.b, &m);
    lk_explore_check(m == &waking.values[!chosen], "the other channel: expected its message");
    for (int i = 0; i < 2; i++)
        lk_thread_join(senders[i], NULL);
    chan_free(waking.a);
    chan_free(waking.b);
}

START_TEST(explore_select_wakes)
{
    // Forced schedules: a select over two empty channels always wakes for
    // whichever send comes first (no lost wake-up).
    explore("select_wakes", waking_scenario);
}
END_TEST

// ---- The programs, small ----

static void sieve_scenario(void *arg)
{
    (void)arg;
    static const long expected[8] = { 2, 3, 5, 7, 11, 13, 17, 19 };
    long primes[8] = { 0 };
    int found = sieve_primes(20, primes, 8);
    lk_explore_check(found == 8, "sieve_primes(20): expected 8 primes, got %d", found);
    for (int i = 0; i < 8; i++)
        lk_explore_check(primes[i] == expected[i], "prime #%d: expected %ld, got %ld", i + 1,
                         expected[i], primes[i]);
}

START_TEST(explore_sieve)
{
    // Forced schedules: the sieve finds the 8 primes up to 20, and every
    // filter thread ends.
    explore("sieve", sieve_scenario);
}
END_TEST

static struct {
    chan_t *in, *out;
    int received, out_of_order;
} small_pool;

static long triple(long x)
{
    return 3 * x;
}

static void *small_pool_feeder(void *arg)
{
    (void)arg;
    for (long i = 0; i < 4; i++) {
        long *m = malloc(sizeof *m);
        *m = i;
        chan_send(small_pool.in, m);
    }
    chan_close(small_pool.in);
    return NULL;
}

static void *small_pool_consumer(void *arg)
{
    (void)arg;
    void *m;
    while (chan_recv(small_pool.out, &m) == CHAN_OK) {
        if (m && *(long *)m != 3 * small_pool.received)
            small_pool.out_of_order++;
        free(m);
        small_pool.received++;
    }
    return NULL;
}

static void pool_scenario(void *arg)
{
    (void)arg;
    memset(&small_pool, 0, sizeof small_pool);
    small_pool.in = explore_chan(1);
    small_pool.out = explore_chan(1);
    lk_thread_t feeder, consumer;
    lk_thread_create(&feeder, small_pool_feeder, NULL);
    lk_thread_create(&consumer, small_pool_consumer, NULL);
    pool_run(small_pool.in, small_pool.out, 2, triple);
    lk_thread_join(feeder, NULL);
    lk_thread_join(consumer, NULL);
    lk_explore_check(small_pool.received == 4 && small_pool.out_of_order == 0,
                     "pool_run over 4 inputs: %d results, %d out of order: expected 4 in order",
                     small_pool.received, small_pool.out_of_order);
    chan_free(small_pool.in);
    chan_free(small_pool.out);
}

START_TEST(explore_pool)
{
    // Forced schedules: a pool of 2 workers keeps 4 results in input order
    // and always ends.
    explore("pool", pool_scenario);
}
END_TEST

static server_t *small_server;

static void *small_client(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++)
        server_add(small_server, 0, 1);
    return NULL;
}

static void server_scenario(void *arg)
{
    (void)arg;
    small_server = server_start(1);
    lk_explore_check(small_server != NULL, "server_start(1) returned NULL");
    lk_thread_t clients[2];
    for (int i = 0; i < 2; i++)
        lk_thread_create(&clients[i], small_client, NULL);
    for (int i = 0; i < 2; i++)
        lk_thread_join(clients[i], NULL);
    long total = server_add(small_server, 0, 0);
    lk_explore_check(total == 4, "after 2 clients added 1 twice each: expected 4, got %ld", total);
    server_stop(small_server);
}

START_TEST(explore_server)
{
    // Forced schedules: two clients' requests to the counter server are
    // all answered, and the counter ends at 4.
    explore("server", server_scenario);
}
END_TEST
#endif

Suite *lk_suite(void)
{
    Suite *suite = suite_create("channels-schedules");
#ifdef LK_EXPLORE
    LK_ADD(suite, explore_rendezvous);
    LK_ADD(suite, explore_close_wakes_all);
    LK_ADD(suite, explore_select_opposite_orders);
    LK_ADD(suite, explore_select_wakes);
    LK_ADD(suite, explore_sieve);
    LK_ADD(suite, explore_pool);
    LK_ADD(suite, explore_server);
#endif
    return suite;
}
