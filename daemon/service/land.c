/*
 * land.c: landing a release (land.h).
 */
#include "service/land.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert/route.h"
#include "fetch/decode.h"
#include "lib/buf.h"
#include "lib/log.h"
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
static void prune_files(const struct land_job *job, uint64_t keep)
{
	struct prune_list l = {NULL, 0};
	size_t i;
	int r;

	r = store_release_files_beyond(job->s, job->dataset_id, keep,
				       collect_pruned, &l);
	for (i = 0; i < l.n; i++) {
		if (r >= 0)
			r = store_release_forget_file(job->s, l.v[i].release_id,
						      l.v[i].file);
		if (r == 0 && unlink(l.v[i].file) < 0 && errno != ENOENT)
			log_warning("%s: cannot delete old release file '%s': "
				    "%m",
				    job->d->name, l.v[i].file);
		free(l.v[i].file);
	}
	if (r < 0)
		log_warning("%s: cannot prune old release files: %s",
			    job->d->name, strerror(-r));
	free(l.v);
}

/* Deletes a file in the cache that no release keeps. */
static void drop_file(struct store *s, const char *path)
{
	if (store_file_kept(s, path) == 0)
		(void)unlink(path);
}

/* The operator's dataset.release notice, in the release's transaction. */
static int notice_release(const struct land_job *job,
			  const struct store_release *rel, unsigned events)
{
	char key[256];
	struct buf data;
	int r;

	buf_init(&data, 1 << 16);
	(void)buf_puts(&data, "\"dataset\":");
	(void)text_json_string(&data, job->d->name);
	(void)buf_printf(&data,
			 ",\"release\":%lld,\"sha256\":\"%s\",\"entries\":%lld,"
			 "\"added\":%lld,\"removed\":%lld,\"reincluded\":%lld,"
			 "\"events\":%u",
			 (long long)rel->seq, rel->sha256,
			 (long long)rel->entries, (long long)rel->added,
			 (long long)rel->removed, (long long)rel->reincluded,
			 events);
	(void)buf_putc(&data, '\0');
	snprintf(key, sizeof(key), "%s/%lld", job->d->name,
		 (long long)rel->seq);
	r = route_notice(job->s, job->c, "dataset.release", key, data.data,
			 rel->ingested);
	buf_free(&data);
	return r;
}

/* The new release and what it causes, in one transaction. */
static int write_release(const struct land_job *job, struct ingest *in,
			 struct land_result *ret)
{
	const struct store_release *rel = &ret->ingest.release;
	int r;

	r = ingest_write(in);
	if (r < 0)
		return r;
	r = events_for_release(job->s, job->c, job->ws, job->d, job->dataset_id,
			       rel, &ret->events);
	if (r >= 0 && ret->events.changes_met != EVENTS_CHANGES_NONE)
		log_debug("%s: the changes met %zu watched subjects %s",
			  job->d->name, ret->events.subjects,
			  ret->events.changes_met == EVENTS_CHANGES_QUERY
				  ? "through the indexes"
				  : "in a pass over every change");
	if (r >= 0)
		r = notice_release(job, rel, ret->events.events);
	if (r >= 0)
		r = ingest_commit(in);
	else
		ingest_abort(in);
	return r;
}

/* After ingest_prepare(): the release written unless it is unchanged, the
 * error said, the ingest freed, old files pruned.  Returns r, or the
 * write's error. */
static int finish(const struct land_job *job, struct ingest *in, int r,
		  struct land_result *ret)
{
	if (r >= 0 && !ret->ingest.unchanged)
		r = write_release(job, in, ret);
	if (r < 0 && !ret->error[0])
		snprintf(ret->error, sizeof(ret->error), "%.500s",
			 ret->ingest.error[0] ? ret->ingest.error
					      : strerror(-r));
	ingest_free(in);
	if (r >= 0 && !ret->ingest.unchanged)
		prune_files(job, job->c->fetch.keep_releases);
	return r;
}

