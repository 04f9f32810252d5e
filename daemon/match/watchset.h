/*
 * watchset.h: the configuration's watches, indexed to answer "which watches
 * does this entry belong to, and how?" in a few comparisons.
 *
 * Built once per configuration; pure (no I/O).  An entry matches a watch by
 * photo id, by its owner's NSID, by path alias (case-insensitive), or --
 * only ever as a possible match -- by display name (case-insensitive).
 * Each watch also has a fingerprint: a hash of what it watches and for
 * whom, so that a changed or new watch can be told apart from one already
 * matched against a dataset.
 */
#ifndef SCRAPEWATCH_WATCHSET_H
#define SCRAPEWATCH_WATCHSET_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "vocab.h"

#define WATCHSET_FINGERPRINT_LEN 32 /* hex digits */

struct watchset;

struct watch_hit {
	size_t watch;	      /* index into config.watches */
	enum store_match how; /* STORE_MATCH_PHOTO ... STORE_MATCH_NAME */
};

/* What an entry says about itself; "" or 0 when unknown. */
struct watch_subject {
	uint64_t photo_id;
	const char *nsid, *alias, *name;
};

/* Indexes c's watches (c must outlive the set).  Never fails but on OOM,
 * which aborts. */
struct watchset *watchset_new(const struct config *c);
struct watchset *watchset_free(struct watchset *w);

/*
 * Writes into hits (at most max) each watch subject matches and how, the
 * most exact way per watch (photo, NSID, alias, then display name).
 * Returns how many watches match, which may exceed max.
 */
size_t watchset_match(const struct watchset *w, const struct watch_subject *s,
		      struct watch_hit *hits, size_t max);

/* The watch's fingerprint, WATCHSET_FINGERPRINT_LEN hex digits. */
const char *watchset_fingerprint(const struct watchset *w, size_t watch);

#endif
