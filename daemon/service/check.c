/*
 * check.c: one check of one dataset (check.h).
 */
#include "service/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert/route.h"
#include "fetch/fetch.h"
#include "lib/buf.h"
#include "lib/hashid.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/redact.h"
#include "lib/stop.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "service/gather.h"
#include "store/store_index.h"

/* Tells the operator once per run of failures, when it reaches
 * operator.failing_after. */
static void notice_failing(const struct land_job *job,
			   const struct store_run *run, int failures)
{
	const struct config_dataset *d = job->d;
	_cleanup_free_ char *url = NULL;
	char key[256];
	struct buf data;
	int r;

	if ((uint64_t)failures != job->c->operator.failing_after)
		return;
	buf_init(&data, 1 << 16);
	(void)buf_puts(&data, "\"dataset\":");
	(void)text_json_string(&data, d->name);
	(void)buf_puts(&data, ",\"url\":");
	url = redact_url_new(d->url);
	(void)text_json_string(&data, url);
	(void)buf_printf(&data, ",\"failures\":%d,\"error\":", failures);
	(void)text_json_string(&data, run->error);
	(void)buf_putc(&data, '\0');
	snprintf(key, sizeof(key), "%s/%lld", d->name, (long long)run->id);
	r = store_begin(job->s);
	if (r == 0)
		r = route_notice(job->s, job->c, "dataset.failing", key,
				 data.data, run->ended);
	if (r == 0)
		r = store_commit(job->s);
	if (r < 0) {
		store_rollback(job->s);
		log_warning("%s: cannot queue the dataset.failing notice: %s",
			    d->name, strerror(-r));
	}
	buf_free(&data);
}

/*
 * Whether a file landed in place is hashed before it is parsed: for its
 * MD5 (a pin, or Drive); for an archive whose member glob may match
 * several members (a release of several files needs its SHA-256 first);
 * or when it is as large as the newest release, which it may well be
 * again (identical content then costs a read, not a parse).  Else the
 * decoder hashes it as it is parsed, on its second thread, and the pins
 * and the newest release's content are checked after the parse, before
 * anything is written: a new release costs one read of the file, not two.
 * Returns 1, 0, or -errno.
 */
static int hash_first(const struct land_job *job, const struct stat *st)
{
	const struct config_dataset *d = job->d;
	struct store_release latest;
	int r;

	if (fetch_needs_md5(d) || (d->member && strpbrk(d->member, "*?[")))
		return 1;
	r = store_release_latest(job->s, job->dataset_id, &latest);
	return r <= 0 ? r : latest.size == (int64_t)st->st_size;
}

/* Lands file, a local file given by hand, where it is, never copied.
 * Returns 0 or -errno (ret->error says why). */
static int land_in_place(const struct land_job *job, const char *file,
			 struct check_result *ret)
{
	struct fetch_result *f = xcalloc(1, sizeof(*f));
	struct land_file lf = {.path = file, .in_cache = false, .source = file};
	struct stat st;
	int r;

	r = stat(file, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : 0;
	if (r < 0)
		snprintf(f->error, sizeof(f->error), "cannot read '%s': %s",
			 file, strerror(-r));
	else {
		f->size = (uint64_t)st.st_size;
		r = hash_first(job, &st);
	}
	if (r > 0) {
		r = fetch_hash_local(job->d, file, f);
		lf.path = f->path;
		lf.sha256 = f->sha256;
		lf.md5 = f->md5[0] ? f->md5 : NULL;
	}
	ret->bytes = f->size;
	if (r < 0) {
		if (f->error[0])
			snprintf(ret->error, sizeof(ret->error), "%s",
				 f->error);
	} else {
		r = land_release(job, &lf, (int64_t)time(NULL), &ret->land);
		if (r < 0 && !ret->error[0])
			snprintf(ret->error, sizeof(ret->error), "%s",
				 ret->land.error);
	}
	free(f);
	return r;
}

/* Downloads the dataset's release file (or takes file, a local file given
 * by hand, into the cache the same way) and lands it.  Returns 0 or -errno
 * (ret->error says why). */
static int fetch_and_land(const struct land_job *job, const char *file,
			  struct check_result *ret)
{
	struct store_validators last;
	struct fetch_request rq = {job->d,
				   &job->c->fetch,
				   job->c->cache_dir,
				   file ? NULL : &last,
				   NULL,
				   NULL,
				   NULL,
				   false};
	_cleanup_free_ char *file_url = NULL;
	char source[sizeof(((struct store_release *)NULL)->source)];
	const struct fetch_result *f;
	struct fetch *fetch = NULL;
	int r;

