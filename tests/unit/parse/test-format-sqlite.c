/* test-format-sqlite.c: manifests that are SQLite databases.  The sqlite
 * format maps a table's columns to entry fields; yfcc100m reads the SQLite
 * edition of YFCC100M with the same entries as its TSV.  Each database is
 * written here with SQLite itself; hostile ones (a view, a virtual table,
 * a file that is no database, a corrupt page) are refused with a reason,
 * and nothing is written beside a file read. */
#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>

#include "test.h"
#include "testutil.h"
#include "formattest.h"

extern const struct format format_sqlite, format_yfcc100m;

/* Makes a database at dir/name from sql; returns its path (static). */
static const char *make_db(const char *dir, const char *name, const char *sql)
{
	static char path[4096];
	sqlite3 *db = NULL;
	char *err = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		TEST_FAIL("fixture: %s", err ? err : "?");
	sqlite3_free(err);
	sqlite3_close(db);
	return path;
}

/* Reads path with fmt and options o into g; returns read_file()'s value. */
static int read_db(const struct format *fmt, const struct format_options *o,
		   const char *path, struct got *g)
{
	const struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct format_sink sink = {got_entry, got_report, g};
	void *p = NULL;
	int r;

	*g = (struct got){0};
	r = fmt->open(o, &limits, &sink, &p);
	if (r < 0)
		return r;
	r = fmt->read_file(p, path);
	fmt->free(p);
	return r;
}

#define YFCC_SCHEMA                                                            \
	"CREATE TABLE yfcc100m_dataset (photoid INTEGER PRIMARY KEY, uid "     \
	"TEXT, unickname TEXT, datetaken TEXT, dateuploaded TEXT, "            \
	"capturedevice TEXT, title TEXT, description TEXT, usertags TEXT, "    \
	"machinetags TEXT, longitude REAL, latitude REAL, accuracy INTEGER, "  \
	"pageurl TEXT, downloadurl TEXT, licensename TEXT, licenseurl TEXT, "  \
	"serverid INTEGER, farmid INTEGER, secret TEXT, secretoriginal TEXT, " \
	"ext TEXT, marker INTEGER);"

/* One row: photo id, owner, nickname (URL-encoded as YFCC has it), and
 * marker (1: a video). */
#define YFCC_ROW(id, owner, nick, marker)                                   \
	"INSERT INTO yfcc100m_dataset (photoid, uid, unickname, pageurl, "  \
	"downloadurl, licensename, marker) VALUES (" id ", '" owner         \
	"', '" nick "', 'http://www.flickr.com/photos/" owner "/" id "/', " \
	"'http://farm1.staticflickr.com/1/" id "_abc.jpg', 'Attribution "   \
	"License', " marker ");"

TEST(yfcc_sqlite_gives_the_entries_of_the_tsv)
{
	const char *dir = test_tmpdir(), *db;
	struct format_options o = {0};
	struct got g;

	db = make_db(dir, "yfcc.sql",
		     YFCC_SCHEMA YFCC_ROW("101", "12345678@N00", "Jane+Doe",
					  "0") YFCC_ROW("102", "12345678@N00",
							"Jane+Doe", "1")
			     YFCC_ROW("103", "30302697@N00", "Jos%C3%A9", "0"));
	CHECK_INT(read_db(&format_yfcc100m, &o, db, &g), 0);
	CHECK_INT((int)g.n_entries, 2); /* 102 is a video */
	CHECK_U64(g.entries[0].photo_id, 101);
	CHECK_STR(g.entries[0].nsid, "12345678@N00");
	CHECK_STR(g.entries[0].field[ENTRY_FIELD_OWNER_NAME], "Jane Doe");
	CHECK_STR(g.entries[0].field[ENTRY_FIELD_PAGE_URL],
		  "http://www.flickr.com/photos/12345678@N00/101/");
	CHECK_STR(g.entries[0].field[ENTRY_FIELD_IMAGE_URL],
		  "http://farm1.staticflickr.com/1/101_abc.jpg");
	CHECK_STR(g.entries[0].field[ENTRY_FIELD_LICENSE],
		  "Attribution License");
	CHECK_U64(g.entries[0].line, 1);
	CHECK_U64(g.entries[1].photo_id, 103);
	CHECK_STR(g.entries[1].field[ENTRY_FIELD_OWNER_NAME], "José");
	CHECK_U64(g.entries[1].line, 3);
	CHECK_INT((int)g.n_reports, 0);
}

TEST(yfcc_tsv_is_still_fed)
{
	const char *dir = test_tmpdir();
	struct format_options o = {0};
	const struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct got g = {0};
	struct format_sink sink = {got_entry, got_report, &g};
	char path[4096];
	void *p = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/yfcc.tsv", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("101\t12345678@N00\tJane\n", f);
	fclose(f);
	CHECK_INT(format_yfcc100m.open(&o, &limits, &sink, &p), 0);
	CHECK_INT(format_yfcc100m.read_file(p, path), -ENOTSUP);
	format_yfcc100m.free(p);
}

