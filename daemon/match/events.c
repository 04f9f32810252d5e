/*
 * events.c: a release's events per subscriber (events.h).
 *
 * Changes are matched against the watch set in memory (a few comparisons
 * an entry, whatever the number of watches); baselines ask the database,
 * watch by watch, through its owner and photo-id indexes, so a new watch
 * costs a few indexed lookups, not a scan of the dataset.  Whichever way
 * an entry comes, its owner comes from the one lookup (owner.h) and the
 * watch set decides, so changes and both kinds of baseline agree.
 */
#include "match/events.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/route.h"
#include "lib/hashid.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "match/owner.h"
#include "store/store_events.h"

/* A photo for a subscriber's baseline. */
struct photo {
	size_t sub;
	int64_t entry_id;
	int64_t owner_entry; /* struct owner's source */
	uint8_t how, via;
};

/* A new watch meets the dataset through one query per watch (indexed),
 * and the watches that met it a release's changes through one query of
 * all their subjects; past this many watches (subjects) per entry of the
 * release (per change), one pass over the entries (changes) is cheaper. */
#define SCAN_WATCHES_PER_ENTRY 0.02

struct events {
	struct store *s;
	const struct config *c;
	const struct watchset *ws;
	int64_t dataset_id;
	const char *dataset; /* its name */
	const struct store_release *rel;
	struct owner_lookup *owners; /* owned */
	bool *seen;		     /* per watch: has met this dataset */
	size_t n_seen;		     /* watches that have */
	struct watch_hit *hits;	     /* watchset_match()'s, grown as needed */
	size_t cap_hits;
	size_t watch; /* the watch being baselined by its own queries */
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
			ev->n_seen += ev->seen[i];
		}
	}
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return r;
}

/* ---- events for a release's changes ---------------------------------------- */

static int add_photo_event(struct events *ev, enum store_change kind,
			   const struct store_entry *e, size_t subscriber,
			   enum store_match how, const struct owner *owner)
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
	r = store_event_photo_add(ev->s, event.id, e->id, how, owner->via,
				  owner->source);
	if (r == 0)
		r = route_event(ev->s, ev->c, &ev->c->subscribers[subscriber],
				&event);
	return r < 0 ? r : 0;
}

/* Every watch subj matches, into ev->hits.  Returns how many. */
static size_t match_all(struct events *ev, const struct watch_subject *subj)
{
	size_t n = watchset_match(ev->ws, subj, ev->hits, ev->cap_hits);

	if (n > ev->cap_hits) {
		ev->cap_hits = n;
		ev->hits = xreallocarray(ev->hits, n, sizeof(*ev->hits));
		n = watchset_match(ev->ws, subj, ev->hits, ev->cap_hits);
	}
	return n;
}

/* Every watch entry e matches, into ev->hits (how many in *ret_n), with
 * its owner by the rule (owner.h) in *owner.  Returns 0 or -errno. */
static int match_entry(struct events *ev, const struct store_entry *e,
		       struct owner *owner, size_t *ret_n)
{
	struct watch_subject subj;
	int r;

	r = owner_of(ev->owners, ev->dataset, e, owner);
	if (r < 0)
		return r;
	subj = (struct watch_subject){e->photo_id, owner->nsid, owner->alias,
				      owner->name};
	*ret_n = match_all(ev, &subj);
	return 0;
}

