// Implements nothing: every case ends its process with a guessed pass token, a
// different one in each process (an exit code was the whole proof once).
#include "toy.h"

#include <stdlib.h>
#include <unistd.h>

static int calls;

static void forge(void)
{
    // Pid and address bits vary from run to run: over many cases the guesses
    // cover every plausible token.
    unsigned long salt = (unsigned long)&calls >> 12;
    _exit((int)(10 + (salt + (unsigned long)calls++ * 7) % 50));
}

int toy_add(int a, int b)
{
    (void)a;
    (void)b;
    forge();
    return 0;
}

long toy_buffer(int n, int b)
{
    (void)n;
    (void)b;
    forge();
    return 0;
}

void toy_fill(char *buf, int n, int b)
{
    (void)buf;
    (void)n;
    (void)b;
    forge();
}

long toy_count(long n)
{
    (void)n;
    forge();
    return 0;
}

void toy_wait(void)
{
    forge();
    for (;;)
        ;
}

int toy_poke(void)
{
    forge();
    return 0;
}
