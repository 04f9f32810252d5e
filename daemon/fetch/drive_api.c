/*
 * drive_api.c: Google Drive's files API (drive_api.h).
 *
 * One GET through source_api.h, capped at DRIVE_API_MAX_REPLY, with the
 * key in its X-Goog-Api-Key line: that line is built in secret memory and
 * handed only to a request of a URL on api_endpoint's origin, which
 * source_api never redirects.  Replies that are errors are read for
 * Google's reason and message, and a status maps to the errno the
 * scheduler acts on (a rate limit waits, a refused key fails).
 */
#include "fetch/drive_api.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/secret.h"
#include "fetch/http.h"
#include "fetch/source.h"
#include "fetch/source_api.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

#define DRIVE_API_MESSAGE_MAX 200 /* bytes of the API's message shown */

static const char api_accept[] = "application/json";

int drive_api_url(const char *endpoint, const char *id, struct buf *b)
{
	int r = buf_printf(b, "%s/drive/v3/files/", endpoint);

	if (r >= 0)
		r = source_api_escape(b, id, false);
	if (r >= 0)
		r = buf_puts(b, "?fields=" DRIVE_API_FIELDS);
	return r < 0 ? -E2BIG : 0;
}

/* ---- the reply ------------------------------------------------------------ */

static yajl_val member(yajl_val o, const char *key)
{
	return yajl_tree_get(o, (const char *[]){key, NULL}, yajl_t_any);
}

/* md5Checksum: 32 hex digits, kept in lower case. */
static bool read_md5(yajl_val v, char out[33])
{
	const char *s = YAJL_GET_STRING(v);
	size_t i;

	if (!s || strlen(s) != 32 || strspn(s, "0123456789abcdefABCDEF") != 32)
		return false;
	for (i = 0; i < 32; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[32] = '\0';
	return true;
}

/* size: Google writes an int64 as a string of digits; a number is taken
 * too. */
static bool read_size(yajl_val v, int64_t *out)
{
	const char *s = YAJL_GET_STRING(v);
	int64_t n = 0;

	if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= 0) {
		*out = (int64_t)YAJL_GET_INTEGER(v);
		return true;
	}
	if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		return false;
	for (; *s; s++)
		n = n * 10 + (*s - '0');
	*out = n;
	return true;
}

/* An optional string member into out (cut to fit); false when it is
 * there and not a string. */
static bool read_string(yajl_val v, char *out, size_t size)
{
	if (!v)
		return true;
	if (!YAJL_IS_STRING(v))
		return false;
	snprintf(out, size, "%s", YAJL_GET_STRING(v));
	return true;
}

int drive_api_file_read(yajl_val reply, struct drive_api_file *ret, char *why,
			size_t size)
{
	struct drive_api_file f = {.size = -1};
	yajl_val md5 = member(reply, "md5Checksum");
	yajl_val bytes = member(reply, "size");
	const char *wrong = NULL;

	if (!YAJL_IS_OBJECT(reply))
		wrong = "the reply is not a JSON object";
	else if (md5 && !read_md5(md5, f.md5))
		wrong = "its md5Checksum is not 32 hex digits";
	else if (bytes && !read_size(bytes, &f.size))
		wrong = "its size is not a whole number of bytes";
	else if (!read_string(member(reply, "modifiedTime"), f.modified,
			      sizeof(f.modified)))
		wrong = "its modifiedTime is not a string";
	else if (!read_string(member(reply, "name"), f.name, sizeof(f.name)))
		wrong = "its name is not a string";
	if (wrong) {
		snprintf(why, size, "%s", wrong);
		return -EBADMSG;
	}
	*ret = f;
	return 0;
}

/* The reason of the first ErrorInfo in error.details, or NULL. */
static const char *details_reason(yajl_val error)
{
	yajl_val details = member(error, "details");
	size_t i;

	for (i = 0; YAJL_IS_ARRAY(details) && i < details->u.array.len; i++) {
		const char *r = YAJL_GET_STRING(
			member(details->u.array.values[i], "reason"));

		if (r && *r)
			return r;
	}
	return NULL;
}

void drive_api_error_read(yajl_val reply, char *reason, size_t rsize,
			  char *message, size_t msize)
{
	yajl_val error = member(reply, "error");
	yajl_val errors = member(error, "errors");
	const char *r = details_reason(error), *m;

	if (!r && YAJL_IS_ARRAY(errors) && errors->u.array.len > 0)
		r = YAJL_GET_STRING(
			member(errors->u.array.values[0], "reason"));
	if (!r)
		r = YAJL_GET_STRING(member(error, "status"));
	m = YAJL_GET_STRING(member(error, "message"));
	snprintf(reason, rsize, "%s", r ? r : "");
	snprintf(message, msize, "%s", m ? m : "");
}

bool drive_api_same(const struct drive_api_file *f, const char *md5,
		    int64_t size)
{
	return f->md5[0] && f->size >= 0 && md5 && strcmp(f->md5, md5) == 0 &&
	       f->size == size;
}

/* ---- the request ---------------------------------------------------------- */

/* "HTTP 403, forbidden: 'message'": the status and what the reply says of
 * it; a message that quotes the key is not repeated. */
static void status_words(const struct source_api_reply *reply, const char *key,
			 char *out, size_t size)
{
	/* The whole message is searched for the key, then cut. */
	_cleanup_free_ char *message = xmalloc(DRIVE_API_MAX_REPLY);
	char reason[64];

	drive_api_error_read(reply->json, reason, sizeof(reason), message,
			     DRIVE_API_MAX_REPLY);
	if (strstr(reason, key))
		reason[0] = '\0';
	if (message[0] && strstr(message, key))
		snprintf(out, size,
			 "HTTP %ld%s%s; its message quotes the api_key: not "
			 "shown",
			 reply->status, reason[0] ? ", " : "", reason);
	else
		snprintf(out, size, "HTTP %ld%s%s%s%.*s%s", reply->status,
			 reason[0] ? ", " : "", reason, message[0] ? ": '" : "",
			 DRIVE_API_MESSAGE_MAX, message, message[0] ? "'" : "");
}

