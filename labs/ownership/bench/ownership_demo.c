// Demo: a timeline of readers and writers sharing your lock, an Arc freed by its last owner, and your borrow checker catching a mutable borrow held across a read.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
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

// The borrow checker's part: a running total kept in a cell.
static long balance = 100;
static cell_t account;

// Reads the balance: a shared borrow for as long as it looks.
static long report(void)
{
    borrow_t view = borrow(&account);
    long now = *(long *)view.value;
    borrow_release(&view);
    return now;
}

// Right: change the value, give the mutable borrow back, then report.
static void deposit_then_report(long amount)
{
    borrow_t edit = borrow_mut(&account);
    *(long *)edit.value += amount;
    borrow_release(&edit);
    printf("  deposit %ld, then report: balance %ld\n", amount, report());
}

// Wrong: report while still holding the mutable borrow.  In Rust the
// compiler refuses this; here the checker stops it when it happens.
static void deposit_and_report_midway(long amount)
{
    borrow_t edit = borrow_mut(&account);
    *(long *)edit.value += amount;
    printf("  deposit %ld, report before letting go: ...\n", amount);
    fflush(stdout);
    printf("  balance %ld\n", report());
    borrow_release(&edit);
}

static void borrow_demo(void)
{
    printf("\n3. The borrow checker: a mutable borrow held across a read\n");
    cell_init(&account, &balance);
    borrow_t probe = borrow(&account);
    if (probe.value != &balance) {
        printf("  borrow gave no value (not written yet?)\n");
        return;
    }
    borrow_release(&probe);
    deposit_then_report(20);
    fflush(stdout);
    // The wrong one runs in a child process, so that its abort() ends the
    // child and the demo can show how it ended.
    pid_t child = fork();
    if (child == 0) {
        deposit_and_report_midway(30);
        printf("  (the checker let it through: borrow_mut must refuse while borrowed)\n");
        exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT)
        printf("  the checker stopped the program (abort) before the read could see a half-done "
               "change\n");
    else
        printf("  the child ended without abort()\n");
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
    borrow_demo();
    return 0;
}
