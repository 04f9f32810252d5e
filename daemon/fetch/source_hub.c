/*
 * source_hub.c: the huggingface source of source.h -- a dataset repository
 * on a Hugging Face Hub, whose release is a commit.
 *
 * The revision (a branch, a tag or a commit) is asked for its commit sha
 * first; the same sha as the newest release's is "nothing new", at the
 * cost of that one request.  Otherwise the tree is listed at the sha (not
 * at the branch: a commit landing between the two requests cannot mix
 * two releases), page by page as its Link header says, and each file whose
 * path matches the files: glob (fnmatch without FNM_PATHNAME, as the
 * Hub's own allow_patterns match) is a file of the release, known by its
 * LFS SHA-256 and downloaded from its resolve URL at the sha.  A gated
 * repository lists its files to anyone but refuses their downloads
 * without a token: without one the listing fails here, before anything
 * is fetched.  Owns no state beyond one listing; logs nothing.
 */
#include "fetch/source.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fetch/http.h"
#include "fetch/source_api.h"
#include "fetch/source_internal.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/redact.h"

#define HUB_MAX_PAGES 10000 /* pages of one tree, at most */
#define HUB_SHA_LEN   40    /* a commit's sha: hex digits */
#define HUB_OID_LEN   64    /* an LFS oid: the SHA-256, hex digits */
#define HUB_URL_MAX   4096

static const char hub_accept[] = "application/json";

struct hub {
	const struct config_dataset *d;	 /* borrowed from config */
	const struct config_source *src; /* borrowed from config */
	struct source_api *api;		 /* owned */
	struct source_listing *ret;	 /* borrowed: being filled */
	char sha[HUB_SHA_LEN + 1];	 /* the release's commit */
	bool authorized;		 /* the dataset sends a token */
};

/* {endpoint}/api/datasets/{repo}/{what}/{rev, percent-encoded}{query} */
static int api_url(const struct hub *h, const char *what, const char *rev,
		   const char *query, struct buf *b)
{
	int r = buf_printf(b, "%s/api/datasets/%s/%s/", h->src->endpoint,
			   h->src->repo, what);

	if (r >= 0)
		r = source_api_escape(b, rev, false);
	if (r >= 0)
		r = buf_puts(b, query);
	if (r < 0)
		return source_api_fail(h->ret, -EFBIG, "API URL too long");
	return 0;
}

/* The answer to a status other than 200, in the Hub's terms. */
static int status_fail(const struct hub *h, const struct source_api_reply *r,
		       const char *rev)
{
	_cleanup_free_ char *url = redact_url_new(r->url);

	if ((r->status == 401 || r->status == 403) && h->authorized)
		return source_api_fail(
			h->ret, -EACCES,
			"%s: HTTP %ld: the token was refused (huggingface.token)",
			url, r->status);
	if (r->status == 401 || r->status == 403)
		return source_api_fail(h->ret, -EACCES,
				       "%s: HTTP %ld: the repository is "
				       "private or gated; dataset '%s' needs "
				       "huggingface.token",
				       url, r->status, h->d->name);
	if (r->status == 404)
		return source_api_fail(h->ret, -ENOENT,
				       "%s: HTTP 404: no dataset repository "
				       "'%s' with a revision '%s'",
				       url, h->src->repo, rev);
	return source_api_status_fail(r, h->ret);
}

/* GETs url into reply; any status but 200 is an error. */
static int get(struct hub *h, const char *url, const char *rev,
	       struct source_api_reply *reply)
{
	int r = source_api_get(h->api, url, hub_accept, NULL, h->ret, reply);

	if (r < 0)
		return r;
	if (reply->status != 200) {
		r = status_fail(h, reply, rev);
		source_api_reply_free(reply);
	}
	return r;
}

/* The revision's commit; a gated repository without a token fails. */
static int read_revision(struct hub *h)
{
	_cleanup_(buf_free) struct buf url = {0};
	struct source_api_reply reply;
	const char *sha;
	yajl_val gated;
	int r;

	buf_init(&url, HUB_URL_MAX);
	r = api_url(h, "revision", h->src->revision, "", &url);
	if (r >= 0)
		r = get(h, url.data, h->src->revision, &reply);
	if (r < 0)
		return r;
	sha = source_api_string(reply.json, "sha");
	if (!YAJL_IS_OBJECT(reply.json) || !source_api_is_hex(sha, HUB_SHA_LEN))
		r = source_api_bad_reply(&reply, h->ret,
					 "no commit 'sha' of 40 hex digits");
	else {
		snprintf(h->sha, sizeof(h->sha), "%s", sha);
		gated = yajl_tree_get(reply.json,
				      (const char *[]){"gated", NULL},
				      yajl_t_any);
		if (gated && !YAJL_IS_FALSE(gated) && !h->authorized)
			r = source_api_fail(
				h->ret, -EACCES,
				"the repository '%s' is gated: its files "
				"download only with a token of an account "
				"that accepted its terms; dataset '%s' needs "
				"huggingface.token",
				h->src->repo, h->d->name);
	}
	source_api_reply_free(&reply);
	return r;
}

