// A word-based software transactional memory in the style of TL2 (Dice, Shalev and Shavit, 2006).
//
// Your task: README.md, tasks 1 and 3.  As handed out, a "transaction" runs
// its body once, reads 0 and writes nothing: every case fails until you fill
// in the TODOs.  The plan (README.md#how-tl2-works): one global version
// clock; a table of versioned locks, one per stripe of memory, each
// (version << 1) | locked; reads checked against the clock value the
// transaction began with; writes buffered and applied at commit under the
// stripe locks, taken without waiting.
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lk_atomic.h"
#include "stm.h"

enum { STRIPES = 4096 };

static atomic_ulong version_clock;
static atomic_ulong stripes[STRIPES];

struct stm_tx {
    jmp_buf restart;            // where an abort goes back to: stm_atomically
    int depth;                  // nesting depth; 0 outside any transaction
    unsigned long read_version; // the clock when this attempt began
    // TODO (task 1): the read set (the stripe of each word read), the write
    // set (word, value) and the locks held during commit.
    // TODO (task 1, backing off): whatever your back-off needs.
};

// One transaction per thread at a time.  It lives outside the frame that
// calls setjmp, so its fields keep their values across the longjmp.
static _Thread_local struct stm_tx current;

static atomic_ulong *stripe_of(stm_word *word)
{
    return &stripes[((uintptr_t)word / sizeof(stm_word)) % STRIPES];
}

long stm_read(stm_tx *tx, stm_word *word)
{
    // TODO (task 1, README.md#opacity): the transaction's own write if it
    // has one; else the word's value, checked against its stripe's lock
    // before and after, and against tx->read_version; record the stripe.
    (void)tx, (void)stripe_of(word);
    return 0;
}

void stm_write(stm_tx *tx, stm_word *word, long value)
{
    // TODO (task 1): buffer the write (a second write to a word replaces
    // the first).
    (void)tx, (void)word, (void)value;
}

_Noreturn void stm_retry(stm_tx *tx)
{
    // TODO (task 3, README.md#task-3-the-queue-and-retry): sleep in
    // lk_futex_wait until a commit may have changed something this attempt
    // read, then run the transaction again.
    (void)tx;
    fprintf(stderr, "stm_retry: not written yet (README.md, task 3)\n");
    abort();
}

void stm_atomically(void (*body)(stm_tx *tx, void *arg), void *arg)
{
    struct stm_tx *tx = &current;
    // TODO (task 1, README.md#nesting): inside another transaction, run the
    // body as part of it.
    // TODO (task 1): setjmp(tx->restart) to come back after an abort (and
    // back off, README.md#backing-off); reset the read and write sets; read
    // the clock; run the body; commit: lock the write set, take a new
    // version, validate the read set, write back, unlock with the new
    // version.
    tx->read_version = lk_atomic_load_explicit(&version_clock, memory_order_acquire);
    body(tx, arg);
}
