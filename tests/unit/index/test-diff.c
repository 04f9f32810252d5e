/* test-diff.c: radix sort agrees with qsort, duplicates go, and the merge
 * finds exactly what was added and removed. */
#include "index/diff.h"
#include "lib/macro.h"
#include "test.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
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

TEST(pair_sort_is_stable_and_unique_keeps_first)
{
	struct diff_pair p[] = {{5, 0}, {3, 1}, {5, 2}, {1, 3}, {3, 4}, {5, 5}};
	struct diff_pair t[ELEMENTSOF(p)];
	size_t n;

	diff_sort_pairs(p, t, ELEMENTSOF(p));
	n = diff_unique_pairs(p, ELEMENTSOF(p));
	CHECK_INT(n, 3);
	CHECK_U64(p[0].key, 1);
	CHECK_U64(p[1].key, 3);
	CHECK_U64(p[1].ref, 1);
	CHECK_U64(p[2].key, 5);
	CHECK_U64(p[2].ref, 0);
}

TEST(set_finds_marks_and_reports)
{
	enum { N = 50000 };
	struct diff_item *items = malloc(N * sizeof(*items));
	struct diff_set *set;
	const struct diff_item *back;
	size_t i, n, marked = 0;

	/* Keys 3, 6, 9, ... with ids 1, 2, 3, ...; every other one present. */
	for (i = 0; i < N; i++)
		items[i] = (struct diff_item){
			3 * (i + 1), (i + 1) | (i % 2 ? DIFF_PRESENT : 0)};
	set = diff_set_new(items, N);
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
	back = diff_set_items(set, &n);
	CHECK_INT(n, N);
	for (i = 0; i < n; i++)
		marked += diff_set_marked(set, i);
	CHECK_INT(marked, 2);
	CHECK(diff_set_marked(set, 10) && diff_set_marked(set, 11));
	CHECK_U64(back[10].key, 33);
	diff_set_free(set);

	set = diff_set_new(malloc(1), 0);
	CHECK_INT(diff_set_find(set, 0), -1);
	CHECK_INT(diff_set_find(set, 42), -1);
	diff_set_free(set);
}
