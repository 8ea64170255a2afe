// A bounded buffer (producer/consumer queue) on the lab's own mutex and condition variables.
#include "sync.h"

void sync_buffer_init(sync_buffer_t *buffer, long *slots, unsigned capacity)
{
    sync_mutex_init(&buffer->mutex);
    sync_cond_init(&buffer->not_full);
    sync_cond_init(&buffer->not_empty);
    buffer->slots = slots;
    buffer->capacity = capacity;
    buffer->head = 0;
    buffer->count = 0;
}

// Append an item.  Waits while the buffer is full.
void sync_buffer_put(sync_buffer_t *buffer, long item)
{
    sync_mutex_lock(&buffer->mutex);
    // while, not if: another producer may fill the freed slot before we
    // run, and wait may return spuriously.
    while (buffer->count == buffer->capacity)
        sync_cond_wait(&buffer->not_full, &buffer->mutex);
    buffer->slots[(buffer->head + buffer->count) % buffer->capacity] = item;
    buffer->count++;
    sync_mutex_unlock(&buffer->mutex);
    // Two condition variables, so this wakes a consumer, never a producer
    // that would find the buffer still full.  Signalling after the unlock
    // is safe (a waiter reads the sequence before it unlocks) and spares the
    // woken thread a sleep on the mutex we would still hold.
    sync_cond_signal(&buffer->not_empty);
}

// Remove and return the oldest item.  Waits while the buffer is empty.
long sync_buffer_get(sync_buffer_t *buffer)
{
    sync_mutex_lock(&buffer->mutex);
    while (buffer->count == 0)
        sync_cond_wait(&buffer->not_empty, &buffer->mutex);
    long item = buffer->slots[buffer->head];
    buffer->head = (buffer->head + 1) % buffer->capacity;
    buffer->count--;
    sync_mutex_unlock(&buffer->mutex);
    sync_cond_signal(&buffer->not_full);
    return item;
}
