// Helpers shared by the deadlock lab's tests (see dl_check.h).
#define _GNU_SOURCE
#include "dl_check.h"

#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

double dl_seconds(double native_seconds)
{
    return native_seconds * lk_slowdown();
}

void dl_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

double dl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct joiner {
    lk_thread_t *threads;
    bool joined[64];
    int count;
    atomic_int done;
};

static void join_finished(void *arg)
{
    struct joiner *j = arg;
    for (int i = 0; i < j->count; i++)
        if (!j->joined[i] && pthread_tryjoin_np(j->threads[i], NULL) == 0) {
            j->joined[i] = true;
            atomic_fetch_add(&j->done, 1);
        }
}

static char join_problem[200];

int dl_join_within(lk_thread_t *threads, int count, double cpu_seconds)
{
    struct joiner j = {.threads = threads, .count = count};
    struct tw_thread watch[64];
    if (count > 64)
        ck_abort_msg("dl_join_within: %d threads (64 at most)", count);
    for (int i = 0; i < count; i++)
        tw_watch_pthread(&watch[i], threads[i]);
    struct tw_wait wait = {.done = &j.done, .target = count, .threads = watch, .count = count,
                           .cpu_budget = dl_seconds(cpu_seconds), .poll = join_finished,
                           .poll_arg = &j};
    enum tw_outcome outcome = tw_wait(&wait);
    if (outcome == TW_STUCK)
        snprintf(join_problem, sizeof join_problem,
                 "every thread still running is asleep waiting for a lock or a futex, and "
                 "nothing will wake it: a deadlock");
    else if (outcome == TW_SPINNING)
        snprintf(join_problem, sizeof join_problem,
                 "the threads used %.1f s of processor time without finishing: a livelock, "
                 "or a very slow run",
                 wait.cpu_used);
    return count - atomic_load(&j.done);
}

const char *dl_join_problem(void)
{
    return join_problem;
}

bool dl_wait_flag(atomic_int *flag, lk_thread_t thread)
{
    struct tw_thread watch;
    tw_watch_pthread(&watch, thread);
    struct tw_wait wait = {.done = flag, .target = 1, .threads = &watch, .count = 1,
                           .cpu_budget = dl_seconds(2.0)};
    return tw_wait(&wait) == TW_DONE;
}

// ---- Task 1 ----

struct probe {
    struct account *from, *to;
    int rc;
    atomic_int done;
};

static void *probe_transfer(void *arg)
{
    struct probe *p = arg;
    p->rc = transfer(p->from, p->to, 1);
    atomic_store(&p->done, 1);
    return NULL;
}

const char *dl_probe_lock_order(struct account *from, struct account *to)
{
    struct account *low = from->id < to->id ? from : to;
    struct account *high = low == from ? to : from;
    struct probe p = {from, to, -2, 0};
    const char *problem = "it waited for the higher id's lock while the lower id's lock was free";
    lk_mutex_lock(&high->lock);
    lk_thread_t t;
    lk_thread_create(&t, probe_transfer, &p);
    // Until the transfer is blocked (asleep twice in a row, or 0.2 s of
    // processor time spent spinning), look whether it holds the lower lock.
    struct tw_thread watch;
    tw_watch_pthread(&watch, t);
    int asleep = 0;
    for (;;) {
        if (atomic_load(&p.done)) {
            problem = "it returned while the test held one of the two locks";
            break;
        }
        // Taken, while the test holds the other lock: the transfer holds it.
        if (lk_mutex_trylock(&low->lock) != 0) {
            problem = NULL;
            break;
        }
        lk_mutex_unlock(&low->lock);
        asleep = tw_state(&watch) == TW_ASLEEP ? asleep + 1 : 0;
        if (asleep >= 3 || tw_cpu(&watch) > dl_seconds(0.2))
            break;
        dl_sleep_ms(1);
    }
    lk_mutex_unlock(&high->lock);
    ck_assert_msg(dl_join_within(&t, 1, 2.0) == 0,
                  "transfer(%s, %s) did not return after the test released its lock: %s",
                  from->lock.name, to->lock.name, dl_join_problem());
    ck_assert_msg(p.rc == 0, "transfer(%s, %s, 1) with balances %ld and %ld: expected 0, got %d",
                  from->lock.name, to->lock.name, from->balance, to->balance, p.rc);
    return problem;
}

