// What a compiled submission defines and uses, read from its ELF object
// files, and the lab's policy on it (the symbol allow-list).
#ifndef SYMBOLS_H
#define SYMBOLS_H

#include "util.h"

struct symbols {
    char **defined;       // global and weak symbols the object defines
    int defined_count;
    char **undefined;     // symbols it uses but does not define
    int undefined_count;
    char **sections;
    int section_count;
};

// Read an ELF64 relocatable object.  Returns -1 with a reason if it is not one.
int symbols_read(const char *path, struct symbols *out, struct buf *err);
void symbols_free(struct symbols *s);
int symbols_has(char **names, int count, const char *name);

// Check one submitted object against the lab's rules:
//   - every symbol it uses is defined by the submission or the lab's own
//     files (`provided`), or matches a glob in `allow`;
//   - it defines no `main`, nothing the lab's files or tests define
//     (`reserved`), nothing from Check or the C library;
//   - it has no constructors or destructors.
// `file` is the source's path: a forbidden call is named with its line.
// Returns the number of violations, each described on a line of `why`.
int symbols_check(const char *file, const struct symbols *object, const struct symbols *submission,
                  const struct symbols *provided, const struct symbols *reserved,
                  char **allow, int allow_count, char **deny, int deny_count,
                  struct buf *why);

#endif
