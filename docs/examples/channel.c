// Plan B, no shared data: threads that only pass messages through channels.
//
// A channel is a bounded queue of pointers.  Sending a message hands it over:
// after channel_send the sender never touches it again, and the receiver owns
// it (and frees it).  Each piece of data has one owner at a time, so only the
// channel itself needs a lock.
//
// The pipeline: numbers -> square -> sum, three threads, two channels.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread channel.c -o channel
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

enum { CAPACITY = 16, COUNT = 10000 };

struct channel {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    void *items[CAPACITY];
    int head, count;
    bool closed;
};

void channel_init(struct channel *ch)
{
    pthread_mutex_init(&ch->lock, NULL);
    pthread_cond_init(&ch->not_full, NULL);
    pthread_cond_init(&ch->not_empty, NULL);
    ch->head = ch->count = 0;
    ch->closed = false;
}

// Hand `message` to the receiver, waiting while the channel is full.
void channel_send(struct channel *ch, void *message)
{
    pthread_mutex_lock(&ch->lock);
    while (ch->count == CAPACITY)
        pthread_cond_wait(&ch->not_full, &ch->lock);
    ch->items[(ch->head + ch->count++) % CAPACITY] = message;
    pthread_cond_signal(&ch->not_empty);
    pthread_mutex_unlock(&ch->lock);
}

// Take the next message; false once the channel is closed and drained.
bool channel_recv(struct channel *ch, void **message)
{
    pthread_mutex_lock(&ch->lock);
    while (ch->count == 0 && !ch->closed)
        pthread_cond_wait(&ch->not_empty, &ch->lock);
    bool got = ch->count > 0;
    if (got) {
        *message = ch->items[ch->head];
        ch->head = (ch->head + 1) % CAPACITY;
        ch->count--;
        pthread_cond_signal(&ch->not_full);
    }
    pthread_mutex_unlock(&ch->lock);
    return got;
}

// No more sends: wake every receiver so it can see the end.
void channel_close(struct channel *ch)
{
    pthread_mutex_lock(&ch->lock);
    ch->closed = true;
    pthread_cond_broadcast(&ch->not_empty);
    pthread_mutex_unlock(&ch->lock);
}

void channel_destroy(struct channel *ch)
{
    pthread_mutex_destroy(&ch->lock);
    pthread_cond_destroy(&ch->not_full);
    pthread_cond_destroy(&ch->not_empty);
}

struct message {
    long value;
};

static struct channel numbers, squares;

static void *produce(void *arg)
{
    (void)arg;
    for (long i = 1; i <= COUNT; i++) {
        struct message *m = malloc(sizeof *m);
        if (!m)
            break;
        m->value = i;
        channel_send(&numbers, m);
        m = NULL; // sent: it is the receiver's now
    }
    channel_close(&numbers);
    return NULL;
}

static void *square(void *arg)
{
    (void)arg;
    void *p;
    while (channel_recv(&numbers, &p)) {
        struct message *m = p; // ours now: change it freely, then pass it on
        m->value *= m->value;
        channel_send(&squares, m);
    }
    channel_close(&squares);
    return NULL;
}

static void *sum(void *arg)
{
    long *total = arg;
    void *p;
    while (channel_recv(&squares, &p)) {
        struct message *m = p;
        *total += m->value;
        free(m); // the last owner frees it
    }
    return NULL;
}

int main(void)
{
    long total = 0, expected = (long)COUNT * (COUNT + 1) * (2 * COUNT + 1) / 6;
    pthread_t threads[3];
    channel_init(&numbers);
    channel_init(&squares);
    pthread_create(&threads[0], NULL, produce, NULL);
    pthread_create(&threads[1], NULL, square, NULL);
    pthread_create(&threads[2], NULL, sum, &total);
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    channel_destroy(&numbers);
    channel_destroy(&squares);
    printf("sum of squares 1..%d through two channels: %ld (expected %ld)\n", COUNT, total,
           expected);
    return total == expected ? 0 : 1;
}