/* The dataset's sha256 and md5 pins, if it has them, against the file's
 * hashes (md5 NULL: not known, as of a file this check did not download,
 * and not checked).  Returns 0 or -EBADMSG. */
static int check_pin(const struct config_dataset *d, const char *sha256,
		     const char *md5, struct land_result *ret)
{
	if (d->sha256 && strcmp(d->sha256, sha256) != 0) {
		snprintf(ret->error, sizeof(ret->error),
			 "sha256 mismatch: the dataset pins %s, the download "
			 "is %s",
			 d->sha256, sha256);
		return -EBADMSG;
	}
	if (d->md5 && md5 && strcmp(d->md5, md5) != 0) {
		snprintf(ret->error, sizeof(ret->error),
			 "md5 mismatch: the dataset pins %s, the download is "
			 "%s",
			 d->md5, md5);
		return -EBADMSG;
	}
	return 0;
}

/* Is content sha256 the newest release's?  Returns 1, 0, or -errno. */
static int same_as_latest(const struct land_job *job, const char *sha256,
			  struct land_result *ret)
{
	struct store_release latest;
	int r;

	r = store_release_latest(job->s, job->dataset_id, &latest);
	if (r <= 0 || strcmp(latest.sha256, sha256) != 0)
		return r < 0 ? r : 0;
	ret->ingest.unchanged = true;
	ret->ingest.release = latest;
	return 1;
}

static int land_files(const struct land_job *job, struct ingest_file *files,
		      size_t n, const struct land_files_info *info, int64_t now,
		      struct land_result *ret);

/* An archive whose member glob matches several members (names, quoted
 * here in place): each member is a file of the release, named as in the
 * archive; the release's SHA-256 is the archive's. */
static int land_members(const struct land_job *job, const struct land_file *f,
			char **names, size_t n, int64_t now,
			struct land_result *ret)
{
	bool keep = job->c->fetch.keep_releases > 0 && f->in_cache;
	struct ingest_file *files = xcalloc(n, sizeof(*files));
	struct land_files_info info = {.source = f->source,
				       .sha256 = f->sha256,
				       .file = keep ? f->path : NULL};
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		char *quoted = decode_member_glob(names[i]);

		files[i].path = f->path;
		snprintf(files[i].row.name, sizeof(files[i].row.name), "%s",
			 names[i]);
		free(names[i]);
		files[i].member = names[i] = quoted;
		snprintf(files[i].row.url, sizeof(files[i].row.url), "member");
		snprintf(files[i].row.etag, sizeof(files[i].row.etag), "%s",
			 f->etag ? f->etag : "");
		snprintf(files[i].row.last_modified,
			 sizeof(files[i].row.last_modified), "%s",
			 f->last_modified ? f->last_modified : "");
	}
	r = land_files(job, files, n, &info, now, ret);
	free(files);
	return r;
}

/* The members of the archive at path matching the dataset's member glob,
 * when there are several: 1 with them in *names, 0 when there are not
 * (one, none, or not an archive: read as before), or -errno. */
static int several_members(const struct land_job *job, const char *path,
			   char ***names, size_t *n, struct land_result *ret)
{
	const char *glob = job->d->member;
	int r;

	*names = NULL;
	*n = 0;
	if (!glob || !strpbrk(glob, "*?["))
		return 0;
	r = decode_members(path, glob, names, n);
	if (r == -EFBIG) {
		snprintf(ret->error, sizeof(ret->error),
			 "the archive has more than %d members matching '%s'",
			 DECODE_MAX_MEMBERS, glob);
		return r;
	}
	/* A broken archive is read as one file: the decoder says where. */
	if (r < 0)
		return 0;
	if (*n > 1)
		return 1;
	while (*n > 0)
		free((*names)[--*n]);
	free(*names);
	*names = NULL;
	return 0;
}

