/*
 * format_csv.c: the generic table manifests, csv and tsv, read through the
 * column map of the dataset's config (IBM DiF, Open Images and the like).
 *
 * csv follows RFC 4180: a field may be quoted, "" inside quotes stands for
 * one quote, and a quoted field may hold delimiters and line ends; records
 * end with CRLF or LF.  tsv follows IANA text/tab-separated-values: no
 * quoting (fields hold no tabs or line ends), so it goes through the line
 * splitter of lines.h.  With a header row (the default) column names in the
 * map are looked up in it, exactly and then ignoring ASCII case; numbers
 * are column indexes from 0 either way.  A UTF-8 byte order mark at the
 * start of the stream is dropped.
 *
 * csv is a byte state machine over chunks, so a record may straddle any
 * chunk boundary.  A whole line inside the chunk that holds no quote is
 * split in place (memchr, no copy); any other record is unquoted into one
 * buffer bounded by max_record.  Nothing is allocated per record, and the
 * fields array grows only up to max_fields.
 *
 * A malformed record is reported with the line it starts on and skipped; a
 * column of the map missing from the header, or a header that cannot be
 * read, is fatal.  This file must not log, and must not hold more than one
 * record of the input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/lines.h"
#include "lib/macro.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "parse/format.h"

#define CSV_NO_COLUMN SIZE_MAX
#define CSV_WHY_MAX   1024 /* bytes in the missing-column message */
#define CSV_LIST_MAX  200  /* the column list in it, before "..." */
#define CSV_NAME_MAX  48   /* bytes of one column name in that list */

static const char csv_bom_bytes[] = "\xEF\xBB\xBF";

enum csv_state {
	CSV_BOM,      /* at the start of the stream: a byte order mark? */
	CSV_FIELD,    /* at the start of a field */
	CSV_UNQUOTED, /* inside an unquoted field */
	CSV_CR,	      /* after a CR outside quotes */
	CSV_QUOTED,   /* inside a quoted field */
	CSV_QUOTE,    /* after a quote inside a quoted field */
	CSV_QUOTE_CR, /* after a closing quote and a CR */
	CSV_SKIP,     /* in a bad record: skipping to the end of its line */
};

/* Byte classes: which bytes end a run of plain text in each state. */
enum {
	CSV_STOP_UNQUOTED = 1,
	CSV_STOP_QUOTED = 2,
};

static const unsigned char csv_class[256] = {
	['\0'] = CSV_STOP_UNQUOTED | CSV_STOP_QUOTED,
	['\n'] = CSV_STOP_UNQUOTED | CSV_STOP_QUOTED,
	['\r'] = CSV_STOP_UNQUOTED,
	['"'] = CSV_STOP_UNQUOTED | CSV_STOP_QUOTED,
	[','] = CSV_STOP_UNQUOTED,
};

/* One entry field fed by a column. */
struct csv_column {
	enum entry_field field;
	size_t index; /* column from 0, CSV_NO_COLUMN until the header names it */
	char *name;   /* owned: the column name to look up, or NULL */
};

struct csv {
	struct format_sink sink;
	struct format_limits limits;
	char delim;
	bool want_header; /* the header row is still to come */
	size_t n_header;  /* columns in the header; 0 without one */
	size_t need;	  /* fields a row needs at least: highest index + 1 */
	struct csv_column map[ENTRY_FIELD_MAX];
	size_t n_map;
	/* The fields of the current row.  While the state machine builds a
	 * record, s is NULL and len the end offset of the field in rec. */
	struct entry_text *f; /* owned, cap entries, cap <= max_fields */
	size_t cap;
	size_t n;	    /* fields of the record being built */
	int error;	    /* sticky: a fatal problem, or the sink's error */
	struct lines lines; /* tsv */
	/* The csv state machine. */
	enum csv_state state;
	unsigned bom;	    /* bytes of a byte order mark seen */
	bool discard;	    /* the record is bad: find its end, keep nothing */
	struct buf rec;	    /* the unquoted text of the record */
	const char *chunk;  /* borrowed: the chunk being fed */
	uint64_t base;	    /* stream offset of chunk[0] */
	uint64_t line;	    /* line of the next byte, from 1 */
	uint64_t rec_line;  /* line where the record starts */
	uint64_t rec_start; /* stream offset where it starts */
};

