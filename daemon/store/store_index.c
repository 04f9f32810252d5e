/*
 * store_index.c: the SQL of the release index (store_index.h).
 *
 * Owners are interned: an in-process cache maps an owner (NSID, alias,
 * name) to its row id, so that a release with millions of entries does
 * not look each owner up again.  Keys are unsigned 64-bit values
 * stored in SQLite's signed INTEGER by their bit pattern.
 */
#include "store/store_index.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/keymap.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/flickr.h"
#include "store/store_internal.h"

static const char sql_release_latest[] =
	"SELECT id, dataset_id, seq, sha256, size, decoded_size, ingested, "
	"source, kind, entries, added, removed, reincluded, bad_records, "
	"etag, last_modified, file, revision "
	"FROM releases WHERE dataset_id = ?1 ORDER BY seq DESC LIMIT 1";
static const char sql_release_all[] =
	"SELECT id, dataset_id, seq, sha256, size, decoded_size, ingested, "
	"source, kind, entries, added, removed, reincluded, bad_records, "
	"etag, last_modified, file, revision "
	"FROM releases WHERE dataset_id = ?1 ORDER BY seq";
static const char sql_release_add[] =
	"INSERT INTO releases(dataset_id, seq, sha256, size, decoded_size, "
	"ingested, source, kind, etag, last_modified, file, revision) "
	"VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 "
	"FROM releases WHERE dataset_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	"?10, ?11) "
	"RETURNING id, seq";
/* Files beyond the newest ?2, except those that are evidence: the release
 * where a photo some subscriber was told about was first seen. */
static const char sql_release_files[] =
	"WITH old AS (SELECT id, seq, file FROM releases WHERE dataset_id = ?1 "
	"ORDER BY seq DESC LIMIT -1 OFFSET ?2), "
	"kept AS (SELECT id, seq, file FROM old WHERE file IS NOT NULL "
	"UNION ALL SELECT o.id, o.seq, f.file FROM old o JOIN release_files f "
	"ON f.release_id = o.id WHERE f.file IS NOT NULL) "
	"SELECT k.id, k.file FROM kept k WHERE NOT EXISTS (SELECT 1 FROM "
	"event_photos p JOIN entries e ON e.id = p.entry_id WHERE "
	"e.first_release = k.id) ORDER BY k.seq DESC";
static const char sql_release_forget_file[] =
	"UPDATE releases SET file = NULL WHERE id = ?1 AND file = ?2";
static const char sql_release_forget_files[] =
	"UPDATE release_files SET file = NULL WHERE release_id = ?1 AND "
	"file = ?2";
static const char sql_file_kept[] =
	"SELECT 1 FROM releases WHERE file = ?1 UNION ALL "
	"SELECT 1 FROM release_files WHERE file = ?1 LIMIT 1";
static const char sql_release_file_add[] =
	"INSERT INTO release_files(release_id, name, url, sha256, size, etag, "
	"last_modified, file, md5) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_release_file_set_md5[] =
	"UPDATE release_files SET md5 = ?2 WHERE id = ?1 AND md5 IS NULL";
#define RELEASE_FILE_COLUMNS                                            \
	"id, release_id, name, url, sha256, size, coalesce(etag, ''), " \
	"coalesce(last_modified, ''), coalesce(file, ''), coalesce(md5, '')"
static const char sql_release_files_of[] =
	"SELECT " RELEASE_FILE_COLUMNS
	" FROM release_files WHERE release_id = ?1 ORDER BY name";
static const char sql_release_file_get[] =
	"SELECT " RELEASE_FILE_COLUMNS " FROM release_files WHERE id = ?1";
static const char sql_release_finish[] =
	"UPDATE releases SET entries = ?2, added = ?3, removed = ?4, "
	"reincluded = ?5, bad_records = ?6 WHERE id = ?1";
static const char sql_owner_find[] =
	"SELECT id FROM owners WHERE nsid = ?1 AND alias = ?2 AND name = ?3";
static const char sql_owner_add[] =
	"INSERT INTO owners(nsid, alias, name) VALUES (?1, ?2, ?3)";
static const char sql_change_add[] =
	"INSERT INTO change_log(release_id, entry_id, kind) "
	"VALUES (?1, ?2, ?3)";
