// The bank of task 1: accounts with one lock each, and the transfer you write.
//
// Every account has its own lock, so transfers between different pairs of
// accounts run in parallel.  A transfer needs two accounts at once, and that
// is where the deadlock comes from: see README.md, "Task 1".
#ifndef BANK_H
#define BANK_H

#include "lk_sched.h"

struct account {
    int id;          // unique in the bank; the lock order of task 1
    long balance;    // protected by lock
    lk_mutex_t lock; // named after the account, for deadlock reports
};

// Open an account.  The name is not copied (use a string literal).
static inline void account_init(struct account *a, int id, long balance, const char *name)
{
    a->id = id;
    a->balance = balance;
    lk_mutex_init(&a->lock, name);
}

static inline void account_destroy(struct account *a)
{
    lk_mutex_destroy(&a->lock);
}

// Yours (bank.c).  Move `amount` from `from` to `to` with both accounts
// locked, so no other transfer sees the money in neither or in both.
// Returns 0 when the money moved; -1, changing nothing, when amount is
// negative or `from` holds less than amount.  transfer(a, a, x) changes
// nothing and returns 0 (or -1 as above).  Never deadlocks, whatever other
// transfers run at the same time.
int transfer(struct account *from, struct account *to, long amount);

#endif
