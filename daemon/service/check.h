/*
 * check.h: one check of one dataset, start to end.
 *
 * Fetch the release file (a 304 ends it there), verify the dataset's
 * sha256 pin, skip content equal to the newest release, ingest the rest as
 * the next release, keep the file as evidence (pruning old ones beyond
 * fetch.keep_releases), record the subscribers' events in the release's
 * transaction (or, when nothing changed, the baselines of new watches),
 * remember the server's validators for the next check, and record the run
 * with its outcome.  A failure anywhere leaves
 * the index as it was.  The daemon and `scrapewatch check` both call it;
 * it logs only what the caller cannot see (pruning trouble).
 */
#ifndef SCRAPEWATCH_CHECK_H
#define SCRAPEWATCH_CHECK_H

#include <stdint.h>

#include "config/config.h"
#include "index/ingest.h"
#include "match/events.h"
#include "match/watchset.h"
#include "store/store.h"

struct check_result {
	enum store_outcome outcome;
	int http_status;      /* 0 when not HTTP */
	uint64_t bytes;	      /* downloaded by this check */
	uint64_t resumed_at;  /* bytes kept from an interrupted download */
	unsigned retry_after; /* seconds the server asked to wait, or 0 */
	int failures;	      /* consecutive failures, this one included;
			       * 0 when the database could not record it */
	struct ingest_result ingest;  /* the new (or unchanged) release */
	struct events_summary events; /* recorded for subscribers */
	char error[STORE_ERROR_MAX];
};

/*
 * Checks dataset d (its row is dataset_id) now.  Returns 0 when the check
 * ended as unchanged or with a new release, or a negative errno when it
 * failed (ret->error says why; the run records it too).
 */
int check_dataset(struct store *s, const struct config *c,
		  const struct watchset *ws, const struct config_dataset *d,
		  int64_t dataset_id, struct check_result *ret);

/* Words for a failed check's count, for a log line: "3 failures in a row",
 * or that the failure could not be recorded (a full disk).  Returns buf. */
const char *check_failures_words(const struct check_result *res, char *buf,
				 size_t size);

#endif
