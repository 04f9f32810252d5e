/*
 * store.c: SQLite behind store.h.
 *
 * It owns the connection, the migrations (the schema of every table) and
 * the statement cache; the SQL of the program is in store/, this file and
 * one file per group of tables, bound with parameters, never built from
 * data.
 * SQLite result codes become negative errnos at this boundary, and SQLite's
 * own message is logged at debug level for whoever investigates.
 */
#include "store/store.h"

#include <assert.h>

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/keymap.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "store/store_entries.h"
#include "store/store_internal.h"

/*
 * Migration N takes the schema from version N to N + 1.  Append only: a
 * released migration is never edited.
 */
static const char *const store_migrations[] = {
	/* 0 -> 1: datasets and their check runs. */
	"CREATE TABLE datasets ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  consecutive_failures INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id),"
	"  started INTEGER NOT NULL,"
	"  ended INTEGER,"
	"  outcome TEXT NOT NULL DEFAULT 'running',"
	"  http_status INTEGER,"
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT"
	");"
	"CREATE INDEX runs_by_dataset ON runs(dataset_id, id);",

	/* 1 -> 2: the release index.  An entry is stored once per dataset,
	 * when first seen, and never rewritten; each release records only
	 * what it changed (added, removed, reincluded).  Which entries are in
	 * the newest release is kept in the dataset's key-set file and can be
	 * rebuilt from the changes. */
	"CREATE TABLE releases ("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id),"
	"  seq INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  decoded_size INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  ingested INTEGER NOT NULL,"
	"  entries INTEGER NOT NULL DEFAULT 0,"
	"  added INTEGER NOT NULL DEFAULT 0,"
	"  removed INTEGER NOT NULL DEFAULT 0,"
	"  reincluded INTEGER NOT NULL DEFAULT 0,"
	"  bad_records INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE(dataset_id, seq)"
	");"
	"CREATE TABLE owners ("
	"  id INTEGER PRIMARY KEY,"
	"  nsid TEXT NOT NULL DEFAULT '',"
	"  alias TEXT NOT NULL DEFAULT '',"
	"  name TEXT NOT NULL DEFAULT '',"
	"  UNIQUE(nsid, alias, name)"
	");"
	"CREATE INDEX owners_alias ON owners(alias COLLATE NOCASE);"
	"CREATE INDEX owners_name ON owners(name COLLATE NOCASE);"
	"CREATE TABLE entries ("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id),"
	"  key INTEGER NOT NULL,"
	"  photo_id INTEGER,"
	"  owner_id INTEGER REFERENCES owners(id),"
	"  first_release INTEGER NOT NULL REFERENCES releases(id),"
	"  line INTEGER NOT NULL,"
	"  offset INTEGER NOT NULL,"
	"  length INTEGER NOT NULL,"
	"  key_text TEXT,"
	"  page_url TEXT,"
	"  image_url TEXT,"
	"  license TEXT"
	");"
	"CREATE INDEX entries_by_photo ON entries(photo_id) "
	"  WHERE photo_id IS NOT NULL;"
	"CREATE INDEX entries_by_owner ON entries(owner_id) "
	"  WHERE owner_id IS NOT NULL;"
	"CREATE TABLE changes ("
	"  release_id INTEGER NOT NULL REFERENCES releases(id),"
	"  entry_id INTEGER NOT NULL REFERENCES entries(id),"
	"  kind INTEGER NOT NULL," /* 1 added, 2 removed, 3 reincluded */
	"  PRIMARY KEY(release_id, entry_id)"
	") WITHOUT ROWID;"
	/* An entry's history, and its last change: search, diff A..B and
	 * rebuilding a key set read it by entry. */
	"CREATE INDEX changes_by_entry ON changes(entry_id, release_id);",

	/* 2 -> 3: downloads.  A dataset keeps the validators (ETag,
	 * Last-Modified) of its newest content and the URL they came from;
	 * a release keeps the server's headers and the file kept in the
	 * cache as evidence (NULL once pruned). */
	"ALTER TABLE datasets ADD COLUMN fetch_url TEXT;"
	"ALTER TABLE datasets ADD COLUMN etag TEXT;"
	"ALTER TABLE datasets ADD COLUMN last_modified TEXT;"
	"ALTER TABLE releases ADD COLUMN etag TEXT;"
	"ALTER TABLE releases ADD COLUMN last_modified TEXT;"
	"ALTER TABLE releases ADD COLUMN file TEXT;",

	/* 3 -> 4: events.  An event is what a subscriber is told about one
	 * release: a photo included, removed or reincluded, or the baseline
	 * (every match at once) when a watch first meets a dataset.  Its id
	 * is stable (a hash of dataset, release, entry or "baseline", and
	 * subscriber).  watch_seen records which watches (by fingerprint)
	 * have had their baseline for a dataset. */
	"CREATE TABLE events ("
	"  id TEXT PRIMARY KEY,"
	"  type INTEGER NOT NULL," /* 1 included 2 removed 3 reincluded 4 baseline */
	"  subscriber TEXT NOT NULL,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id),"
	"  release_id INTEGER NOT NULL REFERENCES releases(id),"
	"  created INTEGER NOT NULL,"
	"  photos INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX events_by_subscriber ON events(subscriber, created);"
	"CREATE TABLE event_photos ("
	"  event_id TEXT NOT NULL REFERENCES events(id),"
	"  entry_id INTEGER NOT NULL REFERENCES entries(id),"
	"  match INTEGER NOT NULL," /* 1 photo 2 nsid 3 alias 4 display name */
	"  via INTEGER NOT NULL," /* 1 the entry itself 2 the ownership table */
	"  PRIMARY KEY(event_id, entry_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE watch_seen ("
	"  fingerprint TEXT NOT NULL,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id),"
	"  release_id INTEGER NOT NULL REFERENCES releases(id),"
	"  PRIMARY KEY(dataset_id, fingerprint)"
	") WITHOUT ROWID;",

	/* 4 -> 5: opt-out requests.  A request lists the photos a subscriber
	 * asked a dataset's maintainers to remove, when, and the dataset's
	 * newest release at that moment; the releases after it say whether
	 * each photo went. */
	"CREATE TABLE optout_requests ("
	"  id INTEGER PRIMARY KEY,"
	"  subscriber TEXT NOT NULL,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id),"
	"  release_id INTEGER NOT NULL REFERENCES releases(id),"
	"  requested INTEGER NOT NULL"
	");"
	"CREATE TABLE optout_photos ("
	"  request_id INTEGER NOT NULL REFERENCES optout_requests(id),"
	"  entry_id INTEGER NOT NULL REFERENCES entries(id),"
	"  PRIMARY KEY(request_id, entry_id)"
	") WITHOUT ROWID;",

	/* 5 -> 6: the outbox.  An alert is one message to one channel of a
	 * subscriber (or of the operator): one event, a digest of a period's
	 * events (due when the period ends), or an operator notice (its
	 * JSON kept with it).  It is written in the same transaction as its
	 * events, sent by the delivery worker, and marked sent only after
	 * the server accepted it; every attempt is kept.  Its id is stable,
	 * so a re-send after a crash carries the same id.  endpoints lists
	 * webhook URLs disabled by a 410 Gone. */
	"CREATE TABLE alerts ("
	"  id TEXT PRIMARY KEY,"
	"  subscriber TEXT NOT NULL," /* '' for the operator */
	"  channel INTEGER NOT NULL," /* 1 email 2 webhook */
	"  kind INTEGER NOT NULL,"    /* 1 event 2 digest 3 operator notice */
	"  created INTEGER NOT NULL,"
	"  due INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0," /* 0 pending 1 sent 2 failed */
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  sent INTEGER,"
	"  last_reply TEXT,"
	"  notice TEXT"
	");"
	"CREATE INDEX alerts_due ON alerts(state, due);"
	"CREATE TABLE alert_events ("
	"  alert_id TEXT NOT NULL REFERENCES alerts(id),"
	"  event_id TEXT NOT NULL REFERENCES events(id),"
	"  PRIMARY KEY(alert_id, event_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE attempts ("
	"  alert_id TEXT NOT NULL REFERENCES alerts(id),"
	"  at INTEGER NOT NULL,"
	"  outcome INTEGER NOT NULL," /* 1 sent 2 will retry 3 failed */
	"  code INTEGER NOT NULL,"    /* HTTP status or SMTP reply; 0: none */
	"  reply TEXT NOT NULL"
	");"
	"CREATE INDEX attempts_by_alert ON attempts(alert_id, at);"
	"CREATE TABLE endpoints ("
	"  url TEXT PRIMARY KEY,"
	"  disabled INTEGER NOT NULL,"
	"  reason TEXT NOT NULL"
	") WITHOUT ROWID;",

	/* 6 -> 7: the daemon's schedule.  When each dataset is next checked
	 * (Unix seconds), kept so that a restart resumes the schedule. */
	"ALTER TABLE datasets ADD COLUMN next_check INTEGER;",

	/* 7 -> 8: the ownership dataset's entry that named an event photo's
	 * owner, so that listings show the owner the subscriber was told of.
	 * Rows from before hold none, and show any entry of the photo that
	 * names an owner, as they did. */
	"ALTER TABLE event_photos ADD COLUMN owner_entry INTEGER "
	"  REFERENCES entries(id);",

	/* 8 -> 9: a notice's type in a column of its own, not read back from
	 * its JSON.  Notices queued before it take the JSON's "type" member,
	 * or "notice" when it has none. */
	"ALTER TABLE alerts ADD COLUMN notice_type TEXT;"
	"UPDATE alerts SET notice_type = coalesce(CASE WHEN json_valid(notice) "
	"  THEN json_extract(notice, '$.type') END, 'notice') WHERE kind = 3;",

	/* 9 -> 10: the installation id, 16 random bytes as 32 hex digits,
	 * drawn once (SQLite seeds its generator from the system's) and never
	 * changed.  Alert ids hash it, so that two installations never give
	 * two alerts one id.  IF NOT EXISTS: a database moved back to an older
	 * version by hand keeps the id it has. */
	"CREATE TABLE IF NOT EXISTS installation ("
	"  id TEXT NOT NULL"
	");"
	"INSERT INTO installation(id) SELECT lower(hex(randomblob(16))) "
	"  WHERE NOT EXISTS (SELECT 1 FROM installation);",

	/* 10 -> 11: releases of several files.  A release of a source that
	 * lists files (urls, a hub, a repository) records each: its name in
	 * the release, the digest of the URL it came from (a URL may hold a
	 * secret), its content's SHA-256 and size, the server's validators,
	 * and the file kept in the cache as evidence (NULL once pruned).  An
	 * entry names the release_files row it was first seen in (NULL: the
	 * release's one file).  A release keeps the source's name for it (a commit), or
	 * NULL. */
	"CREATE TABLE release_files ("
	"  id INTEGER PRIMARY KEY,"
	"  release_id INTEGER NOT NULL REFERENCES releases(id),"
	"  name TEXT NOT NULL,"
	"  url TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  etag TEXT,"
	"  last_modified TEXT,"
	"  file TEXT,"
	"  UNIQUE(release_id, name)"
	");"
	"CREATE INDEX release_files_kept ON release_files(file) "
	"  WHERE file IS NOT NULL;"
	"ALTER TABLE entries ADD COLUMN file_id INTEGER;"
	"ALTER TABLE releases ADD COLUMN revision TEXT;"
	/* A run of a release of several files counts its files, those it
	 * downloaded, and those it parsed (NULL: a release of one file). */
	"ALTER TABLE runs ADD COLUMN files INTEGER;"
	"ALTER TABLE runs ADD COLUMN files_fetched INTEGER;"
	"ALTER TABLE runs ADD COLUMN files_parsed INTEGER;"
	/* The wait a host asked for (Retry-After), when it asked. */
	"ALTER TABLE runs ADD COLUMN retry_after INTEGER;",

	/* 11 -> 12: entries out of SQLite.  The entries of a release live in
	 * an entry segment file (store_segment.h) that a segments row names:
	 * the dataset, the release that first saw them, the row id of the
	 * first (the others follow in key order), their count.  "entries"
	 * becomes a virtual table over the segments and "changes" a view of
	 * change_log (removals and reinclusions) and the entries' first
	 * releases (store_entries.c).  store_entries_migrate() moves the
	 * rows, renames changes and drops entries. */
	"CREATE TABLE segments ("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id),"
	"  release_id INTEGER NOT NULL REFERENCES releases(id),"
	"  first_id INTEGER NOT NULL UNIQUE,"
	"  entries INTEGER NOT NULL,"
	"  file TEXT NOT NULL UNIQUE"
	");"
	"CREATE INDEX segments_by_release ON segments(release_id);",

	/* 12 -> 13: a release file's MD5, when the download computed one (a
	 * Google Drive file: Drive's files API gives the MD5, so an unchanged
	 * file is known without downloading it).  NULL for the files before
	 * and for those without. */
	"ALTER TABLE release_files ADD COLUMN md5 TEXT;",
};

