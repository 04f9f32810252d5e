/*
 * test-faults.c: SQLite I/O faults never corrupt the index or lose an
 * alert.
 *
 * A small CSV dataset has three releases and three watched accounts, so
 * each release writes entries, events and outbox alerts in one transaction
 * (land_release(), as check and import do).  Each step below --
 * opening a new database, ingesting release 2, marking alerts sent as the
 * delivery worker does -- is run once healthy through the fault shim
 * (faultshim.h), counting every read, write, sync and truncate.  Then, for
 * every N, the step is rerun from a fresh copy of the state before it with
 * the Nth operation failing (EIO, or a full disk that stays full), in a
 * child process so that a crash is a finding, not the end of the walk.
 * Afterwards, with the shim healthy: PRAGMA integrity_check is ok; the
 * database is exactly the state before the step or exactly the state after
 * it (compared table by table with a healthy run), and the latter whenever
 * the call reported success; every event has its alerts; no alert is sent
 * without a recorded attempt, none that was not delivered; redoing the step
 * succeeds and gives the healthy run's state; and the next release still
 * ingests right (a stale key-set file is rebuilt).
 *
 * The program's own files (the entry segments, the key set) are walked
 * the same way, at every write and fsync.
 *
 * SW_FAULT_OPS=write,sync,read,truncate,file-write,file-sync picks the
 * kinds walked (all by default); SW_FAULT_VERBOSE=1 prints every fault
 * point.
 */
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "faultshim.h"
#include "index/ingest.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "match/events.h"
#include "match/watchset.h"
#include "service/land.h"
#include "store/store.h"
#include "store/store_index.h"
#include "store/store_outbox.h"
#include "store/store_segment.h"
#include "test.h"
#include "testutil.h"

#define T0  1700000000LL
#define DAY 86400LL
/* Past every alert's due time: events are stamped with the real time. */
#define T_DUE	  4000000000LL
#define N_MARK	  6  /* alerts the delivery step marks sent */
#define MAX_TABLE 32 /* tables compared */

/* ---- the scenario --------------------------------------------------------- */

static struct {
	char dir[PATH_MAX];    /* the test's temporary directory */
	char state[PATH_MAX];  /* the state directory the steps run in */
	char db[PATH_MAX];     /* state/scrapewatch.db */
	char rel[4][PATH_MAX]; /* release files 1..3 */
	struct config *c;
	struct watchset *ws;
	const struct config_dataset *d;
	unsigned long walked[FAULTSHIM_OPS];
	unsigned long failures, crashes, unclear;
	int verbose;
	int ops_wanted[FAULTSHIM_OPS];
} sc;

/* Owner NSID of photo id: three watched accounts among many. */
static const char *owner_of(unsigned id)
{
	static const char *const watched[] = {"11111111@N00", "22222222@N00",
					      "33333333@N00"};
	static char other[32];

	if (id % 10 >= 1 && id % 10 <= 3)
		return watched[id % 10 - 1];
	snprintf(other, sizeof(other), "%08u@N01", 40000000 + id % 97);
	return other;
}

/* Writes photo ids from..to (inclusive) as CSV rows. */
static void rows(FILE *f, unsigned from, unsigned to)
{
	for (unsigned id = from; id <= to; id++)
		fprintf(f, "%u,%s,https://www.flickr.com/photos/%s/%u/\n", id,
			owner_of(id), owner_of(id), id);
}

/* Release 1: 1..300.  Release 2: 21..330 (20 removed, 30 added).
 * Release 3: 1..10 and 25..340 (10 reincluded, 4 removed, 10 added). */
static void write_releases(void)
{
	static const unsigned ranges[4][2][2] = {
		[1] = {{1, 300}, {1, 0}},
		[2] = {{21, 330}, {1, 0}},
		[3] = {{1, 10}, {25, 340}},
	};

	for (int v = 1; v <= 3; v++) {
		FILE *f;

		snprintf(sc.rel[v], sizeof(sc.rel[v]), "%s/v%d.csv", sc.dir, v);
		f = fopen(sc.rel[v], "w");
		if (!f) {
			perror(sc.rel[v]);
			exit(2);
		}
		fputs("photo,owner,page\n", f);
		for (int r = 0; r < 2; r++)
			rows(f, ranges[v][r][0], ranges[v][r][1]);
		fclose(f);
	}
}

static const char config_yaml[] =
	"state_dir: %s\n"
	"smtp: { url: 'smtp://127.0.0.1:9', from: sw@example.org }\n"
	"operator: { webhook: 'http://127.0.0.1:9/ops', secret: { file: %s } }\n"
	"datasets:\n"
	"  - name: faces\n"
	"    url: 'file://%s/none.csv'\n"
	"    format: csv\n"
	"    columns: { photo_id: photo, owner_nsid: owner, page_url: page }\n"
	"subscribers:\n"
	"  jane: { webhook: 'http://127.0.0.1:9/jane', secret: { file: %s } }\n"
	"  bob: { webhook: 'http://127.0.0.1:9/bob', secret: { file: %s },\n"
	"         email: bob@example.org }\n"
	"  eve: { webhook: 'http://127.0.0.1:9/eve', secret: { file: %s }, digest: daily }\n"
	"watch:\n"
	"  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }\n"
	"  - { subscriber: bob, flickr: { nsid: 22222222@N00 } }\n"
	"  - { subscriber: eve, flickr: { nsid: 33333333@N00 } }\n";

