/*
 * parquet_page.c: the page decoder of parquet_page.h, from the encodings
 * of apache/parquet-format (Encodings.md).
 *
 * Definition levels are decoded first; they say which of a page's values
 * are null (a level below the column's maximum) and so how many values the
 * encoded part holds.  Each value is then appended in order, nulls in
 * between, so that a chunk's values line up with its rows.
 */
#include "parse/parquet_page.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/parquet_meta.h"

static const char *const encoding_names[] = {
	[PARQUET_PLAIN] = "PLAIN",
	[1] = "GROUP_VAR_INT",
	[PARQUET_PLAIN_DICTIONARY] = "PLAIN_DICTIONARY",
	[PARQUET_RLE] = "RLE",
	[PARQUET_BIT_PACKED] = "BIT_PACKED",
	[PARQUET_DELTA_BINARY_PACKED] = "DELTA_BINARY_PACKED",
	[PARQUET_DELTA_LENGTH_BYTE_ARRAY] = "DELTA_LENGTH_BYTE_ARRAY",
	[PARQUET_DELTA_BYTE_ARRAY] = "DELTA_BYTE_ARRAY",
	[PARQUET_RLE_DICTIONARY] = "RLE_DICTIONARY",
	[PARQUET_BYTE_STREAM_SPLIT] = "BYTE_STREAM_SPLIT",
};

const char *parquet_encoding_name(int encoding)
{
	if (encoding < 0 || (size_t)encoding >= ELEMENTSOF(encoding_names))
		return NULL;
	return encoding_names[encoding];
}

/* ---- values --------------------------------------------------------------- */

void parquet_values_init(struct parquet_values *v, size_t max_bytes)
{
	*v = (struct parquet_values){0};
	buf_init(&v->text, max_bytes);
}

void parquet_values_reset(struct parquet_values *v)
{
	buf_reset(&v->text);
	v->n = 0;
}

void parquet_values_free(struct parquet_values *v)
{
	buf_free(&v->text);
	free(v->refs);
	*v = (struct parquet_values){0};
}

struct entry_text parquet_values_get(const struct parquet_values *v, size_t i)
{
	const struct parquet_ref *ref = &v->refs[i];

	return (struct entry_text){ref->s ? ref->s : v->text.data + ref->off,
				   ref->len};
}

/* Adds len bytes at s: borrowed (s stays valid while v is read), or
 * copied into v's text. */
static int values_push(struct parquet_values *v, const void *s, size_t len,
		       bool borrowed)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 1024;
		v->refs = xreallocarray(v->refs, v->cap, sizeof(*v->refs));
	}
	if (borrowed) {
		v->refs[v->n++] = (struct parquet_ref){.s = s, .len = len};
		return 0;
	}
	if (len && buf_append(&v->text, s, len) < 0)
		return -EFBIG;
	v->refs[v->n++] =
		(struct parquet_ref){.off = v->text.len - len, .len = len};
	return 0;
}

/* ---- decoder state ---------------------------------------------------------- */

void parquet_decoder_init(struct parquet_decoder *d, int type,
			  int32_t type_length, bool is_unsigned,
			  unsigned max_def, size_t max_value)
{
	*d = (struct parquet_decoder){
		.type = type,
		.type_length = type_length,
		.is_unsigned = is_unsigned,
		.max_def = max_def,
		.max_value = max_value,
	};
	parquet_values_init(&d->dict, SIZE_MAX / 2);
	buf_init(&d->prev, max_value + 1);
	buf_init(&d->next, max_value + 1);
}

void parquet_decoder_reset(struct parquet_decoder *d)
{
	parquet_values_reset(&d->dict);
	d->have_dict = false;
}

void parquet_decoder_free(struct parquet_decoder *d)
{
	parquet_values_free(&d->dict);
	buf_free(&d->prev);
	buf_free(&d->next);
	free(d->scratch);
	d->scratch = NULL;
}

