// Seeded generators of allocation traces.
//
// Every trace the lab uses comes from here: the .rep files in data/ (written
// by data/gentraces.c) and the traces the hidden tests make in memory.  The
// generators use their own random number generator (SplitMix64), so a kind,
// seed and length give the same trace on every machine and C library.
#ifndef TRACEGEN_H
#define TRACEGEN_H

#include "trace.h"

#include <stdint.h>

// Make a trace of about `num_ops` operations (plus the frees that end it:
// every generated trace frees all its blocks).  `kind` is one of
//
//   random    a random mix of malloc, free and realloc, sizes 1 B..16 KiB
//   small     many small blocks (1..64 B) that live and die in bursts
//   tree      binary trees of small nodes with larger buffers, built and
//             torn down a subtree at a time
//   realloc   a few buffers grown step by step with realloc, among
//             short-lived small blocks
//   coalesce  rounds of blocks freed in a scattered order, then requests
//             that fit only where freed neighbours have merged
//   phases    batches of one size class, mostly freed, then a larger class
//
// Returns NULL for an unknown kind or when out of memory.
struct trace *tracegen_make(const char *kind, uint64_t seed, int num_ops);

#endif