static void load_config(void)
{
	char path[PATH_MAX + 16], key[PATH_MAX + 16], *errors = NULL;
	FILE *f;
	int r;

	snprintf(key, sizeof(key), "%s/hook.key", sc.dir);
	f = fopen(key, "w");
	if (!f)
		exit(2);
	/* whsec_ and base64 of "scrapewatch fault test secret!" */
	fputs("whsec_c2NyYXBld2F0Y2ggZmF1bHQgdGVzdCBzZWNyZXQh\n", f);
	fclose(f);
	chmod(key, 0600);

	snprintf(path, sizeof(path), "%s/sw.yaml", sc.dir);
	f = fopen(path, "w");
	if (!f)
		exit(2);
	fprintf(f, config_yaml, sc.state, key, sc.dir, key, key, key);
	fclose(f);
	r = config_load(path, &sc.c, &errors);
	if (r < 0) {
		fprintf(stderr, "config: %s\n", errors ? errors : "?");
		exit(2);
	}
	sc.ws = watchset_new(sc.c);
	sc.d = config_find_dataset(sc.c, "faces");
}

/* Lands release v (time T0 + v days) as check and import do: the release,
 * its events, alerts and notice in one transaction.  Returns
 * land_release()'s value; err gets its message. */
static int ingest(struct store *s, int v, char *err, size_t size)
{
	struct land_file f = {.path = sc.rel[v], .source = "test"};
	struct land_job job = {s, sc.c, sc.ws, sc.d, 0};
	struct land_result res = {0};
	int r;

	r = store_dataset_id(s, sc.d->name, &job.dataset_id);
	if (r >= 0)
		r = land_release(&job, &f, T0 + v * DAY, &res);
	snprintf(err, size, "%s", r < 0 ? res.error : "");
	if (r < 0 && !err[0])
		snprintf(err, size, "%s", strerror(-r));
	return r;
}

/* ---- marking alerts sent, as deliver.c records an accepted alert ------- */

struct due {
	char ids[64][STORE_ALERT_ID_LEN + 1];
	size_t n;
};

static int collect_due(void *userdata, const struct store_alert *a)
{
	struct due *d = userdata;

	if (d->n < ELEMENTSOF(d->ids))
		snprintf(d->ids[d->n++], sizeof(d->ids[0]), "%s", a->id);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The alerts the delivery step delivers: the first N_MARK due ones in id
 * order (fixed by the healthy run, so that a rerun marks the same). */
static struct due delivered;

/* Marks each delivered alert that is still pending sent, one transaction
 * each, as deliver.c's record_attempt.  *ret_marked counts those whose
 * commit succeeded.  Returns 0 or the first error. */
static int mark_sent(struct store *s, unsigned *ret_marked)
{
	struct due due = {.n = 0};
	int r, first = 0;

	*ret_marked = 0;
	r = store_alerts_due(s, T_DUE, 1000, collect_due, &due);
	if (r < 0)
		return r;
	qsort(due.ids, due.n, sizeof(due.ids[0]), id_cmp);
	for (size_t i = 0; i < due.n; i++) {
		struct store_attempt at = {.alert_id = due.ids[i],
					   .at = T0 + 10 * DAY,
					   .outcome = STORE_ATTEMPT_SENT,
					   .code = 200,
					   .reply = "HTTP 200"};

		if (!bsearch(due.ids[i], delivered.ids, delivered.n,
			     sizeof(delivered.ids[0]), id_cmp))
			continue;
		r = store_begin(s);
		if (r == 0)
			r = store_attempt_add(s, &at, at.at);
		if (r == 0)
			r = store_commit(s);
		if (r < 0) {
			store_rollback(s);
			first = first ? first : r;
		} else
			(*ret_marked)++;
	}
	return first;
}

/* ---- the database, compared table by table -------------------------------- */

struct snapshot {
	int ok;		 /* integrity_check said "ok" */
	char check[256]; /* what it said otherwise, or why it failed */
	size_t n;
	char names[MAX_TABLE][64];
	uint64_t hash[MAX_TABLE]; /* per table: a sum of row hashes */
	int64_t version;	  /* PRAGMA user_version */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

/* A row's hash: each column's type and bytes. */
static uint64_t row_hash(sqlite3_stmt *st)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < sqlite3_column_count(st); i++) {
		int type = sqlite3_column_type(st, i);
		const void *p = sqlite3_column_blob(st, i);

		h = fnv(h, &type, sizeof(type));
		h = fnv(h, p ? p : "", (size_t)sqlite3_column_bytes(st, i));
	}
	return h;
}

