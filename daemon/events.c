/*
 * events.c: a release's events per subscriber (events.h).
 *
 * Changes are matched against the watch set in memory (a few comparisons
 * an entry, whatever the number of watches); baselines ask the database,
 * watch by watch, through its owner and photo-id indexes, so a new watch
 * costs a few indexed lookups, not a scan of the dataset.
 */
#include "events.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hashid.h"
#include "macro.h"
#include "outbox.h"
#include "store_events.h"
#include "xalloc.h"

#define MAX_HITS 256

struct photo {
	int64_t entry_id;
	uint8_t how, via;
};

struct events {
	struct store *s;
	const struct config *c;
	const struct watchset *ws;
	int64_t dataset_id;
	const char *dataset; /* its name */
	const struct store_release *rel;
	int64_t *ownership; /* ids of the ownership datasets */
	size_t n_ownership;
	bool *seen; /* per watch: has met this dataset */
	int64_t now;
	struct events_summary *sum;
	/* a baseline being collected */
	struct photo *photos;
	size_t n_photos, cap_photos;
};

/* ---- which watches have met the dataset ---------------------------------- */

struct seen_list {
	char **v;
	size_t n;
};

static int collect_seen(void *userdata, const char *fingerprint)
{
	struct seen_list *l = userdata;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(fingerprint);
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_seen(struct events *ev)
{
	struct seen_list l = {NULL, 0};
	size_t i;
	int r;

	ev->seen = xcalloc(ev->c->n_watches ? ev->c->n_watches : 1,
			   sizeof(*ev->seen));
	r = store_watch_seen_each(ev->s, ev->dataset_id, collect_seen, &l);
	if (r >= 0 && l.n) {
		qsort(l.v, l.n, sizeof(*l.v), str_cmp);
		for (i = 0; i < ev->c->n_watches; i++) {
			const char *fp = watchset_fingerprint(ev->ws, i);

			ev->seen[i] = bsearch(&fp, l.v, l.n, sizeof(*l.v),
					      str_cmp) != NULL;
		}
	}
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return r;
}

static int load_ownership(struct events *ev)
{
	size_t i;
	int r;

	for (i = 0; i < ev->c->n_datasets; i++) {
		const struct config_dataset *d = &ev->c->datasets[i];
		int64_t id;

		if (!d->ownership || strcmp(d->name, ev->dataset) == 0)
			continue;
		r = store_dataset_id(ev->s, d->name, &id);
		if (r < 0)
			return r;
		ev->ownership =
			xreallocarray(ev->ownership, ev->n_ownership + 1,
				      sizeof(*ev->ownership));
		ev->ownership[ev->n_ownership++] = id;
	}
	return 0;
}

/* ---- events for a release's changes ---------------------------------------- */

/* The entry as a watch subject; when it names no owner, the owner from an
 * ownership dataset (copied into the buffers).  Sets *via. */
static int subject_of(struct events *ev, const struct store_entry *e,
		      struct watch_subject *subj, char bufs[3][256],
		      enum store_via *via)
{
	struct store_entry o;
	size_t i;
	int r;

	*subj = (struct watch_subject){e->photo_id, e->nsid, e->alias, e->name};
	*via = STORE_VIA_ENTRY;
	if (*e->nsid || *e->alias || !e->photo_id)
		return 0;
	for (i = 0; i < ev->n_ownership; i++) {
		r = store_photo_owner(ev->s, ev->ownership[i], e->photo_id, &o);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		snprintf(bufs[0], 256, "%s", o.nsid);
		snprintf(bufs[1], 256, "%s", o.alias);
		snprintf(bufs[2], 256, "%s", o.name);
		*subj = (struct watch_subject){e->photo_id, bufs[0], bufs[1],
					       bufs[2]};
		*via = STORE_VIA_OWNERSHIP;
		return 0;
	}
	return 0;
}

static int add_photo_event(struct events *ev, enum store_change kind,
			   const struct store_entry *e, size_t subscriber,
			   enum store_match how, enum store_via via)
{
	const char *name = ev->c->subscribers[subscriber].name;
	char seq[24], key[24];
	const char *parts[4] = {ev->dataset, seq, key, name};
	struct store_event event = {
		.type = (enum store_event_type)kind,
		.subscriber = name,
		.dataset_id = ev->dataset_id,
		.release_id = ev->rel->id,
		.created = ev->now,
		.photos = 1,
	};
	int r;

	snprintf(seq, sizeof(seq), "%lld", (long long)ev->rel->seq);
	snprintf(key, sizeof(key), "%llu", (unsigned long long)e->key);
	hashid_of(event.id, parts, ELEMENTSOF(parts));
	r = store_event_add(ev->s, &event);
	if (r != 1)
		return r < 0 ? r : 0;
	ev->sum->events++;
	ev->sum->photos++;
	r = store_event_photo_add(ev->s, event.id, e->id, how, via);
	if (r == 0)
		r = outbox_event(ev->s, ev->c, &ev->c->subscribers[subscriber],
				 &event);
	return r < 0 ? r : 0;
}

static int on_change(void *userdata, enum store_change kind,
		     const struct store_entry *e)
{
	struct events *ev = userdata;
	struct watch_hit hits[MAX_HITS];
	struct watch_subject subj;
	char bufs[3][256];
	enum store_via via;
	size_t n, i, j;
	int r;

	r = subject_of(ev, e, &subj, bufs, &via);
	if (r < 0)
		return r;
	n = MIN(watchset_match(ev->ws, &subj, hits, MAX_HITS),
		(size_t)MAX_HITS);
	/* One event per subscriber, with the most exact match of theirs. */
	for (i = 0; i < n; i++) {
		size_t sub = ev->c->watches[hits[i].watch].subscriber;
		enum store_match best = hits[i].how;
		bool first = true;

		if (!ev->seen[hits[i].watch])
			continue;
		for (j = 0; j < n; j++) {
			if (!ev->seen[hits[j].watch] ||
			    ev->c->watches[hits[j].watch].subscriber != sub)
				continue;
			if (j < i)
				first = false;
			best = MIN(best, hits[j].how);
		}
		if (!first)
			continue;
		r = add_photo_event(ev, kind, e, sub, best, via);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- baselines ------------------------------------------------------------- */

static int collect_photo(void *userdata, enum store_match how,
			 enum store_via via, const struct store_entry *e)
{
	struct events *ev = userdata;

	if (ev->n_photos == ev->cap_photos) {
		ev->cap_photos = ev->cap_photos ? 2 * ev->cap_photos : 64;
		ev->photos = xreallocarray(ev->photos, ev->cap_photos,
					   sizeof(*ev->photos));
	}
	ev->photos[ev->n_photos++] =
		(struct photo){e->id, (uint8_t)how, (uint8_t)via};
	return 0;
}

static int photo_cmp(const void *a, const void *b)
{
	const struct photo *x = a, *y = b;

	if (x->entry_id != y->entry_id)
		return x->entry_id < y->entry_id ? -1 : 1;
	return (int)x->how - (int)y->how;
}

/* Sorts the collected photos and keeps each entry once, most exact first. */
static void unique_photos(struct events *ev)
{
	size_t i, n = 0;

	if (ev->n_photos)
		qsort(ev->photos, ev->n_photos, sizeof(*ev->photos), photo_cmp);
	for (i = 0; i < ev->n_photos; i++)
		if (n == 0 ||
		    ev->photos[n - 1].entry_id != ev->photos[i].entry_id)
			ev->photos[n++] = ev->photos[i];
	ev->n_photos = n;
}

/* Every present entry that watch w matches, into ev->photos. */
static int baseline_watch(struct events *ev, size_t w)
{
	const struct config_watch *cw = &ev->c->watches[w];
	struct store_query q = {0, cw->nsid, cw->alias, cw->display_name};
	int64_t own = ev->n_ownership ? ev->ownership[0] : 0;
	size_t i;
	int r = 0;

	if (cw->nsid || cw->alias || cw->display_name)
		r = store_present_matching(ev->s, ev->dataset_id, ev->rel->id,
					   own, &q, collect_photo, ev);
	for (i = 0; r >= 0 && i < cw->n_photos; i++) {
		q = (struct store_query){cw->photos[i], NULL, NULL, NULL};
		r = store_present_matching(ev->s, ev->dataset_id, ev->rel->id,
					   0, &q, collect_photo, ev);
	}
	return r;
}

/* One baseline for the subscriber, covering its watches new to the
 * dataset.  Returns 0 or -errno. */
static int baseline_subscriber(struct events *ev, size_t sub)
{
	const char *parts[2 + 64];
	char seq[24];
	struct store_event event = {
		.type = STORE_EVENT_BASELINE,
		.subscriber = ev->c->subscribers[sub].name,
		.dataset_id = ev->dataset_id,
		.release_id = ev->rel->id,
		.created = ev->now,
	};
	size_t w, n_parts = 0, i;
	int r = 0;

	snprintf(seq, sizeof(seq), "%lld", (long long)ev->rel->seq);
	parts[n_parts++] = ev->dataset;
	parts[n_parts++] = seq;
	ev->n_photos = 0;
	for (w = 0; w < ev->c->n_watches && r >= 0; w++) {
		if (ev->seen[w] || ev->c->watches[w].subscriber != sub)
			continue;
		if (n_parts < ELEMENTSOF(parts))
			parts[n_parts++] = watchset_fingerprint(ev->ws, w);
		r = baseline_watch(ev, w);
	}
	if (r < 0 || n_parts == 2)
		return r;
	unique_photos(ev);
	hashid_of(event.id, parts, n_parts);
	event.photos = (int64_t)ev->n_photos;
	r = store_event_add(ev->s, &event);
	if (r != 1)
		return r;
	ev->sum->events++;
	ev->sum->baselines++;
	ev->sum->photos += ev->n_photos;
	for (i = 0; i < ev->n_photos && r >= 0; i++)
		r = store_event_photo_add(ev->s, event.id,
					  ev->photos[i].entry_id,
					  (enum store_match)ev->photos[i].how,
					  (enum store_via)ev->photos[i].via);
	if (r >= 0)
		r = outbox_event(ev->s, ev->c, &ev->c->subscribers[sub],
				 &event);
	return r < 0 ? r : 0;
}

static int baselines(struct events *ev)
{
	size_t i;
	int r = 0;

	for (i = 0; i < ev->c->n_subscribers && r >= 0; i++)
		r = baseline_subscriber(ev, i);
	for (i = 0; i < ev->c->n_watches && r >= 0; i++)
		if (!ev->seen[i])
			r = store_watch_seen_add(
				ev->s, watchset_fingerprint(ev->ws, i),
				ev->dataset_id, ev->rel->id);
	return r;
}

/* ---- the whole ------------------------------------------------------------- */

static int events_begin(struct events *ev, struct store *s,
			const struct config *c, const struct watchset *ws,
			const struct config_dataset *d, int64_t dataset_id,
			struct events_summary *sum)
{
	int r;

	*ev = (struct events){.s = s,
			      .c = c,
			      .ws = ws,
			      .dataset_id = dataset_id,
			      .dataset = d->name,
			      .sum = sum,
			      .now = (int64_t)time(NULL)};
	r = load_ownership(ev);
	if (r >= 0)
		r = load_seen(ev);
	return r;
}

static void events_end(struct events *ev)
{
	free(ev->ownership);
	free(ev->seen);
	free(ev->photos);
}

int events_for_release(struct store *s, const struct config *c,
		       const struct watchset *ws,
		       const struct config_dataset *d, int64_t dataset_id,
		       const struct store_release *rel,
		       struct events_summary *sum)
{
	struct events ev;
	int r;

	r = events_begin(&ev, s, c, ws, d, dataset_id, sum);
	ev.rel = rel;
	if (r >= 0 && c->n_watches)
		r = store_changes_each(s, rel->id, on_change, &ev);
	if (r >= 0)
		r = baselines(&ev);
	events_end(&ev);
	return r;
}

int events_for_new_watches(struct store *s, const struct config *c,
			   const struct watchset *ws,
			   const struct config_dataset *d, int64_t dataset_id,
			   struct events_summary *sum)
{
	struct store_release latest;
	struct events ev;
	size_t i;
	int r;

	r = store_begin(s);
	if (r < 0)
		return r;
	r = events_begin(&ev, s, c, ws, d, dataset_id, sum);
	for (i = 0; r >= 0 && i < c->n_watches && ev.seen[i]; i++)
		;
	if (r >= 0 && i < c->n_watches) {
		r = store_release_latest(s, dataset_id, &latest);
		ev.rel = &latest;
		if (r == 1)
			r = baselines(&ev);
	}
	events_end(&ev);
	if (r >= 0)
		r = store_commit(s);
	if (r < 0)
		store_rollback(s);
	return r;
}
