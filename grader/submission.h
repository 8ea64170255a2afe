// A submission as an instructor receives it: a folder or an archive, with the
// submitted files somewhere inside.  Unpacking, finding the files, and what
// the batch grader needs to know whether they changed.
#ifndef SUBMISSION_H
#define SUBMISSION_H

#include "manifest.h"
#include "util.h"

#include <stddef.h>

enum archive_kind { NOT_ARCHIVE, ARCHIVE_TAR, ARCHIVE_ZIP };

// The kind of archive a file name says (.tar.gz, .tgz, .tar.xz, .tar.bz2,
// .tar, .zip); *stem is the length of the name without the suffix.
enum archive_kind submission_archive_kind(const char *name, size_t *stem);

// Unpack an archive into the folder `into` (created, or emptied), with tar or
// unzip run in the sandbox.  An archive with an absolute member name, a ".."
// component or a link is refused.  Returns 0, or -1 with the reason in `why`.
int submission_unpack(const char *archive, enum archive_kind kind, const char *into, int use_bwrap,
                      struct buf *why);

// The folder under `top` that holds the submitted files: `top` itself, else
// the shallowest folder with all of them, else the shallowest with some.
char *submission_find_root(const struct manifest *m, const char *top);

// The newest modification time of a regular file under `dir`, outside hidden
// folders (0 when there is none).
long submission_newest_time(const char *dir);

// A hash, in hex, of everything a grade depends on: `context` (the grader's
// options), the grader binary, the harness, the lab's files and the
// submitted files in `root`.
void submission_hash(const struct manifest *m, const char *kit, const char *context,
                     const char *root, char out[32]);

#endif
