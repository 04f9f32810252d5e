/*
 * gather.h: a check of a dataset whose source lists files (urls, a hub, a
 * repository, a Drive file; fetch/source.h): the release's files listed,
 * each fetched in turn and landed together as one release (land.h).
 *
 * A file whose content the newest release already has is neither
 * downloaded nor parsed: its SHA-256 is listed (a hub's lfs.oid) and is
 * one of the newest release's files, or the server answers 304 to that
 * file's validators; its keys come from its key list.  So a release where
 * 1 of 128 shards changed downloads and parses that one.  A file that
 * fails leaves the release un-ingested and the index as it was; a
 * complete download whose SHA-256 was listed stays in the cache, where
 * the next check finds it, and a partial one is resumed.
 */
#ifndef SCRAPEWATCH_GATHER_H
#define SCRAPEWATCH_GATHER_H

#include <stddef.h>
#include <stdint.h>

#include "service/land.h"
#include "store/store.h"

struct gather_result {
	unsigned files;	      /* in the release */
	unsigned fetched;     /* downloaded by this check */
	unsigned parsed;      /* parsed by this check */
	uint64_t bytes;	      /* downloaded by this check */
	uint64_t resumed_at;  /* bytes kept from interrupted downloads */
	int http_status;      /* of the last response */
	unsigned retry_after; /* seconds a host asked to wait, or 0 */
	struct land_result land;
	char error[STORE_ERROR_MAX]; /* why it failed */
};

/* Lists, fetches and lands the job's dataset's newest release.  Returns 0
 * (ret->land.ingest.unchanged: nothing new) or -errno with ret->error
 * saying why. */
int gather_and_land(const struct land_job *job, struct gather_result *ret);

/* What the database keeps of the URL a server's validators belong to:
 * "url:" and its digest (36 characters), since a URL may carry a
 * secret. */
void gather_url_digest(const char *url, char *out, size_t size);

#endif
