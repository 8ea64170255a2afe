// Plan E, allow the race and detect it: a tiny word-based software
// transactional memory, in the style of TL2 (Dice, Shalev and Shavit, 2006).
//
// A transaction reads shared words and buffers its writes.  At commit it
// locks the words it wrote, checks that nothing it read has changed since it
// started, writes, and unlocks.  If another transaction got in first, this one
// aborts and runs again from the start, so its body may run many times.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread stm.c -o stm
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef atomic_long stm_word; // a word the STM manages

enum { STRIPES = 1024, MAX_SET = 64 };

// The global version clock, and one versioned lock per stripe of memory:
// (version << 1) | locked.  A word's version is its stripe's.
static atomic_ulong version_clock;
static atomic_ulong stripes[STRIPES];

struct tx {
    jmp_buf restart;
    unsigned long read_version; // the clock when this attempt began
    stm_word *reads[MAX_SET];
    int read_count;
    struct {
        stm_word *addr;
        long value;
    } writes[MAX_SET];
    int write_count;
    atomic_ulong *locked[MAX_SET];
    unsigned long locked_was[MAX_SET];
    int locked_count;
    unsigned attempts;
};

// One transaction per thread at a time.  It lives outside the stack frame that
// calls setjmp, so its fields keep their values across the longjmp.
static _Thread_local struct tx current;

static atomic_ulong *stripe_of(stm_word *addr)
{
    return &stripes[((uintptr_t)addr / sizeof(stm_word)) % STRIPES];
}

// Give back the locks taken so far and start the transaction again.
static _Noreturn void stm_abort(struct tx *tx)
{
    for (int i = 0; i < tx->locked_count; i++)
        atomic_store_explicit(tx->locked[i], tx->locked_was[i], memory_order_release);
    sched_yield(); // let the winner finish before we try again
    longjmp(tx->restart, 1);
}

long stm_read(struct tx *tx, stm_word *addr)
{
    for (int i = tx->write_count - 1; i >= 0; i--)
        if (tx->writes[i].addr == addr)
            return tx->writes[i].value; // our own write, not yet committed
    atomic_ulong *stripe = stripe_of(addr);
    unsigned long before = atomic_load_explicit(stripe, memory_order_acquire);
    // Acquire: the second look at the lock cannot happen before this read.
    long value = atomic_load_explicit(addr, memory_order_acquire);
    unsigned long after = atomic_load_explicit(stripe, memory_order_relaxed);
    // Locked, changed while we read, or newer than our start: a conflict.
    if ((before & 1) || before != after || (before >> 1) > tx->read_version)
        stm_abort(tx);
    if (tx->read_count == MAX_SET)
        abort(); // a transaction too big for this toy
    tx->reads[tx->read_count++] = addr;
    return value;
}

void stm_write(struct tx *tx, stm_word *addr, long value)
{
    for (int i = 0; i < tx->write_count; i++) {
        if (tx->writes[i].addr == addr) {
            tx->writes[i].value = value;
            return;
        }
    }
    if (tx->write_count == MAX_SET)
        abort();
    tx->writes[tx->write_count].addr = addr;
    tx->writes[tx->write_count++].value = value;
}

static int holds(struct tx *tx, atomic_ulong *stripe)
{
    for (int i = 0; i < tx->locked_count; i++)
        if (tx->locked[i] == stripe)
            return 1;
    return 0;
}

// Lock every stripe we write; abort if another transaction holds one.
static void lock_write_set(struct tx *tx)
{
    for (int i = 0; i < tx->write_count; i++) {
        atomic_ulong *stripe = stripe_of(tx->writes[i].addr);
        if (holds(tx, stripe))
            continue;
        unsigned long seen = atomic_load_explicit(stripe, memory_order_relaxed);
        if ((seen & 1) || !atomic_compare_exchange_strong_explicit(
                              stripe, &seen, seen | 1, memory_order_acquire,
                              memory_order_relaxed))
            stm_abort(tx);
        tx->locked[tx->locked_count] = stripe;
        tx->locked_was[tx->locked_count++] = seen;
    }
}

