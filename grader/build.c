// Building a submission.
#define _GNU_SOURCE
#include "build.h"

#include "guard.h"
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { SOURCE_MAX = 4u << 20, COMPILER_OUTPUT_KEEP = 64 * 1024 };

// Run a short command outside the sandbox and capture its standard output.
static char *capture(char **argv, int *ok)
{
    char tmp[] = "/tmp/labgrade-capture-XXXXXX";
    int fd = mkstemp(tmp);
    *ok = 0;
    if (fd < 0)
        return NULL;
    close(fd);
    extern char **environ;
    const char *none[] = {NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = environ, .cwd = "/", .read_only = none, .writable = none,
        .wall_seconds = 30, .cpu_seconds = 30, .output_keep = 1 << 16, .output_max = 1 << 20,
        .output_path = tmp,
    };
    struct sandbox_result res;
    char *text = NULL;
    if (sandbox_exec(&spec, &res) == 0 && res.started) {
        text = file_read(tmp, 1 << 16, NULL, NULL);
        *ok = WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0;
    }
    unlink(tmp);
    if (text) {
        size_t n = strlen(text);
        while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
            text[--n] = '\0';
    }
    return text;
}

int build_env_init(struct build_env *env, const char *kit, const char *cc, struct buf *err)
{
    memset(env, 0, sizeof *env);
    env->kit = kit;
    env->cc = cc;
    int ok_cflags = 0, ok_libs = 0;
    char *cflags_argv[] = {"pkg-config", "--cflags", "check", NULL};
    char *libs_argv[] = {"pkg-config", "--libs", "check", NULL};
    env->check_cflags = capture(cflags_argv, &ok_cflags);
    env->check_libs = capture(libs_argv, &ok_libs);
    if (!ok_cflags || !ok_libs) {
        buf_puts(err, "the Check unit-test library was not found by `pkg-config check`; "
                      "install it with `make deps` (or: sudo apt-get install check pkg-config)");
        build_env_free(env);
        return -1;
    }
    return 0;
}

void build_env_free(struct build_env *env)
{
    free(env->check_cflags);
    free(env->check_libs);
    env->check_cflags = env->check_libs = NULL;
}

int workdir_create(struct workdir *w, const char *root)
{
    w->root = xstrdup(root);
    w->src = path_join(root, "src");
    w->data = path_join(root, "data");
    w->build = path_join(root, "build");
    w->runs = path_join(root, "runs");
    w->results = path_join(root, "results");
    const char *all[] = {w->src, w->data, w->build, w->runs, w->results};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (dir_make(all[i]) != 0)
            return -1;
    return 0;
}

void workdir_free(struct workdir *w)
{
    free(w->root);
    free(w->src);
    free(w->data);
    free(w->build);
    free(w->runs);
    free(w->results);
    memset(w, 0, sizeof *w);
}

int build_is_c_source(const char *name)
{
    size_t n = strlen(name);
    return n > 2 && strcmp(name + n - 2, ".c") == 0;
}

static int is_source(const char *name)
{
    size_t n = strlen(name);
    return build_is_c_source(name) || (n > 2 && strcmp(name + n - 2, ".h") == 0);
}

char *build_source_name(const struct manifest *m, const char *path)
{
    const char *base = path_base(path);
    for (int i = 0; i < m->submit_count; i++)
        if (strcmp(m->submit[i], base) == 0)
            return xasprintf("lab_%s", base);
    return xstrdup(base);
}

static int copy_lab_file(const char *from, const char *to_dir, const char *name, struct buf *problem)
{
    char *to = path_join(to_dir, name);
    struct buf why = {0};
    int rc = file_copy(from, to, 64u << 20, &why);
    if (rc != 0)
        buf_printf(problem, "the lab is incomplete: %s\n", buf_str(&why));
    buf_free(&why);
    free(to);
    return rc;
}

