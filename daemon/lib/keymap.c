/*
 * keymap.c: the bounded byte-string map of keymap.h.  The table is at most
 * half full (it doubles), each slot holds the key's hash and where its
 * bytes are in the arena, and a hit is confirmed against those bytes.
 */
#include "lib/keymap.h"

#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/xalloc.h"

struct keymap_slot {
	uint64_t hash;
	int64_t value; /* 0: free */
	size_t at;     /* the key's bytes in the arena */
	size_t len;
};

struct keymap {
	struct keymap_slot *slots; /* owned; at most half full */
	size_t n, mask, max_keys, max_key_len;
	uint64_t seed;
	struct buf keys; /* the arena */
};

struct keymap *keymap_new(size_t max_keys, size_t max_key_len)
{
	struct keymap *m = xcalloc(1, sizeof(*m));

	m->mask = (1u << 12) - 1;
	m->slots = xcalloc(m->mask + 1, sizeof(*m->slots));
	m->max_keys = max_keys;
	m->max_key_len = max_key_len;
	if (getrandom(&m->seed, sizeof(m->seed), 0) != sizeof(m->seed))
		m->seed = 0xcbf29ce484222325ULL ^ (uint64_t)getpid();
	buf_init(&m->keys, max_keys * max_key_len);
	return m;
}

struct keymap *keymap_free(struct keymap *m)
{
	if (!m)
		return NULL;
	free(m->slots);
	buf_free(&m->keys);
	free(m);
	return NULL;
}

static uint64_t keymap_hash(const struct keymap *m, const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = m->seed;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ^ h >> 29;
}

/* The slot holding the key, or the free slot where it belongs. */
static struct keymap_slot *keymap_slot(const struct keymap *m, const void *key,
				       size_t len, uint64_t h)
{
	size_t i;

	for (i = h & m->mask;; i = (i + 1) & m->mask) {
		struct keymap_slot *sl = &m->slots[i];

		if (!sl->value ||
		    (sl->hash == h && sl->len == len &&
		     memcmp(m->keys.data + sl->at, key, len) == 0))
			return sl;
	}
}

int64_t keymap_get(const struct keymap *m, const void *key, size_t len)
{
	return keymap_slot(m, key, len, keymap_hash(m, key, len))->value;
}

/* Doubles the table when it is half full. */
static void keymap_grow(struct keymap *m)
{
	struct keymap_slot *old = m->slots;
	size_t n = m->mask + 1, i, j;

	if (m->n < n / 2)
		return;
	m->mask = 2 * n - 1;
	m->slots = xcalloc(2 * n, sizeof(*m->slots));
	for (i = 0; i < n; i++) {
		if (!old[i].value)
			continue;
		for (j = old[i].hash & m->mask; m->slots[j].value;
		     j = (j + 1) & m->mask)
			;
		m->slots[j] = old[i];
	}
	free(old);
}

int keymap_put(struct keymap *m, const void *key, size_t len, int64_t value)
{
	struct keymap_slot *sl;
	uint64_t h;

	if (!value || len > m->max_key_len || m->n >= m->max_keys)
		return 0;
	keymap_grow(m);
	h = keymap_hash(m, key, len);
	sl = keymap_slot(m, key, len, h);
	if (sl->value || buf_append(&m->keys, key, len) < 0)
		return 0;
	*sl = (struct keymap_slot){h, value, m->keys.len - len, len};
	m->n++;
	return 1;
}
