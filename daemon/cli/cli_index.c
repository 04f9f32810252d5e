/*
 * cli_index.c: the commands over the release index -- import, releases,
 * diff and search.  Each opens the configuration and the database, does
 * one thing, and prints for a person (or as JSON / CSV for a program).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include "alert/photo.h"
#include "cli/cli_internal.h"
#include "fetch/fetch.h"
#include "index/ingest.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/scalar.h"
#include "lib/text.h"
#include "match/events.h"
#include "match/owner.h"
#include "match/watchset.h"
#include "parse/flickr.h"
#include "service/check.h"
#include "store/store_events.h"

/* ---- import --------------------------------------------------------------- */

static int import_status(int r)
{
	switch (-r) {
	case EBADMSG:
	case E2BIG:
	case EFBIG:
		return EX_DATAERR;
	case ENOENT:
	case EACCES:
		return EX_NOINPUT;
	default:
		return EX_IOERR;
	}
}

static const struct cmd_spec import_spec = {
	.usage = "import [--no-copy] DATASET FILE",
	.min_args = 2,
	.max_args = 2,
	.dataset_arg = 1,
	.access = SETUP_WRITES,
};

int cli_import(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	struct check_result res;
	bool in_place = cmd_take_flag(&argc, argv, "--no-copy");
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &import_spec);
	if (status)
		return status;
	if (fetch_global_init() < 0) {
		log_error("Cannot initialise libcurl");
		cmd_close(&c);
		return EX_SOFTWARE;
	}
	c.watches = watchset_new(c.config);
	/* The file lands exactly as a download of it would (--no-copy: but
	 * for the copy kept as evidence). */
	r = check_import(c.store, c.config, c.watches, c.dataset, c.dataset_id,
			 c.args[1], in_place, &res);
	if (r < 0) {
		unsigned i;

		for (i = 0; i < res.land.ingest.n_bad_shown; i++)
			log_warning("%s: %s", c.dataset->name,
				    res.land.ingest.bad[i]);
		log_error("Import of '%s' into %s failed: %s; the index is "
			  "unchanged",
			  c.args[1], c.dataset->name, res.error);
		status = import_status(r);
	} else {
		report_ingest(c.dataset->name, &res.land.ingest, "");
		report_events(c.dataset->name, &res.land.events);
	}
	curl_global_cleanup();
	cmd_close(&c);
	return status;
}

/* ---- releases ------------------------------------------------------------- */

static int print_release(void *userdata _unused_, const struct store_release *r)
{
	char when[32], size[32];

	format_time(r->ingested, when, sizeof(when));
	format_size(r->size, size, sizeof(size));
	cmd_printf("%4lld  %s  %.12s  %10lld %8lld %8lld %8lld %6lld  %s, %s\n",
		   (long long)r->seq, when, r->sha256, (long long)r->entries,
		   (long long)r->added, (long long)r->removed,
		   (long long)r->reincluded, (long long)r->bad_records, size,
		   r->kind);
	return 0;
}

static const struct cmd_spec releases_spec = {
	.usage = "releases DATASET",
	.min_args = 1,
	.max_args = 1,
	.dataset_arg = 1,
};

int cli_releases(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &releases_spec);
	if (!status) {
		printf(" seq  ingested (UTC)    sha256           entries    added  "
		       "removed  reincl    bad  file\n");
		r = store_releases_each(c.store, c.dataset_id, print_release,
					NULL);
		if (r < 0) {
			log_error_errno(r, "Cannot read the database: %m");
			status = EX_IOERR;
		}
	}
	cmd_close(&c);
	return status;
}

/* ---- diff ----------------------------------------------------------------- */

static const char *const change_names[] = {
	[STORE_CHANGE_ADDED] = "added",
	[STORE_CHANGE_REMOVED] = "removed",
	[STORE_CHANGE_REINCLUDED] = "reincluded",
};

struct printer {
	enum out_format format;
	struct store *store; /* for the names of the releases' files */
	struct buf out;
	size_t n;
	size_t counts[4];
};

/* One entry as a JSON object's members (without braces). */
void entry_json(struct buf *b, const struct store_entry *e)
{
	(void)buf_printf(b, "\"photo_id\":%llu,\"nsid\":",
			 (unsigned long long)e->photo_id);
	(void)text_json_string(b, e->nsid);
	(void)buf_puts(b, ",\"alias\":");
	(void)text_json_string(b, e->alias);
	(void)buf_puts(b, ",\"display_name\":");
	(void)text_json_string(b, e->name);
	(void)buf_puts(b, ",\"key\":");
	(void)text_json_string(b, e->key_text);
	(void)buf_puts(b, ",\"page_url\":");
	(void)text_json_string(b, e->page_url);
	(void)buf_puts(b, ",\"image_url\":");
	(void)text_json_string(b, e->image_url);
	(void)buf_puts(b, ",\"license\":");
	(void)text_json_string(b, e->license);
	(void)buf_printf(b, ",\"line\":%llu", (unsigned long long)e->line);
}