static int land(const struct land_job *job, const struct land_file *f,
		int64_t now, struct land_result *ret)
{
	bool keep = job->c->fetch.keep_releases > 0;
	const struct config_dataset *d = job->d;
	struct ingest_options o = {
		.source = f->source,
		.etag = f->etag,
		.last_modified = f->last_modified,
		.file = keep && f->in_cache ? f->path : NULL,
		.work_dir = job->c->state_dir,
		.max_decoded = d->max_decoded,
		.max_entries = d->max_entries,
		.max_bad_share = d->max_bad_share,
		.now = now,
	};
	struct ingest *in = NULL;
	char **names;
	size_t n;
	int r;

	if (f->sha256) {
		r = check_pin(d, f->sha256, f->md5, ret);
		if (r == 0)
			r = same_as_latest(job, f->sha256, ret);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	/* Several members need the archive's SHA-256 first (a download's). */
	r = f->sha256 ? several_members(job, f->path, &names, &n, ret) : 0;
	if (r != 0) {
		if (r > 0)
			r = land_members(job, f, names, n, now, ret);
		while (n > 0)
			free(names[--n]);
		free(names);
		return r;
	}
	r = ingest_prepare(job->s, d, job->dataset_id, f->path, &o,
			   &ret->ingest, &in);
	if (r >= 0 && !f->sha256)
		r = check_pin(d, ret->ingest.release.sha256, f->md5, ret);
	return finish(job, in, r, ret);
}

int land_release(const struct land_job *job, const struct land_file *f,
		 int64_t now, struct land_result *ret)
{
	int r;

	*ret = (struct land_result){0};
	r = land(job, f, now, ret);
	if (f->in_cache &&
	    (r < 0 || ret->ingest.unchanged || !job->c->fetch.keep_releases))
		drop_file(job->s, f->path);
	if (r >= 0 && ret->ingest.unchanged)
		r = land_nothing_new(job, ret);
	return r;
}

/* land_release_files() but for the baselines of an unchanged release. */
static int land_files(const struct land_job *job, struct ingest_file *files,
		      size_t n, const struct land_files_info *info, int64_t now,
		      struct land_result *ret)
{
	const struct config_dataset *d = job->d;
	char keys_dir[PATH_MAX];
	struct ingest_options o = {
		.source = info->source,
		.revision = info->revision,
		.sha256 = info->sha256,
		.file = info->file,
		.keys_dir = keys_dir,
		.work_dir = job->c->state_dir,
		.max_decoded = d->max_decoded,
		.max_entries = d->max_entries,
		.max_bad_share = d->max_bad_share,
		.now = now,
	};
	struct ingest *in = NULL;
	int r = 0;

	ingest_keys_dir(job->c->state_dir, job->dataset_id, d, keys_dir,
			sizeof(keys_dir));
	/* A pin is of one file (config_checks.c allows it only then). */
	if (n == 1 && files[0].row.sha256[0])
		r = check_pin(d, files[0].row.sha256, info->md5, ret);
	if (r >= 0)
		r = ingest_prepare_files(job->s, d, job->dataset_id, files, n,
					 &o, &ret->ingest, &in);
	return finish(job, in, r, ret);
}

int land_release_files(const struct land_job *job, struct ingest_file *files,
		       size_t n, const struct land_files_info *info,
		       int64_t now, struct land_result *ret)
{
	int r;

	*ret = (struct land_result){0};
	r = land_files(job, files, n, info, now, ret);
	if (r >= 0 && ret->ingest.unchanged)
		r = land_nothing_new(job, ret);
	return r;
}

int land_nothing_new(const struct land_job *job, struct land_result *ret)
{
	int r;

	ret->ingest.unchanged = true;
	r = events_for_new_watches(job->s, job->c, job->ws, job->d,
				   job->dataset_id, &ret->events);
	if (r < 0 && !ret->error[0])
		snprintf(ret->error, sizeof(ret->error), "%s", strerror(-r));
	return r;
}