static void stm_commit(struct tx *tx)
{
    if (tx->write_count == 0)
        return; // every read was checked against read_version: a consistent view
    lock_write_set(tx);
    unsigned long write_version =
        atomic_fetch_add_explicit(&version_clock, 1, memory_order_acq_rel) + 1;
    // Has anything we read been changed (or locked by someone else) since we began?
    for (int i = 0; i < tx->read_count; i++) {
        atomic_ulong *stripe = stripe_of(tx->reads[i]);
        unsigned long now = atomic_load_explicit(stripe, memory_order_acquire);
        if (((now & 1) && !holds(tx, stripe)) || (now >> 1) > tx->read_version)
            stm_abort(tx);
    }
    // Release: a reader that sees a new value also sees our lock on its stripe.
    for (int i = 0; i < tx->write_count; i++)
        atomic_store_explicit(tx->writes[i].addr, tx->writes[i].value, memory_order_release);
    for (int i = 0; i < tx->locked_count; i++)
        atomic_store_explicit(tx->locked[i], write_version << 1, memory_order_release);
}

// Run body(tx, arg) as one transaction, as many times as it takes to commit.
// Returns how many attempts that was.
unsigned stm_atomically(void (*body)(struct tx *, void *), void *arg)
{
    struct tx *tx = &current;
    tx->attempts = 0;
    setjmp(tx->restart); // stm_abort comes back here
    tx->attempts++;
    tx->read_count = tx->write_count = tx->locked_count = 0;
    tx->read_version = atomic_load_explicit(&version_clock, memory_order_acquire);
    body(tx, arg);
    stm_commit(tx);
    return tx->attempts;
}

// --- a bank: transfers, an auditor, and a side effect that runs twice ---

enum { ACCOUNTS = 8, START_BALANCE = 1000, TRANSFERS = 20000, AUDITS = 50 };
static stm_word accounts[ACCOUNTS];
static atomic_long receipts_printed, transfers_made, tellers_done;

struct transfer {
    int from, to;
    long amount;
    int made; // set by the attempt that committed
};

static void transfer_body(struct tx *tx, void *arg)
{
    struct transfer *t = arg;
    long from = stm_read(tx, &accounts[t->from]);
    long to = stm_read(tx, &accounts[t->to]);
    t->made = from >= t->amount;
    if (!t->made)
        return;
    sched_yield(); // some work between reading and writing: room for a conflict
    stm_write(tx, &accounts[t->from], from - t->amount);
    stm_write(tx, &accounts[t->to], to + t->amount);
    // A side effect inside a transaction happens once per attempt, not once.
    atomic_fetch_add(&receipts_printed, 1);
}

static void *teller(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < TRANSFERS; i++) {
        struct transfer t = {rand_r(&seed) % ACCOUNTS, rand_r(&seed) % ACCOUNTS,
                             rand_r(&seed) % 100, 0};
        if (t.from == t.to)
            continue;
        stm_atomically(transfer_body, &t);
        if (t.made)
            atomic_fetch_add(&transfers_made, 1);
    }
    atomic_fetch_add(&tellers_done, 1);
    return NULL;
}

// A slow, long transaction: it reads every account, pausing between reads.
static void audit_body(struct tx *tx, void *arg)
{
    long *total = arg;
    *total = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        *total += stm_read(tx, &accounts[i]);
        sched_yield();
    }
}

int main(void)
{
    for (int i = 0; i < ACCOUNTS; i++)
        atomic_init(&accounts[i], START_BALANCE);
    pthread_t tellers[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&tellers[i], NULL, teller, (void *)(uintptr_t)(i + 1));
    unsigned most_attempts = 0, wrong_totals = 0, audits = 0;
    while (atomic_load(&tellers_done) < 2 && audits < AUDITS) {
        long total;
        unsigned attempts = stm_atomically(audit_body, &total);
        most_attempts = attempts > most_attempts ? attempts : most_attempts;
        wrong_totals += total != ACCOUNTS * START_BALANCE;
        audits++;
    }
    for (int i = 0; i < 2; i++)
        pthread_join(tellers[i], NULL);
    long total = 0;
    for (int i = 0; i < ACCOUNTS; i++)
        total += atomic_load(&accounts[i]);
    printf("money at the end: %ld (expected %d)\n", total, ACCOUNTS * START_BALANCE);
    long made = atomic_load(&transfers_made), printed = atomic_load(&receipts_printed);
    printf("receipts printed: %ld for %ld transfers made (%ld by attempts that were "
           "aborted and run again)\n",
           printed, made, printed - made);
    printf("audits while the tellers worked: %u, %u saw a wrong total; the slowest "
           "needed %u attempts\n",
           audits, wrong_totals, most_attempts);
    return total == ACCOUNTS * START_BALANCE && wrong_totals == 0 ? 0 : 1;
}
