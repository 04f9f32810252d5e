/*
 * deliver.h: the delivery worker: sends the outbox's due alerts.
 *
 * Many alerts go out at once (libcurl multi, alerts.concurrency), each
 * attempt bounded by alerts.timeout, so one slow or failing channel never
 * holds up another.  Every attempt is recorded with the alert's new state:
 * sent once the server accepted it (webhook 2xx, SMTP 250); retried later
 * on what may pass (timeouts, connection errors, 408, 429, 5xx, SMTP 4xx),
 * after the configured delay with jitter or the server's Retry-After;
 * failed on anything else or when the retries run out, and then reported
 * to the operator.  A 410 Gone disables the webhook URL.  An alert is
 * marked only after the server answered: a crash in between re-sends it,
 * with the same id -- at least once, never lost.
 */
#ifndef SCRAPEWATCH_DELIVER_H
#define SCRAPEWATCH_DELIVER_H

#include <stdint.h>

#include "alert/channel.h"
#include "config/config.h"
#include "store/store_outbox.h"

struct deliver_result {
	unsigned sent, retried, failed;
};

/*
 * Sends every alert due at now, once each.  Returns 0 with *ret filled,
 * -EALREADY when another delivery worker holds the outbox, or -errno when
 * the database fails (-EBUSY: it stayed busy, with an ingest, longer than
 * recording an attempt waits).
 */
int deliver_due(struct store *s, const struct config *c, int64_t now,
		struct deliver_result *ret);

/* What a test message met on one channel. */
struct deliver_report {
	enum store_channel channel;
	const char *target; /* borrowed from the configuration */
	enum store_attempt_outcome outcome;
	int code; /* HTTP status or SMTP reply code; 0: none */
	char reply[CHANNEL_WHY_MAX]; /* the server's words, or why it failed */
};

/* Sends a test message through each channel sub's alerts are routed to
 * (in the channel table's order: email, then webhook) at once and reports
 * what each server answered, recording nothing.  Returns 0 with *n
 * reports (at most CHANNEL_MAX), or -errno. */
int deliver_test(const struct config *c, const struct config_subscriber *sub,
		 struct deliver_report reports[CHANNEL_MAX], size_t *n);

#endif