/* The schema whose migration moves entries into segments. */
#define SCHEMA_SEGMENTS 12

static const char sql_installation_id[] = "SELECT id FROM installation";
static const char sql_release_sha256[] =
	"SELECT sha256 FROM releases WHERE id = ?1";
static const char sql_dataset_find[] =
	"SELECT id FROM datasets WHERE name = ?1";
static const char sql_dataset_insert[] =
	"INSERT INTO datasets(name) VALUES (?1)";
static const char sql_run_begin[] =
	"INSERT INTO runs(dataset_id, started) VALUES (?1, ?2)";
static const char sql_run_end[] =
	"UPDATE runs SET ended = ?2, outcome = ?3, http_status = ?4, "
	"bytes = ?5, error = ?6, files = ?7, files_fetched = ?8, "
	"files_parsed = ?9, retry_after = ?10 WHERE id = ?1";
static const char sql_run_last[] =
	"SELECT id, dataset_id, started, coalesce(ended, 0), outcome, "
	"coalesce(http_status, 0), bytes, error, coalesce(retry_after, 0) "
	"FROM runs "
	"WHERE dataset_id = ?1 ORDER BY id DESC LIMIT 1";
/* ?2: 1 failed (one more), 0 success (none), -1 stopped (as it was). */
static const char sql_failures_set[] =
	"UPDATE datasets SET consecutive_failures = "
	"CASE ?2 WHEN 1 THEN consecutive_failures + 1 WHEN 0 THEN 0 "
	"ELSE consecutive_failures END "
	"WHERE id = (SELECT dataset_id FROM runs WHERE id = ?1)";
