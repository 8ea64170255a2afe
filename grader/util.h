// Small helpers shared by the grader's stages: growable strings, files, paths.
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>

// A growable, always NUL-terminated string.
struct buf {
    char *data;
    size_t len;
    size_t cap;
};

void buf_append(struct buf *b, const char *text, size_t len);
void buf_puts(struct buf *b, const char *text);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
// The string, or "" when nothing was appended yet.
const char *buf_str(const struct buf *b);
void buf_free(struct buf *b);

// Allocation that cannot fail: the grader aborts with a message instead.
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t max);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Read at most `max` bytes of a file into a NUL-terminated string (NULL on
// error, errno set).  *truncated is set when the file was longer.
char *file_read(const char *path, size_t max, size_t *len, int *truncated);
int file_write(const char *path, const char *data, size_t len);
// Copy a regular file (never following a symlink); 0 on success, -1 with a
// reason in `why` otherwise.
int file_copy(const char *from, const char *to, size_t max_bytes, struct buf *why);
int file_exists(const char *path);
int dir_exists(const char *path);
int dir_make(const char *path);          // mkdir -p
int dir_remove(const char *path);        // rm -rf
char *path_join(const char *dir, const char *name);
const char *path_base(const char *path);
// An absolute, symlink-free path for an existing file, or NULL.
char *path_real(const char *path);

// Escape text for JSON strings and XML text, appending to b.
void buf_json_string(struct buf *b, const char *text);
void buf_xml_text(struct buf *b, const char *text);

// Seconds on a monotonic clock.
double now_seconds(void);

#endif
