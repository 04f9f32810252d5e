/*
 * store_optout.c: the SQL of opt-out requests (store_optout.h).
 */
#include "store/store_optout.h"

#include <errno.h>

#include "store/store_internal.h"

static const char sql_optout_add[] =
	"INSERT INTO optout_requests(subscriber, dataset_id, release_id, "
	"requested) VALUES (?1, ?2, ?3, ?4) RETURNING id";
static const char sql_optout_photo_add[] =
	"INSERT OR IGNORE INTO optout_photos(request_id, entry_id) "
	"VALUES (?1, ?2)";
/* Each requested photo with its latest change (every entry has one: its
 * addition, or the last of its removals and reinclusions) and the
 * releases the dataset had since the request.  Not through the changes
 * view: SQLite would materialise it, every entry of every dataset. */
static const char sql_optout_each[] =
	"SELECT " ENTRY_COLUMNS ", q.id, q.subscriber, q.dataset_id, "
	"q.release_id, q.requested, d.name, rq.seq, "
	"(SELECT count(*) FROM releases x WHERE x.dataset_id = q.dataset_id "
	"AND x.seq > rq.seq), coalesce(c.kind, 1), rc.seq, rc.ingested "
	"FROM optout_requests q JOIN datasets d ON d.id = q.dataset_id "
	"JOIN releases rq ON rq.id = q.release_id "
	"JOIN optout_photos p ON p.request_id = q.id "
	"JOIN entries e ON e.id = p.entry_id "
	"LEFT JOIN owners o ON o.id = e.owner_id "
	"LEFT JOIN change_log c ON c.entry_id = e.id AND c.release_id = "
	"(SELECT max(release_id) FROM change_log WHERE entry_id = e.id) "
	"JOIN releases rc ON rc.id = coalesce(c.release_id, e.first_release) "
	"WHERE (?1 IS NULL OR q.subscriber = ?1) ORDER BY q.id, e.key";

int store_optout_add(struct store *s, struct store_optout *q)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_optout_add, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, q->subscriber, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, q->dataset_id);
	sqlite3_bind_int64(st, 3, q->release_id);
	sqlite3_bind_int64(st, 4, q->requested);
	r = store_step(s, st);
	if (r <= 0)
		return r < 0 ? r : -EIO;
	q->id = sqlite3_column_int64(st, 0);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_optout_photo_add(struct store *s, int64_t request_id,
			   int64_t entry_id)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_optout_photo_add, request_id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, entry_id);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

static void optout_row_from(sqlite3_stmt *st, struct store_optout_row *row)
{
	int c = ENTRY_KIND_COLUMN;

	store_entry_from_row(st, &row->entry);
	row->request = (struct store_optout){
		.id = sqlite3_column_int64(st, c),
		.subscriber = store_column_text(st, c + 1),
		.dataset_id = sqlite3_column_int64(st, c + 2),
		.release_id = sqlite3_column_int64(st, c + 3),
		.requested = sqlite3_column_int64(st, c + 4),
	};
	row->dataset = store_column_text(st, c + 5);
	row->request_seq = sqlite3_column_int64(st, c + 6);
	row->later_releases = sqlite3_column_int64(st, c + 7);
	row->last_change = (enum store_change)sqlite3_column_int(st, c + 8);
	row->last_seq = sqlite3_column_int64(st, c + 9);
	row->last_ingested = sqlite3_column_int64(st, c + 10);
}

int store_optout_each(struct store *s, const char *subscriber,
		      int (*fn)(void *userdata,
				const struct store_optout_row *row),
		      void *userdata)
{
	struct store_optout_row row;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_optout_each, &r);
	if (!st)
		return r;
	store_bind_text_or_null(st, 1, subscriber);
	while ((r = store_step(s, st)) == 1) {
		optout_row_from(st, &row);
		r = fn(userdata, &row);
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}
