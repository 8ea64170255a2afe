// The batch grader's books: grade records and the gradebook CSV.
#define _GNU_SOURCE
#include "gradebook.h"
#include "select.h"

#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gradebook_init_record(struct grade_record *r, const struct manifest *m)
{
    memset(r, 0, sizeof *r);
    snprintf(r->hash, sizeof r->hash, "-");
    r->points = xcalloc((size_t)m->case_count, sizeof *r->points);
    for (int i = 0; i < m->case_count; i++)
        r->points[i] = NAN;
    r->figures = xcalloc((size_t)m->figure_count + 1, sizeof *r->figures);
    for (int f = 0; f < m->figure_count; f++)
        r->figures[f] = NAN;
}

void gradebook_free_record(struct grade_record *r)
{
    free(r->note);
    free(r->points);
    free(r->figures);
    r->note = NULL;
    r->points = NULL;
    r->figures = NULL;
}

int gradebook_write_record(const char *path, const struct manifest *m, const struct grade_record *r)
{
    struct buf b = {0};
    buf_printf(&b, "# labgrade batch: the last grade of this submission\nhash %s\nscore %.10g\n"
                   "max %.10g\nnewest %ld\nnote ", r->hash, r->score, r->max, r->newest);
    for (const char *p = r->note ? r->note : ""; *p; p++)
        buf_append(&b, *p == '\n' || *p == '\r' ? " " : p, 1);
    buf_puts(&b, "\n");
    for (int i = 0; i < m->case_count; i++)
        if (!isnan(r->points[i]))
            buf_printf(&b, "case %s %.10g\n", m->cases[i].name, r->points[i]);
    for (int f = 0; f < m->figure_count; f++)
        if (!isnan(r->figures[f]))
            buf_printf(&b, "figure %s %.10g\n", m->figures[f].name, r->figures[f]);
    char *tmp = xasprintf("%s.new", path);
    int rc = file_write(tmp, buf_str(&b), b.len) == 0 && rename(tmp, path) == 0 ? 0 : -1;
    free(tmp);
    buf_free(&b);
    return rc;
}

int gradebook_read_record(const char *path, const struct manifest *m, struct grade_record *r)
{
    char *text = file_read(path, 1 << 20, NULL, NULL);
    gradebook_init_record(r, m);
    int fields = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char name[256];
        double points;
        if (sscanf(line, "hash %31s", r->hash) == 1 || sscanf(line, "score %lf", &r->score) == 1 ||
            sscanf(line, "max %lf", &r->max) == 1 || sscanf(line, "newest %ld", &r->newest) == 1)
            fields++;
        else if (strncmp(line, "note ", 5) == 0 && !r->note)
            r->note = xstrdup(line + 5);
        else if (sscanf(line, "case %255s %lf", name, &points) == 2) {
            for (int i = 0; i < m->case_count; i++)
                if (strcmp(m->cases[i].name, name) == 0)
                    r->points[i] = points;
        } else if (sscanf(line, "figure %255s %lf", name, &points) == 2) {
            for (int f = 0; f < m->figure_count; f++)
                if (strcmp(m->figures[f].name, name) == 0)
                    r->figures[f] = points;
        }
    }
    free(text);
    if (fields == 4)
        return 0;
    gradebook_free_record(r);
    gradebook_init_record(r, m);
    return -1;
}

// A CSV field; text a spreadsheet would run as a formula is quoted with '.
static void csv_text(FILE *out, const char *text)
{
    int formula = text[0] && strchr("=+-@", text[0]);
    fputc('"', out);
    if (formula)
        fputc('\'', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
    }
    fputc('"', out);
}

static int is_column(const struct manifest *m, const char *only_case, int i)
{
    return manifest_suite(m, m->cases[i].suite)->present &&
           select_case(only_case, m->cases[i].name) && !manifest_measures_only(&m->cases[i]);
}

