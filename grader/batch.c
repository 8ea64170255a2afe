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
#include "gradebook.h"
#include "manifest.h"
#include "report.h"
#include "sandbox.h"
#include "select.h"
#include "submission.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_UNCHANGED = 3, EXIT_LAB_ERROR = 4 };

struct student {
    char *name;
    char *path;          // absolute: the folder or the archive
    enum archive_kind archive;
    pid_t pid;
    double started;
    const char *state;   // "graded", "unchanged" or "not graded"
    struct grade_record s;
};

struct batch {
    struct grade_options grade;
    struct report_options report;
    const char *kit, *cc, *tools, *dir;
    char *out;
    int jobs, force, have_deadline, show_names;
    time_t deadline;
    char *kit_real;
    struct manifest m;
    struct build_env env;
    int have_manifest, have_env;   // what batch_free must free
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
          "again (--force grades everything).  A lab with leaderboard figures (lab.conf\n"
          "`figure`) also gets them as gradebook columns and OUTDIR/leaderboard.csv, the\n"
          "class ranked by them, names hidden unless --leaderboard-names.\n"
          "\n"
          "  --out OUTDIR       where the gradebook and reports go (default: grades-LAB)\n"
          "  -j, --jobs N       grade N submissions at once (default: the number of cores)\n"
          "  --deadline TIME    flag submissions with a file newer than this minute\n"
          "  --force            grade every submission, changed or not\n"
          "  --leaderboard-names  show the students' names in leaderboard.csv\n"
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

// Returns 0, 1 after printing --help, or -1 on a bad option.
static int parse_options(int argc, char **argv, struct batch *b)
{
    static const struct option options[] = {
        {"out", required_argument, NULL, 'o'},   {"jobs", required_argument, NULL, 'j'},
        {"deadline", required_argument, NULL, 'd'}, {"force", no_argument, NULL, 'f'},
        {"tools", required_argument, NULL, 'T'}, {"case", required_argument, NULL, 'C'},
        {"no-sandbox", no_argument, NULL, 'N'},  {"kit", required_argument, NULL, 'K'},
        {"cc", required_argument, NULL, 'c'},    {"hidden-visibility", required_argument, NULL, 'V'},
        {"leaderboard-names", no_argument, NULL, 'n'},
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
        case 'n': b->show_names = 1; break;
        case 'T': b->tools = optarg; break;
        case 'C': b->grade.only_case = select_join((char *)b->grade.only_case, optarg); break;
        case 'N': no_sandbox = 1; break;
        case 'K': b->kit = optarg; break;
        case 'c': b->cc = optarg; break;
        case 'V':
            if (report_check_visibility(optarg) != 0)
                return -1;
            b->report.hidden_visibility = optarg;
            break;
        case 'h': usage(stdout); return 1;
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
    if (!no_sandbox && !b->grade.use_bwrap)
        fprintf(stderr, "labgrade batch: bubblewrap is not available here: tests run with process "
                        "limits only, and can read other students' files (apt-get install "
                        "bubblewrap)\n");
    return 0;
}

// One entry of the submissions folder: a student's folder or archive.  A
// folder wins over an archive of the same student (it sorts first).
static void add_student(struct batch *b, const char *name, const char *path)
{
    struct stat st;
    size_t stem = strlen(name);
    enum archive_kind kind = NOT_ARCHIVE;
    if (lstat(path, &st) != 0 ||
        !(S_ISDIR(st.st_mode) ||
          (S_ISREG(st.st_mode) && (kind = submission_archive_kind(name, &stem)) != NOT_ARCHIVE))) {
        fprintf(stderr, "labgrade batch: skipping %s: not a folder nor a .tar.gz, .tgz, .tar or "
                        ".zip archive\n", name);
        return;
    }
    for (int k = 0; k < b->count; k++)
        if (strlen(b->students[k].name) == stem && strncmp(b->students[k].name, name, stem) == 0) {
            fprintf(stderr, "labgrade batch: skipping %s: %s has a submission already\n", name,
                    b->students[k].name);
            return;
        }
    b->students[b->count++] =
        (struct student){.name = xstrndup(name, stem), .path = xstrdup(path), .archive = kind};
}

// The submissions in b->dir, sorted by name; hidden entries and the output
// folder are not submissions.
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
        char *path = path_join(dir, entries[i]->d_name);
        if (entries[i]->d_name[0] != '.' && strcmp(path, b->out) != 0)
            add_student(b, entries[i]->d_name, path);
        free(path);
        free(entries[i]);
    }
    free(entries);
    free(dir);
    return 0;
}