static const char sql_failures_get[] =
	"SELECT consecutive_failures FROM datasets WHERE id = ?1";
static const char sql_next_check_get[] =
	"SELECT next_check FROM datasets WHERE id = ?1";
static const char sql_next_check_set[] =
	"UPDATE datasets SET next_check = ?2 WHERE id = ?1";
static const char sql_validators_get[] =
	"SELECT fetch_url, etag, last_modified FROM datasets WHERE id = ?1";
static const char sql_validators_set[] =
	"UPDATE datasets SET fetch_url = ?2, etag = ?3, last_modified = ?4 "
	"WHERE id = ?1";

static const char *const store_outcomes[STORE_OUTCOME_MAX] = {
	[STORE_OUTCOME_RUNNING] = "running",
	[STORE_OUTCOME_UNCHANGED] = "unchanged",
	[STORE_OUTCOME_NEW_RELEASE] = "new-release",
	[STORE_OUTCOME_FAILED] = "failed",
	[STORE_OUTCOME_STOPPED] = "stopped",
};

/* What SQLITE_CANTOPEN was: the open(2) error SQLite recorded when it is
 * one open(2) gives, a link where none may be, else an I/O error. */
static int cantopen_errno(int rc, int sys)
{
	static const int opens[] = {ENOENT,  EACCES, EPERM,  EROFS,
				    ENOTDIR, EISDIR, ELOOP,  ENAMETOOLONG,
				    EMFILE,  ENFILE, ENOSPC, EDQUOT};
	size_t i;

	if (rc == SQLITE_CANTOPEN_SYMLINK)
		return -ELOOP;
	for (i = 0; i < ELEMENTSOF(opens); i++)
		if (sys == opens[i])
			return -sys;
	return -EIO;
}

