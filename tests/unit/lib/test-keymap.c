/* test-keymap.c: the bounded byte-string map finds what it kept, only
 * that, across growth, and stops taking keys at its bounds. */
#include <stdio.h>
#include <string.h>

#include "lib/keymap.h"
#include "lib/macro.h"
#include "test.h"

TEST(keys_with_zero_bytes_are_told_apart)
{
	static const struct {
		const char *key;
		size_t len;
		int64_t value;
	} cases[] = {
		{"nsid\0alias\0name", 16, 1},
		{"nsid\0alias\0nam", 15, 2},
		{"nsid\0\0name", 11, 3},
		{"", 0, 4},
	};
	struct keymap *m = keymap_new(100, 64);
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++)
		CHECK_INT(keymap_put(m, cases[i].key, cases[i].len,
				     cases[i].value),
			  1);
	for (i = 0; i < ELEMENTSOF(cases); i++)
		CHECK_INT(keymap_get(m, cases[i].key, cases[i].len),
			  cases[i].value);
	CHECK_INT(keymap_get(m, "nsid", 4), 0);
	/* A key kept once keeps its first value. */
	CHECK_INT(keymap_put(m, cases[0].key, cases[0].len, 9), 0);
	CHECK_INT(keymap_get(m, cases[0].key, cases[0].len), 1);
	keymap_free(m);
}

TEST(growth_keeps_every_key)
{
	struct keymap *m = keymap_new(100000, 32);
	char key[32];
	int i, n, misses = 0;

	for (i = 1; i <= 50000; i++) {
		n = snprintf(key, sizeof(key), "%d@N01", i);
		CHECK_INT(keymap_put(m, key, (size_t)n, i), 1);
	}
	for (i = 1; i <= 50000; i++) {
		n = snprintf(key, sizeof(key), "%d@N01", i);
		misses += keymap_get(m, key, (size_t)n) != i;
	}
	CHECK_INT(misses, 0);
	keymap_free(m);
}

TEST(bounds_refuse_more)
{
	struct keymap *m = keymap_new(2, 4);

	CHECK_INT(keymap_put(m, "toolong", 7, 1), 0);
	CHECK_INT(keymap_put(m, "a", 1, 0), 0); /* 0 means absent */
	CHECK_INT(keymap_put(m, "a", 1, 1), 1);
	CHECK_INT(keymap_put(m, "b", 1, 2), 1);
	CHECK_INT(keymap_put(m, "c", 1, 3), 0); /* full */
	CHECK_INT(keymap_get(m, "c", 1), 0);
	CHECK_INT(keymap_get(m, "b", 1), 2);
	CHECK(keymap_free(m) == NULL);
	CHECK(keymap_free(NULL) == NULL);
}
