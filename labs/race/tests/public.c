// Public tests of the race lab: every program gives the right answer with
// many threads at once, with no ThreadSanitizer report, and (explore build)
// under every schedule the scheduler tries.
//
// The native and TSan builds run stress rounds whose threads start together
// at a barrier, so their calls overlap and every race is in TSan's view on
// every run.  The explore build (-DLK_EXPLORE) runs small scenarios one
// thread at a time, switching at every lk_atomic_* and lk_mutex_* call: it
// catches the fixes that use atomics but split one step into two (a load then
// a store), which TSan cannot see because no access is plain.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labkit_check.h"
#include "lk_sched.h"
#include "lk_suite.h"
#include "thread_watch.h"
#include "race.h"
#include "race_lab.h"

// Check an answer.  Under TSan a wrong answer is only printed: the racy code
// that gives it also gets a race report, which is the verdict there (the
// grader shows the report only when the test itself ran to its end).  The
// native and explore runs fail on it.
#define check_answer(cond, ...)                                \
    do {                                                       \
        if (!LAB_UNDER_TSAN) {                                 \
            ck_assert_msg(cond, __VA_ARGS__);                  \
        } else if (!(cond)) {                                  \
            fprintf(stderr, "wrong answer: " __VA_ARGS__);     \
            fputc('\n', stderr);                               \
        }                                                      \
    } while (0)

enum { THREADS = 4 };

// A stress loop's length: shorter under Valgrind and TSan, which run slower.
// TSan needs only one pair of unordered accesses to report a race, and long
// loops of racing calls can make it drop the report (clang 14's runtime can
// fail to recover the other thread's stack), so its loops are the shortest.
static long scaled(long n)
{
    return LAB_UNDER_TSAN ? (n / 50 > 0 ? n / 50 : 1) : lk_scaled(n, 20, 10);
}

enum { MIN_ROUNDS = 3, MAX_ROUNDS = 200 };

// Whether to run stress round `round` (counted from 1) of a test that began
// at `start` (lab_cpu_seconds()): at least MIN_ROUNDS, and natively more
// until the process has used a quarter of a second of processor time, so a
// busy machine, which slows the rounds down, does not cut their number.
static int another_round(int round, double start)
{
    if (round <= MIN_ROUNDS)
        return 1;
    return !LAB_UNDER_TSAN && round <= MAX_ROUNDS && lab_cpu_seconds() - start < 0.25;
}

#ifdef LK_EXPLORE
// Run a scenario under the explore scheduler and fail with its report.
static void explore(const char *name, void (*scenario)(void *))
{
    struct lk_explore_opts opts = {.seeds = 40, .strategies = LK_RANDOM | LK_PCT};
    char *report = NULL;
    lab_table_set_delay(0);
    int failed = lk_explore(name, scenario, NULL, &opts, &report);
    ck_assert_msg(failed == 0, "%d schedules went wrong; the first:\n%s", failed,
                  report ? report : "(no report)");
    free(report);
}
#endif

// ---- 1. The counter ----

static void count_worker(int index, void *arg)
{
    long times = *(const long *)arg;
    (void)index;
    for (long i = 0; i < times; i++)
        counter_increment();
}

#ifdef LK_EXPLORE
static void counter_scenario(void *arg)
{
    long times = 3;
    (void)arg;
    counter_reset();
    lab_run_threads(2, count_worker, &times);
    long got = counter_read();
    lk_explore_check(got == 2 * times, "2 threads x %ld increments: expected %ld, got %ld",
                     times, 2 * times, got);
}
#endif

START_TEST(counter_counts_every_increment)
{
    // Threads incrementing at once lose no increment: T threads x M give T*M.
#ifdef LK_EXPLORE
    explore("counter", counter_scenario);
#else
    long times = scaled(200000);
    double start = lab_cpu_seconds();
    for (int round = 1; another_round(round, start); round++) {
        counter_reset();
        lab_run_threads(THREADS, count_worker, &times);
        long want = THREADS * times, got = counter_read();
        check_answer(got == want, "round %d, %d threads x %ld increments: expected %ld, got %ld",
                     round, THREADS, times, want, got);
    }
#endif
}
END_TEST

