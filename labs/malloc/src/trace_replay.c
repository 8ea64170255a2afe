// The trace driver: replays a trace through the allocator, checking every
// operation, or times it against the C library's allocator.
#include "trace.h"

#include "memlib.h"
#include "mm.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// The byte a block's payload holds at offset i: made from the id, so blocks
// that overlap, or a header written into a payload, show as a wrong byte.
static inline unsigned char pattern_byte(int id, size_t i)
{
    return (unsigned char)((id * 151u) ^ (i * 29u) ^ (i >> 8) ^ 0x5a);
}

static void pattern_fill(int id, unsigned char *payload, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        payload[i] = pattern_byte(id, i);
}

// Offset of the first byte in [0, size) that is not the pattern, or size.
static size_t pattern_find_change(int id, const unsigned char *payload, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (payload[i] != pattern_byte(id, i))
            return i;
    return size;
}

// The live blocks, sorted by address, so an overlap check is a binary search.
struct live_set {
    struct live_block {
        uintptr_t start, end; // payload bytes [start, end)
        int id;
    } *blocks;
    int count;
};

// Index of the first block whose start is >= addr.
static int live_find(const struct live_set *set, uintptr_t addr)
{
    int lo = 0, hi = set->count;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (set->blocks[mid].start < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

// Insert [start, end) for `id`.  Returns -1 after the insert when the new
// block overlaps a live one, else 0; *other is then that block's id.
static int live_insert(struct live_set *set, uintptr_t start, uintptr_t end, int id, int *other)
{
    int at = live_find(set, start);
    int overlap = -1;
    if (at > 0 && set->blocks[at - 1].end > start)
        overlap = set->blocks[at - 1].id;
    else if (at < set->count && set->blocks[at].start < end)
        overlap = set->blocks[at].id;
    memmove(&set->blocks[at + 1], &set->blocks[at], (set->count - at) * sizeof *set->blocks);
    set->blocks[at] = (struct live_block){start, end, id};
    set->count++;
    *other = overlap;
    return overlap < 0 ? 0 : -1;
}

static void live_remove(struct live_set *set, uintptr_t start)
{
    int at = live_find(set, start);
    if (at < set->count && set->blocks[at].start == start) {
        set->count--;
        memmove(&set->blocks[at], &set->blocks[at + 1], (set->count - at) * sizeof *set->blocks);
    }
}

// The state of one checked replay.
struct replay {
    const struct trace *trace;
    struct trace_result *result;
    unsigned char **payload; // by id; NULL when the id is not live
    size_t *size;            // by id
    struct live_set live;
    size_t live_bytes;
    size_t aligned_bytes; // the live sizes, each rounded up to MM_ALIGNMENT
    size_t aligned_peak;
};

static size_t round_to_alignment(size_t size)
{
    return (size + MM_ALIGNMENT - 1) / MM_ALIGNMENT * MM_ALIGNMENT;
}

// Account for a block of old_size bytes becoming new_size bytes (0: none).
static void replay_account(struct replay *r, size_t old_size, size_t new_size)
{
    r->live_bytes += new_size;
    r->live_bytes -= old_size;
    r->aligned_bytes += round_to_alignment(new_size);
    r->aligned_bytes -= round_to_alignment(old_size);
    if (r->aligned_bytes > r->aligned_peak)
        r->aligned_peak = r->aligned_bytes;
}

// Record the first problem, with the operation it happened at.
__attribute__((format(printf, 3, 4))) static int replay_fail(struct replay *r, int op_index,
                                                             const char *format, ...)
{
    const struct trace_op *op = &r->trace->ops[op_index];
    char *message = r->result->message;
    size_t room = sizeof r->result->message;
    int n;
    if (op->kind == 'f')
        n = snprintf(message, room, "%s, op %d (f %d): ", r->trace->name, op_index + 1, op->id);
    else
        n = snprintf(message, room, "%s, op %d (%c %d %zu): ", r->trace->name, op_index + 1,
                     op->kind, op->id, op->size);
    if (n < 0 || (size_t)n >= room)
        n = 0;
    va_list args;
    va_start(args, format);
    vsnprintf(message + n, room - n, format, args);
    va_end(args);
    r->result->ok = 0;
    r->result->failed_op = op_index;
    return -1;
}

// Check a block the allocator just returned for `size` bytes and add it to the
// live set.  Returns 0, or -1 (with the reason recorded) if it is unusable.
static int replay_accept(struct replay *r, int i, unsigned char *p, size_t size)
{
    const char *call = r->trace->ops[i].kind == 'a' ? "mm_malloc" : "mm_realloc";
    uintptr_t start = (uintptr_t)p, lo = (uintptr_t)mem_heap_lo();
    uintptr_t end = (uintptr_t)mem_heap_hi() + 1;
    int other;
    if (p == NULL)
        return replay_fail(r, i, "%s returned NULL (heap is %zu bytes)", call, mem_heapsize());
    if (start % MM_ALIGNMENT != 0)
        return replay_fail(r, i, "%s returned %p, not a multiple of %d", call, (void *)p,
                           MM_ALIGNMENT);
    if (start < lo || start >= end || size > end - start)
        return replay_fail(r, i, "%s returned %p: the block does not lie inside the heap "
                           "[%p, %p)", call, (void *)p, (void *)lo, (void *)end);
    if (live_insert(&r->live, start, start + size, r->trace->ops[i].id, &other) != 0)
        return replay_fail(r, i, "%s returned %p, which overlaps live block %d", call,
                           (void *)p, other);
    r->payload[r->trace->ops[i].id] = p;
    r->size[r->trace->ops[i].id] = size;
    return 0;
}

// Check that block `id` still holds its pattern in its first `size` bytes.
static int replay_verify(struct replay *r, int i, int id, size_t size, const char *when)
{
    size_t at = pattern_find_change(id, r->payload[id], size);
    if (at == size)
        return 0;
    return replay_fail(r, i, "%s block %d (%zu bytes at %p), its byte %zu changed from "
                       "0x%02x to 0x%02x: something wrote into a live block",
                       when, id, r->size[id], (void *)r->payload[id], at,
                       pattern_byte(id, at), r->payload[id][at]);
}

static int replay_op(struct replay *r, int i)
{
    const struct trace_op *op = &r->trace->ops[i];
    unsigned char *old = r->payload[op->id];
    size_t old_size = r->size[op->id], keep;
    switch (op->kind) {
    case 'a':
        if (replay_accept(r, i, mm_malloc(op->size), op->size) != 0)
            return -1;
        pattern_fill(op->id, r->payload[op->id], 0, op->size);
        replay_account(r, 0, op->size);
        return 0;
    case 'f':
        if (replay_verify(r, i, op->id, old_size, "before freeing") != 0)
            return -1;
        live_remove(&r->live, (uintptr_t)old);
        r->payload[op->id] = NULL;
        replay_account(r, old_size, 0);
        mm_free(old);
        return 0;
    default:
        if (replay_verify(r, i, op->id, old_size, "before resizing") != 0)
            return -1;
        live_remove(&r->live, (uintptr_t)old);
        if (replay_accept(r, i, mm_realloc(old, op->size), op->size) != 0)
            return -1;
        keep = old_size < op->size ? old_size : op->size;
        if (replay_verify(r, i, op->id, keep, "after resizing") != 0)
            return -1;
        pattern_fill(op->id, r->payload[op->id], keep, op->size);
        replay_account(r, old_size, op->size);
        return 0;
    }
}

int trace_check(const struct trace *trace, struct trace_result *result)
{
    struct replay r = {.trace = trace, .result = result};
    size_t grown_before = mem_grown_total();
    *result = (struct trace_result){.ok = 1, .failed_op = -1};
    r.payload = calloc(trace->num_ids + 1, sizeof *r.payload);
    r.size = calloc(trace->num_ids + 1, sizeof *r.size);
    r.live.blocks = calloc(trace->num_ids + 1, sizeof *r.live.blocks);
    if (r.payload == NULL || r.size == NULL || r.live.blocks == NULL) {
        snprintf(result->message, sizeof result->message, "%s: out of memory", trace->name);
        result->ok = 0;
    } else {
        mem_reset_brk();
        grown_before = mem_grown_total();
        if (mm_init() != 0) {
            snprintf(result->message, sizeof result->message,
                     "%s: mm_init returned non-zero on an empty heap", trace->name);
            result->ok = 0;
        }
    }
    for (int i = 0; result->ok && i < trace->num_ops; i++) {
        if (replay_op(&r, i) == 0 && r.live_bytes > result->peak_payload)
            result->peak_payload = r.live_bytes;
    }
    // What the heap grew by during the replay: its high-water mark, not its
    // final size, so that an allocator that moved the break back (or started
    // over) is charged for every byte it took.
    result->heap_size = mem_grown_total() - grown_before;
    if (result->ok && result->heap_size > 0)
        result->utilization = (double)result->peak_payload / (double)result->heap_size;
    if (r.aligned_peak > 0)
        result->alignment_limit = (double)result->peak_payload / (double)r.aligned_peak;
    free(r.payload);
    free(r.size);
    free(r.live.blocks);
    return result->ok;
}

static int mm_reset(void)
{
    mem_reset_brk();
    return mm_init();
}

// The C library's allocator keeps freed memory instead of giving it back to
// the kernel, so that every timed run starts with its pages in memory, as
// the simulated heap's are: the comparison is then of allocators, not of
// page faults, whose cost varies with the machine's load.
static int libc_reset(void)
{
#ifdef M_TRIM_THRESHOLD
    static int tuned;
    if (!tuned) {
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        tuned = 1;
    }
#endif
    return 0;
}

const struct trace_allocator trace_mm_allocator = {"mm", mm_reset, mm_malloc, mm_free,
                                                   mm_realloc};
const struct trace_allocator trace_libc_allocator = {"libc", libc_reset, malloc, free, realloc};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double trace_time(const struct trace *trace, const struct trace_allocator *allocator)
{
    void **block = calloc(trace->num_ids + 1, sizeof *block);
    if (block == NULL || allocator->reset() != 0) {
        free(block);
        return -1;
    }
    int failed = 0;
    double start = now_seconds();
    for (int i = 0; i < trace->num_ops && !failed; i++) {
        const struct trace_op *op = &trace->ops[i];
        if (op->kind == 'a') {
            failed = (block[op->id] = allocator->malloc(op->size)) == NULL;
        } else if (op->kind == 'f') {
            allocator->free(block[op->id]);
            block[op->id] = NULL;
        } else {
            void *p = allocator->realloc(block[op->id], op->size);
            failed = p == NULL;
            if (p != NULL)
                block[op->id] = p;
        }
    }
    double seconds = now_seconds() - start;
    // Blocks a trace leaves live (and all of them after a failure) go back
    // untimed, so the C library's heap does not grow from run to run.
    for (int id = 0; id < trace->num_ids; id++)
        if (block[id] != NULL)
            allocator->free(block[id]);
    free(block);
    return failed ? -1 : seconds;
}

double trace_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int trace_bench(struct trace *const *traces, int count, int reps, double cpu_budget,
                double *mm_seconds, double *libc_seconds)
{
    for (int i = 0; i < count; i++)
        mm_seconds[i] = libc_seconds[i] = -1;
    double cpu_start = trace_cpu_seconds();
    int rep = 0;
    for (; rep < reps && (rep == 0 || trace_cpu_seconds() - cpu_start < cpu_budget); rep++) {
        for (int i = 0; i < count; i++) {
            double mm = trace_time(traces[i], &trace_mm_allocator);
            double libc = trace_time(traces[i], &trace_libc_allocator);
            if (mm < 0)
                return -1;
            if (mm_seconds[i] < 0 || mm < mm_seconds[i])
                mm_seconds[i] = mm;
            if (libc_seconds[i] < 0 || libc < libc_seconds[i])
                libc_seconds[i] = libc;
        }
    }
    return rep;
}
