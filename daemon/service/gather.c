/*
 * gather.c: listing, fetching and landing a release of several files
 * (gather.h).
 *
 * The newest release's files are read first: a listed file whose SHA-256
 * is one of theirs, with its key list on disk, is taken as it is; any
 * other file is fetched with the validators its URL had, and a 304 takes
 * the newest release's file of that URL.  Each file downloads to its own
 * partial file (NAME~DIGEST.part), so that an interrupted check resumes
 * each where it stopped.  A key list found missing while landing costs
 * one more pass that fetches every file.
 */
#include "service/gather.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "fetch/source.h"
#include "lib/hashid.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/redact.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "store/store_index.h"

struct gather {
	const struct land_job *job;
	struct gather_result *ret;
	struct source_listing listing;
	struct store_release latest; /* the newest release, if has_latest */
	bool has_latest;
	struct store_release_file *prev; /* owned: the newest release's files */
	size_t n_prev;
	struct ingest_file *files; /* owned, one per listed file */
	char (*downloaded)[1024];  /* owned: per file, what this check put
				    * in the cache, or "" */
	char keys_dir[PATH_MAX];
	/* The MD5 of the file this check downloaded last, or "": a release
	 * of one file is checked against the dataset's md5 pin. */
	char md5[33];
};

void gather_url_digest(const char *url, char *out, size_t size)
{
	char id[HASHID_LEN + 1];

	hashid_of(id, &url, 1);
	snprintf(out, size, "url:%s", id);
}

static int collect_prev(void *userdata, const struct store_release_file *f)
{
	struct gather *g = userdata;

	if ((g->n_prev & (g->n_prev - 1)) == 0)
		g->prev = xreallocarray(g->prev, g->n_prev ? 2 * g->n_prev : 1,
					sizeof(*g->prev));
	g->prev[g->n_prev++] = *f;
	return 0;
}

/* Is the key list of content sha256 on disk? */
static bool has_key_list(const struct gather *g, const char *sha256)
{
	char path[PATH_MAX];

	ingest_keys_path(g->keys_dir, sha256, path, sizeof(path));
	return access(path, R_OK) == 0;
}

/* The newest release's file with content sha256, or with URL digest url,
 * whose key list is on disk; or NULL. */
static const struct store_release_file *
prev_file(const struct gather *g, const char *sha256, const char *url)
{
	size_t i;

	for (i = 0; i < g->n_prev; i++) {
		const struct store_release_file *p = &g->prev[i];

		if (sha256 ? strcmp(p->sha256, sha256) != 0
			   : strcmp(p->url, url) != 0)
			continue;
		if (has_key_list(g, p->sha256))
			return p;
	}
	return NULL;
}

/* Takes the newest release's file p for file f: not read again. */
static void take_prev(struct ingest_file *f, const struct store_release_file *p)
{
	f->path = NULL;
	snprintf(f->row.sha256, sizeof(f->row.sha256), "%s", p->sha256);
	f->row.size = p->size;
	snprintf(f->row.etag, sizeof(f->row.etag), "%s", p->etag);
	snprintf(f->row.last_modified, sizeof(f->row.last_modified), "%s",
		 p->last_modified);
	snprintf(f->row.file, sizeof(f->row.file), "%s", p->file);
	snprintf(f->row.md5, sizeof(f->row.md5), "%s", p->md5);
}

/* The file's name as shown in messages: escaped, for it came from a
 * server. */
static const char *shown_name(const struct source_file *sf, char *buf,
			      size_t size)
{
	text_escape_to(buf, size, sf->name);
	return buf;
}

/* Downloads listed file i (with prev's validators, if any); one whose
 * content the newest release has is taken from it unless force_parse. */
