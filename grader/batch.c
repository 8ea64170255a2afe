// Whole-class grading.
//
// Each submission (a folder, or a .tar.gz/.tgz/.tar/.zip archive, named after
// its student) is graded in a process of its own, forked from this one, so a
// submission that crashes the grading code, or a grader bug it triggers, costs
// that student's grade and nothing else.  The child unpacks archives in the
// sandbox, finds the submitted files, hashes them with the lab and the grader,
// and grades them with grade_submission() only when that hash differs from the
// one stored with the last grade.  It leaves the reports and a small record
// (grade.txt) in OUTDIR/<student>/; the parent reads the records back and
// writes the gradebook.
#define _GNU_SOURCE
#include "batch.h"

#include "build.h"
#include "grade.h"
#include "manifest.h"
#include "report.h"
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_UNCHANGED = 3, EXIT_LAB_ERROR = 4, MAX_DIRS = 512, MAX_DEPTH = 4 };
enum archive_kind { NOT_ARCHIVE, ARCHIVE_TAR, ARCHIVE_ZIP };

// A submission's record, kept in OUTDIR/<student>/grade.txt.
struct summary {
    char hash[32];       // "-" when it must be graded again
    double score, max;
    long newest;         // newest file time in the submission (0: none)
    char *note;
    double *points;      // per manifest case; NAN when not part of the grade
};

struct student {
    char *name;
    char *path;          // absolute: the folder or the archive
    enum archive_kind archive;
    pid_t pid;
    double started;
    const char *state;   // "graded", "unchanged" or "not graded"
    struct summary s;
};

struct batch {
    struct grade_options grade;
    struct report_options report;
    const char *kit, *cc, *tools, *dir;
    char *out;
    int jobs, force, have_deadline;
    time_t deadline;
    struct manifest m;
    struct build_env env;
    struct student *students;
    int count;
    double student_limit;  // seconds before a student's grading process is stopped
};

static void usage(FILE *out)
{
    fputs("usage: labgrade batch LAB DIR [--out OUTDIR] [--jobs N]\n"
          "                      [--deadline 'YYYY-MM-DD HH:MM'] [--force] [options]\n"
          "\n"
          "Grades every submission in DIR: a folder, or a .tar.gz/.tgz/.tar/.zip archive,\n"
          "per student, named after the student.  Writes OUTDIR/gradebook.csv and, per\n"
          "student, OUTDIR/<student>/report.txt, results.json and junit.xml.  A submission\n"
          "whose files, lab and grader are unchanged since its last grade is not graded\n"
          "again (--force grades everything).\n"
          "\n"
          "  --out OUTDIR       where the gradebook and reports go (default: grades-LAB)\n"
          "  -j, --jobs N       grade N submissions at once (default: the number of cores)\n"
          "  --deadline TIME    flag submissions with a file newer than this minute\n"
          "  --force            grade every submission, changed or not\n"
          "  --tools, --case, --no-sandbox, --hidden-visibility, --kit, --cc: as for labgrade\n"
          "\n"
          "Exit status: 0 every submission graded, 1 the grader failed on some, 2 bad input.\n",
          out);
}

static int parse_deadline(const char *text, time_t *out)
{
    struct tm tm = {0};
    const char *end = strptime(text, "%Y-%m-%d %H:%M", &tm);
    if (!end || *end)
        return -1;
    tm.tm_isdst = -1;
    *out = mktime(&tm);
    return *out == (time_t)-1 ? -1 : 0;
}

