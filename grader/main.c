// labgrade: the kit's autograder.  Builds a submission for a lab, runs its
// tests natively, under Valgrind and under ThreadSanitizer, and reports an
// explained score.
#define _GNU_SOURCE
#include "batch.h"
#include "build.h"
#include "grade.h"
#include "last.h"
#include "lint.h"
#include "manifest.h"
#include "report.h"
#include "sandbox.h"
#include "select.h"

#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_FULL = 0, EXIT_NOT_FULL = 1, EXIT_USAGE = 2 };

static void usage(FILE *out)
{
    fputs("usage: labgrade [options] LAB [SUBMISSION_DIR]\n"
          "       labgrade lint LAB [SUBMISSION_DIR]\n"
          "       labgrade list\n"
          "       labgrade batch LAB DIR [--out OUTDIR] [--jobs N] [--deadline TIME] [--force]\n"
          "\n"
          "Grades the files of SUBMISSION_DIR (default: starter/LAB of the kit) against\n"
          "labs/LAB/lab.conf: builds them, runs each test case in its own process under\n"
          "each of its tools (native, memcheck, tsan, ...) and explains every failure.\n"
          "\n"
          "  --json FILE        write Gradescope's results.json (- for standard output)\n"
          "  --junit FILE       write JUnit XML\n"
          "  -j, --jobs N       run N tests at once (default: the number of cores)\n"
          "  --tools LIST       only these tools, e.g. native,tsan\n"
          "  --case NAME        only these test cases: names or globs, comma-separated\n"
          "                     or --case repeated (an unknown name is an error)\n"
          "  --task N           only the cases of the handout's task N (lab.conf `task`)\n"
          "  --leaderboard      also run the cases that only measure a leaderboard figure\n"
          "                     (lab.conf `figure`; results.json gets a leaderboard)\n"
          "  --keep             keep the work directory and say how to rerun a case\n"
          "  --workdir DIR      work in DIR (kept afterwards)\n"
          "  --no-sandbox       do not use bubblewrap even where it works\n"
          "  --hidden-visibility V  Gradescope visibility of hidden cases\n"
          "                     (default after_published)\n"
          "  --kit DIR          the kit's root folder (default: the one holding this grader)\n"
          "  --cc CC            the C compiler (default: cc)\n"
          "  -q, --quiet        print only the score line\n"
          "  -h, --help         this text\n"
          "\n"
          "batch grades a folder of submissions, one per student, into a gradebook\n"
          "(labgrade batch --help).\n"
          "\n"
          "lint builds a lab with a submission (default: its solution if the kit has it,\n"
          "else its starter) and checks that lab.conf and the tests name the same cases.\n"
          "\n"
          "Exit status: 0 full marks, 1 not full marks, 2 bad input or a broken lab.\n",
          out);
}

struct cli {
    struct grade_options grade;
    struct report_options report;
    const char *json;
    const char *junit;
    const char *kit;
    const char *cc;
    const char *tools;
    const char *task;
    int quiet;
    int no_sandbox;
};

static char *default_kit(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return xstrdup(".");
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';                     // .../grader
    slash = strrchr(exe, '/');
    if (slash && strcmp(slash + 1, "grader") == 0)
        *slash = '\0';                     // the kit
    return xstrdup(exe);
}

// Returns 0, 1 after printing --help, or -1 on a bad option.
static int parse_options(int argc, char **argv, struct cli *cli)
{
    static const struct option options[] = {
        {"json", required_argument, NULL, 'J'},   {"junit", required_argument, NULL, 'U'},
        {"jobs", required_argument, NULL, 'j'},   {"tools", required_argument, NULL, 'T'},
        {"case", required_argument, NULL, 'C'},   {"keep", no_argument, NULL, 'k'},
        {"workdir", required_argument, NULL, 'W'}, {"no-sandbox", no_argument, NULL, 'N'},
        {"kit", required_argument, NULL, 'K'},    {"cc", required_argument, NULL, 'c'},
        {"hidden-visibility", required_argument, NULL, 'V'},
        {"task", required_argument, NULL, 'A'},   {"leaderboard", no_argument, NULL, 'L'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "j:qh", options, NULL)) != -1) {
        switch (opt) {
        case 'J': cli->json = optarg; break;
        case 'U': cli->junit = optarg; break;
        case 'j': cli->grade.jobs = atoi(optarg); break;
        case 'T': cli->tools = optarg; break;
        case 'C': cli->grade.only_case = select_join((char *)cli->grade.only_case, optarg); break;
        case 'A': cli->task = optarg; break;
        case 'k': cli->grade.keep = 1; break;
        case 'L': cli->grade.figures = 1; break;
        case 'W': cli->grade.workdir = optarg; break;
        case 'N': cli->no_sandbox = 1; break;
        case 'K': cli->kit = optarg; break;
        case 'c': cli->cc = optarg; break;
        case 'V':
            if (report_check_visibility(optarg) != 0)
                return -1;
            cli->report.hidden_visibility = optarg;
            break;
        case 'q': cli->quiet = 1; break;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return -1;
        }
    }
    if (cli->grade.jobs <= 0) {
        fprintf(stderr, "labgrade: --jobs needs a positive number\n");
        return -1;
    }
    return 0;
}

