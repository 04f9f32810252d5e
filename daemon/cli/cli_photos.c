/*
 * cli_photos.c: a subscriber's photos, a dataset's releases, and photo
 * links, for the opt-out and evidence commands (cli_photos.h).
 */
#include "cli/cli_photos.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/format.h"

static int add_photo(void *userdata, const struct store_match_row *row)
{
	struct photo_list *l = userdata;
	struct cli_photo *p;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	p = &l->v[l->n++];
	*p = (struct cli_photo){
		.dataset = xstrdup(row->dataset),
		.dataset_id = row->dataset_id,
		.how = row->how,
		.via = row->via,
		.present = row->present,
	};
	p->strings = photo_entry_copy(&p->e, &row->entry);
	return 0;
}

int photos_load(struct store *s, const char *subscriber, int64_t dataset_id,
		struct photo_list *ret)
{
	struct buf b;
	size_t i;
	int r;

	*ret = (struct photo_list){0};
	r = store_subscriber_matches_each(s, subscriber, dataset_id, add_photo,
					  ret);
	buf_init(&b, 1 << 20);
	for (i = 0; r >= 0 && i < ret->n; i++) {
		buf_reset(&b);
		r = entry_presence(s, ret->v[i].e.id, &b);
		(void)buf_putc(&b, '\0');
		ret->v[i].releases = xstrdup(b.data);
	}
	buf_free(&b);
	if (r < 0)
		photos_free(ret);
	return r < 0 ? r : 0;
}

void photos_free(struct photo_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].dataset);
		free(l->v[i].releases);
		free(l->v[i].strings);
	}
	free(l->v);
	*l = (struct photo_list){0};
}

static int add_release(void *userdata, const struct store_release *rel)
{
	struct release_list *l = userdata;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = *rel;
	return 0;
}

int releases_load(struct store *s, int64_t dataset_id, struct release_list *ret)
{
	int r;

	*ret = (struct release_list){0};
	r = store_releases_each(s, dataset_id, add_release, ret);
	if (r < 0)
		releases_free(ret);
	return r < 0 ? r : 0;
}

const struct store_release *releases_find(const struct release_list *l,
					  int64_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].id == id)
			return &l->v[i];
	return NULL;
}

void releases_free(struct release_list *l)
{
	free(l->v);
	*l = (struct release_list){0};
}

const char *photo_position_unit(const struct config_dataset *d)
{
	const struct format *f = d ? format_find(d->format) : NULL;

	return f && f->counts_records ? "record" : "line";
}
