/* test-store.c: the database opens, migrates once, records runs and
 * failures, and refuses files it cannot own. */
#include <errno.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_index.h"
#include "test.h"
#include "testutil.h"

static int user_version(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void set_user_version(const char *path, int v)
{
	sqlite3 *db;
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	sqlite3_open(path, &db);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
}

TEST(open_creates_and_migrates)
{
	const char *dir = test_tmpdir();
	char path[PATH_MAX];
	struct store *s = NULL;

	snprintf(path, sizeof(path), "%s/state.db", dir);
	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), 0);
	CHECK(s != NULL);
	s = store_close(s);
	CHECK(s == NULL);
	CHECK_INT(user_version(path), store_schema_version());
	/* Opening again is a no-op migration. */
	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), 0);
	s = store_close(s);
	CHECK_INT(user_version(path), store_schema_version());
	test_rmtree(dir);
}

TEST(runs_and_consecutive_failures)
{
	const char *dir = test_tmpdir();
	char path[PATH_MAX];
	struct store *s = NULL;
	struct store_run run = {0}, last;
	int64_t ds = 0, again = 0, other = 0, id = 0;

	snprintf(path, sizeof(path), "%s/state.db", dir);
	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), 0);
	CHECK_INT(store_dataset_id(s, "ffhq", &ds), 0);
	CHECK_INT(store_dataset_id(s, "ffhq", &again), 0);
	CHECK_INT(store_dataset_id(s, "dif", &other), 0);
	CHECK(ds == again && ds != other);
	CHECK_INT(store_run_last(s, ds, &last), 0);

	for (int i = 0; i < 3; i++) {
		CHECK_INT(store_run_begin(s, ds, 1000 + i, &id), 0);
		run = (struct store_run){.id = id,
					 .ended = 1001 + i,
					 .outcome = STORE_OUTCOME_FAILED,
					 .http_status = 503};
		snprintf(run.error, sizeof(run.error), "HTTP 503 from server");
		CHECK_INT(store_run_end(s, &run), 0);
	}
	CHECK_INT(store_dataset_failures(s, ds), 3);
	CHECK_INT(store_dataset_failures(s, other), 0);
	CHECK_INT(store_run_last(s, ds, &last), 1);
	CHECK_INT(last.outcome, STORE_OUTCOME_FAILED);
	CHECK_INT(last.http_status, 503);
	CHECK_INT(last.started, 1002);
	CHECK_STR(last.error, "HTTP 503 from server");
	/* A check cut short by a shutdown is no failure, and resets none. */
	CHECK_INT(store_run_begin(s, ds, 1500, &id), 0);
	run = (struct store_run){
		.id = id, .ended = 1501, .outcome = STORE_OUTCOME_STOPPED};
	CHECK_INT(store_run_end(s, &run), 0);
	CHECK_INT(store_dataset_failures(s, ds), 3);
	CHECK_INT(store_run_last(s, ds, &last), 1);
	CHECK_STR(store_outcome_name(last.outcome), "stopped");

	CHECK_INT(store_run_begin(s, ds, 2000, &id), 0);
	run = (struct store_run){.id = id,
				 .ended = 2005,
				 .outcome = STORE_OUTCOME_NEW_RELEASE,
				 .http_status = 200,
				 .bytes = 12345};
	CHECK_INT(store_run_end(s, &run), 0);
	CHECK_INT(store_dataset_failures(s, ds), 0);
	CHECK_INT(store_run_last(s, ds, &last), 1);
	CHECK_INT(last.bytes, 12345);
	CHECK_STR(last.error, "");
	CHECK_STR(store_outcome_name(last.outcome), "new-release");

	/* A run must end with a real outcome. */
	run.outcome = STORE_OUTCOME_RUNNING;
	CHECK_INT(store_run_end(s, &run), -EINVAL);
	store_close(s);
	test_rmtree(dir);
}

/* A release file keeps its MD5 (a Drive download's), or none; one that
 * has none may be given it once. */
TEST(release_files_keep_their_md5)
{
	static const char md5[] = "425ae20f06a4da1d4dc0f46d40ba5fd6";
	const char *dir = test_tmpdir();
	char path[PATH_MAX];
	struct store *s = NULL;
	struct store_release rel = {.sha256 = "ab", .size = 3, .ingested = 1};
	struct store_release_file f = {.sha256 = "cd", .size = 3}, g = f, got;

	snprintf(path, sizeof(path), "%s/state.db", dir);
	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), 0);
	CHECK_INT(store_dataset_id(s, "ffhq", &rel.dataset_id), 0);
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_release_add(s, &rel), 0);
	f.release_id = g.release_id = rel.id;
	snprintf(f.name, sizeof(f.name), "with");
	snprintf(f.md5, sizeof(f.md5), "%s", md5);
	snprintf(g.name, sizeof(g.name), "without");
	CHECK_INT(store_release_file_add(s, &f), 0);
	CHECK_INT(store_release_file_add(s, &g), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_release_file_get(s, f.id, &got), 1);
	CHECK_STR(got.md5, md5);
	CHECK_INT(store_release_file_get(s, g.id, &got), 1);
	CHECK_STR(got.md5, "");
	/* Given once, to the file without; never replaced. */
	CHECK_INT(store_release_file_set_md5(s, g.id, md5), 1);
	CHECK_INT(store_release_file_get(s, g.id, &got), 1);
	CHECK_STR(got.md5, md5);
	CHECK_INT(store_release_file_set_md5(
			  s, f.id, "d5dff1aeb0d9e6a8e5b704eb3549b9e1"),
		  0);
	CHECK_INT(store_release_file_get(s, f.id, &got), 1);
	CHECK_STR(got.md5, md5);
	CHECK_INT(store_release_file_set_md5(s, g.id, "425AE20F"), -EINVAL);
	store_close(s);
	test_rmtree(dir);
}

TEST(newer_schema_is_refused)
{
	const char *dir = test_tmpdir();
	char path[PATH_MAX];
	struct store *s = NULL;

	snprintf(path, sizeof(path), "%s/state.db", dir);
	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), 0);
	store_close(s);
	s = NULL;
	set_user_version(path, store_schema_version() + 1);
	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), -EPROTO);
	CHECK(s == NULL);
	test_rmtree(dir);
}

TEST(not_a_database_is_refused)
{
	const char *dir = test_tmpdir();
	const char *path =
		test_write(dir, "state.db",
			   "this is not an SQLite database, but it is "
			   "long enough to have a header page .......",
			   0600);
	struct store *s = NULL;

	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), -EBADMSG);
	CHECK(s == NULL);
	CHECK_INT(store_open("/nonexistent-dir/state.db", STORE_READ_WRITE, &s),
		  -ENOENT);
	test_rmtree(dir);
}
