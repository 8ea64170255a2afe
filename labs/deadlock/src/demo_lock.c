// The demos' locks and the watchdog that explains a hang (see demo_lock.h).
#define _GNU_SOURCE
#include "demo_lock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct demo_thread {
    const char *name;
    _Atomic(struct demo_mutex *) waiting_for;
    _Atomic(struct demo_mutex *) held[DEMO_MAX_HELD];
};

static struct demo_thread threads[DEMO_MAX_THREADS];
static atomic_int thread_count;
static _Thread_local int self = -1;
static atomic_long progress;

static struct {
    const char *unit;
    double quiet;
    const char *dot_path;
} watch;

void demo_mutex_init(struct demo_mutex *m, const char *name)
{
    pthread_mutex_init(&m->lock, NULL);
    m->name = name;
}

void demo_thread_register(const char *name)
{
    int i = atomic_fetch_add(&thread_count, 1);
    if (i >= DEMO_MAX_THREADS) {
        fprintf(stderr, "demo: more than %d threads\n", DEMO_MAX_THREADS);
        abort();
    }
    threads[i].name = name;
    self = i;
}

void demo_lock(struct demo_mutex *m)
{
    struct demo_thread *t = &threads[self];
    // Say what we wait for before we wait: if we never get it, the
    // watchdog reads it here.
    atomic_store(&t->waiting_for, m);
    pthread_mutex_lock(&m->lock);
    atomic_store(&t->waiting_for, NULL);
    for (int i = 0; i < DEMO_MAX_HELD; i++) {
        if (atomic_load(&t->held[i]) == NULL) {
            atomic_store(&t->held[i], m);
            return;
        }
    }
    fprintf(stderr, "demo: thread %s holds more than %d locks\n", t->name, DEMO_MAX_HELD);
    abort();
}

void demo_unlock(struct demo_mutex *m)
{
    struct demo_thread *t = &threads[self];
    for (int i = 0; i < DEMO_MAX_HELD; i++)
        if (atomic_load(&t->held[i]) == m)
            atomic_store(&t->held[i], NULL);
    pthread_mutex_unlock(&m->lock);
}

