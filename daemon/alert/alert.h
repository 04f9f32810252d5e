/*
 * alert.h: what one alert says, read from the outbox: its events, each
 * with its dataset, release and photos; or an operator notice.  The email
 * and webhook renderers work from this, so both channels say the same,
 * and every retry of an alert says exactly what the first attempt said.
 */
#ifndef SCRAPEWATCH_ALERT_H
#define SCRAPEWATCH_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store_outbox.h"

struct alert_photo {
	struct store_entry e; /* strings in the block below */
	char *strings;	      /* owned */
	enum store_match how;
	enum store_via via;
};

struct alert_event {
	char id[STORE_EVENT_ID_LEN + 1];
	enum store_event_type type;
	int64_t created;
	char *dataset; /* owned: name */
	int64_t release;
	char release_sha256[65];
	int64_t release_time;
	int64_t n_total; /* photos in the event (a baseline may be 0) */
	struct alert_photo *photos;
	size_t n_photos;
};

struct alert {
	char id[STORE_ALERT_ID_LEN + 1];
	char *subscriber; /* owned; "" for the operator */
	enum store_channel channel;
	enum store_alert_kind kind;
	int64_t created, due, attempts;
	char *notice;	      /* owned: an operator notice's JSON, else "" */
	char notice_type[64]; /* a notice's type, from its row; else "" */
	struct alert_event *events;
	size_t n_events;
};

/* Reads alert id and its events.  Returns 0 and a new alert in *ret,
 * -ENOENT if there is no such alert, or -errno. */
int alert_load(struct store *s, const char *id, struct alert **ret);
struct alert *alert_free(struct alert *a);

/* What a test message says. */
#define TEST_MESSAGE                                                   \
	"This is a test message from scrapewatch. It reached you, so " \
	"alerts about your photos will too."

/* A test message for one channel of a subscriber (never stored), under a
 * random id. */
struct alert *alert_test(const char *subscriber, enum store_channel channel,
			 int64_t now);

/* The alert's type as receivers see it: an event's ("photo.included",
 * "photo.removed", "photo.reincluded", "subscription.baseline"),
 * "subscription.digest", "subscription.test", or the notice's
 * ("dataset.failing", ...). */
const char *alert_type(const struct alert *a);

/* The same from what an alert's row says, for a listing that does not load
 * the alert: its kind, an event alert's first event type (0 for none) and
 * a notice's type ("" or NULL for the others). */
const char *alert_type_of(enum store_alert_kind kind,
			  enum store_event_type first_event,
			  const char *notice_type);

/* A channel's name from the channel table ("email", "webhook"), or
 * "unknown" for an id the table does not have. */
const char *alert_channel_name(enum store_channel ch);

/* An event type's name ("photo.included", "baseline"). */
const char *alert_event_type(enum store_event_type t);

/* An alert state's name: "pending", "sent" or "failed". */
const char *alert_state_name(enum store_alert_state state);

/* Photos in all the alert's events. */
size_t alert_photos(const struct alert *a);

#endif
