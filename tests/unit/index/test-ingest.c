/* test-ingest.c: releases go into the index with exact added, removed and
 * reincluded sets; identical content adds nothing; a rejected release or a
 * lost key-set file leaves the index right. */
#include <errno.h>

#include "index/ingest.h"
#include "lib/macro.h"
#include "store/store_index.h"
#include "test.h"
#include "testutil.h"

/* A YFCC row for photo id with owner nsid. */
static void row(FILE *f, unsigned long long id, const char *nsid)
{
	fprintf(f,
		"%llu\t%s\tname\t\t\t\t\t\t\t\t\t\t\thttp://www.flickr.com/photos/"
		"%s/%llu/\t\t\t\t\t\t\t\tjpg\t0\n",
		id, nsid, nsid, id);
}

/* Writes a release holding the photo ids in ids[] (0 ends). */
static const char *release(const char *dir, const char *name,
			   const unsigned long long *ids)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	for (; *ids; ids++)
		row(f, *ids, *ids % 2 ? "30302697@N00" : "12345678@N00");
	fclose(f);
	return path;
}

struct fixture {
	const char *dir;
	struct store *store;
	struct config_dataset d;
	int64_t ds;
	struct ingest_options o;
};

static void setup(struct fixture *fx)
{
	char db[512];

	fx->dir = test_tmpdir();
	snprintf(db, sizeof(db), "%s/sw.db", fx->dir);
	CHECK_INT(store_open(db, STORE_READ_WRITE, &fx->store), 0);
	fx->d = (struct config_dataset){.name = (char *)"yfcc",
					.format = (char *)"yfcc100m"};
	CHECK_INT(store_dataset_id(fx->store, "yfcc", &fx->ds), 0);
	fx->o = (struct ingest_options){.source = "test",
					.work_dir = fx->dir,
					.max_decoded = 1 << 30,
					.max_entries = 1000,
					.max_bad_share = 0.01,
					.now = 1700000000};
}

/* The three steps of an ingest, with nothing else in the transaction. */
static int ingest(struct fixture *fx, const char *path,
		  struct ingest_result *res)
{
	struct ingest *in = NULL;
	int r;

	r = ingest_prepare(fx->store, &fx->d, fx->ds, path, &fx->o, res, &in);
	if (r >= 0 && !res->unchanged)
		r = ingest_write(in);
	if (r >= 0 && !res->unchanged)
		r = ingest_commit(in);
	ingest_free(in);
	return r;
}

struct changes {
	char text[16384];
};

static int collect(void *u, enum store_change kind, const struct store_entry *e)
{
	struct changes *c = u;
	size_t len = strlen(c->text);

	snprintf(c->text + len, sizeof(c->text) - len, "%s%c%llu",
		 len ? " " : "",
		 kind == STORE_CHANGE_ADDED	? '+'
		 : kind == STORE_CHANGE_REMOVED ? '-'
						: '*',
		 (unsigned long long)e->photo_id);
	return 0;
}

static const char *changes_of(struct fixture *fx, int64_t release_id)
{
	static struct changes c;

	c.text[0] = '\0';
	CHECK_INT(store_changes_each(fx->store, release_id, collect, &c), 0);
	return c.text;
}

TEST(three_releases_with_removal_and_reinclusion)
{
	static const unsigned long long v1[] = {5, 3, 1, 4, 0};
	static const unsigned long long v2[] = {1, 4, 6,
						5, 7, 0}; /* -3 +6 +7 */
	static const unsigned long long v3[] = {3, 1, 6, 7, 5, 0}; /* -4 *3 */
	struct fixture fx;
	struct ingest_result r1, r2, r3, again;
	struct changes c = {""};

	setup(&fx);
	CHECK_INT(ingest(&fx, release(fx.dir, "v1", v1), &r1), 0);
	CHECK_INT(r1.release.seq, 1);
	CHECK_INT(r1.release.entries, 4);
	CHECK_INT(r1.release.added, 4);
	CHECK_STR(changes_of(&fx, r1.release.id), "+1 +3 +4 +5");

	CHECK_INT(ingest(&fx, release(fx.dir, "v2", v2), &r2), 0);
	CHECK_INT(r2.release.seq, 2);
	CHECK_INT(r2.release.entries, 5);
	CHECK_INT(r2.release.added, 2);
	CHECK_INT(r2.release.removed, 1);
	CHECK_STR(changes_of(&fx, r2.release.id), "+6 +7 -3");

	CHECK_INT(ingest(&fx, release(fx.dir, "v3", v3), &r3), 0);
	CHECK_INT(r3.release.removed, 1);
	CHECK_INT(r3.release.reincluded, 1);
	CHECK_INT(r3.release.added, 0);
	CHECK_STR(changes_of(&fx, r3.release.id), "-4 *3");

	/* The same content again adds nothing. */
	CHECK_INT(ingest(&fx, release(fx.dir, "v3", v3), &again), 0);
	CHECK(again.unchanged);
	CHECK_INT(again.release.seq, 3);

	/* v1 -> v3 as a whole: 4 went, 6 and 7 came; 3 is no change. */
	CHECK_INT(store_diff_each(fx.store, fx.ds, 1, 3, collect, &c), 0);
	CHECK_STR(c.text, "+6 +7 -4");
	store_close(fx.store);
	test_rmtree(fx.dir);
}