// ---- 2. The lazy table ----

static const struct table *table_seen[THREADS];

static void table_worker(int index, void *arg)
{
    (void)arg;
    table_seen[index] = table_get();
}

// What is wrong with the tables threads 0..threads-1 got, the first being
// `table`; NULL if nothing is.
static const char *table_problem(const struct table *table, int threads)
{
    static char why[160];
    for (int i = 0; i < threads; i++) {
        if (table_seen[i] == NULL)
            return "table_get() returned NULL";
        if (table_seen[i] != table) {
            snprintf(why, sizeof why, "expected one table for all, got %p in one thread and %p "
                     "in another", (const void *)table, (const void *)table_seen[i]);
            return why;
        }
    }
    if (table->crc[1] != 0x77073096u || table->crc[255] != 0x2D02EF8Du)
        return "the table returned is not filled in (crc[1] should be 0x77073096)";
    long kept = lab_table_builds() - lab_table_frees();
    if (kept != 1) {
        snprintf(why, sizeof why, "expected 1 table kept, got %ld (%ld built, %ld freed)", kept,
                 lab_table_builds(), lab_table_frees());
        return why;
    }
    if (table_get() != table)
        return "a later call returned a different table";
    return NULL;
}

#ifdef LK_EXPLORE
static void table_scenario(void *arg)
{
    (void)arg;
    lab_run_threads(3, table_worker, NULL);
    const char *problem = table_problem(table_seen[0], 3);
    lk_explore_check(problem == NULL, "3 threads called table_get(): %s", problem);
}
#endif

START_TEST(table_is_built_once_and_shared)
{
    // Threads asking for the table at once all get the same filled table; one table is kept.
#ifdef LK_EXPLORE
    explore("table", table_scenario);
#else
    lab_run_threads(THREADS, table_worker, NULL);
    const char *problem = table_problem(table_seen[0], THREADS);
    check_answer(problem == NULL, "%d threads called table_get() together: %s", THREADS,
                 problem);
#endif
}
END_TEST

// ---- 3. The bank account ----

struct bank_run {
    long times;              // operations per thread
    long taken[THREADS];     // successful withdrawals, per thread
    long negative[THREADS];  // times a thread saw a balance below 0
};

static long sum_of(const long *v, int count)
{
    long sum = 0;
    for (int i = 0; i < count; i++)
        sum += v[i];
    return sum;
}

#ifdef LK_EXPLORE
// Thread 0 deposits 1; the others try `times` times each to withdraw 1.
static void bank_explore_worker(int index, void *arg)
{
    struct bank_run *run = arg;
    if (index == 0) {
        bank_deposit(1);
        return;
    }
    for (long i = 0; i < run->times; i++) {
        run->taken[index] += bank_withdraw(1);
        run->negative[index] += bank_balance() < 0;
    }
}

static void bank_scenario(void *arg)
{
    struct bank_run run = {.times = 2};
    (void)arg;
    bank_open(1);
    lab_run_threads(3, bank_explore_worker, &run);
    long taken = sum_of(run.taken, 3), balance = bank_balance();
    lk_explore_check(sum_of(run.negative, 3) == 0 && balance >= 0,
                     "opened with 1, deposited 1, withdrew %ld: the balance went below 0 "
                     "(now %ld)", taken, balance);
    lk_explore_check(balance == 1 + 1 - taken,
                     "opened with 1, deposited 1, withdrew %ld: expected balance %ld, got %ld",
                     taken, 1 + 1 - taken, balance);
}
#else
// Even threads deposit 1 `times` times; odd threads try to withdraw 1 as often.
static void bank_mixed_worker(int index, void *arg)
{
    struct bank_run *run = arg;
    for (long i = 0; i < run->times; i++) {
        if (index % 2 == 0) {
            bank_deposit(1);
        } else {
            run->taken[index] += bank_withdraw(1);
            run->negative[index] += bank_balance() < 0;
        }
    }
}

