/*
 * owner.c: the one owner lookup (owner.h).
 *
 * Holds the ownership datasets' ids and names in configuration order and
 * the copies of the last owner found; asks the store one indexed question
 * (photo id in one dataset) per ownership dataset until one answers.  It
 * must not decide anything else: matching is the watch set's, recording
 * the events'.
 */
#include "match/owner.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

struct owner_lookup {
	struct store *s;    /* borrowed */
	int64_t *ids;	    /* owned: the ownership datasets' ids */
	const char **names; /* owned array; names borrowed from config */
	size_t n;
	char *copies[3]; /* owned: the last owner found in a table */
};

int owner_lookup_new(struct store *s, const struct config *c,
		     struct owner_lookup **ret)
{
	struct owner_lookup *l = xcalloc(1, sizeof(*l));
	size_t i;
	int r;

	l->s = s;
	l->ids = xreallocarray(NULL, c->n_datasets + 1, sizeof(*l->ids));
	l->names = xreallocarray(NULL, c->n_datasets + 1, sizeof(*l->names));
	for (i = 0; i < c->n_datasets; i++) {
		if (!c->datasets[i].ownership)
			continue;
		r = store_dataset_id(s, c->datasets[i].name, &l->ids[l->n]);
		if (r < 0) {
			owner_lookup_free(l);
			return r;
		}
		l->names[l->n++] = c->datasets[i].name;
	}
	*ret = l;
	return 0;
}

static void forget_copies(struct owner_lookup *l)
{
	size_t i;

	for (i = 0; i < 3; i++) {
		free(l->copies[i]);
		l->copies[i] = NULL;
	}
}

struct owner_lookup *owner_lookup_free(struct owner_lookup *l)
{
	if (!l)
		return NULL;
	forget_copies(l);
	free(l->ids);
	free(l->names);
	free(l);
	return NULL;
}

int owner_of(struct owner_lookup *l, const char *dataset,
	     const struct store_entry *e, struct owner *ret)
{
	bool ask = !*e->nsid && !*e->alias && e->photo_id;
	struct store_entry o;
	size_t i;
	int r;

	for (i = 0; ask && i < l->n; i++) {
		if (strcmp(l->names[i], dataset) == 0)
			continue;
		r = store_photo_owner(l->s, l->ids[i], e->photo_id, &o);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		/* The store's strings last until its next call; the caller
		 * makes more before it is done with these. */
		forget_copies(l);
		l->copies[0] = xstrdup(o.nsid);
		l->copies[1] = xstrdup(o.alias);
		l->copies[2] = xstrdup(o.name);
		*ret = (struct owner){l->copies[0], l->copies[1],
				      l->copies[2], STORE_VIA_OWNERSHIP,
				      o.id,	    l->names[i]};
		return 0;
	}
	*ret = (struct owner){e->nsid,	       e->alias, e->name,
			      STORE_VIA_ENTRY, 0,	 NULL};
	return 0;
}

const int64_t *owner_lookup_datasets(const struct owner_lookup *l,
				     size_t *ret_n)
{
	*ret_n = l->n;
	return l->ids;
}