int build_prepare(const struct manifest *m, const struct build_env *env, const char *submission,
                  const struct workdir *w, struct buf *problem)
{
    if (!dir_exists(submission)) {
        buf_printf(problem, "the submission folder %s does not exist", submission);
        return 1;
    }
    int missing = 0;
    for (int i = 0; i < m->submit_count; i++) {
        char *from = path_join(submission, m->submit[i]);
        char *to = path_join(is_source(m->submit[i]) ? w->src : w->data, m->submit[i]);
        struct buf why = {0};
        if (!file_exists(from) && !dir_exists(from))
            buf_printf(problem, "missing file: %s (lab %s expects %s in the submission folder)\n",
                       m->submit[i], m->lab, m->submit[i]);
        else if (file_copy(from, to, SOURCE_MAX, &why) != 0)
            buf_printf(problem, "cannot use %s: %s\n", m->submit[i], buf_str(&why));
        missing += problem->len > 0;
        buf_free(&why);
        free(from);
        free(to);
    }
    if (missing)
        return 1;
    for (int i = 0; i < m->provide_count; i++) {
        char *from = path_join(m->dir, m->provide[i]);
        char *name = build_source_name(m, m->provide[i]);
        int rc = copy_lab_file(from, is_source(name) ? w->src : w->data, name, problem);
        free(name);
        free(from);
        if (rc != 0)
            return -1;
    }
    for (int i = 0; i < m->suite_count; i++) {
        if (!m->suites[i].present)
            continue;
        char *from = path_join(m->dir, m->suites[i].path);
        char *name = build_source_name(m, m->suites[i].path);
        int rc = copy_lab_file(from, w->src, name, problem);
        free(name);
        free(from);
        if (rc != 0)
            return -1;
    }
    const char *harness[] = {"grader/runner/runner.c", "grader/runner/labkit_check.h"};
    for (size_t i = 0; i < 2; i++) {
        char *from = path_join(env->kit, harness[i]);
        char *name = build_source_name(m, harness[i]);
        int rc = copy_lab_file(from, w->src, name, problem);
        free(name);
        free(from);
        if (rc != 0)
            return -1;
    }
    return guard_prepare_student_dir(m, w, problem) == 0 ? 0 : -1;
}

static void add_words(char ***argv, int *count, const char *text)
{
    char *copy = xstrdup(text), *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        *argv = xrealloc(*argv, sizeof **argv * (size_t)(*count + 2));
        (*argv)[(*count)++] = xstrdup(w);
        (*argv)[*count] = NULL;
    }
    free(copy);
}

static void free_argv(char **argv)
{
    for (char **p = argv; p && *p; p++)
        free(*p);
    free(argv);
}

// Keep what a student needs of a compiler's output: each error (or, with
// want_warnings, each warning) with its few lines of context.
static void summarize_compiler(const char *text, int want_warnings, int max, struct buf *out)
{
    int shown = 0, in_item = 0, context = 0;
    const char *line = text;
    while (line && *line && shown <= max) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *copy = xstrndup(line, len);
        // A binary file "compiles" into error lines full of raw bytes.
        for (char *c = copy; *c; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t')
                *c = '?';
            else if ((unsigned char)*c >= 0x80)
                *c = '?';
        int is_error = strstr(copy, "error:") || strstr(copy, "undefined reference") ||
                       strstr(copy, "multiple definition");
        int is_warning = strstr(copy, "warning:") != NULL;
        int is_item = want_warnings ? is_warning : is_error;
        int is_note = strstr(copy, ": note:") != NULL;
        int is_header = !is_note && (is_error || is_warning);
        if (is_item && ++shown <= max) {
            in_item = 1;
            context = 0;
            buf_printf(out, "  %s\n", copy);
        } else if (in_item && is_note) {
            // A note often names the expected type: keep it and its source line.
            context = 1;
            buf_printf(out, "  %s\n", copy);
        } else if (in_item && strncmp(copy, "In file included from", 21) == 0) {
            // Says where a note's header came from; the note says it better.
        } else if (is_header || strstr(copy, "In function") || strstr(copy, "in function")) {
            in_item = 0;
        } else if (in_item && context++ < 3) {
            buf_printf(out, "  %s\n", copy);
        }
        free(copy);
        line = end ? end + 1 : NULL;
    }
    if (shown > max)
        buf_printf(out, "  (and more; fix these first)\n");
}

