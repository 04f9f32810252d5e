/*
 * route.h: which alerts an event becomes, and operator notices.
 *
 * Called inside the transaction that records the event, so an event and
 * its alerts are committed together or not at all.  Each channel of the
 * subscriber (each row of the channel table it is routed to: email,
 * webhook) gets its own alert, delivered on its own.
 * With a digest period, a subscriber's events of one period share one
 * alert per channel, due when the period ends; a baseline is always an
 * alert of its own, and a baseline with no photos alerts nobody.
 */
#ifndef SCRAPEWATCH_ROUTE_H
#define SCRAPEWATCH_ROUTE_H

#include <stdint.h>

#include "config/config.h"
#include "store/store_events.h"

/* Queues the alerts of event e for subscriber sub.  Returns the number
 * of alerts added to (>= 0) or -errno. */
int route_event(struct store *s, const struct config *c,
		const struct config_subscriber *sub,
		const struct store_event *e);

/* The start and end of the digest period holding time t (UTC; weeks
 * start on Monday).  For CONFIG_DIGEST_NONE both are t. */
void route_period(enum config_digest d, int64_t t, int64_t *start,
		  int64_t *end);

/*
 * Queues an operator notice of type (dataset.failing, alert.failed,
 * dataset.release) on each operator channel; data is a JSON object's
 * members for the notice's "data" and key makes it unique (a notice with
 * the same type and key is queued once).  No operator: does nothing.
 * Returns 0 or -errno.
 */
int route_notice(struct store *s, const struct config *c, const char *type,
		 const char *key, const char *data, int64_t now);

#endif
