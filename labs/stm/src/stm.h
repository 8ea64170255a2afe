// The stm lab's API: a word-based software transactional memory, and a bank and a queue built on it.
//
// A transaction is a function run by stm_atomically():
//
//     static void add_one(stm_tx *tx, void *arg)
//     {
//         stm_word *counter = arg;
//         stm_write(tx, counter, stm_read(tx, counter) + 1);
//     }
//     ...
//     stm_atomically(add_one, &counter);
//
// The body may run several times: each time a conflict aborts it, the STM
// throws its writes away and runs it again from the start.  So a body must
// touch shared memory only through stm_read and stm_write, and must not do
// anything it cannot do twice (print, allocate, send).  See README.md.
#ifndef STM_H
#define STM_H

#include <stdatomic.h>
#include <stdbool.h>

// A word the STM manages.  Outside a transaction, initialise it with
// atomic_init() before threads use it, and read it with atomic_load() after
// they are joined; everything in between goes through stm_read/stm_write.
typedef atomic_long stm_word;

// One attempt at a transaction (defined in stm.c).
typedef struct stm_tx stm_tx;

// The most distinct words one transaction may read and write.  A larger
// transaction is a bug in the caller: the STM may stop the program.
enum { STM_MAX_READS = 256, STM_MAX_WRITES = 64 };

// Run body(tx, arg) as one transaction, as many times as it takes to commit
// (with a back-off between attempts).  Called inside another transaction's
// body, it runs body as part of that transaction (flat nesting): nothing
// commits until the outermost transaction does, and an abort restarts the
// outermost one.
void stm_atomically(void (*body)(stm_tx *tx, void *arg), void *arg);

// The value of *word as this transaction sees it: its own latest write, or
// the value in memory, which is consistent with every other read of this
// attempt.  If that cannot be guaranteed, the attempt aborts (and does not
// return here).
long stm_read(stm_tx *tx, stm_word *word);

// Set *word to value when (if) this transaction commits.
void stm_write(stm_tx *tx, stm_word *word, long value);

// Give up this attempt and run the transaction again once some word it has
// read has been changed by another transaction's commit.  The thread sleeps
// meanwhile.  Does not return.
_Noreturn void stm_retry(stm_tx *tx);

// ---- bank.c: accounts whose operations compose ----

struct bank {
    stm_word *balance; // balance[0..size-1]
    int size;
};

// Open size accounts in balances[], each holding `opening`.
void bank_init(struct bank *bank, stm_word *balances, int size, long opening);

// Each of these is one transaction, and may also be called inside another
// transaction, where it becomes part of it.

// Take amount (> 0) out of account if it holds at least that; returns whether
// it did.  A refused withdrawal changes nothing.
bool bank_withdraw(struct bank *bank, int account, long amount);

// Put amount (> 0) into account.
void bank_deposit(struct bank *bank, int account, long amount);

// Move amount from one account to another, all or nothing, built from
// bank_withdraw and bank_deposit.  Returns whether the money moved.
bool bank_transfer(struct bank *bank, int from, int to, long amount);

// One account's balance, and the sum of all of them, each read in one
// transaction.
long bank_balance(struct bank *bank, int account);
long bank_total(struct bank *bank);

// ---- queue.c: a bounded FIFO queue whose take waits with stm_retry ----

enum { QUEUE_MAX = 64 };

struct queue {
    int capacity;           // 1..QUEUE_MAX, fixed at init
    stm_word head;          // index of the oldest item
    stm_word count;         // items in the queue
    stm_word item[QUEUE_MAX];
};

void queue_init(struct queue *queue, int capacity);

// Append item; while the queue is full, wait (stm_retry).
void queue_put(struct queue *queue, long item);

// Remove and return the oldest item; while the queue is empty, wait.
long queue_take(struct queue *queue);

#endif
