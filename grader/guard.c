// Grade integrity: the run's key and proof, the student build folder, and
// the scans of submitted sources and objects for ways around the tools.
#define _GNU_SOURCE
#include "guard.h"

#include "sandbox.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

void guard_new_key(unsigned char key[GUARD_KEY_BYTES])
{
    size_t got = 0;
    while (got < GUARD_KEY_BYTES) {
        ssize_t n = getrandom(key + got, GUARD_KEY_BYTES - got, 0);
        if (n <= 0) {
            fprintf(stderr, "labgrade: no random numbers for the runs' keys\n");
            abort();
        }
        got += (size_t)n;
    }
}

void guard_key_on_fd4(const unsigned char *key, int len)
{
    close(4);
    if (!key)
        return;
    int p[2];
    if (pipe(p) != 0)
        return;
    if (write(p[1], key, (size_t)len) != len)
        _exit(127);
    close(p[1]);
    if (p[0] != 4) {
        dup2(p[0], 4);
        close(p[0]);
    }
}

int guard_proof_ok(const char *proof, const unsigned char key[GUARD_KEY_BYTES])
{
    static const char hex[] = "0123456789abcdef";
    if (!proof || strlen(proof) != 2 * GUARD_KEY_BYTES)
        return 0;
    int diff = 0;
    for (int i = 0; i < GUARD_KEY_BYTES; i++)
        diff |= (proof[2 * i] ^ hex[key[i] >> 4]) | (proof[2 * i + 1] ^ hex[key[i] & 15]);
    return diff == 0;
}

const char *guard_forged_message(void)
{
    return "forged pass: the result reported for this case does not carry the runner's proof; "
           "the case fails";
}

char *guard_syscalls_env(const struct manifest *m, const struct tool_kind *kind)
{
    struct buf b = {0};
    buf_puts(&b, "LK_SYSCALLS=");
    // The lab's words as the runner's filter reads them: a lab opens files
    // for reading only, and a lab that forks needs clone.
    for (int i = 0; i < m->syscall_count; i++) {
        const char *name = m->syscalls[i];
        buf_puts(&b, strcmp(name, "openat") == 0 ? "openat:rdonly" : name);
        buf_puts(&b, strcmp(name, "fork") == 0 ? " clone " : " ");
    }
    buf_puts(&b, kind->syscalls ? kind->syscalls : "");
    int forks = 0;
    for (int i = 0; i < m->syscall_count; i++)
        forks |= strcmp(m->syscalls[i], "fork") == 0;
    if (forks && kind->fork_syscalls)
        buf_printf(&b, " %s", kind->fork_syscalls);
    return b.data;
}

// ---- The student build folder ---------------------------------------------

static int is_header(const char *name)
{
    size_t n = strlen(name);
    return n > 2 && strcmp(name + n - 2, ".h") == 0;
}

static int is_code(const char *name)
{
    return is_header(name) || build_is_c_source(name);
}

char *guard_student_dir(const struct workdir *w)
{
    return path_join(w->root, "student");
}

int guard_prepare_student_dir(const struct manifest *m, const struct workdir *w, struct buf *problem)
{
    char *dir = guard_student_dir(w);
    int rc = dir_make(dir);
    for (int i = 0; rc == 0 && i < m->submit_count; i++) {
        if (!is_code(m->submit[i]))
            continue;
        char *from = path_join(w->src, m->submit[i]);
        char *to = path_join(dir, m->submit[i]);
        rc = file_copy(from, to, 64u << 20, problem);
        free(from);
        free(to);
    }
    for (int i = 0; rc == 0 && i < m->provide_count; i++) {
        char *name = build_source_name(m, m->provide[i]);
        if (is_header(name)) {
            char *from = path_join(w->src, name);
            char *to = path_join(dir, name);
            rc = file_copy(from, to, 64u << 20, problem);
            free(from);
            free(to);
        }
        free(name);
    }
    free(dir);
    return rc;
}

// ---- Source scan ----------------------------------------------------------

enum rule_kind { RULE_SWITCH, RULE_DETECT, RULE_INTERFACE, RULE_VALGRIND, RULE_FRAMES };

struct rule {
    const char *word;
    int prefix;          // the word starts an identifier
    enum rule_kind kind;
};

