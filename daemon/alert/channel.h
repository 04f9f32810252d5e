/*
 * channel.h: the delivery channels (email, webhook) as const vtables.
 *
 * A channel knows where a subscriber's or the operator's alerts go on it,
 * how one alert becomes a libcurl easy handle (its body, its headers, its
 * session), and what the finished transfer means: sent, worth a retry, or
 * failed (and whether the target is gone for good).  The delivery loop
 * (deliver.c) drives the handles, the retries and the attempt records, and
 * routing (route.c) asks the table which channels a recipient has; neither
 * tells one channel from another.  Adding a channel means adding one file
 * that defines a struct channel and one row in channel.c.  Channels do not
 * log and do not touch the database; the builders they use (mail, smtp,
 * webhook) stay what they are.
 */
#ifndef SCRAPEWATCH_CHANNEL_H
#define SCRAPEWATCH_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "config/config.h"
#include "store/store_outbox.h"

/* Rows in the channel table. */
#define CHANNEL_MAX 2

/* Room for the outcome's words (the attempt record's reply). */
#define CHANNEL_WHY_MAX 512

struct alert;

/*
 * One alert's transfer on one channel.  The caller fills alert, target and
 * retry_after (-1) and zeroes the rest; start() fills curl and state, and
 * start() (on failure) or finish() the outcome.
 */
struct channel_job {
	const struct alert *alert; /* borrowed from the caller */
	const char *target;	   /* borrowed from the configuration */
	CURL *curl;  /* the easy handle to run, owned by state; its
			CURLOPT_PRIVATE is the caller's */
	void *state; /* owned: the channel's own, released by stop() */
	enum store_attempt_outcome outcome;
	int code;	     /* HTTP status or SMTP reply code; 0: none */
	int64_t retry_after; /* seconds the server asked to wait, or -1 */
	bool gone; /* the target is gone for good (a 410): disable it */
	char why[CHANNEL_WHY_MAX]; /* the server's words, or why it failed */
};

struct channel {
	enum store_channel id;
	const char *name; /* "email": in alert ids, logs and listings */
	/* True if finish() may find a target gone for good: such targets
	 * are disabled, and the delivery loop skips the disabled ones. */
	bool disables;
	/* Where sub's alerts go on this channel (sub NULL: the operator's),
	 * borrowed from c, or NULL when it has no such target. */
	const char *(*target)(const struct config *c,
			      const struct config_subscriber *sub);
	/* True if c lets the channel send at all (email: an SMTP server). */
	bool (*ready)(const struct config *c);
	/* The delays between attempts, in seconds: sets *ret to the first
	 * and returns how many. */
	size_t (*retries)(const struct config_alerts *al, const uint64_t **ret);
	/* Makes j's transfer (sub: j's subscriber, NULL for the operator;
	 * now: the attempt's time).  Returns 0, or -errno with why said and
	 * the job to be stopped and recorded as failed. */
	int (*start)(struct channel_job *j, const struct config *c,
		     const struct config_subscriber *sub, int64_t now);
	/* Reads the outcome of j's finished transfer (rc: libcurl's). */
	void (*finish)(struct channel_job *j, CURLcode rc);
	/* Releases j's state and handle (the handle out of any multi);
	 * accepts a job start() failed on or never saw. */
	void (*stop)(struct channel_job *j);
};

/* The channel with id, or NULL if there is none. */
const struct channel *channel_find(enum store_channel id);

/* The i-th channel of the table, or NULL past the last (email comes
 * first, then webhook). */
const struct channel *channel_at(size_t i);

/* Where sub's alerts (sub NULL: the operator's) are routed on ch: its
 * target when it has one and the channel is ready, else NULL. */
const char *channel_route(const struct channel *ch, const struct config *c,
			  const struct config_subscriber *sub);

#endif
