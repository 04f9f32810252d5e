/*
 * store_events.c: the SQL of events and of the lookups matching needs
 * (store_events.h).
 */
#include "store/store_events.h"

#include <errno.h>
#include <stdio.h>

#include "store/store_internal.h"

static const char sql_event_add[] =
	"INSERT OR IGNORE INTO events(id, type, subscriber, dataset_id, "
	"release_id, created, photos) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_event_photo_add[] =
	"INSERT OR IGNORE INTO event_photos(event_id, entry_id, match, via) "
	"VALUES (?1, ?2, ?3, ?4)";
static const char sql_event_set_photos[] =
	"UPDATE events SET photos = ?2 WHERE id = ?1";
static const char sql_watch_seen[] =
	"SELECT fingerprint FROM watch_seen WHERE dataset_id = ?1";
static const char sql_watch_seen_add[] =
	"INSERT OR IGNORE INTO watch_seen(fingerprint, dataset_id, release_id) "
	"VALUES (?1, ?2, ?3)";
static const char sql_photo_owner[] =
	"SELECT " ENTRY_COLUMNS " FROM entries e JOIN owners o ON "
	"o.id = e.owner_id WHERE e.photo_id = ?2 AND e.dataset_id = ?1 LIMIT 1";
/* How an owner row matched the query ?5 NSID, ?6 alias, ?7 name. */
#define OWNER_MATCHES                                                \
	"((?5 != '' AND o.nsid = ?5) OR (?6 != '' AND o.alias = ?6 " \
	"COLLATE NOCASE) OR (?7 != '' AND o.name = ?7 COLLATE NOCASE))"
#define OWNER_HOW                                                      \
	"CASE WHEN ?5 != '' AND o.nsid = ?5 THEN 2 WHEN ?6 != '' AND " \
	"o.alias = ?6 COLLATE NOCASE THEN 3 ELSE 4 END"
static const char sql_present_matching[] =
	"WITH hits(entry_id, how, via) AS ("
	"SELECT e.id, 1, 1 FROM entries e WHERE ?4 != 0 AND e.photo_id = ?4 "
	"AND e.dataset_id = ?1 "
	"UNION ALL SELECT e.id, " OWNER_HOW ", 1 FROM owners o JOIN entries e "
	"ON e.owner_id = o.id AND e.dataset_id = ?1 WHERE " OWNER_MATCHES " "
	"UNION ALL SELECT d.id, " OWNER_HOW ", 2 FROM owners o JOIN entries y "
	"ON y.owner_id = o.id AND y.dataset_id = ?3 JOIN entries d ON "
	"d.photo_id = y.photo_id AND d.dataset_id = ?1 AND d.owner_id IS NULL "
	"WHERE ?3 != 0 AND " OWNER_MATCHES ") "
	"SELECT " ENTRY_COLUMNS ", h.how, h.via FROM hits h "
	"JOIN entries e ON e.id = h.entry_id "
	"LEFT JOIN owners o ON o.id = e.owner_id "
	"WHERE coalesce((SELECT c.kind IN (1, 3) FROM changes c WHERE "
	"c.entry_id = h.entry_id AND c.release_id <= ?2 ORDER BY c.release_id "
	"DESC LIMIT 1), 0) ORDER BY e.key";
/* An entry without an owner gets the one the ownership table gave it
 * (an event photo found via the ownership table, p.via = 2). */
#define OWNER_OF_ENTRY                                                          \
	"LEFT JOIN owners o ON o.id = coalesce(e.owner_id, (SELECT y.owner_id " \
	"FROM entries y WHERE p.via = 2 AND y.photo_id = e.photo_id AND "       \
	"y.owner_id IS NOT NULL LIMIT 1)) "
/* Events, one row per photo (an empty baseline once); then WHERE ... */
#define EVENT_ROWS                                                           \
	"SELECT " ENTRY_COLUMNS ", ev.id, ev.type, ev.subscriber, "          \
	"ev.dataset_id, ev.release_id, ev.created, ev.photos, d.name, "      \
	"r.seq, coalesce(p.match, 0), coalesce(p.via, 0), r.sha256, "        \
	"r.ingested FROM events ev JOIN datasets d ON d.id = ev.dataset_id " \
	"JOIN releases r ON r.id = ev.release_id "                           \
	"LEFT JOIN event_photos p ON p.event_id = ev.id "                    \
	"LEFT JOIN entries e ON e.id = p.entry_id " OWNER_OF_ENTRY "WHERE "
