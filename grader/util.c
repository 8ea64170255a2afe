// Small helpers shared by the grader's stages: growable strings, files, paths.
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(size_t size)
{
    fprintf(stderr, "labgrade: out of memory (asked for %zu bytes)\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

char *xstrdup(const char *s)
{
    char *copy = strdup(s ? s : "");
    if (!copy)
        out_of_memory(strlen(s));
    return copy;
}

char *xstrndup(const char *s, size_t max)
{
    char *copy = strndup(s ? s : "", max);
    if (!copy)
        out_of_memory(max);
    return copy;
}

char *xasprintf(const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return b.data ? b.data : xstrdup("");
}

static void buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_append(struct buf *b, const char *text, size_t len)
{
    buf_reserve(b, len);
    memcpy(b->data + b->len, text, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *text)
{
    buf_append(b, text, strlen(text));
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int need = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (need < 0)
        return;
    buf_reserve(b, (size_t)need);
    vsnprintf(b->data + b->len, (size_t)need + 1, fmt, ap);
    b->len += (size_t)need;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *file_read(const char *path, size_t max, size_t *len, int *truncated)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct buf b = {0};
    char chunk[65536];
    int cut = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            buf_free(&b);
            errno = saved;
            return NULL;
        }
        if (n == 0)
            break;
        size_t take = (size_t)n;
        if (b.len + take > max) {
            take = max - b.len;
            cut = 1;
        }
        buf_append(&b, chunk, take);
        if (cut)
            break;
    }
    close(fd);
    if (len)
        *len = b.len;
    if (truncated)
        *truncated = cut;
    return b.data ? b.data : xstrdup("");
}

int file_write(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    return close(fd);
}

int file_copy(const char *from, const char *to, size_t max_bytes, struct buf *why)
{
    struct stat st;
    if (lstat(from, &st) != 0) {
        buf_printf(why, "%s: %s", from, strerror(errno));
        return -1;
    }
    if (S_ISLNK(st.st_mode)) {
        buf_printf(why, "%s is a symbolic link; submit the file itself", from);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        buf_printf(why, "%s is not a regular file", from);
        return -1;
    }
    if ((size_t)st.st_size > max_bytes) {
        buf_printf(why, "%s is %lld bytes, more than the limit of %zu", from,
                   (long long)st.st_size, max_bytes);
        return -1;
    }
    int truncated = 0;
    size_t len = 0;
    char *data = file_read(from, max_bytes, &len, &truncated);
    if (!data) {
        buf_printf(why, "%s: %s", from, strerror(errno));
        return -1;
    }
    int rc = file_write(to, data, len);
    if (rc != 0)
        buf_printf(why, "%s: %s", to, strerror(errno));
    free(data);
    return rc;
}

int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int dir_make(const char *path)
{
    char *copy = xstrdup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
            free(copy);
            return -1;
        }
        *p = '/';
    }
    int rc = mkdir(copy, 0755) != 0 && errno != EEXIST ? -1 : 0;
    free(copy);
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

int dir_remove(const char *path)
{
    // A test may have left a directory without write permission.
    return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}

char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

const char *path_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *path_real(const char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return NULL;
    char *copy = xstrdup(real);
    free(real);
    return copy;
}

// The length of the valid UTF-8 sequence at p, or 0 if it is not one.
static size_t utf8_length(const unsigned char *p)
{
    size_t n = *p >= 0xf0 && *p <= 0xf4 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 && *p <= 0xdf ? 2 : 0;
    if (*p >= 0xf5)
        n = 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

// What each format writes instead of an ASCII character (NULL: the character).
static const char *const json_escapes[128] = {
    ['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\t'] = "\\t", ['\r'] = "\\r",
};
static const char *const xml_escapes[128] = {
    ['<'] = "&lt;", ['>'] = "&gt;", ['&'] = "&amp;", ['"'] = "&quot;",
};

void buf_json_string(struct buf *b, const char *text)
{
    buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        if (*p < 0x80 && json_escapes[*p]) {
            buf_puts(b, json_escapes[*p]);
        } else if (*p < 0x20 || *p == 0x7f) {
            buf_printf(b, "\\u%04x", *p);
        } else if (*p < 0x80) {
            buf_append(b, (const char *)p, 1);
        } else {
            // Test output may hold any bytes; JSON must be UTF-8.
            size_t n = utf8_length(p);
            if (n == 0) {
                buf_puts(b, "\\ufffd");
            } else {
                buf_append(b, (const char *)p, n);
                p += n - 1;
            }
        }
    }
    buf_puts(b, "\"");
}

void buf_xml_text(struct buf *b, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        if (*p < 0x80 && xml_escapes[*p])
            buf_puts(b, xml_escapes[*p]);
        else if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
            buf_puts(b, "?");   // XML 1.0 forbids most control characters even when escaped
        else
            buf_append(b, (const char *)p, 1);
    }
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