// A function of the lab's API the submission does not define shows as the
// linker's "undefined reference to `mm_calloc'" at a line of the tests:
// say instead which function is missing, once per name.
static int explain_undefined(const struct manifest *m, const char *linker, struct buf *out)
{
    int others = 0;
    static const char marker[] = "undefined reference to `";
    char **named = NULL;
    int count = 0;
    for (const char *p = strstr(linker, marker); p; p = strstr(p + 1, marker)) {
        const char *name = p + sizeof marker - 1;
        const char *line = p;
        while (line > linker && line[-1] != '\n')
            line--;
        int in_submission = 0;
        for (int i = 0; i < m->submit_count; i++) {
            const char *at = strstr(line, m->submit[i]);
            in_submission |= at && at < p && at[strlen(m->submit[i])] == ':';
        }
        if (in_submission) {
            others++;   // the student's own call to something undefined
            continue;
        }
        char *symbol = xstrndup(name, strcspn(name, "'\n"));
        int seen = 0;
        for (int i = 0; i < count; i++)
            seen |= strcmp(named[i], symbol) == 0;
        if (seen || count == 32) {
            free(symbol);
            continue;
        }
        named = xrealloc(named, sizeof *named * (size_t)(count + 1));
        named[count++] = symbol;
        const char *file = NULL;
        for (int i = 0; i < m->submit_count && !file; i++)
            file = build_is_c_source(m->submit[i]) ? m->submit[i] : NULL;
        buf_printf(out, "%s must define %s (see the handout's API: labs/%s/README.md)\n",
                   file ? file : "your code", symbol, m->lab);
    }
    for (int i = 0; i < count; i++)
        free(named[i]);
    free(named);
    return others;
}

// Compile or link in the sandbox; returns 0 when the command succeeded.
// `cwd` is the folder it sees (NULL: w->src).
static int run_compiler(const struct build_env *env, const struct workdir *w, const char *cwd,
                        char **argv, const char *writable, const char *log, char **output)
{
    char *env_vars[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "TMPDIR=/tmp", NULL};
    const char *ro[] = {cwd ? cwd : w->src, NULL};
    const char *rw[] = {writable, NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env_vars, .cwd = ro[0], .read_only = ro, .writable = rw,
        .wall_seconds = 120, .cpu_seconds = 120, .memory_mb = 2048, .memory_by_rss = 1,
        .output_keep = COMPILER_OUTPUT_KEEP, .output_max = 16 << 20, .output_path = log,
        .use_bwrap = env->use_bwrap,
    };
    struct sandbox_result res;
    int rc = sandbox_exec(&spec, &res);
    *output = file_read(log, COMPILER_OUTPUT_KEEP, NULL, NULL);
    if (!*output)
        *output = xstrdup("");
    if (rc == 0 && res.timed_out) {
        char *more = xasprintf("%s\nthe compiler ran for more than %.0f s and was stopped\n",
                               *output, spec.wall_seconds);
        free(*output);
        *output = more;
    }
    return rc == 0 && res.started && !res.timed_out && WIFEXITED(res.status) &&
                   WEXITSTATUS(res.status) == 0
               ? 0
               : -1;
}

struct source {
    char *name;        // in w->src
    int submitted;
};

// Every .c file of a build: the harness, the suites, the lab's, the student's.
static int list_sources(const struct manifest *m, struct source *out, int max)
{
    int n = 0;
    out[n++] = (struct source){build_source_name(m, "runner.c"), 0};
    for (int i = 0; i < m->suite_count && n < max; i++)
        if (m->suites[i].present)
            out[n++] = (struct source){build_source_name(m, m->suites[i].path), 0};
    for (int i = 0; i < m->provide_count && n < max; i++) {
        char *name = build_source_name(m, m->provide[i]);
        if (build_is_c_source(name))
            out[n++] = (struct source){name, 0};
        else
            free(name);
    }
    for (int i = 0; i < m->submit_count && n < max; i++)
        if (build_is_c_source(m->submit[i]))
            out[n++] = (struct source){xstrdup(m->submit[i]), 1};
    return n;
}

static char *object_name(const char *dir, const char *source)
{
    char *base = xstrdup(source);
    base[strlen(base) - 1] = 'o';
    char *path = path_join(dir, base);
    free(base);
    return path;
}

char *build_object(const struct workdir *w, const char *variant, const char *source)
{
    char *dir = path_join(w->build, variant);
    char *path = object_name(dir, source);
    free(dir);
    return path;
}

char *build_binary(const struct workdir *w, const char *variant, const char *suite)
{
    char *dir = path_join(w->build, variant);
    char *path = path_join(dir, suite);
    free(dir);
    return path;
}

