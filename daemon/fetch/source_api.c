/*
 * source_api.c: the JSON API GET of source_api.h.
 *
 * One easy handle serves every request of a listing (the connection is
 * kept), each set up again by http_setup().  The response's header lines
 * are read for what the sources need (ETag, Link, the waits a rate limit
 * names) and its body goes into a capped buffer.  A body is checked for
 * its nesting before yajl builds a tree of it: yajl frees a tree
 * recursively, and a reply of a million '[' would take the stack.
 */
#include "fetch/source_api.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fetch/http.h"
#include "fetch/source.h"
#include "lib/redact.h"
#include "lib/stop.h"
#include "lib/text.h"
#include "lib/xalloc.h"

struct source_api {
	const struct source_request *rq; /* borrowed from the caller */
	CURL *curl;			 /* owned */
	struct buf body;		 /* of the current response */
	struct source_api_reply *reply;	 /* borrowed: being filled */
	bool too_big;
	bool read_errors; /* parse the JSON of a status other than 200 */
	long long reset;  /* X-RateLimit-Reset, or 0 */
	char curl_error[CURL_ERROR_SIZE];
};

int source_api_fail(struct source_listing *l, int r, const char *fmt, ...)
{
	char raw[sizeof(l->error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	text_utf8_trim(raw);
	text_escape_to(l->error, sizeof(l->error), raw);
	return r;
}

int source_api_bad_reply(const struct source_api_reply *reply,
			 struct source_listing *l, const char *what)
{
	_cleanup_free_ char *url = redact_url_new(reply->url);

	return source_api_fail(l, -EBADMSG, "%s: %s", url, what);
}

int source_api_status_fail(const struct source_api_reply *reply,
			   struct source_listing *l)
{
	_cleanup_free_ char *url = redact_url_new(reply->url);
	bool told = reply->has_wait || reply->exhausted;

	if (reply->status == 429 ||
	    ((reply->status == 503 || reply->status == 403) && told)) {
		l->retry_after = reply->retry_after;
		if (!reply->retry_after)
			return source_api_fail(l, -EAGAIN,
					       "%s: HTTP %ld: rate limited",
					       url, reply->status);
		return source_api_fail(l, -EAGAIN,
				       "%s: HTTP %ld: rate limited; the host "
				       "asks to wait %us",
				       url, reply->status, reply->retry_after);
	}
	if (reply->status >= 300 && reply->status < 400)
		return source_api_fail(l, -EIO,
				       "%s: HTTP %ld: a redirect, not followed "
				       "from an API",
				       url, reply->status);
	return source_api_fail(l, -EIO, "%s: HTTP %ld", url, reply->status);
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

int source_api_escape(struct buf *b, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	for (; *s && r >= 0; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3] = {'%', hex[c >> 4], hex[c & 15]};

		if (unreserved(c) || (keep_slash && c == '/'))
			r = buf_putc(b, (char)c);
		else
			r = buf_append(b, e, sizeof(e));
	}
	return r;
}

/* ---- JSON ---------------------------------------------------------------- */

static yajl_val member(yajl_val o, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(o))
		return NULL;
	for (i = 0; i < o->u.object.len; i++)
		if (strcmp(o->u.object.keys[i], key) == 0)
			return o->u.object.values[i];
	return NULL;
}

const char *source_api_string(yajl_val o, const char *key)
{
	return YAJL_GET_STRING(member(o, key));
}

int64_t source_api_size(yajl_val o, const char *key)
{
	yajl_val v = member(o, key);

	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
		return -1;
	return (int64_t)YAJL_GET_INTEGER(v);
}

bool source_api_is_hex(const char *s, size_t len)
{
	size_t i;

	if (!s || strlen(s) != len)
		return false;
	for (i = 0; i < len; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

bool source_api_path_ok(const char *p)
{
	const char *seg = p, *s;

	if (!*p || strlen(p) >= 1024)
		return false;
	for (s = p;; s++) {
		if (*s && ((unsigned char)*s < 0x20 || *s == 0x7f))
			return false;
		if (*s && *s != '/')
			continue;
		if (s == seg || (s - seg == 1 && seg[0] == '.') ||
		    (s - seg == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (!*s)
			return true;
		seg = s + 1;
	}
}

bool source_api_authorized(const struct config_dataset *d)
{
	size_t i;

	for (i = 0; i < d->n_headers; i++)
		if (strcasecmp(d->headers[i].name, "Authorization") == 0)
			return true;
	return false;
}

/* Whether JSON text nests arrays and objects no deeper than max (strings
 * skipped, escapes in them too). */
static bool depth_ok(const char *s, size_t len, unsigned max)
{
	unsigned depth = 0;
	bool in_string = false;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"')
			in_string = true;
		else if (c == '[' || c == '{') {
			if (++depth > max)
				return false;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return true;
}

static int parse_body(struct source_api *a, struct source_listing *l)
{
	struct source_api_reply *reply = a->reply;
	char why[256] = "", what[320];

	if (memchr(a->body.data, '\0', a->body.len))
		return source_api_bad_reply(reply, l,
					    "the reply holds a NUL "
					    "byte: not JSON");
	if (!depth_ok(a->body.data, a->body.len, SOURCE_API_MAX_DEPTH)) {
		snprintf(what, sizeof(what),
			 "the reply nests deeper than %d levels",
			 SOURCE_API_MAX_DEPTH);
		return source_api_bad_reply(reply, l, what);
	}
	reply->json = yajl_tree_parse(a->body.data, why, sizeof(why));
	if (!reply->json) {
		/* yajl's message spans lines, the text quoted last. */
		why[strcspn(why, "\n")] = '\0';
		snprintf(what, sizeof(what), "the reply is not JSON (%s)",
			 why[0] ? why : "unreadable");
		return source_api_bad_reply(reply, l, what);
	}
	return 0;
}

/* ---- the response's header lines ---------------------------------------- */

/* RateLimit: "api";r=0;t=55 (the IETF draft the Hub follows): t= is the
 * seconds until the window resets. */
static bool ratelimit_parse(const char *v, unsigned *ret)
{
	const char *t = strstr(v, ";t=");
	char *end;
	long long n;

	if (!t)
		return false;
	errno = 0;
	n = strtoll(t + 3, &end, 10);
	if (errno || end == t + 3 || (*end && *end != ';' && *end != ','))
		return false;
	*ret = http_wait(n);
	return true;
}

/* Link: <URL>; rel="next", <URL>; rel="last" (RFC 8288): the next one. */
static void link_next(const char *v, char *out, size_t size)
{
	const char *lt, *gt, *end, *rel;

	for (lt = strchr(v, '<'); lt; lt = end) {
		gt = strchr(lt, '>');
		if (!gt)
			return;
		end = strchr(gt, '<');
		rel = strstr(gt, "rel=");
		if (!rel || (end && rel > end))
			continue;
		rel += 4;
		if (strncmp(rel, "\"next\"", 6) == 0 ||
		    (strncmp(rel, "next", 4) == 0 && strchr(";, ", rel[4]))) {
			if ((size_t)(gt - lt - 1) < size)
				snprintf(out, size, "%.*s", (int)(gt - lt - 1),
					 lt + 1);
			return;
		}
	}
}

/* A response begins (after a 100 Continue, another): forget the last. */
static void status_line(struct source_api *a, const char *line, size_t len)
{
	struct source_api_reply *reply = a->reply;
	const char *sp = memchr(line, ' ', len);

	reply->status = sp ? strtol(sp + 1, NULL, 10) : 0;
	reply->etag[0] = reply->next[0] = '\0';
	reply->retry_after = 0;
	reply->exhausted = reply->has_wait = false;
	a->reset = 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct source_api *a = userdata;
	struct source_api_reply *reply = a->reply;
	size_t len = size * n;
	char v[4096];

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0)
		status_line(a, data, len);
	else if (http_header_value(data, len, "ETag", reply->etag,
				   sizeof(reply->etag)))
		;
	else if (http_header_value(data, len, "Link", v, sizeof(v)))
		link_next(v, reply->next, sizeof(reply->next));
	else if (http_header_value(data, len, "Retry-After", v, sizeof(v)))
		reply->has_wait = http_retry_after(v, &reply->retry_after);
	else if (http_header_value(data, len, "RateLimit", v, sizeof(v))) {
		if (!reply->has_wait)
			reply->has_wait =
				ratelimit_parse(v, &reply->retry_after);
	} else if (http_header_value(data, len, "X-RateLimit-Remaining", v,
				     sizeof(v)))
		reply->exhausted = strcmp(v, "0") == 0;
	else if (http_header_value(data, len, "X-RateLimit-Reset", v,
				   sizeof(v))) {
		char *end;
		long long t = strtoll(v, &end, 10);

		a->reset = !*end && end != v ? t : 0;
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct source_api *a = userdata;
	size_t len = size * n;

	if (buf_append(&a->body, data, len) < 0) {
		a->too_big = true;
		return 0;
	}
	return len;
}

static int on_progress(void *userdata _unused_, curl_off_t dltotal _unused_,
		       curl_off_t dlnow _unused_, curl_off_t ultotal _unused_,
		       curl_off_t ulnow _unused_)
{
	return stop_requested() ? 1 : 0;
}

/* ---- the request ---------------------------------------------------------- */

static bool add_line(struct curl_slist **list, const char *name,
		     const char *value)
{
	char line[8192];
	struct curl_slist *l;

	if ((size_t)snprintf(line, sizeof(line), "%s: %s", name, value) >=
	    sizeof(line))
		return false;
	l = curl_slist_append(*list, line);
	explicit_bzero(line, sizeof(line));
	if (!l)
		return false;
	*list = l;
	return true;
}

/* The request's header lines: Accept, the source's, and the dataset's
 * own only on its url's origin.  NULL when one does not fit. */
static struct curl_slist *request_headers(const struct source_api *a,
					  const char *url, const char *accept,
					  const char *const *headers)
{
	const struct config_dataset *d = a->rq->dataset;
	struct curl_slist *list = NULL;
	bool ok = add_line(&list, "Accept", accept);
	size_t i;

	for (i = 0; ok && headers && headers[i]; i++) {
		struct curl_slist *l = curl_slist_append(list, headers[i]);

		ok = l != NULL;
		if (ok)
			list = l;
	}
	if (http_same_origin(url, d->url))
		for (i = 0; ok && i < d->n_headers; i++)
			ok = add_line(&list, d->headers[i].name,
				      d->headers[i].value);
	if (!ok) {
		curl_slist_free_all(list);
		return NULL;
	}
	return list;
}

static void setup(struct source_api *a, const char *url)
{
	const struct config_dataset *d = a->rq->dataset;
	uint64_t timeout = d->timeout ? d->timeout : a->rq->options->timeout;
	CURL *c = a->curl;

	http_setup(c, a->rq->options, url,
		   (long)MIN(timeout ? timeout : SOURCE_API_TIMEOUT,
			     (uint64_t)SOURCE_API_TIMEOUT),
		   false);
	/* Compressed replies are welcome: the cap counts decoded bytes. */
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)a->body.max);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, a->curl_error);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	a->curl_error[0] = '\0';
}

static int transfer_failed(struct source_api *a, CURLcode code,
			   struct source_listing *l)
{
	_cleanup_free_ char *url = redact_url_new(a->reply->url);

	if (code == CURLE_ABORTED_BY_CALLBACK && stop_requested())
		return source_api_fail(l, -ECANCELED, "%s: stopped", url);
	if (a->too_big || code == CURLE_FILESIZE_EXCEEDED)
		return source_api_fail(l, -EFBIG,
				       "%s: the reply is larger than %zu bytes",
				       url, a->body.max);
	return source_api_fail(l, -EIO, "%s: %s", url,
			       a->curl_error[0] ? a->curl_error
						: curl_easy_strerror(code));
}

/* Makes the request into a->reply. */
static int perform(struct source_api *a, const char *url, const char *accept,
		   const char *const *headers, struct source_listing *l)
{
	struct source_api_reply *r = a->reply;
	struct curl_slist *lines;
	CURLcode code;

	snprintf(r->url, sizeof(r->url), "%s", url);
	if (stop_requested())
		return transfer_failed(a, CURLE_ABORTED_BY_CALLBACK, l);
	if (strlen(url) >= sizeof(r->url))
		return source_api_fail(l, -EFBIG, "an API URL of %zu bytes",
				       strlen(url));
	lines = request_headers(a, url, accept, headers);
	if (!lines)
		return source_api_fail(l, -EIO, "request headers too long");
	setup(a, url);
	curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, lines);
	buf_reset(&a->body);
	a->too_big = false;
	code = curl_easy_perform(a->curl);
	curl_slist_free_all(lines);
	l->requests++;
	curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &r->status);
	l->http_status = (int)r->status;
	if (code != CURLE_OK)
		return transfer_failed(a, code, l);
	if (!r->has_wait && r->exhausted && a->reset > 0)
		r->retry_after = http_wait(a->reset - (long long)time(NULL));
	if (r->status == 200)
		return parse_body(a, l);
	if (a->read_errors && a->body.len > 0 &&
	    !memchr(a->body.data, '\0', a->body.len) &&
	    depth_ok(a->body.data, a->body.len, SOURCE_API_MAX_DEPTH))
		r->json = yajl_tree_parse(a->body.data, NULL, 0);
	return 0;
}

int source_api_get(struct source_api *a, const char *url, const char *accept,
		   const char *const *headers, struct source_listing *l,
		   struct source_api_reply *reply)
{
	struct source_api_reply r = {0};
	int ret;

	a->reply = &r;
	ret = perform(a, url, accept, headers, l);
	a->reply = NULL;
	if (ret < 0) {
		source_api_reply_free(&r);
		return ret;
	}
	*reply = r;
	return 0;
}

void source_api_reply_free(struct source_api_reply *reply)
{
	if (reply->json)
		yajl_tree_free(reply->json);
	reply->json = NULL;
}

/* ---- the handle ------------------------------------------------------------ */

int source_api_new(const struct source_request *rq,
		   struct source_listing *ret_error, struct source_api **ret)
{
	struct source_api *a;
	CURL *c = curl_easy_init();

	if (!c)
		return source_api_fail(ret_error, -EIO,
				       "cannot set up libcurl");
	a = xcalloc(1, sizeof(*a));
	a->rq = rq;
	a->curl = c;
	buf_init(&a->body, SOURCE_API_MAX_REPLY);
	*ret = a;
	return 0;
}

void source_api_limit(struct source_api *a, size_t max_reply)
{
	buf_free(&a->body);
	buf_init(&a->body, MIN(max_reply, (size_t)SOURCE_API_MAX_REPLY));
}

void source_api_read_errors(struct source_api *a)
{
	a->read_errors = true;
}

struct source_api *source_api_free(struct source_api *a)
{
	if (!a)
		return NULL;
	curl_easy_cleanup(a->curl);
	buf_free(&a->body);
	free(a);
	return NULL;
}
