/*
 * alert.c: an alert's content, read from the outbox (alert.h).
 */
#include "alert/alert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "alert/channel.h"
#include "alert/photo.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

static const char *const event_types[] = {
	[STORE_EVENT_INCLUDED] = "photo.included",
	[STORE_EVENT_REMOVED] = "photo.removed",
	[STORE_EVENT_REINCLUDED] = "photo.reincluded",
	[STORE_EVENT_BASELINE] = "baseline",
};

const char *alert_channel_name(enum store_channel ch)
{
	const struct channel *c = channel_find(ch);

	return c ? c->name : "unknown";
}

const char *alert_state_name(enum store_alert_state state)
{
	static const char *const names[] = {
		[STORE_ALERT_PENDING] = "pending",
		[STORE_ALERT_SENT] = "sent",
		[STORE_ALERT_FAILED] = "failed",
	};

	return (unsigned)state < ELEMENTSOF(names) ? names[state] : "unknown";
}

const char *alert_event_type(enum store_event_type t)
{
	return t >= STORE_EVENT_INCLUDED && t <= STORE_EVENT_BASELINE
		       ? event_types[t]
		       : "";
}

/* Rows come one per photo, grouped by event. */
static int add_row(void *userdata, const struct store_event_row *row)
{
	struct alert *a = userdata;
	struct alert_event *ev =
		a->n_events ? &a->events[a->n_events - 1] : NULL;
	struct alert_photo *p;

	if (!ev || strcmp(ev->id, row->event.id) != 0) {
		a->events = xreallocarray(a->events, a->n_events + 1,
					  sizeof(*a->events));
		ev = &a->events[a->n_events++];
		*ev = (struct alert_event){
			.type = row->event.type,
			.created = row->event.created,
			.dataset = xstrdup(row->dataset),
			.release = row->release_seq,
			.release_time = row->release_time,
			.n_total = row->event.photos,
		};
		snprintf(ev->id, sizeof(ev->id), "%s", row->event.id);
		snprintf(ev->release_sha256, sizeof(ev->release_sha256), "%s",
			 row->release_sha256);
	}
	if (!row->entry.id)
		return 0;
	ev->photos = xreallocarray(ev->photos, ev->n_photos + 1,
				   sizeof(*ev->photos));
	p = &ev->photos[ev->n_photos++];
	p->strings = photo_entry_copy(&p->e, &row->entry);
	p->how = row->how;
	p->via = row->via;
	return 0;
}

/* Copies the alert's row into a new struct alert at *userdata. */
static int copy_alert(void *userdata, const struct store_alert *row)
{
	struct alert *a = xcalloc(1, sizeof(*a));

	snprintf(a->id, sizeof(a->id), "%s", row->id);
	a->subscriber = xstrdup(row->subscriber);
	a->channel = row->channel;
	a->kind = row->kind;
	a->created = row->created;
	a->due = row->due;
	a->attempts = row->attempts;
	a->notice = xstrdup(row->notice);
	snprintf(a->notice_type, sizeof(a->notice_type), "%s",
		 row->notice_type);
	*(struct alert **)userdata = a;
	return 0;
}

int alert_load(struct store *s, const char *id, struct alert **ret)
{
	struct alert *a = NULL;
	int r;

	r = store_alert_get(s, id, copy_alert, &a);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = store_alert_events_each(s, a->id, add_row, a);
	if (r < 0) {
		alert_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

struct alert *alert_free(struct alert *a)
{
	size_t i, j;

	if (!a)
		return NULL;
	for (i = 0; i < a->n_events; i++) {
		for (j = 0; j < a->events[i].n_photos; j++)
			free(a->events[i].photos[j].strings);
		free(a->events[i].photos);
		free(a->events[i].dataset);
	}
	free(a->events);
	free(a->subscriber);
	free(a->notice);
	free(a);
	return NULL;
}

/* An id no other message has: a test is never stored or retried, so
 * nothing needs to make it again, and two installations (or two tests in
 * one second) must not share it. */
static void random_id(char out[STORE_ALERT_ID_LEN + 1])
{
	unsigned char bytes[STORE_ALERT_ID_LEN / 2];
	size_t i;

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		abort(); /* the kernel's generator does not fail once seeded */
	for (i = 0; i < sizeof(bytes); i++)
		snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

struct alert *alert_test(const char *subscriber, enum store_channel channel,
			 int64_t now)
{
	struct alert *a = xcalloc(1, sizeof(*a));

	random_id(a->id);
	a->subscriber = xstrdup(subscriber);
	a->channel = channel;
	a->kind = STORE_ALERT_TEST;
	a->created = a->due = now;
	a->notice = xstrdup("");
	return a;
}

const char *alert_type_of(enum store_alert_kind kind,
			  enum store_event_type first_event,
			  const char *notice_type)
{
	switch (kind) {
	case STORE_ALERT_TEST:
		return "subscription.test";
	case STORE_ALERT_NOTICE:
		return notice_type;
	case STORE_ALERT_DIGEST:
		return "subscription.digest";
	default:
		/* An event's own name ("baseline", as `matches` and the
		 * metrics say it) has no namespace; a receiver's type has. */
		return first_event == STORE_EVENT_BASELINE
			       ? "subscription.baseline"
			       : alert_event_type(first_event);
	}
}

const char *alert_type(const struct alert *a)
{
	return alert_type_of(a->kind,
			     a->n_events ? a->events[0].type
					 : (enum store_event_type)0,
			     a->notice_type);
}

size_t alert_photos(const struct alert *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->n_events; i++)
		n += a->events[i].n_photos;
	return n;
}