#define EVENT_ORDER " ORDER BY ev.created, ev.rowid, e.photo_id, e.key"
static const char sql_events[] = EVENT_ROWS
	"(?1 IS NULL OR ev.subscriber = ?1) AND ev.created >= ?2" EVENT_ORDER;
static const char sql_alert_events[] =
	EVENT_ROWS "ev.id IN (SELECT event_id FROM alert_events WHERE "
		   "alert_id = ?1)" EVENT_ORDER;
/* The entry columns are the same across a group (one entry). */
static const char sql_subscriber_matches[] =
	"SELECT " ENTRY_COLUMNS ", min(p.match), min(p.via), d.name, "
	"ev.dataset_id, coalesce((SELECT c.kind != 2 FROM changes c WHERE "
	"c.entry_id = e.id ORDER BY c.release_id DESC LIMIT 1), 0) "
	"FROM events ev JOIN event_photos p ON p.event_id = ev.id "
	"JOIN entries e ON e.id = p.entry_id " OWNER_OF_ENTRY
	"JOIN datasets d ON d.id = ev.dataset_id "
	"WHERE ev.subscriber = ?1 AND (?2 = 0 OR ev.dataset_id = ?2) "
	"GROUP BY e.id ORDER BY d.name, e.photo_id, e.key";

int store_event_add(struct store *s, const struct store_event *e)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_event_add, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)e->type);
	sqlite3_bind_text(st, 3, e->subscriber, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, e->dataset_id);
	sqlite3_bind_int64(st, 5, e->release_id);
	sqlite3_bind_int64(st, 6, e->created);
	sqlite3_bind_int64(st, 7, e->photos);
	r = store_step(s, st);
	if (r < 0)
		return r;
	return sqlite3_changes(s->db) > 0;
}

int store_event_photo_add(struct store *s, const char *event_id,
			  int64_t entry_id, enum store_match how,
			  enum store_via via)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_event_photo_add, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, event_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, entry_id);
	sqlite3_bind_int(st, 3, (int)how);
	sqlite3_bind_int(st, 4, (int)via);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_event_set_photos(struct store *s, const char *event_id,
			   int64_t photos)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_event_set_photos, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, event_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, photos);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_watch_seen_each(struct store *s, int64_t dataset_id,
			  int (*fn)(void *userdata, const char *fingerprint),
			  void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_watch_seen, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, dataset_id);
	while ((r = store_step(s, st)) == 1) {
		r = fn(userdata, store_column_text(st, 0));
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	return r;
}

int store_watch_seen_add(struct store *s, const char *fingerprint,
			 int64_t dataset_id, int64_t release_id)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_watch_seen_add, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, dataset_id);
	sqlite3_bind_int64(st, 3, release_id);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_photo_owner(struct store *s, int64_t ownership_dataset_id,
		      uint64_t photo_id, struct store_entry *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_photo_owner, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, ownership_dataset_id);
	sqlite3_bind_int64(st, 2, (int64_t)photo_id);
	r = store_step(s, st);
	if (r == 1)
		store_entry_from_row(st,
				     ret); /* borrowed until the next reset */
	return r;
}

static const char sql_present_each[] =
	"SELECT " ENTRY_COLUMNS " FROM entries e "
	"LEFT JOIN owners o ON o.id = e.owner_id WHERE e.dataset_id = ?1 AND "
	"coalesce((SELECT c.kind IN (1, 3) FROM changes c WHERE c.entry_id = "
	"e.id AND c.release_id <= ?2 ORDER BY c.release_id DESC LIMIT 1), 0)";

int store_present_each(struct store *s, int64_t dataset_id, int64_t release_id,
		       int (*fn)(void *userdata, const struct store_entry *e),
		       void *userdata)
{
	struct store_entry e;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_present_each, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, dataset_id);
	sqlite3_bind_int64(st, 2, release_id);
	while ((r = store_step(s, st)) == 1) {
		store_entry_from_row(st, &e);
		r = fn(userdata, &e);
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	return r;
}

