/*
 * newowners.c: the owners a release adds to the index (newowners.h).
 *
 * Each noted owner is kept as its three names, NUL-terminated one after
 * the other ("nsid\0alias\0name\0"), in one arena.  A keymap over the
 * names of every owner seen, noted or found in the store, holds its
 * reference, so that an owner of many new entries is looked up once.  The
 * keymap is bounded; past it an owner may be noted twice, and adding it
 * the second time finds the row the first made.
 */
#include "index/newowners.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/pending.h"
#include "lib/buf.h"
#include "lib/keymap.h"
#include "lib/xalloc.h"
#include "store/store.h"
#include "store/store_index.h"

#define SEEN_MAX (1u << 22) /* owners the keymap holds */

struct new_owners {
	struct keymap *seen; /* owned: names -> reference */
	struct buf names;    /* owned: every noted owner's names */
	size_t *at;	     /* owned: where each starts in names */
	int64_t *rows;	     /* owned: each one's row, once added */
	size_t n, cap;
	char rec_owner[PENDING_OWNER_MAX];
};

struct new_owners *new_owners_new(void)
{
	struct new_owners *no = xcalloc(1, sizeof(*no));

	no->seen = keymap_new(SEEN_MAX, PENDING_OWNER_MAX);
	buf_init(&no->names, SIZE_MAX / 2);
	return no;
}

struct new_owners *new_owners_free(struct new_owners *no)
{
	if (!no)
		return NULL;
	keymap_free(no->seen);
	buf_free(&no->names);
	free(no->at);
	free(no->rows);
	free(no);
	return NULL;
}

int new_owners_note(struct new_owners *no, struct store *s, const char *rec,
		    int64_t *ret)
{
	struct store_entry e = {0};
	int64_t id;
	size_t len;
	int r;

	*ret = 0;
	len = pending_owner(rec, no->rec_owner, &e);
	if (len == 3)
		return 0; /* no owner */
	*ret = keymap_get(no->seen, no->rec_owner, len);
	if (*ret)
		return 0;
	r = store_owner_find(s, &e, &id);
	if (r < 0)
		return r;
	if (r > 0) {
		*ret = id;
	} else {
		if (no->n == no->cap) {
			no->cap = no->cap ? 2 * no->cap : 1024;
			no->at =
				xreallocarray(no->at, no->cap, sizeof(*no->at));
		}
		no->at[no->n] = no->names.len;
		r = buf_append(&no->names, no->rec_owner, len);
		if (r < 0)
			return r;
		*ret = -(int64_t)++no->n;
	}
	(void)keymap_put(no->seen, no->rec_owner, len, *ret);
	return 0;
}

int64_t new_owners_row(const struct new_owners *no, int64_t ref)
{
	if (ref >= 0)
		return ref;
	assert(no->rows && (size_t)-ref <= no->n);
	return no->rows[-ref - 1];
}

/* Owner i as an entry naming it. */
static void owner_at(const struct new_owners *no, size_t i,
		     struct store_entry *e)
{
	const char *p = no->names.data + no->at[i];

	*e = (struct store_entry){0};
	e->nsid = p;
	e->alias = p += strlen(p) + 1;
	e->name = p + strlen(p) + 1;
}

int new_owners_add(struct new_owners *no, struct store *s,
		   int (*stop)(void *userdata), void *userdata)
{
	struct store_entry e;
	size_t i;
	int r = 0;

	no->rows =
		xreallocarray(no->rows, no->n ? no->n : 1, sizeof(*no->rows));
	for (i = 0; i < no->n && r >= 0; i++) {
		if (i % NEW_OWNERS_BATCH == 0) {
			r = i ? store_commit(s) : 0;
			if (r >= 0)
				r = stop(userdata);
			if (r >= 0)
				r = store_begin(s);
			if (r < 0)
				break;
		}
		owner_at(no, i, &e);
		r = store_owner_of(s, &e, &no->rows[i]);
	}
	if (r >= 0 && no->n)
		r = store_commit(s);
	if (r < 0)
		store_rollback(s);
	return r;
}
