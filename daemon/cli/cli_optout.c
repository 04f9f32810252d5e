/*
 * cli_optout.c: opt-out requests.  `scrapewatch optout request SUBSCRIBER
 * DATASET` writes the removal request a subscriber sends to a dataset's
 * maintainers -- who they are, each photo's page and image, the releases
 * and dates it was seen in, its manifest line -- and records it.
 * `scrapewatch optout status [SUBSCRIBER]` then tells, for each requested
 * photo, whether a later release removed it or it is still present after N
 * days and M releases.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cli/cli_internal.h"
#include "cli/cli_photos.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/redact.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "store/store_optout.h"

#define DAY 86400

/* A request being written. */
struct request {
	const struct config *config;
	const struct config_subscriber *sub;
	const struct config_dataset *d;
	struct store_optout row;
	const struct cli_photo **photos; /* present, exact matches */
	size_t n_photos;
	struct release_list releases;
	const struct store_release *newest;
};

/* "12345678@N00 (janedoe)" for each account the subscriber watches. */
static size_t request_who(const struct request *rq, struct buf *b)
{
	size_t sub = (size_t)(rq->sub - rq->config->subscribers);
	size_t i, n = 0;

	for (i = 0; i < rq->config->n_watches; i++) {
		const struct config_watch *w = &rq->config->watches[i];

		if (w->subscriber != sub || !(w->nsid || w->alias))
			continue;
		(void)text_printf(b, "%s%s", n++ ? ", " : "",
				  w->nsid ? w->nsid : w->alias);
		if (w->nsid && w->alias)
			(void)text_printf(b, " (%s)", w->alias);
	}
	return n;
}

/* A photo's page link, escaped for the letter. */
static void page_shown(struct buf *b, const struct store_entry *e)
{
	struct buf page;

	buf_init(&page, 1 << 16);
	photo_page_url(e, &page);
	(void)text_escape(b, page.data, page.len);
	buf_free(&page);
}

static void request_photo(struct buf *b, size_t i, const struct cli_photo *p,
			  const struct request *rq)
{
	const struct release_list *rl = &rq->releases;
	const struct store_release *first =
		releases_find(rl, p->e.first_release);
	const char *image = photo_image_url(&p->e);

	if (p->e.photo_id)
		(void)text_printf(b, "  %zu. Flickr photo %llu\n", i + 1,
				  (unsigned long long)p->e.photo_id);
	else
		(void)text_printf(b, "  %zu. %s\n", i + 1, p->e.key_text);
	(void)buf_puts(b, "     Flickr page: ");
	page_shown(b, &p->e);
	(void)text_printf(b, "\n     Image:       %s\n",
			  *image ? image : "(the manifest gives none)");
	(void)text_printf(b,
			  "     In releases %s; first seen in release %lld, "
			  "%s %llu of its manifest\n",
			  p->releases, first ? (long long)first->seq : 0LL,
			  photo_position_unit(rq->d),
			  (unsigned long long)p->e.line);
}

static bool release_cited(const struct request *rq,
			  const struct store_release *rel)
{
	size_t i;

	if (rel == rq->newest)
		return true;
	for (i = 0; i < rq->n_photos; i++)
		if (rq->photos[i]->e.first_release == rel->id)
			return true;
	return false;
}

static void request_releases(struct buf *b, const struct request *rq)
{
	size_t i;

	for (i = 0; i < rq->releases.n; i++) {
		const struct store_release *rel = &rq->releases.v[i];
		char when[32];

		if (!release_cited(rq, rel))
			continue;
		format_time(rel->ingested, when, sizeof(when));
		(void)text_printf(b,
				  "  Release %lld, downloaded %s UTC from\n"
				  "    %s\n"
				  "    SHA-256 %s\n",
				  (long long)rel->seq, when, rel->source,
				  rel->sha256);
	}
}