static int query_one(sqlite3 *db, const char *sql, char *out, size_t size)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, size, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	else
		snprintf(out, size, "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Columns stamped with the real time (events are created "now"), left
 * out of the comparison; the installation id, drawn at random, compared
 * by its count and length. */
static const char *const timeless[][2] = {
	{"events", "SELECT id, type, subscriber, dataset_id, release_id, "
		   "photos FROM events"},
	{"alerts", "SELECT id, subscriber, channel, kind, state, attempts, "
		   "sent, last_reply, notice FROM alerts"},
	{"installation", "SELECT count(*), max(length(id)) FROM installation"},
	/* A segment file's name is drawn at random: its entries are
	 * compared instead (hash_entries()). */
	{"segments", "SELECT id, dataset_id, release_id, first_id, entries "
		     "FROM segments"},
};

/* Hashes every entry of the segments listed, read from their files
 * (entries beside the database), as the table "entries". */
static void hash_entries(sqlite3 *db, const char *path, struct snapshot *snap)
{
	char dir[PATH_MAX], file[PATH_MAX + 512];
	const char *slash = strrchr(path, '/');
	struct buf texts;
	sqlite3_stmt *st;
	uint64_t h = 0;

	if (snap->n >= MAX_TABLE ||
	    sqlite3_prepare_v2(db,
			       "SELECT first_id, file FROM segments "
			       "ORDER BY first_id",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	buf_init(&texts, SEGMENT_TEXTS_MAX);
	snprintf(dir, sizeof(dir), "%.*s/entries",
		 slash ? (int)(slash - path) : 1, slash ? path : ".");
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct segment *g;
		struct segment_entry e;

		snprintf(file, sizeof(file), "%s/%s", dir,
			 (const char *)sqlite3_column_text(st, 1));
		if (segment_open(file, &g) < 0) {
			h ^= 1; /* a listed segment that does not read */
			continue;
		}
		h = fnv(h, &(int64_t){sqlite3_column_int64(st, 0)}, 8);
		for (uint64_t i = 0; i < segment_count(g); i++) {
			if (segment_get(g, i, &e, &texts) < 0) {
				h ^= 2;
				break;
			}
			h = fnv(h, &e.key, 8);
			h = fnv(h, &e.photo_id, 8);
			h = fnv(h, &e.owner_id, 4);
			h = fnv(h, &e.file, 4);
			h = fnv(h, &e.line, 8);
			h = fnv(h, &e.offset, 8);
			h = fnv(h, &e.length, 4);
			h = fnv(h, e.key_text, strlen(e.key_text));
			h = fnv(h, e.page_url, strlen(e.page_url));
			h = fnv(h, e.image_url, strlen(e.image_url));
			h = fnv(h, e.license, strlen(e.license));
		}
		segment_close(g);
	}
	buf_free(&texts);
	sqlite3_finalize(st);
	snprintf(snap->names[snap->n], sizeof(snap->names[0]), "entries");
	snap->hash[snap->n++] = h;
}

/* Hashes every table (sqlite_master too) of the open database. */
static void hash_tables(sqlite3 *db, struct snapshot *snap)
{
	sqlite3_stmt *names, *st;
	char sql[256];

	snprintf(snap->names[0], sizeof(snap->names[0]), "sqlite_master");
	snap->n = 1;
	if (sqlite3_prepare_v2(db,
			       "SELECT name FROM sqlite_master WHERE type = "
			       "'table' ORDER BY name",
			       -1, &names, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(names) == SQLITE_ROW && snap->n < MAX_TABLE)
		snprintf(snap->names[snap->n++], sizeof(snap->names[0]), "%s",
			 (const char *)sqlite3_column_text(names, 0));
	sqlite3_finalize(names);
	for (size_t t = 0; t < snap->n; t++) {
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
			 snap->names[t]);
		for (size_t i = 0; i < ELEMENTSOF(timeless); i++)
			if (strcmp(snap->names[t], timeless[i][0]) == 0)
				snprintf(sql, sizeof(sql), "%s",
					 timeless[i][1]);
		snap->hash[t] = 0;
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;
		while (sqlite3_step(st) == SQLITE_ROW)
			snap->hash[t] += row_hash(st);
		sqlite3_finalize(st);
	}
}

/* The invariants of the outbox, whatever the state: each alert's attempt
 * count is its attempts; a sent alert has a SENT attempt; every event with
 * photos has an alert. */
static const char *const invariants[] = {
	"SELECT count(*) FROM alerts a WHERE attempts != (SELECT count(*) "
	"FROM attempts t WHERE t.alert_id = a.id)",
	"SELECT count(*) FROM alerts a WHERE state = 1 AND NOT EXISTS "
	"(SELECT 1 FROM attempts t WHERE t.alert_id = a.id AND outcome = 1)",
	"SELECT count(*) FROM events e WHERE photos > 0 AND NOT EXISTS "
	"(SELECT 1 FROM alert_events x WHERE x.event_id = e.id)",
	"SELECT count(*) FROM alert_events x WHERE NOT EXISTS "
	"(SELECT 1 FROM alerts a WHERE a.id = x.alert_id) OR NOT EXISTS "
	"(SELECT 1 FROM events e WHERE e.id = x.event_id)",
};

static void check_invariants(sqlite3 *db, struct snapshot *snap)
{
	char n[64];

	for (size_t i = 0; i < ELEMENTSOF(invariants) && snap->ok; i++) {
		if (query_one(db, invariants[i], n, sizeof(n)) < 0 ||
		    strcmp(n, "0") != 0) {
			snap->ok = 0;
			snprintf(snap->check, sizeof(snap->check),
				 "%s rows break: %.150s", n, invariants[i]);
		}
	}
}

/* Opens the database with the plain VFS (never the shim; this also
 * recovers a hot WAL) and takes its snapshot. */
static void snapshot_take(const char *path, struct snapshot *snap)
{
	sqlite3 *db = NULL;
	char v[32];

	*snap = (struct snapshot){0};
	if (access(path, F_OK) < 0) {
		snap->ok = 1;
		snprintf(snap->check, sizeof(snap->check), "no file");
		return;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix") !=
		    SQLITE_OK ||
	    query_one(db, "PRAGMA integrity_check", snap->check,
		      sizeof(snap->check)) < 0) {
		snprintf(snap->check, sizeof(snap->check), "cannot open: %s",
			 sqlite3_errmsg(db));
		sqlite3_close(db);
		return;
	}
	snap->ok = strcmp(snap->check, "ok") == 0;
	if (query_one(db, "PRAGMA user_version", v, sizeof(v)) == 0)
		snap->version = strtoll(v, NULL, 10);
	hash_tables(db, snap);
	hash_entries(db, path, snap);
	if (snap->version >= 6)
		check_invariants(db, snap);
	sqlite3_close(db);
}

/* Whether a and b hold the same tables and rows; else the first table
 * that differs goes to why. */
static int snapshot_equal(const struct snapshot *a, const struct snapshot *b,
			  char *why, size_t size)
{
	if (a->n != b->n) {
		snprintf(why, size, "%zu tables, not %zu", a->n, b->n);
		return 0;
	}
	for (size_t t = 0; t < a->n; t++)
		if (strcmp(a->names[t], b->names[t]) != 0 ||
		    a->hash[t] != b->hash[t]) {
			snprintf(why, size, "table %s differs", a->names[t]);
			return 0;
		}
	return 1;
}

/* ---- files ------------------------------------------------------------------ */

static void copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;

	if (!in)
		return;
	out = fopen(to, "wb");
	if (!out) {
		perror(to);
		exit(2);
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	if (fclose(out) != 0)
		exit(2);
}

static const char *const state_files[] = {
	"scrapewatch.db", "scrapewatch.db-wal", "scrapewatch.db-shm",
	"keys-1.bin",	  "keys-1.bin.tmp",
};

/* Copies the state files between directories; absent ones are removed
 * from the destination. */
static void copy_state(const char *from, const char *to)
{
	char a[PATH_MAX + 32], b[PATH_MAX + 32];

	mkdir(to, 0700);
	for (size_t i = 0; i < ELEMENTSOF(state_files); i++) {
		snprintf(a, sizeof(a), "%s/%s", from, state_files[i]);
		snprintf(b, sizeof(b), "%s/%s", to, state_files[i]);
		rmdir(b);
		unlink(b);
		copy_file(a, b);
	}
}

/* A saved state: its directory under the test's and its snapshot. */
struct saved {
	char dir[PATH_MAX];
	struct snapshot snap;
};

static void save_state(const char *name, struct saved *ret)
{
	snprintf(ret->dir, sizeof(ret->dir), "%s/%s", sc.dir, name);
	copy_state(sc.state, ret->dir);
	snapshot_take(sc.db, &ret->snap);
	if (!ret->snap.ok) {
		fprintf(stderr, "saved state %s: %s\n", name, ret->snap.check);
		exit(2);
	}
}

/* ---- the states the steps start from and end in ---------------------------- */

static struct {
	struct saved empty;	/* no database */
	struct saved fresh;	/* a new database, nothing in it */
	struct saved r1;	/* release 1, some of its alerts sent */
	struct saved r2;	/* release 2 on top */
	struct saved r3;	/* release 3 on top of that */
	struct saved sent;	/* r2 with the delivered alerts marked sent */
	struct due sent_before; /* alerts already sent in r2 */
} st;

static void open_or_die(struct store **s)
{
	int r = store_open(sc.db, STORE_READ_WRITE, s);

	if (r < 0) {
		fprintf(stderr, "store_open: %s\n", strerror(-r));
		exit(2);
	}
}

static void ingest_or_die(int v)
{
	struct store *s;
	char err[640];

	open_or_die(&s);
	if (ingest(s, v, err, sizeof(err)) < 0) {
		fprintf(stderr, "release %d: %s\n", v, err);
		exit(2);
	}
	store_close(s);
}

static int collect_sent(void *userdata, const struct store_alert *a)
{
	return collect_due(userdata, a);
}

/* The healthy run: every state a step starts from or must reach. */
static void build_states(void)
{
	struct store *s;
	unsigned marked;

	save_state("empty", &st.empty);
	open_or_die(&s);
	store_close(s);
	save_state("fresh", &st.fresh);
	ingest_or_die(1);
	/* Deliver three of release 1's alerts. */
	open_or_die(&s);
	delivered.n = 0;
	CHECK_INT(store_alerts_due(s, T_DUE, 3, collect_due, &delivered), 0);
	qsort(delivered.ids, delivered.n, sizeof(delivered.ids[0]), id_cmp);
	CHECK_INT(mark_sent(s, &marked), 0);
	CHECK_INT(marked, 3);
	store_close(s);
	save_state("r1", &st.r1);
	ingest_or_die(2);
	save_state("r2", &st.r2);
	ingest_or_die(3);
	save_state("r3", &st.r3);
	/* The delivery step's alerts: the first N_MARK due after release 2. */
	copy_state(st.r2.dir, sc.state);
	open_or_die(&s);
	st.sent_before.n = 0;
	CHECK_INT(store_alerts_each(s, STORE_ALERT_SENT, collect_sent,
				    &st.sent_before),
		  0);
	qsort(st.sent_before.ids, st.sent_before.n,
	      sizeof(st.sent_before.ids[0]), id_cmp);
	delivered.n = 0;
	CHECK_INT(store_alerts_due(s, T_DUE, N_MARK, collect_due, &delivered),
		  0);
	qsort(delivered.ids, delivered.n, sizeof(delivered.ids[0]), id_cmp);
	CHECK_INT(delivered.n, N_MARK);
	CHECK_INT(mark_sent(s, &marked), 0);
	CHECK_INT(marked, N_MARK);
	store_close(s);
	save_state("sent", &st.sent);
}

/* Set for steps that checkpoint at every commit: every connection
 * opened meanwhile checkpoints after each commit.  SQLite sets the
 * default after the extensions run, so the setting is made again as each
 * statement starts. */
static int small_wal;

static int small_wal_trace(unsigned type, void *ctx, void *p, void *x)
{
	(void)type;
	(void)ctx;
	(void)x;
	if (small_wal)
		sqlite3_wal_autocheckpoint(sqlite3_db_handle(p), 1);
	return 0;
}

static int small_wal_init(sqlite3 *db, const char **err,
			  const struct sqlite3_api_routines *api)
{
	(void)err;
	(void)api;
	return sqlite3_trace_v2(db, SQLITE_TRACE_STMT, small_wal_trace, NULL);
}

/* Whether name is one of the comma-separated names in list. */
static int op_listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, name, len) == 0)
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static void setup_once(void)
{
	static int done;
	const char *ops = getenv("SW_FAULT_OPS");

	if (done)
		return;
	done = 1;
	snprintf(sc.dir, sizeof(sc.dir), "%s", test_tmpdir());
	snprintf(sc.state, sizeof(sc.state), "%s/state", sc.dir);
	snprintf(sc.db, sizeof(sc.db), "%s/scrapewatch.db", sc.state);
	mkdir(sc.state, 0700);
	sc.verbose = getenv("SW_FAULT_VERBOSE") != NULL;
	for (int op = 0; op < FAULTSHIM_OPS; op++)
		sc.ops_wanted[op] =
			!ops || op_listed(ops, faultshim_op_name(op));
	sqlite3_auto_extension((void (*)(void))small_wal_init);
	if (faultshim_register(1) != SQLITE_OK) {
		fprintf(stderr, "cannot register the fault shim\n");
		exit(2);
	}
	write_releases();
	load_config();
	build_states();
}