/* At least n (and one) slots: a page of no values still gets an array. */
static uint32_t *scratch_get(struct parquet_decoder *d, size_t n)
{
	n = MAX(n, 1);
	if (n > d->scratch_cap) {
		d->scratch = xreallocarray(d->scratch, n, sizeof(uint32_t));
		d->scratch_cap = n;
	}
	return d->scratch;
}

static int page_fail(char *err, size_t errsize, int r, const char *why)
{
	snprintf(err, errsize, "%s", why);
	return r;
}

/* ---- bit-level readers ------------------------------------------------------ */

struct bytes {
	const uint8_t *p, *end;
};

static int read_uleb(struct bytes *b, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned shift;

	for (shift = 0; shift < 64 && b->p < b->end; shift += 7) {
		uint8_t c = *b->p++;

		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

static int read_zigzag(struct bytes *b, int64_t *ret)
{
	uint64_t v;

	if (read_uleb(b, &v) < 0)
		return -EBADMSG;
	*ret = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
	return 0;
}

/* The width bits at bit offset bit of p, least significant bit first; the
 * caller has checked they are inside the buffer. */
static uint64_t bits_at(const uint8_t *p, uint64_t bit, unsigned width)
{
	const uint8_t *b = p + bit / 8;
	unsigned got = 8 - (unsigned)(bit % 8);
	uint64_t v;

	if (width == 0)
		return 0;
	v = (uint64_t)*b++ >> (bit % 8);
	while (got < width) {
		v |= (uint64_t)*b++ << got;
		got += 8;
	}
	return width == 64 ? v : v & ((UINT64_C(1) << width) - 1);
}

/* One run of the RLE / bit-packed hybrid into out[*got .. n). */
static int hybrid_run(struct bytes *b, unsigned width, uint32_t *out,
		      size_t *got, size_t n)
{
	uint64_t head, count, i, value = 0;
	size_t bytes = (width + 7) / 8;

	if (read_uleb(b, &head) < 0)
		return -EBADMSG;
	if (head & 1) {
		count = (head >> 1) * 8;
		if (count == 0 || (head >> 1) > (uint64_t)(b->end - b->p) ||
		    (head >> 1) * width > (uint64_t)(b->end - b->p))
			return -EBADMSG;
		for (i = 0; i < count && *got < n; i++)
			out[(*got)++] =
				(uint32_t)bits_at(b->p, i * width, width);
		b->p += (head >> 1) * width;
		return 0;
	}
	count = head >> 1;
	if (bytes > (size_t)(b->end - b->p))
		return -EBADMSG;
	for (i = 0; i < bytes; i++)
		value |= (uint64_t)b->p[i] << (8 * i);
	b->p += bytes;
	if (count == 0 || (width < 32 && value >> width))
		return -EBADMSG;
	for (i = 0; i < count && *got < n; i++)
		out[(*got)++] = (uint32_t)value;
	return 0;
}

/* Exactly n values of the hybrid encoding (width <= 32) into out. */
static int hybrid_decode(const uint8_t *p, size_t len, unsigned width,
			 uint32_t *out, size_t n)
{
	struct bytes b = {p, p + len};
	size_t got = 0;

	if (width > 32)
		return -EBADMSG;
	if (width == 0) {
		memset(out, 0, n * sizeof(*out));
		return 0;
	}
	while (got < n)
		if (hybrid_run(&b, width, out, &got, n) < 0)
			return -EBADMSG;
	return 0;
}

static unsigned width_of(uint64_t max)
{
	unsigned w = 0;

	while (max >> w)
		w++;
	return w;
}

/* ---- DELTA_BINARY_PACKED ---------------------------------------------------- */

struct delta_header {
	uint64_t block, minis, total;
	int64_t first;
};

static int delta_header_read(struct bytes *b, struct delta_header *h)
{
	if (read_uleb(b, &h->block) < 0 || read_uleb(b, &h->minis) < 0 ||
	    read_uleb(b, &h->total) < 0 || read_zigzag(b, &h->first) < 0)
		return -EBADMSG;
	if (h->block == 0 || h->block % 128 || h->block > 1 << 16 ||
	    h->minis == 0 || h->block % h->minis || (h->block / h->minis) % 32)
		return -EBADMSG;
	return 0;
}

/* One block: its miniblocks' values into out[*got .. total). */
static int delta_block(struct bytes *b, const struct delta_header *h,
		       uint64_t *out, size_t *got)
{
	uint64_t per = h->block / h->minis, m, i;
	const uint8_t *widths;
	int64_t min_delta;

	if (read_zigzag(b, &min_delta) < 0 ||
	    h->minis > (uint64_t)(b->end - b->p))
		return -EBADMSG;
	widths = b->p;
	b->p += h->minis;
	for (m = 0; m < h->minis && *got < h->total; m++) {
		uint64_t bytes = per * widths[m] / 8;

		if (widths[m] > 64 || bytes > (uint64_t)(b->end - b->p))
			return -EBADMSG;
		for (i = 0; i < per && *got < h->total; i++, (*got)++)
			out[*got] = out[*got - 1] + (uint64_t)min_delta +
				    bits_at(b->p, i * widths[m], widths[m]);
		b->p += bytes;
	}
	return 0;
}

/* Exactly n integers (wrapping, as the encoding does) into a scratch array
 * that the caller frees; b is left after them. */
static int delta_decode(struct bytes *b, size_t n, uint64_t **ret)
{
	struct delta_header h;
	uint64_t *out;
	size_t got = 1;

	if (delta_header_read(b, &h) < 0 || h.total != n)
		return -EBADMSG;
	out = xcalloc(n ? n : 1, sizeof(*out));
	out[0] = (uint64_t)h.first;
	while (got < n)
		if (delta_block(b, &h, out, &got) < 0) {
			free(out);
			return -EBADMSG;
		}
	*ret = out;
	return 0;
}

/* ---- values in order, nulls between ---------------------------------------- */

struct emit {
	struct parquet_values *out;
	const uint32_t *levels; /* NULL: no nulls */
	size_t n, pos;
	uint32_t max_def;
	size_t max_value;
};

/* The nulls before the next value, then the value: copied, or borrowed
 * from the page (values_push()). */
static int emit_push(struct emit *e, const void *s, size_t len, bool borrowed)
{
	int r;

	if (len > e->max_value)
		return -E2BIG;
	while (e->levels && e->pos < e->n && e->levels[e->pos] != e->max_def) {
		r = values_push(e->out, NULL, 0, false);
		if (r < 0)
			return r;
		e->pos++;
	}
	e->pos++;
	return values_push(e->out, s, len, borrowed);
}

static int emit_value(struct emit *e, const void *s, size_t len)
{
	return emit_push(e, s, len, false);
}

static int emit_borrowed(struct emit *e, const void *s, size_t len)
{
	return emit_push(e, s, len, true);
}

static int emit_end(struct emit *e)
{
	int r;

	for (; e->pos < e->n; e->pos++) {
		if (!e->levels || e->levels[e->pos] == e->max_def)
			return -EBADMSG;
		r = values_push(e->out, NULL, 0, false);
		if (r < 0)
			return r;
	}
	return e->pos == e->n ? 0 : -EBADMSG;
}

/* v in decimal, ending at end (no NUL); returns where it starts.  The hot
 * path of integer columns: snprintf() costs more than the decoding. */
static char *decimal(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

static int emit_int(struct emit *e, uint64_t v, int type, bool is_unsigned)
{
	char text[24], *end = text + sizeof(text), *s;
	bool negative;

	if (type == PARQUET_INT32)
		v = is_unsigned ? (uint32_t)v : (uint64_t)(int64_t)(int32_t)v;
	negative = !is_unsigned && (int64_t)v < 0;
	s = decimal(end, negative ? -v : v);
	if (negative)
		*--s = '-';
	return emit_value(e, s, (size_t)(end - s));
}

/* ---- encodings ---------------------------------------------------------------- */

static uint64_t le_read(const uint8_t *p, size_t bytes)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* n PLAIN values of d's type. */
static int plain_decode(const struct parquet_decoder *d, struct bytes *b,
			size_t n, struct emit *e)
{
	size_t i, width = d->type == PARQUET_INT32 ? 4 : 8;
	int r = 0;

	for (i = 0; i < n && r >= 0; i++) {
		size_t left = (size_t)(b->end - b->p), len;

		if (d->type == PARQUET_BYTE_ARRAY) {
			len = left < 4 ? SIZE_MAX : le_read(b->p, 4);
			if (left < 4 || len > left - 4)
				return -EBADMSG;
			r = emit_borrowed(e, b->p + 4, len);
			b->p += 4 + len;
		} else if (d->type == PARQUET_FIXED_LEN_BYTE_ARRAY) {
			len = (size_t)d->type_length;
			if (len > left)
				return -EBADMSG;
			r = emit_borrowed(e, b->p, len);
			b->p += len;
		} else {
			if (width > left)
				return -EBADMSG;
			r = emit_int(e, le_read(b->p, width), d->type,
				     d->is_unsigned);
			b->p += width;
		}
	}
	return r;
}

static int dictionary_decode(struct parquet_decoder *d, struct bytes *b,
			     size_t n, struct emit *e)
{
	uint32_t *index;
	size_t i;
	int r = 0;

	if (!d->have_dict || b->p >= b->end)
		return -EBADMSG;
	/* The levels are in the scratch array's first half. */
	index = scratch_get(d, 2 * e->n) + e->n;
	e->levels = e->levels ? d->scratch : NULL;
	if (hybrid_decode(b->p + 1, (size_t)(b->end - b->p - 1), b->p[0], index,
			  n) < 0)
		return -EBADMSG;
	/* A byte array points into the dictionary page; a number is copied,
	 * as the dictionary's text goes with the next dictionary page. */
	for (i = 0; i < n && r >= 0; i++) {
		const struct parquet_ref *ref;

		if (index[i] >= d->dict.n)
			return -EBADMSG;
		ref = &d->dict.refs[index[i]];
		r = ref->s ? emit_borrowed(e, ref->s, ref->len)
			   : emit_value(e, d->dict.text.data + ref->off,
					ref->len);
	}
	return r;
}

static int delta_ints(const struct parquet_decoder *d, struct bytes *b,
		      size_t n, struct emit *e)
{
	uint64_t *v = NULL;
	size_t i;
	int r;

	if (d->type != PARQUET_INT32 && d->type != PARQUET_INT64)
		return -EBADMSG;
	r = n ? delta_decode(b, n, &v) : 0;
	for (i = 0; i < n && r >= 0; i++)
		r = emit_int(e, v[i], d->type, d->is_unsigned);
	free(v);
	return r;
}

/* DELTA_LENGTH_BYTE_ARRAY: n lengths, then the bytes; each value handed
 * to each() (emit, or DELTA_BYTE_ARRAY's suffix join). */
static int delta_lengths(struct parquet_decoder *d, struct bytes *b, size_t n,
			 struct emit *e, const uint64_t *prefix)
{
	uint64_t *len = NULL;
	size_t i;
	int r;

	r = n ? delta_decode(b, n, &len) : 0;
	for (i = 0; i < n && r >= 0; i++) {
		if (len[i] > (uint64_t)(b->end - b->p)) {
			r = -EBADMSG;
		} else if (!prefix) {
			r = emit_borrowed(e, b->p, (size_t)len[i]);
		} else if (prefix[i] > d->prev.len) {
			r = -EBADMSG;
		} else {
			struct buf swap;

			buf_reset(&d->next);
			if (buf_append(&d->next, d->prev.data, prefix[i]) < 0 ||
			    buf_append(&d->next, b->p, len[i]) < 0)
				r = -E2BIG;
			else
				r = emit_value(e, d->next.data, d->next.len);
			swap = d->prev;
			d->prev = d->next;
			d->next = swap;
		}
		if (r >= 0)
			b->p += len[i];
	}
	free(len);
	return r;
}

static int delta_strings(struct parquet_decoder *d, struct bytes *b, size_t n,
			 struct emit *e)
{
	uint64_t *prefix = NULL;
	int r;

	if (d->type != PARQUET_BYTE_ARRAY)
		return -EBADMSG;
	buf_reset(&d->prev);
	r = n ? delta_decode(b, n, &prefix) : 0;
	if (r >= 0)
		r = delta_lengths(d, b, n, e, prefix);
	free(prefix);
	return r;
}

static int values_decode(struct parquet_decoder *d, int encoding,
			 struct bytes *b, size_t n, struct emit *e)
{
	switch (encoding) {
	case PARQUET_PLAIN:
		return plain_decode(d, b, n, e);
	case PARQUET_PLAIN_DICTIONARY:
	case PARQUET_RLE_DICTIONARY:
		return dictionary_decode(d, b, n, e);
	case PARQUET_DELTA_BINARY_PACKED:
		return delta_ints(d, b, n, e);
	case PARQUET_DELTA_LENGTH_BYTE_ARRAY:
		return d->type == PARQUET_BYTE_ARRAY
			       ? delta_lengths(d, b, n, e, NULL)
			       : -EBADMSG;
	case PARQUET_DELTA_BYTE_ARRAY:
		return delta_strings(d, b, n, e);
	default:
		return -ENOTSUP;
	}
}

int parquet_decoder_dictionary(struct parquet_decoder *d, size_t n,
			       const uint8_t *data, size_t len, char *err,
			       size_t errsize)
{
	struct bytes b = {data, data + len};
	struct emit e = {.out = &d->dict, .n = n, .max_value = d->max_value};
	int r;

	if (n > PARQUET_PAGE_VALUES_MAX)
		return page_fail(err, errsize, -EBADMSG,
				 "a dictionary page holds more than 16777216 "
				 "values");
	parquet_decoder_reset(d);
	r = plain_decode(d, &b, n, &e);
	if (r == -E2BIG)
		return page_fail(err, errsize, -EBADMSG,
				 "a dictionary value is longer than a record "
				 "may be");
	if (r < 0)
		return page_fail(err, errsize, -EBADMSG,
				 "the dictionary page is corrupt");
	d->have_dict = true;
	return 0;
}

static size_t present_count(const uint32_t *levels, size_t n, uint32_t max)
{
	size_t i, present = 0;

	for (i = 0; i < n; i++)
		present += levels[i] == max;
	return present;
}

int parquet_decoder_page(struct parquet_decoder *d,
			 const struct parquet_page *page,
			 struct parquet_values *out, char *err, size_t errsize)
{
	struct bytes b = {page->values, page->values + page->values_len};
	struct emit e = {.out = out,
			 .n = page->num_values,
			 .max_def = d->max_def,
			 .max_value = d->max_value};
	size_t present = page->num_values;
	int r;

	if (page->num_values > PARQUET_PAGE_VALUES_MAX)
		return page_fail(err, errsize, -EBADMSG,
				 "a page holds more than 16777216 values");
	if (d->max_def) {
		uint32_t *levels = scratch_get(d, 2 * page->num_values);

		if (hybrid_decode(page->levels, page->levels_len,
				  width_of(d->max_def), levels,
				  page->num_values) < 0)
			return page_fail(err, errsize, -EBADMSG,
					 "the definition levels are corrupt");
		e.levels = levels;
		present = present_count(levels, page->num_values, d->max_def);
	}
	r = values_decode(d, page->encoding, &b, present, &e);
	if (r >= 0)
		r = emit_end(&e);
	if (r == -ENOTSUP)
		return page_fail(err, errsize, r, "the encoding is not read");
	if (r == -E2BIG)
		return page_fail(err, errsize, -EBADMSG,
				 "a value is longer than a record may be");
	if (r == -EFBIG)
		return page_fail(err, errsize, r,
				 "the column chunk's values are over the cap");
	if (r < 0)
		return page_fail(err, errsize, -EBADMSG,
				 "the page's values are corrupt");
	return 0;
}
