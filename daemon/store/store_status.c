/*
 * store_status.c: the SQL of `scrapewatch status` (store_status.h).  Read
 * only: every statement here is a SELECT, or the BEGIN and COMMIT of a
 * read transaction.
 */
#include "store/store_status.h"

#include <errno.h>

#include "store/store_internal.h"

#define DATASET_COLUMNS "id, name, consecutive_failures, next_check"

static const char sql_dataset[] =
	"SELECT " DATASET_COLUMNS " FROM datasets WHERE name = ?1";
static const char sql_datasets_each[] =
	"SELECT " DATASET_COLUMNS " FROM datasets ORDER BY id";
static const char sql_alert_next_due[] =
	"SELECT min(due) FROM alerts WHERE state = 0";

/* Per figure: rows of (dataset, label, code, value). */
static const char *const sql_figures[STORE_FIGURES] = {
	[STORE_FIGURE_CHECKS] =
		"SELECT d.name, r.outcome, 0, count(*) FROM runs r "
		"JOIN datasets d ON d.id = r.dataset_id "
		"WHERE r.outcome != 'running' GROUP BY d.id, r.outcome "
		"ORDER BY d.id, r.outcome",
	[STORE_FIGURE_BYTES] =
		"SELECT d.name, '', 0, coalesce(sum(r.bytes), 0) FROM datasets d "
		"LEFT JOIN runs r ON r.dataset_id = d.id GROUP BY d.id "
		"ORDER BY d.id",
	[STORE_FIGURE_RELEASES] =
		"SELECT d.name, '', 0, count(r.id) FROM datasets d "
		"LEFT JOIN releases r ON r.dataset_id = d.id GROUP BY d.id "
		"ORDER BY d.id",
	[STORE_FIGURE_ENTRIES] =
		"SELECT d.name, '', 0, r.entries FROM datasets d "
		"JOIN releases r ON r.dataset_id = d.id AND r.seq = "
		"(SELECT max(seq) FROM releases WHERE dataset_id = d.id) "
		"ORDER BY d.id",
	[STORE_FIGURE_EVENTS] =
		"SELECT d.name, '', e.type, count(*) FROM events e "
		"JOIN datasets d ON d.id = e.dataset_id "
		"GROUP BY d.id, e.type ORDER BY d.id, e.type",
	[STORE_FIGURE_LAST_CHECK] =
		"SELECT d.name, '', 0, max(r.ended) FROM runs r "
		"JOIN datasets d ON d.id = r.dataset_id "
		"WHERE r.ended IS NOT NULL GROUP BY d.id ORDER BY d.id",
	[STORE_FIGURE_FAILURES] =
		"SELECT name, '', 0, consecutive_failures FROM datasets "
		"ORDER BY id",
	/* Every state, 0 included, so that a rate can be taken. */
	[STORE_FIGURE_ALERTS] =
		"WITH s(state) AS (VALUES (0), (1), (2)) "
		"SELECT '', '', state, "
		"(SELECT count(*) FROM alerts a WHERE a.state = s.state) "
		"FROM s ORDER BY state",
};

int store_status_figure_each(struct store *s, enum store_figure f,
			     int (*fn)(void *userdata,
				       const struct store_figure_row *row),
			     void *userdata)
{
	struct store_figure_row row;
	sqlite3_stmt *st;
	int r = 0;

	if (f >= STORE_FIGURES)
		return -EINVAL;
	st = store_stmt(s, sql_figures[f], &r);
	if (!st)
		return r;
	for (;;) {
		r = store_step(s, st);
		if (r <= 0)
			return r;
		row = (struct store_figure_row){
			.dataset = store_column_text(st, 0),
			.label = store_column_text(st, 1),
			.code = sqlite3_column_int64(st, 2),
			.value = sqlite3_column_int64(st, 3),
		};
		r = fn(userdata, &row);
		if (r < 0)
			return store_stop(st, r);
	}
}

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
		if (r < 0)
			return store_stop(st, r);
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
