/*
 * keyset.c: the key-set file of keyset.h.  Every field read from the file
 * is checked against the file's size before anything is allocated, since a
 * cache file is only as trustworthy as the directory it sits in.
 */
#include "index/keyset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/macro.h"
#include "lib/varint.h"
#include "lib/xalloc.h"

#define KEYSET_MAGIC	 "SWKEYS02"
#define KEYSET_HEADER	 48 /* magic, release id, count, first, last, bytes */
#define KEYSET_MAGIC_V1	 "SWKEYS01" /* the items as in memory */
#define KEYSET_HEADER_V1 24	    /* magic, release id, count */
#define ITEM_MIN	 2	    /* bytes an item takes at least */
#define STREAM_BUF	 (64u << 10)

struct header {
	int64_t release_id;
	uint64_t count, first, last, body;
	uint64_t start; /* where the items start */
	bool fixed;	/* the first layout: 16 bytes an item */
};

/* The header of the first layout, checked against the file's size; its
 * first and last keys read from its items. */
static int check_header_v1(int fd, const unsigned char *head, uint64_t size,
			   struct header *h)
{
	unsigned char item[sizeof(struct diff_item)];

	*h = (struct header){
		.release_id = (int64_t)unaligned_read_u64(head + 8),
		.count = unaligned_read_u64(head + 16),
		.body = size - KEYSET_HEADER_V1,
		.start = KEYSET_HEADER_V1,
		.fixed = true,
	};
	/* By division, so that a count that would wrap cannot pass. */
	if (h->body % sizeof(item) != 0 || h->body / sizeof(item) != h->count)
		return -ESTALE;
	if (h->count == 0)
		return 0;
	if (pread(fd, item, sizeof(item), KEYSET_HEADER_V1) != sizeof(item))
		return -ESTALE;
	h->first = unaligned_read_u64(item);
	if (pread(fd, item, sizeof(item), (off_t)(size - sizeof(item))) !=
	    sizeof(item))
		return -ESTALE;
	h->last = unaligned_read_u64(item);
	return 0;
}

/* Checks the header of the file open at fd: release_id's set (0: a key
 * list, of no release), its body the rest of the file.  Returns 0 or
 * -ESTALE. */
static int check_header(int fd, int64_t release_id, struct header *h)
{
	unsigned char head[KEYSET_HEADER];
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < KEYSET_HEADER_V1 ||
	    pread(fd, head, KEYSET_HEADER_V1, 0) != KEYSET_HEADER_V1)
		return -ESTALE;
	if (memcmp(head, KEYSET_MAGIC_V1, 8) == 0)
		return check_header_v1(fd, head, (uint64_t)st.st_size, h) < 0 ||
				       h->release_id != release_id ||
				       h->first > h->last
			       ? -ESTALE
			       : 0;
	if (st.st_size < KEYSET_HEADER ||
	    pread(fd, head, KEYSET_HEADER, 0) != KEYSET_HEADER ||
	    memcmp(head, KEYSET_MAGIC, 8) != 0)
		return -ESTALE;
	*h = (struct header){
		.start = KEYSET_HEADER,
		.release_id = (int64_t)unaligned_read_u64(head + 8),
		.count = unaligned_read_u64(head + 16),
		.first = unaligned_read_u64(head + 24),
		.last = unaligned_read_u64(head + 32),
		.body = unaligned_read_u64(head + 40),
	};
	if (h->release_id != release_id ||
	    h->body != (uint64_t)st.st_size - KEYSET_HEADER ||
	    h->count > h->body / ITEM_MIN || h->first > h->last ||
	    (h->count == 0 && h->body != 0))
		return -ESTALE;
	return 0;
}

/* Decoding items one after the other. */
struct decoder {
	uint64_t key, id; /* the previous item's */
	uint64_t n;	  /* items decoded */
};

/* An item of the first layout: 16 bytes as in memory. */
static size_t fixed_item(struct decoder *d, const unsigned char *p, size_t len,
			 struct diff_item *it)
{
	uint64_t key;