void entry_csv(struct buf *b, const struct store_entry *e)
{
	const char *const texts[] = {e->nsid,	  e->alias,    e->name,
				     e->key_text, e->page_url, e->image_url,
				     e->license};
	size_t i;

	(void)buf_printf(b, "%llu", (unsigned long long)e->photo_id);
	for (i = 0; i < ELEMENTSOF(texts); i++) {
		(void)buf_putc(b, ',');
		(void)text_csv_field(b, texts[i]);
	}
	(void)buf_printf(b, ",%llu", (unsigned long long)e->line);
}

/* The owner as a person reads it: "12345678@N00 (janedoe, Jane Doe)". */
static void entry_owner(struct buf *b, const struct store_entry *e)
{
	const char *first = *e->nsid ? e->nsid : *e->alias ? e->alias : e->name;

	(void)text_puts(b, *first ? first : "-");
	if (*e->nsid && (*e->alias || *e->name))
		(void)text_printf(b, " (%s%s%s)", e->alias,
				  *e->alias && *e->name ? ", " : "", e->name);
	else if (*e->alias && *e->name)
		(void)text_printf(b, " (%s)", e->name);
}

void entry_text_line(struct buf *b, const struct store_entry *e)
{
	const char *link = *e->page_url	   ? e->page_url
			   : *e->image_url ? e->image_url
					   : e->key_text;

	if (e->photo_id)
		(void)text_printf(b, "photo %llu",
				  (unsigned long long)e->photo_id);
	else
		(void)text_printf(b, "%s", e->key_text);
	(void)buf_puts(b, "  owner ");
	entry_owner(b, e);
	if (*link && (e->photo_id || link != e->key_text))
		(void)text_printf(b, "  %s", link);
	(void)text_printf(b, "  line %llu", (unsigned long long)e->line);
}

static int print_change(void *userdata, enum store_change kind,
			const struct store_entry *e)
{
	struct printer *p = userdata;

	buf_reset(&p->out);
	if (p->format == OUT_JSON) {
		struct store_release_file f = {0};

		(void)buf_printf(&p->out, "%s  {\"change\":\"%s\",",
				 p->n ? ",\n" : "", change_names[kind]);
		entry_json(&p->out, e);
		/* The file of the release it is in ("": the release's one). */
		if (e->file_id &&
		    store_release_file_get(p->store, e->file_id, &f) < 0)
			return -EIO;
		(void)buf_puts(&p->out, ",\"file\":");
		(void)text_json_string(&p->out, f.name);
		(void)buf_putc(&p->out, '}');
	} else if (p->format == OUT_CSV) {
		(void)buf_printf(&p->out, "%s,", change_names[kind]);
		entry_csv(&p->out, e);
		(void)buf_putc(&p->out, '\n');
	} else {
		(void)buf_printf(&p->out, "%-10s  ", change_names[kind]);
		entry_text_line(&p->out, e);
		(void)buf_putc(&p->out, '\n');
	}
	fwrite(p->out.data, 1, p->out.len, stdout);
	p->n++;
	p->counts[kind]++;
	return 0;
}

/* Parses a release number ("3") or "latest" against the newest seq. */
static int parse_seq(const char *s, int64_t latest, int64_t *ret)
{
	uint64_t v;

	if (strcmp(s, "latest") == 0) {
		*ret = latest;
		return 0;
	}
	if (scalar_parse_uint(s, (uint64_t)latest, &v) < 0 || v == 0)
		return -EINVAL;
	*ret = (int64_t)v;
	return 0;
}

static int diff_run(struct cmd *c, struct printer *p)
{
	struct store_release latest;
	int64_t a = 0, b = 0;
	int r;

	r = store_release_latest(c->store, c->dataset_id, &latest);
	if (r < 0)
		return r;
	if (r == 0) {
		log_error("Dataset %s has no release yet", c->dataset->name);
		return -ENOENT;
	}
	b = latest.seq;
	if ((c->n_args > 1 &&
	     parse_seq(c->args[c->n_args - 1], latest.seq, &b) < 0) ||
	    (c->n_args == 3 && parse_seq(c->args[1], latest.seq, &a) < 0)) {
		log_error("Releases of %s are numbered 1 to %lld",
			  c->dataset->name, (long long)latest.seq);
		return -EINVAL;
	}
	if (c->n_args < 3)
		a = b - 1;
	if (a >= b) {
		log_error("Release A must come before release B");
		return -EINVAL;
	}
	if (p->format == OUT_JSON)
		printf("{\"dataset\":\"%s\",\"from\":%lld,\"to\":%lld,\"changes\":[\n",
		       c->dataset->name, (long long)a, (long long)b);
	else if (p->format == OUT_CSV)
		printf("change,photo_id,nsid,alias,display_name,key,page_url,"
		       "image_url,license,line\n");
	return store_diff_each(c->store, c->dataset_id, a, b, print_change, p);
}

