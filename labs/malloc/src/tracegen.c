// Seeded generators of allocation traces (see tracegen.h).
#include "tracegen.h"

#include <stdlib.h>
#include <string.h>

// SplitMix64: a tiny generator with good statistics and a fixed definition,
// so a seed gives the same numbers everywhere.  No floating point anywhere
// below either: libm's results may differ between C libraries.
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

// A number in [0, n).  The modulo bias is below 2^-40 for the n used here.
static uint64_t rng_below(uint64_t *state, uint64_t n)
{
    return rng_next(state) % n;
}

// A size in [lo, hi] whose logarithm is about uniform: as many sizes in
// 16..31 as in 1024..2047, the way real programs' requests are spread.
static size_t rng_size(uint64_t *state, size_t lo, size_t hi)
{
    int lo_bits = 0, hi_bits = 0;
    while ((size_t)2 << lo_bits <= lo)
        lo_bits++;
    while ((size_t)2 << hi_bits <= hi)
        hi_bits++;
    int bits = lo_bits + (int)rng_below(state, (uint64_t)(hi_bits - lo_bits + 1));
    size_t size = ((size_t)1 << bits) + rng_below(state, (uint64_t)1 << bits);
    return size < lo ? lo : size > hi ? hi : size;
}

// A trace under construction, with the ids that are live and those free
// for reuse.
struct gen {
    struct trace *trace;
    uint64_t rng;
    int target_ops;
    int *live;      // live ids, in no order
    int *position;  // by id: index in live[], or -1
    int *spare;     // freed ids, reused last-freed first
    size_t *size;   // by id: the live block's size
    size_t live_bytes;
    int live_count, spare_count, next_id;
    int failed;     // out of memory
};

static int gen_done(const struct gen *g)
{
    return g->failed || g->trace->num_ops >= g->target_ops;
}

// Append an operation, keeping count of the live bytes and their peak (the
// trace's "suggested heap size": the least any allocator could use).
static void gen_op(struct gen *g, char kind, int id, size_t size)
{
    if (trace_add(g->trace, kind, id, size) != 0)
        g->failed = 1;
    g->live_bytes += size - (kind == 'a' ? 0 : g->size[id]);
    g->size[id] = size;
    if (g->live_bytes > g->trace->suggested_heap)
        g->trace->suggested_heap = g->live_bytes;
}

static int gen_alloc(struct gen *g, size_t size)
{
    int id = g->spare_count ? g->spare[--g->spare_count] : g->next_id++;
    g->position[id] = g->live_count;
    g->live[g->live_count++] = id;
    gen_op(g, 'a', id, size);
    return id;
}

static void gen_free(struct gen *g, int id)
{
    int at = g->position[id], last = g->live[--g->live_count];
    g->live[at] = last;
    g->position[last] = at;
    g->position[id] = -1;
    g->spare[g->spare_count++] = id;
    gen_op(g, 'f', id, 0);
}

static int gen_random_live(struct gen *g)
{
    return g->live[rng_below(&g->rng, (uint64_t)g->live_count)];
}

// Free a random `percent` of the live blocks.
static void gen_free_some(struct gen *g, int percent)
{
    for (int n = g->live_count * percent / 100; n > 0; n--)
        gen_free(g, gen_random_live(g));
}

static void make_random(struct gen *g)
{
    while (!gen_done(g)) {
        // Waves: the heap fills for 400 operations, then drains for 400.
        int alloc_percent = (g->trace->num_ops / 400) % 2 ? 38 : 62;
        int roll = (int)rng_below(&g->rng, 100);
        if (g->live_count == 0 || roll < alloc_percent)
            gen_alloc(g, rng_size(&g->rng, 1, 16384));
        else if (roll < alloc_percent + 10)
            gen_op(g, 'r', gen_random_live(g), rng_size(&g->rng, 1, 16384));
        else
            gen_free(g, gen_random_live(g));
    }
}

static void make_small(struct gen *g)
{
    while (!gen_done(g)) {
        for (int n = 20 + (int)rng_below(&g->rng, 200); n > 0; n--)
            gen_alloc(g, 1 + rng_below(&g->rng, 64));
        gen_free_some(g, 50 + (int)rng_below(&g->rng, 41));
    }
}

static void make_phases(struct gen *g)
{
    static const size_t class_floor[] = {16, 48, 128, 400, 1200, 3000};
    for (int phase = 0; !gen_done(g); phase++) {
        size_t floor = class_floor[phase % 6];
        for (int n = 150 + (int)rng_below(&g->rng, 150); n > 0; n--)
            gen_alloc(g, floor + rng_below(&g->rng, floor));
        gen_free_some(g, 90);
    }
}

static void make_realloc(struct gen *g)
{
    enum { BUFFERS = 4, TEMPS = 48, BUFFER_MAX = 32 * 1024 };
    int buffer[BUFFERS], temp[TEMPS], temps = 0;
    size_t size[BUFFERS];
    for (int b = 0; b < BUFFERS; b++)
        buffer[b] = gen_alloc(g, size[b] = rng_size(&g->rng, 16, 256));
    while (!gen_done(g)) {
        int roll = (int)rng_below(&g->rng, 100), b = (int)rng_below(&g->rng, BUFFERS);
        if (roll < 45) {
            // Grow the way a string or vector does: by a quarter, or a bit.
            size[b] += roll < 15 ? size[b] / 4 : 1 + rng_below(&g->rng, 96);
            if (size[b] > BUFFER_MAX) {
                gen_free(g, buffer[b]);
                buffer[b] = gen_alloc(g, size[b] = rng_size(&g->rng, 16, 256));
            } else {
                gen_op(g, 'r', buffer[b], size[b]);
            }
        } else if (roll < 75 && temps < TEMPS) {
            temp[temps++] = gen_alloc(g, rng_size(&g->rng, 8, 160));
        } else if (temps > 0) {
            int t = (int)rng_below(&g->rng, (uint64_t)temps);
            gen_free(g, temp[t]);
            temp[t] = temp[--temps];
        }
    }
}

