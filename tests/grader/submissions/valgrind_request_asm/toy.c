// Writes past its buffer and switches Valgrind's error reporting off with a
// hand-written client request (the magic instruction sequence, no header).
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

static void quiet(long change)
{
    // CHANGE_ERR_DISABLEMENT (0x1801) with the argument `change`.
    volatile unsigned long request[6] = {0x1801, (unsigned long)change, 0, 0, 0, 0};
    unsigned long result = 0;
    __asm__ volatile("rolq $3,  %%rdi ; rolq $13, %%rdi\n\t"
                     "rolq $61, %%rdi ; rolq $51, %%rdi\n\t"
                     "xchgq %%rbx,%%rbx"
                     : "=d"(result)
                     : "a"(&request[0]), "0"(result)
                     : "cc", "memory");
    (void)result;
}

void toy_fill(char *buf, int n, int b)
{
    quiet(1);
    for (int i = 0; i <= n; i++)
        buf[i] = (char)b;
    quiet(-1);
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