// ---- Task 2 ----

static void dinner_problem(struct dl_dinner *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void dinner_problem(struct dl_dinner *d, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
#ifdef LK_EXPLORE
    (void)d;
    lk_explore_fail("%s", text);
#else
    if (atomic_exchange(&d->failed, 1) == 0)
        snprintf(d->problem, sizeof d->problem, "%s", text);
#endif
}

// on_eat: the philosopher must hold both forks, and neither neighbour may be
// eating meanwhile.
static void check_meal(struct table *t, int seat, void *arg)
{
    struct dl_dinner *d = arg;
    int forks[2] = {table_left(t, seat), table_right(t, seat)};
    lk_atomic_store(&d->eating[seat], 1);
    for (int i = 0; i < 2; i++) {
        if (lk_mutex_trylock(&t->fork[forks[i]]) == 0) {
            lk_mutex_unlock(&t->fork[forks[i]]);
            dinner_problem(d, "seat %d ate while fork %d lay free on the table", seat, forks[i]);
        }
    }
    lk_yield(); // a neighbour's chance to start eating too, if it could
    int left = (seat + t->seats - 1) % t->seats, right = (seat + 1) % t->seats;
    if (lk_atomic_load(&d->eating[left]) || lk_atomic_load(&d->eating[right]))
        dinner_problem(d, "seat %d ate while its neighbour %d was eating", seat,
                       lk_atomic_load(&d->eating[left]) ? left : right);
    lk_atomic_store(&d->eating[seat], 0);
}

static void *philosopher(void *arg)
{
    struct dl_guest *g = arg;
    atomic_store(&g->tid, (int)gettid());
    for (long m = 0; m < g->dinner->meals; m++)
        philosopher_dine(&g->dinner->table, g->seat);
    return NULL;
}

void dl_dinner_init(struct dl_dinner *d, int seats, long meals)
{
    table_init(&d->table, seats);
    d->table.on_eat = check_meal;
    d->table.on_eat_arg = d;
    d->meals = meals;
    atomic_init(&d->failed, 0);
    d->problem[0] = '\0';
    for (int i = 0; i < seats; i++) {
        atomic_init(&d->eating[i], 0);
        d->guest[i].dinner = d;
        d->guest[i].seat = i;
        atomic_init(&d->guest[i].tid, 0);
    }
}

void dl_dinner_start(struct dl_dinner *d, int first, int count)
{
    for (int i = first; i < first + count; i++)
        lk_thread_create(&d->thread[i], philosopher, &d->guest[i]);
}

void dl_dinner_check(struct dl_dinner *d, double seconds)
{
    int seats = d->table.seats;
    int stuck = dl_join_within(d->thread, seats, seconds);
    ck_assert_msg(stuck == 0,
                  "%d of %d philosophers had not finished their %ld meals: %s",
                  stuck, seats, d->meals, dl_join_problem());
    ck_assert_msg(!atomic_load(&d->failed), "%s", d->problem);
    for (int i = 0; i < seats; i++)
        ck_assert_msg(d->table.meals[i] == d->meals, "seat %d: expected %ld meals, got %ld", i,
                      d->meals, d->table.meals[i]);
    table_destroy(&d->table);
}

void dl_dinner_everyone_eats(int seats, long meals, double seconds)
{
    static struct dl_dinner d; // the philosophers use it to the end, past a failed check
    dl_dinner_init(&d, seats, meals);
    dl_dinner_start(&d, 0, seats);
    dl_dinner_check(&d, seconds);
}

void dl_dinner_join(struct dl_dinner *d)
{
    for (int i = 0; i < d->table.seats; i++)
        lk_thread_join(d->thread[i], NULL);
    for (int i = 0; i < d->table.seats; i++)
        lk_explore_check(d->table.meals[i] == d->meals, "seat %d: expected %ld meals, got %ld", i,
                         d->meals, d->table.meals[i]);
}

// ---- Task 3 ----

// The reporter may run in several threads at once (a checker need not hold
// its own lock while reporting), so each report claims its slot atomically.
static struct lo_cycle reports[DL_MAX_REPORTS];
static atomic_int report_count;

static void capture(const struct lo_cycle *cycle, void *arg)
{
    (void)arg;
    int slot = atomic_fetch_add(&report_count, 1);
    if (slot < DL_MAX_REPORTS)
        reports[slot] = *cycle;
}

void dl_capture_reports(void)
{
    lo_reset();
    atomic_store(&report_count, 0);
    lo_set_reporter(capture, NULL);
}

int dl_report_count(void)
{
    return atomic_load(&report_count);
}

const struct lo_cycle *dl_report(int index)
{
    return index < DL_MAX_REPORTS && index < dl_report_count() ? &reports[index] : NULL;
}

static const char *name_of(const struct lo_mutex *m)
{
    return m && m->name ? m->name : "(null)";
}

void dl_format_cycle(const struct lo_cycle *cycle, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    if (cycle->length < 1 || cycle->length > LO_MAX_LOCKS) {
        snprintf(buf, size, "(a cycle of length %d)", cycle->length);
        return;
    }
    for (int i = 0; i < cycle->length && used < size; i++) {
        const struct lo_edge *e = &cycle->edge[i];
        int n = snprintf(buf + used, size - used, "%s%s -> %s (%s:%d)", i ? ", " : "",
                         name_of(e->from), name_of(e->to), e->file ? e->file : "?", e->line);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

void dl_describe_reports(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < dl_report_count() && i < DL_MAX_REPORTS && used + 16 < size; i++) {
        char one[512];
        dl_format_cycle(&reports[i], one, sizeof one);
        int n = snprintf(buf + used, size - used, "%s report %d: %s", i ? ";" : ":", i + 1, one);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static int same_edge(const struct lo_edge *got, const struct dl_edge *want, const char *file)
{
    return got->from == want->from && got->to == want->to && got->file &&
           strcmp(got->file, file) == 0 && got->line == want->line;
}

const char *dl_cycle_problem(const struct lo_cycle *cycle, const char *file,
                             const struct dl_edge *closing, const struct dl_edge *known,
                             int known_count)
{
    static char problem[1024];
    char got[600];
    if (cycle->length < 1 || cycle->length > LO_MAX_LOCKS) {
        snprintf(problem, sizeof problem, "the report's cycle has length %d", cycle->length);
        return problem;
    }
    dl_format_cycle(cycle, got, sizeof got);
    if (!same_edge(&cycle->edge[0], closing, file)) {
        snprintf(problem, sizeof problem,
                 "expected the cycle to start with the new edge %s -> %s (%s:%d), got %s",
                 name_of(closing->from), name_of(closing->to), file, closing->line, got);
        return problem;
    }
    for (int i = 0; i < cycle->length; i++) {
        const struct lo_edge *e = &cycle->edge[i];
        const struct lo_edge *next = &cycle->edge[(i + 1) % cycle->length];
        int found = i == 0;
        for (int k = 0; k < known_count && !found; k++)
            found = same_edge(e, &known[k], file);
        if (!found) {
            snprintf(problem, sizeof problem,
                     "edge %d of the cycle, %s -> %s at %s:%d, is not an edge this test made "
                     "(or not the line where it was first made); got %s",
                     i + 1, name_of(e->from), name_of(e->to), e->file ? e->file : "?", e->line,
                     got);
            return problem;
        }
        if (e->to != next->from) {
            snprintf(problem, sizeof problem,
                     "edge %d ends at %s but the next edge starts at %s: not a cycle; got %s",
                     i + 1, name_of(e->to), name_of(next->from), got);
            return problem;
        }
    }
    return NULL;
}

void dl_check_cycle(int index, const char *file, const struct dl_edge *closing,
                    const struct dl_edge *known, int known_count)
{
    const struct lo_cycle *c = dl_report(index);
    ck_assert_msg(c != NULL, "expected report %d, the checker made %d", index + 1,
                  dl_report_count());
    const char *problem = dl_cycle_problem(c, file, closing, known, known_count);
    ck_assert_msg(problem == NULL, "report %d: %s", index + 1, problem);
}

void dl_close_two_lock_cycle_at(struct lo_mutex *from, struct lo_mutex *to, int first_line,
                                const char *why, const char *file, int line)
{
    lo_mutex_lock(to);
    lo_mutex_lock_at(from, file, line);
    dl_assert_reports(1, why);
    lo_mutex_unlock(from);
    lo_mutex_unlock(to);
    struct dl_edge known[] = {{from, to, first_line}, {to, from, line}};
    dl_check_cycle(0, file, &known[1], known, 2);
}

// ---- Explore runs ----

static struct dl_ring ring_plan;
static struct account ring_accounts[DL_RING_MAX];

static void *ring_transfers(void *arg)
{
    int i = (int)(long)arg, next = (i + 1) % ring_plan.accounts;
    for (int k = 0; k < ring_plan.rounds; k++) {
        int rc = transfer(&ring_accounts[i], &ring_accounts[next], ring_plan.amount);
        lk_explore_check(rc == 0, "transfer(account%d, account%d, %ld): expected 0, got %d",
                         i + 1, next + 1, ring_plan.amount, rc);
    }
    return NULL;
}

void dl_transfer_ring(void *ring)
{
    static const char *names[DL_RING_MAX] = {"account1", "account2", "account3", "account4"};
    ring_plan = *(struct dl_ring *)ring;
    lk_thread_t t[DL_RING_MAX];
    for (int i = 0; i < ring_plan.accounts; i++)
        account_init(&ring_accounts[i], i + 1, ring_plan.balance, names[i]);
    for (long i = 0; i < ring_plan.accounts; i++)
        lk_thread_create(&t[i], ring_transfers, (void *)i);
    for (int i = 0; i < ring_plan.accounts; i++)
        lk_thread_join(t[i], NULL);
    long total = 0;
    for (int i = 0; i < ring_plan.accounts; i++)
        total += ring_accounts[i].balance;
    lk_explore_check(total == ring_plan.accounts * ring_plan.balance,
                     "expected the balances to add up to %ld, got %ld",
                     ring_plan.accounts * ring_plan.balance, total);
}

void dl_explore(const char *name, void (*scenario)(void *), void *arg, int seeds, int strategies)
{
    struct lk_explore_opts opts = {.seeds = seeds, .strategies = strategies};
    char *report = NULL;
    int failed = lk_explore(name, scenario, arg, &opts, &report);
    if (!failed) {
        free(report);
        return;
    }
    // The whole report, with the trace, goes to stderr; the test's message
    // keeps what happened and how to replay it.
    const char *text = report ? report : "(no report)";
    fprintf(stderr, "%s\n", text);
    const char *trace = strstr(text, "last steps");
    const char *replay = strstr(text, "replay:");
    int head = trace ? (int)(trace - text) : (int)strlen(text);
    char message[1200];
    snprintf(message, sizeof message, "%.*s%s", head > 900 ? 900 : head, text,
             trace && replay ? replay : "");
    free(report);
    ck_abort_msg("expected every schedule to pass; %d failed. First failure:\n%s", failed,
                 message);
}

void dl_explore_ring(const char *name, struct dl_ring ring, int seeds)
{
    dl_explore(name, dl_transfer_ring, &ring, seeds, LK_RANDOM | LK_PCT);
}
