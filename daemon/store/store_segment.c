/*
 * store_segment.c: writing and reading entry segment files
 * (store_segment.h).
 *
 * The writer streams the packed texts into the file as they come, right
 * after the header's place, then the records in key order; the two
 * indexes, as (id, place) pairs, are sorted in runs (lib/runsort.h) and
 * written after the records when finished, and the header last.  A crash leaves
 * only the .tmp file, which the store sweeps.  Files of the earlier
 * layouts (texts as they came; before 2026-12-07 also the records first
 * and the texts last) read as well.
 */
#include "store/store_segment.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/macro.h"
#include "lib/runsort.h"
#include "lib/xalloc.h"
#include "store/store_textpack.h"

#define SEGMENT_MAGIC	 "SWSEG003" /* texts first, packed */
#define SEGMENT_MAGIC_V2 "SWSEG002" /* texts first, as they came */
#define SEGMENT_MAGIC_V1 "SWSEG001" /* records first, texts last */
#define SEGMENT_ORDER	 0x01020304u
#define WRITE_BUF	 (1u << 20)
#define WRITEBACK_STEP	 (32u << 20)

struct seg_header {
	char magic[8];
	uint32_t order, record_size;
	uint64_t count, n_photos, n_owners, text_bytes;
	uint64_t off_records, off_photos, off_owners, off_texts;
};

struct seg_record {
	uint64_t key, photo_id, line, offset;
	uint64_t text; /* offset of its four strings in the texts */
	uint32_t owner_id, file, length;
	uint32_t unused; /* 0 */
};

/* An index pair as written: 12 bytes for photos, 8 for owners. */
#define PHOTO_PAIR  12
#define OWNER_PAIR  8
#define PAIRS_CHUNK (1u << 21) /* index pairs sorted in memory at once */

/* The index pairs while they are sorted: a photo id and a place; an
 * owner row << 32 | place.  Places come in order, so that the (stable)
 * sort keeps a photo id's records in place order. */
struct photo_pair {
	uint64_t photo_id;
	uint64_t place;
};

/* A buffered sequential writer of one descriptor. */
struct out {
	int fd;
	char *buf;
	size_t n;
	uint64_t written; /* bytes passed to out_put() */
	uint64_t started; /* bytes the kernel was asked to write out */
};

struct segment_writer {
	char *path, *tmp;
	struct out file;     /* the header's place, the texts, the records */
	struct buf packed;   /* one entry's texts, packed */
	uint64_t text_bytes; /* the texts' size, once the records began */
	bool records;	     /* the records began */
	uint64_t count;
	uint64_t last_key;
	struct runsort *photos, *owners; /* the index pairs */
	bool finished;
};

/* A window of the file, read with pread: a lookup reads little, a read
 * just past the window reads ahead. */
struct view {
	unsigned char *buf;
	size_t cap, len;
	uint64_t off;
};

/* One view per section, since a read of entries alternates between
 * them. */
enum view_kind { VIEW_RECORDS, VIEW_TEXTS, VIEW_INDEX, VIEWS };

#define VIEW_SMALL	 512u	     /* bytes a lookup reads */
#define VIEW_LARGE	 (64u << 10) /* bytes a read in order reads ahead */
#define TEXTS_FIRST_READ 256u	     /* an entry's texts, packed: most fit */
/* Reads after which the file is mapped instead: a scan, or a join that
 * looks up many entries, is faster through the page cache's mapping; a
 * search of a few thousand entries is faster without, for it maps (and
 * at exit unmaps) 16 pages around every one it touches. */
#define READS_BEFORE_MAP 65536u

struct segment {
	int fd;
	uint64_t size;
	struct seg_header h;
	bool packed; /* texts packed, photo ids equal to keys not indexed */
	struct view views[VIEWS];
	uint64_t reads;
	unsigned char *map; /* once busy (map_when_busy()), or NULL */
	bool failed_map;
};

/* ---- writing ------------------------------------------------------------- */

/* Asks the kernel to start writing what the file holds past the last
 * ask, every WRITEBACK_STEP bytes, so that the fsync at the end finds
 * little left to write; errors come from that fsync. */