// Every thread tries to withdraw 1 `times` times from an account that holds less.
static void bank_drain_worker(int index, void *arg)
{
    struct bank_run *run = arg;
    for (long i = 0; i < run->times; i++)
        run->taken[index] += bank_withdraw(1);
}

static void bank_check_rounds(long times)
{
    double start = lab_cpu_seconds();
    for (int round = 1; another_round(round, start); round++) {
        struct bank_run mixed = {.times = times};
        bank_open(0);
        lab_run_threads(THREADS, bank_mixed_worker, &mixed);
        long deposited = THREADS / 2 * times, taken = sum_of(mixed.taken, THREADS);
        long balance = bank_balance();
        check_answer(sum_of(mixed.negative, THREADS) == 0,
                     "round %d: expected the balance never below 0, saw it %ld times", round,
                     sum_of(mixed.negative, THREADS));
        check_answer(balance == deposited - taken,
                     "round %d: deposited %ld, withdrew %ld: expected balance %ld, got %ld",
                     round, deposited, taken, deposited - taken, balance);

        struct bank_run drain = {.times = times};
        long opening = THREADS * times / 2;
        bank_open(opening);
        lab_run_threads(THREADS, bank_drain_worker, &drain);
        taken = sum_of(drain.taken, THREADS);
        balance = bank_balance();
        check_answer(taken == opening && balance == 0,
                     "round %d: %d threads withdrew 1 at a time from %ld: expected %ld "
                     "withdrawals and balance 0, got %ld and %ld",
                     round, THREADS, opening, opening, taken, balance);
    }
}
#endif

START_TEST(bank_balance_adds_up)
{
    // Concurrent deposits and withdrawals lose no money and never overdraw the account.
#ifdef LK_EXPLORE
    explore("bank", bank_scenario);
#else
    bank_check_rounds(scaled(50000));
#endif
}
END_TEST

// The drain: rounds of THREADS threads asking at once for the last unit of
// an account that holds 1.  A refusal decided before taking the lock, or a
// check and an update under two separate lockings, lets several through,
// but only if they all check before the first one updates, which on a busy
// machine happens in some runs and not others.  So the rounds put a gate in
// front of every lk_mutex_lock and lk_mutex_trylock: a thread's n-th lock
// (n < DRAIN_PHASES) waits there until every thread of the round has got to
// its n-th lock (or is done), and then they all go.  A withdrawal that
// checks before it locks, or between two lockings, has then been checked by
// every thread while the balance is still 1, on every run; one that checks
// and updates under one locking loses nothing by waiting.  A design the
// gate could block (a thread held at it holds something another needs to
// get there) is let through when the others sleep or spin: thread state and
// processor time decide that, never the clock.
enum { DRAIN_PHASES = 3, DRAIN_DONE = DRAIN_PHASES + 1 };

struct drain_round {
    pthread_barrier_t start;
    struct tw_thread watch[THREADS];
    long taken[THREADS];
    atomic_int reached[THREADS]; // locks the thread has got to; DRAIN_DONE once done
    atomic_int ready;            // threads past the phase the coordinator waits for
    int phase;                   // that phase (the coordinator's own)
    atomic_uint open;            // the gate: phases opened so far (a futex word)
};

struct drain_thread {
    struct drain_round *round;
    int index;
};

static struct drain_round *_Atomic drain_now;
static _Thread_local int drain_index = -1; // this thread's index in the round, or -1
static _Thread_local int drain_locks;      // its lock calls so far

static void drain_gate(lk_mutex_t *m)
{
    (void)m;
    struct drain_round *round = atomic_load(&drain_now);
    if (!round || drain_index < 0 || drain_locks >= DRAIN_PHASES)
        return;
    unsigned phase = (unsigned)drain_locks++;
    atomic_store(&round->reached[drain_index], (int)phase + 1);
    unsigned open;
    while ((open = atomic_load(&round->open)) <= phase)
        lk_os_futex_wait(&round->open, open);
}

static void *drain_main(void *arg)
{
    struct drain_thread *self = arg;
    struct drain_round *round = self->round;
    tw_register(&round->watch[self->index]);
    pthread_barrier_wait(&round->start);
    drain_index = self->index;
    drain_locks = 0;
    round->taken[self->index] = bank_withdraw(1);
    drain_index = -1;
    atomic_store(&round->reached[self->index], DRAIN_DONE);
    return NULL;
}

