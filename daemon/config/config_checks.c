/*
 * config_checks.c: the semantic pass, run once every file is walked.
 *
 * It fills in each dataset's defaults from the sections that give them, and
 * checks what no single value shows: valid and unique names, watches that
 * name a defined subscriber, e-mail channels without an smtp section, and
 * format options that fit the dataset's format (which has the last word:
 * a parser is opened with them and thrown away).  Messages point back at
 * where the dataset, subscriber or watch was written.
 */
#include "config/config_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "config/config.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/format.h"

/* Names of datasets and subscribers appear in logs, paths and commands. */
static bool name_valid(const char *s)
{
	size_t i;

	if (!*s || strlen(s) > CONFIG_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; s[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    s[i]))
			return false;
	return true;
}

static bool format_is(const struct config_dataset *d, const char *a,
		      const char *b)
{
	return d->format &&
	       (strcmp(d->format, a) == 0 || strcmp(d->format, b) == 0);
}

/* Reports a name that is not valid, kind being "dataset" or "subscriber". */
static void check_name_valid(struct loader *ld, const char *kind,
			     const char *name, const struct config_where *w)
{
	if (!name_valid(name))
		config_error_where(ld, w,
				   "%s name '%s' must be letters, digits, "
				   "'.', '_' or '-' (at most %d)",
				   kind, name, CONFIG_NAME_MAX);
}

/* Reports name at w if an earlier one (at first; NULL if it has none) has
 * it too. */
static void check_name_unique(struct loader *ld, const char *kind,
			      const char *name, const struct config_where *w,
			      const char *earlier,
			      const struct config_where *first)
{
	if (earlier && strcmp(earlier, name) == 0)
		config_error_where(ld, w,
				   "%s '%s' is defined twice (first at %s:%u)",
				   kind, name, first->file, first->line);
}

static void check_dataset_name(struct loader *ld, size_t i)
{
	const struct config_dataset *d = &ld->cfg->datasets[i];
	size_t j;

	if (!d->name)
		return;
	check_name_valid(ld, "dataset", d->name, &d->where);
	for (j = 0; j < i; j++)
		check_name_unique(ld, "dataset", d->name, &d->where,
				  ld->cfg->datasets[j].name,
				  &ld->cfg->datasets[j].where);
}

/* The first column given by name rather than number, or NULL. */
static const char *column_names(const struct config_dataset *d)
{
	size_t i;

	for (i = 0; i < ENTRY_FIELD_MAX; i++)
		if (d->layout.fields[i] &&
		    d->layout.fields[i][strspn(d->layout.fields[i],
					       "0123456789")] != '\0')
			return d->layout.fields[i];
	return NULL;
}

static int ignore_entry(void *userdata _unused_, const struct entry *e _unused_)
{
	return 0;
}

static void ignore_report(void *userdata _unused_, uint64_t line _unused_,
			  bool fatal _unused_, const char *why _unused_)
{
}

/* The format itself has the last word on its options (JSON paths, column
 * numbers): open a parser and throw it away. */
static void check_format_opens(struct loader *ld,
			       const struct config_dataset *d)
{
	const struct format *f = format_find(d->format);
	const struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	const struct format_sink sink = {ignore_entry, ignore_report, NULL};
	void *parser = NULL;

	if (!f || f->open(&d->layout, &limits, &sink, &parser) >= 0) {
		if (f)
			f->free(parser);
		return;
	}
	config_error_where(ld, &d->where,
			   "dataset '%s': format %s cannot use these options "
			   "(check 'records', 'fields' and 'columns')",
			   d->name, d->format);
}

/* The keys one format has: a table for sqlite, records for json.
 * Returns whether they fit. */
static bool check_format_keys(struct loader *ld, const struct config_dataset *d,
			      bool database, bool json)
{
	bool fit = true;

	if (database && !d->layout.table) {
		config_error_where(ld, &d->where,
				   "dataset '%s': format sqlite needs 'table' "
				   "to say which table to read (e.g. table: "
				   "yfcc100m_dataset)",
				   d->name);
		fit = false;
	}
	if (d->layout.table && !database) {
		config_error_where(
			ld, &d->where,
			"dataset '%s': 'table' applies to format sqlite",
			d->name);
		fit = false;
	}
	if (d->layout.records && !json) {
		config_error_where(
			ld, &d->where,
			"dataset '%s': 'records' applies to format json",
			d->name);
		fit = false;
	}
	return fit;
}

