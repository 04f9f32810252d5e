/*
 * format_parquet.c: a manifest that is a Parquet file, as the web-scale
 * image datasets are published (LAION and its descendants).  The dataset
 * maps entry fields to columns (`columns:`; a column inside a group by
 * its dotted path); each row is one entry, numbered from 1 in file order.
 *
 * The footer is at the end, so the file is read where it lies, never fed:
 * the magic at both ends, the footer (parquet_meta.h), then per row group
 * only the mapped columns' chunks, each read whole, decoded page by page
 * (parquet_codec.h, parquet_page.h) and kept, the values pointing into
 * its pages, while its row group's entries are built.  Two row groups are
 * in hand at most: while the calling thread builds and
 * hands on the entries of one, a second thread decodes the next into the
 * other batch, and the calling thread then decodes the columns it has not
 * yet begun.  Only the calling thread calls the sink; an error found while
 * decoding is kept in its column's slot and reported in file order, after
 * the entries before it, as a reader of one thread would meet it.
 * Whatever the reader does not decode (a codec, an encoding, a repeated
 * column, a type) and whatever is inconsistent is a fatal error naming the
 * row group and the column (the caller names the file): the release is
 * refused, never misread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/format.h"
#include "parse/parquet_codec.h"
#include "parse/parquet_meta.h"
#include "parse/parquet_page.h"

#define PARQUET_MAGIC	   "PAR1"
#define PARQUET_FOOTER_MAX (64 << 20)
#define PARQUET_PAGE_MAX   (256 << 20) /* one page, decompressed */
#define PARQUET_CHUNK_MAX  (1 << 30)   /* one column chunk, compressed */
#define PARQUET_VALUES_MAX (1 << 30)   /* one chunk's values as text */
#define PARQUET_ROWS_MAX   (1 << 25)   /* rows in one row group */

struct parquet_column {
	const char *name; /* borrowed from the options */
	enum entry_field field;
	size_t leaf;
};

struct parquet_parser;

/* A buffer kept from one row group to the next one of its batch. */
struct parquet_space {
	uint8_t *data; /* owned */
	size_t cap;
};

/* One column's decoding state in a batch.  The values borrow their bytes
 * from the chunk and its decompressed pages, so these are kept until the
 * batch's next row group. */
struct parquet_slot {
	const struct parquet_column *col; /* borrowed from the parser */
	struct parquet_decoder dec;
	struct parquet_values values;
	struct parquet_space chunk;  /* the column chunk as read */
	struct parquet_space *pages; /* owned: its pages, decompressed */
	size_t n_pages, used;	     /* allocated, in use */
	size_t kept;		     /* bytes decompressed */
	int r;			     /* the chunk's decoding's result */
	char why[768];		     /* empty, or the fatal error's text */
};

/* What decoding one row group needs of its own, so that two can be in
 * hand: one slot per mapped column.  The columns are shared out between
 * the decoding thread and, once its entries are handed on, the calling
 * thread: each takes the next column no one has taken. */
struct parquet_batch {
	struct parquet_parser *p; /* borrowed: read only while decoding */
	struct parquet_slot slots[ENTRY_FIELD_MAX];
	size_t group; /* the row group decoded, from 0 */
	pthread_t thread;
	bool running;	     /* decoding on thread, not yet joined */
	atomic_size_t taken; /* columns taken to decode */
	atomic_bool stop;    /* the entries' reader gave up: stop early */
};

struct parquet_parser {
	struct format_sink sink;
	size_t max_record;
	struct parquet_column columns[ENTRY_FIELD_MAX];
	size_t n;
	int fd;
	uint64_t size;
	struct parquet_meta meta;
	struct parquet_batch batch[2];
	uint64_t row;
};

extern const struct format format_parquet;

static int parquet_open(const struct format_options *o,
			const struct format_limits *limits,
			const struct format_sink *sink, void **ret)
{
	struct parquet_parser *p;
	size_t f;

	p = xcalloc(1, sizeof(*p));
	p->sink = *sink;
	p->max_record = limits->max_record;
	p->fd = -1;
	for (f = 0; f < ELEMENTSOF(p->batch); f++)
		p->batch[f].p = p;
	for (f = 0; f < ENTRY_FIELD_MAX; f++)
		if (o->fields[f]) {
			p->columns[p->n].name = o->fields[f];
			p->columns[p->n++].field = (enum entry_field)f;
		}
	if (p->n == 0) {
		free(p);
		return -EINVAL;
	}
	*ret = p;
	return 0;
}