static const struct rule rules[] = {
    {"no_sanitize", 0, RULE_SWITCH},
    {"no_sanitize_", 1, RULE_SWITCH},
    {"disable_sanitizer_instrumentation", 0, RULE_SWITCH},
    {"no_address_safety_analysis", 0, RULE_SWITCH},
    {"__tsan_", 1, RULE_INTERFACE},
    {"__asan_", 1, RULE_INTERFACE},
    {"__ubsan_", 1, RULE_INTERFACE},
    {"__msan_", 1, RULE_INTERFACE},
    {"__lsan_", 1, RULE_INTERFACE},
    {"__hwasan_", 1, RULE_INTERFACE},
    {"__sanitizer_", 1, RULE_INTERFACE},
    {"AnnotateHappens", 1, RULE_INTERFACE},
    {"AnnotateIgnore", 1, RULE_INTERFACE},
    {"AnnotateBenignRace", 1, RULE_INTERFACE},
    {"AnnotateRWLock", 1, RULE_INTERFACE},
    {"RUNNING_ON_VALGRIND", 0, RULE_DETECT},
    {"VALGRIND_", 1, RULE_VALGRIND},
    {"__SANITIZE_THREAD__", 0, RULE_DETECT},
    {"__SANITIZE_ADDRESS__", 0, RULE_DETECT},
    {"__has_feature", 0, RULE_DETECT},
    {"LK_EXPLORE", 0, RULE_DETECT},
    {"LK_TOOL", 0, RULE_DETECT},
    {"lk_tool", 0, RULE_DETECT},
    {"LK_SLOWDOWN", 0, RULE_DETECT},
    {"lk_slowdown", 0, RULE_DETECT},
    {"__builtin_return_address", 0, RULE_FRAMES},
    {"__builtin_frame_address", 0, RULE_FRAMES},
};

static const char *rule_reason(enum rule_kind kind)
{
    switch (kind) {
    case RULE_SWITCH:
        return "switches a checking tool off for this code";
    case RULE_DETECT:
        return "asks which tool is watching; code must behave the same under every tool";
    case RULE_INTERFACE:
        return "calls a sanitizer's own interface, which tells the tool what to believe";
    case RULE_VALGRIND:
        return "is a Valgrind client request, which tells Valgrind what to check";
    default:
        return "reads the harness's call stack (a way to skip the test's checks)";
    }
}

static const struct rule *match_rule(const char *word)
{
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        size_t n = strlen(rules[i].word);
        if (rules[i].prefix ? strncmp(word, rules[i].word, n) == 0 : strcmp(word, rules[i].word) == 0)
            return &rules[i];
    }
    return NULL;
}

// One finding per file, line and word.
static int report(struct buf *problem, struct buf *seen, const char *file, int line, const char *word,
                  const char *reason)
{
    char *key = xasprintf("\n%s:%d:%s\n", file, line, word);
    int fresh = !strstr(buf_str(seen), key);
    if (fresh) {
        buf_puts(seen, key);
        buf_printf(problem, "  %s:%d: `%s` %s\n", file, line, word, reason);
    }
    free(key);
    return fresh;
}

// Scan the identifiers of one line of code (comments and literals already
// blanked).
static int scan_words(const char *code, const char *file, int line, struct buf *problem,
                      struct buf *seen)
{
    int found = 0;
    for (const char *p = code; *p;) {
        if (isalpha((unsigned char)*p) || *p == '_') {
            const char *start = p;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            char word[128];
            snprintf(word, sizeof word, "%.*s", (int)(p - start), start);
            const struct rule *r = match_rule(word);
            if (r)
                found += report(problem, seen, file, line, word, rule_reason(r->kind));
        } else if (isdigit((unsigned char)*p)) {
            while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
                p++;
        } else {
            p++;
        }
    }
    return found;
}