/* Format options must fit the format: columns for tables (a database's
 * by name), fields and records for JSON, a table for a database, and a
 * field map wherever the format has no fixed one. */
static void check_dataset_options(struct loader *ld, size_t i)
{
	const struct config_dataset *d = &ld->cfg->datasets[i];
	const char *map_key = ld->map_keys[i];
	bool tabular = format_is(d, "csv", "tsv");
	bool database = format_is(d, "sqlite", "sqlite");
	bool json = format_is(d, "json", "jsonl");
	bool parquet = format_is(d, "parquet", "parquet");
	const char *want = tabular || database || parquet ? "columns"
			   : json			  ? "fields"
							  : NULL;

	if (!d->format)
		return;
	if (map_key && (!want || strcmp(map_key, want) != 0))
		config_error_where(
			ld, &d->where,
			"dataset '%s': '%s' applies to format %s, not %s",
			d->name, map_key,
			strcmp(map_key, "columns") == 0
				? "csv, tsv, sqlite or parquet"
				: "json or jsonl",
			d->format);
	if (!map_key && want)
		config_error_where(
			ld, &d->where,
			"dataset '%s': format %s needs '%s' to say "
			"which entry fields to read (e.g. %s)",
			d->name, d->format, want,
			tabular	   ? "columns: { url: 0 }"
			: database ? "columns: { photo_id: photoid }"
			: parquet  ? "columns: { key: SAMPLE_ID, url: URL }"
				  : "fields: { page_url: metadata.photo_url }");
	if (tabular && !d->layout.header && column_names(d))
		config_error_where(
			ld, &d->where,
			"dataset '%s': with 'header: false' columns are "
			"numbers (from 0), not names like '%s'",
			d->name, column_names(d));
	if (check_format_keys(ld, d, database, json) && ld->n_errors == 0)
		check_format_opens(ld, d);
}

/* Is a Hub revision or Git ref plain: no white space, control characters,
 * '..', or characters a URL would need escaped beyond '/'? */
static bool ref_valid(const char *s)
{
	const char *p;

	if (!*s || strlen(s) > 255 || strstr(s, "..") || s[0] == '/')
		return false;
	for (p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/",
			    *p))
			return false;
	return true;
}

