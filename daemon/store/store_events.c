/*
 * store_events.c: the SQL of events and of the lookups matching needs
 * (store_events.h).
 */
#include "store/store_events.h"

#include <errno.h>
#include <stdio.h>

#include "lib/buf.h"
#include "store/store_internal.h"

static const char sql_event_add[] =
	"INSERT OR IGNORE INTO events(id, type, subscriber, dataset_id, "
	"release_id, created, photos) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_event_photo_add[] =
	"INSERT OR IGNORE INTO event_photos(event_id, entry_id, match, via, "
	"owner_entry) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_event_set_photos[] =
	"UPDATE events SET photos = ?2 WHERE id = ?1";
static const char sql_watch_seen[] =
	"SELECT fingerprint FROM watch_seen WHERE dataset_id = ?1";
static const char sql_watch_seen_add[] =
	"INSERT OR IGNORE INTO watch_seen(fingerprint, dataset_id, release_id) "
	"VALUES (?1, ?2, ?3)";
/* The earliest entry of the photo that names an NSID or alias (owner.h). */
static const char sql_photo_owner[] =
	"SELECT " ENTRY_COLUMNS " FROM entries e JOIN owners o ON "
	"o.id = e.owner_id WHERE e.photo_id = ?2 AND e.dataset_id = ?1 AND "
	"(o.nsid != '' OR o.alias != '') ORDER BY e.id LIMIT 1";
/* Whether an owner row matches the query ?5 NSID, ?6 alias, ?7 name. */
#define OWNER_MATCHES                                                \
	"((?5 != '' AND o.nsid = ?5) OR (?6 != '' AND o.alias = ?6 " \
	"COLLATE NOCASE) OR (?7 != '' AND o.name = ?7 COLLATE NOCASE))"
/* Whether entry e is in release rel (of its dataset): seen by then, and
 * its last removal or reinclusion up to it (if any) a reinclusion.  Not
 * through the changes view: SQLite would materialise the view. */
#define PRESENT_IN(rel)                                                     \
	"e.first_release <= " rel " AND coalesce((SELECT c.kind = 3 FROM "  \
	"change_log c WHERE c.entry_id = e.id AND c.release_id <= " rel " " \
	"ORDER BY c.release_id DESC LIMIT 1), 1)"
/* ?3: the ownership datasets' ids as a JSON array. */
static const char sql_present_candidates[] =
	"WITH hits(entry_id) AS ("
	"SELECT e.id FROM entries e WHERE ?4 != 0 AND e.photo_id = ?4 "
	"AND e.dataset_id = ?1 "
	"UNION SELECT e.id FROM owners o JOIN entries e "
	"ON e.owner_id = o.id AND e.dataset_id = ?1 WHERE " OWNER_MATCHES " "
	"UNION SELECT d.id FROM owners o JOIN entries y ON y.owner_id = o.id "
	"AND y.dataset_id IN (SELECT value FROM json_each(?3)) "
	"JOIN entries d ON d.photo_id = y.photo_id AND d.dataset_id = ?1 "
	"LEFT JOIN owners n ON n.id = d.owner_id WHERE " OWNER_MATCHES " "
	"AND coalesce(n.nsid, '') = '' AND coalesce(n.alias, '') = '') "
	"SELECT " ENTRY_COLUMNS " FROM hits h "
	"JOIN entries e ON e.id = h.entry_id "
	"LEFT JOIN owners o ON o.id = e.owner_id "
	"WHERE " PRESENT_IN("?2") " ORDER BY e.key";
/*
 * event_photos.via says how the photo's owner was found (enum store_via)
 * and, for STORE_VIA_OWNERSHIP, owner_entry is the ownership dataset's
 * entry that named the owner: a listing shows the owner the event was
 * about, whatever the ownership datasets or the configuration say later.
 * Rows written before owner_entry existed have none; for them any entry
 * of the photo naming an owner stands in, as it did then.
 */
#define VIA_KIND "p.via"
/* The owner of entry e of event photo p. */
#define OWNER_OF_ENTRY                                                         \
	"LEFT JOIN owners o ON o.id = CASE WHEN p.via = 2 THEN "               \
	"coalesce((SELECT y.owner_id FROM entries y WHERE y.id = "             \
	"p.owner_entry), e.owner_id, (SELECT y.owner_id FROM entries y WHERE " \
	"y.photo_id = e.photo_id AND y.owner_id IS NOT NULL ORDER BY y.id "    \
	"LIMIT 1)) ELSE e.owner_id END "