/* The request as a person sends it. */
static void request_text(struct buf *b, const struct request *rq)
{
	_cleanup_free_ char *url = redact_url_new(rq->d->url);
	char when[32];
	size_t i, mark;

	(void)text_printf(b, "Subject: Please remove my photos from %s\n\n",
			  rq->d->name);
	(void)text_printf(b, "To the maintainers of %s,\n\n", rq->d->name);
	(void)buf_puts(b, "I am the owner of the Flickr account ");
	mark = b->len;
	if (!request_who(rq, b)) {
		buf_truncate(b, mark);
		(void)buf_puts(b, "that published the photos below");
	}
	(void)text_printf(
		b,
		".\n%zu of my photos %s in %s, as published at\n%s\n"
		"I did not agree to this use.  I ask you to remove %s from "
		"%s,\nfrom every later release of it and from any copy you "
		"distribute,\nand to confirm when this is done.\n\n",
		rq->n_photos, rq->n_photos == 1 ? "is" : "are", rq->d->name,
		url, rq->n_photos == 1 ? "it" : "them", rq->d->name);
	(void)buf_puts(b, "The photos\n\n");
	for (i = 0; i < rq->n_photos; i++)
		request_photo(b, i, rq->photos[i], rq);
	(void)buf_puts(b, "\nThe releases they were seen in, as downloaded "
			  "(the SHA-256 identifies each file)\n\n");
	request_releases(b, rq);
	format_time(rq->row.requested, when, sizeof(when));
	(void)text_printf(b,
			  "\nThank you.\n\n-- \nRequest %lld for %s, recorded "
			  "%s UTC by scrapewatch,\nwhich checks every new "
			  "release of %s for these photos.\n",
			  (long long)rq->row.id, rq->sub->name, when,
			  rq->d->name);
}

static void request_json(struct buf *b, const struct request *rq,
			 const char *text)
{
	_cleanup_free_ char *url = redact_url_new(rq->d->url);
	struct buf page;
	size_t i;

	buf_init(&page, 1 << 16);
	(void)buf_printf(b,
			 "{\"request\":%lld,\"requested\":%lld,"
			 "\"subscriber\":",
			 (long long)rq->row.id, (long long)rq->row.requested);
	(void)text_json_string(b, rq->sub->name);
	(void)buf_puts(b, ",\"dataset\":");
	(void)text_json_string(b, rq->d->name);
	(void)buf_puts(b, ",\"dataset_url\":");
	(void)text_json_string(b, url);
	(void)buf_printf(b, ",\"release\":%lld,\"photos\":[",
			 (long long)rq->newest->seq);
	for (i = 0; i < rq->n_photos; i++) {
		const struct cli_photo *p = rq->photos[i];
		const struct store_release *first =
			releases_find(&rq->releases, p->e.first_release);

		buf_reset(&page);
		photo_page_url(&p->e, &page);
		(void)buf_putc(&page, '\0');
		(void)buf_printf(
			b, "%s{\"photo_id\":%llu,\"photo_page\":", i ? "," : "",
			(unsigned long long)p->e.photo_id);
		(void)text_json_string(b, page.data);
		(void)buf_puts(b, ",\"image_url\":");
		(void)text_json_string(b, photo_image_url(&p->e));
		(void)buf_printf(b,
				 ",\"match\":\"%s\",\"owner_found\":\"%s\","
				 "\"releases\":\"%s\",\"first_release\":%lld,"
				 "\"line\":%llu,\"key\":",
				 match_names[p->how],
				 photo_owner_found(p->how, p->via), p->releases,
				 first ? (long long)first->seq : 0LL,
				 (unsigned long long)p->e.line);
		(void)text_json_string(b, p->e.key_text);
		(void)buf_putc(b, '}');
	}
	(void)buf_puts(b, "],\"text\":");
	(void)text_json_string(b, text);
	(void)buf_puts(b, "}\n");
	buf_free(&page);
}

