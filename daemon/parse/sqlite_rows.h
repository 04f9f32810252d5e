/*
 * sqlite_rows.h: the rows of one table of a manifest that is an SQLite
 * database (YFCC100M is published as one), read as the untrusted file it
 * is.
 *
 * The file is opened read-only and immutable, in defensive mode, with
 * trusted_schema off and the lengths limited; the table must be a plain
 * table (no view, no virtual table) holding every named column; the only
 * query is one SELECT of those columns, whose identifiers are checked
 * against the table's own before they are quoted into it.  Rows are
 * streamed: nothing is held beyond the current one.
 */
#ifndef SCRAPEWATCH_SQLITE_ROWS_H
#define SCRAPEWATCH_SQLITE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/entry.h"

#define SQLITE_ROWS_COLUMNS_MAX 32

/* 1 if the file at path starts as an SQLite database does, 0 if not, or
 * -errno. */
int sqlite_rows_file_is(const char *path);

struct sqlite_rows;

/*
 * Opens table in the database at path for reading the n named columns
 * (n <= SQLITE_ROWS_COLUMNS_MAX), each value at most max_value bytes.
 * Returns 0, or a negative errno with why in err: -EBADMSG (not a
 * database, corrupt, no such plain table or column), -errno of the file.
 */
int sqlite_rows_open(const char *path, const char *table,
		     const char *const *columns, size_t n, size_t max_value,
		     struct sqlite_rows **ret, char *err, size_t errsize);

/* Steps to the next row: 1, 0 after the last, or -EBADMSG with why in
 * err (a corrupt page, a value over max_value). */
int sqlite_rows_next(struct sqlite_rows *r, char *err, size_t errsize);

/* The current row's column i (0 .. n-1) as text, as SQLite gives it
 * (borrowed until the next row; len 0 for NULL). */
struct entry_text sqlite_rows_text(const struct sqlite_rows *r, size_t i);

/* True with the value in *ret if the current row's column i is an
 * INTEGER: cheaper than its text for a number. */
bool sqlite_rows_int(const struct sqlite_rows *r, size_t i, int64_t *ret);

/* Closes the database; accepts NULL. */
void sqlite_rows_close(struct sqlite_rows *r);

#endif
