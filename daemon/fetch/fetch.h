/*
 * fetch.h: downloads a dataset's release file with libcurl.
 *
 * A fetch sends back the validators of the dataset's newest content
 * (If-None-Match, If-Modified-Since), so an unchanged file costs one small
 * request.  Otherwise it downloads into CACHE/NAME.part, resuming an
 * earlier partial download with Range + If-Range, hashes the content on the
 * way (SHA-256, and MD5 for a publisher's pin), and once complete fsyncs it and renames it to
 * CACHE/NAME/SHA256.  Redirects are followed here, not by libcurl: only to
 * http and https, never from https down to http, at most
 * FETCH_MAX_REDIRECTS, and the dataset's headers and credentials go only to
 * the origin (scheme, host, port) of its configured URL.  A file that must
 * not be a page (refuse_html) fails when an HTML page comes in its place.
 *
 * A fetch is an object that steps through its requests, so that the daemon
 * can drive its handle from a curl multi loop; fetch_run() drives it to the
 * end with curl_easy_perform() for the command line.  The result says what
 * happened; the one thing logged is a validator (ETag, Last-Modified) that
 * was refused for holding control characters, as the fetch still works.
 * The result's error is escaped for people (text_escape()): it quotes what
 * servers sent.
 */
#ifndef SCRAPEWATCH_FETCH_H
#define SCRAPEWATCH_FETCH_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "store/store.h"

#define FETCH_MAX_REDIRECTS 5

struct fetch;

struct fetch_request {
	const struct config_dataset *dataset;
	const struct config_fetch *options;
	const char *cache_dir;
	/* The validators of the dataset's newest content, or NULL.  They are
	 * sent only when their url is the dataset's url. */
	const struct store_validators *last;
	/* What to download: NULL for the dataset's url, a file of its
	 * release (source.h), or the file:// URL of a file given by hand
	 * (`import`), taken into the cache the same way. */
	const char *url;
	/* The URL whose origin may receive the dataset's headers and
	 * credentials, or NULL for the URL fetched.  A hub's file names the
	 * hub (its token is not for the host a file downloads from). */
	const char *auth_url;
	/* The partial download's name in the cache (NAME.part), or NULL
	 * for the dataset's name: each file of a release has its own. */
	const char *part_name;
	/* Only the file is acceptable: a 200 whose Content-Type is text/html,
	 * or whose body begins "<!DOCTYPE html" or "<html", fails with an
	 * error naming the page's title, and nothing of it is kept (Google
	 * Drive answers with pages). */
	bool refuse_html;
};

struct fetch_result {
	bool not_modified;    /* the server said 304: nothing downloaded */
	int http_status;      /* of the last response; 0 for file:// */
	uint64_t bytes;	      /* body bytes received in this run */
	uint64_t resumed_at;  /* bytes kept from an earlier partial download */
	uint64_t size;	      /* the complete file's size */
	unsigned retry_after; /* seconds the server asked to wait, or 0 */
	char sha256[65];      /* of the complete file */
	char md5[33];	 /* of the complete file, lower-case hex; "" when the
		       * dataset needs no MD5 (no md5 pin, not on Drive) */
	char path[1024]; /* the complete file: CACHE/NAME/SHA256 */
	struct store_validators validators; /* the server's, for the url */
	char error[512];		    /* why it failed */
	/* The title of the HTML page refused in place of a refuse_html
	 * file (as the server sent it: escape it to show it), or "". */
	char page_title[128];
};

/* Prepares a fetch; its first request is ready on fetch_handle().
 * Returns 0, or -errno with the reason in the result's error. */
int fetch_new(const struct fetch_request *rq, struct fetch **ret);

/* The easy handle of the current request. */
CURL *fetch_handle(struct fetch *f);

/*
 * Takes the outcome of the current request.  Returns 1 when another
 * request is ready on fetch_handle() (a redirect, or a restart without
 * Range), 0 when the fetch is done (see fetch_result(): not_modified, or a
 * complete file at path), or -errno when it failed (the partial download
 * is kept for a resume when the server allows one; -EBADMSG: a page came
 * in place of a refuse_html file).
 */
int fetch_step(struct fetch *f, CURLcode code);

/* Runs all of a fetch's requests in turn.  Returns like fetch_step(),
 * never 1. */
int fetch_run(struct fetch *f);

const struct fetch_result *fetch_result(const struct fetch *f);

/* The file:// URL of the local file at path (made absolute, its symbolic
 * links resolved, percent-encoded).  Returns 0 with a malloc'ed URL in
 * *ret, or -errno (-ENOENT: no such file). */
int fetch_file_url(const char *path, char **ret);

/* Whether the dataset's files need their MD5: for its md5 pin, or to
 * compare with what Google Drive says of its file. */
bool fetch_needs_md5(const struct config_dataset *d);

/* The local file at path as it is, not copied (`import --no-copy`): its
 * SHA-256, its MD5 when the dataset needs one (see md5 above), and its size
 * into res, path into res->path.  Returns 0, or -errno with the reason in
 * res->error (-EINTR: the process is stopping). */
int fetch_hash_local(const struct config_dataset *d, const char *path,
		     struct fetch_result *res);

/* Frees a fetch (a partial download stays on disk); accepts NULL. */
struct fetch *fetch_free(struct fetch *f);

/* Initialises libcurl once for the program.  Returns 0 or -EIO. */
int fetch_global_init(void);

#endif