TEST(too_many_bad_records_rejects_the_release)
{
	static const unsigned long long v1[] = {1, 2, 0};
	struct fixture fx;
	struct ingest_result res;
	struct store_release latest;
	char path[512];
	FILE *f;

	setup(&fx);
	CHECK_INT(ingest(&fx, release(fx.dir, "v1", v1), &res), 0);
	snprintf(path, sizeof(path), "%s/v2", fx.dir);
	f = fopen(path, "w");
	row(f, 10, "30302697@N00");
	fputs("garbage\n\x01\x02\n", f);
	fclose(f);
	CHECK_INT(ingest(&fx, path, &res), -EBADMSG);
	CHECK_STR(res.error, "2 of 3 records are malformed, more than the 1% "
			     "allowed; release rejected");
	CHECK_INT(res.n_bad_shown, 2);
	CHECK_STR(res.bad[0], "line 2: 1 fields, expected 23 or 25");
	CHECK_INT(store_release_latest(fx.store, fx.ds, &latest), 1);
	CHECK_INT(latest.seq, 1);
	CHECK_INT(latest.entries, 2);
	store_close(fx.store);
	test_rmtree(fx.dir);
}

TEST(entry_cap_and_missing_file)
{
	static const unsigned long long v1[] = {1, 2, 3, 0};
	struct fixture fx;
	struct ingest_result res;

	setup(&fx);
	fx.o.max_entries = 2;
	CHECK_INT(ingest(&fx, release(fx.dir, "v1", v1), &res), -E2BIG);
	CHECK_STR(res.error, "more than 2 entries in one release");
	CHECK_INT(ingest(&fx, "/nonexistent/file", &res), -ENOENT);
	CHECK(strstr(res.error, "cannot open '/nonexistent/file'") != NULL);
	store_close(fx.store);
	test_rmtree(fx.dir);
}

TEST(lost_key_set_is_rebuilt_from_the_database)
{
	static const unsigned long long v1[] = {1, 2, 3, 0};
	static const unsigned long long v2[] = {2, 3, 4, 0};
	struct fixture fx;
	struct ingest_result res;
	char keys[600];

	setup(&fx);
	CHECK_INT(ingest(&fx, release(fx.dir, "v1", v1), &res), 0);
	snprintf(keys, sizeof(keys), "%s/keys-%lld.bin", fx.dir,
		 (long long)fx.ds);
	CHECK_INT(unlink(keys), 0);
	CHECK_INT(ingest(&fx, release(fx.dir, "v2", v2), &res), 0);
	CHECK_STR(changes_of(&fx, res.release.id), "+4 -1");
	store_close(fx.store);
	test_rmtree(fx.dir);
}

static int collect_lines(void *u, enum store_change kind _unused_,
			 const struct store_entry *e)
{
	struct changes *c = u;
	size_t len = strlen(c->text);

	snprintf(c->text + len, sizeof(c->text) - len, "%s%llu@%llu",
		 len ? " " : "", (unsigned long long)e->photo_id,
		 (unsigned long long)e->line);
	return 0;
}

TEST(a_photo_listed_twice_is_one_entry_from_its_first_line)
{
	/* The texts go to the segment in file order, the records in key
	 * order: the second record of a key must be passed over. */
	static const unsigned long long v1[] = {9, 2, 9, 8, 2, 0};
	struct fixture fx;
	struct ingest_result r1;
	struct changes c = {""};

	setup(&fx);
	CHECK_INT(ingest(&fx, release(fx.dir, "v1", v1), &r1), 0);
	CHECK_INT(r1.release.entries, 3);
	CHECK_INT(r1.duplicates, 2);
	CHECK_INT(
		store_changes_each(fx.store, r1.release.id, collect_lines, &c),
		0);
	CHECK_STR(c.text, "2@2 8@4 9@1");
	store_close(fx.store);
	test_rmtree(fx.dir);
}

/* n photo ids below range, from seed (0 ends). */
static unsigned long long *random_ids(size_t n, unsigned long long range,
				      uint64_t seed)
{
	unsigned long long *v = calloc(n + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = 1 + test_xorshift(&seed) % range;
	return v;
}

TEST(a_release_sorted_in_runs_on_disk_is_the_same_index)
{
	struct fixture mem, runs;
	struct ingest_result a, b;
	struct changes ca = {""}, cb = {""};
	unsigned long long *v1 = random_ids(600, 400, 7);
	unsigned long long *v2 = random_ids(600, 500, 11);
	int k;

	setup(&mem);
	setup(&runs);
	/* 16 new entries a run: the first release takes 38 runs. */
	runs.o.sort_chunk = 16;
	for (k = 0; k < 2; k++) {
		const unsigned long long *v = k ? v2 : v1;

		CHECK_INT(ingest(&mem, release(mem.dir, "v", v), &a), 0);
		CHECK_INT(ingest(&runs, release(runs.dir, "v", v), &b), 0);
		CHECK_INT(a.sort_runs, 0);
		CHECK(b.sort_runs > (k ? 1u : 30u));
		CHECK_INT(b.release.entries, a.release.entries);
		CHECK_INT(b.release.added, a.release.added);
		CHECK_INT(b.release.removed, a.release.removed);
		CHECK_INT(b.duplicates, a.duplicates);
		ca.text[0] = cb.text[0] = 0;
		CHECK_INT(store_changes_each(mem.store, a.release.id,
					     collect_lines, &ca),
			  0);
		CHECK_INT(store_changes_each(runs.store, b.release.id,
					     collect_lines, &cb),
			  0);
		CHECK(strlen(ca.text) > 100);
		CHECK_STR(cb.text, ca.text);
	}
	CHECK(a.duplicates > 0);
	free(v1);
	free(v2);
	store_close(mem.store);
	store_close(runs.store);
	test_rmtree(mem.dir);
	test_rmtree(runs.dir);
}
