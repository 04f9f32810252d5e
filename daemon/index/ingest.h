/*
 * ingest.h: turns one release file into the dataset's next release in the
 * index, in three steps the caller takes in turn:
 *
 *   ingest_prepare  decode -> parse (the dataset's format) -> key every
 *                   entry -> sort -> merge with the previous release's keys;
 *                   nothing is written yet
 *   ingest_write    opens the release's transaction and records the
 *                   release, the added, removed and reincluded entries
 *   ingest_commit   commits it (after the caller has recorded, in the same
 *                   transaction, what the release causes: events, alerts)
 *
 * The file's SHA-256 is computed on the way; content equal to the newest
 * release is "unchanged" and adds nothing.  Any failure -- bad data, a full
 * disk, a kill -- leaves the index as it was.  The caller logs: ingest only
 * describes.
 */
#ifndef SCRAPEWATCH_INGEST_H
#define SCRAPEWATCH_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "store/store_index.h"

#define INGEST_BAD_SHOWN 5

/* One file of a release of several.  Its row is recorded with the release
 * (row.release_id and row.id are set by ingest_write()); row.sha256 is
 * filled by the parse when it is "". */
struct ingest_file {
	/* The file to parse, or NULL when its content is a file of the
	 * newest release: its keys are read from its key list instead. */
	const char *path;
	/* The archive member to read (its exact name), or NULL for the
	 * dataset's member glob.  A member has no key list of its own. */
	const char *member;
	struct store_release_file row;
};

struct ingest_options {
	const char *source;   /* recorded as the release's source */
	const char *revision; /* recorded as the release's revision, or NULL */
	/* The release's SHA-256 when its files are one archive's members
	 * (the archive's), or NULL for that of its files. */
	const char *sha256;
	/* Where the key list of each file of a release of several is kept
	 * (DIR/SHA256.keys), read for a file that did not change; NULL for a
	 * release of one file. */
	const char *keys_dir;
	/* Recorded with the release when it came from a download: the
	 * server's validators and the file kept as evidence; or NULL. */
	const char *etag, *last_modified, *file;
	const char *work_dir; /* for the key sets */
	uint64_t max_decoded; /* cap on decoded bytes */
	uint64_t max_entries; /* cap on entries in one release */
	size_t sort_chunk;    /* new entries sorted in memory at once (more
			       * go to runs on disk); 0: the default */
	double max_bad_share; /* reject above this share of bad records */
	int64_t now;	      /* the release's time (Unix seconds) */
};

struct ingest_result {
	bool unchanged;		      /* same content as the newest release */
	struct store_release release; /* the new release (or the newest) */
	uint64_t duplicates;	      /* entries whose key was seen before */
	size_t sort_runs; /* runs on disk the new entries were sorted in */
	/* The first bad records: "line N: why". */
	char bad[INGEST_BAD_SHOWN][160];
	unsigned n_bad_shown;
	char error[640]; /* why it failed, when it did */
};

struct ingest;

/*
 * Parses the file at path as dataset d's next release (dataset_id is its
 * row) and finds what it changed.  o and res are kept by the ingest until it
 * is freed; res is filled here (res->unchanged: the content is the newest
 * release's, and there is nothing to write).  Returns 0 with the ingest in
 * *ret, or a negative errno with res->error saying why: -EBADMSG (broken or
 * too many bad records), -EFBIG / -E2BIG (a cap), -ENOSPC / -EIO (storage),
 * -ENOENT (no such file), -ECANCELED (the process is stopping).
 */
int ingest_prepare(struct store *s, const struct config_dataset *d,
		   int64_t dataset_id, const char *path,
		   const struct ingest_options *o, struct ingest_result *res,
		   struct ingest **ret);

/*
 * The same for a release of the n files (in name order; o->keys_dir set):
 * each file with a path is parsed, the others' keys are read from their
 * key lists; entries remember their file.  The release's SHA-256 is that
 * of its "SHA256  NAME\n" lines, and a release whose files are the newest
 * release's is unchanged.  A key list that is missing or names a key the
 * index never had gives -ESTALE (res->error names the file): the caller
 * fetches the file and tries again.
 */
int ingest_prepare_files(struct store *s, const struct config_dataset *d,
			 int64_t dataset_id, struct ingest_file *files,
			 size_t n, const struct ingest_options *o,
			 struct ingest_result *res, struct ingest **ret);

/* Where dataset d (row dataset_id) keeps its files' key lists:
 * STATE/keys/ID-DIGEST, the digest of what makes its keys (its format and
 * the options it reads with), so that a dataset whose keys change with
 * its configuration never reads the lists of before. */
void ingest_keys_dir(const char *state_dir, int64_t dataset_id,
		     const struct config_dataset *d, char *out, size_t size);

/* The key list path of a file whose content is sha256 (in dir). */
void ingest_keys_path(const char *dir, const char *sha256, char *out,
		      size_t size);

/* Deletes the key lists in dir but those of the n files (the newest
 * release's): only they are read again. */
void ingest_keys_prune(const char *dir, const struct ingest_file *files,
		       size_t n);

/*
 * Opens the release's transaction and writes the release (res->release gets
 * its id and sequence number).  Not for an unchanged release.  Returns 0
 * with the transaction open, or -errno with it rolled back (-EAGAIN:
 * another ingest of the dataset committed since ingest_prepare()).
 */
int ingest_write(struct ingest *in);

/* Commits the transaction ingest_write() opened and keeps the new key set.
 * Returns 0, or -errno with everything rolled back. */
int ingest_commit(struct ingest *in);

/* Rolls back the transaction ingest_write() opened, if it is open. */
void ingest_abort(struct ingest *in);

/* Frees the ingest, rolling back what is not committed; accepts NULL;
 * returns NULL. */
struct ingest *ingest_free(struct ingest *in);

#endif