static int parse_options(int argc, char **argv, struct batch *b)
{
    static const struct option options[] = {
        {"out", required_argument, NULL, 'o'},   {"jobs", required_argument, NULL, 'j'},
        {"deadline", required_argument, NULL, 'd'}, {"force", no_argument, NULL, 'f'},
        {"tools", required_argument, NULL, 'T'}, {"case", required_argument, NULL, 'C'},
        {"no-sandbox", no_argument, NULL, 'N'},  {"kit", required_argument, NULL, 'K'},
        {"cc", required_argument, NULL, 'c'},    {"hidden-visibility", required_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    int opt, no_sandbox = 0;
    const char *out = NULL, *deadline = NULL;
    while ((opt = getopt_long(argc, argv, "j:h", options, NULL)) != -1) {
        switch (opt) {
        case 'o': out = optarg; break;
        case 'j': b->jobs = atoi(optarg); break;
        case 'd': deadline = optarg; break;
        case 'f': b->force = 1; break;
        case 'T': b->tools = optarg; break;
        case 'C': b->grade.only_case = optarg; break;
        case 'N': no_sandbox = 1; break;
        case 'K': b->kit = optarg; break;
        case 'c': b->cc = optarg; break;
        case 'V': b->report.hidden_visibility = optarg; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return -1;
    }
    if (b->jobs <= 0 || (deadline && parse_deadline(deadline, &b->deadline) != 0)) {
        fprintf(stderr, "labgrade batch: %s\n", b->jobs <= 0 ? "--jobs needs a positive number"
                                                             : "--deadline takes 'YYYY-MM-DD HH:MM'");
        return -1;
    }
    b->have_deadline = deadline != NULL;
    b->dir = argv[optind + 1];
    b->out = out ? xstrdup(out) : xasprintf("grades-%s", argv[optind]);
    b->grade.use_bwrap = !no_sandbox && sandbox_bwrap_works();
    return 0;
}

static int tools_mask(const struct manifest *m, const char *list, unsigned *mask)
{
    *mask = 0;
    char *copy = xstrdup(list ? list : ""), *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int t = manifest_tool_index(m, name);
        if (t < 0) {
            fprintf(stderr, "labgrade batch: lab %s has no tool '%s'\n", m->lab, name);
            free(copy);
            return -1;
        }
        *mask |= 1u << t;
    }
    free(copy);
    return 0;
}

static enum archive_kind archive_kind(const char *name, size_t *stem)
{
    static const struct { const char *suffix; enum archive_kind kind; } kinds[] = {
        {".tar.gz", ARCHIVE_TAR}, {".tgz", ARCHIVE_TAR}, {".tar.xz", ARCHIVE_TAR},
        {".tar.bz2", ARCHIVE_TAR}, {".tar", ARCHIVE_TAR}, {".zip", ARCHIVE_ZIP},
    };
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        size_t k = strlen(kinds[i].suffix);
        if (n > k && strcmp(name + n - k, kinds[i].suffix) == 0) {
            *stem = n - k;
            return kinds[i].kind;
        }
    }
    return NOT_ARCHIVE;
}

// The submissions in b->dir, sorted by name.  A folder wins over an archive
// of the same student; anything else is skipped with a warning.
static int list_students(struct batch *b)
{
    struct dirent **entries;
    int n = scandir(b->dir, &entries, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "labgrade batch: cannot read %s: %s\n", b->dir, strerror(errno));
        return -1;
    }
    char *dir = path_real(b->dir);
    b->students = xcalloc((size_t)n + 1, sizeof *b->students);
    for (int i = 0; i < n; i++) {
        const char *name = entries[i]->d_name;
        char *path = path_join(dir, name);
        struct stat st;
        size_t stem = strlen(name);
        enum archive_kind kind = NOT_ARCHIVE;
        int usable = name[0] != '.' && strcmp(path, b->out) != 0 && lstat(path, &st) == 0 &&
                     (S_ISDIR(st.st_mode) ||
                      (S_ISREG(st.st_mode) && (kind = archive_kind(name, &stem)) != NOT_ARCHIVE));
        char *student = strndup(name, stem);
        for (int k = 0; usable && k < b->count; k++)
            if (strcmp(b->students[k].name, student) == 0) {
                fprintf(stderr, "labgrade batch: skipping %s: %s is graded already\n", name,
                        b->students[k].name);
                usable = 0;
            }
        if (usable)
            b->students[b->count++] = (struct student){.name = student, .path = path, .archive = kind};
        else if (name[0] != '.' && strcmp(path, b->out) != 0 && !(kind == NOT_ARCHIVE && stem == 0))
            fprintf(stderr, "labgrade batch: skipping %s: not a folder nor a .tar.gz, .tgz, "
                            ".tar or .zip archive\n", name);
        if (!usable) {
            free(student);
            free(path);
        }
        free(entries[i]);
    }
    free(entries);
    free(dir);
    return 0;
}

