// Running untrusted code.
//
// Each run has a supervisor: a process forked from the grader that makes
// itself a "child subreaper" (prctl), so every process the command starts,
// even one that double-forks or calls setsid() to get away, stays its
// descendant.  The supervisor enforces the wall-clock, memory and output
// limits, saves the threads' stacks of a run that timed out, kills every
// descendant when the command ends, and reports a struct sandbox_result to
// the grader through a pipe.  Limits the kernel can enforce are set with
// setrlimit in the command's process; bubblewrap, where it works, adds
// namespaces: no network, a read-only view of the system, a private /tmp,
// and only the paths the run needs.
#define _GNU_SOURCE
#include "sandbox.h"

#include "guard.h"

#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_PROCS = 1 << 17, RESULT_MAX = 1 << 20 };

struct proc_entry {
    pid_t pid;
    pid_t parent;
};

// Every process on the machine with its parent, from /proc.
static int list_processes(struct proc_entry *out, int max)
{
    DIR *proc = opendir("/proc");
    int count = 0;
    if (!proc)
        return 0;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL && count < max) {
        char path[300], text[512];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n <= 0)
            continue;
        text[n] = '\0';
        // The command name may hold spaces and parentheses: parse after the last ')'.
        char *close_paren = strrchr(text, ')');
        char state;
        int parent;
        if (!close_paren || sscanf(close_paren + 1, " %c %d", &state, &parent) != 2)
            continue;
        out[count].pid = atoi(e->d_name);
        out[count].parent = parent;
        count++;
    }
    closedir(proc);
    return count;
}

// The descendants of root (not root itself); returns how many.
static int descendants(pid_t root, pid_t *out, int max)
{
    static struct proc_entry all[MAX_PROCS];
    static pid_t frontier[MAX_PROCS];
    int total = list_processes(all, MAX_PROCS), found = 0;
    int head = 0, tail = 0;
    frontier[tail++] = root;
    while (head < tail && found < max) {
        pid_t p = frontier[head++];
        for (int i = 0; i < total && found < max; i++) {
            if (all[i].parent == p && all[i].pid != root) {
                out[found++] = all[i].pid;
                if (tail < MAX_PROCS)
                    frontier[tail++] = all[i].pid;
            }
        }
    }
    return found;
}

static long resident_bytes(const pid_t *pids, int count)
{
    long total = 0, page = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < count; i++) {
        char path[64];
        long size = 0, resident = 0;
        snprintf(path, sizeof path, "/proc/%d/statm", (int)pids[i]);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        if (fscanf(f, "%ld %ld", &size, &resident) == 2)
            total += resident * page;
        fclose(f);
    }
    return total;
}

