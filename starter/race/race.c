// Six programs that share data between threads, each with a data race.
//
// Each gives a wrong answer when several threads call it at once (try
// `make -C labs/race demo`), and ThreadSanitizer reports each race.  Fix them
// one at a time, as README.md describes, and say in answers.txt which
// condition of a data race each fix removes.
#include "race.h"

#include <pthread.h>

// 1. The counter (README.md#the-counter).

static long counter;

void counter_reset(void)
{
    counter = 0;
}

void counter_increment(void)
{
    // TODO (README.md#the-counter): `counter++` is a load, an add and a store;
    // two threads can load the same value and one increment is lost.
    counter++;
}

long counter_read(void)
{
    return counter;
}

// 2. The lazy table (README.md#the-lazy-table).

static const struct table *shared_table;

const struct table *table_get(void)
{
    // TODO (README.md#the-lazy-table): two threads can both find no table,
    // both build one, and return different tables.
    if (shared_table == NULL)
        shared_table = table_build();
    return shared_table;
}

// 3. The bank account (README.md#the-bank-account).

static long balance;

void bank_open(long initial)
{
    balance = initial;
}

void bank_deposit(long amount)
{
    // TODO (README.md#the-bank-account): a read-modify-write, like the counter.
    balance += amount;
}

int bank_withdraw(long amount)
{
    // TODO (README.md#the-bank-account): another thread can withdraw between
    // the check and the update, and the account goes below 0.
    if (balance < amount)
        return 0;
    balance -= amount;
    return 1;
}

long bank_balance(void)
{
    return balance;
}

// 4. The stack (README.md#the-stack).

static struct node *stack_top;

void stack_push(struct node *node)
{
    // TODO (README.md#the-stack): two pushes can link to the same old top,
    // and the second store of the top loses the first node.
    node->next = stack_top;
    stack_top = node;
}

struct node *stack_take_all(void)
{
    // TODO (README.md#the-stack): a push between these two lines is lost.
    struct node *all = stack_top;
    stack_top = NULL;
    return all;
}

// 5. The mailbox (README.md#the-mailbox).

static struct message mailbox;
static int mailbox_full;

void mailbox_reset(void)
{
    mailbox_full = 0;
}

void publish(const struct message *message)
{
    // TODO (README.md#the-mailbox): nothing stops the compiler or the
    // processor from making the flag visible before the message.
    mailbox = *message;
    mailbox_full = 1;
}

int consume(struct message *out)
{
    // TODO (README.md#the-mailbox): nothing orders this read of the flag
    // before the reads of the message.
    if (!mailbox_full)
        return 0;
    *out = mailbox;
    return 1;
}

// 6. The parallel sum (README.md#the-parallel-sum).

struct sum_slice {
    const long *a;
    size_t begin, end;
};

static long sum_total;

static void *sum_slice_run(void *arg)
{
    struct sum_slice *slice = arg;
    // TODO (README.md#the-parallel-sum): every thread adds into one shared
    // total, and their updates overwrite each other.
    for (size_t i = slice->begin; i < slice->end; i++)
        sum_total += slice->a[i];
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
    sum_total = 0;
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
    for (int t = 0; t < threads; t++)
        if (started[t])
            lk_thread_join(id[t], NULL);
    return sum_total;
}
