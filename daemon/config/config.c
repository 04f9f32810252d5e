/*
 * config.c: the configuration's public entry points: config_load(), the
 * lookups by name, and config_free().
 *
 * A load sets the defaults, walks the main file and its drop-ins
 * (config_walk.c against the tables of config_keys.c), reads the catalogue
 * entries its datasets use (catalogue.c), runs the semantic pass
 * (config_checks.c) and hands back either the config or every message
 * collected; the state and cache directories are settled last.  Freeing
 * wipes each secret before its memory goes back.  This file does not log:
 * the caller prints the collected messages.
 */
#include "config/config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "config/secret.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/format.h"

/* state_dir and cache_dir default to systemd's StateDirectory= and
 * CacheDirectory=, then to the directories the unit has, so that a command
 * run by hand uses the unit's database and downloads.  Any other
 * state_dir without a cache_dir keeps its downloads in STATE_DIR/cache. */
static void set_directories(struct config *c)
{
	bool state_default = false;
	const char *e;

	if (!c->state_dir) {
		e = getenv("STATE_DIRECTORY");
		state_default = !e || !*e;
		/* systemd may list several, separated by ':'; take the first. */
		c->state_dir = state_default ? xstrdup(CONFIG_STATE_DIR)
					     : xstrndup(e, strcspn(e, ":"));
	}
	if (!c->cache_dir) {
		struct buf b;

		e = getenv("CACHE_DIRECTORY");
		buf_init(&b, PATH_MAX);
		if (e && *e)
			(void)buf_append(&b, e, strcspn(e, ":"));
		else if (state_default)
			(void)buf_puts(&b, CONFIG_CACHE_DIR);
		else
			(void)buf_printf(&b, "%s/cache", c->state_dir);
		c->cache_dir = buf_steal(&b);
	}
}

static void loader_done(struct loader *ld)
{
	size_t i;

	free(ld->uses);
	for (i = 0; i < ld->n_includes; i++)
		free(ld->includes[i]);
	free(ld->includes);
	for (i = 0; i < ld->cfg->n_watches; i++)
		free(ld->watch_subscribers[i]);
	free(ld->watch_subscribers);
	free(ld->map_keys);
	free(ld->dir);
	buf_free(&ld->errors);
}

void config_loader_init(struct loader *ld)
{
	*ld = (struct loader){.cfg = xcalloc(1, sizeof(struct config))};
	buf_init(&ld->errors, SIZE_MAX);
	ld->cfg->default_interval = CONFIG_DEFAULT_INTERVAL;
	ld->cfg->fetch = (struct config_fetch){
		.connect_timeout = CONFIG_DEFAULT_CONNECT_TIMEOUT,
		.low_speed_limit = CONFIG_DEFAULT_LOW_SPEED_LIMIT,
		.low_speed_time = CONFIG_DEFAULT_LOW_SPEED_TIME,
		.timeout = CONFIG_DEFAULT_TIMEOUT,
		.max_download = CONFIG_DEFAULT_MAX_DOWNLOAD,
		.keep_releases = CONFIG_DEFAULT_KEEP_RELEASES,
		.concurrency = CONFIG_DEFAULT_FETCH_CONCURRENCY,
	};
	ld->cfg->alerts = (struct config_alerts){
		.concurrency = CONFIG_DEFAULT_ALERT_CONCURRENCY,
		.timeout = CONFIG_DEFAULT_ALERT_TIMEOUT,
		/* Roughly the Standard Webhooks schedule: about 27 hours. */
		.webhook_retries = {5, 300, 1800, 7200, 18000, 36000, 36000},
		.n_webhook_retries = 7,
		/* Mail: minutes, then hours; about 40 hours. */
		.email_retries = {60, 300, 900, 1800, 3600, 7200, 14400, 28800,
				  28800, 28800},
		.n_email_retries = 10,
	};
	ld->cfg->operator.failing_after = CONFIG_DEFAULT_FAILING_AFTER;
}

