/*
 * store.h: the daemon's database (SQLite, WAL) under the state directory.
 *
 * store owns every SQL statement: they are static strings, prepared once and
 * reset after each use.  The schema is versioned with PRAGMA user_version
 * and moved forward by a linear list of migrations when the store opens.
 * Nothing above debug level is logged here: callers decide and log.
 */
#ifndef SCRAPEWATCH_STORE_H
#define SCRAPEWATCH_STORE_H

#include <stdint.h>

#include "vocab.h"

#define STORE_ERROR_MAX 512

struct store;

struct store_run {
	int64_t id;
	int64_t dataset_id;
	int64_t started, ended; /* Unix seconds; ended 0 while running */
	enum store_outcome outcome;
	int http_status;	     /* 0 when not HTTP */
	int64_t bytes;		     /* bytes downloaded */
	char error[STORE_ERROR_MAX]; /* "" on success */
	/* A release of several files: how many, how many were downloaded
	 * and how many parsed by this run; files 0 for a release of one
	 * (written, not read back). */
	int64_t files, files_fetched, files_parsed;
	/* Seconds a host asked to wait after this run (Retry-After), or 0. */
	int64_t retry_after;
};

/* A server's validators of a download: sent back, exactly as received, in
 * If-None-Match / If-Modified-Since / If-Range.  "" when absent. */
struct store_validators {
	char url[2048]; /* the URL they belong to */
	char etag[256];
	char last_modified[64];
};

/* The schema version this program writes. */
int store_schema_version(void);

enum store_mode {
	STORE_READ_WRITE, /* creates the file, sets WAL mode, migrates */
	STORE_READ_ONLY,  /* an existing file of this schema, for reading */
};

/*
 * Opens the database file at path with a busy timeout.  For writing it is
 * created if needed, set to WAL mode and its schema migrated forward; for
 * reading it must exist and be of the current schema, and it is read even
 * where its directory may not be written.  path's directory may be reached
 * through symbolic links; the file itself may not be one.  Returns 0 and
 * the store in *ret, or -errno: -EPROTO when the file was written by a
 * newer scrapewatch, -ESTALE (reading only) when by an older one and not
 * migrated yet, -EBADMSG when it is not a database, -ELOOP when the file
 * is a symbolic link, -EACCES when the directory or the file may not be
 * written (or read), -EROFS for a read-only file system,
 * -ENOENT/-EIO/-ENOSPC/... as the file system says.
 */
int store_open(const char *path, enum store_mode mode, struct store **ret);

/* How long a statement waits for another connection's write transaction
 * to end before it fails with -EBUSY, in milliseconds (0: not at all).
 * store_open() sets STORE_BUSY_WAIT_MS. */
#define STORE_BUSY_WAIT_MS 5000
void store_busy_wait(struct store *s, int ms);

/* A wait for the write lock longer than this is logged (a warning). */
#define STORE_LOCK_NOTICE_MS 1000

/* Finalises every statement and closes the database; accepts NULL. */
struct store *store_close(struct store *s);

/* Finds the dataset's row by name, creating it on first use (opened for
 * reading: id 0, which no row refers to, for a dataset never checked).
 * Returns 0 and its id in *ret_id, or -errno. */
int store_dataset_id(struct store *s, const char *name, int64_t *ret_id);

/* The installation id: 32 lower-case hex digits drawn at random when the
 * database was made (or first opened by a version that has one), the same
 * for as long as the database lives, so that ids made from it differ
 * between installations.  Returns 0, -EBADMSG when the database has none,
 * or -errno. */
#define STORE_INSTALLATION_ID_LEN 32
int store_installation_id(struct store *s,
			  char ret[STORE_INSTALLATION_ID_LEN + 1]);

/* The SHA-256 (64 hex digits) of the release file of row release_id.
 * Returns 0, -ENOENT when there is no such release, or -errno. */
int store_release_sha256(struct store *s, int64_t release_id, char ret[65]);

/* Records the start of a check at time now.  Returns 0 and the run id. */
int store_run_begin(struct store *s, int64_t dataset_id, int64_t now,
		    int64_t *ret_run_id);

/*
 * Records how a run ended (run->id names it; started and dataset_id are
 * ignored) and updates the dataset's count of consecutive failures: reset by
 * success, incremented by failure, left as it was by a stop.  Returns 0 or
 * -errno.
 */
int store_run_end(struct store *s, const struct store_run *run);

/* Reads the newest run of a dataset into *ret.  Returns 1 if there is one,
 * 0 if the dataset never ran, or -errno. */
int store_run_last(struct store *s, int64_t dataset_id, struct store_run *ret);

/* Reads the dataset's count of consecutive failed runs.  Returns the count
 * (>= 0) or -errno. */
int store_dataset_failures(struct store *s, int64_t dataset_id);

/* Resets every statement, ending any read left open (a statement that
 * returned one row and was kept for its borrowed strings).  A connection
 * that lives long calls it after each piece of work: in WAL mode an open
 * read keeps seeing the database as it was. */
void store_idle(struct store *s);

/* Reads a number that changes whenever another connection has committed
 * (PRAGMA data_version).  Returns 0 or -errno. */
int store_data_version(struct store *s, int64_t *ret);

/* When the daemon checks the dataset next (Unix seconds).  get returns 1
 * with *ret set, 0 when none is planned, or -errno. */
int store_next_check_get(struct store *s, int64_t dataset_id, int64_t *ret);
int store_next_check_set(struct store *s, int64_t dataset_id, int64_t when);

/* Reads the validators of the dataset's newest content.  Returns 1 when
 * there are any, 0 when there are none, or -errno. */
int store_validators_get(struct store *s, int64_t dataset_id,
			 struct store_validators *ret);

/* Replaces them (empty strings are stored as none).  Returns 0 or -errno. */
int store_validators_set(struct store *s, int64_t dataset_id,
			 const struct store_validators *v);

/* Starts a write transaction (BEGIN IMMEDIATE), commits it, or rolls it
 * back (a no-op outside a transaction).  Return 0 or -errno. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* Sets the database page cache of this connection to mib MiB (big
 * transactions touch many pages). */
void store_cache_size(struct store *s, unsigned mib);

/* The outcome's name as stored ("new-release"). */
const char *store_outcome_name(enum store_outcome o);

#endif