// Blank comments and the insides of string and character literals in place
// (newlines kept); a literal naming the tool setting is reported.
static void blank_text(char *text)
{
    enum { CODE, LINE_COMMENT, BLOCK_COMMENT, STRING, CHAR } state = CODE;
    for (char *p = text; *p; p++) {
        char c = *p, next = p[1];
        switch (state) {
        case CODE:
            if (c == '/' && next == '/')
                state = LINE_COMMENT, *p = ' ';
            else if (c == '/' && next == '*')
                state = BLOCK_COMMENT, *p = ' ', *++p = ' ';
            else if (c == '"')
                state = STRING;
            else if (c == '\'')
                state = CHAR;
            break;
        case LINE_COMMENT:
            if (c == '\n')
                state = CODE;
            else
                *p = ' ';
            break;
        case BLOCK_COMMENT:
            if (c == '*' && next == '/')
                state = CODE, *p = ' ', *++p = ' ';
            else if (c != '\n')
                *p = ' ';
            break;
        case STRING:
        case CHAR:
            if (c == '\\' && next)
                *p = ' ', p[1] = p[1] == '\n' ? '\n' : ' ', p++;
            else if (c == (state == STRING ? '"' : '\''))
                state = CODE;
            else if (c != '\n')
                *p = 'x';
            break;
        }
    }
}

// The submitted file as written: directives (#if __has_feature ...) and
// names, before any macro hides them.
static int scan_raw(const char *path, const char *name, struct buf *problem, struct buf *seen)
{
    char *text = file_read(path, 8u << 20, NULL, NULL);
    if (!text)
        return 0;
    int found = guard_scan_text(text, name, problem, seen);
    free(text);
    return found;
}

int guard_scan_text(const char *source, const char *name, struct buf *problem, struct buf *seen)
{
    char *text = xstrdup(source);
    int found = 0;
    // The tool settings' names inside strings (getenv("LK_TOOL")).
    static const char *const settings[] = {"LK_TOOL", "LK_SLOWDOWN", "LK_EXPLORE", "TSAN_OPTIONS"};
    int line = 1;
    for (const char *p = text; *p; p++) {
        size_t s = 0;
        while (s < sizeof settings / sizeof *settings &&
               strncmp(p, settings[s], strlen(settings[s])) != 0)
            s++;
        if (*p == '\n')
            line++;
        else if (s < sizeof settings / sizeof *settings)
            found += report(problem, seen, name, line, settings[s], rule_reason(RULE_DETECT));
        // __attribute__((optimize("no-sanitize=thread"))) and the like.
        else if (strncmp(p, "no-sanitize", 11) == 0)
            found += report(problem, seen, name, line, "no-sanitize", rule_reason(RULE_SWITCH));
    }
    blank_text(text);
    line = 1;
    for (char *start = text, *end; start && *start; start = end ? end + 1 : NULL, line++) {
        end = strchr(start, '\n');
        if (end)
            *end = '\0';
        found += scan_words(start, name, line, problem, seen);
    }
    free(text);
    return found;
}

static int is_submitted(const struct manifest *m, const char *name)
{
    for (int i = 0; i < m->submit_count; i++)
        if (strcmp(m->submit[i], name) == 0)
            return 1;
    return 0;
}

// The preprocessed text: names built by macros (token pasting) show up here,
// on the student's own lines (the line markers say whose line it is).
static int scan_preprocessed(const char *path, const struct manifest *m, struct buf *problem,
                             struct buf *seen)
{
    char *text = file_read(path, 64u << 20, NULL, NULL);
    if (!text)
        return 0;
    int found = 0, line = 0, own = 0;
    char file[256] = "";
    for (char *start = text, *end; start && *start; start = end ? end + 1 : NULL) {
        end = strchr(start, '\n');
        if (end)
            *end = '\0';
        int marker_line;
        if (sscanf(start, "# %d \"%255[^\"]\"", &marker_line, file) == 2) {
            line = marker_line;
            const char *base = strncmp(file, "./", 2) == 0 ? file + 2 : file;
            own = !strchr(base, '/') && is_submitted(m, base);
            continue;
        }
        if (own) {
            blank_text(start);
            found += scan_words(start, path_base(file), line, problem, seen);
        }
        line++;
    }
    free(text);
    return found;
}

// ---- Includes -------------------------------------------------------------

static int allowed_system_header(const char *path)
{
    static const char *const roots[] = {"/usr/include/", "/usr/lib/gcc/", "/usr/lib/llvm-",
                                        "/usr/local/include/"};
    int under_root = 0;
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
        under_root |= strncmp(path, roots[i], strlen(roots[i])) == 0;
    return under_root && !strstr(path, "/valgrind/") && !strstr(path, "/sanitizer/") &&
           !strstr(path, "/..");
}

