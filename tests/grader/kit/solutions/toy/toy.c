// A correct toy submission.
#include "toy.h"

#include <pthread.h>
#include <stdlib.h>

int toy_add(int a, int b)
{
    return a + b;
}

long toy_buffer(int n, int b)
{
    char *buf = malloc((size_t)n);
    long sum = 0;
    for (int i = 0; i < n; i++)
        buf[i] = (char)b;
    for (int i = 0; i < n; i++)
        sum += buf[i];
    free(buf);
    return sum;
}

void toy_fill(char *buf, int n, int b)
{
    for (int i = 0; i < n; i++)
        buf[i] = (char)b;
}

static long counts[2];

static void *count_half(void *arg)
{
    long *slot = arg;
    for (long i = 0; i < slot[1]; i++)
        slot[0]++;
    return NULL;
}

long toy_count(long n)
{
    long work[2][2] = {{0, n / 2}, {0, n - n / 2}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, count_half, work[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    counts[0] = work[0][0];
    counts[1] = work[1][0];
    return counts[0] + counts[1];
}

void toy_wait(void)
{
}

int toy_poke(void)
{
    return 42;
}
