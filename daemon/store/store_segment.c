/*
 * store_segment.c: writing and reading entry segment files
 * (store_segment.h).
 *
 * The writer streams the packed texts into the file as they come, right
 * after the header's place, then the records in key order, a block of
 * BLOCK_RECORDS at a time; the two indexes, as (id, place) pairs, are
 * sorted in runs (lib/runsort.h) and written after the records when
 * finished, and the header last.  A crash leaves only the .tmp file,
 * which the store sweeps.  Files of the earlier layouts (fixed records;
 * texts as they came; before 2026-12-07 also the records first and the
 * texts last) read as well.
 *
 * A block stores each field of its records as a column: the smallest
 * value, then every value less it in as few bits as the largest needs.
 * In key order a block's keys lie close together, its files are mostly
 * one, and a photo-keyed dataset's photo ids are its keys (no column at
 * all); what is left are about 130 bits a record for YFCC100M's 100M rows
 * (owner row, line, offset, length, where the texts are), against 448 as
 * fixed fields.  Any record is read from its block without the others.
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
#include "lib/varint.h"
#include "lib/xalloc.h"
#include "store/store_textpack.h"

#define SEGMENT_MAGIC	 "SWSEG004" /* texts packed, records in blocks */
#define SEGMENT_MAGIC_V3 "SWSEG003" /* texts packed, records fixed */
#define SEGMENT_MAGIC_V2 "SWSEG002" /* texts first, as they came */
#define SEGMENT_MAGIC_V1 "SWSEG001" /* records first, texts last */
#define SEGMENT_ORDER	 0x01020304u
#define WRITE_BUF	 (1u << 20)
#define WRITEBACK_STEP	 (32u << 20)

/* The header.  The earlier layouts end it after off_texts (OLD_HEADER
 * bytes); there record_size is a fixed record's, here the records a
 * block. */
struct seg_header {
	char magic[8];
	uint32_t order, record_size;
	uint64_t count, n_photos, n_owners, text_bytes;
	uint64_t off_records, off_photos, off_owners, off_texts;
	/* SWSEG004: the records' bytes; the blocks' directory; the owner
	 * rows (n_owners is the count of the places at off_owners) */
	uint64_t records_bytes, off_blocks, n_owner_rows, off_owner_rows;
};

#define OLD_HEADER offsetof(struct seg_header, records_bytes)

struct seg_record {
	uint64_t key, photo_id, line, offset;
	uint64_t text; /* offset of its four strings in the texts */
	uint32_t owner_id, file, length;
	uint32_t unused; /* 0 */
};

/* An index pair as written: 12 bytes for photos, 8 for owners (in the
 * earlier layouts; now a place of 4 bytes, and an owner row of 8 for
 * each owner: its row and its first place). */
#define PHOTO_PAIR  12
#define OWNER_PAIR  8
#define OWNER_PLACE 4
#define OWNER_ROW   8
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

/* A block's columns, in the order written. */
enum column {
	COL_KEY,
	COL_PHOTO,
	COL_OWNER,
	COL_FILE,
	COL_LINE,
	COL_OFFSET,
	COL_LENGTH,
	COL_TEXT,
	COLUMNS,
};

#define BLOCK_RECORDS	 64
#define BLOCK_PHOTO_KEYS 0x01 /* flag: every photo id is the key */
/* A block's most bytes: its flags, each column's width and smallest
 * value, and 64 bits a value. */
#define BLOCK_BYTES_MAX \
	(1 + COLUMNS * (1 + 2 * VARINT_MAX) + COLUMNS * BLOCK_RECORDS * 8)
/* An entry of the blocks' directory: the block's first key, and where it
 * starts in the records. */
#define BLOCK_ENTRY 16

struct block_entry {
	uint64_t key, off;
};