/* ---- steps and faults --------------------------------------------------------- */

struct step {
	const char *name;
	const struct saved *before, *after;
	int opens;     /* the step is store_open itself */
	int same_conn; /* redo on the connection that met the fault */
	int partial;   /* a failure may leave a state between before and
			* after (several transactions) */
	int small_wal; /* checkpoint at every commit (wal_autocheckpoint) */
	int next;      /* a release to ingest after the redo (0: none) */
	const struct saved *after_next;
	int (*run)(struct store *s, char *err, size_t size);
};

struct fault {
	enum faultshim_op op;
	int rc, sticky;
	int want; /* the errno a failed call should report */
	const char *name;
};

static const struct fault faults[] = {
	{FAULTSHIM_WRITE, SQLITE_IOERR_WRITE, 0, -EIO, "write EIO"},
	{FAULTSHIM_WRITE, SQLITE_FULL, 0, -ENOSPC, "write ENOSPC once"},
	{FAULTSHIM_WRITE, SQLITE_FULL, 1, -ENOSPC,
	 "write ENOSPC, disk stays full"},
	{FAULTSHIM_SYNC, SQLITE_IOERR_FSYNC, 0, -EIO, "fsync EIO"},
	{FAULTSHIM_SYNC, SQLITE_FULL, 0, -ENOSPC, "fsync ENOSPC"},
	{FAULTSHIM_TRUNCATE, SQLITE_IOERR_TRUNCATE, 0, -EIO, "truncate EIO"},
	{FAULTSHIM_READ, SQLITE_IOERR_READ, 0, -EIO, "read EIO"},
	/* The program's own files: segments, key sets. */
	{FAULTSHIM_FILE_WRITE, EIO, 0, -EIO, "file write EIO"},
	{FAULTSHIM_FILE_WRITE, ENOSPC, 1, -ENOSPC,
	 "file write ENOSPC, disk stays full"},
	{FAULTSHIM_FILE_SYNC, EIO, 0, -EIO, "file fsync EIO"},
};

