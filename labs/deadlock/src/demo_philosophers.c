// Demo: five philosophers at a round table, a fork between each pair.  Each
// takes the fork on the left, then the one on the right.  When all five hold
// their left fork at once, each waits for the right one forever.
//
//     make -C labs/deadlock demo-philosophers
#include <stdio.h>

#include "demo_lock.h"

enum { SEATS = 5 };

static struct demo_mutex fork_lock[SEATS];

static void *philosopher(void *arg)
{
    static const char *names[SEATS] = {"philosopher0", "philosopher1", "philosopher2",
                                       "philosopher3", "philosopher4"};
    int seat = (int)(long)arg;
    demo_thread_register(names[seat]);
    unsigned seed = (unsigned)seat + 1;
    for (;;) {
        // Think for a while (a busy loop of random length), then eat.
        seed = seed * 1103515245u + 12345u;
        for (volatile unsigned spin = (seed >> 16) % 4096; spin > 0; spin--)
            ;
        demo_lock(&fork_lock[seat]);
        demo_lock(&fork_lock[(seat + 1) % SEATS]);
        demo_progress(); // a meal
        demo_unlock(&fork_lock[(seat + 1) % SEATS]);
        demo_unlock(&fork_lock[seat]);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    static const char *names[SEATS] = {"fork0", "fork1", "fork2", "fork3", "fork4"};
    const char *dot = argc > 1 ? argv[1] : "philosophers-deadlock.dot";
    for (int i = 0; i < SEATS; i++)
        demo_mutex_init(&fork_lock[i], names[i]);
    printf("five philosophers; philosopher i takes fork i (left), then fork i+1 (right).\n\n");
    fflush(stdout);
    demo_watchdog_start("meals", 2.0, dot);
    pthread_t t[SEATS];
    for (long i = 0; i < SEATS; i++)
        pthread_create(&t[i], NULL, philosopher, (void *)i);
    for (int i = 0; i < SEATS; i++)
        pthread_join(t[i], NULL);
    return 0;
}
