// A data race: two threads add to one counter without synchronisation.
//
// `counter++` is a load, an add and a store.  When both threads load the same
// value, one of the two increments is lost.  With real threads the total
// usually comes out short, by a different amount on every run, but on a busy
// machine the threads may take turns and lose nothing.  So the program then
// runs the same race under the kit's forced-schedule scheduler
// (labs/common/README.md), which runs one thread at a time and switches
// where a seed says: seed 1 loses an increment on every run, however busy the
// machine.  The program exits 0: it is here to show the wrong totals (and,
// built with -fsanitize=thread, the report).
//
//   cc -std=gnu11 -O1 -Wall -Wextra -pthread -DLK_EXPLORE -I../../labs/common
//      racy_counter.c ../../labs/common/lk_*.c -o racy_counter     (one line)
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lk_sched.h"

enum { INCREMENTS = 1000000, FORCED_INCREMENTS = 3 };
#define SEED_TEXT "1" // a seed whose schedule loses an increment

static volatile long counter; // volatile only keeps the loop from being folded

static void *add_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++)
        counter++; // racy: load, add, store
    return NULL;
}

// The same increments for the scheduler, whose switch points are calls to
// the lk_ layer: counter++ written as its load and its store, with a point
// between them where the scheduler may run the other thread, as the
// operating system may interrupt a thread between any two instructions.
static void *add_few(void *arg)
{
    (void)arg;
    for (int i = 0; i < FORCED_INCREMENTS; i++) {
        long loaded = counter; // load
        lk_yield();            // the other thread may run here
        counter = loaded + 1;  // add, store
    }
    return NULL;
}

static void forced(void *arg)
{
    (void)arg;
    lk_thread_t a, b;
    counter = 0;
    lk_thread_create(&a, add_few, NULL);
    lk_thread_create(&b, add_few, NULL);
    lk_thread_join(a, NULL);
    lk_thread_join(b, NULL);
    lk_explore_check(counter == 2 * FORCED_INCREMENTS, "counter = %ld, expected %d",
                     counter, 2 * FORCED_INCREMENTS);
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, add_many, NULL);
    pthread_create(&b, NULL, add_many, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("real threads: counter = %ld, expected %d (%ld increments lost)\n", counter,
           2 * INCREMENTS, 2L * INCREMENTS - counter);

    // One seed, the same schedule on every run.
    setenv("LK_SEED", SEED_TEXT, 1);
    setenv("LK_STRATEGY", "random", 1);
    char *report = NULL;
    int failed = lk_explore("racy_counter", forced, NULL, NULL, &report);
    printf("forced schedule (seed %s): %s\n%s", SEED_TEXT,
           failed ? "increments were lost, as on every run with this seed:" : "none lost",
           report ? report : "");
    free(report);
    return 0;
}