static int fetch_one(struct gather *g, size_t i,
		     const struct store_release_file *prev, bool force_parse)
{
	const struct store_release_file *same;
	const struct land_job *job = g->job;
	const struct config_dataset *d = job->d;
	const struct source_file *sf = &g->listing.files[i];
	struct ingest_file *f = &g->files[i];
	struct store_validators last = {0};
	char part[CONFIG_NAME_MAX + 24], id[HASHID_LEN + 1], name[256];
	struct fetch_request rq = {
		.dataset = d,
		.options = &job->c->fetch,
		.cache_dir = job->c->cache_dir,
		.last = prev ? &last : NULL,
		.url = sf->url,
		/* urls: each listed URL is the user's; a hub's files go to
		 * hosts its token is not for. */
		.auth_url =
			d->source.kind == CONFIG_SOURCE_URLS ? sf->url : d->url,
		.part_name = part,
		.refuse_html = sf->refuse_html,
	};
	const char *url = sf->url;
	const struct fetch_result *res;
	struct fetch *fetch = NULL;
	char error[STORE_ERROR_MAX];
	int r;

	hashid_of(id, &url, 1);
	snprintf(part, sizeof(part), "%s~%.16s", d->name, id);
	if (prev) {
		snprintf(last.url, sizeof(last.url), "%s", sf->url);
		snprintf(last.etag, sizeof(last.etag), "%s", prev->etag);
		snprintf(last.last_modified, sizeof(last.last_modified), "%s",
			 prev->last_modified);
	}
	r = fetch_new(&rq, &fetch);
	if (r >= 0)
		r = fetch_run(fetch);
	res = fetch_result(fetch);
	g->ret->http_status = res->http_status;
	g->ret->bytes += res->bytes;
	g->ret->resumed_at += res->resumed_at;
	if (res->retry_after)
		g->ret->retry_after = res->retry_after;
	if (r >= 0 && !res->not_modified)
		snprintf(g->md5, sizeof(g->md5), "%s", res->md5);
	if (r < 0) {
		unsigned wait = source_page_wait(d, res->page_title);

		redact_text(res->error, error, sizeof(error));
		snprintf(g->ret->error, sizeof(g->ret->error),
			 "file '%s': %.300s",
			 shown_name(sf, name, sizeof(name)), error);
		/* A host's page that says "later" (Drive's quota) is a wait,
		 * not a broken file. */
		if (wait) {
			g->ret->retry_after = MAX(g->ret->retry_after, wait);
			r = -EAGAIN;
		}
	} else if (res->not_modified) {
		take_prev(f, prev);
	} else if (sf->sha256[0] && strcmp(sf->sha256, res->sha256) != 0) {
		snprintf(g->ret->error, sizeof(g->ret->error),
			 "file '%s': the download's SHA-256 is %s, the source "
			 "lists %s",
			 shown_name(sf, name, sizeof(name)), res->sha256,
			 sf->sha256);
		(void)unlink(res->path);
		r = -EBADMSG;
	} else if (!force_parse && (same = prev_file(g, res->sha256, NULL))) {
		/* A server without validators sent a file the newest release
		 * has: not parsed again. */
		if (store_file_kept(job->s, res->path) == 0)
			(void)unlink(res->path);
		take_prev(f, same);
		if (res->md5[0])
			snprintf(f->row.md5, sizeof(f->row.md5), "%s",
				 res->md5);
		g->ret->fetched++;
	} else {
		snprintf(g->downloaded[i], sizeof(g->downloaded[i]), "%s",
			 res->path);
		f->path = g->downloaded[i];
		snprintf(f->row.sha256, sizeof(f->row.sha256), "%s",
			 res->sha256);
		f->row.size = (int64_t)res->size;
		snprintf(f->row.etag, sizeof(f->row.etag), "%s",
			 res->validators.etag);
		snprintf(f->row.last_modified, sizeof(f->row.last_modified),
			 "%s", res->validators.last_modified);
		snprintf(f->row.md5, sizeof(f->row.md5), "%s", res->md5);
		g->ret->fetched++;
		g->ret->parsed++;
	}
	fetch_free(fetch);
	return r;
}

/* Readies listed file i: taken from the newest release, found complete in
 * the cache, or fetched.  force: fetch it whatever the newest release
 * has. */