/* Picks the photos to request: exact matches in the newest release. */
static size_t request_pick(struct request *rq, const struct photo_list *l)
{
	size_t i, possible = 0;

	rq->photos = xreallocarray(NULL, l->n ? l->n : 1, sizeof(*rq->photos));
	for (i = 0; i < l->n; i++) {
		if (!l->v[i].present)
			continue;
		if (l->v[i].how == STORE_MATCH_NAME)
			possible++;
		else
			rq->photos[rq->n_photos++] = &l->v[i];
	}
	return possible;
}

static int request_record(struct store *s, struct request *rq)
{
	size_t i;
	int r;

	r = store_begin(s);
	if (r == 0)
		r = store_optout_add(s, &rq->row);
	for (i = 0; r == 0 && i < rq->n_photos; i++)
		r = store_optout_photo_add(s, rq->row.id, rq->photos[i]->e.id);
	if (r == 0)
		r = store_commit(s);
	if (r < 0)
		store_rollback(s);
	return r;
}

static int request_run(struct cmd *c, struct request *rq)
{
	struct store_release newest;
	struct photo_list l;
	struct buf text, out;
	size_t possible;
	int r;

	r = store_release_latest(c->store, c->dataset_id, &newest);
	if (r == 0) {
		log_error("%s has no release yet: nothing to request",
			  rq->d->name);
		return 1;
	}
	r = r < 0 ? r : photos_load(c->store, rq->sub->name, c->dataset_id, &l);
	if (r < 0)
		return r;
	r = releases_load(c->store, c->dataset_id, &rq->releases);
	rq->newest = r < 0 ? NULL : releases_find(&rq->releases, newest.id);
	possible = request_pick(rq, &l);
	if (r == 0 && rq->n_photos == 0) {
		log_error("No photo of %s is in the newest release of %s "
			  "(release %lld)%s: nothing to request",
			  rq->sub->name, rq->d->name, (long long)newest.seq,
			  possible ? " but possible matches by display name"
				   : "");
		r = 1;
	}
	if (r == 0) {
		rq->row = (struct store_optout){
			.subscriber = rq->sub->name,
			.dataset_id = c->dataset_id,
			.release_id = newest.id,
			.requested = (int64_t)time(NULL),
		};
		r = request_record(c->store, rq);
	}
	if (r == 0) {
		buf_init(&text, 1 << 24);
		buf_init(&out, 1 << 25);
		request_text(&text, rq);
		(void)buf_putc(&text, '\0');
		if (c->format == OUT_JSON)
			request_json(&out, rq, text.data);
		else
			(void)buf_puts(&out, text.data);
		fwrite(out.data, 1, out.len, stdout);
		buf_free(&text);
		buf_free(&out);
		log_info("Recorded opt-out request %lld: %zu photo%s of %s in "
			 "%s release %lld",
			 (long long)rq->row.id, rq->n_photos,
			 rq->n_photos == 1 ? "" : "s", rq->sub->name,
			 rq->d->name, (long long)newest.seq);
		if (possible)
			log_warning("%zu possible match%s (display name only) "
				    "left out; see scrapewatch matches %s",
				    possible, possible == 1 ? "" : "es",
				    rq->sub->name);
	}
	free(rq->photos);
	releases_free(&rq->releases);
	photos_free(&l);
	return r;
}

static const struct cmd_spec request_spec = {
	.usage = "optout request SUBSCRIBER DATASET [--format text|json]",
	.min_args = 2,
	.max_args = 2,
	.dataset_arg = 2,
	.subscriber_arg = 1,
	.access = SETUP_WRITES,
};

int cli_optout_request(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	struct request rq = {0};
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &request_spec);
	if (status)
		return status;
	rq.config = c.config;
	rq.sub = config_find_subscriber(c.config, c.args[0]);
	rq.d = c.dataset;
	r = request_run(&c, &rq);
	if (r < 0) {
		log_error_errno(r, "Cannot record the request: %m");
		status = EX_IOERR;
	} else
		status = r;
	cmd_close(&c);
	return status;
}