static void start_writeback(struct out *o)
{
	uint64_t end = o->written - o->n;

	if (end - o->started < WRITEBACK_STEP)
		return;
	(void)sync_file_range(o->fd, (off_t)o->started,
			      (off_t)(end - o->started), SYNC_FILE_RANGE_WRITE);
	o->started = end;
}

static int out_flush(struct out *o)
{
	int r = write_all(o->fd, o->buf, o->n);

	o->n = 0;
	if (r >= 0)
		start_writeback(o);
	return r;
}

static int out_put(struct out *o, const void *data, size_t len)
{
	int r;

	if (o->n + len > WRITE_BUF) {
		r = out_flush(o);
		if (r < 0)
			return r;
		if (len > WRITE_BUF) {
			r = write_all(o->fd, data, len);
			o->written += len;
			if (r >= 0)
				start_writeback(o);
			return r;
		}
	}
	memcpy(o->buf + o->n, data, len);
	o->n += len;
	o->written += len;
	return 0;
}

int segment_writer_new(const char *path, struct segment_writer **ret)
{
	struct segment_writer *w = xcalloc(1, sizeof(*w));
	struct seg_header h = {0};
	char dir[PATH_MAX];
	size_t len;

	w->path = xstrdup(path);
	len = strlen(path) + sizeof(".tmp");
	w->tmp = xmalloc(len);
	snprintf(w->tmp, len, "%s.tmp", path);
	buf_init(&w->packed, SIZE_MAX / 4);
	w->file.fd = path_dir(path, dir, sizeof(dir));
	if (w->file.fd >= 0)
		w->file.fd = create_new_file(w->tmp, 0600);
	if (w->file.fd < 0) {
		int r = w->file.fd;

		segment_writer_free(w);
		return r;
	}
	/* The index pairs are sorted beside the file. */
	w->photos = runsort_new(dir, sizeof(struct photo_pair), PAIRS_CHUNK);
	w->owners = runsort_new(dir, sizeof(uint64_t), PAIRS_CHUNK);
	w->file.buf = xmalloc(WRITE_BUF);
	/* The header's place, written last. */
	(void)out_put(&w->file, &h, sizeof(h));
	*ret = w;
	return 0;
}

int segment_writer_texts(struct segment_writer *w, uint64_t photo_id,
			 const struct entry_text t[TEXTPACK_TEXTS],
			 uint64_t *ret_text)
{
	int r;

	if (w->records)
		return -EINVAL;
	buf_reset(&w->packed);
	r = textpack_put(&w->packed, photo_id, t);
	if (r < 0)
		return r;
	*ret_text = w->file.written - sizeof(struct seg_header);
	return out_put(&w->file, w->packed.data, w->packed.len);
}

/* Where the records start after texts of text_bytes: aligned for the
 * mapping's reads. */
static uint64_t records_offset(uint64_t text_bytes)
{
	uint64_t end = sizeof(struct seg_header) + text_bytes;

	return (end + 7) & ~(uint64_t)7;
}

/* Ends the texts: pads the file to where the records start. */
static int begin_records(struct segment_writer *w)
{
	static const char zeros[8];

	w->records = true;
	w->text_bytes = w->file.written - sizeof(struct seg_header);
	return out_put(&w->file, zeros,
		       records_offset(w->text_bytes) - w->file.written);
}

static int keep_pairs(struct segment_writer *w, const struct segment_entry *e,
		      uint32_t place)
{
	int r = 0;

	/* A photo id that is the key is found by the key. */
	if (e->photo_id && e->photo_id != e->key)
		r = runsort_add(w->photos,
				&(struct photo_pair){e->photo_id, place});
	if (r >= 0 && e->owner_id)
		r = runsort_add(
			w->owners,
			&(uint64_t){(uint64_t)e->owner_id << 32 | place});
	return r;
}

