// Task 1: transfers that cannot deadlock, because every thread locks two
// accounts in the same global order: the lower account id first.
#include <stdio.h>
#include <stdlib.h>

#include "bank.h"

int transfer(struct account *from, struct account *to, long amount)
{
    if (amount < 0)
        return -1;
    if (from == to) {
        // Locking the same mutex twice would wait for ourselves forever.
        lk_mutex_lock(&from->lock);
        int rc = from->balance >= amount ? 0 : -1;
        lk_mutex_unlock(&from->lock);
        return rc;
    }
    if (from->id == to->id) {
        fprintf(stderr, "transfer: accounts %p and %p share id %d\n", (void *)from, (void *)to,
                from->id);
        abort();
    }
    // Ids never change and never tie, so every transfer that needs both of
    // these accounts locks them in the same order, and no cycle of threads
    // each holding one and waiting for the next can form.
    struct account *first = from->id < to->id ? from : to;
    struct account *second = first == from ? to : from;
    lk_mutex_lock(&first->lock);
    lk_mutex_lock(&second->lock);
    int rc = -1;
    if (from->balance >= amount) {
        from->balance -= amount;
        to->balance += amount;
        rc = 0;
    }
    lk_mutex_unlock(&second->lock);
    lk_mutex_unlock(&first->lock);
    return rc;
}