void demo_progress(void)
{
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

// The thread holding m, or -1.
static int owner_of(const struct demo_mutex *m)
{
    for (int i = 0; i < atomic_load(&thread_count); i++)
        for (int k = 0; k < DEMO_MAX_HELD; k++)
            if (atomic_load(&threads[i].held[k]) == m)
                return i;
    return -1;
}

// Who thread i waits for: the owner of the lock it waits for, or -1.
static int waits_for(int i)
{
    struct demo_mutex *m = atomic_load(&threads[i].waiting_for);
    return m ? owner_of(m) : -1;
}

static void print_thread(int i)
{
    struct demo_thread *t = &threads[i];
    printf("  thread %-13s holds", t->name);
    int any = 0;
    for (int k = 0; k < DEMO_MAX_HELD; k++) {
        struct demo_mutex *m = atomic_load(&t->held[k]);
        if (m) {
            printf("%s %s", any ? "," : "", m->name);
            any = 1;
        }
    }
    if (!any)
        printf(" nothing");
    struct demo_mutex *w = atomic_load(&t->waiting_for);
    int owner = waits_for(i);
    if (w && owner >= 0)
        printf(", waits for %s (held by %s)", w->name, threads[owner].name);
    else if (w)
        printf(", waits for %s (held by nobody: about to get it)", w->name);
    else
        printf(", waits for nothing");
    putchar('\n');
}

// Find a cycle in the wait-for graph.  Each thread waits for at most one
// lock, so following "waits for the owner of" from any thread either ends
// or loops; a loop is a deadlock.  Fills cycle[] and returns its length.
static int find_cycle(int *cycle)
{
    int n = atomic_load(&thread_count);
    for (int start = 0; start < n; start++) {
        int seen[DEMO_MAX_THREADS] = {0}, path[DEMO_MAX_THREADS], len = 0;
        for (int t = start; t >= 0 && !seen[t]; t = waits_for(t)) {
            seen[t] = 1;
            path[len++] = t;
            int next = waits_for(t);
            if (next >= 0 && seen[next]) {
                int from = 0;
                while (path[from] != next)
                    from++;
                for (int k = from; k < len; k++)
                    cycle[k - from] = path[k];
                return len - from;
            }
        }
    }
    return 0;
}

static int on_cycle(int thread, const int *cycle, int len)
{
    for (int k = 0; k < len; k++)
        if (cycle[k] == thread)
            return 1;
    return 0;
}

// The wait-for graph for Graphviz: threads as ellipses, locks as boxes,
// "holds" and "waits for" edges; the cycle in red.
static void write_dot(const int *cycle, int len)
{
    FILE *f = fopen(watch.dot_path, "w");
    if (!f) {
        perror(watch.dot_path);
        return;
    }
    // circo lays a cycle out as a circle.
    fprintf(f, "digraph wait_for {\n  layout=circo;\n  node [fontname=\"Helvetica\"];\n"
               "  edge [fontname=\"Helvetica\"];\n");
    for (int i = 0; i < atomic_load(&thread_count); i++) {
        struct demo_thread *t = &threads[i];
        const char *colour = on_cycle(i, cycle, len) ? "red" : "black";
        fprintf(f, "  \"%s\" [shape=ellipse, color=%s];\n", t->name, colour);
        for (int k = 0; k < DEMO_MAX_HELD; k++) {
            struct demo_mutex *m = atomic_load(&t->held[k]);
            if (m)
                fprintf(f, "  \"%s\" [shape=box];\n  \"%s\" -> \"%s\" [label=\"held by\", color=%s];\n",
                        m->name, m->name, t->name, colour);
        }
        struct demo_mutex *w = atomic_load(&t->waiting_for);
        if (w)
            fprintf(f, "  \"%s\" [shape=box];\n  \"%s\" -> \"%s\" [label=\"waits for\", style=dashed, color=%s];\n",
                    w->name, t->name, w->name, colour);
    }
    fprintf(f, "}\n");
    fclose(f);
}

static void explain_hang(void)
{
    int n = atomic_load(&thread_count), cycle[DEMO_MAX_THREADS];
    printf("\nno %s for %.0f s: the program is stuck.  Each thread, what it holds and what "
           "it waits for:\n\n", watch.unit, watch.quiet);
    for (int i = 0; i < n; i++)
        print_thread(i);
    int len = find_cycle(cycle);
    if (len > 0) {
        printf("\ndeadlock: a cycle of %d threads, each waiting for a lock the next one holds:\n  ",
               len);
        for (int k = 0; k < len; k++)
            printf("%s -> %s -> ", threads[cycle[k]].name,
                   atomic_load(&threads[cycle[k]].waiting_for)->name);
        printf("%s\n", threads[cycle[0]].name);
    } else {
        printf("\nno cycle in the wait-for graph: slow, or waiting for something else\n");
    }
    write_dot(cycle, len);
    printf("\nwait-for graph: %s", watch.dot_path);
    // x.dot -> x.svg
    char svg[512], command[1200];
    size_t stem = strlen(watch.dot_path);
    if (stem > 4 && strcmp(watch.dot_path + stem - 4, ".dot") == 0)
        stem -= 4;
    snprintf(svg, sizeof svg, "%.*s.svg", (int)stem, watch.dot_path);
    snprintf(command, sizeof command,
             "command -v dot >/dev/null 2>&1 && dot -Tsvg '%s' -o '%s'", watch.dot_path, svg);
    if (system(command) == 0)
        printf(" and %s", svg);
    else
        printf(" (install Graphviz, package graphviz, to get an .svg: dot -Tsvg)");
    printf("\n");
    fflush(stdout);
}

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

// Check for progress ten times a second; report once a second.
static void *watchdog(void *arg)
{
    (void)arg;
    long last = -1;
    int still = 0, tick = 0;
    for (;;) {
        sleep_seconds(0.1);
        long now = atomic_load(&progress);
        still = now == last ? still + 1 : 0;
        last = now;
        if (++tick % 10 == 0) {
            printf("%4d s: %ld %s\n", tick / 10, now, watch.unit);
            fflush(stdout);
        }
        if (still >= (int)(watch.quiet * 10)) {
            explain_hang();
            _exit(2); // the other threads will never finish
        }
        if (tick >= 600) {
            printf("no deadlock in 60 s this time (it is a matter of timing): run it again\n");
            exit(0);
        }
    }
    return NULL;
}

void demo_watchdog_start(const char *unit, double quiet, const char *dot_path)
{
    watch.unit = unit;
    watch.quiet = quiet;
    watch.dot_path = dot_path;
    pthread_t t;
    if (pthread_create(&t, NULL, watchdog, NULL) != 0) {
        perror("pthread_create");
        exit(1);
    }
    pthread_detach(t);
}
