// Running untrusted code: one command, its own process tree, limits, and
// nothing of it left running afterwards.
#ifndef SANDBOX_H
#define SANDBOX_H

#include <sys/types.h>

struct sandbox_spec {
    char **argv;              // argv[0] is a path
    char **env;               // the whole environment of the command
    const char *cwd;
    const char **read_only;   // paths the command may read (NULL-terminated)
    const char **writable;    // paths it may also write (NULL-terminated)
    double wall_seconds;
    double cpu_seconds;
    long memory_mb;           // 0: no limit
    int memory_by_rss;        // watch resident size instead of RLIMIT_AS
    long open_files;          // RLIMIT_NOFILE (0: 256)
    long output_keep;         // bytes of stdout+stderr kept in output_path
    long output_max;          // the command is killed past this many bytes
    const char *output_path;
    const char *result_path;  // what it writes on fd 3 is kept here (NULL: no fd 3)
    const unsigned char *key; // readable on fd 4 from a pipe (NULL: no fd 4)
    int key_len;
    const char *stacks_path;  // on timeout, every thread's stack (gdb) goes here
    int no_aslr;              // run with address randomisation off
    int use_bwrap;            // run inside bubblewrap
    int max_processes;        // stop the run past this many descendants (0: no count);
                              // root is exempt from RLIMIT_NPROC, so it is counted here
    long tasks_before;        // set by the supervisor: the user's tasks at the start
};

struct sandbox_result {
    int started;              // 0: it could not be started at all
    int status;               // waitpid status of the command
    int timed_out;
    int memory_exceeded;
    int output_exceeded;
    int processes_exceeded;
    long output_bytes;
    double seconds;
    int leftovers;            // processes that had to be killed after it ended
};

// A run in progress: started by sandbox_start, finished by sandbox_finish.
struct sandbox_run {
    pid_t supervisor;
    int report_fd;
};

int sandbox_start(const struct sandbox_spec *spec, struct sandbox_run *run);
// Collect the result of a run whose supervisor has exited (status from
// waitpid); returns 0, or -1 if the supervisor itself failed.
int sandbox_finish(struct sandbox_run *run, int supervisor_status, struct sandbox_result *res);
// Start and wait.
int sandbox_exec(const struct sandbox_spec *spec, struct sandbox_result *res);

// Whether bubblewrap is installed and works here (probed once).
int sandbox_bwrap_works(void);

#endif
