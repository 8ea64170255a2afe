// The dining philosophers of task 2: a round table, a fork between each pair
// of neighbours, and the dine you write.
//
// Seat i has fork i on its left and fork (i + 1) % seats on its right, so each
// fork is shared by two neighbours.  Everybody taking the left fork and then
// waiting for the right one is the classic deadlock: see README.md, "Task 2".
#ifndef PHILOSOPHERS_H
#define PHILOSOPHERS_H

#include "lk_sched.h"

#define TABLE_MAX_SEATS 16

struct table {
    int seats;                        // philosophers, and forks: 2..TABLE_MAX_SEATS
    lk_mutex_t fork[TABLE_MAX_SEATS]; // named "fork0", "fork1", ...

    // For the "at most seats - 1 at the table" technique, if you use it: the
    // number of free places, seats - 1 at the start.  Wait on it with
    // lk_futex_wait and wake with lk_futex_wake.  Ignore it otherwise.
    atomic_uint places;

    // Set by the tests: table_eat calls on_eat(t, seat, on_eat_arg).
    void (*on_eat)(struct table *t, int seat, void *arg);
    void *on_eat_arg;
    long meals[TABLE_MAX_SEATS]; // meals each seat has eaten (table_eat counts)
};

static inline int table_left(const struct table *t, int seat)
{
    (void)t;
    return seat;
}

static inline int table_right(const struct table *t, int seat)
{
    return (seat + 1) % t->seats;
}

static inline void table_init(struct table *t, int seats)
{
    static const char *const names[TABLE_MAX_SEATS] = {
        "fork0", "fork1", "fork2",  "fork3",  "fork4",  "fork5",  "fork6",  "fork7",
        "fork8", "fork9", "fork10", "fork11", "fork12", "fork13", "fork14", "fork15",
    };
    t->seats = seats;
    for (int i = 0; i < seats; i++) {
        lk_mutex_init(&t->fork[i], names[i]);
        t->meals[i] = 0;
    }
    atomic_init(&t->places, (unsigned)seats - 1);
    t->on_eat = NULL;
    t->on_eat_arg = NULL;
}

static inline void table_destroy(struct table *t)
{
    for (int i = 0; i < t->seats; i++)
        lk_mutex_destroy(&t->fork[i]);
}

// Eat one meal.  Call it holding both forks of `seat` (the tests check).
static inline void table_eat(struct table *t, int seat)
{
    t->meals[seat]++;
    if (t->on_eat)
        t->on_eat(t, seat, t->on_eat_arg);
}

// Yours (philosophers.c).  The philosopher at `seat` eats one meal: takes the
// forks table_left and table_right, calls table_eat, puts both forks down.
// Never deadlocks nor livelocks, whatever its neighbours do.
void philosopher_dine(struct table *t, int seat);

#endif
