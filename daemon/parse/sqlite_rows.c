/*
 * sqlite_rows.c: the table reader of sqlite_rows.h.
 *
 * SQLite documents what reading a database from an untrusted source takes
 * (defensive mode, no trusted schema, limits, cell size checks, no memory
 * map); each is set before the first read of the file.  The schema is
 * consulted only through sqlite_schema and pragma_table_info() with the
 * name bound; the one statement built from names uses the table's own
 * spellings, quoted.
 */
#include "parse/sqlite_rows.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

#define SQLITE_MAGIC	"SQLite format 3"
#define SQL_LENGTH_MAX	(64 * 1024)
#define NAME_LENGTH_MAX 256

struct sqlite_rows {
	sqlite3 *db;
	sqlite3_stmt *select;
	size_t n;
};

int sqlite_rows_file_is(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char head[sizeof(SQLITE_MAGIC)];

	if (fd < 0)
		return -errno;
	if (read(fd, head, sizeof(head)) != (ssize_t)sizeof(head))
		return 0;
	return memcmp(head, SQLITE_MAGIC, sizeof(head)) == 0;
}

static int fail(char *err, size_t errsize, const char *fmt, ...) _printf_(3, 4);

/* Says why in err and returns -EBADMSG. */
static int fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* The guards an untrusted database needs, before anything reads it. */
static int harden(sqlite3 *db, size_t max_value)
{
	int off = 0, on = 1;

	sqlite3_limit(db, SQLITE_LIMIT_LENGTH,
		      (int)MIN(max_value, (size_t)1 << 30));
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, SQL_LENGTH_MAX);
	sqlite3_limit(db, SQLITE_LIMIT_COLUMN, 2000);
	sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 64);
	sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, 4);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(db, SQLITE_LIMIT_TRIGGER_DEPTH, 1);
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, on, NULL) ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, off, NULL) ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, off, NULL) ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, off, NULL))
		return -EIO;
	return sqlite3_exec(db,
			    "PRAGMA cell_size_check = ON; PRAGMA mmap_size = 0",
			    NULL, NULL, NULL) == SQLITE_OK
		       ? 0
		       : -EBADMSG;
}

/* The table's own name if it is a plain table (not a view, not virtual);
 * else NULL with err set. */
