// Turning tool output into feedback: the first Valgrind error, the first
// ThreadSanitizer report, or the threads' stacks of a hung test, cut down to
// the frames in the files a student knows.
#ifndef DIAGNOSE_H
#define DIAGNOSE_H

// Each returns a malloc'd text, or NULL when there is nothing to show.
// `files` are base names (mm.c); frames elsewhere are dropped, except the
// first frame of each stack (where it happened).

// The first error in the Valgrind logs (valgrind.<pid>.log) in run_dir.
char *diagnose_valgrind(const char *run_dir, char **files, int file_count);
// The first report in the TSan logs (tsan.<pid>) in run_dir.
char *diagnose_tsan(const char *run_dir, char **files, int file_count);
// Every thread of a gdb `thread apply all bt`, only frames in `files`.
char *diagnose_stacks(const char *stacks_path, char **files, int file_count);
// The last `lines` lines of a text file, or NULL when empty.
char *diagnose_tail(const char *path, int lines);

#endif
