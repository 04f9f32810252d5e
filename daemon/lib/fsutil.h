/*
 * fsutil.h: the few file system steps that make writes durable and
 * directories exist: mkdir -p, fsync of a directory, and an atomic rename
 * into place.
 */
#ifndef SCRAPEWATCH_FSUTIL_H
#define SCRAPEWATCH_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

/* Makes dir and its parents (mode 0700 for what it creates).  Returns 0
 * or -errno. */
int mkdir_p(const char *dir);

/* Flushes a directory's entries (after a rename or unlink in it).  Returns
 * 0 or -errno. */
int fsync_dir(const char *dir);

/* Writes the directory part of path into dir ("." when there is none).
 * Returns 0 or -ENAMETOOLONG. */
int path_dir(const char *path, char *dir, size_t size);

/* Renames from to to and flushes the directories of both.  The caller has
 * fsynced the file.  Returns 0 or -errno. */
int rename_durably(const char *from, const char *to);

/* Writes all len bytes to fd, again after a short write or EINTR.
 * Returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* Creates path afresh for writing: a file or link left there (by a crash,
 * or planted) is removed first, and the new file is made with O_EXCL and
 * O_NOFOLLOW, with exactly mode, whatever the umask.  Returns a file
 * descriptor (close-on-exec) or -errno. */
int create_new_file(const char *path, int mode);

/* path as a stdio stream, no link followed: for reading (how "r"), or
 * made afresh by create_new_file() with mode (how "w").  Returns the
 * stream, or NULL with errno set. */
FILE *fopen_nofollow(const char *path, const char *how, int mode);

/* Writes data to path atomically: a temporary file beside it (made by
 * create_new_file()), fsynced and renamed into place.  mode: the new
 * file's, exactly.  Returns 0 or -errno. */
int write_file_durably(const char *path, const void *data, size_t len,
		       int mode);

/* The file: URI of path (SQLite's form: every byte but the unreserved
 * ones and '/' percent-encoded), with "?query" appended.  Returns a string
 * to free(). */
char *file_uri(const char *path, const char *query);

#endif