int segment_writer_record(struct segment_writer *w,
			  const struct segment_entry *e)
{
	struct seg_record rec;
	int r;

	if (w->count && e->key <= w->last_key)
		return -EINVAL;
	if (w->count >= UINT32_MAX)
		return -E2BIG;
	if (!w->records) {
		r = begin_records(w);
		if (r < 0)
			return r;
	}
	if (e->text >= w->text_bytes)
		return -EINVAL;
	rec = (struct seg_record){
		.key = e->key,
		.photo_id = e->photo_id,
		.line = e->line,
		.offset = e->offset,
		.text = e->text,
		.owner_id = e->owner_id,
		.file = e->file,
		.length = e->length,
	};
	r = out_put(&w->file, &rec, sizeof(rec));
	if (r >= 0)
		r = keep_pairs(w, e, (uint32_t)w->count);
	if (r < 0)
		return r;
	w->last_key = e->key;
	w->count++;
	return 0;
}

/* Writes the index pairs, sorted. */
static int write_indexes(struct segment_writer *w)
{
	unsigned char pair[PHOTO_PAIR];
	const void *p;
	int r;

	r = runsort_finish(w->photos);
	while (r >= 0 && (r = runsort_next(w->photos, &p)) > 0) {
		struct photo_pair x;
		uint32_t place;

		memcpy(&x, p, sizeof(x));
		place = (uint32_t)x.place;
		memcpy(pair, &x.photo_id, 8);
		memcpy(pair + 8, &place, 4);
		r = out_put(&w->file, pair, PHOTO_PAIR);
	}
	if (r >= 0)
		r = runsort_finish(w->owners);
	while (r >= 0 && (r = runsort_next(w->owners, &p)) > 0) {
		uint64_t v;
		uint32_t two[2];

		memcpy(&v, p, sizeof(v));
		two[0] = (uint32_t)(v >> 32);
		two[1] = (uint32_t)v;
		r = out_put(&w->file, two, OWNER_PAIR);
	}
	return r;
}

int segment_writer_finish(struct segment_writer *w)
{
	struct seg_header h = {
		.order = SEGMENT_ORDER,
		.record_size = sizeof(struct seg_record),
	};
	int r = w->records ? 0 : begin_records(w);

	memcpy(h.magic, SEGMENT_MAGIC, sizeof(h.magic));
	h.count = w->count;
	h.n_photos = runsort_count(w->photos);
	h.n_owners = runsort_count(w->owners);
	h.text_bytes = w->text_bytes;
	h.off_texts = sizeof(h);
	h.off_records = records_offset(h.text_bytes);
	h.off_photos = h.off_records + w->count * sizeof(struct seg_record);
	h.off_owners = h.off_photos + h.n_photos * PHOTO_PAIR;
	if (r >= 0)
		r = write_indexes(w);
	if (r >= 0)
		r = out_flush(&w->file);
	if (r >= 0 && pwrite(w->file.fd, &h, sizeof(h), 0) != sizeof(h))
		r = errno ? -errno : -EIO;
	if (r >= 0 && fsync(w->file.fd) < 0)
		r = -errno;
	if (r >= 0)
		r = rename_durably(w->tmp, w->path);
	if (r >= 0)
		w->finished = true;
	return r;
}

struct segment_writer *segment_writer_free(struct segment_writer *w)
{
	if (!w)
		return NULL;
	if (w->file.fd >= 0)
		close(w->file.fd);
	if (!w->finished)
		(void)unlink(w->tmp);
	free(w->file.buf);
	buf_free(&w->packed);
	runsort_free(w->photos);
	runsort_free(w->owners);
	free(w->path);
	free(w->tmp);
	free(w);
	return NULL;
}

/* ---- reading ------------------------------------------------------------- */

/* a + b * c within the file's size, or false. */
static bool section_end(uint64_t a, uint64_t b, uint64_t c, uint64_t size,
			uint64_t *end)
{
	if (c && b > (size - a) / c)
		return false;
	*end = a + b * c;
	return *end <= size;
}

/* Records, photos and owners one after the other from h->off_records,
 * ending at *end. */
static bool sections_fit(const struct seg_header *h, uint64_t size,
			 uint64_t *end)
{
	return h->n_photos <= h->count && h->n_owners <= h->count &&
	       section_end(h->off_records, h->count, h->record_size, size,
			   end) &&
	       h->off_photos == *end &&
	       section_end(h->off_photos, h->n_photos, PHOTO_PAIR, size, end) &&
	       h->off_owners == *end &&
	       section_end(h->off_owners, h->n_owners, OWNER_PAIR, size, end);
}