// One line on what kept a submission from its points, for the gradebook.
char *batch_grade_note(const struct grade *g)
{
    if (g->problem) {
        size_t len = strcspn(g->problem, "\n");
        return xstrndup(g->problem, len && g->problem[len - 1] == ':' ? len - 1 : len);
    }
    int counts[VERDICT_COUNT] = {0};
    for (int i = 0; i < g->m->case_count; i++) {
        int seen[VERDICT_COUNT] = {0};
        for (int t = 0; t < TOOL_MAX; t++)
            seen[g->cases[i].runs[t].verdict] = 1;
        for (int v = 0; v < VERDICT_COUNT; v++)
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
                               const char *only_case, struct grade *g)
{
    memset(g, 0, sizeof *g);
    g->m = m;
    g->submission = xstrdup(submission);
    g->problem = xstrdup(problem);
    g->cases = xcalloc((size_t)m->case_count, sizeof *g->cases);
    for (int i = 0; i < m->case_count; i++) {
        g->cases[i].skipped = !manifest_suite(m, m->cases[i].suite)->present;
        if (!g->cases[i].skipped && select_case(only_case, m->cases[i].name))
            g->max_score += m->cases[i].points;
    }
}

// The reports and the record of one grade, in `dir`.
static void record_grade(const struct batch *b, const char *dir, const struct grade *g,
                         const char *hash, long newest, struct grade_record *s)
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
    gradebook_init_record(s, &b->m);
    snprintf(s->hash, sizeof s->hash, "%s", hash);
    s->score = g->score;
    s->max = g->max_score;
    s->newest = newest;
    s->note = batch_grade_note(g);
    for (int i = 0; i < b->m.case_count; i++)
        if (!g->cases[i].skipped &&
            select_case(b->grade.only_case, b->m.cases[i].name))
            s->points[i] = g->cases[i].earned;
    for (int f = 0; g->figures && f < b->m.figure_count; f++)
        s->figures[f] = g->figures[f];
    gradebook_write_record(record, &b->m, s);
    free(text);
    free(json);
    free(junit);
    free(record);
}

// What was found of a student's submission.
struct found {
    char *top;           // the folder, or where the archive was unpacked
    char *root;          // the folder in it with the submitted files
    struct buf problem;  // why it cannot be graded (an archive refused), or empty
    char hash[32];       // of what its grade depends on
    long newest;         // its newest file time
};

// What the student's grade depends on; an archive that could not be
// unpacked is known by its size and time.
static void student_hash(const struct batch *b, const struct student *st, struct found *f)
{
    struct stat self = {0};
    if (f->problem.len)
        lstat(st->path, &self);
    char *context = xasprintf("batch 1\n%s\n%s\n%s\n%s\n%d\n%s %lld %lld",
                              b->tools ? b->tools : "", b->grade.only_case ? b->grade.only_case : "",
                              b->cc, b->report.hidden_visibility, b->grade.use_bwrap,
                              buf_str(&f->problem), (long long)self.st_size, (long long)self.st_mtime);
    submission_hash(&b->m, b->kit, context, f->root, f->hash);
    free(context);
}

// Unpack (archives) and look at a submission.
static void find_submission(const struct batch *b, const struct student *st, const char *tmp,
                            struct found *f)
{
    memset(f, 0, sizeof *f);
    f->top = st->archive ? path_join(tmp, "unpacked") : xstrdup(st->path);
    if (st->archive)
        submission_unpack(st->path, st->archive, f->top, b->grade.use_bwrap, &f->problem);
    f->root = submission_find_root(&b->m, f->top);
    f->newest = submission_newest_time(f->top);
    struct stat self;
    if (f->newest == 0 && lstat(st->path, &self) == 0)
        f->newest = self.st_mtime;
    student_hash(b, st, f);
}

