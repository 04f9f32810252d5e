/*
 * store_events.h: events in the database, and the lookups matching needs.
 *
 * An event tells one subscriber about one release of one dataset: a photo
 * included, removed or reincluded, or a baseline (every match, the first
 * time a watch meets a dataset).  Its photos are event_photos rows, each
 * with how it matched and whether the owner came from the entry itself or
 * from an ownership dataset -- then which entry of it, so that a listing
 * shows the owner the event was about.  Writes happen inside the caller's
 * transaction.
 */
#ifndef SCRAPEWATCH_STORE_EVENTS_H
#define SCRAPEWATCH_STORE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store_index.h"

#define STORE_EVENT_ID_LEN 32 /* hex digits */

struct store_event {
	char id[STORE_EVENT_ID_LEN + 1];
	enum store_event_type type;
	const char *subscriber;
	int64_t dataset_id, release_id, created;
	int64_t photos;
};

/* Adds an event unless one with its id exists.  Returns 1 if added, 0 if
 * it existed, or -errno. */
int store_event_add(struct store *s, const struct store_event *e);

/*
 * Adds one photo (entry) to an event: how it matched, how its owner was
 * found and, with STORE_VIA_OWNERSHIP, owner_entry: the ownership
 * dataset's entry that named the owner (match/owner.h), recorded so that
 * every listing of the event shows that owner (else 0).  Returns 0 or
 * -errno.
 */
int store_event_photo_add(struct store *s, const char *event_id,
			  int64_t entry_id, enum store_match how,
			  enum store_via via, int64_t owner_entry);

/* Sets an event's photo count.  Returns 0 or -errno. */
int store_event_set_photos(struct store *s, const char *event_id,
			   int64_t photos);

/* Calls fn with each watch fingerprint that has had its baseline for the
 * dataset.  Returns 0, fn's negative value, or -errno. */
int store_watch_seen_each(struct store *s, int64_t dataset_id,
			  int (*fn)(void *userdata, const char *fingerprint),
			  void *userdata);

/* Records that the watch has had its baseline at release_id. */
int store_watch_seen_add(struct store *s, const char *fingerprint,
			 int64_t dataset_id, int64_t release_id);

/*
 * Finds the owner of photo_id in the ownership dataset: its earliest entry
 * of that photo id that names an NSID or a path alias.  On success fills
 * *ret (strings borrowed until the next store call) and returns 1; 0 when
 * that dataset has never had the photo with such an owner; or -errno.
 */
int store_photo_owner(struct store *s, int64_t ownership_dataset_id,
		      uint64_t photo_id, struct store_entry *ret);

/*
 * Calls fn, once each, for the entries of the dataset present in
 * release_id that q may match: by photo id; by the owner they name (q's
 * NSID, alias or display name); or, for those naming no NSID or alias, by
 * the owner an entry of the same photo id in one of the ownership datasets
 * (ownership[0..n_ownership)) names.  Candidates only, found through
 * indexes: the caller decides each with the owner lookup and the watch
 * set.  Returns 0, fn's negative value, or -errno.
 */
int store_present_candidates(struct store *s, int64_t dataset_id,
			     int64_t release_id, const int64_t *ownership,
			     size_t n_ownership, const struct store_query *q,
			     int (*fn)(void *userdata,
				       const struct store_entry *e),
			     void *userdata);

/* Calls fn for each entry of the dataset present in release_id, with
 * the owner it names (if any), in no particular order.  Returns 0, fn's
 * negative value, or -errno. */
int store_present_each(struct store *s, int64_t dataset_id, int64_t release_id,
		       int (*fn)(void *userdata, const struct store_entry *e),
		       void *userdata);

/* An event and one of its photos, for listing. */
struct store_event_row {
	struct store_event event;
	const char *dataset; /* name */
	int64_t release_seq;
	enum store_match how; /* of this photo; 0 for an empty baseline */
	enum store_via via;
	struct store_entry entry; /* id 0 for an empty baseline */
	const char *release_sha256;
	int64_t release_time; /* when the release was ingested */
};

/* Calls fn for each photo of each event (an empty baseline once), of one
 * subscriber or all (NULL), created at or after since, oldest first. */
int store_events_each(struct store *s, const char *subscriber, int64_t since,
		      int (*fn)(void *userdata,
				const struct store_event_row *row),
		      void *userdata);

/* Calls fn for each photo of each event of an alert (an empty baseline
 * once), oldest event first. */
int store_alert_events_each(struct store *s, const char *alert_id,
			    int (*fn)(void *userdata,
				      const struct store_event_row *row),
			    void *userdata);

/* One photo a subscriber was told about: the best way it matched, and
 * its owner as the newest event about it recorded. */
struct store_match_row {
	const char *dataset; /* name */
	int64_t dataset_id;
	enum store_match how;
	enum store_via via;
	bool present; /* in the dataset's newest release */
	struct store_entry entry;
};

/* Calls fn once for each photo in any event of subscriber, in one dataset
 * (dataset_id) or all (0), by dataset name then key.  Returns 0, fn's
 * negative value, or -errno. */
int store_subscriber_matches_each(struct store *s, const char *subscriber,
				  int64_t dataset_id,
				  int (*fn)(void *userdata,
					    const struct store_match_row *row),
				  void *userdata);

#endif