static const struct cmd_spec diff_spec = {
	.usage = "diff DATASET [A] [B] "
		 "[--format text|json|csv]",
	.min_args = 1,
	.max_args = 3,
	.dataset_arg = 1,
};

int cli_diff(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	struct printer p = {0};
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &diff_spec);
	if (status)
		return status;
	p.format = c.format;
	p.store = c.store;
	buf_init(&p.out, 1 << 20);
	r = diff_run(&c, &p);
	if (r < 0 && r != -ENOENT && r != -EINVAL)
		log_error_errno(r, "Cannot read the database: %m");
	else if (r >= 0 && p.format == OUT_JSON)
		printf("\n]}\n");
	else if (r >= 0 && p.format == OUT_TEXT)
		printf("%zu added, %zu removed, %zu reincluded\n",
		       p.counts[STORE_CHANGE_ADDED],
		       p.counts[STORE_CHANGE_REMOVED],
		       p.counts[STORE_CHANGE_REINCLUDED]);
	buf_free(&p.out);
	cmd_close(&c);
	return r == -EINVAL   ? EX_USAGE
	       : r == -ENOENT ? EX_DATAERR
	       : r < 0	      ? EX_IOERR
			      : 0;
}

/* ---- search --------------------------------------------------------------- */

const char *const match_names[STORE_MATCH_NAME + 1] = {
	[STORE_MATCH_PHOTO] = "photo",
	[STORE_MATCH_NSID] = "account (NSID)",
	[STORE_MATCH_ALIAS] = "account (alias)",
	[STORE_MATCH_NAME] = "possible: display name",
};

/* Builds "in releases 1-2, 4-latest" from an entry's changes. */
struct presence {
	struct buf *out;
	int64_t since; /* seq where the current presence began, 0 if absent */
	int n;
};

static int presence_step(void *userdata, enum store_change kind, int64_t seq)
{
	struct presence *p = userdata;

	if (kind != STORE_CHANGE_REMOVED) {
		p->since = seq;
		return 0;
	}
	if (p->since) {
		(void)buf_printf(p->out, "%s%lld", p->n++ ? ", " : "",
				 (long long)p->since);
		if (seq - 1 > p->since)
			(void)buf_printf(p->out, "-%lld", (long long)(seq - 1));
	}
	p->since = 0;
	return 0;
}

int entry_presence(struct store *s, int64_t entry_id, struct buf *b)
{
	struct presence pr = {b, 0, 0};
	int r;

	r = store_history_each(s, entry_id, presence_step, &pr);
	if (r < 0)
		return r;
	if (pr.since)
		(void)buf_printf(b, "%s%lld-latest", pr.n ? ", " : "",
				 (long long)pr.since);
	return pr.since != 0;
}

struct searcher {
	struct store *store;
	const struct config *config;
	struct watchset *watches;
	struct owner_lookup *owners; /* owned */
	struct printer p;
	size_t hits;
};

/* Appends the owner by the rule (match/owner.h): in JSON always,
 * "owner_found" and "owner"; in text a line of its own when an ownership
 * dataset gave it. */
static void print_owner(struct searcher *s, const struct store_entry *e,
			enum store_match how, const struct owner *o)
{
	static const char *const keys[] = {"nsid", "alias", "display_name"};
	const char *const values[] = {o->nsid, o->alias, o->name};
	struct store_entry shown = *e;
	struct buf *b = &s->p.out;
	size_t i;

	if (s->p.format == OUT_JSON) {
		(void)buf_printf(b, ",\"owner_found\":\"%s\",\"owner\":{",
				 photo_owner_found(how, o->via));
		for (i = 0; i < ELEMENTSOF(keys); i++) {
			(void)buf_printf(b, "\"%s\":", keys[i]);
			(void)text_json_string(b, values[i]);
			(void)buf_putc(b, ',');
		}
		(void)buf_puts(b, "\"ownership_dataset\":");
		(void)text_json_string(b, o->source_dataset ? o->source_dataset
							    : "");
		(void)buf_putc(b, '}');
	} else if (o->via == STORE_VIA_OWNERSHIP) {
		shown.nsid = o->nsid;
		shown.alias = o->alias;
		shown.name = o->name;
		(void)buf_puts(b, "\n              owner ");
		entry_owner(b, &shown);
		(void)text_printf(b, " from the ownership dataset %s",
				  o->source_dataset);
	}
}

/* Appends which watches the entry belongs to, " jane (account (NSID))"
 * in text, a "watched_by" array in JSON; then its owner by the rule. */
