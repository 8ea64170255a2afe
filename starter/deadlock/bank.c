// Task 1: transfers that cannot deadlock, because every thread locks two
// accounts in the same global order.
#include <stdio.h>
#include <stdlib.h>

#include "bank.h"

int transfer(struct account *from, struct account *to, long amount)
{
    // TODO (README.md, "Task 1: the bank"): refuse a negative amount and an
    // overdraft; never lock the same account twice (from == to); lock both
    // accounts in one global order, the lower id first; move the money;
    // unlock both.
    (void)from;
    (void)to;
    (void)amount;
    return -1;
}
