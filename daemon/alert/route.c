/*
 * route.c: events and notices into alerts (route.h).
 *
 * Which channels a subscriber or the operator has is the channel table's
 * answer (channel_route()); this file only queues one alert per channel.
 * Alert ids are hashes of what the alert is, after the installation id
 * (store_installation_id()): "event", the event id, the release's SHA-256
 * and the channel; "digest", subscriber, channel, period start and
 * generation; "notice", type, key and channel.  The same alert is
 * therefore never queued twice and keeps its id across retries, while
 * another installation, or another release file, never makes that id:
 * receivers and mail services drop a webhook-id or Message-ID they saw.
 */
#include "alert/route.h"

#include <stdio.h>
#include <string.h>

#include "alert/alert.h"
#include "alert/channel.h"
#include "lib/buf.h"
#include "lib/hashid.h"
#include "lib/macro.h"
#include "store/store.h"
#include "store/store_outbox.h"

#define HOUR   3600
#define DAY    (24 * HOUR)
#define WEEK   (7 * DAY)
#define MONDAY (4 * DAY) /* 1970-01-01 was a Thursday */

static int64_t floor_to(int64_t t, int64_t unit, int64_t origin)
{
	int64_t x = t - origin;

	return (x >= 0 ? x / unit : -((-x + unit - 1) / unit)) * unit + origin;
}

void route_period(enum config_digest d, int64_t t, int64_t *start, int64_t *end)
{
	int64_t unit = d == CONFIG_DIGEST_HOURLY   ? HOUR
		       : d == CONFIG_DIGEST_DAILY  ? DAY
		       : d == CONFIG_DIGEST_WEEKLY ? WEEK
						   : 0;

	if (!unit) {
		*start = *end = t;
		return;
	}
	*start = floor_to(t, unit, d == CONFIG_DIGEST_WEEKLY ? MONDAY : 0);
	*end = *start + unit;
}

/* Notes in *userdata (a bool) whether the alert is still pending. */
static int note_pending(void *userdata, const struct store_alert *a)
{
	*(bool *)userdata = a->state == STORE_ALERT_PENDING;
	return 0;
}

/* Adds e to the subscriber's digest of its period on a's channel.  A
 * digest already sent (flushed early with outbox retry) is not added to:
 * the period's next generation is, under an id of its own, since a
 * receiver would take the same id for the copy it already has.  inst_id:
 * store_installation_id(). */
static int digest_alert(struct store *s, const struct config_subscriber *sub,
			struct store_alert *a, const struct store_event *e,
			const char *inst_id)
{
	const char *ch = alert_channel_name(a->channel);
	char start[24], gen[24];
	const char *parts[] = {"digest", inst_id, sub->name, ch, start, gen};
	bool pending;
	int64_t from;
	unsigned g;
	int r = 0;

	route_period(sub->digest, e->created, &from, &a->due);
	snprintf(start, sizeof(start), "%lld", (long long)from);
	for (g = 0; r >= 0; g++) {
		snprintf(gen, sizeof(gen), "%u", g);
		hashid_of(a->id, parts, ELEMENTSOF(parts));
		r = store_alert_add(s, a);
		if (r == 0) {
			pending = false;
			r = store_alert_get(s, a->id, note_pending, &pending);
			if (r >= 0)
				r = pending ? 1 : 0;
		}
		if (r == 1)
			break;
	}
	if (r >= 0)
		r = store_alert_event_add(s, a->id, e->id);
	return r < 0 ? r : 1;
}

/* Queues e on one channel.  Returns 1 or -errno. */
static int event_alert(struct store *s, const struct config_subscriber *sub,
		       enum store_channel ch, const struct store_event *e)
{
	bool digest = sub->digest != CONFIG_DIGEST_NONE &&
		      e->type != STORE_EVENT_BASELINE;
	struct store_alert a = {
		.subscriber = sub->name,
		.channel = ch,
		.kind = digest ? STORE_ALERT_DIGEST : STORE_ALERT_EVENT,
		.created = e->created,
		.due = e->created,
	};
	char installation[STORE_INSTALLATION_ID_LEN + 1], sha256[65];
	const char *parts[] = {"event", installation, e->id, sha256,
			       alert_channel_name(ch)};
	int r;

	r = store_installation_id(s, installation);
	if (r < 0)
		return r;
	if (digest)
		return digest_alert(s, sub, &a, e, installation);
	r = store_release_sha256(s, e->release_id, sha256);
	if (r < 0)
		return r;
	hashid_of(a.id, parts, ELEMENTSOF(parts));
	r = store_alert_add(s, &a);
	if (r >= 0)
		r = store_alert_event_add(s, a.id, e->id);
	return r < 0 ? r : 1;
}

int route_event(struct store *s, const struct config *c,
		const struct config_subscriber *sub,
		const struct store_event *e)
{
	const struct channel *ch;
	size_t i;
	int n = 0, r;

	if (e->type == STORE_EVENT_BASELINE && e->photos == 0)
		return 0;
	for (i = 0; (ch = channel_at(i)); i++) {
		if (!channel_route(ch, c, sub))
			continue;
		r = event_alert(s, sub, ch->id, e);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

static int notice_alert(struct store *s, enum store_channel ch,
			const char *type, const char *key, const char *json,
			int64_t now)
{
	char installation[STORE_INSTALLATION_ID_LEN + 1];
	const char *parts[] = {"notice", installation, type, key,
			       alert_channel_name(ch)};
	struct store_alert a = {
		.subscriber = "",
		.channel = ch,
		.kind = STORE_ALERT_NOTICE,
		.created = now,
		.due = now,
		.notice = json,
		.notice_type = type,
	};
	int r;

	r = store_installation_id(s, installation);
	if (r < 0)
		return r;
	hashid_of(a.id, parts, ELEMENTSOF(parts));
	r = store_alert_add(s, &a);
	return r < 0 ? r : 0;
}

int route_notice(struct store *s, const struct config *c, const char *type,
		 const char *key, const char *data, int64_t now)
{
	const struct channel *ch;
	struct buf json;
	size_t i;
	int r = 0;

	buf_init(&json, 1 << 20);
	(void)buf_printf(&json, "{\"type\":\"%s\",%s}", type, data);
	(void)buf_putc(&json, '\0');
	for (i = 0; r == 0 && (ch = channel_at(i)); i++)
		if (channel_route(ch, c, NULL))
			r = notice_alert(s, ch->id, type, key, json.data, now);
	buf_free(&json);
	return r;
}