// tw_wait's poll: how many threads have got past round->phase's lock.
static void drain_count_ready(void *arg)
{
    struct drain_round *round = arg;
    int ready = 0;
    for (int i = 0; i < THREADS; i++)
        ready += atomic_load(&round->reached[i]) > round->phase;
    atomic_store(&round->ready, ready);
}

static void drain_open(struct drain_round *round, unsigned phases)
{
    atomic_store(&round->open, phases);
    lk_os_futex_wake(&round->open, THREADS);
}

// One round: the account holds 1 and THREADS threads withdraw 1 each.
// Returns the successful withdrawals; *held_up says the gate had to open
// before every thread got to it.
static long drain_one_round(bool *held_up)
{
    struct drain_round round = {.open = 0};
    struct drain_thread thread[THREADS];
    lk_thread_t id[THREADS];
    pthread_barrier_init(&round.start, NULL, THREADS);
    bank_open(1);
    atomic_store(&drain_now, &round);
    for (int i = 0; i < THREADS; i++) {
        thread[i] = (struct drain_thread){.round = &round, .index = i};
        ck_assert_msg(lk_thread_create(&id[i], drain_main, &thread[i]) == 0,
                      "cannot create thread %d", i);
    }
    // Phase by phase: wait until every thread is at that lock or done.
    for (round.phase = 0; round.phase < DRAIN_PHASES; round.phase++) {
        struct tw_wait wait = {.done = &round.ready, .target = THREADS,
                               .threads = round.watch, .count = THREADS, .cpu_budget = 0.02,
                               .poll = drain_count_ready, .poll_arg = &round};
        if (tw_wait(&wait) != TW_DONE) {
            *held_up = true; // whatever it saw, the gate opens now
            break;
        }
        drain_open(&round, (unsigned)round.phase + 1);
    }
    drain_open(&round, DRAIN_PHASES);
    for (int i = 0; i < THREADS; i++)
        lk_thread_join(id[i], NULL);
    atomic_store(&drain_now, NULL);
    pthread_barrier_destroy(&round.start);
    return sum_of(round.taken, THREADS);
}

START_TEST(bank_drain_never_overdraws)
{
    // Threads drain one account: rounds of 4 threads asking at once for the
    // last unit of an account that holds 1, each held at its first locks
    // until all have got there.  Exactly one gets the unit, and the balance
    // never goes below 0.  Under TSan the gate stays open: its hand-over
    // would order each thread's check before the others' update and hide
    // the race TSan is there to report.  A design the gate held up once runs
    // its other rounds without it.
    long rounds = LAB_UNDER_TSAN ? 20 : 50;
    bool gated = !LAB_UNDER_TSAN;
    for (long round = 1; round <= rounds; round++) {
        bool held_up = false;
        lk_mutex_set_gate(gated ? drain_gate : NULL);
        long taken = drain_one_round(&held_up), balance = bank_balance();
        gated = gated && !held_up;
        check_answer(taken == 1 && balance == 0,
                     "round %ld: %d threads each withdrew 1 from a balance of 1: expected 1 "
                     "withdrawal and balance 0, got %ld and %ld",
                     round, THREADS, taken, balance);
    }
    lk_mutex_set_gate(NULL);
}
END_TEST

// ---- 4. The stack ----

enum { PUSHERS = 3 };

struct stack_run {
    struct node *nodes; // PUSHERS * per_thread of them; value = index
    long per_thread;
    unsigned char *seen; // times each node came out of the stack
    long strays;         // nodes out of range, or a list longer than all nodes
    atomic_int pushers_done;
};

static void stack_collect(struct stack_run *run, struct node *list)
{
    long total = PUSHERS * run->per_thread, steps = 0;
    for (; list && steps <= total; list = list->next, steps++) {
        if (list->value < 0 || list->value >= total || list != &run->nodes[list->value])
            run->strays++;
        else if (run->seen[list->value] < 255)
            run->seen[list->value]++;
    }
    if (list)
        run->strays++; // a cycle: more links than nodes
}