/* Every entry of a dataset, and its removals and reinclusions, both by
 * entry: store_items_each() merges them. */
static const char sql_items[] =
	"SELECT e.id, e.key FROM entries e WHERE e.dataset_id = ?1 "
	"ORDER BY e.id";
static const char sql_items_moved[] =
	"SELECT c.entry_id, c.kind FROM change_log c JOIN releases r ON "
	"r.id = c.release_id WHERE r.dataset_id = ?1 "
	"ORDER BY c.entry_id, c.release_id";
static const char sql_changes[] =
	"SELECT " ENTRY_COLUMNS ", c.kind "
	"FROM changes c JOIN entries e ON e.id = c.entry_id "
	"LEFT JOIN owners o ON o.id = e.owner_id "
	"WHERE c.release_id = ?1 ORDER BY c.kind, e.key";
/*
 * The changes of release ?2 of dataset ?1 that the watch subjects may
 * match, by kind then key: entries of a photo id of ?4, of an owner named
 * by ?5 (NSIDs), ?6 (aliases) or ?7 (display names), or naming no NSID or
 * alias while an entry of one of the ownership datasets ?3 with the same
 * photo id names such an owner.  Each a JSON array.  The same candidates
 * as sql_present_candidates, for many subjects at once.
 */
static const char sql_changed_candidates[] =
	"WITH wo(id) AS ("
	"SELECT o.id FROM owners o WHERE o.nsid IN "
	"(SELECT value FROM json_each(?5)) "
	"UNION SELECT o.id FROM owners o WHERE o.alias COLLATE NOCASE IN "
	"(SELECT value FROM json_each(?6)) "
	"UNION SELECT o.id FROM owners o WHERE o.name COLLATE NOCASE IN "
	"(SELECT value FROM json_each(?7))), "
	"hits(entry_id) AS ("
	"SELECT e.id FROM entries e WHERE e.photo_id IN "
	"(SELECT value FROM json_each(?4)) AND e.dataset_id = ?1 "
	"UNION SELECT e.id FROM wo JOIN entries e "
	"ON e.owner_id = wo.id AND e.dataset_id = ?1 "
	"UNION SELECT d.id FROM wo JOIN entries y ON y.owner_id = wo.id "
	"AND y.dataset_id IN (SELECT value FROM json_each(?3)) "
	"JOIN entries d ON d.photo_id = y.photo_id AND d.dataset_id = ?1 "
	"LEFT JOIN owners n ON n.id = d.owner_id "
	"WHERE coalesce(n.nsid, '') = '' AND coalesce(n.alias, '') = '') "
	"SELECT " ENTRY_COLUMNS ", CASE WHEN e.first_release = ?2 THEN 1 "
	"ELSE (SELECT c.kind FROM change_log c WHERE c.release_id = ?2 AND "
	"c.entry_id = e.id) END AS kind FROM hits h "
	"JOIN entries e ON e.id = h.entry_id "
	"LEFT JOIN owners o ON o.id = e.owner_id "
	"WHERE kind IS NOT NULL ORDER BY kind, e.key";
/* Presence of entry e (first seen in release f) at release seq: seen by
 * then, and its last removal or reinclusion up to then, if any, a
 * reinclusion.  Not through the changes view: SQLite would materialise it
 * for a correlated subquery, every entry of every dataset. */
#define PRESENT_AT(seq)                                                      \
	"(f.seq <= " seq " AND coalesce((SELECT c.kind = 3 FROM change_log " \
	"c JOIN releases r ON r.id = c.release_id WHERE c.entry_id = e.id "  \
	"AND r.seq <= " seq " ORDER BY r.seq DESC LIMIT 1), 1))"
/* The entries whose presence differs between releases ?2 and ?3 of
 * dataset ?1: of those added, removed or reincluded after ?2 up to ?3. */
