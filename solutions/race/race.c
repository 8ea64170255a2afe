// Six programs that share data between threads, each without a data race.
#include "race.h"

#include <pthread.h>

// 1. The counter (README.md#the-counter): an atomic read-modify-write.

static atomic_long counter;

void counter_reset(void)
{
    lk_atomic_store_explicit(&counter, 0, memory_order_relaxed);
}

void counter_increment(void)
{
    // One indivisible read-modify-write (`lock xadd` on x86), so no increment
    // is lost.  Relaxed is enough: the count publishes no other data, and a
    // reader that needs the final value joins the threads first.
    lk_atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
}

long counter_read(void)
{
    return lk_atomic_load_explicit(&counter, memory_order_relaxed);
}

// 2. The lazy table (README.md#the-lazy-table): built exactly once.

static const struct table *shared_table; // written once, inside table_once
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_make(void)
{
    shared_table = table_build();
}

const struct table *table_get(void)
{
    // The first caller runs table_make; the others wait until it returns,
    // and its write of shared_table happens-before their return.  From then
    // on the table is only read, so it needs no further synchronisation.
    pthread_once(&table_once, table_make);
    return shared_table;
}

// 3. The bank account (README.md#the-bank-account): one lock around every
// access, because a withdrawal is a check and an update that must not be
// split.

static lk_mutex_t bank_lock = LK_MUTEX_INITIALIZER("bank");
static long balance; // guarded by bank_lock

void bank_open(long initial)
{
    lk_mutex_lock(&bank_lock);
    balance = initial;
    lk_mutex_unlock(&bank_lock);
}

void bank_deposit(long amount)
{
    lk_mutex_lock(&bank_lock);
    balance += amount;
    lk_mutex_unlock(&bank_lock);
}

int bank_withdraw(long amount)
{
    lk_mutex_lock(&bank_lock);
    int enough = balance >= amount; // nobody can change balance until we unlock
    if (enough)
        balance -= amount;
    lk_mutex_unlock(&bank_lock);
    return enough;
}

long bank_balance(void)
{
    lk_mutex_lock(&bank_lock);
    long now = balance;
    lk_mutex_unlock(&bank_lock);
    return now;
}

// 4. The stack (README.md#the-stack): compare-and-swap on the top pointer.

static _Atomic(struct node *) stack_top;

void stack_push(struct node *node)
{
    struct node *top = lk_atomic_load_explicit(&stack_top, memory_order_relaxed);
    do {
        node->next = top;
        // Swing the top to node only if it is still the top we linked to; if
        // another push or take got in first, `top` is reloaded and we link
        // again.  Release on success: node->next and the node's contents are
        // visible to whoever takes the node with an acquire.
    } while (!lk_atomic_compare_exchange_weak_explicit(&stack_top, &top, node,
                                                       memory_order_release,
                                                       memory_order_relaxed));
}

struct node *stack_take_all(void)
{
    // Acquire pairs with the pushes' release: every node reachable from the
    // old top is fully written before we follow it.
    return lk_atomic_exchange_explicit(&stack_top, NULL, memory_order_acquire);
}

// 5. The mailbox (README.md#the-mailbox): release/acquire publication.

static struct message mailbox; // written by publish() before mailbox_full is set
static atomic_int mailbox_full;

void mailbox_reset(void)
{
    // No other thread runs now; joining the last round's threads ordered
    // their reads before this store.
    lk_atomic_store_explicit(&mailbox_full, 0, memory_order_relaxed);
}

void publish(const struct message *message)
{
    mailbox = *message;
    // Release: the copy above happens-before anything a thread does after it
    // reads 1 here with acquire.  A plain or relaxed store could become
    // visible before the message does.
    lk_atomic_store_explicit(&mailbox_full, 1, memory_order_release);
}

int consume(struct message *out)
{
    // Acquire: seeing 1 means seeing the whole message written before it.
    if (!lk_atomic_load_explicit(&mailbox_full, memory_order_acquire))
        return 0;
    *out = mailbox;
    return 1;
}

// 6. The parallel sum (README.md#the-parallel-sum): nothing shared while the
// threads run.  Each adds its slice into a local variable (a register), and
// writes its result once, into a slot of its own, that the caller reads after
// joining it.

struct sum_slice {
    const long *a;
    size_t begin, end;
    long sum;
};

static void *sum_slice_run(void *arg)
{
    struct sum_slice *slice = arg;
    long sum = 0;
    for (size_t i = slice->begin; i < slice->end; i++)
        sum += slice->a[i];
    slice->sum = sum;
    return NULL;
}

long sum_parallel(const long *a, size_t n, int threads)
{
    struct sum_slice slice[SUM_MAX_THREADS];
    lk_thread_t id[SUM_MAX_THREADS];
    int started[SUM_MAX_THREADS];
    if (threads < 1)
        threads = 1;
    if (threads > SUM_MAX_THREADS)
        threads = SUM_MAX_THREADS;
    for (int t = 0; t < threads; t++) {
        slice[t] = (struct sum_slice){
            .a = a,
            .begin = n * (size_t)t / (size_t)threads,
            .end = n * (size_t)(t + 1) / (size_t)threads,
        };
        started[t] = lk_thread_create(&id[t], sum_slice_run, &slice[t]) == 0;
        if (!started[t])
            sum_slice_run(&slice[t]); // no thread to be had: do this slice here
    }
    long total = 0;
    for (int t = 0; t < threads; t++) {
        if (started[t])
            lk_thread_join(id[t], NULL); // its write of slice[t].sum happens-before this
        total += slice[t].sum;
    }
    return total;
}
