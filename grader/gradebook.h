// The batch grader's books: the record of one submission's last grade, kept
// beside its reports and read back by the next run, and the class's
// gradebook CSV.
#ifndef GRADEBOOK_H
#define GRADEBOOK_H

#include "manifest.h"

struct grade_record {
    char hash[32];       // of what the grade depends on; "-": grade it again
    double score, max;
    long newest;         // newest file time in the submission (0: none)
    char *note;          // one line on why points were lost wholesale
    double *points;      // per manifest case; NAN when not part of the grade
    double *figures;     // per manifest figure; NAN when not measured
};

// An empty record (no points, hash "-") for the lab's cases.
void gradebook_init_record(struct grade_record *r, const struct manifest *m);
void gradebook_free_record(struct grade_record *r);
// Read a record written by gradebook_write_record; returns 0, or -1 (with
// `r` initialised and empty) when it is missing or incomplete.
int gradebook_read_record(const char *path, const struct manifest *m, struct grade_record *r);
// Write it through a temporary file, so a reader sees the old or the new.
int gradebook_write_record(const char *path, const struct manifest *m, const struct grade_record *r);

struct gradebook_row {
    const char *student;
    const char *status;                 // "graded", "unchanged" or "not graded"
    int late;                           // 1 or 0; -1 when there is no deadline
    const struct grade_record *record;
};

// The CSV: student, score, max, late, newest_file, status, note, then the
// points of each case of the kit (those of `only_case` alone, if not NULL),
// then the lab's leaderboard figures.
int gradebook_write(const char *path, const struct manifest *m, const char *only_case,
                    const struct gradebook_row *rows, int count);

// The class leaderboard, a CSV: rank, student, then each figure, best first
// (ranked by the figures in lab.conf's order; equal figures, equal rank).
// Students without figures are left out; names are shown only if asked.
int gradebook_write_leaderboard(const char *path, const struct manifest *m,
                                const struct gradebook_row *rows, int count, int show_names);

#endif