static int link_suite(const struct manifest *m, const struct build_env *env, const struct workdir *w,
                      const char *variant, const char *variant_cflags, const char *dir,
                      const struct source *sources, int count, int suite_index, struct buf *errors)
{
    char **argv = NULL;
    int n = 0;
    char *binary = build_binary(w, variant, m->suites[suite_index].name);
    char *suite_source = build_source_name(m, m->suites[suite_index].path);
    add_words(&argv, &n, env->cc);
    add_words(&argv, &n, variant_cflags);
    add_words(&argv, &n, "-pthread -o");
    add_words(&argv, &n, binary);
    for (int i = 0; i < count; i++) {
        // Link this suite's test file, not the other suites'.
        int is_suite = 0;
        for (int s = 0; s < m->suite_count; s++) {
            char *name = build_source_name(m, m->suites[s].path);
            is_suite |= m->suites[s].present && strcmp(name, sources[i].name) == 0;
            free(name);
        }
        if (is_suite && strcmp(sources[i].name, suite_source) != 0)
            continue;
        char *object = object_name(dir, sources[i].name);
        add_words(&argv, &n, object);
        free(object);
    }
    add_words(&argv, &n, env->check_libs);
    // The runner refers to libseccomp weakly (see runner.c): keep it linked.
    add_words(&argv, &n, "-Wl,--push-state,--no-as-needed -lseccomp -Wl,--pop-state");
    add_words(&argv, &n, m->ldflags);
    char *log_name = xasprintf("link-%s-%s.txt", variant, m->suites[suite_index].name);
    char *log = path_join(w->results, log_name);
    char *output = NULL;
    int rc = run_compiler(env, w, NULL, argv, dir, log, &output);
    if (rc != 0) {
        struct buf missing = {0};
        int others = explain_undefined(m, output, &missing);
        buf_puts(errors, buf_str(&missing));
        if (others || !missing.len) {
            buf_printf(errors, "linking the %s tests failed:\n", m->suites[suite_index].name);
            summarize_compiler(output, 0, 5, errors);
        }
        buf_free(&missing);
    }
    free(output);
    free(log);
    free(log_name);
    free(suite_source);
    free(binary);
    free_argv(argv);
    return rc;
}

enum build_status build_variant(const struct manifest *m, const struct build_env *env,
                                const struct workdir *w, const char *variant,
                                const char *variant_cflags, struct buf *errors,
                                struct buf *warnings)
{
    struct source sources[512];
    int count = list_sources(m, sources, 512);
    enum build_status failed = BUILD_OK;
    char *dir = path_join(w->build, variant);
    dir_make(dir);
    for (int i = 0; i < count; i++) {
        char **argv = NULL;
        int n = 0;
        char *object = object_name(dir, sources[i].name);
        add_words(&argv, &n, env->cc);
        add_words(&argv, &n, "-std=gnu11 -g -Wall -Wextra -fno-omit-frame-pointer -I.");
        add_words(&argv, &n, env->check_cflags);
        add_words(&argv, &n, m->cflags);
        add_words(&argv, &n, variant_cflags);
        add_words(&argv, &n, "-c -o");
        add_words(&argv, &n, object);
        add_words(&argv, &n, sources[i].name);
        char *log_name = xasprintf("compile-%s-%s.txt", variant, sources[i].name);
        char *log = path_join(w->results, log_name);
        char *output = NULL;
        // A submitted file is compiled where only it and the lab's headers are.
        char *student_dir = sources[i].submitted ? guard_student_dir(w) : NULL;
        int rc = run_compiler(env, w, student_dir, argv, dir, log, &output);
        free(student_dir);
        if (rc != 0) {
            buf_printf(errors, "%s%s does not compile:\n", sources[i].submitted ? "" : "lab file ",
                       sources[i].name);
            summarize_compiler(output, 0, 5, errors);
            // The lab's own file failing is the lab's mistake, whatever else failed.
            if (!sources[i].submitted)
                failed = BUILD_LAB_ERROR;
            else if (failed == BUILD_OK)
                failed = BUILD_STUDENT_ERROR;
        } else if (sources[i].submitted && warnings && strstr(output, "warning:")) {
            buf_printf(warnings, "%s compiles with warnings:\n", sources[i].name);
            summarize_compiler(output, 1, 5, warnings);
        }
        free(output);
        free(log);
        free(log_name);
        free(object);
        free_argv(argv);
    }
    for (int s = 0; s < m->suite_count && !failed; s++)
        if (m->suites[s].present)
            failed = link_suite(m, env, w, variant, variant_cflags, dir, sources, count, s,
                                errors) != 0 ? BUILD_STUDENT_ERROR : BUILD_OK;
    for (int i = 0; i < count; i++)
        free(sources[i].name);
    free(dir);
    return failed;
}
