// Trace files: reading and writing the .rep format.
#include "trace.h"

#include "memlib.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct trace *trace_new(const char *name, int num_ids)
{
    struct trace *trace = calloc(1, sizeof *trace);
    if (trace == NULL)
        return NULL;
    snprintf(trace->name, sizeof trace->name, "%s", name);
    trace->num_ids = num_ids;
    trace->weight = 1;
    return trace;
}

int trace_add(struct trace *trace, char kind, int id, size_t size)
{
    if (trace->num_ops == trace->capacity) {
        int capacity = trace->capacity ? 2 * trace->capacity : 256;
        struct trace_op *ops = realloc(trace->ops, capacity * sizeof *ops);
        if (ops == NULL)
            return -1;
        trace->ops = ops;
        trace->capacity = capacity;
    }
    trace->ops[trace->num_ops++] = (struct trace_op){kind, id, size};
    return 0;
}

void trace_free(struct trace *trace)
{
    if (trace == NULL)
        return;
    free(trace->ops);
    free(trace);
}

int trace_write(const struct trace *trace, FILE *out)
{
    fprintf(out, "%zu\n%d\n%d\n%d\n", trace->suggested_heap, trace->num_ids,
            trace->num_ops, trace->weight);
    for (int i = 0; i < trace->num_ops; i++) {
        const struct trace_op *op = &trace->ops[i];
        if (op->kind == 'f')
            fprintf(out, "f %d\n", op->id);
        else
            fprintf(out, "%c %d %zu\n", op->kind, op->id, op->size);
    }
    return ferror(out) ? -1 : 0;
}

// Parse one operation line into `op`; check it against which ids are live.
// Returns NULL when it is fine, else what is wrong with it.
static const char *parse_op(const char *line, int num_ids, char *live, struct trace_op *op)
{
    char kind;
    int id;
    unsigned long long size = 0;
    int fields = sscanf(line, " %c %d %llu", &kind, &id, &size);
    if (fields < 2 || (kind != 'a' && kind != 'f' && kind != 'r'))
        return "expected 'a ID SIZE', 'f ID' or 'r ID SIZE'";
    if ((kind == 'f') != (fields == 2))
        return kind == 'f' ? "'f' takes only an id" : "missing size";
    if (id < 0 || id >= num_ids)
        return "id out of range";
    if (kind != 'f' && (size == 0 || size > MEM_MAX_HEAP))
        return "size must be between 1 and MEM_MAX_HEAP";
    if (kind == 'a' ? live[id] : !live[id])
        return kind == 'a' ? "id is already allocated" : "id is not allocated";
    live[id] = kind != 'f';
    *op = (struct trace_op){kind, id, (size_t)size};
    return NULL;
}

// Read the four header numbers.  Returns 0, or -1 if they are not there.
static int read_header(FILE *in, struct trace *trace, int *line_no)
{
    char line[256];
    long long value[4];
    for (int i = 0; i < 4; i++) {
        if (fgets(line, sizeof line, in) == NULL || sscanf(line, "%lld", &value[i]) != 1
            || value[i] < 0 || value[i] > INT32_MAX)
            return -1;
        ++*line_no;
    }
    trace->suggested_heap = (size_t)value[0];
    trace->num_ids = (int)value[1];
    trace->weight = (int)value[3];
    return (int)value[2];
}

struct trace *trace_read(const char *path, char *error, size_t error_size)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        snprintf(error, error_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct trace *trace = trace_new(base, 0);
    char *live = NULL;
    const char *problem = "out of memory";
    char line[256];
    int line_no = 0, expected_ops = trace ? read_header(in, trace, &line_no) : 0;
    if (trace && expected_ops < 0)
        problem = "expected four header lines: heap size, ids, operations, weight";
    else if (trace && (live = calloc(trace->num_ids + 1, 1)) != NULL)
        problem = NULL;
    while (problem == NULL && fgets(line, sizeof line, in) != NULL) {
        line_no++;
        struct trace_op op;
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        if ((problem = parse_op(line, trace->num_ids, live, &op)) == NULL
            && trace_add(trace, op.kind, op.id, op.size) != 0)
            problem = "out of memory";
    }
    if (problem == NULL && trace->num_ops != expected_ops) {
        problem = "the number of operations differs from the header's";
        line_no = 3;
    }
    fclose(in);
    free(live);
    if (problem == NULL)
        return trace;
    snprintf(error, error_size, "%s:%d: %s", path, line_no, problem);
    trace_free(trace);
    return NULL;
}
