// The race lab's interface: six small programs whose data threads share.
//
// Each program is a handful of functions in race.c, the file you submit.  The
// tests and the demos own the threads: they start several at once and call
// these functions from all of them.  The versions in the starter race.c are
// racy: they give wrong answers and ThreadSanitizer reports.  README.md says
// how to fix each one and asks which condition of a data race the fix removes.
//
// Use lk_atomic_* (lk_atomic.h) for atomics and lk_mutex_t (lk_sched.h) for
// locks: they are the C11 and pthread operations, and in the grader's explore
// build they are also the points where its scheduler switches threads.
#ifndef RACE_H
#define RACE_H

#include <stddef.h>

#include "lk_atomic.h"
#include "lk_sched.h"

// 1. The counter (README.md#the-counter).
void counter_reset(void);     // set to 0; no other thread runs meanwhile
void counter_increment(void); // add 1; many threads call it at once
long counter_read(void);      // the current value

// 2. The lazy table (README.md#the-lazy-table).  table_build() and
// table_free() are the lab's (race_lab.c): building is slow, so the table is
// made only when first asked for, and then shared by every thread.
struct table {
    unsigned crc[256]; // CRC-32 of each byte value (polynomial 0xEDB88320)
};
struct table *table_build(void);      // a new table, filled in; NULL if out of memory
void table_free(struct table *table); // give back a table from table_build()
const struct table *table_get(void);  // the one shared table, built on first use

// 3. The bank account (README.md#the-bank-account).
void bank_open(long balance);  // start over with this balance; no other thread runs
void bank_deposit(long amount);
int bank_withdraw(long amount); // 1 if taken; 0, changing nothing, if balance < amount
long bank_balance(void);

// 4. The stack (README.md#the-stack).  The nodes belong to the caller.
struct node {
    struct node *next;
    long value;
};
void stack_push(struct node *node);
struct node *stack_take_all(void); // detach the whole stack (newest first); NULL if empty

// 5. The mailbox (README.md#the-mailbox): one message, written once, read by
// anyone who finds it there.
struct message {
    long seq;
    long items[7];
};
void mailbox_reset(void);                   // empty it; no other thread runs
void publish(const struct message *message); // put a copy in (once per reset)
int consume(struct message *out);           // 1 and a copy if there is one, else 0

// 6. The parallel sum (README.md#the-parallel-sum).
enum { SUM_MAX_THREADS = 64 };
// The sum of a[0..n), computed by `threads` threads (1..SUM_MAX_THREADS) that
// each take one slice; returns when they are all done.
long sum_parallel(const long *a, size_t n, int threads);

#endif