/* Events, one row per photo (an empty baseline once); then WHERE ... */
#define EVENT_ROWS                                                           \
	"SELECT " ENTRY_COLUMNS ", ev.id, ev.type, ev.subscriber, "          \
	"ev.dataset_id, ev.release_id, ev.created, ev.photos, d.name, "      \
	"r.seq, coalesce(p.match, 0), coalesce(" VIA_KIND ", 0), r.sha256, " \
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
/* Per entry: the best match of any event; the owner of the newest;
 * whether it is present now (its last removal or reinclusion, if any,
 * from change_log: SQLite would materialise the changes view). */
static const char sql_subscriber_matches[] =
	"SELECT " ENTRY_COLUMNS ", p.how, " VIA_KIND ", d.name, p.dataset_id, "
	"coalesce((SELECT c.kind != 2 FROM change_log c WHERE c.entry_id = "
	"e.id ORDER BY c.release_id DESC LIMIT 1), 1) "
	"FROM (SELECT q.entry_id, ev.dataset_id, q.via, q.owner_entry, "
	"min(q.match) OVER "
	"(PARTITION BY q.entry_id) AS how, row_number() OVER (PARTITION BY "
	"q.entry_id ORDER BY ev.created DESC, ev.rowid DESC) AS newest "
	"FROM events ev JOIN event_photos q ON q.event_id = ev.id "
	"WHERE ev.subscriber = ?1 AND (?2 = 0 OR ev.dataset_id = ?2)) p "
	"JOIN entries e ON e.id = p.entry_id " OWNER_OF_ENTRY
	"JOIN datasets d ON d.id = p.dataset_id WHERE p.newest = 1 "
	"ORDER BY d.name, e.photo_id, e.key";

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
			  enum store_via via, int64_t owner_entry)
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
	if (via == STORE_VIA_OWNERSHIP && owner_entry > 0)
		sqlite3_bind_int64(st, 5, owner_entry);
	else
		sqlite3_bind_null(st, 5);
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

	st = store_stmt_id(s, sql_watch_seen, dataset_id, &r);
	if (!st)
		return r;
	while ((r = store_step(s, st)) == 1) {
		r = fn(userdata, store_column_text(st, 0));
		if (r < 0)
			return store_stop(st, r);
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

	st = store_stmt_id(s, sql_photo_owner, ownership_dataset_id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, (int64_t)photo_id);
	r = store_step(s, st);
	if (r == 1)
		store_entry_from_row(st,
				     ret); /* borrowed until the next reset */
	return r;
}

static const char sql_present_each[] =
	"SELECT " ENTRY_COLUMNS " FROM entries e "
	"LEFT JOIN owners o ON o.id = e.owner_id WHERE e.dataset_id = ?1 AND " PRESENT_IN(
		"?2");

/* Steps st (bound) and calls fn with each entry row. */
static int entry_rows(struct store *s, sqlite3_stmt *st,
		      int (*fn)(void *userdata, const struct store_entry *e),
		      void *userdata)
{
	struct store_entry e;
	int r;

	while ((r = store_step(s, st)) == 1) {
		store_entry_from_row(st, &e);
		r = fn(userdata, &e);
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}

int store_present_each(struct store *s, int64_t dataset_id, int64_t release_id,
		       int (*fn)(void *userdata, const struct store_entry *e),
		       void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_present_each, dataset_id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, release_id);
	return entry_rows(s, st, fn, userdata);
}

int store_present_candidates(struct store *s, int64_t dataset_id,
			     int64_t release_id, const int64_t *ownership,
			     size_t n_ownership, const struct store_query *q,
			     int (*fn)(void *userdata,
				       const struct store_entry *e),
			     void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_present_candidates, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, dataset_id);
	sqlite3_bind_int64(st, 2, release_id);
	store_bind_json_ids(st, 3, ownership, n_ownership);
	sqlite3_bind_int64(st, 4, (int64_t)q->photo_id);
	sqlite3_bind_text(st, 5, q->nsid ? q->nsid : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, q->alias ? q->alias : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, q->name ? q->name : "", -1, SQLITE_STATIC);
	return entry_rows(s, st, fn, userdata);
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
		if (r < 0)
			return store_stop(st, r);
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
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}
