// A data race: two threads add to one counter without synchronisation.
//
// `counter++` is a load, an add and a store.  When both threads load the same
// value, one of the two increments is lost, so the total usually comes out
// short, and differently on every run.  The program still exits 0: it is
// here to show the wrong total (and, built with -fsanitize=thread, the report).
//
//   cc -std=gnu11 -O1 -Wall -Wextra -pthread racy_counter.c -o racy_counter
#include <pthread.h>
#include <stdio.h>

enum { INCREMENTS = 1000000 };

static volatile long counter; // volatile only keeps the loop from being folded

static void *add_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++)
        counter++; // racy: load, add, store
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, add_many, NULL);
    pthread_create(&b, NULL, add_many, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("counter = %ld, expected %d (%ld increments lost)\n", counter, 2 * INCREMENTS,
           2L * INCREMENTS - counter);
    return 0;
}
