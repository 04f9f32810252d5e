/*
 * keymap.h: a map from short byte strings to row ids, for caches in front
 * of a database table (the owners of a dataset repeat: YFCC100M has one per
 * 70 photos).  Open addressing under a seeded hash; keys are copied into an
 * arena.  Bounded: past its maximum it takes no more keys, and a cache user
 * then asks the database as if the key were absent.
 */
#ifndef SCRAPEWATCH_KEYMAP_H
#define SCRAPEWATCH_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct keymap;

/* A map that holds at most max_keys keys of at most max_key_len bytes. */
struct keymap *keymap_new(size_t max_keys, size_t max_key_len);

/* Frees the map; accepts NULL; returns NULL. */
struct keymap *keymap_free(struct keymap *m);

/* The value kept for key (len bytes), or 0 when there is none. */
int64_t keymap_get(const struct keymap *m, const void *key, size_t len);

/* Keeps value (not 0) for key, unless the map is full or the key too long
 * or already there.  Returns 1 when kept, else 0. */
int keymap_put(struct keymap *m, const void *key, size_t len, int64_t value);

#endif
