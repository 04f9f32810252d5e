/*
 * owner.h: who owns the photo of an entry -- the one owner lookup that
 * change events, baselines and search use, and whose answer every event
 * photo records (so that matches, alerts, opt-out requests and evidence
 * show the owner the subscriber was told of).
 *
 * The rule, for any number of ownership datasets (ownership: true):
 *
 *  1. An entry that names its owner -- an NSID or a path alias -- keeps it
 *     (STORE_VIA_ENTRY).  A display name alone names no one (it is only
 *     ever a possible match), so it does not count here.
 *  2. Else, when the entry carries a photo id, the ownership datasets are
 *     asked in configuration order, skipping the entry's own dataset; the
 *     first that has ever had an entry of that photo id naming an NSID or
 *     alias gives the owner: NSID, alias and display name of its earliest
 *     such entry (STORE_VIA_OWNERSHIP).
 *  3. Else the entry keeps what it has: a display name, or no one.
 *
 * A table speaks for the other datasets, not for itself: its own entry
 * that names no owner is matched as it stands.
 *
 * "Ever had", not "has in its newest release": who took a photo does not
 * change when a table stops listing it, and a photo a table drops (deleted
 * from Flickr, or taken out on request) is exactly one whose owner still
 * wants to hear of it in other datasets -- its removal above all.  So an
 * owner, once known, stays; it changes only when a table earlier in the
 * configuration learns the photo later (its first release, or a new row),
 * and events recorded before keep the owner they were told of.
 *
 * Reads the database (owner_lookup_new() may add a configured dataset's
 * row, as store_dataset_id() does); does not log.
 */
#ifndef SCRAPEWATCH_OWNER_H
#define SCRAPEWATCH_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "store/store_events.h"

struct owner_lookup;

/* An entry's owner by the rule.  Strings are "" when unknown. */
struct owner {
	const char *nsid, *alias, *name; /* borrowed: see owner_of() */
	enum store_via via;		 /* STORE_VIA_ENTRY or _OWNERSHIP */
	/* With STORE_VIA_OWNERSHIP: the ownership dataset's entry that named
	 * the owner, and that dataset's name (borrowed from the
	 * configuration); else 0 and NULL. */
	int64_t source;
	const char *source_dataset;
};

/*
 * Prepares the lookup over c's ownership datasets, in configuration order
 * (s and c must outlive it).  Returns 0 and the new lookup in *ret, or
 * -errno from the database.
 */
int owner_lookup_new(struct store *s, const struct config *c,
		     struct owner_lookup **ret);
/* Frees a lookup; accepts NULL; returns NULL. */
struct owner_lookup *owner_lookup_free(struct owner_lookup *l);

/*
 * Fills *ret with the owner of e, an entry of the dataset named dataset,
 * by the rule above.  The strings are e's own or copies held by l, valid
 * while e's are and until the next owner_of() on l.  Returns 0, or -errno
 * from the database (*ret untouched).
 */
int owner_of(struct owner_lookup *l, const char *dataset,
	     const struct store_entry *e, struct owner *ret);

/* The ids of the ownership datasets, in configuration order; their number
 * in *ret_n.  Borrowed from l. */
const int64_t *owner_lookup_datasets(const struct owner_lookup *l,
				     size_t *ret_n);

#endif
