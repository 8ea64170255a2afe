// Helpers shared by the deadlock lab's tests: deadlines for threads, the
// checker's reports captured for inspection, and explore runs.
#ifndef DL_CHECK_H
#define DL_CHECK_H

#include "bank.h"
#include "labkit_check.h"
#include "lk_sched.h"
#include "lockorder.h"
#include "philosophers.h"
#include "thread_watch.h"

// Seconds scaled for the tool the test runs under (Valgrind and TSan are
// slower), so a deadline is never the reason a correct solution fails.
double dl_seconds(double native_seconds);

// Join the threads as they finish.  Gives up when they are stuck (all
// asleep in futex waits, nothing moving: a deadlock) or have used
// `cpu_seconds` (scaled) of processor time between them without finishing
// (thread_watch.h): never because of the clock on the wall, so a busy
// machine only makes it take longer.  Returns how many were not joined;
// those are left running, and the test should fail (its process ends, and
// the stuck threads with it) with dl_join_problem() in its message.
int dl_join_within(lk_thread_t *threads, int count, double cpu_seconds);
const char *dl_join_problem(void);

// Wait until *flag is set by `thread`; false if the thread gets stuck or
// spins for 2 s (scaled) of processor time first.
bool dl_wait_flag(atomic_int *flag, lk_thread_t thread);

// Sleep for a number of milliseconds; the monotonic clock in seconds.
void dl_sleep_ms(long ms);
double dl_now(void);

// Task 1.  Run transfer(from, to, 1) while the test holds the lock of the
// account with the higher id, and find out which lock the transfer took
// before it had to wait.  Returns NULL if it took the lower id's lock, or
// what it did instead.
const char *dl_probe_lock_order(struct account *from, struct account *to);

// Task 2.  A dinner: one thread per seat, each eating `meals` meals through
// philosopher_dine.  Every meal is checked (table.on_eat): the philosopher
// holds both forks and neither neighbour eats meanwhile.  A problem fails
// the explore run at once, or is kept for dl_dinner_check in a normal run.
struct dl_dinner {
    struct table table;
    long meals;
    atomic_int eating[TABLE_MAX_SEATS];
    atomic_int failed;
    char problem[256];
    lk_thread_t thread[TABLE_MAX_SEATS];
    struct dl_guest {
        struct dl_dinner *dinner;
        int seat;
        atomic_int tid; // the thread's id (gettid), once it runs
    } guest[TABLE_MAX_SEATS];
};

// Set the table, start the philosophers of seats first..first+count-1.
void dl_dinner_init(struct dl_dinner *d, int seats, long meals);
void dl_dinner_start(struct dl_dinner *d, int first, int count);

// Wait for every philosopher (dl_join_within: `seconds` of processor time at
// most), then check every seat ate all its meals and no meal broke the
// rules.  Destroys the table.
void dl_dinner_check(struct dl_dinner *d, double seconds);

// A whole dinner: `seats` philosophers, `meals` each (dl_dinner_init,
// dl_dinner_start of every seat, dl_dinner_check with `seconds`).
void dl_dinner_everyone_eats(int seats, long meals, double seconds);

// Explore build: join every philosopher, then check every seat's meals.
void dl_dinner_join(struct dl_dinner *d);

// Reports of the lock-order checker, captured by the reporter that
// dl_capture_reports() installs (after lo_reset()).
#define DL_MAX_REPORTS 16
void dl_capture_reports(void);
int dl_report_count(void);
const struct lo_cycle *dl_report(int index);

// Format a cycle as "B -> A (public.c:57), A -> B (public.c:50)".
void dl_format_cycle(const struct lo_cycle *cycle, char *buf, size_t size);

// An edge the test created on purpose, with the line of the lock call that
// first created it (the file is the test's own).
struct dl_edge {
    const struct lo_mutex *from, *to;
    int line;
};

// Check that a report is a well-formed cycle: it starts with `closing` and
// then follows edges, each of which is one of `known` with the line where
// it was first seen, back to where it started.  Returns NULL if so, or a
// message saying what is wrong (static storage).
const char *dl_cycle_problem(const struct lo_cycle *cycle, const char *file,
                             const struct dl_edge *closing, const struct dl_edge *known,
                             int known_count);

// Task 3.  Lock m and note the line of the call, for the expected report.
#define DL_LOCK_AT(m, line) ((line) = __LINE__, lo_mutex_lock(m))

// Fail the test unless report `index` passes dl_cycle_problem.
void dl_check_cycle(int index, const char *file, const struct dl_edge *closing,
                    const struct dl_edge *known, int known_count);

// Close a cycle of two locks: with the edge from -> to made (at the test's
// line `first_line`) and neither lock held, lock `to`, then `from` (the edge
// to -> from, at the caller's line); the checker must have made exactly one
// report, that cycle with both lines.  `why` names the edges, for the message.
#define dl_close_two_lock_cycle(from, to, first_line, why)                                  \
    dl_close_two_lock_cycle_at((from), (to), (first_line), (why), __FILE__, __LINE__)
void dl_close_two_lock_cycle_at(struct lo_mutex *from, struct lo_mutex *to, int first_line,
                                const char *why, const char *file, int line);

// Check that the checker made exactly `expected` reports, with a message
// listing them if not.
#define dl_assert_reports(expected, why)                                                    \
    do {                                                                                    \
        char dl_text_[1024];                                                                \
        dl_describe_reports(dl_text_, sizeof dl_text_);                                     \
        ck_assert_msg(dl_report_count() == (expected), "%s: expected %d report(s), got %d%s", \
                      (why), (expected), dl_report_count(), dl_text_);                      \
    } while (0)
void dl_describe_reports(char *buf, size_t size);

// Run a scenario under the explore scheduler (seeds 1..seeds of each
// strategy) and fail the test with the scheduler's report if any run fails.
void dl_explore(const char *name, void (*scenario)(void *), void *arg, int seeds,
                int strategies);

// Explore scenario (arg: a struct dl_ring): `accounts` accounts (at most
// DL_RING_MAX) of `balance` each, and a thread per account that moves
// `amount` to the next one (the last to the first) `rounds` times.  Balances
// cover every transfer: each must succeed, and the total must not change.
// Two accounts make two threads transferring in opposite directions.
#define DL_RING_MAX 4
struct dl_ring {
    int accounts, rounds;
    long balance, amount;
};
void dl_transfer_ring(void *ring);

// dl_explore of dl_transfer_ring on `ring`, seeds 1..seeds of random and
// PCT schedules.
void dl_explore_ring(const char *name, struct dl_ring ring, int seeds);

#endif
