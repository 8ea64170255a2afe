// Helpers for the channels lab's tests (see chan_test.h).
#define _GNU_SOURCE
#include "chan_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labkit_check.h"

static void *helper_main(void *arg)
{
    struct helper *h = arg;
    atomic_store(&h->tid, (int)gettid());
    h->result = h->fn(h->arg);
    atomic_store(&h->done, 1);
    return NULL;
}

void helper_start(struct helper *h, void *(*fn)(void *), void *arg)
{
    memset(h, 0, sizeof *h);
    h->fn = fn;
    h->arg = arg;
    // Small stacks: under the grader's address-space limit, default-sized
    // stacks of many threads would use it all up.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    int rc = pthread_create(&h->thread, &attr, helper_main, h);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "helper_start: pthread_create: %s\n", strerror(rc));
        abort();
    }
}

// The state letter of a thread of this process (R, S, D, ...), or 0.
static char thread_state(int tid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    // The command name is in parentheses and may hold spaces: the state
    // follows the last ')'.
    char *end = strrchr(line, ')');
    return end && end[1] == ' ' ? end[2] : 0;
}

void helper_wait_asleep(struct helper *h, double seconds)
{
    double deadline = test_now() + test_patience(seconds);
    int asleep = 0;
    while (asleep < 2 && !helper_done(h) && test_now() < deadline) {
        int tid = atomic_load(&h->tid);
        asleep = tid && thread_state(tid) == 'S' ? asleep + 1 : 0;
        test_sleep(0.001);
    }
}

bool helper_done(struct helper *h)
{
    return atomic_load(&h->done) != 0;
}

bool helper_done_within(struct helper *h, double seconds)
{
    if (!test_wait_for(&h->done, 1, seconds))
        return false;
    if (!h->joined)
        pthread_join(h->thread, NULL);
    h->joined = true;
    return true;
}

chan_t *new_chan(unsigned capacity)
{
    chan_t *ch = chan_new(capacity);
    ck_assert_msg(ch != NULL, "chan_new(%u) returned NULL: expected a channel", capacity);
    return ch;
}

void *msg_new(long value)
{
    long *m = malloc(sizeof *m);
    if (!m)
        abort();
    *m = value;
    return m;
}

long msg_take(void *message)
{
    long value = *(long *)message;
    free(message);
    return value;
}

double chi_square_uniform(const long *counts, int k)
{
    long total = 0;
    for (int i = 0; i < k; i++)
        total += counts[i];
    double expected = (double)total / k, chi = 0;
    for (int i = 0; i < k; i++)
        chi += ((double)counts[i] - expected) * ((double)counts[i] - expected) / expected;
    return chi;
}