// Run tar or unzip in the sandbox: it may read `readable` and write only in
// `writable`.  Returns 0 when the command exited 0.
static int run_tool(const struct batch *b, char **argv, const char *readable,
                    const char *writable, const char *log)
{
    char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", NULL};
    const char *ro[] = {readable, NULL};
    const char *rw[] = {writable, NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env, .cwd = writable, .read_only = ro, .writable = rw,
        .wall_seconds = 120, .cpu_seconds = 120, .memory_mb = 1024, .memory_by_rss = 1,
        .output_keep = 4 << 20, .output_max = 16 << 20, .output_path = log,
        .use_bwrap = b->grade.use_bwrap,
    };
    struct sandbox_result res;
    return sandbox_exec(&spec, &res) == 0 && res.started && !res.timed_out &&
                   !res.output_exceeded && WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0
               ? 0
               : -1;
}

// Refuse member names that are absolute or climb out with "..".
static int names_are_safe(const char *listing, struct buf *why)
{
    for (const char *line = listing; line && *line;) {
        size_t len = strcspn(line, "\n");
        char *name = strndup(line, len);
        int bad = name[0] == '/';
        for (char *save = NULL, *part = strtok_r(name, "/", &save); part && !bad;
             part = strtok_r(NULL, "/", &save))
            bad = strcmp(part, "..") == 0;
        if (bad)
            buf_printf(why, "the archive was refused: member '%.*s' is an absolute path or "
                            "contains '..'", (int)len, line);
        free(name);
        if (bad)
            return 0;
        line = line[len] ? line + len + 1 : NULL;
    }
    return 1;
}

