/*
 * check.c: one check of one dataset (check.h).
 */
#include "service/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/route.h"
#include "fetch/fetch.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/stop.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "store/store_index.h"

struct pruned {
	int64_t release_id;
	char *file;
};

struct prune_list {
	struct pruned *v;
	size_t n;
};

static int collect_pruned(void *userdata, int64_t release_id, const char *file)
{
	struct prune_list *l = userdata;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = (struct pruned){release_id, xstrdup(file)};
	return 0;
}

/* Deletes the files of releases beyond the newest keep, unless another
 * release still keeps the same content. */
static void prune_files(struct store *s, const struct config_dataset *d,
			int64_t dataset_id, uint64_t keep)
{
	struct prune_list l = {NULL, 0};
	size_t i;
	int r;

	r = store_release_files_beyond(s, dataset_id, keep, collect_pruned, &l);
	for (i = 0; i < l.n; i++) {
		if (r >= 0)
			r = store_release_forget_file(s, l.v[i].release_id,
						      l.v[i].file);
		if (r == 0 && unlink(l.v[i].file) < 0 && errno != ENOENT)
			log_warning("%s: cannot delete old release file '%s': "
				    "%m",
				    d->name, l.v[i].file);
		free(l.v[i].file);
	}
	if (r < 0)
		log_warning("%s: cannot prune old release files: %s", d->name,
			    strerror(-r));
	free(l.v);
}

/* Deletes a downloaded file that no release keeps. */
static void drop_download(struct store *s, const char *path)
{
	if (store_file_kept(s, path) == 0)
		(void)unlink(path);
}

/* One check under way. */
struct check {
	struct store *s;
	const struct config *c;
	const struct watchset *ws;
	const struct config_dataset *d;
	int64_t dataset_id;
	struct check_result *ret;
};

/* Inside the new release's transaction: the subscribers' events, and the
 * operator's dataset.release notice. */
static int record_events(void *userdata, const struct store_release *rel)
{
	struct check *k = userdata;
	char key[256];
	struct buf data;
	int r;

	r = events_for_release(k->s, k->c, k->ws, k->d, k->dataset_id, rel,
			       &k->ret->events);
	if (r < 0)
		return r;
	buf_init(&data, 1 << 16);
	(void)buf_puts(&data, "\"dataset\":");
	(void)text_json_string(&data, k->d->name);
	(void)buf_printf(&data,
			 ",\"release\":%lld,\"sha256\":\"%s\",\"entries\":%lld,"
			 "\"added\":%lld,\"removed\":%lld,\"reincluded\":%lld,"
			 "\"events\":%u",
			 (long long)rel->seq, rel->sha256,
			 (long long)rel->entries, (long long)rel->added,
			 (long long)rel->removed, (long long)rel->reincluded,
			 k->ret->events.events);
	(void)buf_putc(&data, '\0');
	snprintf(key, sizeof(key), "%s/%lld", k->d->name, (long long)rel->seq);
	r = route_notice(k->s, k->c, "dataset.release", key, data.data,
			 rel->ingested);
	buf_free(&data);
	return r;
}

/* Tells the operator once per run of failures, when it reaches
 * operator.failing_after. */
static void notice_failing(struct check *k, const struct store_run *run,
			   int failures)
{
	char key[256];
	struct buf data;
	int r;

	if ((uint64_t)failures != k->c->operator.failing_after)
		return;
	buf_init(&data, 1 << 16);
	(void)buf_puts(&data, "\"dataset\":");
	(void)text_json_string(&data, k->d->name);
	(void)buf_puts(&data, ",\"url\":");
	(void)text_json_string(&data, k->d->url);
	(void)buf_printf(&data, ",\"failures\":%d,\"error\":", failures);
	(void)text_json_string(&data, run->error);
	(void)buf_putc(&data, '\0');
	snprintf(key, sizeof(key), "%s/%lld", k->d->name, (long long)run->id);
	r = store_begin(k->s);
	if (r == 0)
		r = route_notice(k->s, k->c, "dataset.failing", key, data.data,
				 run->ended);
	if (r == 0)
		r = store_commit(k->s);
	if (r < 0) {
		store_rollback(k->s);
		log_warning("%s: cannot queue the dataset.failing notice: %s",
			    k->d->name, strerror(-r));
	}
	buf_free(&data);
}