static const char sql_diff[] =
	"WITH rel AS (SELECT id FROM releases WHERE dataset_id = ?1 AND "
	"seq > ?2 AND seq <= ?3), "
	"touched(entry_id) AS (SELECT c.entry_id FROM rel "
	"JOIN change_log c ON c.release_id = rel.id "
	"UNION SELECT e.id FROM rel JOIN entries e ON e.first_release = rel.id), "
	"state AS (SELECT t.entry_id, " PRESENT_AT("?2") " AS a, " PRESENT_AT(
		"?3") " AS b FROM touched t JOIN entries e ON e.id = t.entry_id "
		      "JOIN releases f ON f.id = e.first_release) "
		      "SELECT " ENTRY_COLUMNS ", CASE WHEN NOT s.b THEN 2 "
		      "WHEN f.seq <= ?2 THEN 3 ELSE 1 END AS kind "
		      "FROM state s JOIN entries e ON e.id = s.entry_id "
		      "JOIN releases f ON f.id = e.first_release "
		      "LEFT JOIN owners o ON o.id = e.owner_id "
		      "WHERE s.a != s.b ORDER BY kind, e.key";
static const char sql_search[] =
	"SELECT " ENTRY_COLUMNS ", d.name, "
	"CASE WHEN ?1 != 0 AND e.photo_id = ?1 THEN 1 "
	"WHEN ?2 != '' AND o.nsid = ?2 THEN 2 "
	"WHEN ?3 != '' AND o.alias = ?3 COLLATE NOCASE THEN 3 ELSE 4 END "
	"FROM entries e JOIN datasets d ON d.id = e.dataset_id "
	"LEFT JOIN owners o ON o.id = e.owner_id "
	"WHERE (?1 != 0 AND e.photo_id = ?1) OR e.owner_id IN (SELECT id FROM "
	"owners WHERE (?2 != '' AND nsid = ?2) OR (?3 != '' AND alias = ?3 "
	"COLLATE NOCASE) OR (?4 != '' AND name = ?4 COLLATE NOCASE)) "
	"ORDER BY d.name, e.photo_id, e.key";
static const char sql_history[] =
	"SELECT c.kind, r.seq FROM changes c JOIN releases r ON "
	"r.id = c.release_id WHERE c.entry_id = ?1 ORDER BY r.seq";

static void release_from_row(sqlite3_stmt *st, struct store_release *r)
{
	*r = (struct store_release){
		.id = sqlite3_column_int64(st, 0),
		.dataset_id = sqlite3_column_int64(st, 1),
		.seq = sqlite3_column_int64(st, 2),
		.size = sqlite3_column_int64(st, 4),
		.decoded_size = sqlite3_column_int64(st, 5),
		.ingested = sqlite3_column_int64(st, 6),
		.entries = sqlite3_column_int64(st, 9),
		.added = sqlite3_column_int64(st, 10),
		.removed = sqlite3_column_int64(st, 11),
		.reincluded = sqlite3_column_int64(st, 12),
		.bad_records = sqlite3_column_int64(st, 13),
	};
	store_column_copy(st, 3, r->sha256, sizeof(r->sha256));
	store_column_copy(st, 7, r->source, sizeof(r->source));
	store_column_copy(st, 8, r->kind, sizeof(r->kind));
	store_column_copy(st, 14, r->etag, sizeof(r->etag));
	store_column_copy(st, 15, r->last_modified, sizeof(r->last_modified));
	store_column_copy(st, 16, r->file, sizeof(r->file));
	store_column_copy(st, 17, r->revision, sizeof(r->revision));
}

int store_release_latest(struct store *s, int64_t dataset_id,
			 struct store_release *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_row_id(s, sql_release_latest, dataset_id, &r);
	if (!st)
		return r;
	release_from_row(st, ret);
	sqlite3_reset(st);
	return 1;
}

int store_releases_each(struct store *s, int64_t dataset_id,
			int (*fn)(void *userdata,
				  const struct store_release *r),
			void *userdata)
{
	struct store_release rel;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_release_all, dataset_id, &r);
	if (!st)
		return r;
	while ((r = store_step(s, st)) == 1) {
		release_from_row(st, &rel);
		r = fn(userdata, &rel);
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}

