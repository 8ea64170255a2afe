// Per-thread random numbers for chan_select (see rng.h): splitmix64, small and good.
#include "rng.h"

#include <stdatomic.h>
#include <stdbool.h>

static _Thread_local unsigned long long state;
static _Thread_local bool seeded;
static atomic_ullong next_thread_seed = 0x5eed;

static unsigned long long splitmix64(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(unsigned long long seed)
{
    state = seed;
    seeded = true;
}

unsigned rng_below(unsigned n)
{
    if (!seeded)
        rng_seed(atomic_fetch_add(&next_thread_seed, 0x1234567ULL) * 0x9e3779b97f4a7c15ULL);
    // Rejection sampling: plain % would favour small values when n does not
    // divide 2^64 (negligibly here, but a fairness test deserves exactness).
    unsigned long long limit = ~0ULL - (~0ULL % n), x;
    do
        x = splitmix64(&state);
    while (x >= limit);
    return (unsigned)(x % n);
}
