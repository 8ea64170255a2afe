// The actors lab's demo: the key-value service under a chaos monkey that SIGKILLs a random worker every 200 ms.
//
//   make -C labs/actors demo [SECONDS=60] [SUBMISSION=...]
//
// The client adds to 16 counters as fast as the service answers, keeping
// its own tally of every add that was acknowledged.  Each answer must be
// that tally exactly: a lower value is a lost add, a higher one an add
// applied twice.  A live line shows requests served, restarts and latency.
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actor.h"

enum { KEYS = 16, SHARDS = 4, KILL_EVERY_MS = 200, BUCKETS = 64 };

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// Children of `parent` that lead a process group: the service's workers.
static int workers_of(pid_t parent, pid_t *out, int max)
{
    DIR *proc = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (proc && (e = readdir(proc)) != NULL && n < max) {
        char path[300], text[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = e->d_name[0] >= '0' && e->d_name[0] <= '9' ? fopen(path, "re") : NULL;
        if (!f)
            continue;
        size_t got = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[got] = '\0';
        char *paren = strrchr(text, ')'), state;
        int p, g;
        if (paren && sscanf(paren + 1, " %c %d %d", &state, &p, &g) == 3 && p == parent &&
            g == atoi(e->d_name) && state != 'Z')
            out[n++] = atoi(e->d_name);
    }
    if (proc)
        closedir(proc);
    return n;
}

// The monkey: a process of its own, so no request of the client waits for it.
static pid_t start_monkey(pid_t service)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    unsigned seed = (unsigned)getpid();
    for (;;) {
        struct timespec pause = {0, KILL_EVERY_MS * 1000000L};
        nanosleep(&pause, NULL);
        pid_t workers[SHARDS * 4];
        int n = workers_of(service, workers, SHARDS * 4);
        if (n > 0)
            kill(workers[rand_r(&seed) % (unsigned)n], SIGKILL);
    }
}

// Latency histogram on a quarter-octave grid: bucket b holds answers that
// took up to bound(b) microseconds.
static long histogram[BUCKETS];

static double bound(int b)
{
    return (double)(1L << (b / 4)) * (1 + (b % 4) / 4.0);
}

static void record(double ms)
{
    int b = 0;
    while (b < BUCKETS - 1 && bound(b) < ms * 1000)
        b++;
    histogram[b]++;
}

static double percentile(double p, long total)
{
    long want = (long)(p * total), seen = 0;
    for (int b = 0; b < BUCKETS; b++) {
        seen += histogram[b];
        if (seen > want)
            return bound(b) / 1000;
    }
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 10;
    struct service *s = service_start(SHARDS);
    if (!s) {
        fprintf(stderr, "service_start(%d) returned NULL: is the submission finished?\n", SHARDS);
        return 1;
    }
    printf("%d shards, a worker SIGKILLed every %d ms, for %.0f s; every answer checked\n", SHARDS,
           KILL_EVERY_MS, seconds);
    pid_t monkey = start_monkey(getpid());
    long expect[KEYS] = {0}, served = 0, wrong = 0, failed = 0;
    double start = now_ms(), next_line = start, worst = 0;
    while (now_ms() - start < seconds * 1000) {
        int k = (int)(served % KEYS);
        char key[16];
        snprintf(key, sizeof key, "counter%d", k);
        long value;
        double t0 = now_ms();
        if (service_add(s, key, 1, &value) != 0) {
            failed++;
            break;
        }
        double took = now_ms() - t0;
        record(took);
        worst = took > worst ? took : worst;
        served++;
        wrong += value != ++expect[k];
        if (now_ms() >= next_line) {
            printf("\r  %5.1f s  served %8ld  restarts %5d  latency p50 %.3f ms  p99 %.2f ms  "
                   "max %.1f ms  wrong %ld ", (now_ms() - start) / 1000, served,
                   service_restarts(s), percentile(0.5, served), percentile(0.99, served), worst,
                   wrong);
            fflush(stdout);
            next_line += 500;
        }
    }
    kill(monkey, SIGKILL);
    waitpid(monkey, NULL, 0);
    long lost = 0;
    for (int k = 0; k < KEYS && !failed; k++) {
        char key[16];
        snprintf(key, sizeof key, "counter%d", k);
        long value;
        if (service_get(s, key, &value) != 0 || value != expect[k])
            lost++;
    }
    printf("\n%ld requests served, %d restarts; %ld answers wrong, %ld counters off at the end%s\n",
           served, service_restarts(s), wrong, lost,
           failed ? "; the service gave up" : "");
    service_stop(s);
    if (wrong || lost || failed) {
        printf("acknowledged requests were lost or applied twice\n");
        return 1;
    }
    printf("no acknowledged request lost, none applied twice\n");
    return 0;
}
