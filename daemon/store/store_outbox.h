/*
 * store_outbox.h: the outbox in the database: alerts, their events, every
 * delivery attempt, and webhook endpoints disabled by a 410.
 *
 * An alert is written in the transaction that records its events, so an
 * event is never without its alerts.  The delivery worker reads the due
 * ones and records each attempt with the alert's new state in one
 * statement pair; an alert is sent only once an attempt says so.
 */
#ifndef SCRAPEWATCH_STORE_OUTBOX_H
#define SCRAPEWATCH_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store/store_events.h"

#define STORE_ALERT_ID_LEN 32 /* hex digits */

struct store_alert {
	char id[STORE_ALERT_ID_LEN + 1];
	const char *subscriber; /* "" for the operator */
	enum store_channel channel;
	enum store_alert_kind kind;
	int64_t created, due;
	enum store_alert_state state;
	int64_t attempts, sent; /* sent: 0 until it is */
	const char *last_reply; /* "" before the first attempt */
	const char *notice;	/* "" unless a notice */
	/* A notice's type ("dataset.failing"), kept in a column of its own;
	 * "" unless a notice. */
	const char *notice_type;
	/* An event alert's type: its first event's (what alert_load() would
	 * give it); 0 for other kinds. */
	enum store_event_type event_type;
};

/* Adds an alert (notice and notice_type: "" or NULL for none) unless one
 * with its id exists.  Returns 1 if added, 0 if it existed, or -errno. */
int store_alert_add(struct store *s, const struct store_alert *a);

/* Adds an event to an alert.  Returns 0 or -errno. */
int store_alert_event_add(struct store *s, const char *alert_id,
			  const char *event_id);

/* Calls fn with the alert id (its strings borrowed for the call only), and
 * ends the read before returning.  Returns 1 once fn returned >= 0, 0 if
 * there is no such alert, fn's negative value, or -errno. */
int store_alert_get(struct store *s, const char *id,
		    int (*fn)(void *userdata, const struct store_alert *a),
		    void *userdata);

/* Calls fn for up to limit pending alerts due at or before now, the most
 * overdue first.  Returns 0, fn's negative value, or -errno. */
int store_alerts_due(struct store *s, int64_t now, unsigned limit,
		     int (*fn)(void *userdata, const struct store_alert *a),
		     void *userdata);

/* Calls fn for each alert in state (or every alert: -1), oldest first. */
int store_alerts_each(struct store *s, int state,
		      int (*fn)(void *userdata, const struct store_alert *a),
		      void *userdata);

/* Counts alerts per state into counts[3]. */
int store_alert_counts(struct store *s, int64_t counts[3]);

/* Counts the pending alerts due at or before now into *ret.  Returns 0 or
 * -errno. */
int store_alerts_due_count(struct store *s, int64_t now, int64_t *ret);

enum store_attempt_outcome {
	STORE_ATTEMPT_SENT = 1,
	STORE_ATTEMPT_RETRY = 2,
	STORE_ATTEMPT_FAILED = 3,
};

struct store_attempt {
	const char *alert_id;
	int64_t at;
	enum store_attempt_outcome outcome;
	int code;	   /* HTTP status or SMTP reply code; 0: none */
	const char *reply; /* the server's words, or why it failed */
};

/*
 * Records an attempt and moves its alert on: sent (outcome SENT), failed
 * (FAILED), or pending again at next_due (RETRY).  Returns 0 or -errno.
 */
int store_attempt_add(struct store *s, const struct store_attempt *a,
		      int64_t next_due);

/*
 * The outbox listing, in one query: calls fn for each attempt of each
 * alert in state (or every alert: -1), alerts oldest first and each one's
 * attempts oldest first; once with attempt NULL for an alert without any.
 * Strings are borrowed for the call.  Returns 0, fn's negative value, or
 * -errno.
 */
int store_outbox_each(struct store *s, int state,
		      int (*fn)(void *userdata, const struct store_alert *a,
				const struct store_attempt *attempt),
		      void *userdata);

/* Makes an alert due at now: a sent or failed one pending again with a
 * fresh retry schedule, a pending one (a digest, a retry) at once.
 * Returns 1 if it did, 0 if there is no such alert, or -errno. */
int store_alert_retry(struct store *s, const char *id, int64_t now);

/* Disables a webhook URL (a 410 Gone).  Returns 0 or -errno. */
int store_endpoint_disable(struct store *s, const char *url, int64_t at,
			   const char *reason);

/* Returns 1 and why in reason if url is disabled, 0 if not, or -errno. */
int store_endpoint_disabled(struct store *s, const char *url, char *reason,
			    size_t size);

#endif
