// Demo: a bank with one lock per account, whose transfer(from, to) locks
// `from` and then `to`.  Two tellers moving money in opposite directions
// deadlock: each holds one account and waits for the other's.
//
//     make -C labs/deadlock demo-bank
#include <stdio.h>

#include "demo_lock.h"

struct account {
    struct demo_mutex lock;
    long balance;
};

static struct account a, b;

// The naive transfer: the order of locking is the order of the arguments.
static void transfer(struct account *from, struct account *to, long amount)
{
    demo_lock(&from->lock);
    demo_lock(&to->lock);
    from->balance -= amount;
    to->balance += amount;
    demo_unlock(&to->lock);
    demo_unlock(&from->lock);
    demo_progress();
}

static void *alice(void *arg)
{
    (void)arg;
    demo_thread_register("alice");
    for (;;)
        transfer(&a, &b, 1);
    return NULL;
}

static void *bob(void *arg)
{
    (void)arg;
    demo_thread_register("bob");
    for (;;)
        transfer(&b, &a, 1);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *dot = argc > 1 ? argv[1] : "bank-deadlock.dot";
    demo_mutex_init(&a.lock, "account A");
    demo_mutex_init(&b.lock, "account B");
    a.balance = b.balance = 1000;
    printf("alice runs transfer(A, B) and bob runs transfer(B, A), over and over;\n"
           "transfer(from, to) locks from, then to.\n\n");
    fflush(stdout);
    demo_watchdog_start("transfers", 2.0, dot);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, alice, NULL);
    pthread_create(&t2, NULL, bob, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    return 0;
}
