// Task 2: philosophers that cannot deadlock, because none waits for a fork
// while holding the other one: take one fork, only try the second, and back
// off when it is taken.
#include "philosophers.h"

void philosopher_dine(struct table *t, int seat)
{
    lk_mutex_t *first = &t->fork[table_left(t, seat)];
    lk_mutex_t *second = &t->fork[table_right(t, seat)];
    for (;;) {
        // Holding nothing, we may wait: we block nobody while we do.
        lk_mutex_lock(first);
        if (lk_mutex_trylock(second) == 0)
            break;
        // Back off: put the fork down, so our neighbours can eat, and next
        // time sleep on the fork we missed instead of spinning on it.
        lk_mutex_unlock(first);
        lk_mutex_t *missed = second;
        second = first;
        first = missed;
    }
    table_eat(t, seat);
    lk_mutex_unlock(second);
    lk_mutex_unlock(first);
}
