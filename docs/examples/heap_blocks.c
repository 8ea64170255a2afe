// A tiny free-list allocator over a 512-byte array, printing the heap as it goes.
//
// Every block has a header and a footer (its size, and whether it is in use).
// Free blocks are also on a doubly linked free list, kept in their payload.
// malloc takes the first free block that fits and splits off what is left;
// free merges the block with free neighbours before putting it on the list.
//
//   cc -std=gnu11 -O2 -Wall -Wextra heap_blocks.c -o heap_blocks
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum { HEAP_SIZE = 512, ALIGN = 16, WORD = 8, MIN_BLOCK = 32 };

// The free list's links live in the payload of a free block.
struct free_links {
    struct free_links *next, *prev;
};

static alignas(ALIGN) unsigned char heap[HEAP_SIZE];
static struct free_links *free_list;

// A block starts with its header word; the payload follows at +WORD, which
// is 16-byte aligned because blocks start at 8 mod 16 and sizes are 16k.
static size_t *header(unsigned char *block) { return (size_t *)block; }
static size_t size_of(unsigned char *block) { return *header(block) & ~(size_t)1; }
static int in_use(unsigned char *block) { return *header(block) & 1; }
static unsigned char *first_block(void) { return heap + WORD; }
static unsigned char *heap_end(void) { return heap + HEAP_SIZE - WORD; }
static unsigned char *next_block(unsigned char *block) { return block + size_of(block); }
static struct free_links *links(unsigned char *block) { return (void *)(block + WORD); }
static unsigned char *block_of(void *payload) { return (unsigned char *)payload - WORD; }

// Write the same size and in-use bit into the header and the footer.
static void set_block(unsigned char *block, size_t size, int used)
{
    *header(block) = size | (size_t)used;
    *(size_t *)(block + size - WORD) = size | (size_t)used;
}

// The block before this one, found through its footer (NULL at the start).
static unsigned char *prev_block(unsigned char *block)
{
    if (block == first_block())
        return NULL;
    size_t prev_size = *(size_t *)(block - WORD) & ~(size_t)1;
    return block - prev_size;
}

static void list_insert(unsigned char *block)
{
    struct free_links *node = links(block);
    node->prev = NULL;
    node->next = free_list;
    if (free_list)
        free_list->prev = node;
    free_list = node;
}

static void list_remove(unsigned char *block)
{
    struct free_links *node = links(block);
    if (node->prev)
        node->prev->next = node->next;
    else
        free_list = node->next;
    if (node->next)
        node->next->prev = node->prev;
}

static void heap_init(void)
{
    free_list = NULL;
    set_block(first_block(), heap_end() - first_block(), 0);
    list_insert(first_block());
}

void *tiny_malloc(size_t n)
{
    size_t need = (n + 2 * WORD + ALIGN - 1) / ALIGN * ALIGN;
    if (need < MIN_BLOCK)
        need = MIN_BLOCK;
    for (struct free_links *node = free_list; node; node = node->next) {
        unsigned char *block = (unsigned char *)node - WORD;
        size_t have = size_of(block);
        if (have < need)
            continue;
        list_remove(block);
        if (have - need >= MIN_BLOCK) {
            // Split: the rest becomes a free block of its own.
            set_block(block, need, 1);
            set_block(block + need, have - need, 0);
            list_insert(block + need);
        } else {
            set_block(block, have, 1); // too small to split: keep it all
        }
        return block + WORD;
    }
    return NULL;
}

void tiny_free(void *payload)
{
    if (!payload)
        return;
    unsigned char *block = block_of(payload);
    size_t size = size_of(block);
    unsigned char *next = next_block(block);
    unsigned char *prev = prev_block(block);
    if (next < heap_end() && !in_use(next)) {
        list_remove(next);
        size += size_of(next);
    }
    if (prev && !in_use(prev)) {
        list_remove(prev);
        size += size_of(prev);
        block = prev;
    }
    set_block(block, size, 0);
    list_insert(block);
}

// Print the blocks in address order, then the free list in list order.
static void heap_print(const char *what)
{
    size_t used = 0, free_bytes = 0, largest = 0;
    printf("%-28s|", what);
    for (unsigned char *b = first_block(); b < heap_end(); b = next_block(b)) {
        printf(" %c%zu |", in_use(b) ? 'A' : 'F', size_of(b));
        if (in_use(b))
            used += size_of(b);
        else if (free_bytes += size_of(b), size_of(b) > largest)
            largest = size_of(b);
    }
    printf("\n%-28s free list:", "");
    for (struct free_links *n = free_list; n; n = n->next)
        printf(" @%td", (unsigned char *)n - WORD - heap);
    printf("  (in use %zu, free %zu, largest free %zu)\n", used, free_bytes, largest);
}

// The invariants: blocks tile the heap, no two free blocks touch, and the
// free list holds exactly the free blocks.
static int heap_check(void)
{
    size_t free_blocks = 0, listed = 0;
    unsigned char *b = first_block(), *prev = NULL;
    for (; b < heap_end(); prev = b, b = next_block(b)) {
        if (size_of(b) < MIN_BLOCK || *header(b) != *(size_t *)(b + size_of(b) - WORD))
            return 0;
        if (!in_use(b) && prev && !in_use(prev))
            return 0;
        free_blocks += !in_use(b);
    }
    for (struct free_links *n = free_list; n; n = n->next)
        listed++;
    return b == heap_end() && free_blocks == listed;
}

int main(void)
{
    int ok = 1;
    heap_init();
    heap_print("start: one free block");
    char *a = tiny_malloc(24), *b = tiny_malloc(40), *c = tiny_malloc(24);
    char *d = tiny_malloc(100);
    heap_print("malloc 24, 40, 24, 100");
    tiny_free(b);
    heap_print("free b (no free neighbour)");
    tiny_free(c);
    heap_print("free c (merges with b)");
    tiny_free(a);
    heap_print("free a (merges with b+c)");
    tiny_free(d);
    heap_print("free d (merges both sides)");
    ok &= heap_check();

    // External fragmentation: plenty of free bytes, none of them together.
    char *small[12];
    for (int i = 0; i < 12; i++)
        small[i] = tiny_malloc(16);
    for (int i = 0; i < 12; i += 2)
        tiny_free(small[i]);
    char *big = tiny_malloc(100);
    heap_print("12 x malloc 16, free half");
    printf("malloc(100) needs a 128-byte block and %s: the free bytes are "
           "all in small pieces\n", big ? "succeeds" : "fails");
    ok &= heap_check();

    // Internal fragmentation: a 1-byte request still takes a 32-byte block.
    char *one = tiny_malloc(1);
    printf("malloc(1) uses a block of %zu bytes\n", size_of(block_of(one)));
    memset(one, 'x', 1);
    return ok ? 0 : 1;
}