// Whether the recorded grade is of the same files, lab and grader; if so its
// newest file time is brought up to date, if not the record is removed, so
// a grading that fails half way cannot leave an old grade behind.
static int last_grade_holds(const struct batch *b, const char *record, const struct found *f)
{
    struct grade_record s;
    int holds = gradebook_read_record(record, &b->m, &s) == 0 && !b->force && strcmp(s.hash, f->hash) == 0;
    if (holds) {
        s.newest = f->newest;
        gradebook_write_record(record, &b->m, &s);
    } else {
        unlink(record);
    }
    gradebook_free_record(&s);
    return holds;
}

// Grade what was found and leave its reports and record in `dir`.  Returns
// 0, or EXIT_LAB_ERROR when the lab or the grader is broken.
static int grade_and_record(const struct batch *b, const struct student *st, const char *dir,
                            const struct found *f)
{
    struct grade g;
    struct buf err = {0};
    // Students share the cores; fewer students than cores share them out.
    struct grade_options opt = b->grade;
    opt.jobs = b->count < b->jobs ? b->jobs / b->count : 1;
    if (f->problem.len) {
        grade_from_problem(&b->m, st->path, buf_str(&f->problem), b->grade.only_case, &g);
    } else if (grade_submission(&b->m, &b->env, f->root, &opt, &g, &err) != 0) {
        fprintf(stderr, "labgrade: %s\n", buf_str(&err));
        buf_free(&err);
        grade_free(&g);
        return EXIT_LAB_ERROR;
    } else if (strcmp(f->root, st->path) != 0) {
        // Name the submission as the instructor knows it, not a temporary path.
        const char *inner = f->root + strlen(f->top);
        free(g.submission);
        g.submission = xasprintf("%s%s%s", st->path, *inner ? ", folder " : "", *inner ? inner + 1 : "");
    }
    struct grade_record s;
    record_grade(b, dir, &g, f->hash, f->newest, &s);
    gradebook_free_record(&s);
    grade_free(&g);
    return 0;
}

// In the student's own process: find, hash, grade, record.  Exits 0 when
// graded, EXIT_UNCHANGED when the last grade still holds.
static void grade_student(const struct batch *b, const struct student *st)
{
    char *dir = path_join(b->out, st->name);
    char *tmp = path_join(dir, ".tmp"), *log = path_join(dir, "batch.log");
    char *record = path_join(dir, "grade.txt");
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    // The grader's work directories go here too, so nothing is left behind.
    setenv("TMPDIR", tmp, 1);
    struct found f;
    find_submission(b, st, tmp, &f);
    int rc = last_grade_holds(b, record, &f) ? EXIT_UNCHANGED : grade_and_record(b, st, dir, &f);
    free(f.top);
    free(f.root);
    buf_free(&f.problem);
    free(record);
    free(log);
    free(tmp);
    free(dir);
    fflush(NULL);
    _exit(rc);
}

static char *student_dir(const struct batch *b, const struct student *st)
{
    return path_join(b->out, st->name);
}

static int start_student(struct batch *b, struct student *st)
{
    char *dir = student_dir(b, st);
    char *tmp = path_join(dir, ".tmp");
    dir_make(dir);
    dir_remove(tmp);
    dir_make(tmp);
    free(tmp);
    free(dir);
    fflush(NULL);
    st->started = now_seconds();
    st->pid = fork();
    if (st->pid == 0)
        grade_student(b, st);
    return st->pid < 0 ? -1 : 0;
}