TEST(sqlite_maps_columns_to_fields)
{
	const char *dir = test_tmpdir(), *db;
	struct format_options o = {.table = (char *)"Faces"};
	struct got g;

	db = make_db(dir, "faces.db",
		     "CREATE TABLE faces (id INTEGER, \"Flickr URL\" TEXT, "
		     "owner TEXT);"
		     "INSERT INTO faces VALUES (1, "
		     "'https://www.flickr.com/photos/janedoe/7581654321/', "
		     "'Jane Doe');"
		     "INSERT INTO faces VALUES (2, NULL, 'nobody');");
	o.fields[ENTRY_FIELD_URL] =
		(char *)"flickr url"; /* names are caseless */
	o.fields[ENTRY_FIELD_OWNER_NAME] = (char *)"OWNER";
	o.fields[ENTRY_FIELD_KEY] = (char *)"id";
	CHECK_INT(read_db(&format_sqlite, &o, db, &g), 0);
	CHECK_INT((int)g.n_entries, 2);
	CHECK_U64(g.entries[0].photo_id, 7581654321ULL);
	CHECK_STR(g.entries[0].alias, "janedoe");
	CHECK_STR(g.entries[0].field[ENTRY_FIELD_OWNER_NAME], "Jane Doe");
	CHECK_STR(g.entries[0].field[ENTRY_FIELD_KEY], "1");
	CHECK_STR(g.entries[1].field[ENTRY_FIELD_URL], ""); /* NULL */
	CHECK_U64(g.entries[1].line, 2);
}

/* The one report of a refused file: fatal, naming why. */
static void check_refused(const char *db, const char *table, const char *column,
			  const char *why)
{
	struct format_options o = {.table = (char *)table};
	struct got g;

	o.fields[ENTRY_FIELD_PHOTO_ID] = (char *)column;
	CHECK_INT(read_db(&format_sqlite, &o, db, &g), -EBADMSG);
	CHECK_INT((int)g.n_entries, 0);
	CHECK_INT((int)g.n_reports, 1);
	CHECK(g.reports[0].fatal);
	if (!strstr(g.reports[0].why, why))
		TEST_FAIL("report '%s' does not say '%s'", g.reports[0].why,
			  why);
}

TEST(hostile_databases_are_refused)
{
	const char *dir = test_tmpdir();
	char path[4096];
	FILE *f;

	make_db(dir, "v.db",
		"CREATE TABLE t (photo TEXT); CREATE VIEW v AS SELECT "
		"photo FROM t;");
	snprintf(path, sizeof(path), "%s/v.db", dir);
	check_refused(path, "v", "photo", "view");
	check_refused(path, "missing", "photo", "no table");
	check_refused(path, "t", "nope", "no column 'nope'");
	/* A name made to break out of its quotes is only ever a name. */
	check_refused(path, "t", "photo\" FROM sqlite_schema --", "no column");
	check_refused(path, "t\" --", "photo", "no table");

	make_db(dir, "fts.db",
		"CREATE VIRTUAL TABLE t USING fts5(photo);"
		"INSERT INTO t VALUES ('1');");
	snprintf(path, sizeof(path), "%s/fts.db", dir);
	check_refused(path, "t", "photo", "virtual table");

	snprintf(path, sizeof(path), "%s/not.db", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("photo,owner\n1,12345678@N00\n", f);
	fclose(f);
	check_refused(path, "t", "photo", "not an SQLite database");
}

TEST(a_corrupt_page_is_refused)
{
	const char *dir = test_tmpdir();
	struct format_options o = {.table = (char *)"t"};
	struct got g;
	char path[4096], junk[4096];
	FILE *f;
	int i, r;

	make_db(dir, "c.db",
		"PRAGMA page_size = 1024; CREATE TABLE t (photo TEXT);"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM "
		"n WHERE i < 2000) INSERT INTO t SELECT printf('%0100d', i) "
		"FROM n;");
	snprintf(path, sizeof(path), "%s/c.db", dir);
	/* Pages 3 onwards overwritten: the table's b-tree is broken. */
	memset(junk, 0xA5, sizeof(junk));
	f = fopen(path, "r+");
	CHECK(f != NULL);
	fseek(f, 2 * 1024, SEEK_SET);
	for (i = 0; i < 16; i++)
		fwrite(junk, 1, sizeof(junk), f);
	fclose(f);
	o.fields[ENTRY_FIELD_KEY] = (char *)"photo";
	r = read_db(&format_sqlite, &o, path, &g);
	CHECK_INT(r, -EBADMSG);
	CHECK(g.n_reports >= 1 && g.reports[g.n_reports - 1].fatal);
}

TEST(nothing_is_written_beside_the_file)
{
	const char *dir = test_tmpdir(), *db;
	struct format_options o = {.table = (char *)"t"};
	struct dirent *de;
	struct got g;
	DIR *d;
	int n = 0;

	/* A WAL database: a reader would make -wal and -shm files. */
	db = make_db(dir, "w.db",
		     "PRAGMA journal_mode = WAL; CREATE TABLE t (photo TEXT);"
		     "INSERT INTO t VALUES ('1');");
	o.fields[ENTRY_FIELD_PHOTO_ID] = (char *)"photo";
	CHECK_INT(read_db(&format_sqlite, &o, db, &g), 0);
	CHECK_INT((int)g.n_entries, 1);
	d = opendir(dir);
	CHECK(d != NULL);
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	CHECK_INT(n, 1);
}
