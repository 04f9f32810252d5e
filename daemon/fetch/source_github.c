/*
 * source_github.c: the github source of source.h -- files at a path of a
 * GitHub repository, whose release is the newest commit touching the
 * path.
 *
 * The commits request asks for that one commit, conditionally: its ETag
 * is kept with the release, and a 304 to If-None-Match is "nothing new"
 * at the cost of a request that, authorised, does not count against the
 * rate limit.  The contents request then lists the path at the commit: a
 * file, or a directory's files (GitHub lists up to 1,000 of them), or,
 * when the path's last part is a glob ("lists/\*.txt"), the directory's
 * files whose names match it.  Each file downloads from the download_url
 * the API gives (raw.githubusercontent.com at the commit).  GitHub gives
 * git blob ids, not SHA-256s: the files' sha256 stays "".  Owns no state
 * beyond one listing; logs nothing.
 */
#include "fetch/source.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fetch/source_api.h"
#include "fetch/source_internal.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/redact.h"

#define GITHUB_SHA_LEN	40
#define GITHUB_URL_MAX	4096
#define GITHUB_PATH_MAX 1024

static const char github_accept[] = "application/vnd.github+json";
static const char github_version[] = "X-GitHub-Api-Version: 2022-11-28";

struct github {
	const struct source_request *rq; /* borrowed from the caller */
	const struct config_source *src; /* borrowed from config */
	struct source_api *api;		 /* owned */
	struct source_listing *ret;	 /* borrowed: being filled */
	/* The path asked about (a glob's directory, "" for the top) and the
	 * glob its files' names match, or NULL. */
	char dir[GITHUB_PATH_MAX];
	const char *glob; /* borrowed from config */
	char sha[GITHUB_SHA_LEN + 1];
	bool authorized;
};

/* The path's directory and glob, when its last part holds one. */
static void split_path(struct github *g)
{
	const char *path = g->src->files, *slash = strrchr(path, '/');
	const char *last = slash ? slash + 1 : path;

	if (!strpbrk(last, "*?[")) {
		snprintf(g->dir, sizeof(g->dir), "%s", path);
		return;
	}
	g->glob = last;
	snprintf(g->dir, sizeof(g->dir), "%.*s",
		 slash ? (int)(slash - path) : 0, path);
}

/* What the path is called in messages. */
static const char *shown_dir(const struct github *g)
{
	return g->dir[0] ? g->dir : "/";
}

/* The answer to a status other than 200 (and 304), in GitHub's terms. */
static int status_fail(const struct github *g, const struct source_api_reply *r)
{
	_cleanup_free_ char *url = redact_url_new(r->url);
	bool limited = r->exhausted || r->has_wait;

	if (r->status == 401 || (r->status == 403 && !limited && g->authorized))
		return source_api_fail(g->ret, -EACCES,
				       "%s: HTTP %ld: the token was refused "
				       "(github.token)",
				       url, r->status);
	if (r->status == 403 && !limited)
		return source_api_fail(g->ret, -EACCES,
				       "%s: HTTP 403: access refused; dataset "
				       "'%s' may need github.token",
				       url, g->rq->dataset->name);
	if (r->status == 404)
		return source_api_fail(g->ret, -ENOENT,
				       "%s: HTTP 404: no repository '%s' (or "
				       "a private one: github.token), or no "
				       "ref '%s' in it",
				       url, g->src->repo,
				       g->src->revision ? g->src->revision
							: "(default branch)");
	return source_api_status_fail(r, g->ret);
}

static int url_fail(const struct github *g)
{
	return source_api_fail(g->ret, -EFBIG, "API URL too long");
}

/* {endpoint}/repos/{repo}/commits?path=DIR&sha=REF&per_page=1 */
static int commits_url(const struct github *g, struct buf *b)
{
	int r = buf_printf(b, "%s/repos/%s/commits?", g->src->endpoint,
			   g->src->repo);

	if (r >= 0 && g->dir[0]) {
		r = buf_puts(b, "path=");
		if (r >= 0)
			r = source_api_escape(b, g->dir, true);
		if (r >= 0)
			r = buf_putc(b, '&');
	}
	if (r >= 0 && g->src->revision) {
		r = buf_puts(b, "sha=");
		if (r >= 0)
			r = source_api_escape(b, g->src->revision, false);
		if (r >= 0)
			r = buf_putc(b, '&');
	}
	if (r >= 0)
		r = buf_puts(b, "per_page=1");
	return r < 0 ? url_fail(g) : 0;
}

/* A validator is sent back in a header line: one holding a control
 * character (a line end) is taken for none. */