int store_release_add(struct store *s, struct store_release *rel)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_release_add, rel->dataset_id, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 2, rel->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, rel->size);
	sqlite3_bind_int64(st, 4, rel->decoded_size);
	sqlite3_bind_int64(st, 5, rel->ingested);
	sqlite3_bind_text(st, 6, rel->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, rel->kind, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 8, rel->etag);
	store_bind_text_or_null(st, 9, rel->last_modified);
	store_bind_text_or_null(st, 10, rel->file);
	store_bind_text_or_null(st, 11, rel->revision);
	r = store_step(s, st);
	if (r <= 0)
		return r < 0 ? r : -EIO;
	rel->id = sqlite3_column_int64(st, 0);
	rel->seq = sqlite3_column_int64(st, 1);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_release_files_beyond(struct store *s, int64_t dataset_id,
			       uint64_t keep,
			       int (*fn)(void *userdata, int64_t release_id,
					 const char *file),
			       void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_release_files, dataset_id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, (int64_t)MIN(keep, (uint64_t)INT64_MAX));
	while ((r = store_step(s, st)) == 1) {
		r = fn(userdata, sqlite3_column_int64(st, 0),
		       (const char *)sqlite3_column_text(st, 1));
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}

int store_file_kept(struct store *s, const char *file)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_file_kept, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	r = store_step(s, st);
	if (r == 1)
		sqlite3_reset(st);
	return r;
}

int store_release_forget_file(struct store *s, int64_t release_id,
			      const char *file)
{
	const char *const sql[] = {sql_release_forget_file,
				   sql_release_forget_files};
	sqlite3_stmt *st;
	size_t i;
	int r = 0;

	for (i = 0; i < ELEMENTSOF(sql); i++) {
		st = store_stmt_id(s, sql[i], release_id, &r);
		if (!st)
			return r;
		sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
		r = store_step(s, st);
		if (r < 0)
			return r;
	}
	return store_file_kept(s, file);
}

int store_release_file_add(struct store *s, struct store_release_file *f)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_release_file_add, f->release_id, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, f->size);
	store_bind_text_or_null(st, 6, f->etag);
	store_bind_text_or_null(st, 7, f->last_modified);
	store_bind_text_or_null(st, 8, f->file);
	store_bind_text_or_null(st, 9, f->md5);
	r = store_step(s, st);
	if (r < 0)
		return r;
	f->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_release_file_set_md5(struct store *s, int64_t id, const char *md5)
{
	sqlite3_stmt *st;
	int r = 0;

	if (strlen(md5) != 32 || strspn(md5, "0123456789abcdef") != 32)
		return -EINVAL;
	st = store_stmt_id(s, sql_release_file_set_md5, id, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 2, md5, -1, SQLITE_STATIC);
	r = store_step(s, st);
	if (r < 0)
		return r;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

static void release_file_from_row(sqlite3_stmt *st,
				  struct store_release_file *f)
{
	*f = (struct store_release_file){
		.id = sqlite3_column_int64(st, 0),
		.release_id = sqlite3_column_int64(st, 1),
		.size = sqlite3_column_int64(st, 5),
	};
	store_column_copy(st, 2, f->name, sizeof(f->name));
	store_column_copy(st, 3, f->url, sizeof(f->url));
	store_column_copy(st, 4, f->sha256, sizeof(f->sha256));
	store_column_copy(st, 6, f->etag, sizeof(f->etag));
	store_column_copy(st, 7, f->last_modified, sizeof(f->last_modified));
	store_column_copy(st, 8, f->file, sizeof(f->file));
	store_column_copy(st, 9, f->md5, sizeof(f->md5));
}

int store_release_files_each(struct store *s, int64_t release_id,
			     int (*fn)(void *userdata,
				       const struct store_release_file *f),
			     void *userdata)
{
	struct store_release_file f;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_release_files_of, release_id, &r);
	if (!st)
		return r;
	while ((r = store_step(s, st)) == 1) {
		release_file_from_row(st, &f);
		r = fn(userdata, &f);
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}

int store_release_file_get(struct store *s, int64_t id,
			   struct store_release_file *ret)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_row_id(s, sql_release_file_get, id, &r);
	if (!st)
		return r;
	release_file_from_row(st, ret);
	sqlite3_reset(st);
	return 1;
}

int store_release_finish(struct store *s, const struct store_release *rel)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_release_finish, rel->id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, rel->entries);
	sqlite3_bind_int64(st, 3, rel->added);
	sqlite3_bind_int64(st, 4, rel->removed);
	sqlite3_bind_int64(st, 5, rel->reincluded);
	sqlite3_bind_int64(st, 6, rel->bad_records);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

