/*
 * parquet_page.h: the values of Parquet pages, decoded to text.
 *
 * A column's pages are decoded one at a time, already decompressed and
 * split by the caller into definition levels and values, into a
 * parquet_values: every value of a column chunk in order, a null as an
 * empty value.  Byte arrays are not copied: a value points into its page
 * (PLAIN, DELTA_LENGTH_BYTE_ARRAY) or its dictionary page, which the
 * caller keeps, unchanged, as long as it reads the values; numbers and
 * DELTA_BYTE_ARRAY's joined values are written into the list's text.
 * Encodings: PLAIN, PLAIN_DICTIONARY and RLE_DICTIONARY (after a
 * dictionary page), DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY and
 * DELTA_BYTE_ARRAY; levels in the RLE / bit-packed hybrid.  Physical
 * types: BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY as their bytes, INT32 and
 * INT64 in decimal.  Nothing is read outside the ranges given; any
 * inconsistency is an error, never a guess.
 */
#ifndef SCRAPEWATCH_PARQUET_PAGE_H
#define SCRAPEWATCH_PARQUET_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "parse/entry.h"

#define PARQUET_PAGE_VALUES_MAX (1 << 24)

enum parquet_encoding {
	PARQUET_PLAIN = 0,
	PARQUET_PLAIN_DICTIONARY = 2,
	PARQUET_RLE = 3,
	PARQUET_BIT_PACKED = 4,
	PARQUET_DELTA_BINARY_PACKED = 5,
	PARQUET_DELTA_LENGTH_BYTE_ARRAY = 6,
	PARQUET_DELTA_BYTE_ARRAY = 7,
	PARQUET_RLE_DICTIONARY = 8,
	PARQUET_BYTE_STREAM_SPLIT = 9,
};

/* The name of an encoding ("PLAIN"), or NULL for a number none has. */
const char *parquet_encoding_name(int encoding);

/* One value: len bytes at s, borrowed from a page, or (s NULL) at off in
 * the list's text. */
struct parquet_ref {
	const char *s;
	size_t off, len;
};

struct parquet_values {
	struct buf text; /* the values written here, one after another */
	struct parquet_ref *refs; /* owned: value i */
	size_t n, cap;
};

/* An empty list whose text may grow to max_bytes. */
void parquet_values_init(struct parquet_values *v, size_t max_bytes);
void parquet_values_reset(struct parquet_values *v);
void parquet_values_free(struct parquet_values *v);

/* Value i (< v->n), borrowed from v or from the page it is in; len 0 for
 * a null. */
struct entry_text parquet_values_get(const struct parquet_values *v, size_t i);

/* How one column's values read, and the state its pages share. */
struct parquet_decoder {
	int type; /* enum parquet_type */
	int32_t type_length;
	bool is_unsigned;
	unsigned max_def;
	size_t max_value; /* bytes of one value */
	struct parquet_values dict;
	bool have_dict;
	uint32_t *scratch; /* owned: levels and indexes of one page */
	size_t scratch_cap;
	struct buf prev, next; /* DELTA_BYTE_ARRAY's last value, and next */
};

void parquet_decoder_init(struct parquet_decoder *d, int type,
			  int32_t type_length, bool is_unsigned,
			  unsigned max_def, size_t max_value);
/* Forgets the dictionary, for the next column chunk. */
void parquet_decoder_reset(struct parquet_decoder *d);
void parquet_decoder_free(struct parquet_decoder *d);

/* Reads a dictionary page of n PLAIN values; byte arrays point into data,
 * which the caller keeps until it has read every value decoded with this
 * dictionary.  Returns 0 or -EBADMSG with why in err. */
int parquet_decoder_dictionary(struct parquet_decoder *d, size_t n,
			       const uint8_t *data, size_t len, char *err,
			       size_t errsize);

struct parquet_page {
	size_t num_values; /* levels, nulls included */
	int encoding;
	const uint8_t *levels; /* definition levels (RLE hybrid), no prefix */
	size_t levels_len;
	const uint8_t *values;
	size_t values_len;
};

/* Appends the values of one data page to out; byte arrays point into
 * page->values (or the dictionary page), which the caller keeps until it
 * has read them from out.  Returns 0, -EBADMSG (corrupt) or -ENOTSUP (an
 * encoding it does not read), with why in err; -EFBIG past out's text
 * cap. */
int parquet_decoder_page(struct parquet_decoder *d,
			 const struct parquet_page *page,
			 struct parquet_values *out, char *err, size_t errsize);

#endif