/* The downloaded file: verify, compare, ingest.  Returns 0 or -errno. */
static int take_download(struct check *k, const struct fetch_result *f)
{
	struct store *s = k->s;
	const struct config *c = k->c;
	const struct config_dataset *d = k->d;
	int64_t dataset_id = k->dataset_id;
	struct check_result *ret = k->ret;
	struct ingest_options o = {
		.source = d->url,
		.etag = f->validators.etag,
		.last_modified = f->validators.last_modified,
		.file = c->fetch.keep_releases ? f->path : NULL,
		.work_dir = c->state_dir,
		.max_decoded = d->max_decoded,
		.max_entries = d->max_entries,
		.max_bad_share = d->max_bad_share,
		.now = (int64_t)time(NULL),
		.on_release = record_events,
		.userdata = k,
	};
	struct store_release latest;
	int r;

	if (d->sha256 && strcmp(d->sha256, f->sha256) != 0) {
		snprintf(ret->error, sizeof(ret->error),
			 "sha256 mismatch: the dataset pins %s, the download "
			 "is %s",
			 d->sha256, f->sha256);
		drop_download(s, f->path);
		return -EBADMSG;
	}
	r = store_release_latest(s, dataset_id, &latest);
	if (r < 0)
		return r;
	if (r == 1 && strcmp(latest.sha256, f->sha256) == 0) {
		ret->ingest.unchanged = true;
		ret->ingest.release = latest;
		drop_download(s, f->path);
		return 0;
	}
	r = ingest_file(s, d, dataset_id, f->path, &o, &ret->ingest);
	if (r < 0) {
		snprintf(ret->error, sizeof(ret->error), "%.500s",
			 ret->ingest.error);
		drop_download(s, f->path);
		return r;
	}
	if (ret->ingest.unchanged || !o.file)
		drop_download(s, f->path);
	if (!ret->ingest.unchanged)
		prune_files(s, d, dataset_id, c->fetch.keep_releases);
	return 0;
}

static int fetch_and_take(struct check *k)
{
	struct store *s = k->s;
	const struct config_dataset *d = k->d;
	int64_t dataset_id = k->dataset_id;
	struct check_result *ret = k->ret;
	struct store_validators last;
	struct fetch_request rq = {d, &k->c->fetch, k->c->cache_dir, &last};
	const struct fetch_result *f;
	struct fetch *fetch = NULL;
	int r;

	r = store_validators_get(s, dataset_id, &last);
	if (r < 0)
		return r;
	r = fetch_new(&rq, &fetch);
	if (r >= 0)
		r = fetch_run(fetch);
	f = fetch_result(fetch);
	ret->http_status = f->http_status;
	ret->bytes = f->bytes;
	ret->resumed_at = f->resumed_at;
	ret->retry_after = f->retry_after;
	if (r < 0)
		snprintf(ret->error, sizeof(ret->error), "%s", f->error);
	else if (f->not_modified)
		ret->ingest.unchanged = true;
	else
		r = take_download(k, f);
	if (r >= 0 && (ret->ingest.unchanged || f->validators.url[0]))
		(void)store_validators_set(s, dataset_id, &f->validators);
	fetch_free(fetch);
	return r;
}

const char *check_failures_words(const struct check_result *res, char *buf,
				 size_t size)
{
	if (res->failures > 0)
		snprintf(buf, size, "%d failure%s in a row", res->failures,
			 res->failures == 1 ? "" : "s");
	else
		snprintf(buf, size, "the database could not record it");
	return buf;
}

int check_dataset(struct store *s, const struct config *c,
		  const struct watchset *ws, const struct config_dataset *d,
		  int64_t dataset_id, struct check_result *ret)
{
	struct check k = {s, c, ws, d, dataset_id, ret};
	struct store_run run = {0};
	int r, failures;

	*ret = (struct check_result){.outcome = STORE_OUTCOME_FAILED};
	r = store_run_begin(s, dataset_id, (int64_t)time(NULL), &run.id);
	if (r >= 0)
		r = fetch_and_take(&k);
	/* Nothing new: watches that have not met the dataset get their
	 * baseline against its newest release. */
	if (r >= 0 && ret->ingest.unchanged)
		r = events_for_new_watches(s, c, ws, d, dataset_id,
					   &ret->events);
	if (r < 0 && !ret->error[0])
		snprintf(ret->error, sizeof(ret->error), "%s", strerror(-r));
	if (r >= 0)
		ret->outcome = ret->ingest.unchanged
				       ? STORE_OUTCOME_UNCHANGED
				       : STORE_OUTCOME_NEW_RELEASE;
	else if (stop_requested())
		ret->outcome = STORE_OUTCOME_STOPPED;
	run.ended = (int64_t)time(NULL);
	run.outcome = ret->outcome;
	run.http_status = ret->http_status;
	run.bytes = (int64_t)ret->bytes;
	snprintf(run.error, sizeof(run.error), "%s", r < 0 ? ret->error : "");
	if (run.id && store_run_end(s, &run) < 0)
		log_warning("%s: cannot record the check in the database",
			    d->name);
	failures = store_dataset_failures(s, dataset_id);
	ret->failures = failures > 0 ? failures : 0;
	if (r < 0 && run.id && ret->outcome == STORE_OUTCOME_FAILED)
		notice_failing(&k, &run, failures);
	return r;
}
