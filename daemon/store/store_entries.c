/*
 * store_entries.c: the entries table, read from the entry segments
 * (store_segment.h), and the changes view over it.
 *
 * Entries do not live in SQLite: each release that adds entries writes
 * them to a segment file, and the segments table (datasets, release,
 * first row id, count, file) switches to it in the release's commit.  For
 * every query that reads entries, "entries" is an eponymous virtual table
 * over the segments the connection sees, with the columns the table had:
 * a row id lookup is a binary search of the segments by first id, then a
 * place; a photo id or an owner row is a binary search of each segment's
 * index; a release is its one segment.  Other queries scan.
 *
 * "changes" is a temporary view: the removed and reincluded rows of
 * change_log, and an "added" row for every entry (its first release), so
 * the added changes of a release cost no row at all.
 *
 * The segments list is read again when the database changed (its data
 * version, which counts every connection's commits) or this connection
 * added or rolled back a segment; a segment file, immutable, stays mapped
 * while it is listed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "store/store_entries.h"
#include "store/store_internal.h"
#include "store/store_segment.h"

enum {
	COL_ID,
	COL_DATASET,
	COL_KEY,
	COL_PHOTO,
	COL_OWNER,
	COL_FIRST_RELEASE,
	COL_LINE,
	COL_OFFSET,
	COL_LENGTH,
	COL_KEY_TEXT,
	COL_PAGE_URL,
	COL_IMAGE_URL,
	COL_LICENSE,
	COL_FILE_ID,
};

/* The constraints a plan uses, as bits of idxNum; its arguments come in
 * this order. */
enum {
	USE_ID = 1 << 0,
	USE_DATASET = 1 << 1,
	USE_KEY = 1 << 2,
	USE_PHOTO = 1 << 3,
	USE_OWNER = 1 << 4,
	USE_RELEASE = 1 << 5,
};
static const int use_column[] = {COL_ID,    COL_DATASET, COL_KEY,
				 COL_PHOTO, COL_OWNER,	 COL_FIRST_RELEASE};

struct seg {
	int64_t id, dataset_id, release_id, first_id;
	uint64_t n;
	char *file;
	struct segment *g; /* owned, mapped when first read */
	int64_t *file_ids; /* owned: release_files ids by place, or NULL */
	size_t n_file_ids;
	bool files_read;
};

struct store_entries {
	struct seg *v; /* by first_id */
	size_t n;
	uint64_t data_version, generation; /* when read */
	bool loaded;
};

/* A segment's first row id follows every id given before. */
static const char sql_segment_add[] =
	"INSERT INTO segments(dataset_id, release_id, first_id, entries, file) "
	"VALUES (?1, ?2, coalesce(?5, (SELECT coalesce(max(first_id + "
	"entries), 1) FROM segments)), ?3, ?4) RETURNING first_id";
static const char sql_segments[] =
	"SELECT id, dataset_id, release_id, first_id, entries, file "
	"FROM segments ORDER BY first_id";
static const char sql_files_of[] =
	"SELECT id FROM release_files WHERE release_id = ?1 ORDER BY name";

static void seg_free(struct seg *g)
{
	segment_close(g->g);
	free(g->file);
	free(g->file_ids);
}

void store_entries_free(struct store *s)
{
	size_t i;

	if (!s->entries)
		return;
	for (i = 0; i < s->entries->n; i++)
		seg_free(&s->entries->v[i]);
	free(s->entries->v);
	free(s->entries);
	s->entries = NULL;
}

static uint64_t data_version(struct store *s)
{
	int v = 0;

	(void)sqlite3_file_control(s->db, "main", SQLITE_FCNTL_DATA_VERSION,
				   &v);
	return (uint64_t)(unsigned)v;
}

