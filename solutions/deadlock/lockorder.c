// Task 3: a lock-order checker, in the manner of lockdep: report an order of
// locking that can deadlock, on a run where it did not.
//
// The graph has one node per lock and an edge A -> B when some thread locked
// B while holding A.  It is an adjacency matrix: with at most LO_MAX_LOCKS
// locks that is small, and testing an edge is one load.  One checker lock
// guards it; each thread keeps its own list of held locks, so that list
// needs no lock at all.
#include <stdlib.h>
#include <string.h>

#include "lockorder.h"

struct edge_seen {
    const char *file; // NULL: no edge
    int line;
};

static lk_mutex_t graph_lock = LK_MUTEX_INITIALIZER("lockorder graph");
static struct lo_mutex *locks[LO_MAX_LOCKS];
static struct edge_seen edges[LO_MAX_LOCKS][LO_MAX_LOCKS];
static int lock_count;
static lo_reporter reporter;
static void *reporter_arg;

static _Thread_local struct lo_mutex *held[LO_MAX_HELD];
static _Thread_local int held_count;

static void panic(const char *what, const struct lo_mutex *m)
{
    fprintf(stderr, "lock-order checker: %s (lock %s)\n", what, m->name ? m->name : "?");
    abort();
}

void lo_set_reporter(lo_reporter fn, void *arg)
{
    lk_mutex_lock(&graph_lock);
    reporter = fn;
    reporter_arg = arg;
    lk_mutex_unlock(&graph_lock);
}

void lo_reset(void)
{
    lk_mutex_lock(&graph_lock);
    memset(locks, 0, sizeof locks);
    memset(edges, 0, sizeof edges);
    lock_count = 0;
    reporter = NULL;
    reporter_arg = NULL;
    lk_mutex_unlock(&graph_lock);
    held_count = 0;
}

void lo_mutex_init(struct lo_mutex *m, const char *name)
{
    lk_mutex_init(&m->lock, name);
    m->name = name;
    lk_mutex_lock(&graph_lock);
    m->id = lock_count < LO_MAX_LOCKS ? lock_count++ : -1;
    if (m->id >= 0)
        locks[m->id] = m;
    lk_mutex_unlock(&graph_lock);
    if (m->id < 0)
        fprintf(stderr, "lock-order checker: more than %d locks, %s is not checked\n",
                LO_MAX_LOCKS, name);
}

// Forget the lock's edges too: a later lock at the same address is a new lock,
// and a report must never name a lock that is gone.
void lo_mutex_destroy(struct lo_mutex *m)
{
    if (m->id >= 0) {
        lk_mutex_lock(&graph_lock);
        for (int i = 0; i < LO_MAX_LOCKS; i++) {
            edges[m->id][i].file = NULL;
            edges[i][m->id].file = NULL;
        }
        locks[m->id] = NULL;
        lk_mutex_unlock(&graph_lock);
    }
    lk_mutex_destroy(&m->lock);
}

// Breadth-first search for a path of edges from start to goal.  Fills path
// with the ids on it, start first and goal last, and returns how many; 0 if
// there is none.  Breadth first, so a report shows the shortest cycle.
static int find_path(int start, int goal, int *path)
{
    int parent[LO_MAX_LOCKS], queue[LO_MAX_LOCKS];
    int head = 0, tail = 0;
    for (int i = 0; i < lock_count; i++)
        parent[i] = -2;
    parent[start] = -1;
    queue[tail++] = start;
    while (head < tail) {
        int v = queue[head++];
        if (v == goal) {
            int n = 0;
            for (int w = v; w != -1; w = parent[w])
                path[n++] = w;
            for (int i = 0; i < n / 2; i++) {
                int swap = path[i];
                path[i] = path[n - 1 - i];
                path[n - 1 - i] = swap;
            }
            return n;
        }
        for (int w = 0; w < lock_count; w++) {
            if (edges[v][w].file && parent[w] == -2) {
                parent[w] = v;
                queue[tail++] = w;
            }
        }
    }
    return 0;
}

static struct lo_edge edge_at(int from, int to)
{
    struct lo_edge e = {locks[from], locks[to], edges[from][to].file, edges[from][to].line};
    return e;
}

// Add the edge from -> to if it is new, and report the cycle it closes, if
// any.  An edge already in the graph was checked when it was added, so each
// cycle is reported once.  Called with graph_lock held.
static void add_edge(int from, int to, const char *file, int line)
{
    if (edges[from][to].file)
        return;
    edges[from][to].file = file;
    edges[from][to].line = line;

    int path[LO_MAX_LOCKS];
    int n = find_path(to, from, path);
    if (n == 0)
        return;
    // The new edge, then the path back from `to` to `from`: n edges in all.
    struct lo_cycle cycle;
    cycle.length = n;
    cycle.edge[0] = edge_at(from, to);
    for (int i = 0; i + 1 < n; i++)
        cycle.edge[i + 1] = edge_at(path[i], path[i + 1]);
    if (reporter)
        reporter(&cycle, reporter_arg);
    else
        lo_print_cycle(stderr, &cycle);
}

static void hold(struct lo_mutex *m)
{
    if (held_count == LO_MAX_HELD)
        panic("a thread holds more than LO_MAX_HELD locks", m);
    held[held_count++] = m;
}

void lo_mutex_lock_at(struct lo_mutex *m, const char *file, int line)
{
    // Record and check the order before waiting for the lock, so an order
    // that deadlocks on this very run is still reported.
    if (m->id >= 0 && held_count > 0) {
        lk_mutex_lock(&graph_lock);
        for (int i = 0; i < held_count; i++)
            if (held[i]->id >= 0)
                add_edge(held[i]->id, m->id, file, line);
        lk_mutex_unlock(&graph_lock);
    }
    lk_mutex_lock(&m->lock);
    hold(m);
}

int lo_mutex_trylock_at(struct lo_mutex *m, const char *file, int line)
{
    (void)file;
    (void)line;
    if (lk_mutex_trylock(&m->lock) != 0)
        return -1;
    hold(m);
    return 0;
}

void lo_mutex_unlock(struct lo_mutex *m)
{
    // Search from the most recent: locks are most often released in
    // reverse order, but any order is allowed.
    int i = held_count - 1;
    while (i >= 0 && held[i] != m)
        i--;
    if (i < 0)
        panic("unlock of a lock this thread does not hold", m);
    memmove(&held[i], &held[i + 1], (size_t)(held_count - 1 - i) * sizeof held[0]);
    held_count--;
    lk_mutex_unlock(&m->lock);
}
