// Plan D, isolated processes: mailboxes and "let it crash" supervision.
//
// A worker is a separate process that shares no memory with anyone.  Its
// mailbox is a pipe: the only way to reach it is to send it a message, which
// is copied.  The worker handles only the good case; a bad message makes it
// crash.  The supervisor notices the death, starts a fresh worker, and goes
// on; it gives up only if workers die too often.
//
//   cc -std=gnu11 -O2 -Wall -Wextra supervisor.c -o supervisor
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_RESTARTS = 3 };

struct request {
    long dividend, divisor;
};

struct worker {
    pid_t pid;
    int mailbox; // write end: requests go in here
    int replies; // read end: answers come out here
};

// The worker's whole life: take a message, answer it, repeat.  No error
// handling: a divisor of 0 is a bug in the sender, and the worker dies.
static void worker_loop(int mailbox, int replies)
{
    struct request r;
    while (read(mailbox, &r, sizeof r) == sizeof r) {
        if (r.divisor == 0)
            abort(); // let it crash
        long answer = r.dividend / r.divisor;
        if (write(replies, &answer, sizeof answer) != sizeof answer)
            break;
    }
    _exit(0);
}

static int worker_start(struct worker *w)
{
    int to_worker[2], from_worker[2];
    if (pipe(to_worker) < 0 || pipe(from_worker) < 0)
        return -1;
    fflush(NULL); // or the child would inherit, and might print, our unwritten output
    w->pid = fork();
    if (w->pid < 0)
        return -1;
    if (w->pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core); // a crash here is expected: no core file
        close(to_worker[1]);
        close(from_worker[0]);
        worker_loop(to_worker[0], from_worker[1]);
    }
    close(to_worker[0]);
    close(from_worker[1]);
    w->mailbox = to_worker[1];
    w->replies = from_worker[0];
    return 0;
}

// Close the mailbox and collect the worker's exit; say how it ended.
static void worker_reap(struct worker *w, const char *why)
{
    int status;
    close(w->mailbox);
    close(w->replies);
    waitpid(w->pid, &status, 0);
    if (WIFSIGNALED(status))
        printf("  supervisor: worker %d died (%s) %s\n", (int)w->pid,
               strsignal(WTERMSIG(status)), why);
}

// Ask the worker; on its death, restart it and move on to the next request.
static int call(struct worker *w, struct request r, long *answer, int *restarts)
{
    if (write(w->mailbox, &r, sizeof r) == sizeof r &&
        read(w->replies, answer, sizeof *answer) == sizeof *answer)
        return 0;
    worker_reap(w, "on that message; restarting it");
    if (++*restarts > MAX_RESTARTS || worker_start(w) < 0)
        return -2;
    return -1;
}

int main(void)
{
    struct request requests[] = {{84, 2}, {10, 0}, {99, 3}, {1, 0}, {1000, 10}};
    struct worker w;
    int restarts = 0, answered = 0;
    signal(SIGPIPE, SIG_IGN); // writing to a dead worker's mailbox: an error, not a signal
    if (worker_start(&w) < 0)
        return 1;
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        struct request r = requests[i];
        long answer;
        printf("%ld / %ld\n", r.dividend, r.divisor);
        int rc = call(&w, r, &answer, &restarts);
        if (rc == 0) {
            printf("  = %ld\n", answer);
            answered++;
        } else if (rc == -2) {
            printf("  supervisor: too many crashes, giving up\n");
            return 1;
        }
    }
    worker_reap(&w, "at shutdown");
    printf("%d answers, %d restarts; the service outlived both bad messages\n", answered,
           restarts);
    return answered == 3 && restarts == 2 ? 0 : 1;
}