static int step_ingest2(struct store *s, char *err, size_t size)
{
	return ingest(s, 2, err, size);
}

static unsigned marked_now;

static int step_mark(struct store *s, char *err, size_t size)
{
	int r = mark_sent(s, &marked_now);

	snprintf(err, size, "%s", r < 0 ? strerror(-r) : "");
	return r;
}

/* Runs the step's faulted part: open (or the step on an open store) and,
 * unless the redo shares the connection, the close.  The store stays
 * open in *s only for same_conn. */
static int step_faulted(const struct step *p, struct store **s, char *err,
			size_t size)
{
	int r;

	err[0] = '\0';
	if (p->opens) {
		r = store_open(sc.db, STORE_READ_WRITE, s);
		if (r >= 0)
			*s = store_close(*s);
		else
			snprintf(err, size, "store_open: %s", strerror(-r));
		return r;
	}
	r = p->run(*s, err, size);
	if (!p->same_conn)
		*s = store_close(*s);
	return r;
}

/* Counts the operations of the step in a healthy run. */
static void step_count(const struct step *p, unsigned long n[FAULTSHIM_OPS])
{
	struct store *s = NULL;
	char err[640];

	copy_state(p->before->dir, sc.state);
	if (!p->opens)
		open_or_die(&s);
	faultshim_reset();
	if (step_faulted(p, &s, err, sizeof(err)) < 0)
		fprintf(stderr, "%s: healthy run failed: %s\n", p->name, err);
	for (int op = 0; op < FAULTSHIM_OPS; op++)
		n[op] = faultshim_count(op);
	store_close(s);
}