/* Binds the owner triple of an entry to columns 1..3 of st. */
static void bind_owner(sqlite3_stmt *st, const void *arg)
{
	const struct store_entry *e = arg;

	sqlite3_bind_text(st, 1, e->nsid ? e->nsid : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->alias ? e->alias : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->name ? e->name : "", -1, SQLITE_STATIC);
}

/*
 * Owners repeat (YFCC100M has one per 70 photos), so their row ids are
 * cached by their three names; past OWNER_CACHE_MAX owners the rest are
 * looked up in the table each time.  A rollback empties the cache
 * (store.c), since the owners it added are gone again.
 */
#define OWNER_CACHE_MAX (1u << 20)
#define OWNER_KEY_MAX	(3 * (FLICKR_ALIAS_MAX + 64))

/* Writes the owner's names as "nsid\0alias\0name\0" into b. */
static void owner_key(struct buf *b, const struct store_entry *e)
{
	buf_reset(b);
	(void)buf_append(b, e->nsid, strlen(e->nsid) + 1);
	(void)buf_append(b, e->alias, strlen(e->alias) + 1);
	(void)buf_append(b, e->name, strlen(e->name) + 1);
}

/* The owner's row id (0: the entry names no owner): 1 when it has one, or
 * was added (add), 0 when it has none, or -errno. */
static int owner_id(struct store *s, const struct store_entry *e, bool add,
		    int64_t *ret)
{
	struct buf key;
	int r;

	*ret = 0;
	if (!*e->nsid && !*e->alias && !*e->name)
		return 1;
	if (!s->owners)
		s->owners = keymap_new(OWNER_CACHE_MAX, OWNER_KEY_MAX);
	buf_init(&key, 3 * 65536);
	owner_key(&key, e);
	*ret = keymap_get(s->owners, key.data, key.len);
	if (*ret) {
		buf_free(&key);
		return 1;
	}
	r = add ? store_find_or_add(s, sql_owner_find, sql_owner_add,
				    bind_owner, e, ret)
		: store_find(s, sql_owner_find, bind_owner, e, ret);
	if (r >= 0 && add)
		r = 1;
	if (r == 1)
		(void)keymap_put(s->owners, key.data, key.len, *ret);
	buf_free(&key);
	return r;
}

int store_change_add(struct store *s, int64_t release_id, int64_t entry_id,
		     enum store_change kind)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_change_add, release_id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, entry_id);
	sqlite3_bind_int(st, 3, kind);
	r = store_step(s, st);
	return r < 0 ? r : 0;
}

int store_owner_of(struct store *s, const struct store_entry *e, int64_t *ret)
{
	int r = owner_id(s, e, true, ret);

	return r < 0 ? r : 0;
}

int store_owner_find(struct store *s, const struct store_entry *e, int64_t *ret)
{
	return owner_id(s, e, false, ret);
}

int store_items_each(struct store *s, int64_t dataset_id,
		     int (*fn)(void *userdata, uint64_t key, int64_t id,
			       bool present),
		     void *userdata)
{
	sqlite3_stmt *st, *moved;
	int64_t moved_id = INT64_MAX;
	int r = 0, m;

	moved = store_stmt_id(s, sql_items_moved, dataset_id, &r);
	if (!moved)
		return r;
	m = store_step(s, moved);
	st = store_stmt_id(s, sql_items, dataset_id, &r);
	if (!st || m < 0)
		return store_stop(moved, st ? m : r);
	if (m == 1)
		moved_id = sqlite3_column_int64(moved, 0);
	while ((r = store_step(s, st)) == 1) {
		int64_t id = sqlite3_column_int64(st, 0);
		bool present = true; /* added, and not removed since */

		while (m == 1 && moved_id <= id) {
			if (moved_id == id)
				present = sqlite3_column_int(moved, 1) !=
					  STORE_CHANGE_REMOVED;
			m = store_step(s, moved);
			moved_id = m == 1 ? sqlite3_column_int64(moved, 0)
					  : INT64_MAX;
		}
		r = m < 0 ? m
			  : fn(userdata, (uint64_t)sqlite3_column_int64(st, 1),
			       id, present);
		if (r < 0)
			break;
	}
	store_stop(moved, 0);
	return r < 0 ? store_stop(st, r) : r;
}

