/*
 * watchset.c: the watches, indexed (watchset.h).
 *
 * Every watched thing becomes a key: a photo id as itself, an NSID, alias
 * or display name as a 64-bit hash of its kind and its lower-cased text.
 * The keys sit in one array sorted by key; a lookup is a binary search
 * followed by a real comparison, so a hash collision can never make a
 * match.  100,000 watches are about 100,000 keys plus their photos.
 */
#include "match/watchset.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/hashid.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

struct watch_key {
	uint64_t key;
	uint32_t watch;
	uint8_t how; /* enum store_match */
};

struct watchset {
	const struct config *c;
	struct watch_key *keys; /* sorted by key, then watch */
	size_t n_keys;
	char (*fingerprints)[WATCHSET_FINGERPRINT_LEN + 1];
};

/* FNV-1a over the kind and the lower-cased text. */
static uint64_t text_key(enum store_match how, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)how;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		h ^= ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
		h *= 0x100000001b3ULL;
	}
	/* Keep text keys apart from photo ids, which are below 2^63. */
	return h | (1ULL << 63);
}

static int key_cmp(const void *a, const void *b)
{
	const struct watch_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->watch < y->watch ? -1 : x->watch > y->watch;
}

static void add_key(struct watchset *w, size_t *cap, uint64_t key, size_t watch,
		    enum store_match how)
{
	if (w->n_keys == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		w->keys = xreallocarray(w->keys, *cap, sizeof(*w->keys));
	}
	w->keys[w->n_keys++] =
		(struct watch_key){key, (uint32_t)watch, (uint8_t)how};
}

/* SHA-256 of the subscriber's name and everything the watch looks for. */
static void fingerprint(const struct config *c, const struct config_watch *cw,
			char out[WATCHSET_FINGERPRINT_LEN + 1])
{
	const char *parts[] = {c->subscribers[cw->subscriber].name, cw->nsid,
			       cw->alias, cw->display_name};
	struct hashid h;
	size_t j;

	hashid_init(&h);
	for (j = 0; j < ELEMENTSOF(parts); j++) {
		const char *p = parts[j] ? parts[j] : "";
		char lower[256];
		size_t k;

		/* Aliases and names compare without case: hash them so. */
		for (k = 0; p[k] && k < sizeof(lower) - 1; k++)
			lower[k] = (char)(j >= 2 && p[k] >= 'A' && p[k] <= 'Z'
						  ? p[k] + 32
						  : p[k]);
		lower[k] = '\0';
		hashid_add(&h, lower, k + 1);
	}
	for (j = 0; j < cw->n_photos; j++)
		hashid_add(&h, &cw->photos[j], sizeof(cw->photos[j]));
	hashid_final(&h, out);
}

struct watchset *watchset_new(const struct config *c)
{
	struct watchset *w = xcalloc(1, sizeof(*w));
	size_t i, j, cap = 0;

	w->c = c;
	w->fingerprints = xreallocarray(NULL, c->n_watches ? c->n_watches : 1,
					sizeof(*w->fingerprints));
	for (i = 0; i < c->n_watches; i++) {
		const struct config_watch *cw = &c->watches[i];

		if (cw->nsid)
			add_key(w, &cap, text_key(STORE_MATCH_NSID, cw->nsid),
				i, STORE_MATCH_NSID);
		if (cw->alias)
			add_key(w, &cap, text_key(STORE_MATCH_ALIAS, cw->alias),
				i, STORE_MATCH_ALIAS);
		if (cw->display_name)
			add_key(w, &cap,
				text_key(STORE_MATCH_NAME, cw->display_name), i,
				STORE_MATCH_NAME);
		for (j = 0; j < cw->n_photos; j++)
			add_key(w, &cap, cw->photos[j] & ~(1ULL << 63), i,
				STORE_MATCH_PHOTO);
		fingerprint(c, cw, w->fingerprints[i]);
	}
	if (w->n_keys)
		qsort(w->keys, w->n_keys, sizeof(*w->keys), key_cmp);
	return w;
}

struct watchset *watchset_free(struct watchset *w)
{
	if (w) {
		free(w->keys);
		free(w->fingerprints);
		free(w);
	}
	return NULL;
}

const char *watchset_fingerprint(const struct watchset *w, size_t watch)
{
	return w->fingerprints[watch];
}

/* The first key >= key. */
static size_t lower_bound(const struct watchset *w, uint64_t key)
{
	size_t lo = 0, hi = w->n_keys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->keys[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether watch k really holds what the subject has (not a collision). */
static bool key_confirmed(const struct watchset *w, const struct watch_key *k,
			  const struct watch_subject *s)
{
	const struct config_watch *cw = &w->c->watches[k->watch];

	switch (k->how) {
	case STORE_MATCH_PHOTO:
		return true; /* the key is the photo id */
	case STORE_MATCH_NSID:
		return strcmp(cw->nsid, s->nsid) == 0;
	case STORE_MATCH_ALIAS:
		return strcasecmp(cw->alias, s->alias) == 0;
	default:
		return strcasecmp(cw->display_name, s->name) == 0;
	}
}

/* Records a hit, keeping each watch once with its most exact match. */
static size_t add_hit(struct watch_hit *hits, size_t n, size_t max,
		      size_t watch, enum store_match how)
{
	size_t i;

	for (i = 0; i < n && i < max; i++)
		if (hits[i].watch == watch) {
			if (how < hits[i].how)
				hits[i].how = how;
			return n;
		}
	if (n < max)
		hits[n] = (struct watch_hit){watch, how};
	return n + 1;
}

static size_t find(const struct watchset *w, uint64_t key,
		   const struct watch_subject *s, struct watch_hit *hits,
		   size_t n, size_t max)
{
	size_t i;

	for (i = lower_bound(w, key); i < w->n_keys && w->keys[i].key == key;
	     i++)
		if (key_confirmed(w, &w->keys[i], s))
			n = add_hit(hits, n, max, w->keys[i].watch,
				    (enum store_match)w->keys[i].how);
	return n;
}

size_t watchset_match(const struct watchset *w, const struct watch_subject *s,
		      struct watch_hit *hits, size_t max)
{
	size_t n = 0;

	if (s->photo_id)
		n = find(w, s->photo_id & ~(1ULL << 63), s, hits, n, max);
	if (s->nsid && *s->nsid)
		n = find(w, text_key(STORE_MATCH_NSID, s->nsid), s, hits, n,
			 max);
	if (s->alias && *s->alias)
		n = find(w, text_key(STORE_MATCH_ALIAS, s->alias), s, hits, n,
			 max);
	if (s->name && *s->name)
		n = find(w, text_key(STORE_MATCH_NAME, s->name), s, hits, n,
			 max);
	return n;
}
