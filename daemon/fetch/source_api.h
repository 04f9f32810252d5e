/*
 * source_api.h: one GET of a host's JSON API, as the sources that ask a
 * host what a release holds (source_hub.c, source_github.c) make it.
 *
 * A request carries the Accept line and the lines its source gives, and
 * the dataset's own headers (its token) only when the URL is on the
 * origin of the dataset's url.  Redirects are not followed (a 30x is the
 * caller's error), a reply is read into memory up to SOURCE_API_MAX_REPLY,
 * and a 200's body must be JSON (yajl's tree, its nesting capped).  The
 * stop flag aborts a transfer.  Every request counts in the listing's
 * requests and sets its http_status.  Errors written here are escaped
 * (text_escape()) and name URLs redacted (redact_url_new()); nothing here
 * logs.
 */
#ifndef SCRAPEWATCH_SOURCE_API_H
#define SCRAPEWATCH_SOURCE_API_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lib/buf.h"
#include "lib/macro.h"

#define SOURCE_API_MAX_REPLY (32u << 20) /* bytes of one reply, at most */
#define SOURCE_API_MAX_DEPTH 64		 /* nesting of a JSON reply */
#define SOURCE_API_TIMEOUT   300	 /* seconds one request may take */

struct config_dataset;
struct source_request;
struct source_listing;
struct source_api;

/* One response. */
struct source_api_reply {
	long status;
	/* owned: a 200's body, parsed (or another status's, see
	 * source_api_read_errors()); else NULL */
	yajl_val json;
	char url[2048];	 /* the URL asked for */
	char etag[256];	 /* ETag, or "" */
	char next[2048]; /* Link: <URL>; rel="next", or "" */
	/* Seconds to wait: Retry-After (seconds or an HTTP date), else the
	 * t= of a RateLimit header, else X-RateLimit-Reset (epoch seconds)
	 * when X-RateLimit-Remaining is 0; 0 when none says. */
	unsigned retry_after;
	bool exhausted; /* X-RateLimit-Remaining: 0 */
	bool has_wait;	/* Retry-After or RateLimit named the wait */
};

/* A handle for the requests of one listing, reused between them.
 * Returns 0, or -EIO (libcurl cannot start; ret_error says). */
int source_api_new(const struct source_request *rq,
		   struct source_listing *ret_error, struct source_api **ret);

/* Caps the replies a reads at max_reply bytes (at most, and by default,
 * SOURCE_API_MAX_REPLY): an API whose answers are small says so. */
void source_api_limit(struct source_api *a, size_t max_reply);

/* From now on a reply of another status than 200 whose body is JSON is
 * parsed too (reply->json: what an API says of its error); a body that is
 * not JSON is no error then, and reply->json stays NULL. */
void source_api_read_errors(struct source_api *a);

/* Frees a; accepts NULL; returns NULL. */
struct source_api *source_api_free(struct source_api *a);
DEFINE_FREEP(struct source_api, source_api_free)

/*
 * GETs url with "Accept: accept" and the header lines of headers (a NULL
 * terminated list, or NULL).  Returns 0 with *reply filled (free it with
 * source_api_reply_free()) whatever the status, or -errno with l->error
 * set: -EBADMSG (a 200 whose body is not JSON), -EFBIG (a reply over
 * the cap, see source_api_limit()), -EIO (the transfer failed),
 * -ECANCELED (the process is stopping).
 */
int source_api_get(struct source_api *a, const char *url, const char *accept,
		   const char *const *headers, struct source_listing *l,
		   struct source_api_reply *reply);

void source_api_reply_free(struct source_api_reply *reply);

/*
 * The error for a status no source answers in its own words: a 429, or a
 * 403 or 503 that names a wait or an exhausted limit, is -EAGAIN naming
 * the status and the wait (and l->retry_after set); anything else, a
 * redirect included, -EIO naming the status and the URL.  Returns the
 * negative errno.
 */
int source_api_status_fail(const struct source_api_reply *reply,
			   struct source_listing *l);

/* A reply that does not read as the API's: -EBADMSG, l->error naming the
 * URL (redacted) and what was wrong. */
int source_api_bad_reply(const struct source_api_reply *reply,
			 struct source_listing *l, const char *what);

/* Writes l->error (printf-style), escaped, and returns r. */
int source_api_fail(struct source_listing *l, int r, const char *fmt, ...)
	_printf_(3, 4);

/* Appends s percent-encoded: all but RFC 3986's unreserved characters
 * (and '/', when keep_slash).  Returns 0 or -E2BIG. */
int source_api_escape(struct buf *b, const char *s, bool keep_slash);

/* The member key of the object o when it is a string, else NULL. */
const char *source_api_string(yajl_val o, const char *key);

/* The member key of o when it is a non-negative integer, else -1. */
int64_t source_api_size(yajl_val o, const char *key);

/* Is s len lower-case hex digits? */
bool source_api_is_hex(const char *s, size_t len);

/* Is p a path inside a repository, fit to name a file of a release: at
 * most 1023 bytes, no empty, "." or ".." segment, no control character? */
bool source_api_path_ok(const char *p);

/* Does the dataset send an Authorization header (a token)? */
bool source_api_authorized(const struct config_dataset *d);

#endif