static void write_figures(FILE *out, const struct manifest *m, const struct grade_record *r)
{
    for (int f = 0; f < m->figure_count; f++) {
        if (isnan(r->figures[f]))
            fputc(',', out);
        else
            fprintf(out, ",%g", r->figures[f]);
    }
}

static void write_row(FILE *out, const struct manifest *m, const char *only_case,
                      const struct gradebook_row *row)
{
    const struct grade_record *r = row->record;
    char when[32] = "";
    time_t t = r->newest;
    if (t)
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&t));
    csv_text(out, row->student);
    fprintf(out, ",%g,%g,%s,%s,%s,", r->score, r->max,
            row->late < 0 ? "" : row->late ? "yes" : "no", when, row->status);
    csv_text(out, r->note ? r->note : "");
    for (int i = 0; i < m->case_count; i++) {
        if (!is_column(m, only_case, i))
            continue;
        if (isnan(r->points[i]))
            fputc(',', out);
        else
            fprintf(out, ",%g", r->points[i]);
    }
    write_figures(out, m, r);
    fputc('\n', out);
}

int gradebook_write(const char *path, const struct manifest *m, const char *only_case,
                    const struct gradebook_row *rows, int count)
{
    char *tmp = xasprintf("%s.new", path);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        free(tmp);
        return -1;
    }
    fputs("student,score,max,late,newest_file,status,note", out);
    for (int i = 0; i < m->case_count; i++)
        if (is_column(m, only_case, i))
            fprintf(out, ",%s", m->cases[i].name);
    for (int f = 0; f < m->figure_count; f++)
        fprintf(out, ",%s", m->figures[f].name);
    fputc('\n', out);
    for (int k = 0; k < count; k++)
        write_row(out, m, only_case, &rows[k]);
    int rc = fclose(out) == 0 && rename(tmp, path) == 0 ? 0 : -1;
    free(tmp);
    return rc;
}

static int measured(const struct manifest *m, const struct grade_record *r)
{
    for (int f = 0; f < m->figure_count; f++)
        if (!isnan(r->figures[f]))
            return 1;
    return 0;
}

// <0 when a ranks above b: figure by figure in lab.conf's order, the better
// value first (an unmeasured figure ranks last).
static int compare_figures(const struct manifest *m, const struct grade_record *a,
                           const struct grade_record *b)
{
    for (int f = 0; f < m->figure_count; f++) {
        double x = a->figures[f], y = b->figures[f];
        if (isnan(x) != isnan(y))
            return isnan(x) ? 1 : -1;
        if (isnan(x) || x == y)
            continue;
        return (x > y) != m->figures[f].ascending ? -1 : 1;
    }
    return 0;
}

int gradebook_write_leaderboard(const char *path, const struct manifest *m,
                                const struct gradebook_row *rows, int count, int show_names)
{
    // A selection sort of row indexes: a class is small, and qsort has no
    // context argument for the manifest.
    int *order = xcalloc((size_t)count + 1, sizeof *order), n = 0;
    for (int k = 0; k < count; k++)
        if (rows[k].record->figures && measured(m, rows[k].record))
            order[n++] = k;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (compare_figures(m, rows[order[j]].record, rows[order[i]].record) < 0) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    char *tmp = xasprintf("%s.new", path);
    FILE *out = fopen(tmp, "w");
    int rc = -1;
    if (out) {
        fputs("rank,student", out);
        for (int f = 0; f < m->figure_count; f++) {
            fputc(',', out);
            csv_text(out, m->figures[f].label);
        }
        fputc('\n', out);
        for (int i = 0, rank = 1; i < n; i++) {
            const struct grade_record *r = rows[order[i]].record;
            if (i > 0 && compare_figures(m, rows[order[i - 1]].record, r) != 0)
                rank = i + 1;
            fprintf(out, "%d,", rank);
            csv_text(out, show_names ? rows[order[i]].student : "(hidden)");
            write_figures(out, m, r);
            fputc('\n', out);
        }
        rc = fclose(out) == 0 && rename(tmp, path) == 0 ? 0 : -1;
    }
    free(tmp);
    free(order);
    return rc;
}