	r = file ? fetch_file_url(file, &file_url)
		 : store_validators_get(job->s, job->dataset_id, &last);
	if (r < 0)
		return r;
	if (!file) {
		char digest[64];

		/* The validators are the configured URL's while its digest is
		 * the one kept with them. */
		gather_url_digest(job->d->url, digest, sizeof(digest));
		if (strcmp(last.url, digest) == 0)
			snprintf(last.url, sizeof(last.url), "%s", job->d->url);
	}
	rq.url = file_url;
	r = fetch_new(&rq, &fetch);
	if (r >= 0)
		r = fetch_run(fetch);
	f = fetch_result(fetch);
	ret->http_status = f->http_status;
	ret->bytes = f->bytes;
	ret->resumed_at = f->resumed_at;
	ret->retry_after = f->retry_after;
	/* What is recorded and shown names URLs without their secrets. */
	redact_url(job->d->url, source, sizeof(source));
	if (r < 0) {
		redact_text(f->error, ret->error, sizeof(ret->error));
	} else if (f->not_modified) {
		r = land_nothing_new(job, &ret->land);
	} else {
		struct land_file lf = {
			.path = f->path,
			.in_cache = true,
			.sha256 = f->sha256,
			.md5 = f->md5,
			.source = file ? file : source,
			.etag = f->validators.etag,
			.last_modified = f->validators.last_modified,
		};

		r = land_release(job, &lf, (int64_t)time(NULL), &ret->land);
	}
	if (r < 0 && !ret->error[0])
		snprintf(ret->error, sizeof(ret->error), "%s", ret->land.error);
	/* A file given by hand tells nothing of the dataset's server. */
	if (r >= 0 && !file &&
	    (ret->land.ingest.unchanged || f->validators.url[0])) {
		struct store_validators kept = f->validators;

		if (kept.url[0])
			gather_url_digest(kept.url, kept.url, sizeof(kept.url));
		(void)store_validators_set(job->s, job->dataset_id, &kept);
	}
	fetch_free(fetch);
	return r;
}

/* A check of a source that lists files (gather.h). */
static int gather(const struct land_job *job, struct check_result *ret)
{
	struct gather_result *g = xcalloc(1, sizeof(*g));
	int r;

	r = gather_and_land(job, g);
	ret->http_status = g->http_status;
	ret->bytes = g->bytes;
	ret->resumed_at = g->resumed_at;
	ret->retry_after = g->retry_after;
	ret->files = g->files;
	ret->files_fetched = g->fetched;
	ret->files_parsed = g->parsed;
	ret->land = g->land;
	if (r < 0)
		snprintf(ret->error, sizeof(ret->error), "%s", g->error);
	free(g);
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

/* What a check reads: file (in place, or taken into the cache), the
 * dataset's URL, or the files its source lists. */
static int check_source(const struct land_job *job, const char *file,
			bool in_place, struct check_result *ret)
{
	if (file && in_place)
		return land_in_place(job, file, ret);
	if (!file && job->d->source.kind != CONFIG_SOURCE_URL)
		return gather(job, ret);
	return fetch_and_land(job, file, ret);
}

/* A check: of the dataset's URL, or of file. */
static int check_run(const struct land_job *job, const char *file,
		     bool in_place, struct check_result *ret)
{
	struct store *s = job->s;
	const struct config_dataset *d = job->d;
	int64_t dataset_id = job->dataset_id;
	struct store_run run = {0};
	int r, failures;

	*ret = (struct check_result){.outcome = STORE_OUTCOME_FAILED};
	/* Another writer -- most often the ingest of another dataset, which
	 * holds the database for as long as its release takes -- is waited
	 * for, so that checks queue rather than fail. */
	store_busy_wait(s, CHECK_BUSY_WAIT_MS);
	r = store_run_begin(s, dataset_id, (int64_t)time(NULL), &run.id);
	if (r >= 0)
		r = check_source(job, file, in_place, ret);
	if (r == -EBUSY && !ret->error[0])
		snprintf(
			ret->error, sizeof(ret->error),
			"the database was busy with another writer (an ingest?) "
			"for over %d minutes",
			CHECK_BUSY_WAIT_MS / 60000);
	if (r < 0 && !ret->error[0])
		snprintf(ret->error, sizeof(ret->error), "%s", strerror(-r));
	if (r >= 0)
		ret->outcome = ret->land.ingest.unchanged
				       ? STORE_OUTCOME_UNCHANGED
				       : STORE_OUTCOME_NEW_RELEASE;
	else if (stop_requested())
		ret->outcome = STORE_OUTCOME_STOPPED;
	run.ended = (int64_t)time(NULL);
	run.outcome = ret->outcome;
	run.http_status = ret->http_status;
	run.bytes = (int64_t)ret->bytes;
	run.files = ret->files;
	run.files_fetched = ret->files_fetched;
	run.files_parsed = ret->files_parsed;
	run.retry_after = r < 0 ? ret->retry_after : 0;
	snprintf(run.error, sizeof(run.error), "%s", r < 0 ? ret->error : "");
	if (run.id && store_run_end(s, &run) < 0)
		log_warning("%s: cannot record the check in the database",
			    d->name);
	failures = store_dataset_failures(s, dataset_id);
	ret->failures = failures > 0 ? failures : 0;
	if (r < 0 && run.id && ret->outcome == STORE_OUTCOME_FAILED)
		notice_failing(job, &run, failures);
	return r;
}

int check_dataset(struct store *s, const struct config *c,
		  const struct watchset *ws, const struct config_dataset *d,
		  int64_t dataset_id, struct check_result *ret)
{
	const struct land_job job = {s, c, ws, d, dataset_id};

	return check_run(&job, NULL, false, ret);
}

int check_import(struct store *s, const struct config *c,
		 const struct watchset *ws, const struct config_dataset *d,
		 int64_t dataset_id, const char *path, bool in_place,
		 struct check_result *ret)
{
	const struct land_job job = {s, c, ws, d, dataset_id};

	return check_run(&job, path, in_place, ret);
}