// Threads 0..PUSHERS-1 push their share of the nodes; the last one keeps
// taking the whole stack until they are done.
static void stack_worker(int index, void *arg)
{
    struct stack_run *run = arg;
    if (index < PUSHERS) {
        for (long i = 0; i < run->per_thread; i++)
            stack_push(&run->nodes[index * run->per_thread + i]);
        atomic_fetch_add(&run->pushers_done, 1);
        return;
    }
    while (atomic_load(&run->pushers_done) < PUSHERS) {
        stack_collect(run, stack_take_all());
        lk_yield(); // in an explore build, a turn for the pushers
    }
}

// Run pushers and a taker; NULL if every node came out exactly once.
static const char *stack_problem(long per_thread)
{
    static char why[160];
    long total = PUSHERS * per_thread;
    struct stack_run run = {.per_thread = per_thread};
    run.nodes = calloc((size_t)total, sizeof *run.nodes);
    run.seen = calloc((size_t)total, 1);
    if (!run.nodes || !run.seen) {
        free(run.nodes);
        free(run.seen);
        return "out of memory";
    }
    for (long i = 0; i < total; i++)
        run.nodes[i].value = i;
    (void)stack_take_all(); // start from an empty stack
    lab_run_threads(PUSHERS + 1, stack_worker, &run);
    stack_collect(&run, stack_take_all());
    long lost = 0, twice = 0;
    for (long i = 0; i < total; i++) {
        lost += run.seen[i] == 0;
        twice += run.seen[i] > 1;
    }
    if (lost || twice || run.strays)
        snprintf(why, sizeof why, "%d threads pushed %ld nodes: expected each taken once, got "
                 "%ld lost, %ld taken twice, %ld strays", PUSHERS, total, lost, twice, run.strays);
    free(run.nodes);
    free(run.seen);
    return lost || twice || run.strays ? why : NULL;
}

#ifdef LK_EXPLORE
static void stack_scenario(void *arg)
{
    (void)arg;
    const char *problem = stack_problem(2);
    lk_explore_check(problem == NULL, "%s", problem);
}
#endif

START_TEST(stack_keeps_every_node)
{
    // Nodes pushed by several threads while another takes them all come out exactly once each.
#ifdef LK_EXPLORE
    explore("stack", stack_scenario);
#else
    double start = lab_cpu_seconds();
    for (int round = 1; another_round(round, start); round++) {
        const char *problem = stack_problem(scaled(20000));
        check_answer(problem == NULL, "round %d: %s", round, problem);
    }
#endif
}
END_TEST

// ---- 5. The mailbox ----

enum { READERS = 3 };

struct mail_round {
    long seq;
    struct message got[READERS + 1]; // what reader i found, i = 1..READERS
    int found[READERS + 1];
};

static struct message mail_make(long seq)
{
    struct message m = {.seq = seq};
    for (int i = 0; i < 7; i++)
        m.items[i] = seq * 8 + i + 1;
    return m;
}

// Processor time this thread has used, in seconds.
static double thread_cpu_seconds(void)
{
    struct timespec used;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &used);
    return (double)used.tv_sec + (double)used.tv_nsec / 1e9;
}

// Thread 0 publishes the round's message; the others poll until they find it,
// yielding between polls so that the writer gets a core on a busy machine.
// A reader gives up after 0.5 s of its own processor time (so a broken
// mailbox fails instead of hanging): a clock the machine's load does not
// advance, so a slow writer is never taken for a missing message.
static void mail_worker(int index, void *arg)
{
    struct mail_round *round = arg;
    if (index == 0) {
        struct message m = mail_make(round->seq);
        publish(&m);
        return;
    }
    double give_up = thread_cpu_seconds() + (LAB_UNDER_TSAN ? 2.5 : 0.5);
    while (!consume(&round->got[index])) {
        if (thread_cpu_seconds() > give_up)
            return;
        sched_yield();
    }
    round->found[index] = 1;
}

