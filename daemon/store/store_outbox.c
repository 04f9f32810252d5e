/*
 * store_outbox.c: the SQL of the outbox (store_outbox.h).
 */
#include "store/store_outbox.h"

#include <errno.h>
#include <stdio.h>

#include "store/store_internal.h"

/* An event alert's type is its first event's, as alert_load() orders
 * them; one indexed look-up a row, so a listing needs no other query. */
#define ALERT_COLUMNS                                                         \
	"id, subscriber, channel, kind, created, due, state, attempts, "      \
	"coalesce(sent, 0), coalesce(last_reply, ''), coalesce(notice, ''), " \
	"coalesce(notice_type, ''), CASE kind WHEN 1 THEN coalesce((SELECT "  \
	"ev.type FROM alert_events ae JOIN events ev ON ev.id = ae.event_id " \
	"WHERE ae.alert_id = alerts.id ORDER BY ev.created, ev.rowid LIMIT "  \
	"1), 0) ELSE 0 END"

static const char sql_alert_add[] =
	"INSERT OR IGNORE INTO alerts(id, subscriber, channel, kind, created, "
	"due, notice, notice_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_alert_event_add[] =
	"INSERT OR IGNORE INTO alert_events(alert_id, event_id) VALUES (?1, ?2)";
static const char sql_alert_get[] =
	"SELECT " ALERT_COLUMNS " FROM alerts WHERE id = ?1";
static const char sql_alerts_due[] =
	"SELECT " ALERT_COLUMNS " FROM alerts WHERE state = 0 AND due <= ?1 "
	"ORDER BY due, id LIMIT ?2";
static const char sql_alerts_each[] =
	"SELECT " ALERT_COLUMNS " FROM alerts WHERE ?1 < 0 OR state = ?1 "
	"ORDER BY created, id";
static const char sql_alert_counts[] =
	"SELECT state, count(*) FROM alerts GROUP BY state";
static const char sql_alerts_due_count[] =
	"SELECT count(*) FROM alerts WHERE state = 0 AND due <= ?1";
static const char sql_attempt_add[] =
	"INSERT INTO attempts(alert_id, at, outcome, code, reply) "
	"VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_alert_moved[] =
	"UPDATE alerts SET attempts = attempts + 1, last_reply = ?5, "
	"state = CASE ?2 WHEN 1 THEN 1 WHEN 3 THEN 2 ELSE 0 END, "
	"sent = CASE ?2 WHEN 1 THEN ?3 ELSE sent END, due = ?4 WHERE id = ?1";
static const char sql_outbox_each[] =
	"SELECT " ALERT_COLUMNS ", t.at, t.outcome, t.code, t.reply "
	"FROM alerts LEFT JOIN attempts t ON t.alert_id = alerts.id "
	"WHERE ?1 < 0 OR state = ?1 ORDER BY created, id, t.at, t.rowid";
static const char sql_alert_retry[] =
	"UPDATE alerts SET due = ?2, "
	"attempts = CASE state WHEN 0 THEN attempts ELSE 0 END, state = 0 "
	"WHERE id = ?1";
static const char sql_endpoint_disable[] =
	"INSERT OR REPLACE INTO endpoints(url, disabled, reason) "
	"VALUES (?1, ?2, ?3)";
static const char sql_endpoint_disabled[] =
	"SELECT reason FROM endpoints WHERE url = ?1";

static void alert_from_row(sqlite3_stmt *st, struct store_alert *a)
{
	*a = (struct store_alert){
		.subscriber = store_column_text(st, 1),
		.channel = (enum store_channel)sqlite3_column_int(st, 2),
		.kind = (enum store_alert_kind)sqlite3_column_int(st, 3),
		.created = sqlite3_column_int64(st, 4),
		.due = sqlite3_column_int64(st, 5),
		.state = (enum store_alert_state)sqlite3_column_int(st, 6),
		.attempts = sqlite3_column_int64(st, 7),
		.sent = sqlite3_column_int64(st, 8),
		.last_reply = store_column_text(st, 9),
		.notice = store_column_text(st, 10),
		.notice_type = store_column_text(st, 11),
		.event_type = (enum store_event_type)sqlite3_column_int(st, 12),
	};
	store_column_copy(st, 0, a->id, sizeof(a->id));
}

int store_alert_add(struct store *s, const struct store_alert *a)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_alert_add, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->subscriber, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)a->channel);
	sqlite3_bind_int(st, 4, (int)a->kind);
	sqlite3_bind_int64(st, 5, a->created);
	sqlite3_bind_int64(st, 6, a->due);
	store_bind_text_or_null(st, 7, a->notice);
	store_bind_text_or_null(st, 8, a->notice_type);
	r = store_step(s, st);
	if (r < 0)
		return r;
	return sqlite3_changes(s->db) > 0;
}