static bool header_fits(const struct seg_header *h, uint64_t size)
{
	uint64_t end;

	if (h->order != SEGMENT_ORDER ||
	    h->record_size != sizeof(struct seg_record))
		return false;
	if (memcmp(h->magic, SEGMENT_MAGIC, sizeof(h->magic)) == 0 ||
	    memcmp(h->magic, SEGMENT_MAGIC_V2, sizeof(h->magic)) == 0)
		return h->off_texts == sizeof(*h) &&
		       h->text_bytes <= size - sizeof(*h) &&
		       h->off_records == records_offset(h->text_bytes) &&
		       sections_fit(h, size, &end) && end == size;
	/* The first layout: the texts last. */
	return memcmp(h->magic, SEGMENT_MAGIC_V1, sizeof(h->magic)) == 0 &&
	       h->off_records == sizeof(*h) && sections_fit(h, size, &end) &&
	       h->off_texts == end && h->text_bytes == size - end;
}

int segment_open(const char *path, struct segment **ret)
{
	struct segment *g;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	g = xcalloc(1, sizeof(*g));
	g->fd = fd;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		segment_close(g);
		return r;
	}
	g->size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode) || g->size < sizeof(struct seg_header) ||
	    pread(fd, &g->h, sizeof(g->h), 0) != sizeof(g->h) ||
	    !header_fits(&g->h, g->size)) {
		segment_close(g);
		return -EBADMSG;
	}
	g->packed = memcmp(g->h.magic, SEGMENT_MAGIC, sizeof(g->h.magic)) == 0;
	*ret = g;
	return 0;
}

struct segment *segment_close(struct segment *g)
{
	size_t i;

	if (!g)
		return NULL;
	if (g->map)
		munmap(g->map, (size_t)g->size);
	for (i = 0; i < VIEWS; i++)
		free(g->views[i].buf);
	close(g->fd);
	free(g);
	return NULL;
}

uint64_t segment_count(const struct segment *g)
{
	return g->h.count;
}

/* Maps the file once it has been read often enough to pay for it. */
static void map_when_busy(struct segment *g)
{
	void *map;

	if (g->map || g->failed_map || ++g->reads < READS_BEFORE_MAP)
		return;
	map = mmap(NULL, (size_t)g->size, PROT_READ, MAP_PRIVATE, g->fd, 0);
	if (map == MAP_FAILED)
		g->failed_map = true; /* reading on, with pread */
	else
		g->map = map;
}

/* The len bytes at off in the file, through view which, valid until that
 * view is read again; NULL when they are out of the file or cannot be
 * read. */
static const unsigned char *view_at(struct segment *g, enum view_kind which,
				    uint64_t off, size_t len)
{
	struct view *v = &g->views[which];
	bool in_order;
	size_t want;

	if (off > g->size || len > g->size - off)
		return NULL;
	map_when_busy(g);
	if (g->map)
		return g->map + off;
	if (v->len && off >= v->off && off + len <= v->off + v->len)
		return v->buf + (off - v->off);
	in_order =
		v->len && off >= v->off && off <= v->off + v->len + VIEW_SMALL;
	want = MAX(len, in_order ? (size_t)VIEW_LARGE : (size_t)VIEW_SMALL);
	want = (size_t)MIN((uint64_t)want, g->size - off);
	if (v->cap < want) {
		v->buf = xreallocarray(v->buf, want, 1);
		v->cap = want;
	}
	v->len = 0;
	if (pread(g->fd, v->buf, want, (off_t)off) != (ssize_t)want)
		return NULL;
	v->off = off;
	v->len = want;
	return v->buf;
}

/* Record i, copied to *rec; false when it cannot be read. */
static bool record_at(struct segment *g, uint64_t i, struct seg_record *rec)
{
	const unsigned char *p;

	if (i >= g->h.count)
		return false;
	p = view_at(g, VIEW_RECORDS, g->h.off_records + i * sizeof(*rec),
		    sizeof(*rec));
	if (p)
		memcpy(rec, p, sizeof(*rec));
	return p != NULL;
}

/* The texts of the earlier layouts, four strings as they came at p (len
 * bytes there): copied to texts, each one's start in at[].  Returns the
 * bytes read, or -EBADMSG when the fourth does not end within len. */
