/*
 * store_status.c: the SQL of `scrapewatch status` (store_status.h).  Read
 * only: every statement here is a SELECT, or the BEGIN and COMMIT of a
 * read transaction.
 */
#include "store_status.h"

#include <errno.h>

#include "store_internal.h"

#define DATASET_COLUMNS "id, name, consecutive_failures, next_check"

static const char sql_dataset[] =
	"SELECT " DATASET_COLUMNS " FROM datasets WHERE name = ?1";
static const char sql_datasets_each[] =
	"SELECT " DATASET_COLUMNS " FROM datasets ORDER BY id";
static const char sql_alert_next_due[] =
	"SELECT min(due) FROM alerts WHERE state = 0";

int store_status_begin(struct store *s)
{
	return store_exec(s, "BEGIN");
}

void store_status_end(struct store *s)
{
	/* Only read: COMMIT and ROLLBACK are the same; COMMIT cannot fail
	 * for want of space. */
	if (!sqlite3_get_autocommit(s->db))
		(void)store_exec(s, "COMMIT");
}

/* Reads DATASET_COLUMNS of the current row; the name is borrowed until
 * the statement moves on. */
static void dataset_from_row(sqlite3_stmt *st, struct store_status_dataset *d)
{
	*d = (struct store_status_dataset){
		.id = sqlite3_column_int64(st, 0),
		.name = store_column_text(st, 1),
		.failures = sqlite3_column_int64(st, 2),
		.planned = sqlite3_column_type(st, 3) != SQLITE_NULL,
		.next_check = sqlite3_column_int64(st, 3),
	};
}

int store_status_dataset(struct store *s, const char *name,
			 struct store_status_dataset *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_dataset, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = store_step(s, st);
	if (r <= 0)
		return r;
	dataset_from_row(st, ret);
	ret->name = name;
	sqlite3_reset(st);
	return 1;
}

int store_status_datasets_each(struct store *s,
			       int (*fn)(void *userdata,
					 const struct store_status_dataset *d),
			       void *userdata)
{
	struct store_status_dataset d;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_datasets_each, &r);
	if (!st)
		return r;
	for (;;) {
		r = store_step(s, st);
		if (r <= 0)
			return r;
		dataset_from_row(st, &d);
		r = fn(userdata, &d);
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
}

int store_status_alert_next_due(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_alert_next_due, &r);
	if (!st)
		return r;
	r = store_step(s, st);
	if (r <= 0)
		return r < 0 ? r : -EIO; /* an aggregate always has a row */
	r = sqlite3_column_type(st, 0) != SQLITE_NULL;
	if (r)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return r;
}
