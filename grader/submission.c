// Submissions as they arrive: folders and archives.
#define _GNU_SOURCE
#include "submission.h"

#include "sandbox.h"

#include <dirent.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// How deep, and through how many folders, the submitted files are looked
// for; an archive whose listing is longer than LISTING_MAX is refused whole.
enum { MAX_DIRS = 512, MAX_DEPTH = 4, LISTING_MAX = 8 << 20 };

enum archive_kind submission_archive_kind(const char *name, size_t *stem)
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

// Run tar or unzip in the sandbox: it may read `readable` and write only in
// `writable`.  Returns 0 when the command exited 0.
static int run_tool(char **argv, const char *readable, const char *writable, const char *log,
                    int use_bwrap)
{
    char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", NULL};
    const char *ro[] = {readable, NULL};
    const char *rw[] = {writable, NULL};
    struct sandbox_spec spec = {
        .argv = argv, .env = env, .cwd = writable, .read_only = ro, .writable = rw,
        .wall_seconds = 120, .cpu_seconds = 120, .memory_mb = 1024, .memory_by_rss = 1,
        .output_keep = LISTING_MAX, .output_max = LISTING_MAX, .output_path = log,
        .use_bwrap = use_bwrap,
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
        char *name = xstrndup(line, len);
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

// Refuse members that are not plain files or folders: a link followed by a
// member written through it could put files outside the folder the archive
// is unpacked in, and a device node has no place in a submission.  Every
// line of `tar -tv` is a member whose first letter is its type; zipinfo's
// member lines start with Unix permissions where the archive has them.
static int has_special_members(const char *long_listing, int zip, struct buf *why)
{
    for (const char *line = long_listing; line && *line;) {
        size_t len = strcspn(line, "\n");
        int special = zip ? line[0] == 'l' && (line[1] == 'r' || line[1] == '-')
                          : len > 0 && line[0] != '-' && line[0] != 'd';
        if (special) {
            buf_printf(why, "the archive was refused: it holds a link or a special file (%.*s)",
                       (int)len, line);
            return 1;
        }
        line = line[len] ? line + len + 1 : NULL;
    }
    return 0;
}

int submission_unpack(const char *archive, enum archive_kind kind, const char *into, int use_bwrap,
                      struct buf *why)
{
    int zip = kind == ARCHIVE_ZIP;
    char *path = (char *)archive, *dest = (char *)into;
    char *names_argv[] = {zip ? "unzip" : "tar", zip ? "-Z1" : "-tPf", path, NULL};
    char *long_argv[] = {zip ? "unzip" : "tar", zip ? "-Z" : "-tvPf", path, NULL};
    char *unzip_argv[] = {"unzip", "-q", "-o", path, "-d", dest, NULL};
    char *untar_argv[] = {"tar", "--no-same-owner", "--no-same-permissions", "-xf", path,
                          "-C", dest, NULL};
    char *log = xasprintf("%s.log", into);
    char *names = NULL, *details = NULL;
    int rc = -1;
    dir_remove(into);
    dir_make(into);
    if (run_tool(names_argv, archive, into, log, use_bwrap) != 0 ||
        !(names = file_read(log, LISTING_MAX, NULL, NULL)) ||
        run_tool(long_argv, archive, into, log, use_bwrap) != 0 ||
        !(details = file_read(log, LISTING_MAX, NULL, NULL))) {
        buf_printf(why, "cannot read the archive %s: is it a valid %s file?", path_base(archive),
                   zip ? "zip" : "tar");
    } else if (names_are_safe(names, why) && !has_special_members(details, zip, why)) {
        rc = run_tool(zip ? unzip_argv : untar_argv, archive, into, log, use_bwrap);
        if (rc != 0)
            buf_printf(why, "cannot unpack the archive %s", path_base(archive));
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

// An archive often wraps the files in a folder, a repository in starter/LAB.
char *submission_find_root(const struct manifest *m, const char *top)
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

long submission_newest_time(const char *dir)
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

void submission_hash(const struct manifest *m, const char *kit, const char *context,
                     const char *root, char out[32])
{
    uint64_t h = 0xcbf29ce484222325ull;
    hash_bytes(&h, context, strlen(context) + 1);
    hash_file(&h, "/proc/self", "exe");
    hash_file(&h, kit, "grader/runner/runner.c");
    hash_file(&h, kit, "grader/runner/labkit_check.h");
    hash_file(&h, m->dir, "lab.conf");
    for (int i = 0; i < m->suite_count; i++)
        if (m->suites[i].present)
            hash_file(&h, m->dir, m->suites[i].path);
    for (int i = 0; i < m->provide_count; i++)
        hash_file(&h, m->dir, m->provide[i]);
    for (int i = 0; i < m->submit_count; i++)
        hash_file(&h, root, m->submit[i]);
    snprintf(out, 32, "%016llx", (unsigned long long)h);
}