// Whether a dependency of a submitted file is the lab's header, a submitted
// file or a system header.  A header that does not exist is the compiler's
// to report.
static int allowed_dependency(const char *dep, const char *student_dir)
{
    char *path = dep[0] == '/' ? xstrdup(dep) : path_join(student_dir, dep);
    char *real = path_real(path);
    int ok;
    if (!real)
        ok = !file_exists(path);
    else if (allowed_system_header(real))
        ok = 1;
    else {
        size_t n = strlen(student_dir);
        ok = strncmp(real, student_dir, n) == 0 && real[n] == '/' && !strchr(real + n + 1, '/');
    }
    free(real);
    free(path);
    return ok;
}

// Check a `cc -M` dependency list.  Returns the number of problems.
static int check_dependencies(const char *deps_path, const char *name, const char *student_dir,
                              struct buf *problem)
{
    char *text = file_read(deps_path, 4u << 20, NULL, NULL);
    if (!text)
        return 0;
    int found = 0;
    char *p = strchr(text, ':');
    struct buf word = {0};
    for (p = p ? p + 1 : text; *p; p++) {
        if (*p == '\\' && p[1] == ' ') {
            buf_append(&word, " ", 1);
            p++;
        } else if (*p == '\\' && p[1] == '\n') {
            p++;
        } else if (isspace((unsigned char)*p)) {
            if (word.len && strcmp(word.data, name) != 0 && !allowed_dependency(word.data, student_dir)) {
                int tool = strstr(word.data, "/valgrind/") || strstr(word.data, "/sanitizer/");
                buf_printf(problem, "  %s includes %s, %s (a submission may include only the lab's "
                                    "headers and the C library's)\n",
                           name, word.data,
                           tool ? "a checking tool's own header" : "which is not one of the lab's headers");
                found++;
            }
            buf_free(&word);
        } else {
            buf_append(&word, p, 1);
        }
    }
    buf_free(&word);
    free(text);
    return found;
}

// Run the compiler on a submitted file in the student folder; the output is
// the grader's and never shown (it could quote what it should not).
static int run_preprocessor(const struct manifest *m, const struct build_env *env, const char *dir,
                            const char *writable, const char *name, const char *mode, const char *out)
{
    struct buf cmd = {0};
    buf_printf(&cmd, "%s -std=gnu11 -I. %s %s %s %s", env->cc,
               env->check_cflags ? env->check_cflags : "", m->cflags ? m->cflags : "", mode, name);
    char *argv[64];
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(cmd.data, " \t", &save); w && n < 62; w = strtok_r(NULL, " \t", &save))
        argv[n++] = w;
    argv[n] = NULL;
    // -MF / -o name the output: replace the placeholder.
    for (int i = 0; i < n; i++)
        if (strcmp(argv[i], "OUT") == 0)
            argv[i] = (char *)out;
    char *log = path_join(writable, "guard-preprocess.txt");
    char *env_vars[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "TMPDIR=/tmp", NULL};
    const char *ro[] = {dir, NULL};
    const char *rw[] = {writable, NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env_vars, .cwd = dir, .read_only = ro, .writable = rw,
        .wall_seconds = 60, .cpu_seconds = 60, .memory_mb = 2048, .memory_by_rss = 1,
        .output_keep = 4096, .output_max = 16 << 20, .output_path = log, .use_bwrap = env->use_bwrap,
    };
    struct sandbox_result res;
    int rc = sandbox_exec(&spec, &res);
    int ok = rc == 0 && res.started && !res.timed_out && WIFEXITED(res.status) &&
             WEXITSTATUS(res.status) == 0;
    free(log);
    buf_free(&cmd);
    return ok ? 0 : -1;
}

int guard_check_sources(const struct manifest *m, const struct build_env *env, const struct workdir *w,
                        struct buf *problem)
{
    char *dir = guard_student_dir(w);
    struct buf seen = {0};
    int found = 0;
    for (int i = 0; i < m->submit_count; i++) {
        const char *name = m->submit[i];
        if (!is_code(name))
            continue;
        char *path = path_join(dir, name);
        found += scan_raw(path, name, problem, &seen);
        free(path);
        if (!build_is_c_source(name))
            continue;
        char *deps = xasprintf("%s/guard-%s.d", w->results, name);
        char *pre = xasprintf("%s/guard-%s.i", w->results, name);
        unlink(deps);
        unlink(pre);
        run_preprocessor(m, env, dir, w->results, name, "-M -MG -MF OUT", deps);
        int bad = check_dependencies(deps, name, dir, problem);
        found += bad;
        if (!bad && run_preprocessor(m, env, dir, w->results, name, "-E -o OUT", pre) == 0)
            found += scan_preprocessed(pre, m, problem, &seen);
        free(deps);
        free(pre);
    }
    buf_free(&seen);
    free(dir);
    return found;
}

