// Plan D, immutable data: a persistent search tree shared without locks.
//
// A node never changes after it is built.  Inserting copies only the path
// from the root to the new leaf and shares every other node with the old
// tree, so each version stays whole and usable.  A writer publishes new
// versions through one atomic pointer; readers take whichever version is
// current and walk it with no lock, since nobody will ever change it.
//
//   cc -std=gnu11 -O2 -Wall -Wextra -pthread persistent.c -o persistent
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct node {
    int key;
    const struct node *left, *right;
};

// Every node ever made, so they can be freed at the end.  (A language with a
// garbage collector frees a version when no one can reach it any more.)
static struct node **made;
static size_t made_count, made_cap;

static const struct node *make_node(int key, const struct node *left, const struct node *right)
{
    if (made_count == made_cap) {
        made_cap = made_cap ? 2 * made_cap : 1024;
        made = realloc(made, made_cap * sizeof *made);
        if (!made)
            abort();
    }
    struct node *n = malloc(sizeof *n);
    if (!n)
        abort();
    *n = (struct node){key, left, right};
    return made[made_count++] = n;
}

// Return a new tree holding key as well; `t` itself is left as it was.
const struct node *insert(const struct node *t, int key)
{
    if (!t)
        return make_node(key, NULL, NULL);
    if (key < t->key)
        return make_node(t->key, insert(t->left, key), t->right);
    if (key > t->key)
        return make_node(t->key, t->left, insert(t->right, key));
    return t; // already there: the same tree
}

static int size(const struct node *t)
{
    return t ? 1 + size(t->left) + size(t->right) : 0;
}

// Nodes of `a` that are also (the very same memory) in `b`.
static int shared_nodes(const struct node *a, const struct node *b)
{
    if (!a || !b)
        return 0;
    if (a == b)
        return size(a);
    if (a->key != b->key)
        return 0;
    return shared_nodes(a->left, b->left) + shared_nodes(a->right, b->right);
}

static void print_keys(const struct node *t)
{
    if (t) {
        print_keys(t->left);
        printf(" %d", t->key);
        print_keys(t->right);
    }
}

// Keys in order, each in (low, high)?  Counts them into *count.
static int sorted(const struct node *t, long low, long high, int *count)
{
    if (!t)
        return 1;
    ++*count;
    return low < t->key && t->key < high && sorted(t->left, low, t->key, count) &&
           sorted(t->right, t->key, high, count);
}

// --- sharing versions between threads ---

struct version {
    const struct node *root;
    int size;
};

enum { INSERTS = 3000, READERS = 2 };
static struct version versions[INSERTS + 1];
static _Atomic(const struct version *) current;
static atomic_int broken_versions;

static void *writer(void *arg)
{
    (void)arg;
    const struct node *root = NULL;
    for (int i = 0; i < INSERTS; i++) {
        root = insert(root, (int)((i * 7919L) % INSERTS)); // a scrambled order
        versions[i + 1] = (struct version){root, i + 1};
        // Release: the new nodes are complete before readers can find them.
        atomic_store_explicit(&current, &versions[i + 1], memory_order_release);
    }
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    const struct version *v;
    do {
        v = atomic_load_explicit(&current, memory_order_acquire);
        int count = 0;
        if (!sorted(v->root, -1, INSERTS, &count) || count != v->size)
            atomic_fetch_add(&broken_versions, 1);
    } while (v->size < INSERTS);
    return NULL;
}

int main(void)
{
    const struct node *v1 = NULL;
    int keys[] = {50, 30, 70, 20, 40, 60, 80};
    for (int i = 0; i < 7; i++)
        v1 = insert(v1, keys[i]);
    const struct node *v2 = insert(v1, 65);
    printf("v1:");
    print_keys(v1);
    printf("\nv2:");
    print_keys(v2);
    int shared = shared_nodes(v2, v1);
    printf("\nv2 has %d nodes, %d of them shared with v1 (only the path to 65 was copied)\n",
           size(v2), shared);

    versions[0] = (struct version){NULL, 0};
    atomic_store(&current, &versions[0]);
    pthread_t threads[READERS + 1];
    pthread_create(&threads[0], NULL, writer, NULL);
    for (int i = 1; i <= READERS; i++)
        pthread_create(&threads[i], NULL, reader, NULL);
    for (int i = 0; i <= READERS; i++)
        pthread_join(threads[i], NULL);
    printf("%d inserts published to %d lock-free readers: %d broken versions seen; "
           "%zu nodes made in all\n",
           INSERTS, READERS, atomic_load(&broken_versions), made_count);

    for (size_t i = 0; i < made_count; i++)
        free(made[i]);
    free(made);
    return atomic_load(&broken_versions) == 0 && shared == 4 ? 0 : 1;
}
