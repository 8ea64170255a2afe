// The concurrent prime sieve, drawn: each prime found adds a filter thread to the chain.
//
// A generator thread sends 2, 3, 4, ... down a channel.  The first number to
// come out of the chain is a prime; main starts a filter thread for it, which
// passes on only the numbers its prime does not divide.  Each number is a
// heap message, owned by exactly one thread at a time.  When the generator
// closes its channel, the end travels down the chain, and every filter
// reports how many numbers it dropped: by message, since it shares nothing.
#include <stdio.h>
#include <stdlib.h>

#include "chan.h"

enum { LIMIT = 60, MAX_FILTERS = 32 };

struct filter {
    long prime;
    chan_t *in, *out, *reports;
};

static void *generate(void *arg)
{
    chan_t *out = arg;
    for (long n = 2; n <= LIMIT; n++) {
        long *m = malloc(sizeof *m);
        *m = n;
        chan_send(out, m);
    }
    chan_close(out);
    return NULL;
}

static void *filter(void *arg)
{
    struct filter *f = arg;
    long dropped = 0; // this thread's own: nobody else reads it
    void *m;
    while (chan_recv(f->in, &m) == CHAN_OK) {
        long *n = m;
        if (*n % f->prime == 0) {
            dropped++;
            free(n);
        } else {
            chan_send(f->out, n);
        }
    }
    chan_close(f->out);
    long *report = malloc(2 * sizeof *report);
    report[0] = f->prime;
    report[1] = dropped;
    chan_send(f->reports, report); // the count travels as a message too
    return NULL;
}

static void draw_chain(const struct filter *filters, int count)
{
    printf("  gen");
    // A long chain shows its first and last four filters.
    for (int i = 0; i < count; i++) {
        if (count <= 10 || i < 4 || i >= count - 4)
            printf(" -> [%ld]", filters[i].prime);
        else if (i == 4)
            printf(" -> ...");
    }
    printf(" -> main\n");
}

int main(void)
{
    struct filter filters[MAX_FILTERS];
    lk_thread_t threads[MAX_FILTERS + 1];
    chan_t *reports = chan_new(MAX_FILTERS), *tail = chan_new(0);
    if (!reports || !tail) {
        fprintf(stderr, "sieve_demo: chan_new returned NULL: write chan.c first\n");
        return 1;
    }
    printf("The concurrent prime sieve up to %d: a thread per prime, numbers passed as messages.\n\n",
           LIMIT);
    lk_thread_create(&threads[0], generate, tail);
    int count = 0;
    void *m;
    while (chan_recv(tail, &m) == CHAN_OK) {
        long prime = *(long *)m;
        free(m);
        printf("prime %2ld: a new filter thread joins the chain\n", prime);
        struct filter *f = &filters[count];
        *f = (struct filter){ prime, tail, chan_new(0), reports };
        lk_thread_create(&threads[count + 1], filter, f);
        count++;
        draw_chain(filters, count);
        tail = f->out;
    }
    printf("\nThe generator closed its channel; the close travelled down %d filters.\n", count);
    printf("What each filter dropped (each told main by message):\n");
    for (int i = 0; i < count; i++) {
        chan_recv(reports, &m);
        long *report = m;
        printf("  filter %2ld dropped %ld\n", report[0], report[1]);
        free(report);
    }
    for (int i = 0; i <= count; i++)
        lk_thread_join(threads[i], NULL);
    chan_free(filters[0].in);
    for (int i = 0; i < count; i++)
        chan_free(filters[i].out);
    chan_free(reports);
    return 0;
}