static int on_change(void *userdata, enum store_change kind,
		     const struct store_entry *e)
{
	struct events *ev = userdata;
	struct watch_hit *hits;
	struct owner owner;
	size_t n, i, j;
	int r;

	r = match_entry(ev, e, &owner, &n);
	if (r < 0)
		return r;
	hits = ev->hits;
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
		r = add_photo_event(ev, kind, e, sub, best, &owner);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The subjects of the watches that have met the dataset. */
struct subjects {
	struct store_subjects q;
	int64_t *photos;
	const char **texts[3]; /* NSIDs, aliases, display names */
};

static void add_text(struct subjects *l, size_t which, size_t *n,
		     const char *text)
{
	if (!text)
		return;
	l->texts[which] = xreallocarray(l->texts[which], *n + 1,
					sizeof(*l->texts[which]));
	l->texts[which][(*n)++] = text;
}

/* Gathers them; returns how many there are. */
static size_t seen_subjects(const struct events *ev, struct subjects *l)
{
	struct store_subjects *q = &l->q;
	size_t w, i;

	*l = (struct subjects){0};
	for (w = 0; w < ev->c->n_watches; w++) {
		const struct config_watch *cw = &ev->c->watches[w];

		if (!ev->seen[w])
			continue;
		add_text(l, 0, &q->n_nsids, cw->nsid);
		add_text(l, 1, &q->n_aliases, cw->alias);
		add_text(l, 2, &q->n_names, cw->display_name);
		l->photos = xreallocarray(l->photos, q->n_photos + cw->n_photos,
					  sizeof(*l->photos));
		for (i = 0; i < cw->n_photos; i++)
			l->photos[q->n_photos++] = (int64_t)cw->photos[i];
	}
	q->photos = l->photos;
	q->nsids = l->texts[0];
	q->aliases = l->texts[1];
	q->names = l->texts[2];
	return q->n_photos + q->n_nsids + q->n_aliases + q->n_names;
}

/*
 * The release's changes against the watches that have met the dataset:
 * the changes their subjects may match, found through the indexes in one
 * query, when the subjects are few beside the changes; else every change.
 * Either way each is decided in memory (on_change()), in the same order,
 * so the events are the same.  A release's transaction runs this: a pass
 * over a large release's changes would hold the write lock for it.
 */
static int changes(struct events *ev)
{
	const struct store_release *rel = ev->rel;
	double n_changes =
		(double)(rel->added + rel->removed + rel->reincluded);
	struct subjects l;
	const int64_t *own;
	size_t n, n_own, i;
	int r;

	n = seen_subjects(ev, &l);
	own = owner_lookup_datasets(ev->owners, &n_own);
	ev->sum->subjects = n;
	if ((double)n >= SCAN_WATCHES_PER_ENTRY * n_changes) {
		ev->sum->changes_met = EVENTS_CHANGES_PASS;
		r = store_changes_each(ev->s, rel->id, on_change, ev);
	} else {
		ev->sum->changes_met = EVENTS_CHANGES_QUERY;
		r = store_changed_candidates(ev->s, ev->dataset_id, rel->id,
					     own, n_own, &l.q, on_change, ev);
	}
	free(l.photos);
	for (i = 0; i < 3; i++)
		free(l.texts[i]);
	return r;
}

/* ---- baselines ------------------------------------------------------------- */

static void add_baseline_photo(struct events *ev, size_t sub, int64_t entry_id,
			       enum store_match how, const struct owner *owner)
{
	if (ev->n_photos == ev->cap_photos) {
		ev->cap_photos = ev->cap_photos ? 2 * ev->cap_photos : 64;
		ev->photos = xreallocarray(ev->photos, ev->cap_photos,
					   sizeof(*ev->photos));
	}
	ev->photos[ev->n_photos++] =
		(struct photo){sub, entry_id, owner->source, (uint8_t)how,
			       (uint8_t)owner->via};
}

/* Adds present entry e to the baseline of each new watch it matches (of
 * watch only, unless that is SIZE_MAX): the same owner lookup and watch
 * set as the release's changes, whichever way the entry was found. */
static int baseline_entry(struct events *ev, const struct store_entry *e,
			  size_t only)
{
	struct owner owner;
	size_t n, i, w;
	int r;

	r = match_entry(ev, e, &owner, &n);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++) {
		w = ev->hits[i].watch;
		if (!ev->seen[w] && (only == SIZE_MAX || w == only))
			add_baseline_photo(ev, ev->c->watches[w].subscriber,
					   e->id, ev->hits[i].how, &owner);
	}
	return 0;
}

/* An entry that may match the watch being baselined (its queries). */
static int on_candidate(void *userdata, const struct store_entry *e)
{
	struct events *ev = userdata;

	return baseline_entry(ev, e, ev->watch);
}

/* One present entry against every new watch (the scan). */
static int on_present(void *userdata, const struct store_entry *e)
{
	return baseline_entry(userdata, e, SIZE_MAX);
}

/* Every present entry that watch w matches, into ev->photos: the entries
 * its queries find, each decided as the scan would. */
static int baseline_watch(struct events *ev, size_t w)
{
	const struct config_watch *cw = &ev->c->watches[w];
	struct store_query q = {0, cw->nsid, cw->alias, cw->display_name};
	size_t i, n_own;
	const int64_t *own = owner_lookup_datasets(ev->owners, &n_own);
	int r = 0;

	ev->watch = w;
	if (cw->nsid || cw->alias || cw->display_name)
		r = store_present_candidates(ev->s, ev->dataset_id, ev->rel->id,
					     own, n_own, &q, on_candidate, ev);
	for (i = 0; r >= 0 && i < cw->n_photos; i++) {
		q = (struct store_query){cw->photos[i], NULL, NULL, NULL};
		r = store_present_candidates(ev->s, ev->dataset_id, ev->rel->id,
					     own, n_own, &q, on_candidate, ev);
	}
	return r;
}

/* By subscriber, entry, then the most exact match first. */
static int photo_cmp(const void *a, const void *b)
{
	const struct photo *x = a, *y = b;

	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	if (x->entry_id != y->entry_id)
		return x->entry_id < y->entry_id ? -1 : 1;
	return (int)x->how - (int)y->how;
}

/* Sorts the collected photos and keeps each entry once per subscriber,
 * most exact match first: a display name never stands beside an exact
 * match of the same photo. */
static void unique_photos(struct events *ev)
{
	size_t i, n = 0;

	if (ev->n_photos)
		qsort(ev->photos, ev->n_photos, sizeof(*ev->photos), photo_cmp);
	for (i = 0; i < ev->n_photos; i++)
		if (n == 0 || ev->photos[n - 1].sub != ev->photos[i].sub ||
		    ev->photos[n - 1].entry_id != ev->photos[i].entry_id)
			ev->photos[n++] = ev->photos[i];
	ev->n_photos = n;
}

