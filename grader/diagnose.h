// Turning tool output into feedback: the first Valgrind error, the first
// sanitizer report, or the threads' stacks of a hung test, cut down to the
// frames in the files a student knows.
#ifndef DIAGNOSE_H
#define DIAGNOSE_H

// Each returns a malloc'd text, or NULL when there is nothing to show.
// `files` are base names (mm.c); frames elsewhere are dropped, except the
// first frame of each stack (where it happened).

// The first error in one Valgrind log's text (modified).
char *diagnose_valgrind_text(char *text, char **files, int file_count);
// The first ThreadSanitizer, AddressSanitizer or UBSan report in one log's
// text (modified): its first line is "KIND at FILE:LINE in FUNCTION".
char *diagnose_sanitizer_text(char *text, char **files, int file_count);
// The first report `parse` finds in the logs named prefix* in run_dir.
char *diagnose_logs(const char *run_dir, const char *prefix,
                    char *(*parse)(char *text, char **files, int file_count), char **files,
                    int file_count);
// The files in dir whose names start with prefix, sorted (paths, caller frees).
int diagnose_list_logs(const char *dir, const char *prefix, char ***out);
// Every thread of a gdb `thread apply all bt`, only frames in `files`.
char *diagnose_stacks(const char *stacks_path, char **files, int file_count);
// The last `lines` lines of a text file, or NULL when empty.
char *diagnose_tail(const char *path, int lines);

#endif
