// A run-time borrow checker after Rust's RefCell: many readers or one writer, checked at every borrow.
#include <stdio.h>
#include <stdlib.h>

#include "ownership.h"

// cell->state: the number of shared borrows held (0..CELL_MAX_SHARED), or
// MUTABLE while the one mutable borrow is held.  cell->sites[i] is where the
// borrow in slot i was taken (file NULL: slot free); the mutable borrow uses
// slot 0.  A cell belongs to one thread, as a RefCell does (Rust will not
// let one be shared between threads): plain reads and writes suffice.
#define MUTABLE (-1)

void cell_init(cell_t *cell, void *value)
{
    cell->value = value;
    cell->state = 0;
    for (int i = 0; i < CELL_MAX_SHARED; i++)
        cell->sites[i] = (struct borrow_site){ NULL, 0 };
}

// A borrow still held, to name in a message: any one of them is a true
// culprit, so the lowest slot will do.
static const struct borrow_site *held_site(const cell_t *cell)
{
    for (int i = 0; i < CELL_MAX_SHARED; i++)
        if (cell->sites[i].file != NULL)
            return &cell->sites[i];
    return NULL;
}

// The rule is broken: say who broke it and who was there first, then stop.
// A program that goes on after this has two views of the value that do not
// agree, which is the bug a borrow checker exists to stop.
static void conflict(const cell_t *cell, const char *wanted, const char *file, int line)
{
    const struct borrow_site *held = held_site(cell);
    fprintf(stderr, "borrow: %s:%d: %s borrow refused: already borrowed %s at %s:%d\n", file,
            line, wanted, cell->state == MUTABLE ? "mutably" : "(shared)",
            held ? held->file : "?", held ? held->line : 0);
    abort();
}

borrow_t borrow_at(cell_t *cell, const char *file, int line)
{
    if (cell->state == MUTABLE)
        conflict(cell, "shared", file, line);
    if (cell->state == CELL_MAX_SHARED) {
        fprintf(stderr, "borrow: %s:%d: more than %d shared borrows of one cell at once\n",
                file, line, CELL_MAX_SHARED);
        abort();
    }
    int slot = 0;
    while (cell->sites[slot].file != NULL)
        slot++; // state < CELL_MAX_SHARED, so a free slot exists
    cell->sites[slot] = (struct borrow_site){ file, line };
    cell->state++;
    return (borrow_t){ cell->value, cell, slot };
}

borrow_t borrow_mut_at(cell_t *cell, const char *file, int line)
{
    // Any borrow at all, shared or mutable, rules out a mutable one: a
    // reader holding a view of the value must not see it change under it.
    if (cell->state != 0)
        conflict(cell, "mutable", file, line);
    cell->sites[0] = (struct borrow_site){ file, line };
    cell->state = MUTABLE;
    return (borrow_t){ cell->value, cell, 0 };
}

void borrow_release(borrow_t *borrow)
{
    cell_t *cell = borrow->cell;
    if (cell == NULL || borrow->slot < 0 ||
        borrow->slot >= CELL_MAX_SHARED || cell->sites[borrow->slot].file == NULL) {
        fprintf(stderr, "borrow: borrow_release: this borrow was already released\n");
        abort();
    }
    cell->sites[borrow->slot] = (struct borrow_site){ NULL, 0 };
    cell->state = cell->state == MUTABLE ? 0 : cell->state - 1;
    borrow->value = NULL;
    borrow->cell = NULL; // a second release finds this
}