	if (len < sizeof(*it))
		return 0;
	key = unaligned_read_u64(p);
	if (d->n && key <= d->key)
		return 0;
	*it = (struct diff_item){key, unaligned_read_u64(p + 8)};
	d->key = key;
	d->n++;
	return sizeof(*it);
}

/* Decodes the item at p (len bytes there) into *it: the bytes it took,
 * or 0 for bytes that are not a next item. */
static size_t decode_item(struct decoder *d, const struct header *h,
			  const unsigned char *p, size_t len,
			  struct diff_item *it)
{
	uint64_t delta, v, id;
	size_t a, b;

	if (h->fixed)
		return fixed_item(d, p, len, it);
	a = varint_get(p, len, &delta);
	b = a ? varint_get(p + a, len - a, &v) : 0;
	if (!b || (d->n && delta == 0) || d->key + delta < d->key)
		return 0;
	/* The id as a difference from the one after the previous, zigzag
	 * coded, and the presence in the low bit. */
	id = d->id + 1 + ((v >> 2) ^ (0 - ((v >> 1) & 1)));
	if (id & DIFF_PRESENT)
		return 0;
	d->key += delta;
	d->id = id;
	d->n++;
	*it = (struct diff_item){d->key, id | (v & 1 ? DIFF_PRESENT : 0)};
	return a + b;
}

int keyset_read(const char *path, int64_t release_id, struct diff_item **ret,
		size_t *n)
{
	_cleanup_close_ int fd = -1;
	struct decoder d = {0};
	struct diff_item *v;
	unsigned char *body;
	struct header h;
	size_t at = 0, i, took = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || check_header(fd, release_id, &h) < 0 ||
	    h.body > SIZE_MAX / 2)
		return -ESTALE;
	body = xmalloc(h.body ? h.body : 1);
	if (pread(fd, body, h.body, (off_t)h.start) != (ssize_t)h.body) {
		free(body);
		return -ESTALE;
	}
	v = xreallocarray(NULL, h.count ? h.count : 1, sizeof(*v));
	for (i = 0; i < h.count && took; i++) {
		took = decode_item(&d, &h, body + at, h.body - at, &v[i]);
		at += took;
	}
	free(body);
	if (!took || at != h.body ||
	    (h.count &&
	     (v[0].key != h.first || v[h.count - 1].key != h.last))) {
		free(v);
		return -ESTALE;
	}
	*ret = v;
	*n = h.count;
	return 0;
}

struct keyset_stream {
	FILE *f;
	struct header h;
	struct decoder d;
	struct diff_item item; /* item d.n - 1 */
	unsigned char buf[STREAM_BUF];
	size_t len, pos;   /* bytes in buf, the next one */
	uint64_t consumed; /* bytes of the body decoded */
	bool broken;
};

int keyset_stream_open(const char *path, int64_t release_id,
		       struct keyset_stream **ret)
{
	struct keyset_stream *s;
	FILE *f = fopen_nofollow(path, "r", 0);
	struct header h;

	if (!f)
		return -ESTALE;
	if (check_header(fileno(f), release_id, &h) < 0 ||
	    fseek(f, (long)h.start, SEEK_SET) < 0) {
		fclose(f);
		return -ESTALE;
	}
	s = xcalloc(1, sizeof(*s));
	s->f = f;
	s->h = h;
	*ret = s;
	return 0;
}

size_t keyset_stream_count(const struct keyset_stream *s)
{
	return (size_t)s->h.count;
}

int keyset_stream_bounds(const struct keyset_stream *s, uint64_t *min,
			 uint64_t *max)
{
	if (s->h.count == 0)
		return -ENOENT;
	*min = s->h.first;
	*max = s->h.last;
	return 0;
}

/* Decodes the next item; false at a damaged or short file. */
static bool stream_next(struct keyset_stream *s)
{
	size_t took;

	if (s->len - s->pos < 2 * VARINT_MAX + sizeof(struct diff_item) &&
	    !feof(s->f)) {
		memmove(s->buf, s->buf + s->pos, s->len - s->pos);
		s->len -= s->pos;
		s->pos = 0;
		s->len += fread(s->buf + s->len, 1, sizeof(s->buf) - s->len,
				s->f);
	}
	took = decode_item(&s->d, &s->h, s->buf + s->pos, s->len - s->pos,
			   &s->item);
	s->pos += took;
	s->consumed += took;
	if (!took)
		return false;
	if (s->d.n == s->h.count)
		return s->consumed == s->h.body && s->item.key == s->h.last;
	return s->d.n > 1 || s->item.key == s->h.first;
}

