/* test-diff.c: radix sort agrees with qsort, and the key
 * set's index finds exactly the keys it holds, at their places, however
 * they spread. */
#include <errno.h>

#include "index/diff.h"
#include "lib/macro.h"
#include "test.h"
#include "testutil.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	return test_xorshift(&rng);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

TEST(radix_sort_matches_qsort)
{
	static const uint64_t masks[] = {0xffffffffffULL, UINT64_MAX, 0xff,
					 0xffff0000ffff0000ULL};
	enum { N = 100000 };
	struct diff_item *a = malloc(N * sizeof(*a)),
			 *t = malloc(N * sizeof(*t));
	uint64_t *b = malloc(N * 8);
	size_t m, i;
	int ok;

	for (m = 0; m < ELEMENTSOF(masks); m++) {
		for (i = 0; i < N; i++) {
			b[i] = next() & masks[m];
			a[i] = (struct diff_item){b[i], i};
		}
		diff_sort_items(a, t, N);
		qsort(b, N, 8, cmp_u64);
		for (i = 0, ok = 1; i < N; i++)
			ok &= a[i].key == b[i];
		CHECK(ok);
	}
	free(a);
	free(b);
	free(t);
}

/* A set over keys[0..n) (sorted, unique). */
static struct diff_set *set_of(const uint64_t *keys, size_t n)
{
	struct diff_set *set =
		diff_set_new(n ? keys[0] : 0, n ? keys[n - 1] : 0, n);
	size_t i;

	for (i = 0; i < n; i++)
		if (diff_set_add(set, keys[i]) != 0)
			TEST_FAIL("key %zu (%llu) refused", i,
				  (unsigned long long)keys[i]);
	return set;
}

TEST(set_finds_marks_and_reports)
{
	enum { N = 50000 };
	uint64_t *keys = malloc(N * sizeof(*keys));
	struct diff_set *set;
	size_t i, marked = 0;

	/* Keys 3, 6, 9, ...: each at its place. */
	for (i = 0; i < N; i++)
		keys[i] = 3 * (i + 1);
	set = set_of(keys, N);
	CHECK_INT(diff_set_count(set), N);
	for (i = 0; i < 3 * N + 10; i++) {
		ptrdiff_t at = diff_set_find(set, i);

		if (i % 3 == 0 && i > 0 && i <= 3 * N) {
			if (at != (ptrdiff_t)(i / 3 - 1))
				TEST_FAIL("key %zu found at %td", i, at);
		} else if (at != -1)
			TEST_FAIL("key %zu should be absent", i);
	}
	CHECK(diff_set_mark(set, 10));
	CHECK(!diff_set_mark(set, 10));
	CHECK(diff_set_mark(set, 11));
	for (i = 0; i < N; i++)
		marked += diff_set_marked(set, i);
	CHECK_INT(marked, 2);
	CHECK(diff_set_marked(set, 10) && diff_set_marked(set, 11));
	/* The keys may go; the marks stay. */
	diff_set_drop_keys(set);
	CHECK(diff_set_marked(set, 10) && !diff_set_marked(set, 9));
	diff_set_free(set);
	free(keys);

	set = diff_set_new(0, 0, 0);
	CHECK_INT(diff_set_find(set, 0), -1);
	CHECK_INT(diff_set_find(set, 42), -1);
	CHECK_INT(diff_set_add(set, 0), -EINVAL);
	diff_set_free(set);
}

/* Sorts and dedups v[0..n); returns the new count. */
static size_t sort_unique(uint64_t *v, size_t n)
{
	size_t i, m = 0;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		if (m == 0 || v[m - 1] != v[i])
			v[m++] = v[i];
	return m;
}

/* Every key of the set is found at its place, and keys beside each are
 * found exactly when they are in it too, as a binary search says. */
static void check_against_bsearch(const uint64_t *keys, size_t n)
{
	struct diff_set *set = set_of(keys, n);
	uint64_t probe[3];
	ptrdiff_t got[3];
	size_t i, k, bad = 0;

	for (i = 0; i < n; i++) {
		probe[0] = keys[i];
		probe[1] = keys[i] - 1;
		probe[2] = keys[i] + 1;
		diff_set_find_batch(set, probe, 3, got);
		for (k = 0; k < 3; k++) {
			const uint64_t *hit = bsearch(&probe[k], keys, n,
						      sizeof(*keys), cmp_u64);
			ptrdiff_t want = hit ? hit - keys : -1;

			bad += got[k] != want;
		}
	}
	CHECK_INT(bad, 0);
	diff_set_free(set);
}

TEST(set_agrees_with_a_binary_search_however_the_keys_spread)
{
	enum { N = 200000 };
	uint64_t *v = malloc(N * sizeof(*v));
	size_t i, n;

	/* Hashed keys over all 64 bits, the ends included. */
	for (i = 0; i < N; i++)
		v[i] = next();
	v[0] = 0;
	v[1] = UINT64_MAX;
	n = sort_unique(v, N);
	check_against_bsearch(v, n);

	/* Photo ids: dense, in a span of a few billion. */
	for (i = 0; i < N; i++)
		v[i] = 1000 + next() % 12000000000ULL;
	n = sort_unique(v, N);
	check_against_bsearch(v, n);

	/* Crowded: most keys in one narrow run, a few far away, so that one
	 * bucket holds nearly all of them. */
	for (i = 0; i < N; i++)
		v[i] = i % 100 ? (1ULL << 40) + i : next();
	n = sort_unique(v, N);
	check_against_bsearch(v, n);

	/* One key; two adjacent keys. */
	v[0] = 77;
	check_against_bsearch(v, 1);
	v[1] = 78;
	check_against_bsearch(v, 2);
	free(v);
}

TEST(set_refuses_keys_out_of_order_or_bounds)
{
	struct diff_set *set = diff_set_new(10, 1000, 3);

	CHECK_INT(diff_set_add(set, 9), -EINVAL);
	CHECK_INT(diff_set_add(set, 10), 0);
	CHECK_INT(diff_set_add(set, 10), -EINVAL);
	CHECK_INT(diff_set_add(set, 500), 0);
	CHECK_INT(diff_set_add(set, 499), -EINVAL);
	CHECK_INT(diff_set_add(set, 1001), -EINVAL);
	CHECK_INT(diff_set_add(set, 1000), 0);
	CHECK_INT(diff_set_add(set, 1000), -EINVAL); /* a fourth */
	CHECK_INT(diff_set_find(set, 500), 1);
	CHECK_INT(diff_set_find(set, 1000), 2);
	diff_set_free(set);
}