/* ---- status -------------------------------------------------------------- */

enum optout_state { OPTOUT_PRESENT, OPTOUT_REMOVED, OPTOUT_REINCLUDED };

static const char *const state_names[] = {
	[OPTOUT_PRESENT] = "present",
	[OPTOUT_REMOVED] = "removed",
	[OPTOUT_REINCLUDED] = "reincluded",
};

/* Where a requested photo stands, the release that put it there (the
 * newest for a photo still present), when, and days since the request. */
struct optout_standing {
	enum optout_state state;
	int64_t release, when, days;
};

static struct optout_standing standing(const struct store_optout_row *row,
				       int64_t now)
{
	struct optout_standing st = {
		.state = OPTOUT_PRESENT,
		.release = row->request_seq + row->later_releases,
		.when = now,
	};

	if (row->last_change == STORE_CHANGE_REMOVED)
		st.state = OPTOUT_REMOVED;
	else if (row->last_seq > row->request_seq)
		st.state = OPTOUT_REINCLUDED; /* removed, then back */
	if (st.state != OPTOUT_PRESENT) {
		st.release = row->last_seq;
		st.when = row->last_ingested;
	}
	st.days = MAX(st.when - row->request.requested, 0) / DAY;
	return st;
}

struct status_lister {
	enum out_format format;
	struct buf out, page;
	int64_t request; /* the request being printed */
	int64_t now;
	size_t requests, counts[3];
};

static void status_head(struct status_lister *l,
			const struct store_optout_row *row)
{
	struct buf *b = &l->out;
	char when[32];

	format_time(row->request.requested, when, sizeof(when));
	if (l->format == OUT_JSON) {
		(void)buf_printf(b, "%s  {\"request\":%lld,\"subscriber\":",
				 l->requests ? "]},\n" : "",
				 (long long)row->request.id);
		(void)text_json_string(b, row->request.subscriber);
		(void)buf_puts(b, ",\"dataset\":");
		(void)text_json_string(b, row->dataset);
		(void)buf_printf(b,
				 ",\"requested\":%lld,\"request_release\":"
				 "%lld,\"photos\":[",
				 (long long)row->request.requested,
				 (long long)row->request_seq);
	} else if (l->format == OUT_TEXT)
		(void)text_printf(b,
				  "request %lld  %s  %s  requested %s UTC "
				  "(release %lld was the newest)\n",
				  (long long)row->request.id,
				  row->request.subscriber, row->dataset, when,
				  (long long)row->request_seq);
}

static void status_text(struct buf *b, const struct store_optout_row *row,
			const struct optout_standing *st)
{
	char when[32];

	format_time(st->when, when, sizeof(when));
	if (row->entry.photo_id)
		(void)buf_printf(b, "  photo %llu  ",
				 (unsigned long long)row->entry.photo_id);
	else
		(void)text_printf(b, "  %s  ", row->entry.key_text);
	if (st->state == OPTOUT_REMOVED)
		(void)buf_printf(b,
				 "removed in release %lld (%.10s), %lld day%s "
				 "after the request\n",
				 (long long)st->release, when,
				 (long long)st->days, st->days == 1 ? "" : "s");
	else if (st->state == OPTOUT_REINCLUDED)
		(void)buf_printf(b,
				 "removed, then back in release %lld (%.10s): "
				 "present again\n",
				 (long long)st->release, when);
	else
		(void)buf_printf(b,
				 "still present after %lld day%s / %lld "
				 "release%s\n",
				 (long long)st->days, st->days == 1 ? "" : "s",
				 (long long)row->later_releases,
				 row->later_releases == 1 ? "" : "s");
}

