/*
 * store_internal.h: what store.c shares with the other files of the store
 * (store_index.c, store_events.c, ...), and nothing outside store/ may
 * include: the connection, the statement cache, row and column helpers and
 * the SQLite result-code conversion.
 */
#ifndef SCRAPEWATCH_STORE_INTERNAL_H
#define SCRAPEWATCH_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct keymap;
struct store_entries;

/* The name ending of an entry segment file (store_segment.h). */
#define SEGMENT_SUFFIX ".seg"

struct store {
	sqlite3 *db;	       /* owned */
	struct keymap *owners; /* owned: owner names -> row id, or NULL */
	struct {
		const char *sql;  /* a static string: the cache key */
		sqlite3_stmt *st; /* owned, prepared once */
	} cache[128];
	size_t n_cache;
	bool read_only;		       /* opened STORE_READ_ONLY */
	char *entries_dir;	       /* owned: where the entry segments are */
	struct store_entries *entries; /* owned: the segments read, or NULL */
	/* Bumped when this connection adds a segment or rolls back. */
	uint64_t entries_generation;
	int busy_wait_ms;	    /* store_busy_wait() */
	struct timespec busy_since; /* when the current wait began */
	bool busy_told;		    /* it was logged */
};

/* The statement for sql (a static string), prepared once, then reset and
 * unbound on every call.  NULL with *r = -errno on failure. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql, int *r);
/* store_stmt() with ?1 bound to id: the query by one row id. */
sqlite3_stmt *store_stmt_id(struct store *s, const char *sql, int64_t id,
			    int *r);
/* Steps st: 1 for a row, 0 when done (then reset), or -errno. */
int store_step(struct store *s, sqlite3_stmt *st);
/* The first row of store_stmt_id()'s query: the statement on that row
 * (its columns borrowed until the statement is reset), or NULL with
 * *r = 0 when there is none or -errno. */
sqlite3_stmt *store_row_id(struct store *s, const char *sql, int64_t id,
			   int *r);
/* Ends a row loop early: resets st, so that no read stays open, and
 * returns r. */
int store_stop(sqlite3_stmt *st, int r);
/* Runs SQL without parameters.  Returns 0 or -errno. */
int store_exec(struct store *s, const char *sql);
/* Looks a row up with find (bound by bind(st, arg)): 1 with its first
 * column in *ret, 0 when there is none, or -errno. */
int store_find(struct store *s, const char *find,
	       void (*bind)(sqlite3_stmt *st, const void *arg), const void *arg,
	       int64_t *ret);
/* Looks a row up with find (bound by bind(st, arg)) and returns its first
 * column in *ret; if there is none, inserts it with add (bound the same
 * way) and returns the new row id.  Returns 0 or -errno. */
int store_find_or_add(struct store *s, const char *find, const char *add,
		      void (*bind)(sqlite3_stmt *st, const void *arg),
		      const void *arg, int64_t *ret);
/* The entry columns every query below reads, in store_entry_from_row()'s order,
 * followed by one extra column (a kind). */
#define ENTRY_COLUMNS                                                     \
	"e.id, e.key, coalesce(e.photo_id, 0), o.nsid, o.alias, o.name, " \
	"coalesce(e.key_text, ''), coalesce(e.page_url, ''), "            \
	"coalesce(e.image_url, ''), coalesce(e.license, ''), e.line, "    \
	"e.offset, e.length, e.first_release, coalesce(e.file_id, 0)"
#define ENTRY_KIND_COLUMN 15
struct store_entry;
/* Reads ENTRY_COLUMNS of the current row (strings borrowed until the next
 * step); a column's text, "" for NULL. */
void store_entry_from_row(sqlite3_stmt *st, struct store_entry *e);
const char *store_column_text(sqlite3_stmt *st, int col);
/* Copies a text column into dest ("" for NULL, cut to size). */
void store_column_copy(sqlite3_stmt *st, int col, char *dest, size_t size);
/* Binds ids, or texts, as a JSON array (for json_each()) to column col. */
void store_bind_json_ids(sqlite3_stmt *st, int col, const int64_t *ids,
			 size_t n);
void store_bind_json_texts(sqlite3_stmt *st, int col, const char *const *texts,
			   size_t n);
/* Binds text, or NULL for NULL or "". */
void store_bind_text_or_null(sqlite3_stmt *st, int col, const char *t);
/* Converts an SQLite result code to -errno, logging SQLite's text at
 * debug level. */
int store_errno(struct store *s, int rc, const char *what);

#endif
