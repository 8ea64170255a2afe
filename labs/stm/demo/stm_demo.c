// The stm lab's demo: tellers move money between accounts, with and without transactions.
//
// Four tellers make random transfers between 8 accounts while an auditor sums
// them again and again.  First with plain loads and stores (each transfer is
// a read, a pause and a write, as the STM version's is): money is lost or made.
// Then each transfer is bank_transfer, a transaction: the demo counts how many
// times the transfer bodies ran, so it can print the aborts the STM hid.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lk_atomic.h"
#include "stm.h"

enum { ACCOUNTS = 8, OPENING = 1000, TELLERS = 4, TRANSFERS = 20000 };

static stm_word balances[ACCOUNTS];
static struct bank bank;
static atomic_long attempts, commits, tellers_done, audits, bad_audits;
static int use_stm;

struct transfer {
    int from, to;
    long amount;
};

// The transfer as a transaction of its own (the same steps bank_transfer
// takes), so the demo can count attempts: the body runs once per attempt.
static void counted_transfer(stm_tx *tx, void *arg)
{
    (void)tx;
    atomic_fetch_add_explicit(&attempts, 1, memory_order_relaxed);
    struct transfer *t = arg;
    bank_transfer(&bank, t->from, t->to, t->amount);
    lk_yield(); // other work before the commit: room for a conflict
}

// Without transactions: read both balances, pause, write both back.
static void racy_transfer(struct transfer *t)
{
    long from = atomic_load_explicit(&balances[t->from], memory_order_relaxed);
    long to = atomic_load_explicit(&balances[t->to], memory_order_relaxed);
    if (from < t->amount)
        return;
    lk_yield(); // the same pause as the transaction's
    atomic_store_explicit(&balances[t->from], from - t->amount, memory_order_relaxed);
    atomic_store_explicit(&balances[t->to], to + t->amount, memory_order_relaxed);
}

static void *teller(void *arg)
{
    unsigned seed = (unsigned)(size_t)arg;
    for (int i = 0; i < TRANSFERS; i++) {
        struct transfer t = { rand_r(&seed) % ACCOUNTS, rand_r(&seed) % ACCOUNTS, 1 + rand_r(&seed) % 100 };
        if (t.from == t.to)
            continue;
        if (use_stm) {
            stm_atomically(counted_transfer, &t);
            atomic_fetch_add_explicit(&commits, 1, memory_order_relaxed);
        } else {
            racy_transfer(&t);
        }
    }
    atomic_fetch_add(&tellers_done, 1);
    return NULL;
}

static long racy_total(void)
{
    long total = 0;
    for (int i = 0; i < ACCOUNTS; i++)
        total += atomic_load_explicit(&balances[i], memory_order_relaxed);
    return total;
}

static void run(int with_stm)
{
    use_stm = with_stm;
    bank_init(&bank, balances, ACCOUNTS, OPENING);
    atomic_store(&attempts, 0);
    atomic_store(&commits, 0);
    atomic_store(&tellers_done, 0);
    atomic_store(&audits, 0);
    atomic_store(&bad_audits, 0);
    pthread_t tellers[TELLERS];
    for (int i = 0; i < TELLERS; i++)
        pthread_create(&tellers[i], NULL, teller, (void *)(size_t)(i + 1));
    while (atomic_load(&tellers_done) < TELLERS) {
        long total = with_stm ? bank_total(&bank) : racy_total();
        atomic_fetch_add(&audits, 1);
        if (total != ACCOUNTS * OPENING)
            atomic_fetch_add(&bad_audits, 1);
        lk_yield();
    }
    for (int i = 0; i < TELLERS; i++)
        pthread_join(tellers[i], NULL);
    long total = 0;
    for (int i = 0; i < ACCOUNTS; i++)
        total += atomic_load(&balances[i]);
    printf("  money at the end: %ld (expected %d)\n", total, ACCOUNTS * OPENING);
    printf("  audits while the tellers worked: %ld, %ld saw a wrong total\n",
           (long)atomic_load(&audits), (long)atomic_load(&bad_audits));
}

int main(void)
{
    printf("%d tellers, %d transfers each, between %d accounts of %d:\n\n", TELLERS, TRANSFERS,
           ACCOUNTS, OPENING);
    printf("plain loads and stores, no transactions:\n");
    run(0);
    printf("\neach transfer a transaction (bank_transfer inside stm_atomically):\n");
    run(1);
    long runs = atomic_load(&attempts), committed = atomic_load(&commits);
    printf("  transfer attempts: %ld for %ld commits: %ld aborted and ran again (%.1f%%)\n", runs,
           committed, runs - committed, runs ? 100.0 * (double)(runs - committed) / (double)runs : 0.0);
    return 0;
}
