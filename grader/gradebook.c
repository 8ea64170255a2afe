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
}

void gradebook_free_record(struct grade_record *r)
{
    free(r->note);
    free(r->points);
    r->note = NULL;
    r->points = NULL;
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
        else if (sscanf(line, "case %255s %lf", name, &points) == 2)
            for (int i = 0; i < m->case_count; i++)
                if (strcmp(m->cases[i].name, name) == 0)
                    r->points[i] = points;
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
           select_case(only_case, m->cases[i].name);
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
    fputc('\n', out);
    for (int k = 0; k < count; k++)
        write_row(out, m, only_case, &rows[k]);
    int rc = fclose(out) == 0 && rename(tmp, path) == 0 ? 0 : -1;
    free(tmp);
    return rc;
}