static ptrdiff_t plain_get(const char *p, size_t len, struct buf *texts,
			   size_t at[TEXTPACK_TEXTS])
{
	size_t i = 0, k;

	for (k = 0; k < TEXTPACK_TEXTS; k++) {
		const char *nul = memchr(p + i, 0, len - i);

		if (!nul)
			return -EBADMSG;
		at[k] = texts->len;
		if (buf_append(texts, p + i, (size_t)(nul - p) - i + 1) < 0)
			return -E2BIG;
		i = (size_t)(nul - p) + 1;
	}
	return (ptrdiff_t)i;
}

/* The texts of rec into texts, packed or as they came: read a little at
 * first, more while they run past what was read. */
static int read_texts(struct segment *g, const struct seg_record *rec,
		      struct buf *texts, struct segment_entry *e)
{
	size_t at[TEXTPACK_TEXTS], len;
	uint64_t left;
	ptrdiff_t n;

	if (rec->text >= g->h.text_bytes)
		return -EBADMSG;
	/* Packed, an entry's texts take at most twice their size. */
	left = MIN(g->h.text_bytes - rec->text,
		   2 * (uint64_t)SEGMENT_TEXTS_MAX);
	len = (size_t)MIN(left, (uint64_t)TEXTS_FIRST_READ);
	for (;;) {
		const char *p = (const char *)view_at(
			g, VIEW_TEXTS, g->h.off_texts + rec->text, len);

		if (!p)
			return -EBADMSG;
		buf_reset(texts);
		n = g->packed ? textpack_get(p, len, rec->photo_id, texts, at)
			      : plain_get(p, len, texts, at);
		if (n != -EBADMSG || len == left)
			break;
		len = (size_t)MIN(left, (uint64_t)len * 16);
	}
	if (n < 0)
		return (int)n;
	e->key_text = texts->data + at[TEXTPACK_KEY_TEXT];
	e->page_url = texts->data + at[TEXTPACK_PAGE_URL];
	e->image_url = texts->data + at[TEXTPACK_IMAGE_URL];
	e->license = texts->data + at[TEXTPACK_LICENSE];
	return 0;
}

int segment_get(struct segment *g, uint64_t i, struct segment_entry *e,
		struct buf *texts)
{
	struct seg_record rec;

	if (!record_at(g, i, &rec))
		return -EBADMSG;
	*e = (struct segment_entry){
		.key = rec.key,
		.photo_id = rec.photo_id,
		.owner_id = rec.owner_id,
		.file = rec.file,
		.line = rec.line,
		.offset = rec.offset,
		.length = rec.length,
		.text = rec.text,
	};
	return read_texts(g, &rec, texts, e);
}

/* The key of record i, or false when it cannot be read. */
static bool key_at(struct segment *g, uint64_t i, uint64_t *key)
{
	struct seg_record rec;

	if (!record_at(g, i, &rec))
		return false;
	*key = rec.key;
	return true;
}

int64_t segment_find_key(struct segment *g, uint64_t key)
{
	uint64_t lo = 0, hi = g->h.count, k;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (!key_at(g, mid, &k))
			return -1;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->h.count && key_at(g, lo, &k) && k == key ? (int64_t)lo
								: -1;
}

/*
 * The two indexes: pairs of a key (8 bytes for photos, 4 for owners) and
 * a record's place (4 bytes), sorted.
 */
struct index {
	uint64_t off, n;
	unsigned width; /* of the key */
};

static struct index photos_of(const struct segment *g)
{
	return (struct index){g->h.off_photos, g->h.n_photos, 8};
}

static struct index owners_of(const struct segment *g)
{
	return (struct index){g->h.off_owners, g->h.n_owners, 4};
}

/* Pair pos of index x; false when it cannot be read. */
static bool pair_at(struct segment *g, struct index x, uint64_t pos,
		    uint64_t *key, uint32_t *place)
{
	const unsigned char *p = view_at(
		g, VIEW_INDEX, x.off + pos * (x.width + 4), x.width + 4);
	uint32_t v32;

	if (!p)
		return false;
	if (x.width == 8)
		memcpy(key, p, 8);
	else {
		memcpy(&v32, p, 4);
		*key = v32;
	}
	memcpy(place, p + x.width, 4);
	return true;
}