int config_loader_finish(struct loader *ld, int r, struct config **ret,
			 char **ret_errors)
{
	struct config *c = ld->cfg;

	if (r >= 0) {
		config_check(ld);
		if (ld->n_errors > CONFIG_ERRORS_SHOWN)
			(void)buf_printf(&ld->errors,
					 "... and %u more errors\n",
					 ld->n_errors - CONFIG_ERRORS_SHOWN);
		r = ld->n_errors ? -EINVAL : 0;
	}
	if (r < 0)
		*ret_errors = buf_steal(&ld->errors);
	loader_done(ld);
	if (r < 0) {
		config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int config_load(const char *path, struct config **ret, char **ret_errors)
{
	struct config *c = NULL;
	struct loader ld;
	int r;

	config_loader_init(&ld);
	r = config_load_file(&ld, path, true);
	if (r >= 0) {
		config_load_includes(&ld);
		catalogue_resolve(&ld);
	}
	r = config_loader_finish(&ld, r, &c, ret_errors);
	if (r < 0)
		return r;
	set_directories(c);
	*ret = c;
	return 0;
}

/* ---- accessors and destructor ------------------------------------------ */

const struct config_dataset *config_find_dataset(const struct config *c,
						 const char *name)
{
	size_t i;

	for (i = 0; i < c->n_datasets; i++)
		if (strcmp(c->datasets[i].name, name) == 0)
			return &c->datasets[i];
	return NULL;
}

const struct config_subscriber *config_find_subscriber(const struct config *c,
						       const char *name)
{
	size_t i;

	for (i = 0; i < c->n_subscribers; i++)
		if (strcmp(c->subscribers[i].name, name) == 0)
			return &c->subscribers[i];
	return NULL;
}

bool config_dataset_has_source(const struct config_dataset *d)
{
	return d->about.access != CONFIG_ACCESS_NONE;
}

static void about_free(struct config_about *a)
{
	free(a->entry);
	free(a->title);
	free(a->publisher);
	free(a->homepage);
	free(a->licence);
	free(a->size);
	free(a->optout_route);
	free(a->notes);
	free(a->credential);
}

struct config *config_free(struct config *c)
{
	size_t i, j;

	if (!c)
		return NULL;
	for (i = 0; i < c->n_datasets; i++) {
		struct config_dataset *d = &c->datasets[i];

		free(d->name);
		free(d->url);
		for (j = 0; j < d->source.n_urls; j++)
			free(d->source.urls[j]);
		free(d->source.urls);
		free(d->source.repo);
		free(d->source.revision);
		free(d->source.files);
		free(d->source.id);
		free(d->source.endpoint);
		secret_free(d->source.api_key);
		free(d->source.api_endpoint);
		free(d->format);
		free(d->layout.records);
		free(d->layout.table);
		free(d->member);
		free(d->sha256);
		free(d->md5);
		free(d->optout);
		for (j = 0; j < ENTRY_FIELD_MAX; j++)
			free(d->layout.fields[j]);
		for (j = 0; j < d->n_headers; j++) {
			free(d->headers[j].name);
			if (d->headers[j].secret)
				secret_free(d->headers[j].value);
			else
				free(d->headers[j].value);
		}
		free(d->headers);
		free(d->user);
		secret_free(d->password);
		about_free(&d->about);
	}
	for (i = 0; i < c->n_subscribers; i++) {
		free(c->subscribers[i].name);
		free(c->subscribers[i].email);
		free(c->subscribers[i].webhook);
		secret_free(c->subscribers[i].webhook_secret);
	}
	for (i = 0; i < c->n_watches; i++) {
		free(c->watches[i].nsid);
		free(c->watches[i].alias);
		free(c->watches[i].display_name);
		free(c->watches[i].photos);
	}
	for (i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->datasets);
	free(c->subscribers);
	free(c->watches);
	free(c->files);
	free(c->smtp.url);
	free(c->smtp.from);
	free(c->smtp.user);
	secret_free(c->smtp.password);
	free(c->smtp.helo);
	free(c->alerts.unsubscribe);
	free(c->alerts.ca_file);
	free(c->operator.email);
	free(c->operator.webhook);
	secret_free(c->operator.webhook_secret);
	free(c->fetch.contact);
	free(c->fetch.ca_file);
	free(c->state_dir);
	free(c->cache_dir);
	free(c->metrics_file);
	free(c->catalogue_dir);
	free(c);
	return NULL;
}
