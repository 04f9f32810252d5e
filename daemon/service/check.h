/*
 * check.h: one check of one dataset, start to end.
 *
 * Record the run, fetch the release file (a 304 ends it there: nothing
 * new), land it (land.h: the pin, the release, its events and notices, the
 * kept file), remember the server's validators for the next check, and
 * record how the run ended; after operator.failing_after failures in a row,
 * tell the operator.  A failure anywhere leaves the index as it was.  The
 * daemon and `scrapewatch check` both call it; it logs only what the caller
 * cannot see.
 */
#ifndef SCRAPEWATCH_CHECK_H
#define SCRAPEWATCH_CHECK_H

#include <stdint.h>

#include "config/config.h"
#include "match/watchset.h"
#include "service/land.h"
#include "store/store.h"

/* How long a check waits for another writer of the database: an ingest of
 * a large release holds it for minutes. */
#define CHECK_BUSY_WAIT_MS (15 * 60 * 1000)

struct check_result {
	enum store_outcome outcome;
	int http_status;      /* 0 when not HTTP */
	uint64_t bytes;	      /* downloaded by this check */
	uint64_t resumed_at;  /* bytes kept from an interrupted download */
	unsigned retry_after; /* seconds the server asked to wait, or 0 */
	/* A release of several files: its files, those downloaded and those
	 * parsed by this check (0 for a release of one file). */
	unsigned files, files_fetched, files_parsed;
	int failures;		 /* consecutive failures, this one included;
			       * 0 when the database could not record it */
	struct land_result land; /* the new (or unchanged) release and its
				  * events */
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

/*
 * Checks dataset d against the local file at path instead of its URL
 * (`import`): the file is taken into the cache and landed exactly as a
 * download would be, and the run is recorded the same way; only the
 * server's validators are left as they were.  in_place: the file is read
 * where it is, not copied, and kept as no release's evidence.  Returns like
 * check_dataset().
 */
int check_import(struct store *s, const struct config *c,
		 const struct watchset *ws, const struct config_dataset *d,
		 int64_t dataset_id, const char *path, bool in_place,
		 struct check_result *ret);

/* Words for a failed check's count, for a log line: "3 failures in a row",
 * or that the failure could not be recorded (a full disk).  Returns buf. */
const char *check_failures_words(const struct check_result *res, char *buf,
				 size_t size);

#endif