// Why a student's grading process ended without a grade: one line for the
// gradebook, and the report's text with the end of its log.
static void failure_reason(const char *dir, int status, char **note, char **report)
{
    if (WIFSIGNALED(status))
        *note = xasprintf("not graded: the grader's process was stopped by %s",
                          strsignal(WTERMSIG(status)));
    else
        *note = xasprintf("not graded: the grader failed on it (exit %d)",
                          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    char *log = path_join(dir, "batch.log");
    char *text = file_read(log, 4096, NULL, NULL);
    *report = xasprintf("This submission was %s.  Grade it alone (labgrade LAB FOLDER) to see "
                        "why.\n%s", *note + strlen("not "), text ? text : "");
    free(text);
    free(log);
}

// Read back what a student's process left, or record why there is nothing.
static void finish_student(struct batch *b, struct student *st, int status)
{
    char *dir = student_dir(b, st);
    char *record = path_join(dir, "grade.txt"), *tmp = path_join(dir, ".tmp");
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if ((code == 0 || code == EXIT_UNCHANGED) && gradebook_read_record(record, &b->m, &st->s) == 0) {
        st->state = code == 0 ? "graded" : "unchanged";
    } else {
        char *note, *reason;
        failure_reason(dir, status, &note, &reason);
        struct grade g;
        gradebook_free_record(&st->s);
        grade_from_problem(&b->m, st->path, reason, b->grade.only_case, &g);
        record_grade(b, dir, &g, "-", 0, &st->s);
        free(st->s.note);
        st->s.note = note;
        gradebook_write_record(record, &b->m, &st->s);
        grade_free(&g);
        free(reason);
        st->state = "not graded";
    }
    dir_remove(tmp);
    free(tmp);
    free(record);
    free(dir);
}

static int is_late(const struct batch *b, const struct grade_record *s)
{
    // The deadline's minute is still on time.
    return b->have_deadline && s->newest >= (long)b->deadline + 60;
}

static void show_done(const struct batch *b, const struct student *st, int done)
{
    printf("[%d/%d] %-24s %7g/%-5g %6.1f s  %s%s%s%s\n", done, b->count, st->name, st->s.score,
           st->s.max, now_seconds() - st->started,
           strcmp(st->state, "unchanged") == 0 ? "unchanged" : "", is_late(b, &st->s) ? " late" : "",
           st->s.note && *st->s.note ? "  " : "", st->s.note ? st->s.note : "");
    fflush(stdout);
}

// Stop a student's grading process that ran past the backstop limit; its
// supervisors then kill their tests (they die with their parent).
static void stop_overdue(const struct batch *b, int started)
{
    for (int i = 0; i < started; i++)
        if (b->students[i].pid > 0 && now_seconds() - b->students[i].started > b->student_limit)
            kill(b->students[i].pid, SIGKILL);
}

// Grade the students, b->jobs at a time, each in a process of its own.
static void grade_all(struct batch *b)
{
    int next = 0, running = 0, done = 0;
    while (done < b->count) {
        for (; running < b->jobs && next < b->count; next++) {
            struct student *st = &b->students[next];
            if (start_student(b, st) == 0) {
                running++;
                continue;
            }
            finish_student(b, st, 127 << 8);   // as if it had exited 127: not graded
            show_done(b, st, ++done);
        }
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            stop_overdue(b, next);
            struct timespec pause = {0, 50 * 1000 * 1000};
            nanosleep(&pause, NULL);
            continue;
        }
        for (int i = 0; i < next; i++) {
            struct student *st = &b->students[i];
            if (st->pid != pid)
                continue;
            st->pid = 0;
            finish_student(b, st, status);
            running--;
            show_done(b, st, ++done);
        }
    }
}

// The gradebook: a row per student, in the students' order.
static int write_gradebook(const struct batch *b, const char *path)
{
    struct gradebook_row *rows = xcalloc((size_t)b->count + 1, sizeof *rows);
    for (int k = 0; k < b->count; k++)
        rows[k] = (struct gradebook_row){
            .student = b->students[k].name, .status = b->students[k].state,
            .late = b->have_deadline ? is_late(b, &b->students[k].s) : -1,
            .record = &b->students[k].s,
        };
    int rc = gradebook_write(path, &b->m, b->grade.only_case, rows, b->count);
    if (rc == 0 && b->m.figure_count > 0) {
        char *board = path_join(b->out, "leaderboard.csv");
        rc = gradebook_write_leaderboard(board, &b->m, rows, b->count, b->show_names);
        free(board);
    }
    free(rows);
    return rc;
}