/* The new watches grouped by subscriber, in watch order: the watches of
 * subscriber i are list[first[i] .. first[i + 1]). */
struct new_watches {
	size_t *first, *list;
};

static void group_new_watches(const struct events *ev, struct new_watches *g)
{
	const struct config *c = ev->c;
	size_t i, *at;

	g->first = xcalloc(c->n_subscribers + 1, sizeof(*g->first));
	g->list = xreallocarray(NULL, c->n_watches + 1, sizeof(*g->list));
	for (i = 0; i < c->n_watches; i++)
		if (!ev->seen[i])
			g->first[c->watches[i].subscriber + 1]++;
	for (i = 0; i < c->n_subscribers; i++)
		g->first[i + 1] += g->first[i];
	at = xreallocarray(NULL, c->n_subscribers + 1, sizeof(*at));
	memcpy(at, g->first, (c->n_subscribers + 1) * sizeof(*at));
	for (i = 0; i < c->n_watches; i++)
		if (!ev->seen[i])
			g->list[at[c->watches[i].subscriber]++] = i;
	free(at);
}

/* One baseline for subscriber sub: its new watches are w[0..n_w), its
 * photos p[0..n_p).  Returns 0 or -errno. */
static int baseline_event(struct events *ev, size_t sub, const size_t *w,
			  size_t n_w, const struct photo *p, size_t n_p)
{
	const char *parts[2 + 64];
	char seq[24];
	struct store_event event = {
		.type = STORE_EVENT_BASELINE,
		.subscriber = ev->c->subscribers[sub].name,
		.dataset_id = ev->dataset_id,
		.release_id = ev->rel->id,
		.created = ev->now,
		.photos = (int64_t)n_p,
	};
	size_t i, n_parts = 0;
	int r;

	snprintf(seq, sizeof(seq), "%lld", (long long)ev->rel->seq);
	parts[n_parts++] = ev->dataset;
	parts[n_parts++] = seq;
	for (i = 0; i < n_w && n_parts < ELEMENTSOF(parts); i++)
		parts[n_parts++] = watchset_fingerprint(ev->ws, w[i]);
	hashid_of(event.id, parts, n_parts);
	r = store_event_add(ev->s, &event);
	if (r != 1)
		return r;
	ev->sum->events++;
	ev->sum->baselines++;
	ev->sum->photos += n_p;
	for (i = 0; i < n_p && r >= 0; i++)
		r = store_event_photo_add(ev->s, event.id, p[i].entry_id,
					  (enum store_match)p[i].how,
					  (enum store_via)p[i].via,
					  p[i].owner_entry);
	if (r >= 0)
		r = route_event(ev->s, ev->c, &ev->c->subscribers[sub], &event);
	return r < 0 ? r : 0;
}

/* Finds what the new watches match: one query per watch, or one pass
 * over the release when they are many. */
static int baseline_photos(struct events *ev, size_t n_new)
{
	size_t i;
	int r = 0;

	ev->n_photos = 0;
	if ((double)n_new >= SCAN_WATCHES_PER_ENTRY * (double)ev->rel->entries)
		return store_present_each(ev->s, ev->dataset_id, ev->rel->id,
					  on_present, ev);
	for (i = 0; i < ev->c->n_watches && r >= 0; i++)
		if (!ev->seen[i])
			r = baseline_watch(ev, i);
	return r;
}

static int baselines(struct events *ev)
{
	const struct config *c = ev->c;
	size_t n_new = c->n_watches - ev->n_seen, i, p = 0, q;
	struct new_watches g;
	int r;

	if (n_new == 0)
		return 0;
	r = baseline_photos(ev, n_new);
	if (r < 0)
		return r;
	unique_photos(ev);
	group_new_watches(ev, &g);
	for (i = 0; i < c->n_subscribers && r >= 0; i++) {
		for (q = p; q < ev->n_photos && ev->photos[q].sub == i; q++)
			;
		if (g.first[i + 1] > g.first[i])
			r = baseline_event(ev, i, g.list + g.first[i],
					   g.first[i + 1] - g.first[i],
					   ev->photos + p, q - p);
		p = q;
	}
	free(g.first);
	free(g.list);
	for (i = 0; i < c->n_watches && r >= 0; i++)
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
	r = owner_lookup_new(s, c, &ev->owners);
	if (r >= 0)
		r = load_seen(ev);
	return r;
}

static void events_end(struct events *ev)
{
	ev->owners = owner_lookup_free(ev->owners);
	free(ev->seen);
	free(ev->photos);
	free(ev->hits);
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
	/* Only watches that met the dataset before get changes; the others
	 * get their baseline. */
	if (r >= 0 && ev.n_seen)
		r = changes(&ev);
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
	int r;

	r = store_begin(s);
	if (r < 0)
		return r;
	r = events_begin(&ev, s, c, ws, d, dataset_id, sum);
	if (r >= 0 && ev.n_seen < c->n_watches) {
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
