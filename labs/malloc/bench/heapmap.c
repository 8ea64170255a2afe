// heapmap: replay a trace and write what the heap looked like, for gnuplot.
//
//     heapmap FILE.rep OUT.dat OUT-util.dat [SNAPSHOTS]
//
// At SNAPSHOTS evenly spaced points of the trace (default 6, the last one
// at its end) it walks the heap and writes one line per run of bytes of the
// same kind: "SNAPSHOT OP START END KIND", offsets from mem_heap_lo(), KIND
// 0 for requested payload, 1 for the rest of an allocated block (header,
// footer, padding), 2 for a free block.  The walk follows the handout's
// block format (README "The block format": a header word before each
// payload, the first block right after the prologue); when a header makes
// no sense it falls back to what the driver knows, the live payloads, and
// marks the bytes between them 3 (free or overhead).  OUT-util.dat gets one
// line per operation: "OP LIVE_BYTES HEAP_BYTES".
#include "memlib.h"
#include "mm.h"
#include "trace.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PAYLOAD, OVERHEAD, FREE, UNKNOWN };

struct live {
    uintptr_t start;
    size_t size;
};

static int compare_live(const void *a, const void *b)
{
    uintptr_t x = ((const struct live *)a)->start, y = ((const struct live *)b)->start;
    return x < y ? -1 : x > y;
}

// Runs of one kind are merged, so the picture has few rectangles.
static struct {
    FILE *out;
    int snapshot, op, kind;
    uintptr_t start, end;
} run;

static void flush(void)
{
    uintptr_t lo = (uintptr_t)mem_heap_lo();
    if (run.end > run.start)
        fprintf(run.out, "%d %d %lu %lu %d\n", run.snapshot, run.op,
                (unsigned long)(run.start - lo), (unsigned long)(run.end - lo), run.kind);
    run.start = run.end = 0;
    run.kind = -1;
}

static void emit(uintptr_t start, uintptr_t end, int kind)
{
    if (end <= start)
        return;
    if (kind == run.kind && start == run.end) {
        run.end = end;
        return;
    }
    flush();
    run.start = start;
    run.end = end;
    run.kind = kind;
}

// The requested size of the live block whose payload starts at p, or 0.
static size_t live_size(const struct live *live, int count, uintptr_t p)
{
    int lo = 0, hi = count;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (live[mid].start < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && live[lo].start == p ? live[lo].size : 0;
}

// Walk the blocks by their headers; 0 on success, -1 at a header that
// makes no sense (then nothing was written).
static int walk_blocks(const struct live *live, int count)
{
    uintptr_t end = (uintptr_t)mem_heap_hi() + 1, bp = (uintptr_t)mem_heap_lo() + 32;
    int blocks = 0;
    for (uintptr_t p = bp; p < end; blocks++) {
        size_t size = *(size_t *)(p - 8) & ~(size_t)15;
        if (size == 0)
            break; // the epilogue
        if (size < 16 || size > end - (p - 8))
            return -1;
        p += size;
    }
    for (uintptr_t p = bp; p < end;) {
        size_t word = *(size_t *)(p - 8), size = word & ~(size_t)15;
        if (size == 0)
            break;
        if (word & 1) {
            size_t asked = live_size(live, count, p);
            emit(p - 8, p, OVERHEAD);
            emit(p, p + asked, PAYLOAD);
            emit(p + asked, p - 8 + size, OVERHEAD);
        } else {
            emit(p - 8, p - 8 + size, FREE);
        }
        p += size;
    }
    return blocks > 0 ? 0 : -1;
}

static void snapshot(void **block, size_t *size, int ids, int number, int op)
{
    struct live *live = malloc((ids + 1) * sizeof *live);
    int count = 0;
    for (int id = 0; id < ids; id++)
        if (block[id] != NULL)
            live[count++] = (struct live){(uintptr_t)block[id], size[id]};
    qsort(live, count, sizeof *live, compare_live);
    run.snapshot = number;
    run.op = op;
    run.kind = -1;
    if (walk_blocks(live, count) != 0) {
        uintptr_t at = (uintptr_t)mem_heap_lo();
        for (int i = 0; i < count; i++) {
            emit(at, live[i].start, UNKNOWN);
            emit(live[i].start, live[i].start + live[i].size, PAYLOAD);
            at = live[i].start + live[i].size;
        }
        emit(at, (uintptr_t)mem_heap_hi() + 1, UNKNOWN);
    }
    flush();
    free(live);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s FILE.rep OUT.dat OUT-util.dat [SNAPSHOTS]\n", argv[0]);
        return 2;
    }
    int snapshots = argc > 4 ? atoi(argv[4]) : 6;
    char error[512];
    struct trace *trace = trace_read(argv[1], error, sizeof error);
    if (trace == NULL) {
        fprintf(stderr, "heapmap: %s\n", error);
        return 2;
    }
    run.out = fopen(argv[2], "w");
    FILE *util = fopen(argv[3], "w");
    void **block = calloc(trace->num_ids + 1, sizeof *block);
    size_t *size = calloc(trace->num_ids + 1, sizeof *size), live = 0;
    if (run.out == NULL || util == NULL || block == NULL || size == NULL || snapshots < 1) {
        fprintf(stderr, "heapmap: cannot write %s or %s\n", argv[2], argv[3]);
        return 2;
    }
    mem_init();
    if (mm_init() != 0) {
        fprintf(stderr, "heapmap: mm_init failed\n");
        return 1;
    }
    int taken = 0;
    for (int i = 0; i < trace->num_ops; i++) {
        const struct trace_op *op = &trace->ops[i];
        void *p = NULL;
        if (op->kind == 'f') {
            mm_free(block[op->id]);
        } else {
            p = op->kind == 'a' ? mm_malloc(op->size) : mm_realloc(block[op->id], op->size);
            if (p == NULL) {
                fprintf(stderr, "heapmap: %s, op %d: the allocator returned NULL\n",
                        trace->name, i + 1);
                return 1;
            }
        }
        live += op->size;
        live -= block[op->id] != NULL ? size[op->id] : 0;
        block[op->id] = p;
        size[op->id] = op->size;
        fprintf(util, "%d %zu %zu\n", i + 1, live, mem_heapsize());
        if ((long)(i + 1) * snapshots >= (long)(taken + 1) * trace->num_ops)
            snapshot(block, size, trace->num_ids, taken++, i + 1);
    }
    fclose(run.out);
    fclose(util);
    mem_deinit();
    trace_free(trace);
    free(block);
    free(size);
    return 0;
}