extern const struct format format_csv;
extern const struct format format_tsv;

/* ---- text checks -------------------------------------------------------- */

/* What is wrong with the text of a mapped field, or NULL.  Tab, CR and LF
 * are allowed: a quoted field may hold line ends. */
static const char *csv_text_check(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n;

	while (p < end) {
		if (*p >= 0x20 && *p < 0x80) {
			p++;
			continue;
		}
		if (*p == '\t' || *p == '\n' || *p == '\r') {
			p++;
			continue;
		}
		if (*p < 0x20)
			return "control character";
		n = text_utf8_seq(p, (size_t)(end - p));
		if (n == 0)
			return "invalid UTF-8";
		p += n;
	}
	return NULL;
}

/* ---- reports, and the missing-column message ----------------------------- */

/* Reports a bad record.  Until the header is read that is fatal: the
 * columns cannot be known.  Returns 0 or the fatal -EBADMSG. */
static int csv_report(struct csv *c, uint64_t line, const char *why)
{
	bool fatal = c->want_header;

	c->sink.report(c->sink.userdata, line, fatal, why);
	if (fatal)
		c->error = -EBADMSG;
	return c->error;
}

static void csv_buf_done(struct buf *b)
{
	buf_free(b);
}

/* Appends a column name for a message: control bytes, and non-ASCII bytes
 * of a name that is not UTF-8, become '?'; a long name is cut. */
static void csv_put_name(struct buf *b, const char *s, size_t len)
{
	bool utf8 = csv_text_check(s, len) == NULL;
	size_t i, n = len;

	if (n > CSV_NAME_MAX) {
		n = CSV_NAME_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7F || (ch >= 0x80 && !utf8))
			ch = '?';
		(void)buf_putc(b, (char)ch);
	}
	if (n < len)
		(void)buf_puts(b, "...");
}

/* Reports the header's lack of column m (fatal).  Returns -EINVAL. */
static int csv_missing(struct csv *c, const struct csv_column *m, size_t n,
		       uint64_t line)
{
	_cleanup_(csv_buf_done) struct buf b;
	size_t i;

	buf_init(&b, CSV_WHY_MAX);
	if (m->name)
		(void)buf_printf(&b, "column '%.128s'", m->name);
	else
		(void)buf_printf(&b, "column %zu", m->index);
	(void)buf_puts(&b, " not in the header (columns: ");
	for (i = 0; i < n; i++) {
		if (b.len > CSV_LIST_MAX) {
			(void)buf_printf(&b, ", ... (%zu in all)", n);
			break;
		}
		if (i > 0)
			(void)buf_puts(&b, ", ");
		csv_put_name(&b, c->f[i].s, c->f[i].len);
	}
	(void)buf_putc(&b, ')');
	c->sink.report(c->sink.userdata, line, true, b.data);
	c->error = -EINVAL;
	return c->error;
}

/* ---- rows --------------------------------------------------------------- */