// Kill every descendant of this supervisor and reap them; returns how many
// had to be killed.
static int kill_tree(void)
{
    static pid_t pids[MAX_PROCS];
    int killed = 0;
    for (int round = 0; round < 200; round++) {
        int n = descendants(getpid(), pids, MAX_PROCS);
        // Parents first: killing bubblewrap's init ends its whole PID namespace.
        for (int i = 0; i < n; i++)
            kill(pids[i], SIGKILL);
        killed += n;
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (n == 0)
            break;
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    return killed;
}

// The lowest-numbered child of a process, or 0.
static pid_t first_child(pid_t parent)
{
    static struct proc_entry all[MAX_PROCS];
    int n = list_processes(all, MAX_PROCS);
    pid_t best = 0;
    for (int i = 0; i < n; i++)
        if (all[i].parent == parent && (best == 0 || all[i].pid < best))
            best = all[i].pid;
    return best;
}

static int is_bwrap(pid_t pid)
{
    char path[64], name[32] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    if (f) {
        if (!fgets(name, sizeof name, f))
            name[0] = '\0';
        fclose(f);
    }
    return strncmp(name, "bwrap", 5) == 0;
}

// The test's own process: below bubblewrap, the runner's first child (Check
// forks one per test), or the runner itself when it does not fork.
static pid_t test_process(pid_t target)
{
    pid_t runner = target;
    while (runner && is_bwrap(runner))
        runner = first_child(runner);
    pid_t test = runner ? first_child(runner) : 0;
    return test ? test : runner;
}

// Attach gdb to the test's process and save every thread's backtrace.
static void dump_stacks(pid_t target, const char *path)
{
    pid_t leaves[1] = {test_process(target)};
    int n = leaves[0] > 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    for (int i = 0; i < n; i++) {
        char pid_text[32];
        snprintf(pid_text, sizeof pid_text, "%d", (int)leaves[i]);
        dprintf(fd, "=== process %s\n", pid_text);
        pid_t gdb = fork();
        if (gdb == 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            execlp("gdb", "gdb", "-batch", "-nx", "-p", pid_text, "-ex", "set pagination off",
                   "-ex", "thread apply all bt", (char *)NULL);
            dprintf(2, "gdb is not installed: no thread stacks (apt-get install gdb)\n");
            _exit(127);
        }
        double give_up = now_seconds() + 20;
        int status;
        while (gdb > 0 && waitpid(gdb, &status, WNOHANG) == 0) {
            if (now_seconds() > give_up) {
                kill(gdb, SIGKILL);
                waitpid(gdb, &status, 0);
                break;
            }
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    close(fd);
}

static void add_arg(char ***argv, int *count, const char *arg)
{
    *argv = xrealloc(*argv, sizeof **argv * (size_t)(*count + 2));
    (*argv)[(*count)++] = (char *)arg;
    (*argv)[*count] = NULL;
}

// bubblewrap's arguments for this run, then the command itself.
static char **bwrap_argv(const struct sandbox_spec *spec)
{
    static const char *system_dirs[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
    static const char *etc_files[] = {"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                                      "/etc/alternatives"};
    char **argv = NULL;
    int n = 0;
    const char *fixed[] = {"bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                           "--cap-drop", "ALL", "--ro-bind", "/usr", "/usr", "--proc", "/proc",
                           "--dev", "/dev", "--tmpfs", "/tmp"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        add_arg(&argv, &n, fixed[i]);
    for (size_t i = 0; i < sizeof system_dirs / sizeof *system_dirs; i++) {
        struct stat st;
        char target[256];
        if (lstat(system_dirs[i], &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            ssize_t len = readlink(system_dirs[i], target, sizeof target - 1);
            if (len <= 0)
                continue;
            target[len] = '\0';
            add_arg(&argv, &n, "--symlink");
            add_arg(&argv, &n, xstrdup(target));
        } else {
            add_arg(&argv, &n, "--ro-bind");
            add_arg(&argv, &n, system_dirs[i]);
        }
        add_arg(&argv, &n, system_dirs[i]);
    }
    for (size_t i = 0; i < sizeof etc_files / sizeof *etc_files; i++) {
        add_arg(&argv, &n, "--ro-bind-try");
        add_arg(&argv, &n, etc_files[i]);
        add_arg(&argv, &n, etc_files[i]);
    }
    for (const char **p = spec->read_only; p && *p; p++) {
        add_arg(&argv, &n, "--ro-bind");
        add_arg(&argv, &n, *p);
        add_arg(&argv, &n, *p);
    }
    for (const char **p = spec->writable; p && *p; p++) {
        add_arg(&argv, &n, "--bind");
        add_arg(&argv, &n, *p);
        add_arg(&argv, &n, *p);
    }
    add_arg(&argv, &n, "--chdir");
    add_arg(&argv, &n, spec->cwd);
    add_arg(&argv, &n, "--");
    for (char **p = spec->argv; *p; p++)
        add_arg(&argv, &n, *p);
    return argv;
}

// Tasks (threads included) the kernel counts against this user's
// RLIMIT_NPROC: every task of the real user id.
static long user_tasks(void)
{
    static struct proc_entry all[MAX_PROCS];
    int n = list_processes(all, MAX_PROCS);
    long tasks = 0;
    uid_t me = getuid();
    for (int i = 0; i < n; i++) {
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%d/task", (int)all[i].pid);
        if (stat(path, &st) == 0 && st.st_uid == me)
            tasks += st.st_nlink > 2 ? (long)st.st_nlink - 2 : 1;
    }
    return tasks;
}

static void set_limit(int resource, rlim_t value)
{
    struct rlimit r = {value, value};
    setrlimit(resource, &r);
}

// In the command's process: limits, file descriptors, then exec.  Never returns.
static void exec_command(const struct sandbox_spec *spec, int out_fd, int result_fd)
{
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    // Move our pipes out of the way before placing them at 1, 2 and 3.
    int out = fcntl(out_fd, F_DUPFD, 100);
    int res = result_fd >= 0 ? fcntl(result_fd, F_DUPFD, 100) : -1;
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (res >= 0)
        dup2(res, 3);
    else
        close(3);
    guard_key_on_fd4(spec->key, spec->key_len);
    for (int fd = 5; fd < 1024; fd++)
        close(fd);
    // Allocate before the limits: a sanitized grader's allocator maps big areas.
    char **argv = spec->use_bwrap ? bwrap_argv(spec) : spec->argv;
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_CPU, (rlim_t)(spec->cpu_seconds + 1));
    set_limit(RLIMIT_FSIZE, 64ul << 20);
    set_limit(RLIMIT_NOFILE, (rlim_t)(spec->open_files > 0 ? spec->open_files : 256));
    // 8 MiB, the usual default: glibc also gives each new thread a stack of
    // this size, so a larger one would let few threads fit under RLIMIT_AS.
    set_limit(RLIMIT_STACK, 8ul << 20);
    // A fork loop stops at a few hundred processes.  (Root is exempt from this
    // limit unless bubblewrap dropped its capabilities, as it does here.)
    set_limit(RLIMIT_NPROC, (rlim_t)(spec->tasks_before + 512));
    if (spec->memory_mb > 0 && !spec->memory_by_rss)
        set_limit(RLIMIT_AS, (rlim_t)spec->memory_mb << 20);
    if (spec->no_aslr)
        personality(ADDR_NO_RANDOMIZE);
    if (chdir(spec->cwd) != 0) {
        dprintf(2, "labgrade: cannot enter %s: %s\n", spec->cwd, strerror(errno));
        _exit(127);
    }
    execvpe(argv[0], argv, spec->env);
    dprintf(2, "labgrade: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static volatile sig_atomic_t stop_requested;

static void request_stop(int signo)
{
    (void)signo;
    stop_requested = 1;
}

struct pipe_sink {
    int fd;          // read end, -1 at EOF
    int file;        // where the kept bytes go
    long kept;
    long keep;
    long total;
};

static void drain(struct pipe_sink *s)
{
    char chunk[65536];
    ssize_t n = read(s->fd, chunk, sizeof chunk);
    if (n <= 0) {
        if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            close(s->fd);
            s->fd = -1;
        }
        return;
    }
    s->total += n;
    long room = s->keep - s->kept;
    if (room > 0 && s->file >= 0) {
        long take = n < room ? n : room;
        if (write(s->file, chunk, (size_t)take) == take)
            s->kept += take;
    }
}

static int open_sink(struct pipe_sink *s, int fd, const char *path, long keep)
{
    s->fd = fd;
    s->kept = s->total = 0;
    s->keep = keep;
    s->file = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    return s->file;
}

// Whether this supervisor has more than `limit` descendants (zombies count:
// they hold a process slot until reaped).
static int too_many_processes(int limit)
{
    static pid_t tree[MAX_PROCS];
    return descendants(getpid(), tree, limit + 1) > limit;
}

// The supervisor's watch over one command.
// Wait for the target while copying its output: until it ends (and its pipes
// drain), or a limit is crossed, or the grader is told to stop.  Returns
// whether the target was reaped.
static int watch(const struct sandbox_spec *spec, pid_t target, double start,
                 struct pipe_sink sinks[2], struct sandbox_result *res)
{
    int done = 0;
    double drain_until = 0;
    for (int ticks = 0;; ticks++) {
        struct pollfd fds[2] = {{sinks[0].fd, POLLIN, 0}, {sinks[1].fd, POLLIN, 0}};
        // A fork loop makes hundreds of processes in 50 ms: look more often.
        if (poll(fds, 2, spec->max_processes > 0 ? 10 : 50) > 0) {
            for (int i = 0; i < 2; i++)
                if (sinks[i].fd >= 0 && fds[i].revents)
                    drain(&sinks[i]);
        }
        double now = now_seconds();
        if (!done && waitpid(target, &res->status, WNOHANG) == target) {
            done = 1;
            res->seconds = now - start;
            drain_until = now + 0.5;
        }
        if (done && ((sinks[0].fd < 0 && sinks[1].fd < 0) || now > drain_until))
            return done;
        if (sinks[0].total > spec->output_max) {
            res->output_exceeded = 1;
            return done;
        }
        if (stop_requested)
            return done;
        if (!done && spec->max_processes > 0 && too_many_processes(spec->max_processes)) {
            res->processes_exceeded = 1;
            return done;
        }
        if (!done && now - start > spec->wall_seconds) {
            res->timed_out = 1;
            if (spec->stacks_path)
                dump_stacks(target, spec->stacks_path);
            return done;
        }
        if (!done && spec->memory_by_rss && spec->memory_mb > 0 && ticks % 4 == 0) {
            static pid_t tree[MAX_PROCS];
            int n = descendants(getpid(), tree, MAX_PROCS);
            if (resident_bytes(tree, n) > (spec->memory_mb << 20)) {
                res->memory_exceeded = 1;
                return done;
            }
        }
    }
}

// Copy what is left in the pipes (unless the output was too much) and close them.
static void close_sinks(struct pipe_sink sinks[2], int keep_draining)
{
    for (int i = 0; i < 2; i++) {
        if (sinks[i].fd >= 0 && keep_draining)
            while (sinks[i].fd >= 0)
                drain(&sinks[i]);
        if (sinks[i].fd >= 0)
            close(sinks[i].fd);
        if (sinks[i].file >= 0)
            close(sinks[i].file);
    }
}

static void supervise(const struct sandbox_spec *spec, int report_fd)
{
    struct sandbox_result res = {0};
    int out_pipe[2], result_pipe[2] = {-1, -1};
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    signal(SIGTERM, request_stop);
    signal(SIGINT, request_stop);
    signal(SIGHUP, request_stop);
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || (spec->result_path && pipe2(result_pipe, O_CLOEXEC) != 0))
        goto report;
    double start = now_seconds();
    ((struct sandbox_spec *)spec)->tasks_before = user_tasks();
    pid_t target = fork();
    if (target == 0)
        exec_command(spec, out_pipe[1], result_pipe[1]);
    close(out_pipe[1]);
    if (result_pipe[1] >= 0)
        close(result_pipe[1]);
    if (target < 0)
        goto report;
    res.started = 1;
    struct pipe_sink sinks[2];
    open_sink(&sinks[0], out_pipe[0], spec->output_path, spec->output_keep);
    open_sink(&sinks[1], result_pipe[0], spec->result_path, RESULT_MAX);
    if (!watch(spec, target, start, sinks, &res)) {
        kill(target, SIGKILL);
        waitpid(target, &res.status, 0);
        res.seconds = now_seconds() - start;
    }
    res.leftovers = kill_tree();
    close_sinks(sinks, !res.output_exceeded);
    res.output_bytes = sinks[0].total;
report:
    if (write(report_fd, &res, sizeof res) != (ssize_t)sizeof res)
        _exit(1);
    _exit(0);
}

int sandbox_start(const struct sandbox_spec *spec, struct sandbox_run *run)
{
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0) {
        close(report[0]);
        supervise(spec, report[1]);
    }
    close(report[1]);
    run->supervisor = pid;
    run->report_fd = report[0];
    return 0;
}

int sandbox_finish(struct sandbox_run *run, int supervisor_status, struct sandbox_result *res)
{
    memset(res, 0, sizeof *res);
    ssize_t n = read(run->report_fd, res, sizeof *res);
    close(run->report_fd);
    run->report_fd = -1;
    if (n != (ssize_t)sizeof *res || !WIFEXITED(supervisor_status)) {
        memset(res, 0, sizeof *res);
        return -1;
    }
    return 0;
}

int sandbox_exec(const struct sandbox_spec *spec, struct sandbox_result *res)
{
    struct sandbox_run run;
    int status = 0;
    if (sandbox_start(spec, &run) != 0)
        return -1;
    while (waitpid(run.supervisor, &status, 0) < 0 && errno == EINTR)
        ;
    return sandbox_finish(&run, status, res);
}

int sandbox_bwrap_works(void)
{
    static int known = -1;
    if (known >= 0)
        return known;
    char *argv[] = {"true", NULL};
    char *env[] = {"PATH=/usr/bin:/bin", NULL};
    const char *none[] = {NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env, .cwd = "/", .read_only = none, .writable = none,
        .wall_seconds = 10, .cpu_seconds = 10, .output_keep = 0, .output_max = 1 << 20,
        .use_bwrap = 1,
    };
    struct sandbox_result res;
    known = sandbox_exec(&spec, &res) == 0 && res.started && WIFEXITED(res.status) &&
            WEXITSTATUS(res.status) == 0;
    return known;
}