/* Checks the state against the sent alerts: only delivered ones or
 * those sent before are sent, and every mark reported done is there. */
static int check_sent(char *why, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	unsigned long n = 0;
	int bad = 0;

	if (sqlite3_open_v2(sc.db, &db, SQLITE_OPEN_READONLY, "unix") !=
	    SQLITE_OK)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT id FROM alerts WHERE state = 1", -1,
			       &q, NULL) == SQLITE_OK)
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *id =
				(const char *)sqlite3_column_text(q, 0);

			n++;
			if (bsearch(id, delivered.ids, delivered.n,
				    sizeof(delivered.ids[0]), id_cmp) ||
			    bsearch(id, st.sent_before.ids, st.sent_before.n,
				    sizeof(st.sent_before.ids[0]), id_cmp))
				continue;
			snprintf(why, size, "alert %s sent but never delivered",
				 id);
			bad = 1;
		}
	sqlite3_finalize(q);
	sqlite3_close(db);
	/* A mark reported committed must be there. */
	if (!bad && n < st.sent_before.n + marked_now) {
		snprintf(why, size, "%lu alerts sent, %u marks reported done",
			 n - st.sent_before.n, marked_now);
		bad = 1;
	}
	return !bad;
}

/* What the state after a faulted step may be.  Returns 1 if fine, else
 * 0 with why. */
static int check_after_fault(const struct step *p, int r,
			     const struct snapshot *now, char *why, size_t size)
{
	char d1[128], d2[128];

	if (!now->ok) {
		snprintf(why, size, "integrity: %s", now->check);
		return 0;
	}
	if (snapshot_equal(now, &p->after->snap, d1, sizeof(d1)))
		return 1;
	if (r >= 0) {
		snprintf(why, size, "reported success, but %s", d1);
		return 0;
	}
	if (p->partial || snapshot_equal(now, &p->before->snap, d2, sizeof(d2)))
		return 1;
	snprintf(why, size, "neither before (%s) nor after (%s)", d2, d1);
	return 0;
}