static char *joined(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = xmalloc(la + lb + lc + 1);

	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* A pin (key, if given) of a source that lists files: an error. */
static void check_one_file_pin(struct loader *ld,
			       const struct config_dataset *d, const char *key,
			       const char *pin)
{
	if (pin)
		config_error_where(
			ld, &d->where,
			"dataset '%s': '%s' pins one file; a release of "
			"several files is pinned by its revision",
			d->name, key);
}

/* The source's defaults, and the dataset's url: what is shown, and the
 * origin its headers and token may go to. */
static void check_source(struct loader *ld, size_t i)
{
	struct config_dataset *d = &ld->cfg->datasets[i];
	struct config_source *src = &d->source;
	const char *host = NULL;

	if (src->api_key && src->kind != CONFIG_SOURCE_GOOGLE_DRIVE)
		config_error_where(
			ld, &d->where,
			"dataset '%s': 'api_key' is the key of Google "
			"Drive's files API, but its source is not "
			"google_drive",
			d->name);
	switch (src->kind) {
	case CONFIG_SOURCE_URL:
		return;
	case CONFIG_SOURCE_URLS:
		if (src->n_urls)
			d->url = xstrdup(src->urls[0]);
		break;
	case CONFIG_SOURCE_HUGGINGFACE:
		host = "https://huggingface.co";
		if (!src->revision)
			src->revision = xstrdup("main");
		break;
	case CONFIG_SOURCE_GITHUB:
		host = "https://api.github.com";
		break;
	case CONFIG_SOURCE_GOOGLE_DRIVE:
		host = "https://drive.google.com";
		if (!src->api_endpoint)
			src->api_endpoint = xstrdup(CONFIG_DRIVE_API_ENDPOINT);
		break;
	}
	if (host && !src->endpoint)
		src->endpoint = xstrdup(host);
	if (src->revision && !ref_valid(src->revision))
		config_error_where(ld, &d->where,
				   "dataset '%s': revision or ref '%s' is not "
				   "a plain branch, tag or commit name",
				   d->name, src->revision);
	if (src->files && (strstr(src->files, "..") || src->files[0] == '/'))
		config_error_where(
			ld, &d->where,
			"dataset '%s': '%s' is not a path inside the "
			"repository",
			d->name, src->files);
	if (src->kind != CONFIG_SOURCE_GOOGLE_DRIVE) {
		check_one_file_pin(ld, d, "sha256", d->sha256);
		check_one_file_pin(ld, d, "md5", d->md5);
	}
	if (!src->repo && !src->id)
		return;
	if (src->kind == CONFIG_SOURCE_HUGGINGFACE)
		d->url = joined(src->endpoint, "/datasets/", src->repo);
	else if (src->kind == CONFIG_SOURCE_GITHUB)
		d->url = joined(src->endpoint, "/repos/", src->repo);
	else
		d->url = joined(src->endpoint,
				"/uc?export=download&id=", src->id);
}

static void check_subscriber(struct loader *ld, size_t i)
{
	const struct config_subscriber *s = &ld->cfg->subscribers[i];
	size_t j;

	check_name_valid(ld, "subscriber", s->name, &s->where);
	for (j = 0; j < i; j++)
		check_name_unique(ld, "subscriber", s->name, &s->where,
				  ld->cfg->subscribers[j].name,
				  &ld->cfg->subscribers[j].where);
	if (s->email && !ld->cfg->smtp.url)
		config_error_where(
			ld, &s->where,
			"subscriber '%s' has an email channel, but no "
			"'smtp' section says how to send mail",
			s->name);
}

static void check_operator(struct loader *ld)
{
	const struct config_operator *o = &ld->cfg->operator;

	if (o->email && !ld->cfg->smtp.url)
		config_error_where(ld, &o->where,
				   "the operator has an email channel, but no "
				   "'smtp' section says how to send mail");
}

static int subscriber_cmp(const void *a, const void *b, void *userdata)
{
	const struct config_subscriber *subs = userdata;

	return strcmp(subs[*(const size_t *)a].name,
		      subs[*(const size_t *)b].name);
}

/* The index of subscriber name, by binary search in order (subscriber
 * indices sorted by name), or -1. */
static ssize_t find_subscriber(const struct config *c, const size_t *order,
			       const char *name)
{
	size_t lo = 0, hi = c->n_subscribers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, c->subscribers[order[mid]].name);

		if (cmp == 0)
			return (ssize_t)order[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static void check_watch(struct loader *ld, size_t i, const size_t *order)
{
	struct config_watch *w = &ld->cfg->watches[i];
	const char *name = ld->watch_subscribers[i];
	ssize_t j;

	if (!name)
		return;
	j = find_subscriber(ld->cfg, order, name);
	if (j >= 0) {
		w->subscriber = (size_t)j;
		return;
	}
	config_error_where(ld, &w->where,
			   "watch names subscriber '%s', which is not defined "
			   "under 'subscribers'",
			   name);
}

/* Finds each watch's subscriber (by name: a sorted index, as an
 * organisation may have thousands of both). */
static void check_watches(struct loader *ld)
{
	struct config *c = ld->cfg;
	size_t *order =
		xreallocarray(NULL, c->n_subscribers + 1, sizeof(*order));
	size_t i;

	for (i = 0; i < c->n_subscribers; i++)
		order[i] = i;
	qsort_r(order, c->n_subscribers, sizeof(*order), subscriber_cmp,
		c->subscribers);
	for (i = 0; i < c->n_watches; i++)
		check_watch(ld, i, order);
	free(order);
}

void config_check(struct loader *ld)
{
	struct config *c = ld->cfg;
	size_t i;

	for (i = 0; i < c->n_datasets; i++) {
		if (!c->datasets[i].interval)
			c->datasets[i].interval = c->default_interval;
		if (!c->datasets[i].max_download)
			c->datasets[i].max_download = c->fetch.max_download;
		if (!c->datasets[i].timeout)
			c->datasets[i].timeout = c->fetch.timeout;
		check_dataset_name(ld, i);
		check_source(ld, i);
		check_dataset_options(ld, i);
		if (c->datasets[i].user &&
		    dataset_has_header(&c->datasets[i], "Authorization"))
			config_error_where(
				ld, &c->datasets[i].where,
				"dataset '%s': 'auth' and an Authorization "
				"header (or 'bearer') cannot be used together",
				c->datasets[i].name);
	}
	for (i = 0; i < c->n_subscribers; i++)
		check_subscriber(ld, i);
	check_operator(ld);
	check_watches(ld);
}