// --task N picks the cases of that task; every pattern picked must name a
// case (exit 2 otherwise, with the closest names).
static int select_cases(struct cli *cli, const struct manifest *m)
{
    struct buf why = {0};
    int rc = 0;
    if (cli->task && cli->grade.only_case) {
        buf_puts(&why, "--task and --case pick cases two ways: give one of them");
        rc = -1;
    } else if (cli->task) {
        char *title = NULL;
        char *spec = select_task(m, cli->task, &title, &why);
        if (spec) {
            if (!cli->quiet)
                printf("task %s, %s: only its cases (%s)\n", cli->task, title, spec);
            cli->grade.only_case = spec;
        } else {
            rc = -1;
        }
        free(title);
    }
    if (rc == 0 && select_check(m, cli->grade.only_case, &why) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "labgrade: %s\n", buf_str(&why));
    buf_free(&why);
    return rc;
}

static int list_labs(const char *kit)
{
    char *pattern = xasprintf("%s/labs/*/lab.conf", kit);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            char *dir = xstrdup(g.gl_pathv[i]);
            *strrchr(dir, '/') = '\0';
            struct manifest m;
            struct buf err = {0};
            if (manifest_load(kit, path_base(dir), &m, &err) == 0) {
                printf("%-10s %s\n", m.lab, m.title ? m.title : "");
                manifest_free(&m);
            } else {
                printf("%-10s (broken: %s)\n", path_base(dir), buf_str(&err));
            }
            buf_free(&err);
            free(dir);
        }
        globfree(&g);
    }
    free(pattern);
    return 0;
}

static int on_path(const char *program)
{
    const char *path = getenv("PATH");
    char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL;
    int found = 0;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *full = path_join(dir, program);
        found = access(full, X_OK) == 0;
        free(full);
    }
    free(copy);
    return found;
}

// The tools this grade needs must be installed: say so before building.
static int tools_installed(const struct manifest *m, unsigned selected)
{
    unsigned used = 0;
    for (int i = 0; i < m->case_count; i++)
        used |= m->cases[i].tools;
    if (selected)
        used &= selected;
    for (int t = 0; t < m->tool_count; t++) {
        const char *program = m->tools[t].kind->program;
        if ((used & (1u << t)) && program && !on_path(program)) {
            fprintf(stderr, "labgrade: lab %s runs tests under %s, which is not installed: "
                            "make deps (or: sudo apt-get install %s), or choose the tools with "
                            "--tools\n", m->lab, m->tools[t].kind->label, program);
            return 0;
        }
    }
    return 1;
}

static int grade_command(struct cli *cli, const struct manifest *m, const struct build_env *env,
                         const char *submission, const char *kit)
{
    struct grade g;
    struct buf err = {0};
    // Without --keep or --workdir, a failing build stays, as .labgrade/last.
    int last = !cli->grade.keep && !cli->grade.workdir && last_wanted(kit);
    cli->grade.keep |= last;
    int graded = grade_submission(m, env, submission, &cli->grade, &g, &err);
    char *kept = last && graded == 0 ? last_keep(&g, kit) : NULL;
    if (graded != 0) {
        fprintf(stderr, "labgrade: %s\n", buf_str(&err));
        buf_free(&err);
        grade_free(&g);
        return EXIT_USAGE;
    }
    if (!cli->quiet) {
        report_terminal(stdout, &g, &cli->report);
        if (kept)
            last_note(stdout, &g, kept);
    } else
        printf("%s: %g/%g\n", m->lab, g.score, g.max_score);
    int rc = g.score >= g.max_score && !g.problem ? EXIT_FULL : EXIT_NOT_FULL;
    if (cli->json && report_json(cli->json, &g, &cli->report) != 0) {
        fprintf(stderr, "labgrade: cannot write %s\n", cli->json);
        rc = EXIT_USAGE;
    }
    if (cli->junit && report_junit(cli->junit, &g) != 0) {
        fprintf(stderr, "labgrade: cannot write %s\n", cli->junit);
        rc = EXIT_USAGE;
    }
    grade_free(&g);
    free(kept);
    return rc;
}

