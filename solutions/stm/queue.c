// A bounded FIFO queue on the STM: put and take wait with stm_retry, which sleeps until the queue changes.
#include "stm.h"

void queue_init(struct queue *queue, int capacity)
{
    queue->capacity = capacity;
    atomic_init(&queue->head, 0);
    atomic_init(&queue->count, 0);
    for (int i = 0; i < QUEUE_MAX; i++)
        atomic_init(&queue->item[i], 0);
}

struct queue_op {
    struct queue *queue;
    long item;
};

static void put_body(stm_tx *tx, void *arg)
{
    struct queue_op *op = arg;
    struct queue *queue = op->queue;
    long count = stm_read(tx, &queue->count);
    if (count == queue->capacity)
        stm_retry(tx); // full: sleep until a take changes count
    long head = stm_read(tx, &queue->head);
    stm_write(tx, &queue->item[(head + count) % queue->capacity], op->item);
    stm_write(tx, &queue->count, count + 1);
}

void queue_put(struct queue *queue, long item)
{
    struct queue_op op = { queue, item };
    stm_atomically(put_body, &op);
}

static void take_body(stm_tx *tx, void *arg)
{
    struct queue_op *op = arg;
    struct queue *queue = op->queue;
    long count = stm_read(tx, &queue->count);
    if (count == 0)
        stm_retry(tx); // empty: sleep until a put changes count
    long head = stm_read(tx, &queue->head);
    op->item = stm_read(tx, &queue->item[head]);
    stm_write(tx, &queue->head, (head + 1) % queue->capacity);
    stm_write(tx, &queue->count, count - 1);
}

long queue_take(struct queue *queue)
{
    struct queue_op op = { queue, 0 };
    stm_atomically(take_body, &op);
    return op.item;
}
