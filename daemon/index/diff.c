/*
 * diff.c: the key set's hash index and the radix sorts of diff.h.
 *
 * The index is open addressing with linear probing over a power-of-two
 * table of 32-bit item indexes (at most half full), so a lookup is one or
 * two cache misses and a 10-million-key set costs 64 MiB.  Sorting is
 * lib/radix.h's.
 */
#include "index/diff.h"

#include <stdlib.h>
#include <string.h>

#include "lib/macro.h"
#include "lib/radix.h"
#include "lib/xalloc.h"

#define DIFF_EMPTY UINT32_MAX

struct diff_set {
	struct diff_item *items; /* owned, sorted by key */
	size_t n;
	uint32_t *table; /* owned: item indexes, DIFF_EMPTY when free */
	size_t mask;
	uint64_t *seen; /* owned bitmap over items */
};

static size_t slot_of(uint64_t key, size_t mask)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & mask;
}

struct diff_set *diff_set_new(struct diff_item *items, size_t n)
{
	struct diff_set *s = xcalloc(1, sizeof(*s));
	size_t size = 16, i, h;

	while (size < 2 * n)
		size *= 2;
	s->items = items;
	s->n = n;
	s->mask = size - 1;
	s->table = xreallocarray(NULL, size, sizeof(uint32_t));
	memset(s->table, 0xff, size * sizeof(uint32_t));
	s->seen = xcalloc(n / 64 + 1, sizeof(uint64_t));
	for (i = 0; i < n; i++) {
		for (h = slot_of(items[i].key, s->mask);
		     s->table[h] != DIFF_EMPTY; h = (h + 1) & s->mask)
			;
		s->table[h] = (uint32_t)i;
	}
	return s;
}

ptrdiff_t diff_set_find(const struct diff_set *s, uint64_t key)
{
	size_t h;

	for (h = slot_of(key, s->mask); s->table[h] != DIFF_EMPTY;
	     h = (h + 1) & s->mask)
		if (s->items[s->table[h]].key == key)
			return (ptrdiff_t)s->table[h];
	return -1;
}

void diff_set_find_batch(const struct diff_set *s, const uint64_t *keys,
			 size_t n, ptrdiff_t *ret)
{
	size_t i, h;

	/* Stage 1: bring every first probe slot towards the cache. */
	for (i = 0; i < n; i++)
		__builtin_prefetch(&s->table[slot_of(keys[i], s->mask)]);
	/* Stage 2: the slots are near; bring the items they point at. */
	for (i = 0; i < n; i++) {
		h = slot_of(keys[i], s->mask);
		if (s->table[h] != DIFF_EMPTY)
			__builtin_prefetch(&s->items[s->table[h]]);
	}
	/* Stage 3: compare, probing further where the first slot missed. */
	for (i = 0; i < n; i++)
		ret[i] = diff_set_find(s, keys[i]);
}

void diff_set_drop_items(struct diff_set *s)
{
	free(s->items);
	free(s->table);
	s->items = NULL;
	s->table = NULL;
}

bool diff_set_mark(struct diff_set *s, size_t i)
{
	uint64_t bit = 1ULL << (i % 64);
	bool first = !(s->seen[i / 64] & bit);

	s->seen[i / 64] |= bit;
	return first;
}

bool diff_set_marked(const struct diff_set *s, size_t i)
{
	return s->seen[i / 64] >> (i % 64) & 1;
}

const struct diff_item *diff_set_items(const struct diff_set *s, size_t *ret_n)
{
	*ret_n = s->n;
	return s->items;
}

struct diff_set *diff_set_free(struct diff_set *s)
{
	if (s) {
		free(s->items);
		free(s->table);
		free(s->seen);
		free(s);
	}
	return NULL;
}

RADIX_SORT(radix_pairs, struct diff_pair, key)
RADIX_SORT(radix_items, struct diff_item, key)

void diff_sort_pairs(struct diff_pair *pairs, struct diff_pair *tmp, size_t n)
{
	radix_pairs(pairs, tmp, n);
}

void diff_sort_items(struct diff_item *items, struct diff_item *tmp, size_t n)
{
	radix_items(items, tmp, n);
}

size_t diff_unique_pairs(struct diff_pair *pairs, size_t n)
{
	size_t i, out = 0;

	for (i = 0; i < n; i++)
		if (out == 0 || pairs[out - 1].key != pairs[i].key)
			pairs[out++] = pairs[i];
	return out;
}