static bool csv_name_equal(const char *a, size_t len, const char *b, bool fold)
{
	size_t i;

	if (strlen(b) != len)
		return false;
	if (!fold)
		return memcmp(a, b, len) == 0;
	for (i = 0; i < len; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* The index of the header column called name: exact, else ignoring ASCII
 * case; CSV_NO_COLUMN if there is none. */
static size_t csv_find_column(const struct entry_text *f, size_t n,
			      const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (csv_name_equal(f[i].s, f[i].len, name, false))
			return i;
	for (i = 0; i < n; i++)
		if (csv_name_equal(f[i].s, f[i].len, name, true))
			return i;
	return CSV_NO_COLUMN;
}

/* Takes the header row: resolves the column names of the map. */
static int csv_header(struct csv *c, size_t n, uint64_t line)
{
	size_t i;

	for (i = 0; i < c->n_map; i++) {
		struct csv_column *m = &c->map[i];

		if (m->name)
			m->index = csv_find_column(c->f, n, m->name);
		if (m->index >= n)
			return csv_missing(c, m, n, line);
		c->need = MAX(c->need, m->index + 1);
	}
	c->n_header = n;
	c->want_header = false;
	return 0;
}

/* Checks a data row's shape and its mapped fields; reports a bad one. */
static bool csv_row_ok(struct csv *c, size_t n, uint64_t line)
{
	const char *what = NULL;
	char why[128];
	size_t i;

	if (c->n_header && n != c->n_header)
		snprintf(why, sizeof(why),
			 "row has %zu fields, the header has %zu", n,
			 c->n_header);
	else if (n < c->need)
		snprintf(why, sizeof(why),
			 "row has %zu fields, column %zu needed", n,
			 c->need - 1);
	else {
		for (i = 0; i < c->n_map && !what; i++)
			what = csv_text_check(c->f[c->map[i].index].s,
					      c->f[c->map[i].index].len);
		if (!what)
			return true;
		snprintf(why, sizeof(why), "%s in column %zu", what,
			 c->map[i - 1].index);
	}
	csv_report(c, line, why);
	return false;
}

/* Takes one row of n fields in c->f: the header, or an entry. */
static int csv_row(struct csv *c, size_t n, uint64_t line, uint64_t offset,
		   uint64_t length)
{
	struct entry e;
	size_t i;

	if (n == 1 && c->f[0].len == 0)
		return 0; /* an empty line */
	if (c->want_header)
		return csv_header(c, n, line);
	if (!csv_row_ok(c, n, line))
		return 0;
	e = (struct entry){.line = line, .offset = offset, .length = length};
	for (i = 0; i < c->n_map; i++)
		e.field[c->map[i].field] = c->f[c->map[i].index];
	entry_identify(&e);
	return c->sink.entry(c->sink.userdata, &e);
}

/* Makes room for field number i (from 0); false past max_fields. */
static bool csv_field_room(struct csv *c, size_t i)
{
	size_t cap;

	if (i >= c->limits.max_fields)
		return false;
	if (i < c->cap)
		return true;
	cap = MIN(MAX(c->cap * 2, (size_t)16), c->limits.max_fields);
	c->f = xreallocarray(c->f, cap, sizeof(*c->f));
	c->cap = cap;
	return true;
}

/* Splits a row without quotes at the delimiter, in place, and takes it. */
static int csv_plain(struct csv *c, const char *s, size_t len, uint64_t line,
		     uint64_t offset, uint64_t length)
{
	const char *end = s + len, *d;
	char why[64];
	size_t n = 0;

	for (;;) {
		if (!csv_field_room(c, n)) {
			snprintf(why, sizeof(why), "more than %zu fields",
				 c->limits.max_fields);
			return csv_report(c, line, why);
		}
		d = memchr(s, c->delim, (size_t)(end - s));
		c->f[n].s = s;
		c->f[n].len = (size_t)((d ? d : end) - s);
		n++;
		if (!d)
			return csv_row(c, n, line, offset, length);
		s = d + 1;
	}
}

/* ---- the csv state machine ---------------------------------------------- */

static uint64_t csv_pos(const struct csv *c, const char *s)
{
	return c->base + (uint64_t)(s - c->chunk);
}

/* Marks the record bad: reports why (once a record) and drops its text;
 * its end is still looked for. */
static void csv_bad(struct csv *c, const char *why)
{
	if (!c->discard)
		csv_report(c, c->rec_line, why);
	c->discard = true;
	c->n = 0;
	buf_reset(&c->rec);
}

static void csv_too_long(struct csv *c)
{
	char why[64];

	snprintf(why, sizeof(why), "record longer than %zu bytes",
		 c->limits.max_record);
	csv_bad(c, why);
}

/* Keeps len bytes of field text, the record having upto bytes of the
 * stream so far; a record past max_record is bad. */
static void csv_keep(struct csv *c, const char *s, size_t len, uint64_t upto)
{
	if (c->discard)
		return;
	if (upto - c->rec_start > c->limits.max_record ||
	    buf_append(&c->rec, s, len) < 0)
		csv_too_long(c);
}

static void csv_end_field(struct csv *c)
{
	char why[64];

	if (c->discard)
		return;
	if (!csv_field_room(c, c->n)) {
		snprintf(why, sizeof(why), "more than %zu fields",
			 c->limits.max_fields);
		csv_bad(c, why);
		return;
	}
	c->f[c->n].s = NULL;
	c->f[c->n].len = c->rec.len;
	c->n++;
}

/* Ends the record just before stream offset end (past its line end) and
 * takes it unless it was bad. */
static int csv_end_record(struct csv *c, uint64_t end)
{
	size_t i, start = 0;
	int r = 0;

	csv_end_field(c);
	if (!c->discard) {
		/* Field end offsets become spans of rec. */
		for (i = 0; i < c->n; i++) {
			size_t stop = c->f[i].len;

			c->f[i] = (struct entry_text){c->rec.data + start,
						      stop - start};
			start = stop;
		}
		r = csv_row(c, c->n, c->rec_line, c->rec_start,
			    end - c->rec_start);
	}
	buf_reset(&c->rec);
	c->n = 0;
	c->discard = false;
	c->state = CSV_FIELD;
	c->rec_start = end;
	c->rec_line = c->line;
	return r;
}

/* Ends the record at the LF at s. */
static int csv_end_line(struct csv *c, const char *s)
{
	c->line++;
	return csv_end_record(c, csv_pos(c, s) + 1);
}

/* Marks the record bad and skips the rest of its line. */
static int csv_skip_bad(struct csv *c, const char *why)
{
	csv_bad(c, why);
	c->state = CSV_SKIP;
	return 0;
}

static const char *csv_scan(const char *s, const char *end, unsigned stop)
{
	while (s < end && !(csv_class[(unsigned char)*s] & stop))
		s++;
	return s;
}

/* Whole lines without quotes, NUL bytes or excess length are split in
 * place; anything else is left to the state machine. */
static int csv_fast(struct csv *c, const char **sp, const char *end)
{
	const char *s = *sp, *nl;
	size_t n, len;
	int r = 0;

	while (r == 0 && s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break;
		n = (size_t)(nl - s);
		if (n > c->limits.max_record || memchr(s, '"', n) ||
		    memchr(s, '\0', n))
			break;
		len = n > 0 && s[n - 1] == '\r' ? n - 1 : n;
		r = csv_plain(c, s, len, c->line, csv_pos(c, s), n + 1);
		c->line++;
		s = nl + 1;
		c->rec_start = csv_pos(c, s);
		c->rec_line = c->line;
	}
	*sp = s;
	return r;
}

static int csv_at_bom(struct csv *c, const char **sp)
{
	const char *s = *sp;

	if (*s == csv_bom_bytes[c->bom]) {
		*sp = s + 1;
		c->bom++;
		if (c->bom == 3) {
			c->state = CSV_FIELD;
			c->rec_start = 3;
		}
		return 0;
	}
	/* Not a byte order mark: what matched of one is text. */
	c->state = c->bom ? CSV_UNQUOTED : CSV_FIELD;
	if (c->bom)
		csv_keep(c, csv_bom_bytes, c->bom, csv_pos(c, s));
	return 0;
}

static int csv_at_field(struct csv *c, const char **sp)
{
	if (**sp == '"') {
		(*sp)++;
		c->state = CSV_QUOTED;
	} else
		c->state = CSV_UNQUOTED;
	return 0;
}

static int csv_in_unquoted(struct csv *c, const char **sp, const char *end)
{
	const char *s = *sp, *q = csv_scan(s, end, CSV_STOP_UNQUOTED);

	csv_keep(c, s, (size_t)(q - s), csv_pos(c, q));
	*sp = q == end ? q : q + 1;
	if (q == end)
		return 0;
	switch (*q) {
	case ',':
		csv_end_field(c);
		c->state = CSV_FIELD;
		return 0;
	case '\r':
		c->state = CSV_CR;
		return 0;
	case '\n':
		return csv_end_line(c, q);
	case '"':
		return csv_skip_bad(c, "quote inside an unquoted field");
	default:
		return csv_skip_bad(c, "NUL byte in record");
	}
}

static int csv_after_cr(struct csv *c, const char **sp)
{
	const char *s = *sp;

	if (*s == '\n') {
		*sp = s + 1;
		csv_keep(c, "", 0, csv_pos(c, s));
		return csv_end_line(c, s);
	}
	/* A CR that does not end a line is text. */
	csv_keep(c, "\r", 1, csv_pos(c, s));
	c->state = CSV_UNQUOTED;
	return 0;
}

static int csv_in_quoted(struct csv *c, const char **sp, const char *end)
{
	const char *s = *sp, *q = csv_scan(s, end, CSV_STOP_QUOTED);

	csv_keep(c, s, (size_t)(q - s), csv_pos(c, q));
	*sp = q == end ? q : q + 1;
	if (q == end)
		return 0;
	switch (*q) {
	case '"':
		c->state = CSV_QUOTE;
		return 0;
	case '\n':
		c->line++;
		csv_keep(c, q, 1, csv_pos(c, q) + 1);
		return 0;
	default:
		return csv_skip_bad(c, "NUL byte in record");
	}
}

static int csv_after_quote(struct csv *c, const char **sp)
{
	const char *s = (*sp)++;

	csv_keep(c, "", 0, csv_pos(c, s));
	switch (*s) {
	case '"':
		csv_keep(c, s, 1, csv_pos(c, s) + 1);
		c->state = CSV_QUOTED;
		return 0;
	case ',':
		csv_end_field(c);
		c->state = CSV_FIELD;
		return 0;
	case '\r':
		c->state = CSV_QUOTE_CR;
		return 0;
	case '\n':
		return csv_end_line(c, s);
	case '\0':
		return csv_skip_bad(c, "NUL byte in record");
	default:
		return csv_skip_bad(c, "text after a closing quote");
	}
}

static int csv_after_quote_cr(struct csv *c, const char **sp)
{
	const char *s = (*sp)++;

	csv_keep(c, "", 0, csv_pos(c, s));
	if (*s == '\n')
		return csv_end_line(c, s);
	return csv_skip_bad(c, *s ? "text after a closing quote"
				  : "NUL byte in record");
}

static int csv_in_skip(struct csv *c, const char **sp, const char *end)
{
	const char *nl = memchr(*sp, '\n', (size_t)(end - *sp));

	if (!nl) {
		*sp = end;
		return 0;
	}
	*sp = nl + 1;
	return csv_end_line(c, nl);
}

/* Moves the state machine on by one run of text or one byte. */
static int csv_step(struct csv *c, const char **sp, const char *end)
{
	switch (c->state) {
	case CSV_BOM:
		return csv_at_bom(c, sp);
	case CSV_FIELD:
		return csv_at_field(c, sp);
	case CSV_UNQUOTED:
		return csv_in_unquoted(c, sp, end);
	case CSV_CR:
		return csv_after_cr(c, sp);
	case CSV_QUOTED:
		return csv_in_quoted(c, sp, end);
	case CSV_QUOTE:
		return csv_after_quote(c, sp);
	case CSV_QUOTE_CR:
		return csv_after_quote_cr(c, sp);
	case CSV_SKIP:
		return csv_in_skip(c, sp, end);
	}
	return -EINVAL; /* NOTREACHED */
}

static int csv_feed(void *p, const char *data, size_t len)
{
	struct csv *c = p;
	const char *s = data, *end = data + len;
	int r = c->error;

	if (r < 0 || len == 0)
		return r;
	c->chunk = data;
	while (r == 0 && s < end) {
		/* At the start of a record, try the copy-free path. */
		if (c->state == CSV_FIELD && csv_pos(c, s) == c->rec_start)
			r = csv_fast(c, &s, end);
		if (r == 0 && s < end)
			r = csv_step(c, &s, end);
		if (r == 0)
			r = c->error;
	}
	c->base += len;
	c->chunk = NULL;
	c->error = r;
	return r;
}

/* Ends the input: a record without a line end is taken as it is. */
static int csv_finish(void *p)
{
	struct csv *c = p;
	uint64_t end = c->base;
	int r;

	if (c->error)
		return c->error;
	if (c->state == CSV_BOM && c->bom) {
		c->state = CSV_UNQUOTED;
		csv_keep(c, csv_bom_bytes, c->bom, end);
	}
	if (end > c->rec_start)
		csv_keep(c, "", 0, end);
	if (c->state == CSV_QUOTED)
		csv_bad(c, "unterminated quoted field at end of input");
	if (end > c->rec_start) {
		r = csv_end_record(c, end);
		if (r < 0)
			c->error = r;
	}
	c->state = CSV_FIELD;
	c->rec_start = end;
	return c->error;
}

/* ---- tsv ---------------------------------------------------------------- */

static int tsv_line(void *userdata, const char *s, size_t len, uint64_t number,
		    uint64_t offset, uint64_t length)
{
	struct csv *c = userdata;
	char why[64];

	if (!s) {
		snprintf(why, sizeof(why), "record longer than %zu bytes",
			 c->limits.max_record);
		return csv_report(c, number, why);
	}
	if (offset == 0 && len >= 3 && memcmp(s, csv_bom_bytes, 3) == 0) {
		s += 3;
		len -= 3;
		offset += 3;
		length -= 3;
	}
	if (memchr(s, '\0', len))
		return csv_report(c, number, "NUL byte in record");
	return csv_plain(c, s, len, number, offset, length);
}

static int tsv_feed(void *p, const char *data, size_t len)
{
	struct csv *c = p;

	return lines_feed(&c->lines, data, len);
}

static int tsv_finish(void *p)
{
	struct csv *c = p;

	return lines_finish(&c->lines);
}

/* ---- life cycle --------------------------------------------------------- */

/* Parses a column number: decimal digits only.  Returns 0, -EINVAL (not
 * a number: a column name) or -ERANGE. */
static int csv_index_parse(const char *s, size_t *ret)
{
	size_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (SIZE_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (size_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

/* Builds the column map from the dataset's fields[]. */
static int csv_map(struct csv *c, const struct format_options *d)
{
	size_t f;
	int r;

	for (f = 0; f < ENTRY_FIELD_MAX; f++) {
		struct csv_column *m = &c->map[c->n_map];

		if (!d->fields[f])
			continue;
		*m = (struct csv_column){.field = (enum entry_field)f,
					 .index = CSV_NO_COLUMN};
		r = csv_index_parse(d->fields[f], &m->index);
		if (r == -EINVAL && d->header)
			m->name = xstrdup(d->fields[f]);
		else if (r < 0 || m->index >= c->limits.max_fields)
			return -EINVAL;
		else
			c->need = MAX(c->need, m->index + 1);
		c->n_map++;
	}
	return c->n_map > 0 ? 0 : -EINVAL;
}

static struct csv *csv_free(struct csv *c)
{
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < c->n_map; i++)
		free(c->map[i].name);
	free(c->f);
	buf_free(&c->rec);
	lines_free(&c->lines);
	free(c);
	return NULL;
}

DEFINE_FREEP(struct csv, csv_free)

static int csv_new(const struct format_options *d,
		   const struct format_limits *limits,
		   const struct format_sink *sink, char delim, void **ret)
{
	_cleanup_(csv_freep) struct csv *c = xcalloc(1, sizeof(*c));
	int r;

	c->sink = *sink;
	c->limits = *limits;
	c->delim = delim;
	c->want_header = d->header;
	c->state = CSV_BOM;
	c->line = 1;
	c->rec_line = 1;
	buf_init(&c->rec, limits->max_record);
	lines_init(&c->lines, limits->max_record, tsv_line, c);
	if (limits->max_fields == 0)
		return -EINVAL;
	r = csv_map(c, d);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

static int csv_open(const struct format_options *d,
		    const struct format_limits *limits,
		    const struct format_sink *sink, void **ret)
{
	return csv_new(d, limits, sink, ',', ret);
}

static int tsv_open(const struct format_options *d,
		    const struct format_limits *limits,
		    const struct format_sink *sink, void **ret)
{
	return csv_new(d, limits, sink, '\t', ret);
}

static void *csv_free_parser(void *p)
{
	return csv_free(p);
}

const struct format format_csv = {
	.name = "csv",
	.photo_keyed = false,
	.open = csv_open,
	.feed = csv_feed,
	.finish = csv_finish,
	.free = csv_free_parser,
};

const struct format format_tsv = {
	.name = "tsv",
	.photo_keyed = false,
	.open = tsv_open,
	.feed = tsv_feed,
	.finish = tsv_finish,
	.free = csv_free_parser,
};
