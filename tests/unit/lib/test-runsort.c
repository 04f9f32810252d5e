/* test-runsort.c: the external sort gives back every record it was given,
 * in key order, equal keys in the order they came, whether it fits in
 * memory or takes many runs, and leaves no file behind; a directory it
 * cannot write in is an error, not lost records. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "lib/macro.h"
#include "lib/runsort.h"
#include "test.h"
#include "testutil.h"

struct rec {
	uint64_t key;
	uint64_t serial; /* the order it was added in */
	char pad[8];
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	return test_xorshift(&rng);
}

static size_t files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.' || strlen(de->d_name) > 2;
	if (d)
		closedir(d);
	return n;
}

/* Sorts n records with keys below range, chunk records a chunk, and checks
 * the order, the stability and the count. */
static void sort_and_check(size_t n, uint64_t range, size_t chunk,
			   size_t want_runs)
{
	const char *dir = test_tmpdir();
	struct runsort *rs = runsort_new(dir, sizeof(struct rec), chunk);
	uint64_t *seen = calloc(n ? n : 1, sizeof(*seen));
	const void *p;
	struct rec last = {0}, now;
	size_t i, got = 0, bad = 0, twice = 0;
	int r;

	for (i = 0; i < n; i++) {
		struct rec x = {.key = next() % range, .serial = i};

		CHECK_INT(runsort_add(rs, &x), 0);
	}
	CHECK_U64(runsort_count(rs), n);
	CHECK_INT(runsort_finish(rs), 0);
	CHECK_INT(runsort_runs(rs), want_runs);
	/* The runs' file has no name, even while it is read. */
	CHECK_INT(files_in(dir), 0);
	while ((r = runsort_next(rs, &p)) > 0) {
		memcpy(&now, p, sizeof(now));
		if (got > 0 &&
		    (now.key < last.key ||
		     (now.key == last.key && now.serial < last.serial)))
			bad++;
		if (now.serial >= n || seen[now.serial]++)
			twice++;
		last = now;
		got++;
	}
	CHECK_INT(r, 0);
	CHECK_INT(got, n);
	CHECK_INT(bad, 0);
	CHECK_INT(twice, 0);
	CHECK_INT(runsort_next(rs, &p), 0);
	runsort_free(rs);
	free(seen);
}

TEST(sorts_in_memory_when_it_fits)
{
	sort_and_check(0, 10, 100, 0);
	sort_and_check(1, 10, 100, 0);
	sort_and_check(1000, 1ULL << 40, 1000, 0);
	/* Many equal keys: they keep their order. */
	sort_and_check(1000, 7, 1000, 0);
}

TEST(merges_runs_keeping_equal_keys_in_order)
{
	/* 10 whole runs; 10 and a part; a chunk of one record. */
	sort_and_check(10000, UINT64_MAX, 1000, 10);
	sort_and_check(10500, 1ULL << 20, 1000, 11);
	sort_and_check(300, 5, 1, 300);
	/* Runs much longer than a read-back buffer, few keys. */
	sort_and_check(200000, 3, 50000, 4);
}

TEST(a_directory_it_cannot_write_in_is_an_error)
{
	struct runsort *rs;
	struct rec x = {0};
	char dir[4200];
	int r = 0;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/missing", test_tmpdir());
	rs = runsort_new(dir, sizeof(struct rec), 4);
	for (i = 0; i < 4; i++)
		CHECK_INT(runsort_add(rs, &x), 0);
	/* The fifth needs a run: there is nowhere to write it. */
	r = runsort_add(rs, &x);
	CHECK_INT(r, -ENOENT);
	runsort_free(rs);
}
