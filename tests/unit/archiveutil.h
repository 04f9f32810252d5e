/*
 * archiveutil.h: writes compressed files and archives for unit tests, with
 * libarchive.  Header-only; include after test.h.
 */
#ifndef SCRAPEWATCH_ARCHIVEUTIL_H
#define SCRAPEWATCH_ARCHIVEUTIL_H

#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>

/* Writes content into path: a filter (-1: none) and a format (raw, tar or
 * zip) with the given member names, each holding content. */
static inline void test_archive_write(const char *path, int filter, int format,
				      const char *const *members, size_t n,
				      const char *content, size_t len)
{
	struct archive *a = archive_write_new();
	size_t i;

	if (filter >= 0)
		archive_write_add_filter(a, filter);
	archive_write_set_format(a, format);
	archive_write_open_filename(a, path);
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, members[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_write_header(a, e);
		archive_write_data(a, content, len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
}

#endif