/* Converts an SQLite result code to a negative errno, logging SQLite's
 * message at debug level. */
int store_errno(struct store *s, int rc, const char *what)
{
	int sys = s->db ? sqlite3_system_errno(s->db) : 0;

	log_debug("SQLite: %s: %s (%d)", what,
		  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), rc);
	/* A full disk can surface as an I/O error (growing the WAL index
	 * fails with SQLITE_IOERR_SHMSIZE): say ENOSPC then, not a vague EIO.
	 * Only these errnos are taken: SQLite reads errno after the fact, so
	 * any other value may be left over from an unrelated call. */
	if ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT))
		return -sys;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return cantopen_errno(rc, sys);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	default:
		return -EIO;
	}
}

int store_schema_version(void)
{
	return (int)ELEMENTSOF(store_migrations);
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql, int *r)
{
	sqlite3_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < s->n_cache; i++)
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].st);
			sqlite3_clear_bindings(s->cache[i].st);
			return s->cache[i].st;
		}
	assert(s->n_cache < ELEMENTSOF(s->cache));
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
				NULL);
	if (rc != SQLITE_OK) {
		*r = store_errno(s, rc, sql);
		return NULL;
	}
	s->cache[s->n_cache].sql = sql;
	s->cache[s->n_cache++].st = st;
	return st;
}

/* Steps a statement that returns no row (or the first row only), then
 * resets it.  Returns 1 for a row, 0 for done, or -errno. */
int store_step(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return store_errno(s, rc, sqlite3_sql(st));
}

sqlite3_stmt *store_stmt_id(struct store *s, const char *sql, int64_t id,
			    int *r)
{
	sqlite3_stmt *st = store_stmt(s, sql, r);

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return st;
}

sqlite3_stmt *store_row_id(struct store *s, const char *sql, int64_t id, int *r)
{
	sqlite3_stmt *st = store_stmt_id(s, sql, id, r);

	if (!st)
		return NULL;
	*r = store_step(s, st);
	return *r == 1 ? st : NULL;
}

int store_stop(sqlite3_stmt *st, int r)
{
	sqlite3_reset(st);
	return r;
}

int store_exec(struct store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_errno(s, rc, sql);
}