int store_alert_event_add(struct store *s, const char *alert_id,
			  const char *event_id)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_alert_event_add, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, alert_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_alert_get(struct store *s, const char *id,
		    int (*fn)(void *userdata, const struct store_alert *a),
		    void *userdata)
{
	struct store_alert a;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_alert_get, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	r = store_step(s, st);
	if (r != 1)
		return r;
	alert_from_row(st, &a);
	r = fn(userdata, &a);
	/* Ends the read: a snapshot kept open would go stale. */
	sqlite3_reset(st);
	return r < 0 ? r : 1;
}

/* Steps st (bound) and calls fn with each alert. */
static int alert_rows(struct store *s, sqlite3_stmt *st,
		      int (*fn)(void *userdata, const struct store_alert *a),
		      void *userdata)
{
	struct store_alert a;
	int r;

	while ((r = store_step(s, st)) == 1) {
		alert_from_row(st, &a);
		r = fn(userdata, &a);
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	return r;
}

int store_alerts_due(struct store *s, int64_t now, unsigned limit,
		     int (*fn)(void *userdata, const struct store_alert *a),
		     void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_alerts_due, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, limit);
	return alert_rows(s, st, fn, userdata);
}

int store_alerts_each(struct store *s, int state,
		      int (*fn)(void *userdata, const struct store_alert *a),
		      void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_alerts_each, &r);
	if (!st)
		return r;
	sqlite3_bind_int(st, 1, state);
	return alert_rows(s, st, fn, userdata);
}

int store_alert_counts(struct store *s, int64_t counts[3])
{
	sqlite3_stmt *st;
	int r = 0, state;

	counts[0] = counts[1] = counts[2] = 0;
	st = store_stmt(s, sql_alert_counts, &r);
	if (!st)
		return r;
	while ((r = store_step(s, st)) == 1) {
		state = sqlite3_column_int(st, 0);
		if (state >= 0 && state < 3)
			counts[state] = sqlite3_column_int64(st, 1);
	}
	return r;
}

int store_alerts_due_count(struct store *s, int64_t now, int64_t *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_row_id(s, sql_alerts_due_count, now, &r);
	if (!st)
		return r < 0 ? r : -EIO; /* an aggregate always has a row */
	*ret = sqlite3_column_int64(st, 0);
	return store_stop(st, 0);
}

int store_attempt_add(struct store *s, const struct store_attempt *a,
		      int64_t next_due)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_attempt_add, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, a->alert_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->at);
	sqlite3_bind_int(st, 3, (int)a->outcome);
	sqlite3_bind_int(st, 4, a->code);
	sqlite3_bind_text(st, 5, a->reply, -1, SQLITE_STATIC);
	r = store_step(s, st);
	if (r < 0)
		return r;
	st = store_stmt(s, sql_alert_moved, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, a->alert_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)a->outcome);
	sqlite3_bind_int64(st, 3, a->at);
	sqlite3_bind_int64(st, 4, next_due);
	sqlite3_bind_text(st, 5, a->reply, -1, SQLITE_STATIC);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_outbox_each(struct store *s, int state,
		      int (*fn)(void *userdata, const struct store_alert *a,
				const struct store_attempt *attempt),
		      void *userdata)
{
	struct store_alert a;
	struct store_attempt t;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_outbox_each, &r);
	if (!st)
		return r;
	sqlite3_bind_int(st, 1, state);
	while ((r = store_step(s, st)) == 1) {
		alert_from_row(st, &a);
		t = (struct store_attempt){
			.alert_id = a.id,
			.at = sqlite3_column_int64(st, 13),
			.outcome =
				(enum store_attempt_outcome)sqlite3_column_int(
					st, 14),
			.code = sqlite3_column_int(st, 15),
			.reply = store_column_text(st, 16),
		};
		r = fn(userdata, &a,
		       sqlite3_column_type(st, 13) == SQLITE_NULL ? NULL : &t);
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}

int store_alert_retry(struct store *s, const char *id, int64_t now)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_alert_retry, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	r = store_step(s, st);
	if (r < 0)
		return r;
	return sqlite3_changes(s->db) > 0;
}

int store_endpoint_disable(struct store *s, const char *url, int64_t at,
			   const char *reason)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_endpoint_disable, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_endpoint_disabled(struct store *s, const char *url, char *reason,
			    size_t size)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_endpoint_disabled, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	r = store_step(s, st);
	if (r == 1) {
		store_column_copy(st, 0, reason, size);
		sqlite3_reset(st);
	}
	return r;
}
