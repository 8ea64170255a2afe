// Allocation traces: the .rep format, and a driver that replays one through
// the allocator, checking every operation, or times it.
//
// A .rep file is the classic malloc-lab format: four header lines (suggested
// heap size, number of ids, number of operations, weight), then one operation
// a line:
//
//     a ID SIZE    allocate SIZE bytes and call the block ID
//     f ID         free block ID
//     r ID SIZE    resize block ID to SIZE bytes
//
// Ids run from 0 to the number of ids minus one; an id can be reused after
// it is freed.
#ifndef TRACE_H
#define TRACE_H

#include <stddef.h>
#include <stdio.h>

struct trace_op {
    char kind; // 'a', 'f' or 'r'
    int id;
    size_t size; // 0 for 'f'
};

struct trace {
    char name[64];
    size_t suggested_heap; // header line 1; gentraces puts the peak live payload there
    int num_ids;
    int num_ops;
    int weight;
    struct trace_op *ops;
    int capacity; // room in ops[]
};

// A new empty trace named `name` with ids 0..num_ids-1, or NULL when out of
// memory.
struct trace *trace_new(const char *name, int num_ids);

// Append an operation.  Returns 0, or -1 when out of memory.
int trace_add(struct trace *trace, char kind, int id, size_t size);

// Read a .rep file; the trace is named after the file's base name.  On error
// returns NULL and writes a message naming the file and line to `error`.
struct trace *trace_read(const char *path, char *error, size_t error_size);

// Write `trace` in .rep format.  Returns 0, or -1 on an I/O error.
int trace_write(const struct trace *trace, FILE *out);

void trace_free(struct trace *trace);

// What replaying a trace found.
struct trace_result {
    int ok;               // 1 when every operation checked out
    int failed_op;        // index of the first bad operation, -1 when ok
    char message[320];    // what went wrong, "" when ok
    size_t peak_payload;  // largest total of live requested bytes
    size_t heap_size;     // what mem_sbrk added during the replay: the heap's high-water mark
    double utilization;   // peak_payload / heap_size, 0 when not ok
    // The best utilization any allocator could reach with 16-byte aligned
    // blocks: peak_payload over the largest total of live sizes each rounded
    // up to 16 (headers, footers and fragmentation not counted).
    double alignment_limit;
};

// Start a fresh heap (mem_reset_brk() and mm_init()), then replay the trace
// through mm_malloc, mm_free and mm_realloc, checking every operation: the
// block is aligned, inside the heap and overlaps no live block; its bytes
// (filled with a pattern made from the id) are intact when it is freed or
// resized; a resize keeps the old contents.  Stops at the first problem.
// Returns result->ok.
int trace_check(const struct trace *trace, struct trace_result *result);

// An allocator to time: the submission's, or the C library's as a baseline.
struct trace_allocator {
    const char *name;
    int (*reset)(void); // start an empty heap; 0 on success
    void *(*malloc)(size_t size);
    void (*free)(void *ptr);
    void *(*realloc)(void *ptr, size_t size);
};

extern const struct trace_allocator trace_mm_allocator;
extern const struct trace_allocator trace_libc_allocator;

// Replay `trace` once through `allocator` without checking and return the
// seconds it took, or -1 when an allocation failed.  The reset before the
// replay is not timed.
double trace_time(const struct trace *trace, const struct trace_allocator *allocator);

// Time every trace under the submission's allocator and the C library's,
// alternating the two `reps` times so both see the same machine load, and
// keep each one's best time in mm_seconds[i] and libc_seconds[i].  A slow
// allocator stops sooner: once the runs have used `cpu_budget` seconds of
// the process's processor time, no round starts after the first.  Returns
// the rounds run, or -1 when the submission failed an allocation.
int trace_bench(struct trace *const *traces, int count, int reps, double cpu_budget,
                double *mm_seconds, double *libc_seconds);

// The processor time this process has used, in seconds.
double trace_cpu_seconds(void);

#endif