// Grade (or lint) the lab argv[optind] names.  One exit path frees what
// was made, so an early error leaves nothing held.
static int run_command(struct cli *cli, int argc, char **argv)
{
    int rc = EXIT_USAGE, loaded = -1, env_ready = 0;
    struct manifest m;
    struct build_env env;
    struct buf err = {0};
    char *submission = NULL;
    char *kit = cli->kit ? path_real(cli->kit) : default_kit();
    if (!kit || !dir_exists(kit)) {
        fprintf(stderr, "labgrade: the kit folder %s does not exist\n", cli->kit);
        goto out;
    }
    const char *command = optind < argc ? argv[optind] : NULL;
    if (!command) {
        usage(stderr);
        goto out;
    }
    if (strcmp(command, "list") == 0) {
        rc = list_labs(kit);
        goto out;
    }
    int lint = strcmp(command, "lint") == 0;
    if (lint && ++optind >= argc) {
        fprintf(stderr, "labgrade: lint needs a lab name\n");
        goto out;
    }
    const char *lab = argv[optind];
    loaded = manifest_load(kit, lab, &m, &err);
    if (loaded != MANIFEST_OK) {
        fprintf(stderr, "labgrade: %s\n", buf_str(&err));
        if (loaded == MANIFEST_NO_LAB)
            fprintf(stderr, "labgrade: the labs in this kit: `labgrade list`\n");
        goto out;
    }
    if (select_cases(cli, &m) != 0)
        goto out;
    unsigned mask;
    if (manifest_select_tools(&m, cli->tools, &mask, &err) != 0) {
        fprintf(stderr, "labgrade: lab %s: %s\n", lab, buf_str(&err));
        goto out;
    }
    cli->grade.tools = mask;
    if (!tools_installed(&m, mask))
        goto out;
    if (optind + 1 < argc) {
        submission = xstrdup(argv[optind + 1]);
    } else {
        submission = xasprintf("%s/solutions/%s", kit, lab);
        if (!lint || !dir_exists(submission)) {
            free(submission);
            submission = xasprintf("%s/starter/%s", kit, lab);
        }
    }
    cli->report.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    cli->grade.progress = isatty(STDERR_FILENO) && !cli->quiet;
    cli->grade.use_bwrap = !cli->no_sandbox && sandbox_bwrap_works();
    if (!cli->no_sandbox && !cli->grade.use_bwrap && !cli->quiet)
        fprintf(stderr, "labgrade: bubblewrap is not available here: tests run with process "
                        "limits only, not in a sandbox (apt-get install bubblewrap)\n");
    if (build_env_init(&env, kit, cli->cc, &err) != 0) {
        fprintf(stderr, "labgrade: %s\n", buf_str(&err));
        goto out;
    }
    env_ready = 1;
    rc = lint ? lint_lab(&m, &env, submission) : grade_command(cli, &m, &env, submission, kit);
out:
    if (env_ready)
        build_env_free(&env);
    if (loaded == MANIFEST_OK)
        manifest_free(&m);
    free(submission);
    free(kit);
    buf_free(&err);
    return rc;
}

int main(int argc, char **argv)
{
    struct cli cli = {0};
    cli.grade.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    cli.report.hidden_visibility = "after_published";
    cli.cc = "cc";
    signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && strcmp(argv[1], "batch") == 0) {
        char *kit = default_kit();
        int rc = batch_main(argc - 1, argv + 1, kit);
        free(kit);
        return rc;
    }
    int parsed = parse_options(argc, argv, &cli);   // 1: --help
    int rc = parsed < 0 ? EXIT_USAGE : parsed > 0 ? EXIT_FULL : run_command(&cli, argc, argv);
    free((char *)cli.grade.only_case);   // --case's or --task's patterns
    return rc;
}
