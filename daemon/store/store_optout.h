/*
 * store_optout.h: opt-out requests in the database.
 *
 * When a subscriber asks a dataset's maintainers to remove their photos,
 * scrapewatch records the request: who, when, which photos, and the
 * dataset's newest release at that moment.  Each photo's later history
 * (the changes releases after the request brought) then says whether the
 * request was honoured.
 */
#ifndef SCRAPEWATCH_STORE_OPTOUT_H
#define SCRAPEWATCH_STORE_OPTOUT_H

#include <stdint.h>

#include "store/store_index.h"

struct store_optout {
	int64_t id; /* set by store_optout_add() */
	const char *subscriber;
	int64_t dataset_id;
	int64_t release_id; /* the dataset's newest when requested */
	int64_t requested;  /* Unix seconds */
};

/* Records a request (r->id is set) inside the caller's transaction.
 * Returns 0 or -errno. */
int store_optout_add(struct store *s, struct store_optout *r);

/* Adds a photo (entry) to request_id.  Returns 0 or -errno. */
int store_optout_photo_add(struct store *s, int64_t request_id,
			   int64_t entry_id);

/* One photo of one request, and where it stands. */
struct store_optout_row {
	struct store_optout request;
	const char *dataset;	/* name */
	int64_t request_seq;	/* the release newest when requested */
	int64_t later_releases; /* releases of the dataset since */
	struct store_entry entry;
	enum store_change last_change;	 /* the photo's latest change ... */
	int64_t last_seq, last_ingested; /* ... in this release, at this time */
};

/* Calls fn for each photo of each request, of one subscriber or all
 * (NULL), oldest request first.  Strings are borrowed for the call.
 * Returns 0, fn's negative value, or -errno. */
int store_optout_each(struct store *s, const char *subscriber,
		      int (*fn)(void *userdata,
				const struct store_optout_row *row),
		      void *userdata);

#endif