static int print_watchers(struct searcher *s, const char *dataset,
			  enum store_match how, const struct store_entry *e)
{
	struct watch_subject subj;
	struct watch_hit hits[16];
	struct owner owner;
	struct buf *b = &s->p.out;
	size_t i, n;
	int r;

	r = owner_of(s->owners, dataset, e, &owner);
	if (r < 0)
		return r;
	subj = (struct watch_subject){e->photo_id, owner.nsid, owner.alias,
				      owner.name};
	n = MIN(watchset_match(s->watches, &subj, hits, ELEMENTSOF(hits)),
		ELEMENTSOF(hits));
	(void)buf_puts(b, s->p.format == OUT_JSON ? ",\"watched_by\":["
			  : n ? "\n              watched by "
			      : "");
	for (i = 0; i < n; i++) {
		const struct config_watch *w =
			&s->config->watches[hits[i].watch];
		const char *sub = s->config->subscribers[w->subscriber].name;

		if (s->p.format == OUT_JSON) {
			(void)buf_puts(b, i ? ",{\"subscriber\":"
					    : "{\"subscriber\":");
			(void)text_json_string(b, sub);
			(void)buf_printf(b, ",\"match\":\"%s\"}",
					 match_names[hits[i].how]);
		} else
			(void)text_printf(b, "%s%s (%s)", i ? ", " : "", sub,
					  match_names[hits[i].how]);
	}
	if (s->p.format == OUT_JSON)
		(void)buf_putc(b, ']');
	print_owner(s, e, how, &owner);
	return 0;
}

static int print_hit(void *userdata, const char *dataset, enum store_match how,
		     const struct store_entry *e)
{
	struct searcher *s = userdata;
	struct buf *b = &s->p.out;
	int r;

	buf_reset(b);
	if (s->p.format == OUT_JSON) {
		(void)buf_printf(b, "%s  {\"dataset\":", s->hits ? ",\n" : "");
		(void)text_json_string(b, dataset);
		(void)buf_printf(b, ",\"match\":\"%s\",", match_names[how]);
		entry_json(b, e);
		(void)buf_puts(b, ",\"releases\":\"");
	} else
		(void)text_printf(b, "%-12s  %-22s  ", dataset,
				  match_names[how]);
	if (s->p.format == OUT_TEXT) {
		entry_text_line(b, e);
		(void)buf_puts(b, "\n              in releases ");
	}
	r = entry_presence(s->store, e->id, b);
	if (r < 0)
		return r;
	if (r == 0)
		(void)buf_puts(b, " (not in the latest)");
	if (s->p.format == OUT_JSON)
		(void)buf_putc(b, '"');
	r = print_watchers(s, dataset, how, e);
	if (r < 0)
		return r;
	(void)buf_puts(b, s->p.format == OUT_JSON ? "}" : "\n");
	fwrite(b->data, 1, b->len, stdout);
	s->hits++;
	return 0;
}

/* Reads what a query names: photo id, NSID, alias or display name. */
static void query_parse(const char *s, struct store_query *q,
			struct flickr_ref *ref)
{
	size_t len = strlen(s);

	if (flickr_nsid_valid(s, len))
		q->nsid = s;
	else if (flickr_parse(s, len, ref) == 0) {
		q->photo_id = ref->photo_id;
		q->nsid = ref->nsid;
		q->alias = ref->alias;
	} else {
		if (flickr_alias_valid(s, len))
			q->alias = s;
		q->name = s;
	}
}

static const struct cmd_spec search_spec = {
	.usage = "search QUERY [--format text|json]",
	.min_args = 1,
	.max_args = 1,
};

int cli_search(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	struct searcher s = {0};
	struct store_query q = {0};
	struct flickr_ref ref;
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &search_spec);
	if (status)
		return status;
	query_parse(c.args[0], &q, &ref);
	/* A photo is looked for by itself, not by its owner's other photos. */
	if (q.photo_id) {
		q.nsid = NULL;
		q.alias = NULL;
	}
	s.store = c.store;
	s.config = c.config;
	s.watches = c.watches = watchset_new(c.config);
	s.p.format = c.format;
	buf_init(&s.p.out, 1 << 20);
	if (s.p.format == OUT_JSON)
		printf("[\n");
	r = owner_lookup_new(c.store, c.config, &s.owners);
	if (r == 0)
		r = store_search(c.store, &q, print_hit, &s);
	if (r < 0) {
		log_error_errno(r, "Cannot read the database: %m");
		status = EX_IOERR;
	} else if (s.p.format == OUT_JSON)
		printf("\n]\n");
	else
		cmd_printf("%zu match%s for '%s'\n", s.hits,
			   s.hits == 1 ? "" : "es", c.args[0]);
	buf_free(&s.p.out);
	s.owners = owner_lookup_free(s.owners);
	cmd_close(&c);
	return status;
}