void store_entry_from_row(sqlite3_stmt *st, struct store_entry *e)
{
	*e = (struct store_entry){
		.id = sqlite3_column_int64(st, 0),
		.key = (uint64_t)sqlite3_column_int64(st, 1),
		.photo_id = (uint64_t)sqlite3_column_int64(st, 2),
		.nsid = store_column_text(st, 3),
		.alias = store_column_text(st, 4),
		.name = store_column_text(st, 5),
		.key_text = store_column_text(st, 6),
		.page_url = store_column_text(st, 7),
		.image_url = store_column_text(st, 8),
		.license = store_column_text(st, 9),
		.line = (uint64_t)sqlite3_column_int64(st, 10),
		.offset = (uint64_t)sqlite3_column_int64(st, 11),
		.length = (uint64_t)sqlite3_column_int64(st, 12),
		.first_release = sqlite3_column_int64(st, 13),
		.file_id = sqlite3_column_int64(st, 14),
	};
}

/* Steps a bound entry query, calling fn with the kind column per row. */
static int entries_each(struct store *s, sqlite3_stmt *st,
			int (*fn)(void *userdata, enum store_change kind,
				  const struct store_entry *e),
			void *userdata)
{
	struct store_entry e;
	int r;

	while ((r = store_step(s, st)) == 1) {
		store_entry_from_row(st, &e);
		r = fn(userdata,
		       (enum store_change)sqlite3_column_int(st,
							     ENTRY_KIND_COLUMN),
		       &e);
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}

int store_changes_each(struct store *s, int64_t release_id,
		       int (*fn)(void *userdata, enum store_change kind,
				 const struct store_entry *e),
		       void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_changes, release_id, &r);
	if (!st)
		return r;
	return entries_each(s, st, fn, userdata);
}

int store_changed_candidates(struct store *s, int64_t dataset_id,
			     int64_t release_id, const int64_t *ownership,
			     size_t n_ownership, const struct store_subjects *q,
			     int (*fn)(void *userdata, enum store_change kind,
				       const struct store_entry *e),
			     void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt(s, sql_changed_candidates, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, dataset_id);
	sqlite3_bind_int64(st, 2, release_id);
	store_bind_json_ids(st, 3, ownership, n_ownership);
	store_bind_json_ids(st, 4, q->photos, q->n_photos);
	store_bind_json_texts(st, 5, q->nsids, q->n_nsids);
	store_bind_json_texts(st, 6, q->aliases, q->n_aliases);
	store_bind_json_texts(st, 7, q->names, q->n_names);
	return entries_each(s, st, fn, userdata);
}

int store_diff_each(struct store *s, int64_t dataset_id, int64_t seq_a,
		    int64_t seq_b,
		    int (*fn)(void *userdata, enum store_change kind,
			      const struct store_entry *e),
		    void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_diff, dataset_id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, seq_a);
	sqlite3_bind_int64(st, 3, seq_b);
	return entries_each(s, st, fn, userdata);
}

int store_search(struct store *s, const struct store_query *q,
		 int (*fn)(void *userdata, const char *dataset,
			   enum store_match how, const struct store_entry *e),
		 void *userdata)
{
	struct store_entry e;
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_search, (int64_t)q->photo_id, &r);
	if (!st)
		return r;
	sqlite3_bind_text(st, 2, q->nsid ? q->nsid : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->alias ? q->alias : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, q->name ? q->name : "", -1, SQLITE_STATIC);
	while ((r = store_step(s, st)) == 1) {
		store_entry_from_row(st, &e);
		r = fn(userdata, store_column_text(st, ENTRY_KIND_COLUMN),
		       (enum store_match)sqlite3_column_int(
			       st, ENTRY_KIND_COLUMN + 1),
		       &e);
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}

int store_history_each(struct store *s, int64_t entry_id,
		       int (*fn)(void *userdata, enum store_change kind,
				 int64_t seq),
		       void *userdata)
{
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_history, entry_id, &r);
	if (!st)
		return r;
	while ((r = store_step(s, st)) == 1) {
		r = fn(userdata, (enum store_change)sqlite3_column_int(st, 0),
		       sqlite3_column_int64(st, 1));
		if (r < 0)
			return store_stop(st, r);
	}
	return r;
}
