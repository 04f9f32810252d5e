/*
 * format_yfcc.c: the YFCC100M manifest, the ownership table of most face
 * datasets.
 *
 * TAB-separated, no header, LF line ends; 23 fields (0 photo id, 1 owner
 * NSID, 2 nickname, ..., 13 page URL, 14 download URL, 15 licence name,
 * ..., 22 marker: 0 photo, 1 video) or 25 as the Multimedia Commons copy
 * ships it (a line number first and the photo hash after the photo id) --
 * told apart by the field count of each line.  Text fields are
 * URL-encoded; the nickname is decoded into the owner's display name.
 * Videos are skipped (they are in no face dataset).  The same table as an
 * SQLite database is read too (yfcc_read_file()).  This is the hottest
 * parser (100 million rows): a line costs one pass of memchr and no
 * allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/lines.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/format.h"
#include "parse/sqlite_rows.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define YFCC_FIELDS	     23
#define YFCC_FIELDS_NUMBERED 25
#define YFCC_NAME_MAX	     256

struct yfcc {
	struct lines lines;
	struct format_sink sink;
	size_t max_record;
	char name[YFCC_NAME_MAX]; /* the decoded nickname of the current row */
};

extern const struct format format_yfcc100m;

static void yfcc_bad(struct yfcc *y, uint64_t line, const char *why)
{
	y->sink.report(y->sink.userdata, line, false, why);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* URL-decodes s into out ('+' is a space); a bad escape is kept as is.
 * Returns the decoded length (cut at size - 1). */
static size_t url_decode(const char *s, size_t len, char *out, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < size; i++) {
		int hi, lo;

		if (s[i] == '+')
			out[n++] = ' ';
		else if (s[i] == '%' && i + 2 < len &&
			 (hi = hexval(s[i + 1])) >= 0 &&
			 (lo = hexval(s[i + 2])) >= 0) {
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[n++] = s[i];
	}
	out[n] = '\0';
	return n;
}

/* The tabs of a line of the most fields, and the room to note them: a
 * step of the search below notes up to 32 before it counts. */
#define TABS_OK	 (YFCC_FIELDS_NUMBERED - 1)
#define TABS_MAX (TABS_OK + 32)

/* The places of the tabs in s[from, to), appended to tab[*n]: false once
 * there are more than TABS_OK. */
static bool tabs_in(const char *s, size_t from, size_t to, uint32_t *tab,
		    size_t *n)
{
	for (; from < to; from++)
		if (s[from] == '\t') {
			if (*n == TABS_OK)
				return false;
			tab[(*n)++] = (uint32_t)from;
		}
	return true;
}

/*
 * Splits a line at tabs into up to YFCC_FIELDS_NUMBERED fields.  Returns
 * the field count, or YFCC_FIELDS_NUMBERED + 1 if there are more.  With
 * SSE2 (every x86-64) 32 bytes are searched a step, their tabs' places
 * written without a test each: a YFCC line has 22 tabs in 447 bytes, and
 * one memchr per tab costs more than the search.
 */
static size_t split_fields(const char *s, size_t len, struct entry_text *f)
{
	uint32_t tab[TABS_MAX];
	size_t n = 0, i = 0, k, start = 0;

#ifdef __SSE2__
	const __m128i t = _mm_set1_epi8('\t');

	for (; i + 32 <= len && n <= TABS_OK; i += 32) {
		__m128i a =
			_mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i b = _mm_loadu_si128(
			(const __m128i *)(const void *)(s + i + 16));
		uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, t)) |
			     (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, t))
				     << 16;

		for (; m; m &= m - 1)
			tab[n++] = (uint32_t)(i + (size_t)__builtin_ctz(m));
	}
	if (n > TABS_OK)
		return YFCC_FIELDS_NUMBERED + 1;
#endif
	if (!tabs_in(s, i, len, tab, &n))
		return YFCC_FIELDS_NUMBERED + 1;
	for (k = 0; k < n; k++) {
		f[k] = (struct entry_text){s + start, tab[k] - start};
		start = tab[k] + 1;
	}
	f[n] = (struct entry_text){s + start, len - start};
	return n + 1;
}

/* The entry of one row of the 23 fields (only 0, 1, 2, 13, 14, 15 and 22
 * are read; photo_id, if not 0, is field 0's value already parsed): the
 * sink's say, or 0 having reported a bad row. */
static int yfcc_row(struct yfcc *y, const struct entry_text *row,
		    uint64_t photo_id, uint64_t number, uint64_t offset,
		    uint64_t length)
{
	struct entry e;

	if (row[22].len == 1 && row[22].s[0] == '1')
		return 0; /* a video */
	e = (struct entry){.photo_id = photo_id,
			   .line = number,
			   .offset = offset,
			   .length = length};
	if (!photo_id &&
	    flickr_id_parse(row[0].s, row[0].len, &e.photo_id) < 0) {
		yfcc_bad(y, number, "photo id is not a number");
		return 0;
	}
	if (!flickr_nsid_valid(row[1].s, row[1].len)) {
		yfcc_bad(y, number, "owner is not an NSID");
		return 0;
	}
	memcpy(e.nsid, row[1].s, row[1].len);
	e.nsid[row[1].len] = '\0';
	e.field[ENTRY_FIELD_OWNER_NAME].s = y->name;
	e.field[ENTRY_FIELD_OWNER_NAME].len =
		url_decode(row[2].s, row[2].len, y->name, sizeof(y->name));
	e.field[ENTRY_FIELD_PAGE_URL] = row[13];
	e.field[ENTRY_FIELD_IMAGE_URL] = row[14];
	e.field[ENTRY_FIELD_LICENSE] = row[15];
	return y->sink.entry(y->sink.userdata, &e);
}