int store_present_matching(struct store *s, int64_t dataset_id,
			   int64_t release_id, int64_t ownership_dataset_id,
			   const struct store_query *q,
			   int (*fn)(void *userdata, enum store_match how,
				     enum store_via via,
				     const struct store_entry *e),
			   void *userdata)
{
	struct store_entry e;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_present_matching, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, dataset_id);
	sqlite3_bind_int64(st, 2, release_id);
	sqlite3_bind_int64(st, 3, ownership_dataset_id);
	sqlite3_bind_int64(st, 4, (int64_t)q->photo_id);
	sqlite3_bind_text(st, 5, q->nsid ? q->nsid : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, q->alias ? q->alias : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, q->name ? q->name : "", -1, SQLITE_STATIC);
	while ((r = store_step(s, st)) == 1) {
		store_entry_from_row(st, &e);
		r = fn(userdata,
		       (enum store_match)sqlite3_column_int(st,
							    ENTRY_KIND_COLUMN),
		       (enum store_via)sqlite3_column_int(
			       st, ENTRY_KIND_COLUMN + 1),
		       &e);
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	return r;
}

static void event_row_from(sqlite3_stmt *st, struct store_event_row *row)
{
	int c = ENTRY_KIND_COLUMN;

	store_entry_from_row(st, &row->entry);
	row->event = (struct store_event){
		.type = (enum store_event_type)sqlite3_column_int(st, c + 1),
		.subscriber = store_column_text(st, c + 2),
		.dataset_id = sqlite3_column_int64(st, c + 3),
		.release_id = sqlite3_column_int64(st, c + 4),
		.created = sqlite3_column_int64(st, c + 5),
		.photos = sqlite3_column_int64(st, c + 6),
	};
	snprintf(row->event.id, sizeof(row->event.id), "%s",
		 store_column_text(st, c));
	row->dataset = store_column_text(st, c + 7);
	row->release_seq = sqlite3_column_int64(st, c + 8);
	row->how = (enum store_match)sqlite3_column_int(st, c + 9);
	row->via = (enum store_via)sqlite3_column_int(st, c + 10);
	row->release_sha256 = store_column_text(st, c + 11);
	row->release_time = sqlite3_column_int64(st, c + 12);
}

/* Steps st (bound) and calls fn with each event row. */
static int event_rows(struct store *s, sqlite3_stmt *st,
		      int (*fn)(void *userdata,
				const struct store_event_row *row),
		      void *userdata)
{
	struct store_event_row row;
	int r;

	while ((r = store_step(s, st)) == 1) {
		event_row_from(st, &row);
		r = fn(userdata, &row);
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	return r;
}

int store_events_each(struct store *s, const char *subscriber, int64_t since,
		      int (*fn)(void *userdata,
				const struct store_event_row *row),
		      void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_events, &r);
	if (!st)
		return r;
	store_bind_text_or_null(st, 1, subscriber);
	sqlite3_bind_int64(st, 2, since);
	return event_rows(s, st, fn, userdata);
}

int store_alert_events_each(struct store *s, const char *alert_id,
			    int (*fn)(void *userdata,
				      const struct store_event_row *row),
			    void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_alert_events, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, alert_id, -1, SQLITE_STATIC);
	return event_rows(s, st, fn, userdata);
}

int store_subscriber_matches_each(struct store *s, const char *subscriber,
				  int64_t dataset_id,
				  int (*fn)(void *userdata,
					    const struct store_match_row *row),
				  void *userdata)
{
	int c = ENTRY_KIND_COLUMN;
	struct store_match_row row;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_subscriber_matches, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, subscriber, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, dataset_id);
	while ((r = store_step(s, st)) == 1) {
		store_entry_from_row(st, &row.entry);
		row.how = (enum store_match)sqlite3_column_int(st, c);
		row.via = (enum store_via)sqlite3_column_int(st, c + 1);
		row.dataset = store_column_text(st, c + 2);
		row.dataset_id = sqlite3_column_int64(st, c + 3);
		row.present = sqlite3_column_int(st, c + 4) != 0;
		r = fn(userdata, &row);
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	return r;
}
