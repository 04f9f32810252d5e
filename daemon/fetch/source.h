/*
 * source.h: the files of a dataset's newest release, as its source lists
 * them.  Each source is one row of one table (source.c), like the formats:
 *
 *   url           the one file at the dataset's url
 *   urls          every file listed, in order
 *   huggingface   GET {endpoint}/api/datasets/{repo}/revision/{revision}:
 *                 its commit "sha" is the release; then
 *                 GET {endpoint}/api/datasets/{repo}/tree/{sha}?recursive=true,
 *                 paged by Link: <...>; rel="next", lists the files (type
 *                 "file" whose path matches files:), each known by its
 *                 lfs.oid (the SHA-256) and downloaded from
 *                 {endpoint}/datasets/{repo}/resolve/{sha}/{path} (which
 *                 answers 302 to a signed URL on another host)
 *   github        GET {endpoint}/repos/{repo}/commits?path=P&sha=REF&per_page=1
 *                 with If-None-Match: the newest commit touching the path
 *                 is the release (a 304: nothing new); then
 *                 GET {endpoint}/repos/{repo}/contents/{path}?ref={sha}
 *                 lists the files (a file, or a directory's, filtered by a
 *                 glob in the path's last part), each downloaded from its
 *                 download_url
 *   google_drive  {endpoint}/uc?export=download&id=ID, answered by the file
 *                 itself or by a virus-scan warning page whose form (its
 *                 action and hidden inputs) gives the file's URL; a quota
 *                 page or any other HTML is an error naming the page.
 *                 With an api_key and the newest release's MD5, Drive's
 *                 files API is asked first: the same MD5 and size are
 *                 nothing new (drive_api.h)
 *
 * A source's API requests carry the dataset's headers (its token) only to
 * the dataset's url's origin (the endpoint), and never follow a redirect
 * elsewhere with them.  A 429 or 503 with Retry-After is reported with the
 * seconds asked for (the scheduler waits; nothing here retries in a
 * loop).  What a server sent goes into the error escaped (text_escape()).
 */
#ifndef SCRAPEWATCH_SOURCE_H
#define SCRAPEWATCH_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

#define SOURCE_MAX_FILES 100000 /* files in one release, at most */

/* One file of a release. */
struct source_file {
	char *name; /* owned: its path in the release ("data/x.parquet"),
		     * or for url and urls the URL's last path segment */
	char *url;  /* owned: where it downloads from */
	/* Its content's SHA-256 (lower-case hex) when the source says (a
	 * hub's lfs.oid), else "". */
	char sha256[65];
	int64_t size; /* its size in bytes when the source says, else -1 */
	/* Only the file is acceptable: an HTML page in its place is an error
	 * (Google Drive answers with pages). */
	bool refuse_html;
};

struct source_request {
	const struct config_dataset *dataset;
	const struct config_fetch *options;
	/* The newest release's revision (a commit sha) and the listing's
	 * validator kept with it (GitHub's ETag), or NULL. */
	const char *last_revision;
	const char *last_etag;
	/* google_drive: the MD5 and size of the newest release's file, or
	 * NULL: with an api_key, Drive's files API is asked first
	 * (drive_api.h), and the same MD5 and size are nothing new. */
	const char *last_md5;
	int64_t last_size;
};

struct source_listing {
	/* The release as the source names it (a commit sha), or "" (url,
	 * urls, google_drive). */
	char revision[128];
	/* Nothing changed since last_revision: files is empty and revision
	 * is last_revision. */
	bool not_modified;
	char etag[256]; /* the listing's validator to send next time, or "" */
	struct source_file *files; /* owned, sorted by name */
	size_t n_files;
	int http_status;      /* of the last API response, or 0 */
	unsigned retry_after; /* seconds the host asked to wait, or 0 */
	unsigned requests;    /* API requests made */
	char error[512];      /* why it failed (escaped) */
};

/* Does the dataset's source list its files through an API (huggingface,
 * github, google_drive), rather than name them in the configuration? */
bool source_is_listed(const struct config_dataset *d);

/* Lists the release's files.  Returns 0 with ret filled (free it with
 * source_listing_free()), or -errno with ret->error saying why: -EAGAIN
 * (rate limited: ret->retry_after), -EACCES (400/401/403: gated, or a bad
 * token or api_key), -ENOENT (no such repository, revision, path or file,
 * or no file matches), -EBADMSG (a reply that does not read as the API's), -EFBIG
 * (more than SOURCE_MAX_FILES, or a reply over its cap), -EIO (the
 * transfer), -ECANCELED (the process is stopping). */
int source_list(const struct source_request *rq, struct source_listing *ret);

void source_listing_free(struct source_listing *l);

/* A page the host sent in place of a listed file (its title): the seconds
 * to wait before asking again when the page says the host is refusing for
 * a while (Google Drive's "Quota exceeded"), else 0. */
unsigned source_page_wait(const struct config_dataset *d, const char *title);

#endif