/* Redoes the step healthy (on the same connection, or a new one), then
 * the next release; both must reach the healthy run's states. */
static int redo(const struct step *p, struct store *s, char *why, size_t size)
{
	struct snapshot now;
	char err[640], d[128];
	int r;

	if (!s && !p->opens)
		open_or_die(&s);
	r = p->opens ? step_faulted(p, &s, err, sizeof(err))
		     : p->run(s, err, sizeof(err));
	store_close(s);
	if (r < 0) {
		snprintf(why, size, "redo failed: %s", err);
		return 0;
	}
	snapshot_take(sc.db, &now);
	if (!now.ok || !snapshot_equal(&now, &p->after->snap, d, sizeof(d))) {
		snprintf(why, size, "after the redo: %s",
			 now.ok ? d : now.check);
		return 0;
	}
	if (!p->next)
		return 1;
	ingest_or_die(p->next);
	snapshot_take(sc.db, &now);
	if (!snapshot_equal(&now, &p->after_next->snap, d, sizeof(d))) {
		snprintf(why, size, "release %d after the redo: %s", p->next,
			 d);
		return 0;
	}
	return 1;
}

enum {
	TRIAL_OK = 0,
	TRIAL_FAILED = 1,
	TRIAL_UNCLEAR = 4, /* failed with an errno that hides the cause */
};

/* One fault point, in a child process: its exit status is the outcome. */
static int trial(const struct step *p, const struct fault *f, unsigned long n)
{
	struct store *s = NULL;
	struct snapshot now;
	char err[640], why[512] = "";
	int r, ok, out = TRIAL_OK;

	copy_state(p->before->dir, sc.state);
	if (!p->opens)
		open_or_die(&s);
	faultshim_arm(f->op, n, f->rc, f->sticky);
	r = step_faulted(p, &s, err, sizeof(err));
	faultshim_disarm();
	snapshot_take(sc.db, &now);
	ok = check_after_fault(p, r, &now, why, sizeof(why));
	if (ok && p->run == step_mark)
		ok = check_sent(why, sizeof(why));
	if (r < 0 && r != f->want) {
		fprintf(stderr, "  %s, %s #%lu: reported %s (%s)\n", p->name,
			f->name, n, strerror(-r), err);
		out |= TRIAL_UNCLEAR;
	}
	if (ok)
		ok = redo(p, p->same_conn ? s : NULL, why, sizeof(why));
	else if (p->same_conn)
		store_close(s);
	if (!ok) {
		fprintf(stderr, "  FAULT %s, %s #%lu (call: %s): %s\n", p->name,
			f->name, n, r < 0 ? err : "success", why);
		out |= TRIAL_FAILED;
	} else if (sc.verbose)
		fprintf(stderr, "  %s, %s #%lu: %s, ok\n", p->name, f->name, n,
			r < 0 ? err : "success");
	return out;
}

/* Walks every fault point of step p for fault f.  Returns the number of
 * failed points. */
static unsigned long walk(const struct step *p, const struct fault *f,
			  unsigned long total)
{
	unsigned long failed = 0;

	for (unsigned long n = 1; n <= total; n++) {
		int status;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid == 0)
			exit(trial(p, f, n));
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			perror("fork");
			exit(2);
		}
		sc.walked[f->op]++;
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "  CRASH %s, %s #%lu: signal %d\n",
				p->name, f->name, n, WTERMSIG(status));
			sc.crashes++;
			failed++;
		} else if (WEXITSTATUS(status) & TRIAL_FAILED) {
			sc.failures++;
			failed++;
		} else if (WEXITSTATUS(status) & TRIAL_UNCLEAR)
			sc.unclear++;
		else if (WEXITSTATUS(status) != 0)
			failed++;
	}
	return failed;
}