// ---- Machine code ---------------------------------------------------------

// Disassemble an object with line numbers (objdump -d -l), in the sandbox.
static char *disassemble(const char *object, const struct workdir *w)
{
    char *out = xasprintf("%s/guard-objdump.txt", w->results);
    char *argv[] = {"objdump", "-d", "-l", "--no-show-raw-insn", (char *)object, NULL};
    char *env_vars[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", NULL};
    const char *none[] = {NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env_vars, .cwd = "/", .read_only = none, .writable = none,
        .wall_seconds = 60, .cpu_seconds = 60, .output_keep = 64 << 20, .output_max = 64 << 20,
        .output_path = out,
    };
    struct sandbox_result res;
    char *text = NULL;
    if (sandbox_exec(&spec, &res) == 0 && res.started && WIFEXITED(res.status) &&
        WEXITSTATUS(res.status) == 0)
        text = file_read(out, 64u << 20, NULL, NULL);
    unlink(out);
    free(out);
    return text;
}

static int scan_instructions(char *text, const char *name, struct buf *problem, struct buf *seen)
{
    char where[512] = "";
    int found = 0, rols = 0;
    for (char *line = text, *end; line && *line; line = end ? end + 1 : NULL) {
        end = strchr(line, '\n');
        if (end)
            *end = '\0';
        // "/path/file.c:12" (possibly "... (discriminator 1)") sets the place.
        char *colon = strrchr(line, ':');
        if (line[0] == '/' && colon && isdigit((unsigned char)colon[1])) {
            *colon = '\0';
            snprintf(where, sizeof where, "%s:%d", path_base(line), atoi(colon + 1));
            continue;
        }
        char *tab = strchr(line, '\t');
        if (!tab || !strchr(line, ':'))
            continue;
        const char *insn = tab + 1;
        const char *what = NULL;
        if (strncmp(insn, "syscall", 7) == 0 || strncmp(insn, "sysenter", 8) == 0)
            what = "a system-call instruction";
        else if (strncmp(insn, "int ", 4) == 0 && strstr(insn, "$0x80"))
            what = "a system-call instruction (int 0x80)";
        // Valgrind's client request preamble: rol $3, $13, $61, $51 of %rdi.
        if (strncmp(insn, "rol ", 4) == 0 && strstr(insn, "%rdi")) {
            static const char *const steps[] = {"$0x3,", "$0xd,", "$0x3d,", "$0x33,"};
            rols = strstr(insn, steps[rols]) ? rols + 1 : strstr(insn, steps[0]) ? 1 : 0;
            if (rols == 4) {
                what = "a Valgrind client request, which tells Valgrind what to check";
                rols = 0;
            }
        } else {
            rols = 0;
        }
        if (what) {
            char key[600];
            snprintf(key, sizeof key, "%s %s", where[0] ? where : name, what);
            if (!strstr(buf_str(seen), key)) {
                buf_printf(seen, "%s\n", key);
                buf_printf(problem, "  %s: the machine code holds %s%s\n", where[0] ? where : name, what,
                           strncmp(what, "a system", 8) == 0
                               ? ": a submission makes system calls through the C library only"
                               : "");
                found++;
            }
        }
    }
    return found;
}

int guard_check_objects(const struct manifest *m, const struct workdir *w, struct buf *problem)
{
    int found = 0;
    struct buf seen = {0};
    for (int i = 0; i < m->submit_count; i++) {
        if (!build_is_c_source(m->submit[i]))
            continue;
        char *object = build_object(w, m->tools[TOOL_NATIVE].variant, m->submit[i]);
        char *text = disassemble(object, w);
        if (text)
            found += scan_instructions(text, m->submit[i], problem, &seen);
        else if (file_exists(object))
            buf_printf(problem, "  %s: its machine code could not be read (objdump failed)\n",
                       m->submit[i]), found++;
        free(text);
        free(object);
    }
    buf_free(&seen);
    return found;
}