static int store_user_version(struct store *s, int *ret)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(s, rc, "PRAGMA user_version");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_errno(s, rc, "PRAGMA user_version");
}

/* Applies the migrations after the current version, each in a transaction
 * that also bumps user_version, so a crash leaves a whole version. */
static int store_migrate(struct store *s)
{
	char bump[64];
	int version = 0, r;

	r = store_user_version(s, &version);
	if (r < 0)
		return r;
	if (version > store_schema_version()) {
		log_debug("Database schema %d is newer than %d", version,
			  store_schema_version());
		return -EPROTO;
	}
	for (; version < store_schema_version(); version++) {
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d",
			 version + 1);
		r = store_exec(s, "BEGIN IMMEDIATE");
		if (r < 0)
			return r;
		r = store_exec(s, store_migrations[version]);
		if (r >= 0 && version + 1 == SCHEMA_SEGMENTS)
			r = store_entries_migrate(s);
		if (r >= 0)
			r = store_exec(s, bump);
		if (r >= 0)
			r = store_exec(s, "COMMIT");
		if (r < 0) {
			(void)store_exec(s, "ROLLBACK");
			return r;
		}
		log_debug("Database migrated to schema %d", version + 1);
	}
	return 0;
}

/*
 * The path to open: path's directory resolved, its file name as given.
 * SQLITE_OPEN_NOFOLLOW refuses a symbolic link anywhere in the path, but
 * the state directory is often reached through one that its owner made
 * (systemd's StateDirectory= with DynamicUser= makes /var/lib/NAME a link
 * to private/NAME).  Resolving the directory once keeps NOFOLLOW for what
 * matters: the database file itself, and its -wal and -shm files, may not
 * be links planted in the directory.  Returns 0 or -errno.
 */
static int resolve_dir(const char *path, char **ret)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real;
	struct buf b;

	dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	real = realpath(*dir ? dir : "/", NULL);
	free(dir);
	if (!real)
		return -errno;
	buf_init(&b, PATH_MAX);
	if (buf_printf(&b, "%s/%s", strcmp(real, "/") ? real : "",
		       slash ? slash + 1 : path) < 0) {
		free(real);
		buf_free(&b);
		return -ENAMETOOLONG;
	}
	free(real);
	*ret = buf_steal(&b);
	return 0;
}

/* Why the directory or the file of a database that could not be written
 * is not writable: -EACCES (permissions) or -EROFS (a read-only mount),
 * or 0 when neither explains it. */
static int unwritable_errno(const char *real)
{
	const char *slash = strrchr(real, '/');
	_cleanup_free_ char *dir = xstrndup(real, (size_t)(slash - real));

	if (access(*dir ? dir : "/", W_OK) < 0 ||
	    (access(real, W_OK) < 0 && errno != ENOENT))
		return errno == EACCES || errno == EPERM || errno == EROFS
			       ? -errno
			       : 0;
	return 0;
}

/* The entry segments' directory: "entries" beside the database. */
static char *entries_dir_of(const char *real)
{
	const char *slash = strrchr(real, '/');
	size_t len = slash ? (size_t)(slash - real) : 1;
	char *dir = xmalloc(len + sizeof("/entries"));

	memcpy(dir, slash ? real : ".", len);
	memcpy(dir + len, "/entries", sizeof("/entries"));
	return dir;
}

/* Opens real with flags and reads the schema version, which is the first
 * read.  Returns 0 or -errno; s->db is set either way. */
static int open_and_read(struct store *s, const char *name, int flags,
			 int *version)
{
	int rc = sqlite3_open_v2(name, &s->db, flags | SQLITE_OPEN_NOFOLLOW,
				 NULL);

	if (rc != SQLITE_OK)
		/* The open's code is the primary one; why is in the extended. */
		return store_errno(
			s, s->db ? sqlite3_extended_errcode(s->db) : rc, name);
	sqlite3_extended_result_codes(s->db, 1);
	store_busy_wait(s, STORE_BUSY_WAIT_MS);
	rc = store_entries_register(s);
	return rc < 0 ? rc : store_user_version(s, version);
}

/*
 * The read-only open.  A reader of a WAL database uses the -wal and -shm
 * files; SQLite creates them when missing, and a read-only connection
 * cannot remove them when it closes, so they would be left behind, owned
 * by whoever ran the command (root's would lock the unit's user out).
 * Without a -wal file no connection has the database open, so it is read
 * as immutable, which creates no file; a writer that opens it meanwhile
 * can at worst make this reader fail, never the database.
 */