struct segment_writer {
	char *path, *tmp;
	struct out file;      /* the header's place, the texts, the records */
	struct buf packed;    /* one entry's texts, packed */
	uint64_t text_bytes;  /* the texts' size, once the records began */
	uint64_t off_records; /* where they start, once they began */
	bool records;	      /* the records began */
	uint64_t count;
	uint64_t last_key;
	struct seg_record block[BLOCK_RECORDS]; /* the block being filled */
	unsigned in_block;
	unsigned char out[BLOCK_BYTES_MAX + 16]; /* a block, encoded */
	struct block_entry *blocks;		 /* the directory */
	size_t n_blocks, blocks_cap;
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
enum view_kind { VIEW_RECORDS, VIEW_BLOCKS, VIEW_TEXTS, VIEW_INDEX, VIEWS };

#define VIEW_SMALL	 512u	     /* bytes a lookup reads */
#define VIEW_LARGE	 (64u << 10) /* bytes a read in order reads ahead */
#define TEXTS_FIRST_READ 256u	     /* an entry's texts, packed: most fit */
/* Reads after which the file is mapped instead: a scan, or a join that
 * looks up many entries, is faster through the page cache's mapping; a
 * search of a few thousand entries is faster without, for it maps (and
 * at exit unmaps) 16 pages around every one it touches. */
#define READS_BEFORE_MAP 65536u

/* A block as read: its bytes (and 16 zero bytes after them, for the
 * reads of a column's last value), where each column is, its width and
 * smallest value. */
struct block {
	uint64_t index; /* UINT64_MAX: none yet */
	unsigned n;
	bool photo_keys;
	unsigned char width[COLUMNS];
	uint64_t base[COLUMNS], slope[COLUMNS];
	size_t column[COLUMNS];
	unsigned char data[BLOCK_BYTES_MAX + 16];
};

struct segment {
	int fd;
	uint64_t size;
	struct seg_header h;
	bool packed; /* texts packed, photo ids equal to keys not indexed */
	bool blocks; /* records in blocks */
	struct view views[VIEWS];
	struct block block; /* the block last read */
	uint64_t reads;
	unsigned char *map; /* once busy (map_when_busy()), or NULL */
	bool failed_map, never_map;
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
static uint64_t records_offset(uint64_t header, uint64_t text_bytes)
{
	uint64_t end = header + text_bytes;

	return (end + 7) & ~(uint64_t)7;
}

/* Ends the texts: pads the file to where the records start. */
static int begin_records(struct segment_writer *w)
{
	static const char zeros[8];

	w->records = true;
	w->text_bytes = w->file.written - sizeof(struct seg_header);
	w->off_records =
		records_offset(sizeof(struct seg_header), w->text_bytes);
	return out_put(&w->file, zeros, w->off_records - w->file.written);
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

/* The bits a value up to v needs. */
static unsigned bits_for(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}

/* The offset and where the texts are grow with the line: those columns
 * hold the difference from a line times the block's slope (in 1/65536ths,
 * from its lowest line to its highest), zigzagged (0, -1, 1, -2, ...). */
#define SLOPE_SHIFT 16

/* Whether a block has column c: no photo ids when they are the keys. */
static bool has_column(enum column c, bool photo_keys)
{
	return c != COL_PHOTO || !photo_keys;
}

static bool predicted(enum column c)
{
	return c == COL_OFFSET || c == COL_TEXT;
}

static uint64_t predict(uint64_t line, uint64_t slope)
{
	return (uint64_t)(((unsigned __int128)line * slope) >> SLOPE_SHIFT);
}

static uint64_t zigzag(uint64_t d)
{
	return d << 1 ^ (uint64_t)((int64_t)d >> 63);
}

static uint64_t unzigzag(uint64_t z)
{
	return z >> 1 ^ (0 - (z & 1));
}

/* The value of column c of record r. */
static uint64_t column_value(const struct seg_record *r, enum column c)
{
	switch (c) {
	case COL_KEY:
		return r->key;
	case COL_PHOTO:
		return r->photo_id;
	case COL_OWNER:
		return r->owner_id;
	case COL_FILE:
		return r->file;
	case COL_LINE:
		return r->line;
	case COL_OFFSET:
		return r->offset;
	case COL_LENGTH:
		return r->length;
	case COL_TEXT:
	default:
		return r->text;
	}
}

/* The slope of column c over the n records at rec: from the lowest line
 * to the highest, 0 when they are one or c falls. */
static uint64_t slope_of(const struct seg_record *rec, unsigned n,
			 enum column c)
{
	unsigned lo = 0, hi = 0, i;
	uint64_t rise;
	unsigned __int128 q;

	for (i = 1; i < n; i++) {
		lo = rec[i].line < rec[lo].line ? i : lo;
		hi = rec[i].line > rec[hi].line ? i : hi;
	}
	if (rec[hi].line == rec[lo].line ||
	    column_value(&rec[hi], c) < column_value(&rec[lo], c))
		return 0;
	rise = column_value(&rec[hi], c) - column_value(&rec[lo], c);
	q = ((unsigned __int128)rise << SLOPE_SHIFT) /
	    (rec[hi].line - rec[lo].line);
	return q > UINT64_MAX ? 0 : (uint64_t)q;
}

/* Column c of record r as its block stores it, before the smallest is
 * taken off. */
static uint64_t stored_value(const struct seg_record *r, enum column c,
			     uint64_t slope)
{
	uint64_t v = column_value(r, c);

	return predicted(c) ? zigzag(v - predict(r->line, slope)) : v;
}

/* ORs the w low bits of v in at bit of p (zeroed, 8 bytes of room past
 * the last bit). */
static void put_bits(unsigned char *p, uint64_t bit, uint64_t v, unsigned w)
{
	unsigned shift = (unsigned)(bit & 7);
	uint64_t word;

	if (!w)
		return;
	p += bit >> 3;
	memcpy(&word, p, 8);
	word |= v << shift;
	memcpy(p, &word, 8);
	if (shift + w > 64)
		p[8] |= (unsigned char)(v >> (64 - shift));
}

/* Writes the records of the block being filled, and its directory
 * entry. */
static int write_block(struct segment_writer *w)
{
	unsigned char *out = w->out;
	const struct seg_record *rec = w->block;
	unsigned n = w->in_block, i, c;
	unsigned char width[COLUMNS];
	uint64_t value[COLUMNS][BLOCK_RECORDS];
	size_t len = 1;
	bool photo_keys = true;

	for (i = 0; i < n; i++)
		photo_keys &= rec[i].photo_id == rec[i].key;
	out[0] = photo_keys ? BLOCK_PHOTO_KEYS : 0;
	for (c = 0; c < COLUMNS; c++) {
		uint64_t lo = UINT64_MAX, hi = 0, slope;

		if (!has_column(c, photo_keys))
			continue;
		slope = predicted(c) ? slope_of(rec, n, c) : 0;
		for (i = 0; i < n; i++) {
			value[c][i] = stored_value(&rec[i], c, slope);
			lo = MIN(lo, value[c][i]);
			hi = MAX(hi, value[c][i]);
		}
		for (i = 0; i < n; i++)
			value[c][i] -= lo;
		width[c] = (unsigned char)bits_for(hi - lo);
		out[len++] = width[c];
		len += varint_put(out + len, lo);
		if (predicted(c))
			len += varint_put(out + len, slope);
	}
	memset(out + len, 0, sizeof(w->out) - len);
	for (c = 0; c < COLUMNS; c++) {
		if (!has_column(c, photo_keys))
			continue;
		for (i = 0; i < n; i++)
			put_bits(out + len, (uint64_t)i * width[c], value[c][i],
				 width[c]);
		len += ((size_t)n * width[c] + 7) / 8;
	}
	if (w->n_blocks == w->blocks_cap) {
		w->blocks_cap = w->blocks_cap ? 2 * w->blocks_cap : 1024;
		w->blocks = xreallocarray(w->blocks, w->blocks_cap,
					  sizeof(*w->blocks));
	}
	w->blocks[w->n_blocks++] = (struct block_entry){
		rec[0].key, w->file.written - w->off_records};
	w->in_block = 0;
	return out_put(&w->file, out, len);
}

int segment_writer_record(struct segment_writer *w,
			  const struct segment_entry *e)
{
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
	w->block[w->in_block++] = (struct seg_record){
		.key = e->key,
		.photo_id = e->photo_id,
		.line = e->line,
		.offset = e->offset,
		.text = e->text,
		.owner_id = e->owner_id,
		.file = e->file,
		.length = e->length,
	};
	r = w->in_block == BLOCK_RECORDS ? write_block(w) : 0;
	if (r >= 0)
		r = keep_pairs(w, e, (uint32_t)w->count);
	if (r < 0)
		return r;
	w->last_key = e->key;
	w->count++;
	return 0;
}

/* Ends the records: the last block, padding to 8, the directory. */
static int write_blocks(struct segment_writer *w, struct seg_header *h)
{
	static const char zeros[8];
	int r = w->in_block ? write_block(w) : 0;
	size_t i;

	h->records_bytes = w->file.written - h->off_records;
	h->off_blocks = (w->file.written + 7) & ~(uint64_t)7;
	if (r >= 0)
		r = out_put(&w->file, zeros, h->off_blocks - w->file.written);
	for (i = 0; r >= 0 && i < w->n_blocks; i++)
		r = out_put(&w->file, &w->blocks[i], BLOCK_ENTRY);
	return r;
}

/* Writes the photo pairs, sorted; then the owners' places in (owner row,
 * place) order and each owner row with its first place. */
static int write_indexes(struct segment_writer *w, struct seg_header *h)
{
	unsigned char pair[PHOTO_PAIR];
	uint32_t *rows = NULL, last = 0;
	size_t n_rows = 0, cap = 0, i;
	uint64_t pos = 0;
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
		uint32_t owner, place;

		memcpy(&v, p, sizeof(v));
		owner = (uint32_t)(v >> 32);
		place = (uint32_t)v;
		if (n_rows == 0 || owner != last) {
			if (n_rows == cap) {
				cap = cap ? 2 * cap : 1024;
				rows = xreallocarray(rows, cap, OWNER_ROW);
			}
			rows[2 * n_rows] = owner;
			rows[2 * n_rows + 1] = (uint32_t)pos;
			n_rows++;
			last = owner;
		}
		r = out_put(&w->file, &place, OWNER_PLACE);
		pos++;
	}
	h->n_owner_rows = n_rows;
	h->off_owner_rows = h->off_owners + pos * OWNER_PLACE;
	for (i = 0; r >= 0 && i < n_rows; i++)
		r = out_put(&w->file, rows + 2 * i, OWNER_ROW);
	free(rows);
	return r;
}

int segment_writer_finish(struct segment_writer *w)
{
	struct seg_header h = {
		.order = SEGMENT_ORDER,
		.record_size = BLOCK_RECORDS,
	};
	int r = w->records ? 0 : begin_records(w);

	memcpy(h.magic, SEGMENT_MAGIC, sizeof(h.magic));
	h.count = w->count;
	h.n_photos = runsort_count(w->photos);
	h.n_owners = runsort_count(w->owners);
	h.text_bytes = w->text_bytes;
	h.off_texts = sizeof(h);
	h.off_records = w->off_records;
	if (r >= 0)
		r = write_blocks(w, &h);
	h.off_photos = h.off_blocks + w->n_blocks * BLOCK_ENTRY;
	h.off_owners = h.off_photos + h.n_photos * PHOTO_PAIR;
	if (r >= 0)
		r = write_indexes(w, &h);
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
	free(w->blocks);
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
 * ending at *end: the earlier layouts, of fixed records. */
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

static uint64_t blocks_of(const struct seg_header *h)
{
	return (h->count + BLOCK_RECORDS - 1) / BLOCK_RECORDS;
}

/* The sections of a file of blocks, one after the other to its end. */
static bool blocks_fit(const struct seg_header *h, uint64_t size)
{
	uint64_t end;

	return h->record_size == BLOCK_RECORDS && h->off_texts == sizeof(*h) &&
	       h->text_bytes <= size - sizeof(*h) &&
	       h->off_records == records_offset(sizeof(*h), h->text_bytes) &&
	       h->records_bytes <= size - h->off_records &&
	       (h->count == 0) == (h->records_bytes == 0) &&
	       h->off_blocks == ((h->off_records + h->records_bytes + 7) &
				 ~(uint64_t)7) &&
	       h->n_photos <= h->count && h->n_owners <= h->count &&
	       h->n_owner_rows <= h->n_owners &&
	       section_end(h->off_blocks, blocks_of(h), BLOCK_ENTRY, size,
			   &end) &&
	       h->off_photos == end &&
	       section_end(h->off_photos, h->n_photos, PHOTO_PAIR, size,
			   &end) &&
	       h->off_owners == end &&
	       section_end(h->off_owners, h->n_owners, OWNER_PLACE, size,
			   &end) &&
	       h->off_owner_rows == end &&
	       section_end(h->off_owner_rows, h->n_owner_rows, OWNER_ROW, size,
			   &end) &&
	       end == size;
}

static bool header_fits(const struct seg_header *h, uint64_t size)
{
	uint64_t end;

	if (h->order != SEGMENT_ORDER)
		return false;
	if (memcmp(h->magic, SEGMENT_MAGIC, sizeof(h->magic)) == 0)
		return size >= sizeof(*h) && blocks_fit(h, size);
	if (h->record_size != sizeof(struct seg_record))
		return false;
	if (memcmp(h->magic, SEGMENT_MAGIC_V3, sizeof(h->magic)) == 0 ||
	    memcmp(h->magic, SEGMENT_MAGIC_V2, sizeof(h->magic)) == 0)
		return h->off_texts == OLD_HEADER &&
		       h->text_bytes <= size - OLD_HEADER &&
		       h->off_records ==
			       records_offset(OLD_HEADER, h->text_bytes) &&
		       sections_fit(h, size, &end) && end == size;
	/* The first layout: the texts last. */
	return memcmp(h->magic, SEGMENT_MAGIC_V1, sizeof(h->magic)) == 0 &&
	       h->off_records == OLD_HEADER && sections_fit(h, size, &end) &&
	       h->off_texts == end && h->text_bytes == size - end;
}

/* Reads and checks the header of the file fd, of size bytes, into *h.
 * Returns 0 or -EBADMSG. */
static int read_header(int fd, uint64_t size, struct seg_header *h)
{
	size_t want = (size_t)MIN(size, (uint64_t)sizeof(*h));

	memset(h, 0, sizeof(*h));
	if (size < OLD_HEADER || pread(fd, h, want, 0) != (ssize_t)want)
		return -EBADMSG;
	if (memcmp(h->magic, SEGMENT_MAGIC, sizeof(h->magic)) != 0)
		/* What follows an earlier header is the file's, not its. */
		memset((char *)h + OLD_HEADER, 0, sizeof(*h) - OLD_HEADER);
	return header_fits(h, size) ? 0 : -EBADMSG;
}

/* Opens the segment at path, unmapped; never_map: not even when it is
 * read much. */
static int open_segment(const char *path, bool never_map, struct segment **ret)
{
	struct segment *g;
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	g = xcalloc(1, sizeof(*g));
	g->fd = fd;
	g->never_map = never_map;
	g->block.index = UINT64_MAX;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EBADMSG;
	else
		r = read_header(fd, g->size = (uint64_t)st.st_size, &g->h);
	if (r < 0) {
		segment_close(g);
		return r;
	}
	g->blocks = memcmp(g->h.magic, SEGMENT_MAGIC, sizeof(g->h.magic)) == 0;
	g->packed = g->blocks || memcmp(g->h.magic, SEGMENT_MAGIC_V3,
					sizeof(g->h.magic)) == 0;
	*ret = g;
	return 0;
}

int segment_open(const char *path, struct segment **ret)
{
	return open_segment(path, false, ret);
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

	if (g->map || g->failed_map || g->never_map ||
	    ++g->reads < READS_BEFORE_MAP)
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

/* The w bits at bit of p (16 readable bytes past the last bit). */
static uint64_t bits_at(const unsigned char *p, uint64_t bit, unsigned w)
{
	unsigned shift = (unsigned)(bit & 7);
	uint64_t v;

	if (!w)
		return 0;
	p += bit >> 3;
	memcpy(&v, p, 8);
	v >>= shift;
	if (shift + w > 64)
		v |= (uint64_t)p[8] << (64 - shift);
	return w == 64 ? v : v & ((UINT64_C(1) << w) - 1);
}

/* Entry b of the blocks' directory; false when it cannot be read. */
static bool block_entry(struct segment *g, uint64_t b, struct block_entry *e)
{
	const unsigned char *p = view_at(
		g, VIEW_BLOCKS, g->h.off_blocks + b * BLOCK_ENTRY, BLOCK_ENTRY);

	if (p)
		memcpy(e, p, sizeof(*e));
	return p != NULL;
}

/* Reads the columns' widths and smallest values at the start of block k
 * (len bytes), and checks that the columns end at its end. */
static bool parse_block(struct block *k, size_t len)
{
	size_t at = 1, bytes = 0;
	unsigned c;

	k->photo_keys = k->data[0] & BLOCK_PHOTO_KEYS;
	if (k->data[0] & ~BLOCK_PHOTO_KEYS)
		return false;
	for (c = 0; c < COLUMNS; c++) {
		size_t used;

		k->width[c] = 0;
		k->base[c] = k->slope[c] = 0;
		if (!has_column(c, k->photo_keys))
			continue;
		if (at >= len || k->data[at] > 64)
			return false;
		k->width[c] = k->data[at++];
		used = varint_get(k->data + at, len - at, &k->base[c]);
		if (!used)
			return false;
		at += used;
		if (predicted(c)) {
			used = varint_get(k->data + at, len - at, &k->slope[c]);
			if (!used)
				return false;
			at += used;
		}
	}
	for (c = 0; c < COLUMNS; c++) {
		k->column[c] = at + bytes;
		bytes += ((size_t)k->n * k->width[c] + 7) / 8;
	}
	return at + bytes == len;
}

/* Reads block b into g->block (unless it is there); false when it cannot
 * be read or is damaged. */
static bool load_block(struct segment *g, uint64_t b)
{
	struct block *k = &g->block;
	struct block_entry e, next = {0, g->h.records_bytes};
	const unsigned char *p;
	uint64_t len;

	if (k->index == b)
		return true;
	k->index = UINT64_MAX;
	if (b >= blocks_of(&g->h) || !block_entry(g, b, &e) ||
	    (b + 1 < blocks_of(&g->h) && !block_entry(g, b + 1, &next)) ||
	    e.off >= next.off || next.off > g->h.records_bytes)
		return false;
	len = next.off - e.off;
	if (len > BLOCK_BYTES_MAX)
		return false;
	p = view_at(g, VIEW_RECORDS, g->h.off_records + e.off, (size_t)len);
	if (!p)
		return false;
	memcpy(k->data, p, (size_t)len);
	memset(k->data + len, 0, 16);
	k->n = (unsigned)MIN((uint64_t)BLOCK_RECORDS,
			     g->h.count - b * BLOCK_RECORDS);
	/* The directory's key is the block's first, which the key column's
	 * smallest value is. */
	if (!parse_block(k, (size_t)len) || k->base[COL_KEY] != e.key ||
	    bits_at(k->data + k->column[COL_KEY], 0, k->width[COL_KEY]))
		return false;
	k->index = b;
	return true;
}

/* Column c of record j of the block read, as stored. */
static uint64_t block_value(const struct block *k, unsigned j, enum column c)
{
	return k->base[c] + bits_at(k->data + k->column[c],
				    (uint64_t)j * k->width[c], k->width[c]);
}

/* A column predicted from the line, of record j whose line it is. */
static uint64_t block_predicted(const struct block *k, unsigned j,
				enum column c, uint64_t line)
{
	return predict(line, k->slope[c]) + unzigzag(block_value(k, j, c));
}

/* Record i, copied to *rec; false when it cannot be read. */
static bool record_at(struct segment *g, uint64_t i, struct seg_record *rec)
{
	const unsigned char *p;
	const struct block *k = &g->block;
	uint64_t line;
	unsigned j;

	if (i >= g->h.count)
		return false;
	if (!g->blocks) {
		p = view_at(g, VIEW_RECORDS,
			    g->h.off_records + i * sizeof(*rec), sizeof(*rec));
		if (p)
			memcpy(rec, p, sizeof(*rec));
		return p != NULL;
	}
	if (!load_block(g, i / BLOCK_RECORDS))
		return false;
	j = (unsigned)(i % BLOCK_RECORDS);
	line = block_value(k, j, COL_LINE);
	*rec = (struct seg_record){
		.key = block_value(k, j, COL_KEY),
		.owner_id = (uint32_t)block_value(k, j, COL_OWNER),
		.file = (uint32_t)block_value(k, j, COL_FILE),
		.line = line,
		.offset = block_predicted(k, j, COL_OFFSET, line),
		.length = (uint32_t)block_value(k, j, COL_LENGTH),
		.text = block_predicted(k, j, COL_TEXT, line),
	};
	rec->photo_id = k->photo_keys ? rec->key : block_value(k, j, COL_PHOTO);
	return true;
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

	if (g->blocks) {
		if (i >= g->h.count || !load_block(g, i / BLOCK_RECORDS))
			return false;
		*key = block_value(&g->block, (unsigned)(i % BLOCK_RECORDS),
				   COL_KEY);
		return true;
	}
	if (!record_at(g, i, &rec))
		return false;
	*key = rec.key;
	return true;
}

/* The records [*lo, *hi) where key may be: the block whose first key is
 * the last not above it, found in the directory.  False when the
 * directory cannot be read. */
static bool block_of_key(struct segment *g, uint64_t key, uint64_t *lo,
			 uint64_t *hi)
{
	uint64_t a = 0, b = blocks_of(&g->h);
	struct block_entry e;

	while (a < b) {
		uint64_t mid = a + (b - a) / 2;

		if (!block_entry(g, mid, &e))
			return false;
		if (e.key <= key)
			a = mid + 1;
		else
			b = mid;
	}
	/* a: the first block past key */
	*lo = a ? (a - 1) * BLOCK_RECORDS : 0;
	*hi = a ? MIN(g->h.count, *lo + BLOCK_RECORDS) : 0;
	return true;
}

int64_t segment_find_key(struct segment *g, uint64_t key)
{
	uint64_t lo = 0, hi = g->h.count, end, k;

	if (g->blocks && !block_of_key(g, key, &lo, &hi))
		return -1;
	end = hi;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (!key_at(g, mid, &k))
			return -1;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < end && key_at(g, lo, &k) && k == key ? (int64_t)lo : -1;
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

/* Owner row pos of a file of blocks (its row and first place); false
 * when it cannot be read. */
static bool owner_row_at(struct segment *g, uint64_t pos, uint32_t row[2])
{
	const unsigned char *p =
		view_at(g, VIEW_INDEX, g->h.off_owner_rows + pos * OWNER_ROW,
			OWNER_ROW);

	if (p)
		memcpy(row, p, OWNER_ROW);
	return p != NULL;
}

void segment_owner_range(struct segment *g, uint32_t owner_id, uint64_t *lo,
			 uint64_t *hi)
{
	uint64_t a = 0, b = g->h.n_owner_rows;
	uint32_t row[2], next[2] = {0, (uint32_t)g->h.n_owners};

	if (!g->blocks) {
		index_range(g, owners_of(g), owner_id, lo, hi);
		return;
	}
	while (a < b) {
		uint64_t mid = a + (b - a) / 2;

		if (!owner_row_at(g, mid, row))
			break;
		if (row[0] < owner_id)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = *hi = 0;
	if (a < b || a >= g->h.n_owner_rows || !owner_row_at(g, a, row) ||
	    row[0] != owner_id ||
	    (a + 1 < g->h.n_owner_rows && !owner_row_at(g, a + 1, next)))
		return;
	/* A damaged row reads as no places. */
	if (row[1] <= next[1] && next[1] <= g->h.n_owners) {
		*lo = row[1];
		*hi = next[1];
	}
}

int64_t segment_owner_at(struct segment *g, uint64_t pos)
{
	const unsigned char *p;
	uint32_t place;

	if (!g->blocks)
		return index_place(g, owners_of(g), pos);
	if (pos >= g->h.n_owners)
		return -1;
	p = view_at(g, VIEW_INDEX, g->h.off_owners + pos * OWNER_PLACE,
		    OWNER_PLACE);
	if (!p)
		return -1;
	memcpy(&place, p, sizeof(place));
	return place < g->h.count ? (int64_t)place : -1;
}

/* ---- the keys, streamed -------------------------------------------------- */

/* The keys in order through the segment's views, which read ahead when
 * read in order, and never through its mapping. */
struct segment_keys {
	struct segment *g;
	uint64_t next; /* the next record */
};

int segment_keys_open(const char *path, struct segment_keys **ret)
{
	struct segment *g;
	int r = open_segment(path, true, &g);

	if (r < 0)
		return r;
	*ret = xcalloc(1, sizeof(**ret));
	(*ret)->g = g;
	return 0;
}

int segment_keys_next(struct segment_keys *k, uint64_t *key)
{
	if (k->next == k->g->h.count)
		return 0;
	if (!key_at(k->g, k->next, key))
		return -EBADMSG;
	k->next++;
	return 1;
}

struct segment_keys *segment_keys_free(struct segment_keys *k)
{
	if (!k)
		return NULL;
	segment_close(k->g);
	free(k);
	return NULL;
}