static bool etag_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The newest commit touching the path: 1, or 0 for a 304. */
static int read_commit(struct github *g)
{
	const struct source_request *rq = g->rq;
	_cleanup_(buf_free) struct buf url = {0}, cond = {0};
	const char *headers[3] = {github_version, NULL, NULL};
	struct source_api_reply reply;
	yajl_val list, first;
	const char *sha;
	int r;

	buf_init(&url, GITHUB_URL_MAX);
	buf_init(&cond, 512);
	r = commits_url(g, &url);
	if (r < 0)
		return r;
	if (rq->last_revision && rq->last_etag && rq->last_etag[0] &&
	    etag_ok(rq->last_etag) &&
	    buf_printf(&cond, "If-None-Match: %s", rq->last_etag) >= 0)
		headers[1] = cond.data;
	r = source_api_get(g->api, url.data, github_accept, headers, g->ret,
			   &reply);
	if (r < 0)
		return r;
	if (reply.status == 304 && headers[1]) {
		snprintf(g->ret->revision, sizeof(g->ret->revision), "%s",
			 rq->last_revision);
		snprintf(g->ret->etag, sizeof(g->ret->etag), "%s",
			 reply.etag[0] && etag_ok(reply.etag) ? reply.etag
							      : rq->last_etag);
		g->ret->not_modified = true;
		return 0;
	}
	if (reply.status != 200) {
		r = status_fail(g, &reply);
		source_api_reply_free(&reply);
		return r;
	}
	list = reply.json;
	first = YAJL_IS_ARRAY(list) && list->u.array.len > 0
			? list->u.array.values[0]
			: NULL;
	sha = source_api_string(first, "sha");
	if (YAJL_IS_ARRAY(list) && list->u.array.len == 0)
		r = source_api_fail(g->ret, -ENOENT, "no commit touches '%s'",
				    shown_dir(g));
	else if (!source_api_is_hex(sha, GITHUB_SHA_LEN))
		r = source_api_bad_reply(&reply, g->ret,
					 "not a list of commits with a 'sha' "
					 "of 40 hex digits");
	else {
		snprintf(g->sha, sizeof(g->sha), "%s", sha);
		if (etag_ok(reply.etag))
			snprintf(g->ret->etag, sizeof(g->ret->etag), "%s",
				 reply.etag);
		r = 1;
	}
	source_api_reply_free(&reply);
	return r;
}

/* One entry of the contents: a file (that matches the glob) is added. */
static int content_entry(struct github *g, const struct source_api_reply *reply,
			 yajl_val e)
{
	const char *type = source_api_string(e, "type");
	const char *name = source_api_string(e, "name");
	const char *path = source_api_string(e, "path");
	const char *url = source_api_string(e, "download_url");

	if (!type || !name || !path)
		return source_api_bad_reply(reply, g->ret,
					    "an entry without 'type', 'name' "
					    "and 'path'");
	if (strcmp(type, "file") != 0)
		return 0;
	if (g->glob && fnmatch(g->glob, name, 0) != 0)
		return 0;
	if (!source_api_path_ok(path))
		return source_api_bad_reply(reply, g->ret,
					    "an entry whose path is not a "
					    "file's path in a repository");
	if (!url || (strncasecmp(url, "https://", 8) != 0 &&
		     strncasecmp(url, "http://", 7) != 0))
		return source_api_bad_reply(reply, g->ret,
					    "a file without an http(s) "
					    "'download_url'");
	return source_add_file(g->ret, path, url, NULL,
			       source_api_size(e, "size"));
}

/* {endpoint}/repos/{repo}/contents/{dir}?ref={sha} */
static int read_contents(struct github *g)
{
	_cleanup_(buf_free) struct buf url = {0};
	const char *headers[] = {github_version, NULL};
	struct source_api_reply reply;
	yajl_val v;
	size_t i;
	int r;

	buf_init(&url, GITHUB_URL_MAX);
	r = buf_printf(&url, "%s/repos/%s/contents/", g->src->endpoint,
		       g->src->repo);
	if (r >= 0)
		r = source_api_escape(&url, g->dir, true);
	if (r >= 0)
		r = buf_printf(&url, "?ref=%s", g->sha);
	if (r < 0)
		return url_fail(g);
	r = source_api_get(g->api, url.data, github_accept, headers, g->ret,
			   &reply);
	if (r < 0)
		return r;
	if (reply.status == 404)
		r = source_api_fail(g->ret, -ENOENT,
				    "'%s' is not in '%s' at %s (the newest "
				    "commit touching it removed it?)",
				    shown_dir(g), g->src->repo, g->sha);
	else if (reply.status != 200)
		r = status_fail(g, &reply);
	else if (YAJL_IS_OBJECT(reply.json) && !g->glob)
		r = content_entry(g, &reply, reply.json);
	else if (!YAJL_IS_ARRAY(reply.json))
		r = source_api_bad_reply(&reply, g->ret,
					 g->glob ? "not a directory's list of "
						   "entries"
						 : "neither a file nor a list "
						   "of entries");
	for (i = 0;
	     r >= 0 && YAJL_IS_ARRAY(reply.json) && i < reply.json->u.array.len;
	     i++) {
		v = reply.json->u.array.values[i];
		r = content_entry(g, &reply, v);
	}
	source_api_reply_free(&reply);
	return r;
}

int source_list_github(const struct source_request *rq,
		       struct source_listing *ret)
{
	_cleanup_(source_api_freep) struct source_api *api = NULL;
	struct github g = {
		.rq = rq,
		.src = &rq->dataset->source,
		.ret = ret,
		.authorized = source_api_authorized(rq->dataset),
	};
	int r;

	split_path(&g);
	r = source_api_new(rq, ret, &api);
	if (r < 0)
		return r;
	g.api = api;
	r = read_commit(&g);
	if (r <= 0)
		return r;
	snprintf(ret->revision, sizeof(ret->revision), "%s", g.sha);
	r = read_contents(&g);
	if (r < 0)
		return r;
	if (ret->n_files == 0 && g.glob)
		return source_api_fail(ret, -ENOENT,
				       "no file in '%s' at %s matches '%s'",
				       shown_dir(&g), g.sha, g.glob);
	if (ret->n_files == 0)
		return source_api_fail(ret, -ENOENT,
				       "no file at '%s' in %s (a file or a "
				       "directory of files)",
				       shown_dir(&g), g.sha);
	return 0;
}