static int open_read_only(struct store *s, const char *real, int *version)
{
	_cleanup_free_ char *uri = NULL;
	char wal[PATH_MAX + 8];

	snprintf(wal, sizeof(wal), "%s-wal", real);
	if (access(wal, F_OK) == 0 || errno != ENOENT)
		return open_and_read(s, real, SQLITE_OPEN_READONLY, version);
	if (access(real, F_OK) < 0)
		return -errno;
	uri = file_uri(real, "immutable=1");
	return open_and_read(s, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
			     version);
}

/*
 * WAL with synchronous NORMAL: a commit survives any crash of the process;
 * power loss may undo the newest commits, which scrapewatch redoes (an
 * ingest runs again, an alert is sent again under the same id), and never
 * corrupts the file.  The foreign keys in the schema document the links;
 * they are not enforced, because each check is a random read and store.c
 * is the only writer.
 */
static int open_read_write(struct store *s, const char *real)
{
	int version, r;

	r = open_and_read(s, real, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			  &version);
	/* SQLite opens a file it may not write read-only, silently. */
	if (r >= 0 && sqlite3_db_readonly(s->db, "main") == 1)
		r = -EROFS;
	if (r >= 0)
		r = store_exec(s, "PRAGMA journal_mode = WAL;"
				  "PRAGMA synchronous = NORMAL;"
				  "PRAGMA cache_size = -65536;");
	if (r >= 0)
		r = store_migrate(s);
	/* SQLite says "read-only database" for a directory it may not write
	 * in as for a read-only mount: say which. */
	if ((r == -EROFS || r == -EACCES || r == -EIO) &&
	    unwritable_errno(real) < 0)
		r = unwritable_errno(real);
	return r;
}

int store_open(const char *path, enum store_mode mode, struct store **ret)
{
	_cleanup_free_ char *real = NULL;
	struct store *s;
	int version, r;

	r = resolve_dir(path, &real);
	if (r < 0)
		return r;
	s = xcalloc(1, sizeof(*s));
	s->read_only = mode == STORE_READ_ONLY;
	s->entries_dir = entries_dir_of(real);
	if (s->read_only) {
		r = open_read_only(s, real, &version);
		if (r >= 0 && version > store_schema_version())
			r = -EPROTO;
		else if (r >= 0 && version < store_schema_version())
			r = -ESTALE;
		if (r >= 0)
			r = store_exec(s, "PRAGMA cache_size = -65536;");
	} else
		r = open_read_write(s, real);
	if (r >= 0)
		r = store_entries_view(s);
	if (r >= 0 && !s->read_only)
		r = store_entries_sweep(s);
	if (r < 0) {
		store_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* Milliseconds since t. */
static int64_t ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/*
 * SQLite's busy handler: sleeps a little longer each time, up to the
 * store's wait, and says so once a wait passes STORE_LOCK_NOTICE_MS, so
 * that a writer holding the lock too long shows in the log of whoever
 * waited (tests/cli/lockwait.sh looks for it).
 */
static int busy_handler(void *arg, int count)
{
	struct store *s = arg;
	int64_t waited;

	if (count == 0) {
		clock_gettime(CLOCK_MONOTONIC, &s->busy_since);
		s->busy_told = false;
	}
	waited = ms_since(&s->busy_since);
	if (waited >= s->busy_wait_ms)
		return 0;
	if (waited >= STORE_LOCK_NOTICE_MS && !s->busy_told) {
		log_warning("Waited %lld ms for the database's write lock; "
			    "waiting on (up to %d ms)",
			    (long long)waited, s->busy_wait_ms);
		s->busy_told = true;
	}
	usleep((useconds_t)(count < 20 ? 1 + count : 25) * 1000);
	return 1;
}

void store_busy_wait(struct store *s, int ms)
{
	s->busy_wait_ms = ms;
	sqlite3_busy_handler(s->db, ms > 0 ? busy_handler : NULL, s);
}

struct store *store_close(struct store *s)
{
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < s->n_cache; i++)
		sqlite3_finalize(s->cache[i].st);
	keymap_free(s->owners);
	store_entries_free(s);
	sqlite3_close(s->db);
	free(s->entries_dir);
	free(s);
	return NULL;
}

int store_find(struct store *s, const char *find,
	       void (*bind)(sqlite3_stmt *st, const void *arg), const void *arg,
	       int64_t *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, find, &r);
	if (!st)
		return r;
	bind(st, arg);
	r = store_step(s, st);
	if (r == 1) {
		*ret = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return r;
}

int store_find_or_add(struct store *s, const char *find, const char *add,
		      void (*bind)(sqlite3_stmt *st, const void *arg),
		      const void *arg, int64_t *ret)
{
	sqlite3_stmt *st;
	int r;

	r = store_find(s, find, bind, arg, ret);
	if (r != 0)
		return r < 0 ? r : 0;
	st = store_stmt(s, add, &r);
	if (!st)
		return r;
	bind(st, arg);
	r = store_step(s, st);
	if (r < 0)
		return r;
	*ret = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static void bind_name(sqlite3_stmt *st, const void *name)
{
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
}

int store_dataset_id(struct store *s, const char *name, int64_t *ret_id)
{
	sqlite3_stmt *st;
	int r = 0;

	if (s->read_only) {
		st = store_stmt(s, sql_dataset_find, &r);
		if (!st)
			return r;
		bind_name(st, name);
		r = store_step(s, st);
		*ret_id = r == 1 ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		return r < 0 ? r : 0;
	}
	return store_find_or_add(s, sql_dataset_find, sql_dataset_insert,
				 bind_name, name, ret_id);
}

/* Copies column 0 of st's row into out (size bytes) when it is exactly
 * size - 1 characters long.  Returns 0, or -EBADMSG for another length. */
static int copy_fixed_text(sqlite3_stmt *st, char *out, size_t size)
{
	const char *text = store_column_text(st, 0);

	if (strlen(text) != size - 1)
		return -EBADMSG;
	memcpy(out, text, size);
	return 0;
}

int store_installation_id(struct store *s,
			  char ret[STORE_INSTALLATION_ID_LEN + 1])
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_installation_id, &r);
	if (!st)
		return r;
	r = store_step(s, st);
	if (r == 1)
		r = copy_fixed_text(st, ret, STORE_INSTALLATION_ID_LEN + 1);
	else if (r == 0)
		r = -EBADMSG; /* the migration wrote one row */
	return store_stop(st, r);
}