static uint64_t index_key(struct segment *g, struct index x, uint64_t pos)
{
	uint64_t key;
	uint32_t place;

	return pair_at(g, x, pos, &key, &place) ? key : UINT64_MAX;
}

static void index_range(struct segment *g, struct index x, uint64_t key,
			uint64_t *lo, uint64_t *hi)
{
	uint64_t a = 0, b = x.n;

	while (a < b) {
		uint64_t mid = a + (b - a) / 2;

		if (index_key(g, x, mid) < key)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	for (b = a; b < x.n && index_key(g, x, b) == key; b++)
		;
	*hi = b;
}

static int64_t index_place(struct segment *g, struct index x, uint64_t pos)
{
	uint64_t key;
	uint32_t place;

	if (pos >= x.n || !pair_at(g, x, pos, &key, &place))
		return -1;
	return place < g->h.count ? (int64_t)place : -1;
}

/* The record whose key is photo_id and whose photo id is too: in a
 * packed segment it is not in the photo index. */
static int64_t photo_by_key(struct segment *g, uint64_t photo_id)
{
	struct seg_record rec;
	int64_t at;

	if (!g->packed)
		return -1;
	at = segment_find_key(g, photo_id);
	return at >= 0 && record_at(g, (uint64_t)at, &rec) &&
			       rec.photo_id == photo_id
		       ? at
		       : -1;
}

void segment_photo_range(struct segment *g, uint64_t photo_id, uint64_t *lo,
			 uint64_t *hi)
{
	index_range(g, photos_of(g), photo_id, lo, hi);
	if (photo_by_key(g, photo_id) >= 0)
		++*hi;
}

int64_t segment_photo_at(struct segment *g, uint64_t photo_id, uint64_t pos)
{
	struct index x = photos_of(g);

	if (pos < x.n && index_key(g, x, pos) == photo_id)
		return index_place(g, x, pos);
	return photo_by_key(g, photo_id);
}

void segment_owner_range(struct segment *g, uint32_t owner_id, uint64_t *lo,
			 uint64_t *hi)
{
	index_range(g, owners_of(g), owner_id, lo, hi);
}

int64_t segment_owner_at(struct segment *g, uint64_t pos)
{
	return index_place(g, owners_of(g), pos);
}

/* ---- the keys, streamed -------------------------------------------------- */

#define KEYS_BLOCK 4096 /* records read at once */

struct segment_keys {
	int fd;
	struct seg_header h;
	uint64_t next; /* the next record */
	struct seg_record block[KEYS_BLOCK];
	size_t len, pos;
};

int segment_keys_open(const char *path, struct segment_keys **ret)
{
	struct segment_keys *k;
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	k = xcalloc(1, sizeof(*k));
	k->fd = fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode) ||
		 (uint64_t)st.st_size < sizeof(struct seg_header) ||
		 pread(fd, &k->h, sizeof(k->h), 0) != sizeof(k->h) ||
		 !header_fits(&k->h, (uint64_t)st.st_size))
		r = -EBADMSG;
	if (r < 0) {
		segment_keys_free(k);
		return r;
	}
	*ret = k;
	return 0;
}

int segment_keys_next(struct segment_keys *k, uint64_t *key)
{
	if (k->pos == k->len) {
		size_t want =
			(size_t)MIN((uint64_t)KEYS_BLOCK, k->h.count - k->next);
		ssize_t got;

		if (want == 0)
			return 0;
		got = pread(k->fd, k->block, want * sizeof(k->block[0]),
			    (off_t)(k->h.off_records +
				    k->next * sizeof(k->block[0])));
		if (got < 0)
			return -errno;
		if ((size_t)got != want * sizeof(k->block[0]))
			return -EIO;
		k->len = want;
		k->pos = 0;
		k->next += want;
	}
	*key = k->block[k->pos++].key;
	return 1;
}

struct segment_keys *segment_keys_free(struct segment_keys *k)
{
	if (!k)
		return NULL;
	close(k->fd);
	free(k);
	return NULL;
}
