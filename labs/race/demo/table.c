// Demo: four threads ask for the lazily built table at the same moment.
//
// With the racy check-then-act, each finds no table yet, each builds one, and
// they go on using different tables (all but one of them leaked).
#include <stdio.h>

#include "race.h"
#include "race_lab.h"

enum { THREADS = 4 };

static const struct table *seen[THREADS];

static void ask(int index, void *arg)
{
    (void)arg;
    seen[index] = table_get();
}

int main(void)
{
    lab_run_threads(THREADS, ask, NULL);
    int distinct = 0;
    for (int i = 0; i < THREADS; i++) {
        int first = 1;
        for (int j = 0; j < i; j++)
            first &= seen[j] != seen[i];
        distinct += first;
    }
    long kept = lab_table_builds() - lab_table_frees();
    printf("table: %d threads asked at once: expected 1 table, built once, got %d different "
           "tables, %ld built, %ld kept%s\n", THREADS, distinct, lab_table_builds(), kept,
           distinct == 1 && kept == 1 ? "" : "  <- wrong");
    return 0;
}