static void make_coalesce(struct gen *g)
{
    int round_ids[180], odd[90];
    while (!gen_done(g)) {
        int n = 60 + (int)rng_below(&g->rng, 120), odds = 0;
        for (int i = 0; i < n; i++)
            round_ids[i] = gen_alloc(g, rng_size(&g->rng, 16, 1024));
        // Free every other block first, so no two freed blocks touch; then
        // the rest in a shuffled order, each freed block merging with one or
        // two neighbours.  About one in eight stays live as a fence.
        for (int i = 0; i < n; i++)
            if (i % 2 == 0)
                gen_free(g, round_ids[i]);
            else
                odd[odds++] = round_ids[i];
        for (int i = odds - 1; i >= 0; i--) {
            int j = (int)rng_below(&g->rng, (uint64_t)i + 1), id = odd[j];
            odd[j] = odd[i];
            if (rng_below(&g->rng, 8) != 0)
                gen_free(g, id);
        }
        for (int m = 4 + (int)rng_below(&g->rng, 12); m > 0; m--)
            gen_alloc(g, rng_size(&g->rng, 1024, 8192));
        gen_free_some(g, 60);
    }
}

// A binary tree of nodes, each a small block with a larger buffer.
struct tree_node {
    int node_id, buffer_id;
    int parent, child[2]; // indexes in nodes[], -1 for none
};

static void tree_free_subtree(struct gen *g, struct tree_node *nodes, int n)
{
    for (int c = 0; c < 2; c++)
        if (nodes[n].child[c] >= 0)
            tree_free_subtree(g, nodes, nodes[n].child[c]);
    gen_free(g, nodes[n].buffer_id);
    gen_free(g, nodes[n].node_id);
    nodes[n].node_id = -1;
}

static void make_tree(struct gen *g, struct tree_node *nodes)
{
    int count = 0, root = -1;
    while (!gen_done(g)) {
        if (root < 0 || rng_below(&g->rng, 100) < 72) {
            int n = count++, parent = -1, side = 0;
            // Walk down from the root to a free child slot.
            for (int at = root; at >= 0; at = nodes[at].child[side]) {
                parent = at;
                side = (int)rng_below(&g->rng, 2);
            }
            nodes[n] = (struct tree_node){.parent = parent, .child = {-1, -1}};
            nodes[n].node_id = gen_alloc(g, 40);
            nodes[n].buffer_id = gen_alloc(g, rng_size(&g->rng, 64, 1024));
            if (parent < 0)
                root = n;
            else
                nodes[parent].child[side] = n;
            continue;
        }
        // Tear down the subtree under a node met on a random walk down: at
        // least three levels below the root, so the tree is rarely cleared.
        int n = root;
        for (int steps = 3 + (int)rng_below(&g->rng, 8); steps > 0; steps--) {
            int next = nodes[n].child[rng_below(&g->rng, 2)];
            if (next < 0)
                break;
            n = next;
        }
        int parent = nodes[n].parent;
        tree_free_subtree(g, nodes, n);
        if (parent < 0)
            root = -1;
        else
            nodes[parent].child[nodes[parent].child[1] == n] = -1;
    }
}

struct trace *tracegen_make(const char *kind, uint64_t seed, int num_ops)
{
    static const char *const kinds[] = {"random", "small", "tree", "realloc", "coalesce",
                                        "phases"};
    int k = 0;
    while (k < 6 && strcmp(kind, kinds[k]) != 0)
        k++;
    // Every operation allocates at most two ids, and bursts overshoot the
    // target by at most a few hundred.
    int max_ids = 2 * num_ops + 1024;
    struct gen g = {.trace = trace_new(kind, 0), .rng = seed, .target_ops = num_ops};
    g.live = malloc(max_ids * sizeof *g.live);
    g.position = malloc(max_ids * sizeof *g.position);
    g.spare = malloc(max_ids * sizeof *g.spare);
    g.size = malloc(max_ids * sizeof *g.size);
    struct tree_node *nodes = malloc(max_ids * sizeof *nodes);
    g.failed = k == 6 || !g.trace || !g.live || !g.position || !g.spare || !g.size || !nodes;
    void (*const make[])(struct gen *) = {make_random, make_small, NULL, make_realloc,
                                          make_coalesce, make_phases};
    if (!g.failed && k == 2)
        make_tree(&g, nodes);
    else if (!g.failed)
        make[k](&g);
    while (!g.failed && g.live_count > 0)
        gen_free(&g, gen_random_live(&g));
    free(g.live);
    free(g.position);
    free(g.spare);
    free(g.size);
    free(nodes);
    if (g.failed) {
        trace_free(g.trace);
        return NULL;
    }
    g.trace->num_ids = g.next_id;
    return g.trace;
}