int store_release_sha256(struct store *s, int64_t release_id, char ret[65])
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_row_id(s, sql_release_sha256, release_id, &r);
	if (!st)
		return r < 0 ? r : -ENOENT;
	return store_stop(st, copy_fixed_text(st, ret, 65));
}

int store_run_begin(struct store *s, int64_t dataset_id, int64_t now,
		    int64_t *ret_run_id)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_run_begin, dataset_id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, now);
	r = store_step(s, st);
	if (r < 0)
		return r;
	*ret_run_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_run_end(struct store *s, const struct store_run *run)
{
	sqlite3_stmt *end, *fail;
	int r = 0;

	if (run->outcome <= STORE_OUTCOME_RUNNING ||
	    run->outcome >= STORE_OUTCOME_MAX)
		return -EINVAL;
	end = store_stmt(s, sql_run_end, &r);
	fail = end ? store_stmt(s, sql_failures_set, &r) : NULL;
	if (!fail)
		return r;
	r = store_exec(s, "SAVEPOINT run_end");
	if (r < 0)
		return r;
	sqlite3_bind_int64(end, 1, run->id);
	sqlite3_bind_int64(end, 2, run->ended);
	sqlite3_bind_text(end, 3, store_outcomes[run->outcome], -1,
			  SQLITE_STATIC);
	if (run->http_status)
		sqlite3_bind_int(end, 4, run->http_status);
	else
		sqlite3_bind_null(end, 4);
	sqlite3_bind_int64(end, 5, run->bytes);
	if (run->files) {
		sqlite3_bind_int64(end, 7, run->files);
		sqlite3_bind_int64(end, 8, run->files_fetched);
		sqlite3_bind_int64(end, 9, run->files_parsed);
	}
	if (run->retry_after)
		sqlite3_bind_int64(end, 10, run->retry_after);
	if (run->error[0])
		sqlite3_bind_text(end, 6, run->error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(end, 6);
	r = store_step(s, end);
	if (r >= 0) {
		sqlite3_bind_int64(fail, 1, run->id);
		sqlite3_bind_int(fail, 2,
				 run->outcome == STORE_OUTCOME_FAILED	 ? 1
				 : run->outcome == STORE_OUTCOME_STOPPED ? -1
									 : 0);
		r = store_step(s, fail);
	}
	if (r < 0) {
		(void)store_exec(s, "ROLLBACK TO run_end; RELEASE run_end");
		return r;
	}
	return store_exec(s, "RELEASE run_end");
}

static enum store_outcome outcome_from_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < STORE_OUTCOME_MAX; i++)
		if (strcmp(name, store_outcomes[i]) == 0)
			return (enum store_outcome)i;
	return STORE_OUTCOME_RUNNING;
}