/* One entry of the tree: a file that matches is added. */
static int tree_entry(struct hub *h, const struct source_api_reply *reply,
		      yajl_val e)
{
	_cleanup_(buf_free) struct buf url = {0};
	const char *type = source_api_string(e, "type");
	const char *path = source_api_string(e, "path"), *oid;
	yajl_val lfs;
	int64_t size;
	int r;

	if (!type || !path)
		return source_api_bad_reply(reply, h->ret,
					    "an entry without 'type' and "
					    "'path'");
	if (strcmp(type, "file") != 0)
		return 0;
	if (!source_api_path_ok(path))
		return source_api_bad_reply(reply, h->ret,
					    "an entry whose path is not a "
					    "file's path in a repository");
	if (h->src->files && fnmatch(h->src->files, path, 0) != 0)
		return 0;
	lfs = yajl_tree_get(e, (const char *[]){"lfs", NULL}, yajl_t_object);
	oid = source_api_string(lfs, "oid");
	size = source_api_size(e, "size");
	if (size < 0)
		size = source_api_size(lfs, "size");
	buf_init(&url, HUB_URL_MAX);
	r = buf_printf(&url, "%s/datasets/%s/resolve/%s/", h->src->endpoint,
		       h->src->repo, h->sha);
	if (r >= 0)
		r = source_api_escape(&url, path, true);
	if (r < 0)
		return source_api_fail(h->ret, -EFBIG,
				       "a file's URL is too "
				       "long");
	return source_add_file(h->ret, path, url.data,
			       source_api_is_hex(oid, HUB_OID_LEN) ? oid : NULL,
			       size);
}

/* One page of the tree; its next page's URL into next ("" at the end). */
static int tree_page(struct hub *h, const char *url, char *next, size_t size)
{
	struct source_api_reply reply;
	size_t i;
	int r;

	r = get(h, url, h->sha, &reply);
	if (r < 0)
		return r;
	if (!YAJL_IS_ARRAY(reply.json))
		r = source_api_bad_reply(&reply, h->ret,
					 "the tree is not a list of entries");
	for (i = 0;
	     r >= 0 && YAJL_IS_ARRAY(reply.json) && i < reply.json->u.array.len;
	     i++)
		r = tree_entry(h, &reply, reply.json->u.array.values[i]);
	/* The token goes with every page: only on the Hub's own origin. */
	if (r >= 0 && reply.next[0] && !http_same_origin(reply.next, h->d->url))
		r = source_api_bad_reply(&reply, h->ret,
					 "its next page is on another host");
	if (r >= 0)
		snprintf(next, size, "%s", reply.next);
	source_api_reply_free(&reply);
	return r;
}

static int read_tree(struct hub *h)
{
	_cleanup_(buf_free) struct buf first = {0};
	char url[2048], next[2048];
	unsigned pages = 0;
	int r;

	buf_init(&first, sizeof(url) - 1);
	r = api_url(h, "tree", h->sha, "?recursive=true", &first);
	if (r < 0)
		return r;
	snprintf(url, sizeof(url), "%s", first.data);
	for (;;) {
		if (++pages > HUB_MAX_PAGES)
			return source_api_fail(h->ret, -EFBIG,
					       "the tree of '%s' runs past %d "
					       "pages",
					       h->src->repo, HUB_MAX_PAGES);
		r = tree_page(h, url, next, sizeof(next));
		if (r < 0 || !next[0])
			return r;
		snprintf(url, sizeof(url), "%s", next);
	}
}

int source_list_huggingface(const struct source_request *rq,
			    struct source_listing *ret)
{
	_cleanup_(source_api_freep) struct source_api *api = NULL;
	struct hub h = {
		.d = rq->dataset,
		.src = &rq->dataset->source,
		.ret = ret,
		.authorized = source_api_authorized(rq->dataset),
	};
	int r;

	r = source_api_new(rq, ret, &api);
	if (r < 0)
		return r;
	h.api = api;
	r = read_revision(&h);
	if (r < 0)
		return r;
	snprintf(ret->revision, sizeof(ret->revision), "%s", h.sha);
	if (rq->last_revision && strcmp(rq->last_revision, h.sha) == 0) {
		ret->not_modified = true;
		return 0;
	}
	r = read_tree(&h);
	if (r < 0)
		return r;
	if (ret->n_files == 0 && h.src->files)
		return source_api_fail(ret, -ENOENT,
				       "no file of '%s' at %s matches '%s'",
				       h.src->repo, h.sha, h.src->files);
	if (ret->n_files == 0)
		return source_api_fail(ret, -ENOENT,
				       "the repository '%s' holds no files at "
				       "%s",
				       h.src->repo, h.sha);
	return 0;
}
