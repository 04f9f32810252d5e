/*
 * newowners.c: the owners a release adds to the index (newowners.h).
 *
 * Each noted owner is kept as its three names, NUL-terminated one after
 * the other ("nsid\0alias\0name\0"), in one arena, with a keymap over them
 * so that an owner of many new entries is looked up in the store once.
 * The keymap is bounded; past it an owner may be noted twice, and adding
 * it the second time finds the row the first made.
 */
#include "index/newowners.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/spill.h"
#include "lib/buf.h"
#include "lib/keymap.h"
#include "lib/xalloc.h"
#include "store/store.h"
#include "store/store_index.h"

#define NOTED_MAX (1u << 22) /* owners the keymap holds */

struct new_owners {
	struct keymap *noted; /* owned: names -> place + 1 */
	struct buf names;     /* owned: every noted owner's names */
	size_t *at;	      /* owned: where each starts in names */
	size_t n, cap;
	char rec_owner[SPILL_OWNER_MAX];
};

struct new_owners *new_owners_new(void)
{
	struct new_owners *no = xcalloc(1, sizeof(*no));

	no->noted = keymap_new(NOTED_MAX, SPILL_OWNER_MAX);
	buf_init(&no->names, SIZE_MAX / 2);
	return no;
}

struct new_owners *new_owners_free(struct new_owners *no)
{
	if (!no)
		return NULL;
	keymap_free(no->noted);
	buf_free(&no->names);
	free(no->at);
	free(no);
	return NULL;
}

int new_owners_note(struct new_owners *no, struct store *s, const char *rec)
{
	struct store_entry e = {0};
	int64_t id;
	size_t len;
	int r;

	len = spill_record_owner(rec, no->rec_owner, &e);
	if (len == 3 || keymap_get(no->noted, no->rec_owner, len))
		return 0; /* no owner, or noted */
	r = store_owner_find(s, &e, &id);
	if (r != 0)
		return r < 0 ? r : 0;
	if (no->n == no->cap) {
		no->cap = no->cap ? 2 * no->cap : 1024;
		no->at = xreallocarray(no->at, no->cap, sizeof(*no->at));
	}
	no->at[no->n] = no->names.len;
	r = buf_append(&no->names, no->rec_owner, len);
	if (r < 0)
		return r;
	(void)keymap_put(no->noted, no->rec_owner, len, (int64_t)++no->n);
	return 0;
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
	int64_t id;
	size_t i;
	int r = 0;

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
		r = store_owner_of(s, &e, &id);
	}
	if (r >= 0 && no->n)
		r = store_commit(s);
	if (r < 0)
		store_rollback(s);
	return r;
}