static int yfcc_line(void *userdata, const char *s, size_t len, uint64_t number,
		     uint64_t offset, uint64_t length)
{
	struct yfcc *y = userdata;
	struct entry_text f[YFCC_FIELDS_NUMBERED];
	size_t n;

	if (!s) {
		yfcc_bad(y, number, "line too long");
		return 0;
	}
	if (len == 0)
		return 0;
	n = split_fields(s, len, f);
	if (n != YFCC_FIELDS && n != YFCC_FIELDS_NUMBERED) {
		char why[96];

		snprintf(why, sizeof(why), "%s%zu fields, expected 23 or 25",
			 n > YFCC_FIELDS_NUMBERED ? "more than " : "",
			 n > YFCC_FIELDS_NUMBERED ? n - 1 : n);
		yfcc_bad(y, number, why);
		return 0;
	}
	/* The 25-field layout: line number, photo id, hash, then fields 1-22. */
	if (n == YFCC_FIELDS_NUMBERED) {
		f[2] = f[1];
		return yfcc_row(y, f + 2, 0, number, offset, length);
	}
	return yfcc_row(y, f, 0, number, offset, length);
}

/*
 * The SQLite edition (Multimedia Commons' yfcc100m_dataset.sql): table
 * yfcc100m_dataset with the 23 fields as named columns, of which the rows
 * read the seven an entry needs.  A row is numbered from 1 in table order;
 * it has no byte offset in the file.
 */
static int yfcc_read_file(void *p, const char *path)
{
	static const char *const columns[] = {
		"photoid", "marker",	  "uid",	 "unickname",
		"pageurl", "downloadurl", "licensename",
	};
	static const unsigned field_of[] = {0, 22, 1, 2, 13, 14, 15};
	struct entry_text row[YFCC_FIELDS] = {0};
	struct sqlite_rows *rows = NULL;
	struct yfcc *y = p;
	char err[256] = "", why[320];
	uint64_t number = 0;
	int64_t id, marker;
	size_t i;
	int r;

	r = sqlite_rows_file_is(path);
	if (r <= 0)
		return r < 0 ? r : -ENOTSUP;
	r = sqlite_rows_open(path, "yfcc100m_dataset", columns,
			     ELEMENTSOF(columns), y->max_record, &rows, err,
			     sizeof(err));
	while (r >= 0 && (r = sqlite_rows_next(rows, err, sizeof(err))) == 1) {
		number++;
		/* The numbers as INTEGERs need no text; any other value is
		 * read (and judged) as the TSV's text would be. */
		if (sqlite_rows_int(rows, 1, &marker) && marker == 1)
			continue; /* a video */
		if (!sqlite_rows_int(rows, 0, &id) || id <= 0)
			id = 0;
		for (i = id ? 2 : 0; i < ELEMENTSOF(columns); i++)
			row[field_of[i]] = sqlite_rows_text(rows, i);
		if (id)
			row[22] = (struct entry_text){"0", 1};
		r = yfcc_row(y, row, (uint64_t)id, number, 0, 0);
	}
	sqlite_rows_close(rows);
	if (r == -EBADMSG && err[0]) {
		snprintf(why, sizeof(why), "table 'yfcc100m_dataset': %s", err);
		y->sink.report(y->sink.userdata, number ? number + 1 : 0, true,
			       why);
	}
	return r < 0 ? r : 0;
}

static int yfcc_open(const struct format_options *d _unused_,
		     const struct format_limits *limits,
		     const struct format_sink *sink, void **ret)
{
	struct yfcc *y = xcalloc(1, sizeof(*y));

	y->sink = *sink;
	y->max_record = limits->max_record;
	lines_init(&y->lines, limits->max_record, yfcc_line, y);
	*ret = y;
	return 0;
}

static int yfcc_feed(void *p, const char *data, size_t len)
{
	struct yfcc *y = p;

	return lines_feed(&y->lines, data, len);
}

static int yfcc_finish(void *p)
{
	struct yfcc *y = p;

	return lines_finish(&y->lines);
}

static void *yfcc_free(void *p)
{
	struct yfcc *y = p;

	if (y)
		lines_free(&y->lines);
	free(y);
	return NULL;
}

const struct format format_yfcc100m = {
	.name = "yfcc100m",
	.photo_keyed = true,
	.open = yfcc_open,
	.feed = yfcc_feed,
	.read_file = yfcc_read_file,
	.finish = yfcc_finish,
	.free = yfcc_free,
};