static char *plain_table(sqlite3 *db, const char *table, char *err,
			 size_t errsize)
{
	static const char sql[] =
		"SELECT name, type, coalesce(sql, '') FROM sqlite_schema "
		"WHERE name = ?1 COLLATE NOCASE AND type IN ('table', 'view')";
	sqlite3_stmt *st = NULL;
	char *name = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(err, errsize, "not a readable SQLite database: %s",
		     sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		fail(err, errsize, "%s",
		     rc == SQLITE_DONE ? "no table of that name"
				       : sqlite3_errmsg(db));
	else if (strcmp((const char *)sqlite3_column_text(st, 1), "table"))
		fail(err, errsize, "it is a view, not a table");
	else if (strncasecmp((const char *)sqlite3_column_text(st, 2),
			     "CREATE VIRTUAL", 14) == 0)
		fail(err, errsize, "it is a virtual table");
	else if (sqlite3_column_bytes(st, 0) > NAME_LENGTH_MAX)
		fail(err, errsize, "its name is too long");
	else
		name = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return name;
}

/* Each of the n columns' own spelling in the table, in names[]; 0, or
 * -EBADMSG with err set. */
static int table_columns(sqlite3 *db, const char *table,
			 const char *const *columns, size_t n, char **names,
			 char *err, size_t errsize)
{
	static const char sql[] =
		"SELECT name FROM pragma_table_info(?1) WHERE name = ?2 "
		"COLLATE NOCASE";
	sqlite3_stmt *st = NULL;
	size_t i;
	int r = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(err, errsize, "cannot read the table's columns: %s",
			    sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	for (i = 0; i < n && r == 0; i++) {
		sqlite3_bind_text(st, 2, columns[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_bytes(st, 0) <= NAME_LENGTH_MAX)
			names[i] = xstrdup(
				(const char *)sqlite3_column_text(st, 0));
		else
			r = fail(err, errsize, "no column '%s'", columns[i]);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return r;
}

/* Appends name as a quoted identifier (a quote in it doubled). */
static void quote_name(struct buf *b, const char *name)
{
	const char *p;

	buf_append(b, "\"", 1);
	for (p = name; *p; p++) {
		if (*p == '"')
			buf_append(b, "\"", 1);
		buf_append(b, p, 1);
	}
	buf_append(b, "\"", 1);
}

/* Prepares SELECT of the columns from the table (names: the table's own
 * spellings, each at most NAME_LENGTH_MAX bytes, so that the statement
 * fits SQL_LENGTH_MAX).  Returns 0 or -EBADMSG with err set. */
static int prepare_select(struct sqlite_rows *r, const char *table,
			  char **names, char *err, size_t errsize)
{
	struct buf b;
	size_t i;
	int rc;

	buf_init(&b, SQL_LENGTH_MAX);
	buf_append(&b, "SELECT ", 7);
	for (i = 0; i < r->n; i++) {
		if (i)
			buf_append(&b, ", ", 2);
		quote_name(&b, names[i]);
	}
	buf_append(&b, " FROM ", 6);
	quote_name(&b, table);
	rc = sqlite3_prepare_v2(r->db, b.data, (int)b.len, &r->select, NULL);
	buf_free(&b);
	if (rc != SQLITE_OK)
		return fail(err, errsize, "cannot read the table: %s",
			    sqlite3_errmsg(r->db));
	return 0;
}

/* Opens the file read-only and immutable: nothing else may write a
 * downloaded manifest, and immutable makes SQLite create no -wal or -shm
 * file beside it. */
static int open_db(struct sqlite_rows *r, const char *path, size_t max_value,
		   char *err, size_t errsize)
{
	_cleanup_free_ char *uri = file_uri(path, "mode=ro&immutable=1");
	int rc;

	/* One thread uses the connection: no mutex on every call. */
	rc = sqlite3_open_v2(uri, &r->db,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_CANTOPEN)
			return -(errno ? errno : ENOENT);
		return fail(err, errsize, "cannot open the database: %s",
			    sqlite3_errstr(rc));
	}
	if (harden(r->db, max_value) < 0)
		return fail(err, errsize, "not a readable SQLite database: %s",
			    sqlite3_errmsg(r->db));
	return 0;
}

int sqlite_rows_open(const char *path, const char *table,
		     const char *const *columns, size_t n, size_t max_value,
		     struct sqlite_rows **ret, char *err, size_t errsize)
{
	struct sqlite_rows *r = xcalloc(1, sizeof(*r));
	char *names[SQLITE_ROWS_COLUMNS_MAX] = {0}, *own = NULL;
	int e;
	size_t i;

	assert(n > 0 && n <= SQLITE_ROWS_COLUMNS_MAX);
	r->n = n;
	e = open_db(r, path, max_value, err, errsize);
	if (e == 0) {
		own = plain_table(r->db, table, err, errsize);
		e = own ? 0 : -EBADMSG;
	}
	if (e == 0)
		e = table_columns(r->db, own, columns, n, names, err, errsize);
	if (e == 0)
		e = prepare_select(r, own, names, err, errsize);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(own);
	if (e < 0) {
		sqlite_rows_close(r);
		return e;
	}
	*ret = r;
	return 0;
}

int sqlite_rows_next(struct sqlite_rows *r, char *err, size_t errsize)
{
	int rc = sqlite3_step(r->select);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return fail(err, errsize, "%s", sqlite3_errmsg(r->db));
	return 1;
}

struct entry_text sqlite_rows_text(const struct sqlite_rows *r, size_t i)
{
	/* Text first, then its length: the order SQLite asks for. */
	const char *s = (const char *)sqlite3_column_text(r->select, (int)i);

	return (struct entry_text){
		s, s ? (size_t)sqlite3_column_bytes(r->select, (int)i) : 0};
}

bool sqlite_rows_int(const struct sqlite_rows *r, size_t i, int64_t *ret)
{
	if (sqlite3_column_type(r->select, (int)i) != SQLITE_INTEGER)
		return false;
	*ret = sqlite3_column_int64(r->select, (int)i);
	return true;
}

void sqlite_rows_close(struct sqlite_rows *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->select);
	sqlite3_close(r->db);
	free(r);
}
