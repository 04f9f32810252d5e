/*
 * ingest.h: turns one release file into the dataset's next release in the
 * index.
 *
 * decode -> parse (the dataset's format) -> key every entry -> sort ->
 * merge with the previous release's keys -> one transaction that records
 * the release, the added, removed and reincluded entries.  The file's
 * SHA-256 is computed on the way; content equal to the newest release adds
 * nothing.  Any failure -- bad data, a full disk, a kill -- leaves the
 * index as it was.  The caller logs: ingest only describes.
 */
#ifndef SCRAPEWATCH_INGEST_H
#define SCRAPEWATCH_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "store/store_index.h"

#define INGEST_BAD_SHOWN 5

struct ingest_options {
	const char *source; /* recorded as the release's source */
	/* Recorded with the release when it came from a download: the
	 * server's validators and the file kept as evidence; or NULL. */
	const char *etag, *last_modified, *file;
	const char *work_dir; /* for the spill file and the key sets */
	uint64_t max_decoded; /* cap on decoded bytes */
	uint64_t max_entries; /* cap on entries in one release */
	double max_bad_share; /* reject above this share of bad records */
	int64_t now;	      /* the release's time (Unix seconds) */
	/* Called inside the release's transaction, after it is written and
	 * before the commit (events are recorded there); a negative return
	 * rolls the whole release back.  Or NULL. */
	int (*on_release)(void *userdata, const struct store_release *rel);
	void *userdata;
};

struct ingest_result {
	bool unchanged;		      /* same content as the newest release */
	struct store_release release; /* the new release (or the newest) */
	uint64_t duplicates;	      /* entries whose key was seen before */
	/* The first bad records: "line N: why". */
	char bad[INGEST_BAD_SHOWN][160];
	unsigned n_bad_shown;
	char error[640]; /* why it failed, when it did */
};

/*
 * Ingests the file at path as dataset d's next release (dataset_id is its
 * row).  Returns 0 with *ret filled, or a negative errno with ret->error
 * saying why: -EBADMSG (broken or too many bad records), -EFBIG / -E2BIG
 * (a cap), -ENOSPC / -EIO (storage), -ENOENT (no such file).
 */
int ingest_file(struct store *s, const struct config_dataset *d,
		int64_t dataset_id, const char *path,
		const struct ingest_options *o, struct ingest_result *ret);

#endif