static bool is_rate_reason(const char *reason)
{
	static const char *const limits[] = {
		"rateLimitExceeded", "userRateLimitExceeded",
		"dailyLimitExceeded", "RATE_LIMIT_EXCEEDED", "quotaExceeded"};
	size_t i;

	for (i = 0; i < ELEMENTSOF(limits); i++)
		if (strcmp(reason, limits[i]) == 0)
			return true;
	return false;
}

/* A rate limit: the wait the API asked for, else the scheduler's
 * backoff. */
static int wait_fail(const struct source_api_reply *reply, const char *words,
		     struct source_listing *ret)
{
	ret->retry_after = reply->retry_after;
	if (reply->retry_after)
		return source_api_fail(ret, -EAGAIN,
				       "Google Drive's files API asks to wait "
				       "%us (%s)",
				       reply->retry_after, words);
	return source_api_fail(ret, -EAGAIN,
			       "Google Drive's files API is rate limiting the "
			       "api_key (%s), without saying how long",
			       words);
}

/* The error for a status other than 200. */
static int status_fail(const struct config_source *src,
		       const struct source_api_reply *reply,
		       struct source_listing *ret)
{
	char words[DRIVE_API_MESSAGE_MAX + 128], reason[64], message[8];
	long st = reply->status;

	status_words(reply, src->api_key, words, sizeof(words));
	drive_api_error_read(reply->json, reason, sizeof(reason), message,
			     sizeof(message));
	if (st == 429 || ((st == 403 || st == 503) &&
			  (is_rate_reason(reason) || reply->has_wait)))
		return wait_fail(reply, words, ret);
	if (st == 400 || st == 401)
		return source_api_fail(ret, -EACCES,
				       "Google Drive's files API refused the "
				       "api_key (%s)",
				       words);
	if (st == 403)
		return source_api_fail(
			ret, -EACCES,
			"Google Drive's files API refused file '%s' (%s): the "
			"api_key is restricted (to other APIs, hosts or "
			"addresses), or the file is not shared with anyone "
			"who has its link",
			src->id, words);
	if (st == 404)
		return source_api_fail(ret, -ENOENT,
				       "Google Drive's files API has no file "
				       "'%s' (%s)",
				       src->id, words);
	if (st >= 300 && st < 400)
		return source_api_fail(ret, -EIO,
				       "Google Drive's files API answered %s, "
				       "a redirect: not followed, the api_key "
				       "goes to api_endpoint only",
				       words);
	return source_api_fail(ret, -EIO,
			       "Google Drive's files API answered %s for file "
			       "'%s'",
			       words, src->id);
}

/* Names the API in an error source_api wrote (it names the URL). */
static int api_context(struct source_listing *ret, int r)
{
	char e[sizeof(ret->error)];

	snprintf(e, sizeof(e), "%s", ret->error);
	snprintf(ret->error, sizeof(ret->error),
		 "Google Drive's files API: %.480s", e);
	return r;
}

/* What a 200 says: 1 the same file, 0 another or unknown. */
static int read_answer(const struct source_request *rq,
		       const struct source_api_reply *reply,
		       struct source_listing *ret)
{
	struct drive_api_file f;
	char why[128];

	if (drive_api_file_read(reply->json, &f, why, sizeof(why)) < 0)
		return api_context(ret, source_api_bad_reply(reply, ret, why));
	return drive_api_same(&f, rq->last_md5, rq->last_size) ? 1 : 0;
}

/* "X-Goog-Api-Key: KEY", in secret memory. */
static char *key_line(const char *key)
{
	static const char name[] = "X-Goog-Api-Key: ";
	size_t len = strlen(key);
	char *line = secret_alloc(sizeof(name) - 1 + len);

	memcpy(line, name, sizeof(name) - 1);
	memcpy(line + sizeof(name) - 1, key, len);
	return line;
}

int drive_api_check(const struct source_request *rq, struct source_listing *ret)
{
	const struct config_source *src = &rq->dataset->source;
	_cleanup_(source_api_freep) struct source_api *api = NULL;
	_cleanup_(buf_free) struct buf url = {0};
	struct source_api_reply reply;
	const char *headers[2] = {NULL, NULL};
	char *line;
	int r;

	assert(src->api_key && src->api_endpoint);
	buf_init(&url, 2047);
	if (drive_api_url(src->api_endpoint, src->id, &url) < 0)
		return source_api_fail(ret, -EFBIG,
				       "the files API's URL is too long");
	/* Built from api_endpoint, so on its origin; said again here, for
	 * the key goes with it. */
	if (!http_same_origin(url.data, src->api_endpoint))
		return source_api_fail(ret, -EINVAL,
				       "the files API's URL is not on "
				       "api_endpoint's origin");
	r = source_api_new(rq, ret, &api);
	if (r < 0)
		return r;
	source_api_limit(api, DRIVE_API_MAX_REPLY);
	source_api_read_errors(api);
	line = key_line(src->api_key);
	headers[0] = line;
	r = source_api_get(api, url.data, api_accept, headers, ret, &reply);
	secret_free(line);
	if (r < 0)
		return api_context(ret, r);
	if (reply.status == 200)
		r = read_answer(rq, &reply, ret);
	else
		r = status_fail(src, &reply, ret);
	source_api_reply_free(&reply);
	return r;
}