// Refuse symbolic and hard links: a link followed by a member written through
// it could put files outside the folder the archive is unpacked in.
static int has_links(const char *long_listing, struct buf *why)
{
    for (const char *line = long_listing; line && *line;) {
        if ((line[0] == 'l' || line[0] == 'h') && (line[1] == 'r' || line[1] == '-')) {
            buf_printf(why, "the archive was refused: it holds a link (%.*s)",
                       (int)strcspn(line, "\n"), line);
            return 1;
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return 0;
}

// Unpack an archive into `into` (created here), after checking its members.
static int unpack(const struct batch *b, const struct student *st, const char *into,
                  struct buf *why)
{
    int zip = st->archive == ARCHIVE_ZIP;
    char *names_argv[] = {zip ? "unzip" : "tar", zip ? "-Z1" : "-tf", st->path, NULL};
    char *long_argv[] = {zip ? "unzip" : "tar", zip ? "-Z" : "-tvf", st->path, NULL};
    char *unpack_argv[] = {zip ? "unzip" : "tar", zip ? "-qo" : "--no-same-owner",
                           zip ? st->path : "--no-same-permissions", zip ? "-d" : "-xf",
                           zip ? (char *)into : st->path, zip ? NULL : "-C", (char *)into, NULL};
    char *log = xasprintf("%s.log", into);
    char *names = NULL, *details = NULL;
    int rc = -1;
    dir_remove(into);
    dir_make(into);
    if (run_tool(b, names_argv, st->path, into, log) != 0 || !(names = file_read(log, 4 << 20, NULL, NULL)) ||
        run_tool(b, long_argv, st->path, into, log) != 0 || !(details = file_read(log, 4 << 20, NULL, NULL)))
        buf_printf(why, "cannot read the archive %s: is it a valid %s file?", path_base(st->path),
                   zip ? "zip" : "tar");
    else if (names_are_safe(names, why) && !has_links(details, why)) {
        rc = run_tool(b, unpack_argv, st->path, into, log);
        if (rc != 0)
            buf_printf(why, "cannot unpack the archive %s", path_base(st->path));
    }
    unlink(log);
    free(log);
    free(names);
    free(details);
    return rc;
}

// How many of the submitted files `dir` holds.
static int submitted_files_in(const struct manifest *m, const char *dir)
{
    int found = 0;
    for (int i = 0; i < m->submit_count; i++) {
        char *path = path_join(dir, m->submit[i]);
        struct stat st;
        found += lstat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
    }
    return found;
}

// The folder holding the submitted files: the top, or the shallowest folder
// below it with all of them (an archive often wraps them in a folder, a
// repository in starter/LAB), else the shallowest with some of them.
static char *find_root(const struct manifest *m, const char *top)
{
    char *queue[MAX_DIRS];
    int depth[MAX_DIRS], head = 0, tail = 0;
    char *found = NULL, *partial = NULL;
    queue[tail] = xstrdup(top);
    depth[tail++] = 0;
    for (; head < tail && !found; head++) {
        int n = submitted_files_in(m, queue[head]);
        if (n == m->submit_count)
            found = xstrdup(queue[head]);
        else if (n > 0 && !partial)
            partial = xstrdup(queue[head]);
        struct dirent **entries;
        int count = depth[head] < MAX_DEPTH ? scandir(queue[head], &entries, NULL, alphasort) : -1;
        for (int i = 0; i < count; i++) {
            char *path = path_join(queue[head], entries[i]->d_name);
            struct stat st;
            if (entries[i]->d_name[0] != '.' && strcmp(entries[i]->d_name, "__MACOSX") != 0 &&
                tail < MAX_DIRS && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                depth[tail] = depth[head] + 1;
                queue[tail++] = path;
            } else {
                free(path);
            }
            free(entries[i]);
        }
        if (count >= 0)
            free(entries);
    }
    for (int i = 0; i < tail; i++)
        free(queue[i]);
    if (found) {
        free(partial);
        return found;
    }
    return partial ? partial : xstrdup(top);
}

static long newest_seen;

static int note_time(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (ftw->level > 0 && path[ftw->base] == '.')
        return flag == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
    if (flag == FTW_F && S_ISREG(st->st_mode) && st->st_mtime > newest_seen)
        newest_seen = st->st_mtime;
    return FTW_CONTINUE;
}

// The newest modification time of a file in the folder, hidden ones aside.
static long newest_file_time(const char *dir)
{
    newest_seen = 0;
    nftw(dir, note_time, 32, FTW_PHYS | FTW_ACTIONRETVAL);
    return newest_seen;
}

// 64-bit FNV-1a: enough to notice a change; nobody gains by forcing a match.
static void hash_bytes(uint64_t *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        *h = (*h ^ p[i]) * 0x100000001b3ull;
}

static void hash_file(uint64_t *h, const char *dir, const char *name)
{
    char *path = path_join(dir, name);
    size_t len = 0;
    char *data = file_read(path, 256u << 20, &len, NULL);
    hash_bytes(h, name, strlen(name) + 1);
    hash_bytes(h, data ? data : "(missing)", data ? len : 10);
    hash_bytes(h, "", 1);
    free(data);
    free(path);
}

// What a grade depends on: the grader, its options, the lab, the submission.
static void submission_hash(const struct batch *b, const char *root, char out[32])
{
    uint64_t h = 0xcbf29ce484222325ull;
    const struct manifest *m = &b->m;
    char *options = xasprintf("batch 1\n%s\n%s\n%s\n%s\n%d", b->tools ? b->tools : "",
                              b->grade.only_case ? b->grade.only_case : "", b->cc,
                              b->report.hidden_visibility, b->grade.use_bwrap);
    hash_bytes(&h, options, strlen(options) + 1);
    hash_file(&h, "/proc/self", "exe");
    hash_file(&h, b->kit, "grader/runner/runner.c");
    hash_file(&h, b->kit, "grader/runner/labkit_check.h");
    hash_file(&h, m->dir, "lab.conf");
    for (int i = 0; i < m->suite_count; i++)
        if (m->suites[i].present)
            hash_file(&h, m->dir, m->suites[i].path);
    for (int i = 0; i < m->provide_count; i++)
        hash_file(&h, m->dir, m->provide[i]);
    for (int i = 0; i < m->submit_count; i++)
        hash_file(&h, root, m->submit[i]);
    snprintf(out, 32, "%016llx", (unsigned long long)h);
    free(options);
}

static int summary_write(const char *path, const struct manifest *m, const struct summary *s)
{
    struct buf b = {0};
    buf_printf(&b, "# labgrade batch: the last grade of this submission\nhash %s\nscore %.10g\n"
                   "max %.10g\nnewest %ld\nnote ", s->hash, s->score, s->max, s->newest);
    for (const char *p = s->note ? s->note : ""; *p; p++)
        buf_append(&b, *p == '\n' || *p == '\r' ? " " : p, 1);
    buf_puts(&b, "\n");
    for (int i = 0; i < m->case_count; i++)
        if (!isnan(s->points[i]))
            buf_printf(&b, "case %s %.10g\n", m->cases[i].name, s->points[i]);
    char *tmp = xasprintf("%s.new", path);
    int rc = file_write(tmp, buf_str(&b), b.len) == 0 && rename(tmp, path) == 0 ? 0 : -1;
    free(tmp);
    buf_free(&b);
    return rc;
}

static void summary_init(struct summary *s, const struct manifest *m)
{
    memset(s, 0, sizeof *s);
    snprintf(s->hash, sizeof s->hash, "-");
    s->points = xcalloc((size_t)m->case_count, sizeof *s->points);
    for (int i = 0; i < m->case_count; i++)
        s->points[i] = NAN;
}

static int summary_read(const char *path, const struct manifest *m, struct summary *s)
{
    char *text = file_read(path, 1 << 20, NULL, NULL);
    summary_init(s, m);
    int fields = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char name[256];
        double points;
        if (sscanf(line, "hash %31s", s->hash) == 1 || sscanf(line, "score %lf", &s->score) == 1 ||
            sscanf(line, "max %lf", &s->max) == 1 || sscanf(line, "newest %ld", &s->newest) == 1)
            fields++;
        else if (strncmp(line, "note ", 5) == 0)
            s->note = xstrdup(line + 5);
        else if (sscanf(line, "case %255s %lf", name, &points) == 2)
            for (int i = 0; i < m->case_count; i++)
                if (strcmp(m->cases[i].name, name) == 0)
                    s->points[i] = points;
    }
    free(text);
    return fields == 4 ? 0 : -1;
}

// One line on what kept a submission from its points, for the gradebook.
static char *grade_note(const struct grade *g)
{
    if (g->problem) {
        size_t len = strcspn(g->problem, "\n");
        return strndup(g->problem, len && g->problem[len - 1] == ':' ? len - 1 : len);
    }
    int counts[VERDICT_NO_RESULT + 1] = {0};
    for (int i = 0; i < g->m->case_count; i++) {
        int seen[VERDICT_NO_RESULT + 1] = {0};
        for (int t = 0; t < TOOL_MAX; t++)
            seen[g->cases[i].runs[t].verdict] = 1;
        for (int v = VERDICT_CRASH; v <= VERDICT_NO_RESULT; v++)
            counts[v] += seen[v];
    }
    static const struct { enum verdict v; const char *what; } notable[] = {
        {VERDICT_TIMEOUT, "timed out"}, {VERDICT_CRASH, "crashed"}, {VERDICT_MEMORY, "ran out of memory"},
        {VERDICT_OUTPUT, "printed too much"}, {VERDICT_EARLY_EXIT, "exited early"},
        {VERDICT_NO_RESULT, "gave no result"},
    };
    struct buf b = {0};
    for (size_t k = 0; k < sizeof notable / sizeof *notable; k++)
        if (counts[notable[k].v])
            buf_printf(&b, "%s%d case%s %s", b.len ? "; " : "", counts[notable[k].v],
                       counts[notable[k].v] == 1 ? "" : "s", notable[k].what);
    return b.data ? b.data : xstrdup("");
}

// A grade for a submission nothing could be run of: every case at zero.
static void grade_from_problem(const struct manifest *m, const char *submission, const char *problem,
                               struct grade *g)
{
    memset(g, 0, sizeof *g);
    g->m = m;
    g->submission = xstrdup(submission);
    g->problem = xstrdup(problem);
    g->cases = xcalloc((size_t)m->case_count, sizeof *g->cases);
    for (int i = 0; i < m->case_count; i++) {
        g->cases[i].skipped = !manifest_suite(m, m->cases[i].suite)->present;
        if (!g->cases[i].skipped)
            g->max_score += m->cases[i].points;
    }
}

// The reports and the record of one grade, in `dir`.
static void record_grade(const struct batch *b, const char *dir, const struct grade *g,
                         const char *hash, long newest, struct summary *s)
{
    char *text = path_join(dir, "report.txt"), *json = path_join(dir, "results.json");
    char *junit = path_join(dir, "junit.xml"), *record = path_join(dir, "grade.txt");
    struct report_options plain = b->report;
    plain.color = 0;
    FILE *out = fopen(text, "w");
    if (out) {
        report_terminal(out, g, &plain);
        fclose(out);
    }
    report_json(json, g, &plain);
    report_junit(junit, g);
    summary_init(s, &b->m);
    snprintf(s->hash, sizeof s->hash, "%s", hash);
    s->score = g->score;
    s->max = g->max_score;
    s->newest = newest;
    s->note = grade_note(g);
    for (int i = 0; i < b->m.case_count; i++)
        if (!g->cases[i].skipped &&
            (g->problem || !b->grade.only_case || strcmp(b->grade.only_case, b->m.cases[i].name) == 0))
            s->points[i] = g->cases[i].earned;
    summary_write(record, &b->m, s);
    free(text);
    free(json);
    free(junit);
    free(record);
}