static int fail(struct parquet_parser *p, int r, const char *fmt, ...)
	_printf_(3, 4);

/* Reports why the file cannot be read (fatal; the caller names the file);
 * returns r. */
static int fail(struct parquet_parser *p, int r, const char *fmt, ...)
{
	char why[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	p->sink.report(p->sink.userdata, 0, true, why);
	return r;
}

static int fatal(const struct parquet_batch *b, struct parquet_slot *s, int r,
		 const char *fmt, ...) _printf_(4, 5);

/* Keeps in slot s why batch b's row group cannot be read, naming it and
 * the slot's column, for the calling thread to report in turn
 * (batch_result); returns r. */
static int fatal(const struct parquet_batch *b, struct parquet_slot *s, int r,
		 const char *fmt, ...)
{
	char why[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(s->why, sizeof(s->why),
		 "row group %zu of %zu, column '%s': %s", b->group + 1,
		 b->p->meta.n_groups, s->col->name, why);
	return r;
}

static int read_at(struct parquet_parser *p, void *dst, size_t len,
		   uint64_t offset)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(p->fd, (char *)dst + done, len - done,
				  (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		done += (size_t)n;
	}
	return 0;
}

/* The magic at both ends and the footer's length, in *ret_len. */
static int tail_read(struct parquet_parser *p, uint32_t *ret_len)
{
	uint8_t head[4], tail[8];
	uint32_t len;
	int r;

	if (p->size < 12)
		return fail(p, -EBADMSG,
			    "the file is too short to be Parquet (%llu bytes)",
			    (unsigned long long)p->size);
	r = read_at(p, head, 4, 0);
	if (r >= 0)
		r = read_at(p, tail, 8, p->size - 8);
	if (r < 0)
		return r;
	if (memcmp(tail + 4, "PARE", 4) == 0)
		return fail(p, -EBADMSG,
			    "the file is encrypted Parquet, which is not read");
	if (memcmp(head, PARQUET_MAGIC, 4))
		return fail(p, -EBADMSG,
			    "the file is not Parquet (it does not start with "
			    "PAR1)");
	if (memcmp(tail + 4, PARQUET_MAGIC, 4))
		return fail(p, -EBADMSG,
			    "the file does not end with PAR1: it is cut short "
			    "or not Parquet");
	len = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 |
	      (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
	if (len > p->size - 12)
		return fail(p, -EBADMSG,
			    "the footer length %u is out of range (the file "
			    "has %llu bytes)",
			    len, (unsigned long long)p->size);
	if (len > PARQUET_FOOTER_MAX)
		return fail(p, -EFBIG,
			    "the footer is %u bytes, over the cap of %d", len,
			    PARQUET_FOOTER_MAX);
	*ret_len = len;
	return 0;
}

static int footer_read(struct parquet_parser *p)
{
	_cleanup_free_ uint8_t *footer = NULL;
	char err[256];
	uint32_t len = 0; /* set by tail_read(); for -Wmaybe-uninitialized */
	int r;

	r = tail_read(p, &len);
	if (r < 0)
		return r;
	footer = xmalloc(len ? len : 1);
	r = read_at(p, footer, len, p->size - 8 - len);
	if (r < 0)
		return r;
	r = parquet_meta_parse(footer, len, &p->meta, err, sizeof(err));
	if (r < 0)
		return fail(p, r, "the footer is corrupt: %s", err);
	/* Where the chunks may lie: after the magic, before the footer. */
	p->size -= 8 + len;
	return 0;
}

static const char *type_name(int type)
{
	static const char *const names[] = {
		"BOOLEAN", "INT32",  "INT64",	   "INT96",
		"FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY",
	};

	return type >= 0 && (size_t)type < ELEMENTSOF(names) ? names[type]
							     : "unknown";
}

static bool type_read(int type)
{
	return type == PARQUET_INT32 || type == PARQUET_INT64 ||
	       type == PARQUET_BYTE_ARRAY ||
	       type == PARQUET_FIXED_LEN_BYTE_ARRAY;
}

/* Finds each mapped column's leaf and checks it is one the reader reads. */
static int columns_resolve(struct parquet_parser *p)
{
	size_t i, l, b;

	for (i = 0; i < p->n; i++) {
		struct parquet_column *c = &p->columns[i];
		const struct parquet_leaf *leaf = NULL;

		for (l = 0; l < p->meta.n_leaves && !leaf; l++)
			if (strcmp(p->meta.leaves[l].path, c->name) == 0)
				leaf = &p->meta.leaves[(c->leaf = l)];
		if (!leaf)
			return fail(p, -EBADMSG, "no column '%s' in the schema",
				    c->name);
		if (leaf->max_rep)
			return fail(p, -EBADMSG,
				    "column '%s' is repeated (a nested "
				    "list), which is not read",
				    c->name);
		if (!type_read(leaf->type))
			return fail(p, -EBADMSG,
				    "column '%s' has physical type %s, which "
				    "is not read",
				    c->name, type_name(leaf->type));
		for (b = 0; b < ELEMENTSOF(p->batch); b++) {
			struct parquet_slot *slot = &p->batch[b].slots[i];

			slot->col = c;
			parquet_decoder_init(
				&slot->dec, leaf->type, leaf->type_length,
				leaf->converted == PARQUET_CONVERTED_UINT_32 ||
					leaf->converted ==
						PARQUET_CONVERTED_UINT_64,
				leaf->max_def, p->max_record);
			parquet_values_init(&slot->values, PARQUET_VALUES_MAX);
		}
	}
	return 0;
}

/* A buffer of at least size bytes. */
static uint8_t *space_get(struct parquet_space *sp, size_t size)
{
	if (size > sp->cap) {
		free(sp->data);
		sp->data = xmalloc(MAX(size, 1));
		sp->cap = MAX(size, 1);
	}
	return sp->data;
}

/* The decompressed bytes of a page part, in a page buffer of the slot's
 * own (or in place, in the chunk), kept while the values are read. */
static int page_inflate(struct parquet_batch *b, struct parquet_slot *s,
			int codec, const uint8_t *src, size_t len, size_t size,
			const uint8_t **ret)
{
	uint8_t *page;
	int r;

	if (size > PARQUET_PAGE_MAX)
		return fatal(b, s, -EFBIG,
			     "a page is %zu bytes decompressed, over the cap "
			     "of %d",
			     size, PARQUET_PAGE_MAX);
	if (codec == PARQUET_CODEC_UNCOMPRESSED && len == size) {
		*ret = src;
		return 0;
	}
	if (size > PARQUET_VALUES_MAX - s->kept)
		return fatal(b, s, -EFBIG,
			     "the column chunk's pages are over the cap of %d "
			     "bytes decompressed",
			     PARQUET_VALUES_MAX);
	if (s->used == s->n_pages) {
		s->pages = xreallocarray(s->pages, s->n_pages + 1,
					 sizeof(*s->pages));
		s->pages[s->n_pages++] = (struct parquet_space){0};
	}
	page = space_get(&s->pages[s->used++], size);
	s->kept += size;
	r = parquet_codec_decompress(codec, src, len, page, size);
	if (r < 0)
		return fatal(b, s, -EBADMSG,
			     "a page does not decompress to its stated size");
	*ret = page;
	return 0;
}

static int dictionary_page(struct parquet_batch *b, struct parquet_slot *s,
			   const struct parquet_chunk *chunk,
			   const struct parquet_page_header *h,
			   const uint8_t *body)
{
	const uint8_t *data;
	char err[256];
	int r;

	if (h->encoding != PARQUET_PLAIN &&
	    h->encoding != PARQUET_PLAIN_DICTIONARY)
		return fatal(b, s, -EBADMSG, "a dictionary page in encoding %d",
			     h->encoding);
	r = page_inflate(b, s, chunk->codec, body, (size_t)h->compressed_size,
			 (size_t)h->uncompressed_size, &data);
	if (r < 0)
		return r;
	r = parquet_decoder_dictionary(&s->dec, (size_t)h->num_values, data,
				       (size_t)h->uncompressed_size, err,
				       sizeof(err));
	return r < 0 ? fatal(b, s, r, "%s", err) : 0;
}

/* Data page v1: levels (4-byte length first) and values, compressed as
 * one; v2: levels uncompressed in front, then the values. */
static int data_page_split(struct parquet_batch *b, struct parquet_slot *s,
			   const struct parquet_chunk *chunk,
			   const struct parquet_page_header *h,
			   const uint8_t *body, struct parquet_page *page)
{
	size_t levels = (size_t)h->rep_length + (size_t)h->def_length;
	const uint8_t *data;
	uint32_t len;
	int r;

	if (h->type == PARQUET_PAGE_DATA_V2) {
		if (h->rep_length || levels > (size_t)h->compressed_size ||
		    levels > (size_t)h->uncompressed_size)
			return fatal(b, s, -EBADMSG,
				     "a page's level lengths are out of range");
		page->levels = body;
		page->levels_len = (size_t)h->def_length;
		page->values_len = (size_t)h->uncompressed_size - levels;
		return page_inflate(
			b, s,
			h->is_compressed ? chunk->codec
					 : PARQUET_CODEC_UNCOMPRESSED,
			body + levels, (size_t)h->compressed_size - levels,
			page->values_len, &page->values);
	}
	if (s->dec.max_def && h->def_encoding != PARQUET_RLE)
		return fatal(b, s, -EBADMSG,
			     "definition levels in encoding %d, not RLE",
			     h->def_encoding);
	r = page_inflate(b, s, chunk->codec, body, (size_t)h->compressed_size,
			 (size_t)h->uncompressed_size, &data);
	if (r < 0)
		return r;
	page->values = data;
	page->values_len = (size_t)h->uncompressed_size;
	if (!s->dec.max_def)
		return 0;
	len = page->values_len < 4
		      ? UINT32_MAX
		      : (uint32_t)data[0] | (uint32_t)data[1] << 8 |
				(uint32_t)data[2] << 16 |
				(uint32_t)data[3] << 24;
	if (page->values_len < 4 || len > page->values_len - 4)
		return fatal(b, s, -EBADMSG,
			     "a page's definition levels run past its end");
	page->levels = data + 4;
	page->levels_len = len;
	page->values = data + 4 + len;
	page->values_len -= 4 + len;
	return 0;
}

static int data_page(struct parquet_batch *b, struct parquet_slot *s,
		     const struct parquet_chunk *chunk,
		     const struct parquet_page_header *h, const uint8_t *body)
{
	struct parquet_page page = {.num_values = (size_t)h->num_values,
				    .encoding = h->encoding};
	const char *name;
	char err[256];
	int r;

	r = data_page_split(b, s, chunk, h, body, &page);
	if (r < 0)
		return r;
	r = parquet_decoder_page(&s->dec, &page, &s->values, err, sizeof(err));
	name = parquet_encoding_name(h->encoding);
	if (r == -ENOTSUP && name)
		return fatal(b, s, -EBADMSG, "encoding %s is not read", name);
	if (r == -ENOTSUP)
		return fatal(b, s, -EBADMSG, "unknown encoding %d",
			     h->encoding);
	return r < 0 ? fatal(b, s, r, "%s", err) : 0;
}

/* One page at *pos of the chunk's size bytes; adds its values to *seen. */
static int page_read(struct parquet_batch *b, struct parquet_slot *s,
		     const struct parquet_chunk *chunk, size_t *pos,
		     int64_t *seen)
{
	struct parquet_page_header h;
	size_t used, left = (size_t)chunk->size - *pos;
	const uint8_t *body;
	char err[256];
	int r;

	r = parquet_page_header_parse(s->chunk.data + *pos, left, &h, &used,
				      err, sizeof(err));
	if (r < 0)
		return fatal(b, s, r, "a page header is corrupt: %s", err);
	if ((size_t)h.compressed_size > left - used)
		return fatal(b, s, -EBADMSG,
			     "a page of %d bytes runs past the column chunk",
			     h.compressed_size);
	body = s->chunk.data + *pos + used;
	*pos += used + (size_t)h.compressed_size;
	switch (h.type) {
	case PARQUET_PAGE_DICTIONARY:
		return dictionary_page(b, s, chunk, &h, body);
	case PARQUET_PAGE_DATA:
	case PARQUET_PAGE_DATA_V2:
		*seen += h.num_values;
		return data_page(b, s, chunk, &h, body);
	case PARQUET_PAGE_INDEX:
		return 0;
	default:
		return fatal(b, s, -EBADMSG, "a page of unknown type %d",
			     h.type);
	}
}

static int chunk_check(struct parquet_batch *b, struct parquet_slot *s,
		       const struct parquet_chunk *chunk)
{
	const struct parquet_parser *p = b->p;
	const struct parquet_column *c = s->col;
	const struct parquet_leaf *leaf = &p->meta.leaves[c->leaf];
	const char *name;
	bool supported;

	if (chunk->elsewhere)
		return fatal(b, s, -EBADMSG,
			     "the column chunk is in another file");
	name = parquet_codec_name(chunk->codec, &supported);
	if (!name)
		return fatal(b, s, -EBADMSG, "unknown codec %d", chunk->codec);
	if (!supported)
		return fatal(b, s, -EBADMSG, "codec %s is not read", name);
	if (chunk->type != leaf->type)
		return fatal(b, s, -EBADMSG,
			     "the chunk's type %s is not the schema's %s",
			     type_name(chunk->type), type_name(leaf->type));
	if (chunk->start < 4 || (uint64_t)chunk->start > p->size ||
	    (uint64_t)chunk->size > p->size - (uint64_t)chunk->start)
		return fatal(b, s, -EBADMSG,
			     "the column chunk at %lld (%lld bytes) is out of "
			     "range (the chunks end at %llu)",
			     (long long)chunk->start, (long long)chunk->size,
			     (unsigned long long)p->size);
	if (chunk->size > PARQUET_CHUNK_MAX)
		return fatal(b, s, -EFBIG,
			     "the column chunk is %lld bytes, over the cap of "
			     "%d",
			     (long long)chunk->size, PARQUET_CHUNK_MAX);
	return 0;
}

/* Reads slot s's chunk of batch b's row group into s->values; -ECANCELED
 * (no text) once the batch is told to stop. */
static int chunk_read(struct parquet_batch *b, struct parquet_slot *s,
		      int64_t rows)
{
	const struct parquet_chunk *chunk =
		&b->p->meta.groups[b->group].chunks[s->col->leaf];
	int64_t seen = 0;
	size_t pos = 0;
	int r;

	parquet_values_reset(&s->values);
	parquet_decoder_reset(&s->dec);
	s->used = 0;
	s->kept = 0;
	r = chunk_check(b, s, chunk);
	if (r < 0)
		return r;
	r = read_at(b->p, space_get(&s->chunk, (size_t)chunk->size),
		    (size_t)chunk->size, (uint64_t)chunk->start);
	while (r >= 0 && seen < chunk->num_values && pos < (size_t)chunk->size)
		r = atomic_load(&b->stop) ? -ECANCELED
					  : page_read(b, s, chunk, &pos, &seen);
	if (r < 0)
		return r;
	if (seen != chunk->num_values || (int64_t)s->values.n != rows)
		return fatal(b, s, -EBADMSG,
			     "the column chunk holds %zu values for %lld rows",
			     s->values.n, (long long)rows);
	return 0;
}

/* Decodes the columns of b's row group that no one has taken yet. */
static void batch_work(struct parquet_batch *b)
{
	int64_t rows = b->p->meta.groups[b->group].num_rows;
	size_t i;

	for (;;) {
		i = atomic_fetch_add(&b->taken, 1);
		if (i >= b->p->n)
			break;
		b->slots[i].r = atomic_load(&b->stop)
					? -ECANCELED
					: chunk_read(b, &b->slots[i], rows);
	}
}

static void *batch_thread(void *userdata)
{
	batch_work(userdata);
	return NULL;
}

/* Starts decoding row group g into b: on a thread of its own, or here if
 * not threaded or no thread can be had. */
static void batch_start(struct parquet_batch *b, size_t g, bool threaded)
{
	int64_t rows = b->p->meta.groups[g].num_rows;
	size_t i;

	b->group = g;
	for (i = 0; i < b->p->n; i++) {
		b->slots[i].r = 0;
		b->slots[i].why[0] = '\0';
	}
	atomic_store(&b->taken, 0);
	atomic_store(&b->stop, false);
	if (rows > PARQUET_ROWS_MAX) {
		atomic_store(&b->taken, b->p->n);
		b->slots[0].r =
			fatal(b, &b->slots[0], -EFBIG,
			      "the row group has %lld rows, over the cap of %d",
			      (long long)rows, PARQUET_ROWS_MAX);
	}
	b->running = threaded &&
		     pthread_create(&b->thread, NULL, batch_thread, b) == 0;
	if (!b->running)
		batch_work(b);
}

/* Waits for b's decoding to end. */
static void batch_join(struct parquet_batch *b)
{
	if (b->running)
		pthread_join(b->thread, NULL);
	b->running = false;
}

/* The result of b's decoding, once joined: the first column's error in
 * the columns' order, reported, as a reader of one column at a time would
 * meet it. */
static int batch_result(struct parquet_parser *p, const struct parquet_batch *b)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct parquet_slot *s = &b->slots[i];

		if (s->r >= 0)
			continue;
		if (s->why[0])
			p->sink.report(p->sink.userdata, 0, true, s->why);
		return s->r;
	}
	return 0;
}

/* Hands on one entry per row of b's decoded row group. */
static int batch_emit(struct parquet_parser *p, const struct parquet_batch *b)
{
	int64_t rows = p->meta.groups[b->group].num_rows, row;
	size_t i;
	int r;

	for (row = 0; row < rows; row++) {
		struct entry e = {.line = ++p->row};

		for (i = 0; i < p->n; i++)
			e.field[p->columns[i].field] = parquet_values_get(
				&b->slots[i].values, (size_t)row);
		entry_identify(&e);
		r = p->sink.entry(p->sink.userdata, &e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every row group in order, the next decoded while this one is handed on;
 * a decoding error is reported when its row group's turn comes. */
static int groups_read(struct parquet_parser *p)
{
	struct parquet_batch *cur = &p->batch[0], *next = &p->batch[1], *t;
	size_t g, n = p->meta.n_groups;
	int r;

	if (n == 0)
		return 0;
	batch_start(cur, 0, false);
	for (g = 0;; g++) {
		r = batch_result(p, cur);
		if (r < 0)
			return r;
		if (g + 1 < n)
			batch_start(next, g + 1, true);
		r = batch_emit(p, cur);
		if (g + 1 == n)
			return r;
		/* Help decode the next row group, or tell it to stop. */
		if (r < 0)
			atomic_store(&next->stop, true);
		else
			batch_work(next);
		batch_join(next);
		if (r < 0)
			return r;
		t = cur;
		cur = next;
		next = t;
	}
}

static void slot_free(struct parquet_slot *s)
{
	size_t i;

	parquet_decoder_free(&s->dec);
	parquet_values_free(&s->values);
	free(s->chunk.data);
	for (i = 0; i < s->n_pages; i++)
		free(s->pages[i].data);
	free(s->pages);
	*s = (struct parquet_slot){0};
}

static void parser_clear(struct parquet_parser *p)
{
	size_t b, i;

	for (b = 0; b < ELEMENTSOF(p->batch); b++)
		for (i = 0; i < p->n; i++)
			slot_free(&p->batch[b].slots[i]);
	parquet_meta_free(&p->meta);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static int parquet_read_file(void *parser, const char *path)
{
	struct parquet_parser *p = parser;
	struct stat st;
	int r;

	p->row = 0;
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0)
		return -errno;
	if (fstat(p->fd, &st) < 0) {
		r = -errno;
		parser_clear(p);
		return r;
	}
	p->size = (uint64_t)st.st_size;
	r = footer_read(p);
	if (r >= 0)
		r = columns_resolve(p);
	if (r >= 0)
		r = groups_read(p);
	parser_clear(p);
	return r < 0 ? r : 0;
}

static void *parquet_free(void *parser)
{
	free(parser);
	return NULL;
}

const struct format format_parquet = {
	.name = "parquet",
	.photo_keyed = false,
	.counts_records = true,
	.open = parquet_open,
	.read_file = parquet_read_file,
	.free = parquet_free,
};
