// A run-time borrow checker after Rust's RefCell (README.md#task-4-the-borrow-checker).
#include <stdio.h>
#include <stdlib.h>

#include "ownership.h"

// Placeholders: borrows give no value and check nothing.

void cell_init(cell_t *cell, void *value)
{
    (void)cell, (void)value; // TODO: the value, no borrow
}

borrow_t borrow_at(cell_t *cell, const char *file, int line)
{
    (void)cell, (void)file, (void)line; // TODO: a shared borrow, unless a mutable one is held
    return (borrow_t){ NULL, NULL, -1 };
}

borrow_t borrow_mut_at(cell_t *cell, const char *file, int line)
{
    (void)cell, (void)file, (void)line; // TODO: the mutable borrow, if no borrow is held
    return (borrow_t){ NULL, NULL, -1 };
}

void borrow_release(borrow_t *borrow)
{
    (void)borrow; // TODO: end the borrow; a second release aborts
}
