/*
 * events.h: what each subscriber is told about a dataset's release.
 *
 * A watch that has met a dataset before gets an event per photo that a new
 * release of it included, removed or reincluded; a watch meeting a dataset
 * for the first time (its first release, a new subscriber, an edited watch)
 * gets a baseline instead: one event per subscriber listing every match,
 * never a flood.  Owners missing from an entry come from the ownership
 * datasets by the rule of match/owner.h, the same for changes and
 * baselines, and each photo records the owner found.  A display-name match
 * is kept only when nothing exact matched the same photo for the same
 * subscriber, and is always labelled possible.  Event ids are stable.
 */
#ifndef SCRAPEWATCH_EVENTS_H
#define SCRAPEWATCH_EVENTS_H

#include <stdint.h>

#include "config/config.h"
#include "match/watchset.h"
#include "store/store_index.h"

struct events_summary {
	unsigned events;    /* new events, baselines included */
	unsigned baselines; /* of which baselines */
	uint64_t photos;    /* photos in them */
	/* How the release's changes met the watches that knew the dataset:
	 * not at all (none did), by a pass over every change, or by one
	 * query of the watches' subjects (that many) through the indexes. */
	enum {
		EVENTS_CHANGES_NONE,
		EVENTS_CHANGES_PASS,
		EVENTS_CHANGES_QUERY
	} changes_met;
	size_t subjects;
};

/*
 * Records the events of rel, the dataset's release just written in the
 * current transaction.  Returns 0 (and adds to *sum) or -errno.
 */
int events_for_release(struct store *s, const struct config *c,
		       const struct watchset *ws,
		       const struct config_dataset *d, int64_t dataset_id,
		       const struct store_release *rel,
		       struct events_summary *sum);

/*
 * Gives the watches that have not met the dataset their baseline against
 * its newest release, in a transaction of its own (after a check that
 * found nothing new, or a configuration with new watches).  Returns 0 (and
 * adds to *sum), or -errno.
 */
int events_for_new_watches(struct store *s, const struct config *c,
			   const struct watchset *ws,
			   const struct config_dataset *d, int64_t dataset_id,
			   struct events_summary *sum);

#endif
