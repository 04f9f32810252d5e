/*
 * fsutil.h: the few file system steps that make writes durable and
 * directories exist: mkdir -p, fsync of a directory, and an atomic rename
 * into place.
 */
#ifndef SCRAPEWATCH_FSUTIL_H
#define SCRAPEWATCH_FSUTIL_H

#include <stddef.h>

/* Makes dir and its parents (mode 0700 for what it creates).  Returns 0
 * or -errno. */
int mkdir_p(const char *dir);

/* Flushes a directory's entries (after a rename or unlink in it).  Returns
 * 0 or -errno. */
int fsync_dir(const char *dir);

/* Renames from to to and flushes the directories of both.  The caller has
 * fsynced the file.  Returns 0 or -errno. */
int rename_durably(const char *from, const char *to);

/* Writes data to path atomically: a temporary file beside it, fsynced and
 * renamed into place.  mode: the new file's.  Returns 0 or -errno. */
int write_file_durably(const char *path, const void *data, size_t len,
		       int mode);

#endif
