/*
 * format_sqlite.c: a manifest that is an SQLite database.  The dataset
 * names the table (`table:`) and maps its columns to entry fields
 * (`columns:`), as for CSV; each row is one entry, numbered from 1 in the
 * order SQLite reads the table.  The file is read by sqlite_rows.h, as an
 * untrusted one; it is never fed as a stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/format.h"
#include "parse/sqlite_rows.h"

struct sqlite_parser {
	struct format_sink sink;
	size_t max_record;
	const char *table; /* borrowed from the options */
	const char *columns[SQLITE_ROWS_COLUMNS_MAX];
	enum entry_field fields[SQLITE_ROWS_COLUMNS_MAX]; /* per column */
	size_t n;
};

extern const struct format format_sqlite;

static int sqlite_open(const struct format_options *o,
		       const struct format_limits *limits,
		       const struct format_sink *sink, void **ret)
{
	struct sqlite_parser *p;
	size_t f;

	if (!o->table)
		return -EINVAL;
	p = xcalloc(1, sizeof(*p));
	p->sink = *sink;
	p->max_record = limits->max_record;
	p->table = o->table;
	for (f = 0; f < ENTRY_FIELD_MAX; f++)
		if (o->fields[f]) {
			p->columns[p->n] = o->fields[f];
			p->fields[p->n++] = (enum entry_field)f;
		}
	if (p->n == 0) {
		free(p);
		return -EINVAL;
	}
	*ret = p;
	return 0;
}

/* Reports why the file cannot be read (fatal) and returns r. */
static int sqlite_fatal(struct sqlite_parser *p, uint64_t row, int r,
			const char *why)
{
	char text[512];

	snprintf(text, sizeof(text), "table '%s': %s", p->table, why);
	p->sink.report(p->sink.userdata, row, true, text);
	return r;
}

static int sqlite_read_file(void *parser, const char *path)
{
	struct sqlite_parser *p = parser;
	struct sqlite_rows *rows = NULL;
	char err[256] = "";
	uint64_t number = 0;
	size_t i;
	int r;

	r = sqlite_rows_file_is(path);
	if (r == 0)
		return sqlite_fatal(p, 0, -EBADMSG,
				    "the file is not an SQLite database (the "
				    "sqlite format reads one uncompressed)");
	if (r < 0)
		return r;
	r = sqlite_rows_open(path, p->table, p->columns, p->n, p->max_record,
			     &rows, err, sizeof(err));
	if (r == -EBADMSG)
		return sqlite_fatal(p, 0, r, err);
	while (r >= 0 && (r = sqlite_rows_next(rows, err, sizeof(err))) == 1) {
		struct entry e = {.line = ++number};

		for (i = 0; i < p->n; i++)
			e.field[p->fields[i]] = sqlite_rows_text(rows, i);
		entry_identify(&e);
		r = p->sink.entry(p->sink.userdata, &e);
	}
	/* err is the reader's: a sink's error is the sink's to tell. */
	if (r == -EBADMSG && err[0])
		sqlite_fatal(p, number + 1, r, err);
	sqlite_rows_close(rows);
	return r < 0 ? r : 0;
}

static void *sqlite_free(void *parser)
{
	free(parser);
	return NULL;
}

const struct format format_sqlite = {
	.name = "sqlite",
	.photo_keyed = false,
	.counts_records = true,
	.open = sqlite_open,
	.read_file = sqlite_read_file,
	.free = sqlite_free,
};
