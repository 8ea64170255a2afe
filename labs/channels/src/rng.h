// The random numbers chan_select draws from: per thread, seeded, so a test can repeat a run.
#ifndef RNG_H
#define RNG_H

// A number in 0..n-1, uniformly (n >= 1).  Each thread has its own
// generator, so calls from many threads need no lock.
unsigned rng_below(unsigned n);

// Restart the calling thread's generator from `seed` (tests do, for
// repeatable runs).  Threads that never call it get a seed of their own.
void rng_seed(unsigned long long seed);

#endif