static int ready_one(struct gather *g, size_t i, bool force)
{
	const struct land_job *job = g->job;
	const struct source_file *sf = &g->listing.files[i];
	struct ingest_file *f = &g->files[i];
	const struct store_release_file *p = NULL;

	*f = (struct ingest_file){0};
	snprintf(f->row.name, sizeof(f->row.name), "%s", sf->name);
	gather_url_digest(sf->url, f->row.url, sizeof(f->row.url));
	if (!force && sf->sha256[0]) {
		char cached[1024];

		p = prev_file(g, sf->sha256, NULL);
		if (p) {
			take_prev(f, p);
			return 0;
		}
		/* Completed by a check that failed later. */
		snprintf(cached, sizeof(cached), "%s/%s/%s", job->c->cache_dir,
			 job->d->name, sf->sha256);
		if (access(cached, R_OK) == 0) {
			snprintf(g->downloaded[i], sizeof(g->downloaded[i]),
				 "%s", cached);
			f->path = g->downloaded[i];
			snprintf(f->row.sha256, sizeof(f->row.sha256), "%s",
				 sf->sha256);
			f->row.size = sf->size;
			g->ret->parsed++;
			return 0;
		}
	}
	p = force ? NULL : prev_file(g, NULL, f->row.url);
	return fetch_one(g, i, p, force);
}

/* Deletes what this check put in the cache and no release keeps; when
 * keep_listed, a complete file whose SHA-256 the source lists stays, for
 * the next check to find. */
static void drop_downloads(struct gather *g, bool keep_listed)
{
	size_t i;

	for (i = 0; i < g->listing.n_files; i++) {
		const char *path = g->downloaded[i];

		if (!path[0] || (keep_listed && g->listing.files[i].sha256[0]))
			continue;
		if (store_file_kept(g->job->s, path) == 0)
			(void)unlink(path);
		g->downloaded[i][0] = '\0';
	}
}

/* After a release landed: deletes the complete downloads in CACHE/NAME/
 * that no release keeps -- those a failed check left for the next to find
 * and that it did not need -- unless younger than an hour (another check
 * of the dataset may be about to land one). */
static void sweep_cache(const struct gather *g)
{
	const struct land_job *job = g->job;
	char dir[PATH_MAX], path[PATH_MAX + 256];
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;
	DIR *dh;

	snprintf(dir, sizeof(dir), "%s/%s", job->c->cache_dir, job->d->name);
	dh = opendir(dir);
	if (!dh)
		return;
	while ((de = readdir(dh))) {
		if (strlen(de->d_name) != 64 ||
		    strspn(de->d_name, "0123456789abcdef") != 64)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
			    0 ||
		    !S_ISREG(st.st_mode) || now - st.st_mtime < 3600)
			continue;
		if (store_file_kept(job->s, path) == 0)
			(void)unlinkat(dirfd(dh), de->d_name, 0);
	}
	closedir(dh);
}

/* What the dataset's listing validator belongs to: its url and what it
 * lists there (files, revision), so that a changed configuration lists
 * again rather than take the newest release for the answer. */
static void listing_key(const struct config_dataset *d, char *out, size_t size)
{
	const char *parts[] = {
		d->url,
		d->source.files ? d->source.files : "",
		d->source.revision ? d->source.revision : "",
	};
	char id[HASHID_LEN + 1];

	hashid_of(id, parts, ELEMENTSOF(parts));
	snprintf(out, size, "list:%s", id);
}

static int list_files(struct gather *g)
{
	const struct land_job *job = g->job;
	struct store_validators v = {0};
	char digest[64];
	struct source_request rq = {
		.dataset = job->d,
		.options = &job->c->fetch,
	};
	int r;

	r = store_release_latest(job->s, job->dataset_id, &g->latest);
	if (r < 0)
		return r;
	g->has_latest = r > 0;
	if (g->has_latest) {
		r = store_release_files_each(job->s, g->latest.id, collect_prev,
					     g);
		if (r < 0)
			return r;
	}
	/* The listing's validator and the newest release's revision (or
	 * its one file's MD5), while the configuration lists what it listed
	 * then. */
	listing_key(job->d, digest, sizeof(digest));
	if (g->has_latest &&
	    store_validators_get(job->s, job->dataset_id, &v) >= 0 &&
	    strcmp(v.url, digest) == 0) {
		if (g->latest.revision[0])
			rq.last_revision = g->latest.revision;
		if (g->latest.revision[0] && v.etag[0])
			rq.last_etag = v.etag;
		if (g->n_prev == 1 && g->prev[0].md5[0]) {
			rq.last_md5 = g->prev[0].md5;
			rq.last_size = g->prev[0].size;
		}
	}
	r = source_list(&rq, &g->listing);
	g->ret->http_status = g->listing.http_status;
	g->ret->retry_after = g->listing.retry_after;
	if (r < 0)
		redact_text(g->listing.error, g->ret->error,
			    sizeof(g->ret->error));
	return r;
}