const struct diff_item *keyset_stream_at(struct keyset_stream *s, size_t i)
{
	if (i >= s->h.count || s->broken)
		return NULL;
	while (s->d.n <= i) {
		if (!stream_next(s)) {
			s->broken = true;
			return NULL;
		}
	}
	/* i may stay: the item decoded last. */
	return s->d.n == i + 1 ? &s->item : NULL;
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
	unsigned char out[STREAM_BUF]; /* items not yet handed to f */
	size_t out_len;
	struct header h;
	struct decoder prev; /* the previous item, as the reader will */
	bool bad;	     /* an item out of order */
	char path[PATH_MAX], tmp[PATH_MAX + 8];
};

int keyset_writer_open(const char *path, int64_t release_id, uint64_t count,
		       struct keyset_writer **ret)
{
	struct keyset_writer *w = xcalloc(1, sizeof(*w));
	static const unsigned char zeros[KEYSET_HEADER];

	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->tmp, sizeof(w->tmp), "%s.tmp", path);
	w->f = fopen_nofollow(w->tmp, "w", 0600);
	if (!w->f) {
		int r = -errno;

		free(w);
		return r;
	}
	w->h = (struct header){.release_id = release_id, .count = count};
	/* The header's place: written when the items are all there. */
	fwrite(zeros, 1, KEYSET_HEADER, w->f);
	*ret = w;
	return 0;
}

static void writer_flush(struct keyset_writer *w)
{
	fwrite(w->out, 1, w->out_len, w->f);
	w->out_len = 0;
}

void keyset_writer_add(struct keyset_writer *w, const struct diff_item *item)
{
	uint64_t id = item->id & ~DIFF_PRESENT;
	int64_t gap = (int64_t)(id - (w->prev.id + 1));
	uint64_t zz = ((uint64_t)gap << 1) ^ (uint64_t)(gap >> 63);
	size_t n;

	if ((w->prev.n && item->key <= w->prev.key) || zz >> 63) {
		w->bad = true;
		return;
	}
	/* Gathered here: one fwrite an item would cost more than its
	 * encoding. */
	if (w->out_len + 2 * VARINT_MAX > sizeof(w->out))
		writer_flush(w);
	n = varint_put(w->out + w->out_len, item->key - w->prev.key);
	n += varint_put(w->out + w->out_len + n,
			zz << 1 | (item->id & DIFF_PRESENT ? 1 : 0));
	w->out_len += n;
	if (w->prev.n == 0)
		w->h.first = item->key;
	w->h.last = item->key;
	w->h.body += n;
	w->prev.key = item->key;
	w->prev.id = id;
	w->prev.n++;
}

/* Writes the header, now that the items are known. */
static int write_header(struct keyset_writer *w)
{
	unsigned char head[KEYSET_HEADER];

	if (w->bad || w->prev.n != w->h.count)
		return -EINVAL;
	memcpy(head, KEYSET_MAGIC, 8);
	unaligned_write_u64(head + 8, (uint64_t)w->h.release_id);
	unaligned_write_u64(head + 16, w->h.count);
	unaligned_write_u64(head + 24, w->h.first);
	unaligned_write_u64(head + 32, w->h.last);
	unaligned_write_u64(head + 40, w->h.body);
	if (pwrite(fileno(w->f), head, KEYSET_HEADER, 0) != KEYSET_HEADER)
		return errno ? -errno : -EIO;
	return 0;
}

int keyset_writer_commit(struct keyset_writer *w)
{
	int r = 0;

	errno = 0;
	writer_flush(w);
	if (fflush(w->f) != 0 || ferror(w->f))
		r = errno ? -errno : -EIO;
	if (r == 0)
		r = write_header(w);
	if (r == 0 && fsync(fileno(w->f)) < 0)
		r = -errno;
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