/* Finds the open segment of row id among the old list, to keep it. */
static struct seg *old_seg(struct seg *v, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/* Reads the segments list again if it may have changed. */
static int entries_load(struct store *s)
{
	struct store_entries *e = s->entries;
	struct seg *old, *v = NULL;
	size_t n_old, n = 0, i;
	sqlite3_stmt *st;
	uint64_t dv = data_version(s);
	int rc, r = 0;

	if (!e)
		e = s->entries = xcalloc(1, sizeof(*e));
	if (e->loaded && e->data_version == dv &&
	    e->generation == s->entries_generation)
		return 0;
	rc = sqlite3_prepare_v2(s->db, sql_segments, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(s, rc, sql_segments);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct seg g = {
			.id = sqlite3_column_int64(st, 0),
			.dataset_id = sqlite3_column_int64(st, 1),
			.release_id = sqlite3_column_int64(st, 2),
			.first_id = sqlite3_column_int64(st, 3),
			.n = (uint64_t)sqlite3_column_int64(st, 4),
		};
		struct seg *kept = old_seg(e->v, e->n, g.id);

		if (kept) {
			g = *kept;
			*kept = (struct seg){0};
		} else
			g.file = xstrdup(store_column_text(st, 5));
		if ((n & (n - 1)) == 0)
			v = xreallocarray(v, n ? 2 * n : 1, sizeof(*v));
		v[n++] = g;
	}
	if (rc != SQLITE_DONE)
		r = store_errno(s, rc, sql_segments);
	sqlite3_finalize(st);
	old = e->v;
	n_old = e->n;
	for (i = 0; i < n_old; i++)
		seg_free(&old[i]);
	free(old);
	e->v = v;
	e->n = n;
	e->data_version = dv;
	e->generation = s->entries_generation;
	e->loaded = r >= 0;
	return r;
}

/* Maps segment g, once. */
static int seg_open(struct store *s, struct seg *g)
{
	char path[PATH_MAX];
	int r;

	if (g->g)
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", s->entries_dir, g->file) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	r = segment_open(path, &g->g);
	if (r < 0) {
		log_error_errno(r, "Cannot read the entry segment %s: %m",
				path);
		return r;
	}
	if (segment_count(g->g) != g->n) {
		log_error("The entry segment %s holds %llu entries, not %llu",
			  path, (unsigned long long)segment_count(g->g),
			  (unsigned long long)g->n);
		g->g = segment_close(g->g);
		return -EBADMSG;
	}
	return 0;
}

/* The release_files id of file place p (1-based) of g's release, or 0. */
static int64_t seg_file_id(struct store *s, struct seg *g, uint32_t p)
{
	sqlite3_stmt *st;

	if (!p)
		return 0;
	if (!g->files_read) {
		g->files_read = true;
		if (sqlite3_prepare_v2(s->db, sql_files_of, -1, &st, NULL) !=
		    SQLITE_OK)
			return 0;
		sqlite3_bind_int64(st, 1, g->release_id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if ((g->n_file_ids & (g->n_file_ids - 1)) == 0)
				g->file_ids = xreallocarray(
					g->file_ids,
					g->n_file_ids ? 2 * g->n_file_ids : 1,
					sizeof(*g->file_ids));
			g->file_ids[g->n_file_ids++] =
				sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
	}
	return p <= g->n_file_ids ? g->file_ids[p - 1] : 0;
}

/* ---- listing ------------------------------------------------------------- */

int store_segment_path(struct store *s, int64_t dataset_id, char *out,
		       size_t size)
{
	unsigned char rnd[8];
	int r;

	r = mkdir_p(s->entries_dir);
	if (r < 0)
		return r;
	sqlite3_randomness(sizeof(rnd), rnd);
	if (snprintf(out, size,
		     "%s/%lld-%02x%02x%02x%02x%02x%02x%02x%02x" SEGMENT_SUFFIX,
		     s->entries_dir, (long long)dataset_id, rnd[0], rnd[1],
		     rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
		     rnd[7]) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int store_segment_add(struct store *s, int64_t dataset_id, int64_t release_id,
		      const char *path, uint64_t n, int64_t *first_id)
{
	const char *name = strrchr(path, '/');
	sqlite3_stmt *st;
	int r = 0;

	st = store_stmt_id(s, sql_segment_add, dataset_id, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 2, release_id);
	sqlite3_bind_int64(st, 3, (int64_t)n);
	sqlite3_bind_text(st, 4, name ? name + 1 : path, -1, SQLITE_STATIC);
	if (*first_id)
		sqlite3_bind_int64(st, 5, *first_id);
	r = store_step(s, st);
	if (r == 1)
		*first_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	s->entries_generation++;
	return r < 0 ? r : r == 1 ? 0 : -EIO;
}

/* ---- the virtual table ---------------------------------------------------- */

struct vtab {
	sqlite3_vtab base;
	struct store *s;
};

struct cursor {
	sqlite3_vtab_cursor base;
	struct store *s;
	int plan;
	int64_t want[6];   /* the plan's values, by use bit */
	bool none;	   /* a value can match nothing */
	size_t seg;	   /* the current segment */
	uint64_t pos, end; /* the range in it: records, or an index */
	bool started;
	bool eof;
	uint64_t place; /* the current record */
	struct segment_entry e;
	struct buf texts; /* owned: e's strings */
	int64_t file_id;
};

static int vt_connect(sqlite3 *db, void *aux, int argc _unused_,
		      const char *const *argv _unused_, sqlite3_vtab **ret,
		      char **err _unused_)
{
	struct vtab *t;
	int rc;

	rc = sqlite3_declare_vtab(
		db, "CREATE TABLE x(id INTEGER PRIMARY KEY, dataset_id "
		    "INTEGER, key INTEGER, photo_id INTEGER, owner_id INTEGER, "
		    "first_release INTEGER, line INTEGER, offset INTEGER, "
		    "length INTEGER, key_text TEXT, page_url TEXT, image_url "
		    "TEXT, license TEXT, file_id INTEGER)");
	if (rc != SQLITE_OK)
		return rc;
	(void)sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
	t = sqlite3_malloc(sizeof(*t));
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->s = aux;
	*ret = &t->base;
	return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* The narrowest lookup that the constraints which[] (by use bit; -1:
 * none) allow, and the rows it expects. */
static int choose_plan(const int which[6], double *rows)
{
	static const struct {
		int plan;
		double rows;
	} plans[] = {
		{USE_ID, 1},	    {USE_DATASET | USE_KEY, 1},
		{USE_PHOTO, 4},	    {USE_OWNER, 100},
		{USE_RELEASE, 1e5}, {USE_DATASET, 1e6},
	};
	size_t i;
	int b;

	for (i = 0; i < ELEMENTSOF(plans); i++) {
		for (b = 0; b < 6; b++)
			if ((plans[i].plan & (1 << b)) && which[b] < 0)
				break;
		if (b < 6)
			continue;
		*rows = plans[i].rows;
		/* A dataset narrows a photo, an owner or a release too. */
		if (which[1] >= 0)
			return plans[i].plan | USE_DATASET;
		return plans[i].plan;
	}
	*rows = 1e9;
	return 0;
}

/* Picks the narrowest lookup the usable equality constraints allow. */
static int vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	struct vtab *t = (struct vtab *)vt;
	int which[6] = {-1, -1, -1, -1, -1, -1}, plan = 0, arg = 0, i, b;
	double rows = 1e9;

	for (i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c =
			&info->aConstraint[i];

		if (!c->usable || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
			continue;
		for (b = 0; b < 6; b++)
			if (c->iColumn == use_column[b] && which[b] < 0)
				which[b] = i;
	}
	plan = choose_plan(which, &rows);
	for (b = 0; b < 6; b++)
		if (plan & (1 << b)) {
			info->aConstraintUsage[which[b]].argvIndex = ++arg;
			info->aConstraintUsage[which[b]].omit = 1;
		}
	/* Rows come by row id but through a photo's or an owner's index. */
	if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == COL_ID &&
	    !info->aOrderBy[0].desc && !(plan & (USE_PHOTO | USE_OWNER)))
		info->orderByConsumed = 1;
	info->idxNum = plan;
	info->estimatedRows = (sqlite3_int64)rows;
	info->estimatedCost =
		rows * (t->s->entries ? 1 + (double)t->s->entries->n : 1);
	if (plan & USE_ID)
		info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
	return SQLITE_OK;
}

static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **ret)
{
	struct vtab *t = (struct vtab *)vt;
	struct cursor *c;
	int r;

	r = entries_load(t->s);
	if (r < 0)
		return SQLITE_IOERR;
	c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->s = t->s;
	buf_init(&c->texts, SEGMENT_TEXTS_MAX);
	*ret = &c->base;
	return SQLITE_OK;
}

static int vt_close(sqlite3_vtab_cursor *cur)
{
	buf_free(&((struct cursor *)cur)->texts);
	sqlite3_free(cur);
	return SQLITE_OK;
}

static bool seg_wanted(const struct cursor *c, const struct seg *g)
{
	if ((c->plan & USE_DATASET) && g->dataset_id != c->want[1])
		return false;
	if ((c->plan & USE_RELEASE) && g->release_id != c->want[5])
		return false;
	return true;
}

/* Sets the range of segment c->seg; false when it has no candidate. */
static int seg_range(struct cursor *c, struct seg *g)
{
	int64_t at;
	int r = seg_open(c->s, g);

	if (r < 0)
		return r;
	if (c->plan & USE_ID) {
		c->pos = (uint64_t)(c->want[0] - g->first_id);
		c->end = c->pos + 1;
	} else if (c->plan & USE_KEY) {
		at = segment_find_key(g->g, (uint64_t)c->want[2]);
		c->pos = at < 0 ? 0 : (uint64_t)at;
		c->end = at < 0 ? 0 : c->pos + 1;
	} else if (c->plan & USE_PHOTO)
		segment_photo_range(g->g, (uint64_t)c->want[3], &c->pos,
				    &c->end);
	else if (c->plan & USE_OWNER) {
		if (c->want[4] <= 0 || c->want[4] > UINT32_MAX)
			c->pos = c->end = 0;
		else
			segment_owner_range(g->g, (uint32_t)c->want[4], &c->pos,
					    &c->end);
	} else {
		c->pos = 0;
		c->end = g->n;
	}
	return 0;
}

/* The segment of row id, by binary search of first ids. */
static size_t seg_of_id(const struct store_entries *e, int64_t id)
{
	size_t lo = 0, hi = e->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->v[mid].first_id <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : e->n;
}

/* Moves to the next candidate row, from c->pos in c->seg on. */
static int cursor_settle(struct cursor *c)
{
	struct store_entries *e = c->s->entries;
	int r;

	for (;;) {
		struct seg *g;
		int64_t place;

		if (c->none || c->seg >= e->n) {
			c->eof = true;
			return 0;
		}
		g = &e->v[c->seg];
		if (!c->started) {
			c->started = true;
			if (!seg_wanted(c, g) ||
			    ((c->plan & USE_ID) &&
			     (c->want[0] < g->first_id ||
			      (uint64_t)(c->want[0] - g->first_id) >= g->n))) {
				c->pos = c->end = 0;
			} else {
				r = seg_range(c, g);
				if (r < 0)
					return r;
			}
		}
		if (c->pos >= c->end) {
			if (c->plan & USE_ID) {
				c->eof = true;
				return 0;
			}
			c->seg++;
			c->started = false;
			continue;
		}
		if (c->plan & (USE_ID | USE_KEY) ||
		    !(c->plan & (USE_PHOTO | USE_OWNER)))
			place = (int64_t)c->pos;
		else if (c->plan & USE_PHOTO)
			place = segment_photo_at(g->g, (uint64_t)c->want[3],
						 c->pos);
		else
			place = segment_owner_at(g->g, c->pos);
		if (place < 0)
			return -EBADMSG;
		c->place = (uint64_t)place;
		r = segment_get(g->g, c->place, &c->e, &c->texts);
		if (r < 0)
			return r;
		c->file_id = -1;
		return 0;
	}
}

static int vt_filter(sqlite3_vtab_cursor *cur, int plan,
		     const char *idx _unused_, int argc, sqlite3_value **argv)
{
	struct cursor *c = (struct cursor *)cur;
	struct store_entries *e = c->s->entries;
	int b, arg = 0, r;

	c->plan = plan;
	c->none = false;
	c->eof = false;
	c->started = false;
	c->seg = 0;
	for (b = 0; b < 6; b++) {
		if (!(plan & (1 << b)))
			continue;
		if (arg >= argc ||
		    sqlite3_value_numeric_type(argv[arg]) != SQLITE_INTEGER)
			c->none = true;
		else
			c->want[b] = sqlite3_value_int64(argv[arg]);
		arg++;
	}
	if ((plan & USE_ID) && !c->none)
		c->seg = seg_of_id(e, c->want[0]);
	r = cursor_settle(c);
	if (r < 0) {
		cur->pVtab->zErrMsg = sqlite3_mprintf(
			"an entry segment is damaged or unreadable");
		return r == -EBADMSG ? SQLITE_CORRUPT : SQLITE_IOERR;
	}
	return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *cur)
{
	struct cursor *c = (struct cursor *)cur;
	int r;

	c->pos++;
	r = cursor_settle(c);
	if (r < 0) {
		cur->pVtab->zErrMsg = sqlite3_mprintf(
			"an entry segment is damaged or unreadable");
		return r == -EBADMSG ? SQLITE_CORRUPT : SQLITE_IOERR;
	}
	return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct cursor *)cur)->eof;
}

static void result_id_or_null(sqlite3_context *ctx, int64_t v)
{
	if (v)
		sqlite3_result_int64(ctx, v);
	else
		sqlite3_result_null(ctx);
}

static void result_text_or_null(sqlite3_context *ctx, const char *t)
{
	if (t && *t)
		sqlite3_result_text(ctx, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

static int vt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct cursor *c = (struct cursor *)cur;
	struct seg *g = &c->s->entries->v[c->seg];

	switch (col) {
	case COL_ID:
		sqlite3_result_int64(ctx, g->first_id + (int64_t)c->place);
		break;
	case COL_DATASET:
		sqlite3_result_int64(ctx, g->dataset_id);
		break;
	case COL_KEY:
		sqlite3_result_int64(ctx, (int64_t)c->e.key);
		break;
	case COL_PHOTO:
		result_id_or_null(ctx, (int64_t)c->e.photo_id);
		break;
	case COL_OWNER:
		result_id_or_null(ctx, c->e.owner_id);
		break;
	case COL_FIRST_RELEASE:
		sqlite3_result_int64(ctx, g->release_id);
		break;
	case COL_LINE:
		sqlite3_result_int64(ctx, (int64_t)c->e.line);
		break;
	case COL_OFFSET:
		sqlite3_result_int64(ctx, (int64_t)c->e.offset);
		break;
	case COL_LENGTH:
		sqlite3_result_int64(ctx, c->e.length);
		break;
	case COL_KEY_TEXT:
		result_text_or_null(ctx, c->e.key_text);
		break;
	case COL_PAGE_URL:
		result_text_or_null(ctx, c->e.page_url);
		break;
	case COL_IMAGE_URL:
		result_text_or_null(ctx, c->e.image_url);
		break;
	case COL_LICENSE:
		result_text_or_null(ctx, c->e.license);
		break;
	case COL_FILE_ID:
		if (c->file_id < 0)
			c->file_id = seg_file_id(c->s, g, c->e.file);
		result_id_or_null(ctx, c->file_id);
		break;
	}
	return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *ret)
{
	struct cursor *c = (struct cursor *)cur;

	*ret = c->s->entries->v[c->seg].first_id + (int64_t)c->place;
	return SQLITE_OK;
}

static const sqlite3_module entries_module = {
	.iVersion = 0,
	.xCreate = NULL, /* eponymous only */
	.xConnect = vt_connect,
	.xBestIndex = vt_best_index,
	.xDisconnect = vt_disconnect,
	.xDestroy = vt_disconnect,
	.xOpen = vt_open,
	.xClose = vt_close,
	.xFilter = vt_filter,
	.xNext = vt_next,
	.xEof = vt_eof,
	.xColumn = vt_column,
	.xRowid = vt_rowid,
};

static const char sql_changes_view[] =
	"CREATE TEMP VIEW IF NOT EXISTS changes(release_id, entry_id, kind) "
	"AS SELECT release_id, entry_id, kind FROM change_log "
	"UNION ALL SELECT first_release, id, 1 FROM entries";

int store_entries_register(struct store *s)
{
	int rc = sqlite3_create_module(s->db, "entries", &entries_module, s);

	return rc == SQLITE_OK ? 0 : store_errno(s, rc, "entries module");
}

int store_entries_view(struct store *s)
{
	return store_exec(s, sql_changes_view);
}

/* ---- migration and sweep -------------------------------------------------- */

#define SWEEP_AGE 3600 /* seconds: what is younger may be a live ingest's */

static const char sql_groups[] =
	"SELECT dataset_id, first_release, count(*), min(id) FROM entries "
	"GROUP BY dataset_id, first_release ORDER BY min(id)";
static const char sql_group_rows[] =
	"SELECT e.id, e.key, coalesce(e.photo_id, 0), coalesce(e.owner_id, 0), "
	"coalesce((SELECT count(*) FROM release_files g JOIN release_files f "
	"ON f.id = e.file_id WHERE g.release_id = f.release_id AND "
	"g.name <= f.name), 0), e.line, e.offset, e.length, "
	"coalesce(e.key_text, ''), coalesce(e.page_url, ''), "
	"coalesce(e.image_url, ''), coalesce(e.license, '') "
	"FROM entries e WHERE e.dataset_id = ?1 AND e.first_release = ?2 "
	"ORDER BY e.key < 0, e.key"; /* keys are unsigned: by their bits */
static const char sql_max_id[] = "SELECT coalesce(max(id), 0) FROM entries";
static const char sql_idmap_add[] = "INSERT INTO temp.idmap VALUES (?1, ?2)";
/* The columns that name entries by row id, renumbered by temp.idmap. */
static const char *const entry_refs[][2] = {
	{"changes", "entry_id"},
	{"event_photos", "entry_id"},
	{"event_photos", "owner_entry"},
	{"optout_photos", "entry_id"},
};
static const char sql_migrate_end[] =
	"DROP TABLE IF EXISTS temp.idmap;"
	"DELETE FROM changes WHERE kind = 1;"
	"ALTER TABLE changes RENAME TO change_log;"
	"DROP TABLE entries;";

struct migration {
	struct store *s;
	sqlite3_stmt *rows, *idmap;
	int64_t end;	  /* past the last id of the segments so far */
	int64_t next_new; /* the next id for entries renumbered */
	bool renumbered;
};

static int64_t int_of(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The group's rows again, each old id mapped to first_id + its place. */
static int map_ids(struct migration *m, int64_t first_id)
{
	int64_t place = 0;
	int rc, r = 0;

	while (r >= 0 && (rc = sqlite3_step(m->rows)) == SQLITE_ROW) {
		sqlite3_reset(m->idmap);
		sqlite3_bind_int64(m->idmap, 1,
				   sqlite3_column_int64(m->rows, 0));
		sqlite3_bind_int64(m->idmap, 2, first_id + place++);
		rc = sqlite3_step(m->idmap);
		if (rc != SQLITE_DONE)
			r = store_errno(m->s, rc, sql_idmap_add);
	}
	if (r >= 0 && rc != SQLITE_DONE)
		r = store_errno(m->s, rc, sql_group_rows);
	sqlite3_reset(m->rows);
	return r;
}

/* The group's row that m->rows is on, as a segment entry. */
static int group_row(struct migration *m, struct segment_entry *e)
{
	int64_t owner = sqlite3_column_int64(m->rows, 3);

	*e = (struct segment_entry){
		.key = (uint64_t)sqlite3_column_int64(m->rows, 1),
		.photo_id = (uint64_t)sqlite3_column_int64(m->rows, 2),
		.owner_id = (uint32_t)owner,
		.file = (uint32_t)sqlite3_column_int64(m->rows, 4),
		.line = (uint64_t)sqlite3_column_int64(m->rows, 5),
		.offset = (uint64_t)sqlite3_column_int64(m->rows, 6),
		.length = (uint32_t)sqlite3_column_int64(m->rows, 7),
	};
	return owner < 0 || owner > UINT32_MAX ? -E2BIG : 0;
}

/* Writes the group's texts, row by row, keeping where each went. */
static int group_texts(struct migration *m, struct segment_writer *w,
		       uint64_t **ret, uint64_t *n)
{
	struct segment_entry e;
	size_t cap = 0, i;
	int rc, r = 0;

	*n = 0;
	while (r >= 0 && (rc = sqlite3_step(m->rows)) == SQLITE_ROW) {
		struct entry_text t[TEXTPACK_TEXTS];

		r = group_row(m, &e);
		for (i = 0; i < TEXTPACK_TEXTS && r >= 0; i++)
			t[i] = (struct entry_text){
				(const char *)sqlite3_column_text(m->rows,
								  8 + (int)i),
				(size_t)sqlite3_column_bytes(m->rows,
							     8 + (int)i)};
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			*ret = xreallocarray(*ret, cap, sizeof(**ret));
		}
		if (r >= 0)
			r = segment_writer_texts(w, e.photo_id, t,
						 &(*ret)[(*n)++]);
	}
	if (r >= 0 && rc != SQLITE_DONE)
		r = store_errno(m->s, rc, sql_group_rows);
	sqlite3_reset(m->rows);
	return r;
}

/* Writes the entries of one (dataset, release) as a segment: the texts
 * in one pass of the rows, their records in a second.  Their ids stay
 * when they run on in key order from first_id (as an ingest gave them);
 * otherwise they are renumbered. */
static int migrate_group(struct migration *m, int64_t dataset_id,
			 int64_t release_id, int64_t first_id)
{
	struct segment_writer *w = NULL;
	struct segment_entry e;
	char path[PATH_MAX];
	uint64_t *texts = NULL, n_texts = 0, n = 0;
	bool in_order = first_id >= m->end;
	int rc = SQLITE_DONE, r;

	r = store_segment_path(m->s, dataset_id, path, sizeof(path));
	if (r >= 0)
		r = segment_writer_new(path, &w);
	if (r < 0)
		return r;
	sqlite3_bind_int64(m->rows, 1, dataset_id);
	sqlite3_bind_int64(m->rows, 2, release_id);
	r = group_texts(m, w, &texts, &n_texts);
	while (r >= 0 && (rc = sqlite3_step(m->rows)) == SQLITE_ROW) {
		r = group_row(m, &e);
		if (r < 0)
			break;
		/* The same rows in the same order, the database being
		 * locked: fewer or more is a damaged database. */
		if (n == n_texts) {
			r = -EIO;
			break;
		}
		e.text = texts[n];
		if (sqlite3_column_int64(m->rows, 0) != first_id + (int64_t)n)
			in_order = false;
		r = segment_writer_record(w, &e);
		n++;
	}
	free(texts);
	if (r >= 0 && rc != SQLITE_DONE)
		r = store_errno(m->s, rc, sql_group_rows);
	if (r >= 0 && n != n_texts)
		r = -EIO;
	sqlite3_reset(m->rows);
	if (r >= 0)
		r = segment_writer_finish(w);
	segment_writer_free(w);
	if (r >= 0 && !in_order) {
		first_id = m->next_new;
		m->next_new += (int64_t)n;
		m->renumbered = true;
		r = map_ids(m, first_id);
	}
	if (r >= 0)
		r = store_segment_add(m->s, dataset_id, release_id, path, n,
				      &first_id);
	if (in_order)
		m->end = first_id + (int64_t)n;
	if (r < 0)
		(void)unlink(path);
	return r;
}

/* Gives table's column the entries' new row ids (names from entry_refs,
 * never from data). */
static int renumber(struct store *s, const char *table, const char *column)
{
	char sql[512];

	snprintf(
		sql, sizeof(sql),
		"UPDATE %s SET %s = (SELECT new FROM temp.idmap WHERE old = %s) "
		"WHERE %s IN (SELECT old FROM temp.idmap)",
		table, column, column, column);
	return store_exec(s, sql);
}

/* The ingest's key-set files (STATE/keys-ID.bin) name entries by row id:
 * after a renumbering they are dropped, and rebuilt from the index. */
static void drop_key_sets(struct store *s)
{
	_cleanup_free_ char *state = xstrdup(s->entries_dir);
	char *slash = strrchr(state, '/');
	struct dirent *de;
	DIR *dir;

	if (slash)
		*slash = 0;
	dir = opendir(slash ? state : ".");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "keys-", 5) == 0 && len > 4 &&
		    strcmp(de->d_name + len - 4, ".bin") == 0)
			(void)unlinkat(dirfd(dir), de->d_name, 0);
	}
	closedir(dir);
}

