/*
 * keyset.c: the key-set file of keyset.h.  Every field read from the file
 * is checked against the file's size before anything is allocated, since a
 * cache file is only as trustworthy as the directory it sits in.
 */
#include "index/keyset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

#define KEYSET_MAGIC  "SWKEYS01"
#define KEYSET_HEADER 24 /* magic, release id, count */

/* Checks the header of the file open at fd: release_id's set (0: a key
 * list, of no release), its size that of *count items.  Returns 0 or
 * -ESTALE. */
static int check_header(int fd, int64_t release_id, uint64_t *count)
{
	char head[KEYSET_HEADER];
	struct stat st;
	uint64_t body;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < KEYSET_HEADER ||
	    pread(fd, head, KEYSET_HEADER, 0) != KEYSET_HEADER ||
	    memcmp(head, KEYSET_MAGIC, 8) != 0 ||
	    (int64_t)unaligned_read_u64(head + 8) != release_id)
		return -ESTALE;
	*count = unaligned_read_u64(head + 16);
	/* Compare by division, so that a count that would wrap the
	 * multiplication cannot pass. */
	body = (uint64_t)st.st_size - KEYSET_HEADER;
	if (body % sizeof(struct diff_item) != 0 ||
	    body / sizeof(struct diff_item) != *count || *count > SIZE_MAX / 2)
		return -ESTALE;
	return 0;
}

int keyset_read(const char *path, int64_t release_id, struct diff_item **ret,
		size_t *n)
{
	_cleanup_close_ int fd = -1;
	struct diff_item *v;
	uint64_t count;
	size_t want;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || check_header(fd, release_id, &count) < 0)
		return -ESTALE;
	v = xreallocarray(NULL, count ? count : 1, sizeof(*v));
	want = count * sizeof(*v);
	if (pread(fd, v, want, KEYSET_HEADER) != (ssize_t)want) {
		free(v);
		return -ESTALE;
	}
	*ret = v;
	*n = count;
	return 0;
}

struct keyset_stream {
	FILE *f;
	size_t count;
	struct diff_item block[4096];
	size_t len;	    /* items in block */
	size_t block_start; /* index of block[0] */
};

int keyset_stream_open(const char *path, int64_t release_id,
		       struct keyset_stream **ret)
{
	struct keyset_stream *s;
	FILE *f = fopen_nofollow(path, "r", 0);
	uint64_t count;

	if (!f)
		return -ESTALE;
	if (check_header(fileno(f), release_id, &count) < 0 ||
	    fseek(f, KEYSET_HEADER, SEEK_SET) < 0) {
		fclose(f);
		return -ESTALE;
	}
	s = xcalloc(1, sizeof(*s));
	s->f = f;
	s->count = (size_t)count;
	*ret = s;
	return 0;
}

size_t keyset_stream_count(const struct keyset_stream *s)
{
	return s->count;
}

int keyset_stream_bounds(const struct keyset_stream *s, uint64_t *min,
			 uint64_t *max)
{
	struct diff_item first, last;
	off_t end = KEYSET_HEADER +
		    (off_t)((s->count - 1) * sizeof(struct diff_item));

	if (s->count == 0)
		return -ENOENT;
	if (pread(fileno(s->f), &first, sizeof(first), KEYSET_HEADER) !=
		    sizeof(first) ||
	    pread(fileno(s->f), &last, sizeof(last), end) != sizeof(last))
		return -EIO;
	*min = first.key;
	*max = last.key;
	return 0;
}

const struct diff_item *keyset_stream_at(struct keyset_stream *s, size_t i)
{
	if (i >= s->count)
		return NULL;
	if (i >= s->block_start + s->len) {
		s->block_start = i;
		s->len = fread(s->block, sizeof(s->block[0]),
			       ELEMENTSOF(s->block), s->f);
		if (s->len == 0)
			return NULL;
	}
	return &s->block[i - s->block_start];
}

void keyset_stream_free(struct keyset_stream *s)
{
	if (!s)
		return;
	fclose(s->f);
	free(s);
}

struct keyset_writer {
	FILE *f;
	char path[PATH_MAX], tmp[PATH_MAX + 8];
};

int keyset_writer_open(const char *path, int64_t release_id, uint64_t count,
		       struct keyset_writer **ret)
{
	struct keyset_writer *w = xcalloc(1, sizeof(*w));
	char head[KEYSET_HEADER];

	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->tmp, sizeof(w->tmp), "%s.tmp", path);
	w->f = fopen_nofollow(w->tmp, "w", 0600);
	if (!w->f) {
		int r = -errno;

		free(w);
		return r;
	}
	memcpy(head, KEYSET_MAGIC, 8);
	unaligned_write_u64(head + 8, (uint64_t)release_id);
	unaligned_write_u64(head + 16, count);
	fwrite(head, 1, KEYSET_HEADER, w->f);
	*ret = w;
	return 0;
}

void keyset_writer_add(struct keyset_writer *w, const struct diff_item *item)
{
	fwrite(item, sizeof(*item), 1, w->f);
}

int keyset_writer_commit(struct keyset_writer *w)
{
	int r = 0;

	errno = 0;
	if (fflush(w->f) != 0 || ferror(w->f) || fsync(fileno(w->f)) < 0)
		r = errno ? -errno : -EIO;
	if (fclose(w->f) != 0 && r == 0)
		r = -errno;
	w->f = NULL;
	if (r == 0 && rename(w->tmp, w->path) < 0)
		r = -errno;
	if (r < 0)
		unlink(w->tmp);
	free(w);
	return r;
}

void keyset_writer_abort(struct keyset_writer *w)
{
	if (!w)
		return;
	fclose(w->f);
	unlink(w->tmp);
	free(w);
}
