// Writes the lab's .rep traces: `gentraces DIR` (re)creates DIR/NAME.rep.
//
// The traces are a pure function of the table below (kind, seed, length) and
// of tracegen.c, so `make traces` gives the same files on every machine, and
// `make check-traces` proves that the committed files are exactly these.
#include "tracegen.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *kind;
    uint64_t seed;
    int num_ops;
} lab_traces[] = {
    // Scoring traces: realistic mixes, a few thousand operations each.
    {"tree", "tree", 101, 3600},
    {"realloc", "realloc", 102, 3600},
    {"small", "small", 103, 3600},
    {"coalesce", "coalesce", 104, 3600},
    {"phases", "phases", 105, 3600},
    {"mixed", "random", 106, 3600},
    // Short traces for the public tests: a failure here is easy to follow.
    {"short-tree", "tree", 201, 40},
    {"short-realloc", "realloc", 202, 40},
    {"short-coalesce", "coalesce", 203, 150},
    {"random-1", "random", 301, 400},
    {"random-2", "random", 302, 400},
    {"random-3", "small", 303, 400},
    {"random-4", "phases", 304, 600},
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof lab_traces / sizeof lab_traces[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.rep", argv[1], lab_traces[i].name);
        struct trace *trace = tracegen_make(lab_traces[i].kind, lab_traces[i].seed,
                                            lab_traces[i].num_ops);
        FILE *out = trace ? fopen(path, "w") : NULL;
        if (out == NULL) {
            fprintf(stderr, "gentraces: cannot make %s\n", path);
            trace_free(trace);
            return 1;
        }
        snprintf(trace->name, sizeof trace->name, "%s.rep", lab_traces[i].name);
        int failed = trace_write(trace, out) != 0;
        failed |= fclose(out) != 0;
        trace_free(trace);
        if (failed) {
            fprintf(stderr, "gentraces: cannot write %s\n", path);
            return 1;
        }
    }
    return 0;
}