static void status_json(struct status_lister *l,
			const struct store_optout_row *row,
			const struct optout_standing *st, bool first)
{
	struct buf *b = &l->out;

	(void)buf_printf(b, "%s{\"photo_id\":%llu,\"key\":", first ? "" : ",",
			 (unsigned long long)row->entry.photo_id);
	(void)text_json_string(b, row->entry.key_text);
	(void)buf_puts(b, ",\"photo_page\":");
	(void)text_json_string(b, l->page.data);
	(void)buf_printf(b,
			 ",\"state\":\"%s\",\"release\":%lld,\"when\":%lld,"
			 "\"days\":%lld,\"releases_since_request\":%lld}",
			 state_names[st->state], (long long)st->release,
			 (long long)st->when, (long long)st->days,
			 (long long)row->later_releases);
}

static void status_csv(struct status_lister *l,
		       const struct store_optout_row *row,
		       const struct optout_standing *st)
{
	struct buf *b = &l->out;

	(void)buf_printf(b, "%lld,", (long long)row->request.id);
	(void)text_csv_field(b, row->request.subscriber);
	(void)buf_putc(b, ',');
	(void)text_csv_field(b, row->dataset);
	(void)buf_printf(b, ",%lld,%lld,%llu,",
			 (long long)row->request.requested,
			 (long long)row->request_seq,
			 (unsigned long long)row->entry.photo_id);
	(void)text_csv_field(b, row->entry.key_text);
	(void)buf_putc(b, ',');
	(void)text_csv_field(b, l->page.data);
	(void)buf_printf(b, ",%s,%lld,%lld,%lld,%lld\n", state_names[st->state],
			 (long long)st->release, (long long)st->when,
			 (long long)st->days, (long long)row->later_releases);
}

static int status_row(void *userdata, const struct store_optout_row *row)
{
	struct status_lister *l = userdata;
	struct optout_standing st = standing(row, l->now);
	bool first = row->request.id != l->request;

	buf_reset(&l->out);
	buf_reset(&l->page);
	photo_page_url(&row->entry, &l->page);
	(void)buf_putc(&l->page, '\0');
	if (first) {
		status_head(l, row);
		l->request = row->request.id;
		l->requests++;
	}
	if (l->format == OUT_JSON)
		status_json(l, row, &st, first);
	else if (l->format == OUT_CSV)
		status_csv(l, row, &st);
	else
		status_text(&l->out, row, &st);
	l->counts[st.state]++;
	fwrite(l->out.data, 1, l->out.len, stdout);
	return 0;
}

static const struct cmd_spec status_spec = {
	.usage = "optout status [SUBSCRIBER] "
		 "[--format text|json|csv]",
	.max_args = 1,
	.subscriber_arg = 1,
};

int cli_optout_status(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	struct status_lister l = {0};
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &status_spec);
	if (status)
		return status;
	l.format = c.format;
	l.now = (int64_t)time(NULL);
	buf_init(&l.out, 1 << 20);
	buf_init(&l.page, 1 << 16);
	cmd_list_begin(l.format,
		       "request,subscriber,dataset,requested,request_release,"
		       "photo_id,key,photo_page,state,release,when,days,"
		       "releases_since_request\n");
	r = store_optout_each(c.store, c.n_args ? c.args[0] : NULL, status_row,
			      &l);
	if (l.format == OUT_TEXT)
		printf("%zu request%s: %zu photo%s removed, %zu still present, "
		       "%zu back after removal\n",
		       l.requests, l.requests == 1 ? "" : "s",
		       l.counts[OPTOUT_REMOVED],
		       l.counts[OPTOUT_REMOVED] == 1 ? "" : "s",
		       l.counts[OPTOUT_PRESENT], l.counts[OPTOUT_REINCLUDED]);
	status = cmd_list_end(l.format, l.requests, "]}\n", NULL,
			      "the database", r);
	buf_free(&l.out);
	buf_free(&l.page);
	cmd_close(&c);
	return status;
}
