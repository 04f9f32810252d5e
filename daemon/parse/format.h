/*
 * format.h: the manifest formats, as const vtables of push parsers.
 *
 * A parser is opened for one dataset, fed the decoded manifest in chunks of
 * any size (a record may straddle chunks), and finished at the end of
 * input.  It hands each entry to sink->entry() and each problem to
 * sink->report(): a malformed record is reported with its line and skipped
 * (the caller counts them and decides whether the release is acceptable); a
 * problem it cannot resume from is reported as fatal and feed()/finish()
 * return a negative errno.  Parsers never log, never hold the whole input,
 * and enforce the limits they are given.
 */
#ifndef SCRAPEWATCH_FORMAT_H
#define SCRAPEWATCH_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/entry.h"

/* What a dataset's configuration tells its format (the layout of a
 * struct config_dataset); the strings belong to whoever filled it. */
struct format_options {
	bool header;   /* csv/tsv: the first row names the columns */
	char *records; /* json: path to the record array, or NULL */
	char *table;   /* sqlite: the table to read */
	/* Per entry field, a column (csv/tsv) or a JSON path, or NULL. */
	char *fields[ENTRY_FIELD_MAX];
};

struct format_sink {
	/* One entry; a negative return stops the parse with that error. */
	int (*entry)(void *userdata, const struct entry *e);
	/* A problem at line, from 1: the line of the input it is about (for
	 * JSON, of the byte or the record start the message names); 0 when
	 * it has no position.  fatal: the parse cannot go on. */
	void (*report)(void *userdata, uint64_t line, bool fatal,
		       const char *why);
	void *userdata;
};

struct format_limits {
	size_t max_record;  /* bytes in one line or record */
	size_t max_fields;  /* fields in one CSV/TSV row */
	unsigned max_depth; /* JSON nesting */
};

#define FORMAT_LIMITS_DEFAULT    \
	((struct format_limits){ \
		.max_record = 1 << 20, .max_fields = 4096, .max_depth = 64})

struct format {
	const char *name;
	/* True if its entries are keyed by photo id (one row per photo). */
	bool photo_keyed;
	/* True if entry.line is a record number (JSON documents, where one
	 * line may hold every record), not a line number. */
	bool counts_records;
	/* Makes a parser for a dataset laid out as o; the sink and limits
	 * are copied.  Returns 0 or a negative errno (-EINVAL: the options do
	 * not fit the format). */
	int (*open)(const struct format_options *o,
		    const struct format_limits *limits,
		    const struct format_sink *sink, void **ret);
	/* Feeds len bytes.  Returns 0, or a negative errno (fatal).  NULL
	 * for a format that only reads whole files (sqlite). */
	int (*feed)(void *parser, const char *data, size_t len);
	/* Reads the manifest at path itself, for a manifest that is a
	 * database rather than a stream (an SQLite file): instead of feed()
	 * and finish().  Returns 0, a negative errno (fatal), or -ENOTSUP
	 * when the file is not of that kind and is to be fed.  NULL for
	 * formats that are only fed. */
	int (*read_file)(void *parser, const char *path);
	/* Ends the input (a truncated record is a problem here).  Returns 0
	 * or a negative errno. */
	int (*finish)(void *parser);
	/* Frees the parser; accepts NULL; returns NULL. */
	void *(*free)(void *parser);
};

/* The format called name, or NULL. */
const struct format *format_find(const char *name);

/* The name of the i-th format, or NULL past the last (for listings). */
const char *format_name(size_t i);

#endif
