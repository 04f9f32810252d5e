/*
 * vocab.h: the words every stage shares -- what a check's outcome was,
 * how a release changed an entry, how a watch matched and how an owner was
 * found, which events and alerts there are, the channels, an alert's
 * state.
 *
 * They are the values the database records in its columns, hence the
 * STORE_ prefix; they live here, with no other header needed, so that a
 * stage can speak of them without depending on the store's interface.
 * Their numbers are in the database: never renumber one.
 */
#ifndef SCRAPEWATCH_VOCAB_H
#define SCRAPEWATCH_VOCAB_H

/* How a check of a dataset ended. */
enum store_outcome {
	STORE_OUTCOME_RUNNING,	   /* not ended (or the process died) */
	STORE_OUTCOME_UNCHANGED,   /* nothing new on the server */
	STORE_OUTCOME_NEW_RELEASE, /* a new release was ingested */
	STORE_OUTCOME_FAILED,	   /* see the run's error */
	STORE_OUTCOME_STOPPED,	   /* cut short by a shutdown: no failure */
	STORE_OUTCOME_MAX,
};

/* What a release did to an entry. */
enum store_change {
	STORE_CHANGE_ADDED = 1,
	STORE_CHANGE_REMOVED = 2,
	STORE_CHANGE_REINCLUDED = 3,
};

/* How a watch or a search matched an entry. */
enum store_match {
	STORE_MATCH_PHOTO = 1,
	STORE_MATCH_NSID,
	STORE_MATCH_ALIAS,
	STORE_MATCH_NAME, /* a possible match only */
};

/* What happened to a subscriber's photos. */
enum store_event_type {
	STORE_EVENT_INCLUDED = 1, /* the values of enum store_change */
	STORE_EVENT_REMOVED = 2,
	STORE_EVENT_REINCLUDED = 3,
	STORE_EVENT_BASELINE = 4,
};

/* Where the owner of a matched entry was found. */
enum store_via {
	STORE_VIA_ENTRY = 1,	 /* the entry's own (or no one's) */
	STORE_VIA_OWNERSHIP = 2, /* an ownership dataset's */
};

/* Where an alert goes. */
enum store_channel {
	STORE_CHANNEL_EMAIL = 1,
	STORE_CHANNEL_WEBHOOK = 2,
};

/* What an alert tells. */
enum store_alert_kind {
	STORE_ALERT_EVENT = 1,	/* one event */
	STORE_ALERT_DIGEST = 2, /* a period's events */
	STORE_ALERT_NOTICE = 3, /* to the operator; its JSON in notice */
	STORE_ALERT_TEST = 4,	/* a test message: never stored */
};

/* Where an alert's delivery stands. */
enum store_alert_state {
	STORE_ALERT_PENDING = 0,
	STORE_ALERT_SENT = 1,
	STORE_ALERT_FAILED = 2,
};

#endif
