/*
 * land.h: one release file made the dataset's next release, with all that
 * it causes -- the one path for a check's download and for `import`:
 *
 *   the sha256 pin -> same content as the newest release? -> parse and diff
 *   -> the release's transaction: the release, the subscribers' events and
 *   their alerts, the operator's dataset.release notice -> commit -> the
 *   file kept as evidence, old kept files pruned
 *
 * When nothing is new (the same content, or a server's 304), the watches
 * that have not met the dataset get their baseline instead.  A failure
 * anywhere leaves the index as it was.  It logs only what the caller cannot
 * see (pruning trouble); the result says the rest.
 */
#ifndef SCRAPEWATCH_LAND_H
#define SCRAPEWATCH_LAND_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "index/ingest.h"
#include "match/events.h"
#include "match/watchset.h"
#include "store/store.h"

/* What landing a release works on. */
struct land_job {
	struct store *s;
	const struct config *c;
	const struct watchset *ws;
	const struct config_dataset *d; /* borrowed from c */
	int64_t dataset_id;
};

/* The release file. */
struct land_file {
	const char *path;
	bool in_cache; /* fetch.h put it in the cache: it is the program's */
	/* Its content's SHA-256 when known before the parse (a download's),
	 * or NULL. */
	const char *sha256;
	/* Its MD5 (a download's), or NULL: not checked. */
	const char *md5;
	const char *source;		  /* recorded as the release's source */
	const char *etag, *last_modified; /* a server's validators, or NULL */
};

struct land_result {
	struct ingest_result ingest;  /* the new (or unchanged) release */
	struct events_summary events; /* recorded for subscribers */
	char error[STORE_ERROR_MAX];  /* why it failed */
};

/*
 * Lands the file f as the job's dataset's next release at time now (see
 * above).  The file is kept as evidence when the configuration keeps
 * release files and it became a release; otherwise a file in the cache is
 * deleted, unless a release keeps it already.  Returns 0 (ret->ingest.unchanged: nothing
 * new), or -errno with ret->error saying why: -EBADMSG (the pin does not
 * match, broken data), and ingest_prepare()'s and the database's errors.
 */
int land_release(const struct land_job *job, const struct land_file *f,
		 int64_t now, struct land_result *ret);

/* What a release of several files records besides its files. */
struct land_files_info {
	const char *source;   /* the release's source (redacted) */
	const char *revision; /* the source's name for it, or NULL */
	/* Members of one archive: its SHA-256 (the release's) and the file
	 * kept; else NULL. */
	const char *sha256, *file;
	/* A release of one file: its MD5 when this check downloaded it, for
	 * the md5 pin; else NULL. */
	const char *md5;
};

/*
 * Lands the n files (name order; their rows filled, see struct
 * ingest_file) as the job's dataset's next release: the same path as
 * land_release(), each file parsed or, unchanged, marked from its key
 * list.  Files stay where they are (the caller keeps or deletes them).
 * Returns like land_release(); -ESTALE: a key list was missing or stale
 * (ret->error names the file), and fetching the file again will do.
 */
int land_release_files(const struct land_job *job, struct ingest_file *files,
		       size_t n, const struct land_files_info *info,
		       int64_t now, struct land_result *ret);

/* Nothing new for the dataset (a 304): the baselines of watches that have
 * not met it.  Returns 0 or -errno, with ret->error saying why. */
int land_nothing_new(const struct land_job *job, struct land_result *ret);

#endif