/* The release is unchanged, and this check downloaded its one file: the
 * newest release's row of it learns the download's MD5 if it had none (a
 * database of before the column, or a file downloaded before its source
 * gave one), so that the next check can ask Drive's files API. */
static void learn_md5(const struct gather *g)
{
	int r;

	if (g->listing.n_files != 1 || !g->md5[0] || g->n_prev != 1 ||
	    g->prev[0].md5[0] ||
	    strcmp(g->files[0].row.sha256, g->prev[0].sha256) != 0)
		return;
	r = store_release_file_set_md5(g->job->s, g->prev[0].id, g->md5);
	if (r < 0)
		log_warning("%s: cannot record the release file's MD5 (%s), "
			    "ignoring: the next check downloads it again",
			    g->job->d->name, strerror(-r));
}

/* Fetches what is needed and lands the release; force as ready_one(). */
static int fetch_and_land_files(struct gather *g, bool force)
{
	const struct land_job *job = g->job;
	_cleanup_free_ char *source = redact_url_new(job->d->url);
	struct land_files_info info = {
		.source = source,
		.revision = g->listing.revision[0] ? g->listing.revision : NULL,
	};
	bool keep = job->c->fetch.keep_releases > 0;
	size_t i;
	int r = 0;

	for (i = 0; i < g->listing.n_files && r >= 0; i++)
		r = ready_one(g, i, force);
	if (r < 0) {
		drop_downloads(g, true);
		return r;
	}
	for (i = 0; i < g->listing.n_files; i++)
		if (g->files[i].path)
			snprintf(g->files[i].row.file,
				 sizeof(g->files[i].row.file), "%s",
				 keep ? g->files[i].path : "");
	if (g->listing.n_files == 1 && g->md5[0])
		info.md5 = g->md5;
	r = land_release_files(job, g->files, g->listing.n_files, &info,
			       (int64_t)time(NULL), &g->ret->land);
	if (r >= 0 && g->ret->land.ingest.unchanged)
		learn_md5(g);
	if (r >= 0 && !g->ret->land.ingest.unchanged) {
		ingest_keys_prune(g->keys_dir, g->files, g->listing.n_files);
		sweep_cache(g);
	}
	if (r < 0 || g->ret->land.ingest.unchanged || !keep)
		drop_downloads(g, false);
	if (r < 0 && r != -ESTALE)
		snprintf(g->ret->error, sizeof(g->ret->error), "%s",
			 g->ret->land.error);
	return r;
}

int gather_and_land(const struct land_job *job, struct gather_result *ret)
{
	struct gather g = {.job = job, .ret = ret};
	int r;

	*ret = (struct gather_result){0};
	ingest_keys_dir(job->c->state_dir, job->dataset_id, job->d, g.keys_dir,
			sizeof(g.keys_dir));
	r = list_files(&g);
	if (r >= 0 && g.listing.not_modified) {
		ret->land.ingest.release = g.latest;
		r = land_nothing_new(job, &ret->land);
		if (r < 0)
			snprintf(ret->error, sizeof(ret->error), "%s",
				 ret->land.error);
		goto out;
	}
	if (r < 0)
		goto out;
	ret->files = (unsigned)g.listing.n_files;
	g.files = xcalloc(g.listing.n_files ? g.listing.n_files : 1,
			  sizeof(*g.files));
	g.downloaded = xcalloc(g.listing.n_files ? g.listing.n_files : 1,
			       sizeof(*g.downloaded));
	r = fetch_and_land_files(&g, false);
	if (r == -ESTALE) {
		log_info("%s: %s", job->d->name, ret->land.error);
		ret->fetched = ret->parsed = 0;
		r = fetch_and_land_files(&g, true);
	}
	if (r >= 0 && !g.listing.not_modified) {
		struct store_validators kept = {0};

		listing_key(job->d, kept.url, sizeof(kept.url));
		snprintf(kept.etag, sizeof(kept.etag), "%s", g.listing.etag);
		(void)store_validators_set(job->s, job->dataset_id, &kept);
	}
out:
	if (r < 0 && !ret->error[0])
		snprintf(ret->error, sizeof(ret->error), "%s", strerror(-r));
	source_listing_free(&g.listing);
	free(g.prev);
	free(g.files);
	free(g.downloaded);
	return r;
}
