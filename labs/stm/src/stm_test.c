// Helpers for the stm lab's tests (see stm_test.h).
#define _GNU_SOURCE
#include "stm_test.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *crew_member_main(void *member_arg)
{
    struct crew_member *member = member_arg;
    struct crew *crew = member->crew;
    atomic_fetch_add(&crew->ready, 1);
    // The start line: yield rather than spin, there are more threads than
    // cores.
    while (!atomic_load(&crew->go))
        sched_yield();
    crew->body(crew->arg, member->index);
    atomic_fetch_add(&crew->finished, 1);
    return NULL;
}

void crew_start(struct crew *crew, int size, void (*body)(void *arg, int index), void *arg)
{
    if (size < 1 || size > CREW_MAX) {
        fprintf(stderr, "crew_start: %d threads (1..%d allowed)\n", size, CREW_MAX);
        abort();
    }
    memset(crew, 0, sizeof *crew);
    crew->body = body;
    crew->arg = arg;
    crew->size = size;
    // Small stacks: a thread's default stack is RLIMIT_STACK, and under the
    // grader's address-space limit a few of those would use it all up.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    for (int i = 0; i < size; i++) {
        crew->members[i] = (struct crew_member){ crew, i };
        int rc = pthread_create(&crew->threads[i], &attr, crew_member_main, &crew->members[i]);
        if (rc != 0) {
            fprintf(stderr, "crew_start: pthread_create: %s\n", strerror(rc));
            abort();
        }
    }
    pthread_attr_destroy(&attr);
    while (atomic_load(&crew->ready) < size)
        sched_yield();
    atomic_store(&crew->go, 1);
}

bool crew_finish_within(struct crew *crew, double seconds)
{
    if (!test_wait_for(&crew->finished, crew->size, seconds))
        return false;
    for (int i = 0; i < crew->size && !crew->joined; i++)
        pthread_join(crew->threads[i], NULL);
    crew->joined = true;
    return true;
}

int crew_finished(struct crew *crew)
{
    return atomic_load(&crew->finished);
}

unsigned test_random(unsigned *state)
{
    unsigned x = *state ? *state : 1;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}