int store_run_last(struct store *s, int64_t dataset_id, struct store_run *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_row_id(s, sql_run_last, dataset_id, &r);
	if (!st)
		return r;
	*ret = (struct store_run){
		.id = sqlite3_column_int64(st, 0),
		.dataset_id = sqlite3_column_int64(st, 1),
		.started = sqlite3_column_int64(st, 2),
		.ended = sqlite3_column_int64(st, 3),
		.outcome = outcome_from_name(
			(const char *)sqlite3_column_text(st, 4)),
		.http_status = sqlite3_column_int(st, 5),
		.bytes = sqlite3_column_int64(st, 6),
		.retry_after = sqlite3_column_int64(st, 8),
	};
	if (sqlite3_column_type(st, 7) != SQLITE_NULL)
		snprintf(ret->error, sizeof(ret->error), "%s",
			 (const char *)sqlite3_column_text(st, 7));
	sqlite3_reset(st);
	return 1;
}

int store_dataset_failures(struct store *s, int64_t dataset_id)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_failures_get, dataset_id, &r);
	if (!st)
		return r;
	r = store_step(s, st);
	if (r <= 0)
		return r == 0 ? -ENOENT : r;
	r = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return r;
}

void store_idle(struct store *s)
{
	size_t i;

	for (i = 0; i < s->n_cache; i++)
		sqlite3_reset(s->cache[i].st);
}

int store_data_version(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, "PRAGMA data_version", &r);
	if (!st)
		return r;
	r = store_step(s, st);
	if (r <= 0)
		return r == 0 ? -EIO : r;
	*ret = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int store_next_check_get(struct store *s, int64_t dataset_id, int64_t *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_next_check_get, dataset_id, &r);
	if (!st)
		return r;
	r = store_step(s, st);
	if (r <= 0)
		return r == 0 ? -ENOENT : r;
	r = sqlite3_column_type(st, 0) != SQLITE_NULL;
	*ret = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return r;
}

int store_next_check_set(struct store *s, int64_t dataset_id, int64_t when)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_next_check_set, dataset_id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, when);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

void store_bind_json_ids(sqlite3_stmt *st, int col, const int64_t *ids,
			 size_t n)
{
	struct buf b;
	size_t i;

	/* 21 bytes a 64-bit id and its comma, and the brackets. */
	buf_init(&b, 21 * n + 3);
	(void)buf_putc(&b, '[');
	for (i = 0; i < n; i++)
		(void)buf_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
	(void)buf_putc(&b, ']');
	sqlite3_bind_text(st, col, b.data, (int)b.len, SQLITE_TRANSIENT);
	buf_free(&b);
}

void store_bind_json_texts(sqlite3_stmt *st, int col, const char *const *texts,
			   size_t n)
{
	struct buf b;
	size_t i, max = 3;

	/* A character takes six bytes at most escaped ("\u001f"), a text
	 * its quotes and a comma more. */
	for (i = 0; i < n; i++)
		max += 6 * strlen(texts[i]) + 3;
	buf_init(&b, max);
	(void)buf_putc(&b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			(void)buf_putc(&b, ',');
		(void)text_json_string(&b, texts[i]);
	}
	(void)buf_putc(&b, ']');
	sqlite3_bind_text(st, col, b.data, (int)b.len, SQLITE_TRANSIENT);
	buf_free(&b);
}

const char *store_column_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

void store_column_copy(sqlite3_stmt *st, int col, char *dest, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dest, size, "%s", t ? (const char *)t : "");
}

void store_bind_text_or_null(sqlite3_stmt *st, int col, const char *t)
{
	if (t && *t)
		sqlite3_bind_text(st, col, t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col);
}

int store_validators_get(struct store *s, int64_t dataset_id,
			 struct store_validators *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	*ret = (struct store_validators){.url = ""};
	st = store_row_id(s, sql_validators_get, dataset_id, &r);
	if (!st)
		return r;
	store_column_copy(st, 0, ret->url, sizeof(ret->url));
	store_column_copy(st, 1, ret->etag, sizeof(ret->etag));
	store_column_copy(st, 2, ret->last_modified,
			  sizeof(ret->last_modified));
	sqlite3_reset(st);
	return ret->etag[0] || ret->last_modified[0];
}

int store_validators_set(struct store *s, int64_t dataset_id,
			 const struct store_validators *v)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_validators_set, dataset_id, &r);
	if (!st)
		return r;
	store_bind_text_or_null(st, 2, v->url);
	store_bind_text_or_null(st, 3, v->etag);
	store_bind_text_or_null(st, 4, v->last_modified);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_begin(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

int store_commit(struct store *s)
{
	return store_exec(s, "COMMIT");
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)store_exec(s, "ROLLBACK");
	/* Owners added by the rolled-back transaction are gone again, and
	 * so are the segments it listed. */
	s->owners = keymap_free(s->owners);
	s->entries_generation++;
}

void store_cache_size(struct store *s, unsigned mib)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%u", mib * 1024);
	(void)store_exec(s, sql);
}

const char *store_outcome_name(enum store_outcome o)
{
	return o < STORE_OUTCOME_MAX ? store_outcomes[o] : "unknown";
}
