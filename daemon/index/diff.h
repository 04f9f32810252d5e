/*
 * diff.h: what a release changed, computed over 64-bit entry keys.
 *
 * A dataset's "key set" is every key it has ever had, sorted, each with
 * its entry's row id and whether it is in the newest release.  While a new
 * release is parsed, each key is looked up in a compact index of the
 * set's keys and its place marked seen; afterwards the caller walks the
 * items again (from their file) with the marks: the unmarked present
 * ones are the removed, the marked absent ones are reincluded, and keys
 * not found at all are new.  Pure data structures: no I/O, no logging.
 */
#ifndef SCRAPEWATCH_DIFF_H
#define SCRAPEWATCH_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIFF_PRESENT (1ULL << 63) /* in diff_item.id: in the newest release */

/* One key ever seen: its entry's row id, with DIFF_PRESENT or'ed in. */
struct diff_item {
	uint64_t key;
	uint64_t id;
};

struct diff_set;

/* Starts a set of n keys between min and max (both included), which
 * diff_set_add() then gives in order.  Never fails (allocation aborts). */
struct diff_set *diff_set_new(uint64_t min, uint64_t max, size_t n);

/* Adds the next key: above the previous one, within the bounds, and at
 * most n of them.  Returns 0, or -EINVAL for a key out of order or out of
 * bounds (the set is then unusable). */
int diff_set_add(struct diff_set *s, uint64_t key);

/* Looks key up.  Returns its index (its place in key order), or -1 if the
 * dataset never had it. */
ptrdiff_t diff_set_find(const struct diff_set *s, uint64_t key);

/* Looks n keys up at once (ret[i] as diff_set_find(keys[i])), issuing the
 * memory loads of all of them before waiting on any: for a set larger than
 * the CPU caches this is several times faster than n single lookups. */
void diff_set_find_batch(const struct diff_set *s, const uint64_t *keys,
			 size_t n, ptrdiff_t *ret);

/* Frees the keys but keeps the marks: diff_set_marked() still answers,
 * nothing else may be called. */
void diff_set_drop_keys(struct diff_set *s);

/* Marks item i as seen in the new release.  Returns true the first
 * time. */
bool diff_set_mark(struct diff_set *s, size_t i);

/* The number of keys, and whether item i was marked. */
size_t diff_set_count(const struct diff_set *s);
bool diff_set_marked(const struct diff_set *s, size_t i);

/* The bytes the set's keys take in memory. */
size_t diff_set_bytes(const struct diff_set *s);

struct diff_set *diff_set_free(struct diff_set *s);

/* Sorts items by key.  tmp must hold n items. */
void diff_sort_items(struct diff_item *items, struct diff_item *tmp, size_t n);

#endif
