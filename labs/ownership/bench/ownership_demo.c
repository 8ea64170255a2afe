// Demo: a timeline of readers and writers sharing your lock, and an Arc freed by its last owner.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ownership.h"

enum { READERS = 3, WRITERS = 1, SLOTS = 64 };

static rw_lock_t lock = RW_LOCK_INITIALIZER;
static struct timespec start;
// Each thread's row: what it was doing in each 10 ms column ('r' reading, 'W' writing).
static char rows[READERS + WRITERS][SLOTS + 1];

static void nap_ms(int ms)
{
    struct timespec pause = { 0, ms * 1000000L };
    nanosleep(&pause, NULL);
}

static int column_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int)(((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000) / 10);
}

// Hold the lock for `ms` milliseconds, marking this thread's row from the
// column it got the lock in to the column it lets go in.
static void hold(int row, char mark, int ms)
{
    int first = column_now();
    nap_ms(ms);
    for (int column = first; column <= column_now() && column < SLOTS; column++)
        rows[row][column] = mark;
}

static void *reader(void *arg)
{
    int row = (int)(size_t)arg;
    for (int i = 0; i < 6; i++) {
        rw_read_lock(&lock);
        hold(row, 'r', 40 + 10 * row);
        rw_read_unlock(&lock);
        nap_ms(15);
    }
    return NULL;
}

static void *writer(void *arg)
{
    int row = (int)(size_t)arg;
    for (int i = 0; i < 3; i++) {
        nap_ms(90);
        rw_write_lock(&lock);
        hold(row, 'W', 30);
        rw_write_unlock(&lock);
    }
    return NULL;
}

struct config {
    int version;
    char name[32];
};

static void config_destroy(void *data)
{
    struct config *c = data;
    printf("  destructor: config version %d (\"%s\") freed by its last owner\n", c->version,
           c->name);
}

static void *config_user(void *arg)
{
    struct config *c = arg;
    printf("  thread reads config version %d, then drops its reference\n", c->version);
    arc_drop(c);
    return NULL;
}

int main(void)
{
    printf("1. Readers and a writer sharing the lock (r: reading, W: writing; a column is 10 ms)\n");
    for (int i = 0; i < READERS + WRITERS; i++)
        memset(rows[i], '.', SLOTS);
    pthread_t t[READERS + WRITERS];
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < READERS; i++)
        pthread_create(&t[i], NULL, reader, (void *)(size_t)i);
    pthread_create(&t[READERS], NULL, writer, (void *)(size_t)READERS);
    for (int i = 0; i < READERS + WRITERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < READERS + WRITERS; i++)
        printf("  %-8s %s\n", i < READERS ? "reader" : "writer", rows[i]);
    printf("  Readers overlap each other; the writer is alone (a column at an edge may show both:\n  one let go and the other came in within those 10 ms).\n\n");

    printf("2. An immutable config shared by 3 threads: freed once, by whoever drops last\n");
    struct config *c = arc_new(sizeof *c, config_destroy);
    if (c == NULL) {
        printf("  arc_new returned NULL (not written yet?)\n");
        return 1;
    }
    c->version = 7;
    strcpy(c->name, "read-only from here on");
    pthread_t users[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&users[i], NULL, config_user, arc_clone(c));
    printf("  main drops its own reference\n");
    arc_drop(c);
    for (int i = 0; i < 3; i++)
        pthread_join(users[i], NULL);
    return 0;
}