START_TEST(publish_delivers_whole_message)
{
    // Readers polling while a writer publishes see nothing or the whole message, never a part.
    long rounds = LAB_UNDER_TSAN ? 30 : 300;
    for (long r = 1; r <= rounds; r++) {
        struct mail_round round = {.seq = r};
        struct message want = mail_make(r);
        mailbox_reset();
        lab_run_threads(READERS + 1, mail_worker, &round);
        for (int i = 1; i <= READERS; i++) {
            const struct message *got = &round.got[i];
            check_answer(round.found[i], "round %ld: reader %d never found the message "
                         "(polled for 0.5 s of processor time)", r, i);
            check_answer(memcmp(got, &want, sizeof want) == 0,
                         "round %ld, reader %d: expected message %ld with items %ld..%ld, "
                         "got message %ld with items %ld..%ld", r, i, want.seq, want.items[0],
                         want.items[6], got->seq, got->items[0], got->items[6]);
        }
    }
}
END_TEST

// ---- 6. The parallel sum ----

START_TEST(sum_parallel_is_exact)
{
    // On 1 to 8 threads, with equal, unequal or empty slices, the parallel sum is the plain sum.
    size_t n = (size_t)scaled(1 << 20) + 3; // a multiple of no thread count
    long *a = malloc(n * sizeof *a);
    ck_assert_msg(a != NULL, "out of memory");
    lab_fill(a, n, 42);
    long want = lab_sum_serial(a, n);
    static const int thread_counts[] = {1, 2, 3, 4, 8};
    double start = lab_cpu_seconds();
    for (int round = 1; another_round(round, start); round++) {
        for (size_t i = 0; i < sizeof thread_counts / sizeof *thread_counts; i++) {
            int threads = thread_counts[i];
            long got = sum_parallel(a, n, threads);
            check_answer(got == want, "round %d, %zu numbers on %d threads: expected %ld, got %ld",
                         round, n, threads, want, got);
        }
    }
    long small = sum_parallel(a, 5, 8);
    check_answer(small == lab_sum_serial(a, 5), "5 numbers on 8 threads: expected %ld, got %ld",
                 lab_sum_serial(a, 5), small);
    long none = sum_parallel(a, 0, 4);
    check_answer(none == 0, "no numbers on 4 threads: expected 0, got %ld", none);
    free(a);
}
END_TEST

// ---- answers.txt ----

// True if `line` is "NAME: some answer" (spaces allowed around both).
static int is_answer(const char *line, const char *name)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t len = strlen(name);
    if (strncmp(line, name, len) != 0)
        return 0;
    line += len;
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line++ != ':')
        return 0;
    for (; *line; line++)
        if (*line != ' ' && *line != '\t' && *line != '\r' && *line != '\n')
            return 1;
    return 0;
}

START_TEST(answers_name_a_condition_per_program)
{
    // answers.txt holds a non-empty "NAME: answer" line for each of the six programs.
    static const char *const names[] = {"counter", "table", "bank", "stack", "mailbox", "sum"};
    enum { PROGRAMS = sizeof names / sizeof *names };
    int answered[PROGRAMS] = {0};
    char line[1024];
    FILE *file = fopen("answers.txt", "r");
    ck_assert_msg(file != NULL, "expected answers.txt next to race.c (submit both): %s",
                  strerror(errno));
    while (fgets(line, sizeof line, file))
        for (int i = 0; i < PROGRAMS; i++)
            answered[i] |= line[0] != '#' && is_answer(line, names[i]);
    fclose(file);
    for (int i = 0; i < PROGRAMS; i++)
        ck_assert_msg(answered[i], "expected a line \"%s: <the condition your fix removes>\" "
                      "in answers.txt, found none with an answer", names[i]);
}
END_TEST

Suite *lk_suite(void)
{
    return LK_SUITE("race-public", LK_TEST(counter_counts_every_increment),
                    LK_TEST(table_is_built_once_and_shared), LK_TEST(bank_balance_adds_up),
                    LK_TEST(bank_drain_never_overdraws), LK_TEST(stack_keeps_every_node),
                    LK_TEST(publish_delivers_whole_message), LK_TEST(sum_parallel_is_exact),
                    LK_TEST(answers_name_a_condition_per_program));
}