// A generous backstop: every run's timeout one after the other, plus builds.
static double student_limit(const struct batch *b)
{
    double total = 600;
    for (int i = 0; i < b->m.case_count; i++)
        for (int t = 0; t < b->m.tool_count; t++)
            if (b->m.cases[i].tools & (1u << t))
                total += manifest_case_timeout(&b->m, &b->m.cases[i], t) + 30;
    return total;
}

static int setup(struct batch *b, const char *lab)
{
    struct buf err = {0};
    unsigned mask;
    char *out = NULL;
    int rc = -1;
    b->have_manifest = manifest_load(b->kit, lab, &b->m, &err) == 0;
    if (!b->have_manifest) {
        fprintf(stderr, "labgrade batch: %s\n", buf_str(&err));
    } else if (select_check(&b->m, b->grade.only_case, &err) != 0) {
        fprintf(stderr, "labgrade batch: %s\n", buf_str(&err));
    } else if (manifest_select_tools(&b->m, b->tools, &mask, &err) != 0) {
        fprintf(stderr, "labgrade batch: lab %s: %s\n", lab, buf_str(&err));
    } else if (dir_make(b->out) != 0 || !(out = path_real(b->out))) {
        fprintf(stderr, "labgrade batch: cannot make %s: %s\n", b->out, strerror(errno));
    } else if (build_env_init(&b->env, b->kit, b->cc, &err) != 0) {
        fprintf(stderr, "labgrade batch: %s\n", buf_str(&err));
    } else {
        b->have_env = 1;
        b->grade.tools = mask;
        free(b->out);
        b->out = out;
        out = NULL;
        rc = list_students(b);
    }
    free(out);
    buf_free(&err);
    return rc;
}

static void batch_free(struct batch *b)
{
    for (int k = 0; k < b->count; k++) {
        free(b->students[k].name);
        free(b->students[k].path);
        gradebook_free_record(&b->students[k].s);
    }
    free(b->students);
    if (b->have_env)
        build_env_free(&b->env);
    if (b->have_manifest)
        manifest_free(&b->m);
    free(b->out);
    free(b->kit_real);
    free((char *)b->grade.only_case);   // --case's patterns
}

// Grade every submission and write the gradebook.  Returns the exit status.
static int batch_run(struct batch *b, const char *lab, const char *kit)
{
    b->kit_real = path_real(b->kit ? b->kit : kit);
    if (!b->kit_real || !dir_exists(b->dir)) {
        fprintf(stderr, "labgrade batch: %s does not exist\n",
                b->kit_real ? b->dir : b->kit ? b->kit : kit);
        return 2;
    }
    b->kit = b->kit_real;
    if (setup(b, lab) != 0)
        return 2;
    b->student_limit = student_limit(b);
    printf("grading %d submission%s of %s, %d at a time, into %s\n", b->count,
           b->count == 1 ? "" : "s", b->m.lab, b->jobs, b->out);
    double start = now_seconds();
    grade_all(b);
    char *gradebook = path_join(b->out, "gradebook.csv");
    int failed = 0, late = 0, rc = write_gradebook(b, gradebook);
    for (int k = 0; k < b->count; k++) {
        failed += strcmp(b->students[k].state, "not graded") == 0;
        late += is_late(b, &b->students[k].s);
    }
    printf("gradebook: %s (%d graded, %d not graded, %d late) in %.1f s\n", gradebook,
           b->count - failed, failed, late, now_seconds() - start);
    if (rc != 0)
        fprintf(stderr, "labgrade batch: cannot write %s\n", gradebook);
    free(gradebook);
    return rc != 0 ? 2 : failed ? 1 : 0;
}

int batch_main(int argc, char **argv, const char *kit)
{
    struct batch b = {0};
    b.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    b.cc = "cc";
    b.report.hidden_visibility = "after_published";
    b.grade.figures = 1; // the class leaderboard
    int parsed = parse_options(argc, argv, &b);   // 1: --help
    int rc = parsed < 0 ? 2 : parsed > 0 ? 0 : batch_run(&b, argv[optind], kit);
    batch_free(&b);
    return rc;
}