int store_entries_migrate(struct store *s)
{
	struct migration m = {.s = s};
	sqlite3_stmt *groups = NULL;
	int rc, r;

	m.next_new = int_of(s, sql_max_id) + 1;
	r = store_exec(s, "CREATE TEMP TABLE idmap(old INTEGER PRIMARY KEY, "
			  "new INTEGER NOT NULL)");
	if (r < 0)
		return r;
	rc = sqlite3_prepare_v2(s->db, sql_groups, -1, &groups, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, sql_group_rows, -1, &m.rows,
					NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, sql_idmap_add, -1, &m.idmap,
					NULL);
	r = rc == SQLITE_OK ? 0 : store_errno(s, rc, "migration to segments");
	while (r >= 0 && (rc = sqlite3_step(groups)) == SQLITE_ROW)
		r = migrate_group(&m, sqlite3_column_int64(groups, 0),
				  sqlite3_column_int64(groups, 1),
				  sqlite3_column_int64(groups, 3));
	if (r >= 0 && rc != SQLITE_DONE)
		r = store_errno(s, rc, sql_groups);
	sqlite3_finalize(groups);
	sqlite3_finalize(m.rows);
	sqlite3_finalize(m.idmap);
	for (size_t i = 0; r >= 0 && m.renumbered && i < ELEMENTSOF(entry_refs);
	     i++)
		r = renumber(s, entry_refs[i][0], entry_refs[i][1]);
	if (r >= 0)
		r = store_exec(s, sql_migrate_end);
	if (r >= 0 && m.renumbered)
		drop_key_sets(s);
	return r;
}

int store_entries_sweep(struct store *s)
{
	sqlite3_stmt *st;
	struct dirent *de;
	time_t now = time(NULL);
	DIR *dir;
	int rc;

	dir = opendir(s->entries_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM segments WHERE file = ?1",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		closedir(dir);
		return store_errno(s, rc, "segments");
	}
	while ((de = readdir(dir))) {
		const char *suffix = strstr(de->d_name, SEGMENT_SUFFIX);
		struct stat sb;
		bool listed;

		if (!suffix || de->d_name[0] == '.' ||
		    fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) <
			    0 ||
		    now - sb.st_mtime < SWEEP_AGE)
			continue;
		sqlite3_bind_text(st, 1, de->d_name, -1, SQLITE_STATIC);
		listed = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		if (!listed && unlinkat(dirfd(dir), de->d_name, 0) == 0)
			log_info("Removed the unlisted entry segment %s/%s",
				 s->entries_dir, de->d_name);
	}
	sqlite3_finalize(st);
	closedir(dir);
	return 0;
}