static void walk_step(const struct step *p)
{
	unsigned long n[FAULTSHIM_OPS];
	struct timespec t0, t1;

	setup_once();
	small_wal = p->small_wal;
	step_count(p, n);
	printf("%s%s: %lu reads, %lu writes, %lu syncs, %lu truncates; "
	       "files: %lu writes, %lu syncs\n",
	       p->name, p->small_wal ? ", checkpoint at every commit" : "",
	       n[FAULTSHIM_READ], n[FAULTSHIM_WRITE], n[FAULTSHIM_SYNC],
	       n[FAULTSHIM_TRUNCATE], n[FAULTSHIM_FILE_WRITE],
	       n[FAULTSHIM_FILE_SYNC]);
	for (size_t i = 0; i < ELEMENTSOF(faults); i++) {
		const struct fault *f = &faults[i];
		unsigned long failed;

		if (!sc.ops_wanted[f->op])
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		failed = walk(p, f, n[f->op]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fflush(stderr);
		printf("  %-30s %4lu points, %lu failed (%.1f s)\n", f->name,
		       n[f->op], failed,
		       (double)(t1.tv_sec - t0.tv_sec) +
			       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		fflush(stdout);
		CHECK_INT(failed, 0);
	}
}

TEST(open_a_new_database)
{
	setup_once();
	walk_step(&(struct step){.name = "open (create and migrate)",
				 .before = &st.empty,
				 .after = &st.fresh,
				 .opens = 1,
				 .partial = 1});
}

TEST(ingest_a_release_with_events_and_alerts)
{
	setup_once();
	walk_step(&(struct step){.name = "ingest release 2",
				 .before = &st.r1,
				 .after = &st.r2,
				 .next = 3,
				 .after_next = &st.r3,
				 .run = step_ingest2});
}

TEST(ingest_then_redo_on_the_same_connection)
{
	setup_once();
	walk_step(&(struct step){.name = "ingest release 2, same connection",
				 .before = &st.r1,
				 .after = &st.r2,
				 .same_conn = 1,
				 .next = 3,
				 .after_next = &st.r3,
				 .run = step_ingest2});
}

TEST(mark_alerts_sent)
{
	setup_once();
	walk_step(&(struct step){.name = "mark 6 alerts sent",
				 .before = &st.r2,
				 .after = &st.sent,
				 .partial = 1,
				 .run = step_mark});
}

TEST(ingest_and_mark_checkpointing_at_every_commit)
{
	setup_once();
	walk_step(&(struct step){.name = "ingest release 2",
				 .before = &st.r1,
				 .after = &st.r2,
				 .small_wal = 1,
				 .next = 3,
				 .after_next = &st.r3,
				 .run = step_ingest2});
	walk_step(&(struct step){.name = "mark 6 alerts sent",
				 .before = &st.r2,
				 .after = &st.sent,
				 .partial = 1,
				 .small_wal = 1,
				 .run = step_mark});
	small_wal = 0;
}

/* ---- the key-set file (ordinary file I/O beside the database) --------------- */

static void keys_path(char *out, size_t size, const char *suffix)
{
	snprintf(out, size, "%s/keys-1.bin%s", sc.state, suffix);
}

/* Ingests release v and compares with the healthy run's state. */
static void ingest_and_compare(int v, const struct saved *want)
{
	struct snapshot now;
	char d[128] = "";

	ingest_or_die(v);
	snapshot_take(sc.db, &now);
	if (!snapshot_equal(&now, &want->snap, d, sizeof(d)))
		TEST_FAIL("release %d: %s", v, d);
}

TEST(key_set_missing_truncated_stale_or_unwritable)
{
	char keys[PATH_MAX + 16], tmp[PATH_MAX + 16], old[PATH_MAX + 32];
	struct stat sb;

	setup_once();
	keys_path(keys, sizeof(keys), "");
	keys_path(tmp, sizeof(tmp), ".tmp");

	/* Missing: rebuilt from the database. */
	copy_state(st.r1.dir, sc.state);
	CHECK_INT(unlink(keys), 0);
	ingest_and_compare(2, &st.r2);
	ingest_and_compare(3, &st.r3);

	/* Cut short (a torn copy): stale, rebuilt. */
	copy_state(st.r1.dir, sc.state);
	CHECK_INT(stat(keys, &sb), 0);
	CHECK_INT(truncate(keys, sb.st_size - 8), 0);
	ingest_and_compare(2, &st.r2);
	ingest_and_compare(3, &st.r3);

	/* Left from release 1 after release 2 committed (the commit was
	 * reported failed, or the file could not be replaced): stale. */
	copy_state(st.r2.dir, sc.state);
	snprintf(old, sizeof(old), "%s/keys-1.bin", st.r1.dir);
	copy_file(old, keys);
	ingest_and_compare(3, &st.r3);

	/* Cannot be written (its temporary name is taken by a directory):
	 * the release still commits; the next one rebuilds the set. */
	copy_state(st.r1.dir, sc.state);
	CHECK_INT(mkdir(tmp, 0700), 0);
	ingest_and_compare(2, &st.r2);
	CHECK_INT(rmdir(tmp), 0);
	ingest_and_compare(3, &st.r3);
}

TEST(summary)
{
	setup_once();
	printf("fault points walked: %lu reads, %lu writes, %lu syncs, "
	       "%lu truncates; %lu failures, %lu crashes, %lu unclear "
	       "errors\n",
	       sc.walked[FAULTSHIM_READ], sc.walked[FAULTSHIM_WRITE],
	       sc.walked[FAULTSHIM_SYNC], sc.walked[FAULTSHIM_TRUNCATE],
	       sc.failures, sc.crashes, sc.unclear);
	/* An error that names another cause than the fault misleads the
	 * operator: a finding, like a failure. */
	CHECK_INT(sc.unclear, 0);
	watchset_free(sc.ws);
	config_free(sc.c);
	test_rmtree(sc.dir);
}
