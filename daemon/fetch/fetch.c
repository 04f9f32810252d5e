/*
 * fetch.c: downloads a dataset's release file (fetch.h).
 *
 * One fetch owns one easy handle, reset and set up again for every request
 * it makes (a redirect, or a restart when a resume is refused).  The
 * partial download CACHE/NAME.part is locked while in use, and
 * CACHE/NAME.part.info holds the URL and validators of the content in it:
 * a later fetch resumes only with a validator the server can check
 * (If-Range), so bytes of two different files are never joined.  The
 * SHA-256 (and the MD5, computed only for a dataset that needs it: an md5
 * pin or Google Drive, as MD5 costs twice SHA-256's time) cover every byte
 * of the file, those kept from an earlier try included.  A refuse_html fetch holds a 200's first bytes
 * until they tell an HTML page from the file: a page is read into memory
 * (for its title) and never written.  What a server says goes into the
 * result's error escaped (text_escape()), and validators holding control
 * characters are neither kept nor sent back.
 */
#include "fetch/fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch/html.h"
#include "fetch/http.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/redact.h"
#include "lib/stop.h"
#include "lib/text.h"
#include "lib/xalloc.h"

#define FETCH_PATH_MAX 1024
#define FETCH_PAGE_MAX (64 << 10)  /* of an HTML page read for its title */
#define FETCH_CHUNK    (512 << 10) /* libcurl's receive buffer */

struct fetch {
	struct fetch_request rq;
	CURL *curl;		    /* owned */
	struct curl_slist *headers; /* owned, of the current request */
	EVP_MD_CTX *sha, *md5;	    /* owned: the content's hashes; md5 NULL
				     * when the dataset needs no MD5 */
	char origin_url[2048];	    /* the dataset's URL */
	char url[2048];		    /* of the current request */
	unsigned redirects;
	bool restarted; /* the partial download was dropped (a 416, or a 206
			 * of another file) */

	int part_fd; /* CACHE/NAME.part, locked */
	char part_path[FETCH_PATH_MAX], info_path[FETCH_PATH_MAX];
	uint64_t part_size;  /* bytes in it */
	char if_range[256];  /* validator of its content, "" if none */
	bool sent_range;     /* the current request asked for the rest */
	bool sent_condition; /* ... sent If-None-Match or If-Modified-Since */
	bool other_file;     /* its 206 is of another file than the partial */
	bool moved;	     /* renamed into place: no partial left */

	/* The current response, from its header lines. */
	long status;
	char reason[64];
	char etag[256], last_modified[64];
	bool has_range;
	uint64_t range_start;
	unsigned retry_after;
	bool body_started, writing;
	bool too_big;
	int write_errno;

	/* refuse_html: a 200's first bytes, held until they tell a page from
	 * the file (sniffed), and a page, read for its title (html). */
	char content_type[128];
	char head[1024];
	size_t n_head;
	bool sniffed, html;
	struct buf page;

	char curl_error[CURL_ERROR_SIZE];
	struct fetch_result res;
};

int fetch_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

/* Sets the result's error, escaped: it quotes what servers sent (a reason
 * phrase, a Location), and it is logged, stored and shown. */
_printf_(2, 3) static int fetch_fail(struct fetch *f, const char *fmt, ...)
{
	char raw[sizeof(f->res.error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	text_utf8_trim(raw);
	text_escape_to(f->res.error, sizeof(f->res.error), raw);
	return -EIO;
}

/* Whether s holds a control character.  A validator is sent back as it
 * came, in a header line: a CR or LF in it would end that line, so one
 * holding any is taken for none. */
static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* ---- origins and redirects -------------------------------------------- */

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 ||
	       status == 307 || status == 308;
}

/* ---- the partial download ---------------------------------------------- */

/* Reads CACHE/NAME.part.info: the URL and the validator to resume with. */
static void part_info_read(struct fetch *f)
{
	char url[2048] = "", etag[256] = "", lm[64] = "";
	FILE *in = fopen_nofollow(f->info_path, "r", 0);

	f->if_range[0] = '\0';
	if (!in)
		return;
	if (fgets(url, sizeof(url), in) && fgets(etag, sizeof(etag), in) &&
	    fgets(lm, sizeof(lm), in)) {
		url[strcspn(url, "\n")] = '\0';
		etag[strcspn(etag, "\n")] = '\0';
		lm[strcspn(lm, "\n")] = '\0';
		/* If-Range takes a strong ETag or a date. */
		if (strcmp(url, f->origin_url) == 0)
			snprintf(f->if_range, sizeof(f->if_range), "%s",
				 etag[0] == '"' ? etag : lm);
		if (has_control(f->if_range))
			f->if_range[0] = '\0'; /* no resume: start whole */
	}
	fclose(in);
}

static void part_info_write(struct fetch *f)
{
	FILE *out = fopen_nofollow(f->info_path, "w", 0600);

	if (!out)
		return; /* the download works; only a resume will not */
	fprintf(out, "%s\n%s\n%s\n", f->origin_url, f->etag, f->last_modified);
	if (fclose(out) != 0)
		(void)unlink(f->info_path);
}

bool fetch_needs_md5(const struct config_dataset *d)
{
	return d->md5 || d->source.kind == CONFIG_SOURCE_GOOGLE_DRIVE;
}

/* Starts both hashes over.  Returns 0 or -EIO. */
static int hash_init(struct fetch *f)
{
	if (!EVP_DigestInit_ex(f->sha, EVP_sha256(), NULL) ||
	    (f->md5 && !EVP_DigestInit_ex(f->md5, EVP_md5(), NULL)))
		return -EIO;
	return 0;
}

static bool hash_update(struct fetch *f, const void *data, size_t len)
{
	return EVP_DigestUpdate(f->sha, data, len) &&
	       (!f->md5 || EVP_DigestUpdate(f->md5, data, len));
}

/* Writes ctx's digest as lower-case hex into out (2 * its size + 1). */
static bool hash_final(EVP_MD_CTX *ctx, char *out, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned i, len = 0;

	if (!EVP_DigestFinal_ex(ctx, md, &len) || 2 * (size_t)len + 1 > size)
		return false;
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return true;
}

/* Empties the partial download and restarts the hashes. */
static int part_reset(struct fetch *f)
{
	if (ftruncate(f->part_fd, 0) < 0 || lseek(f->part_fd, 0, SEEK_SET) < 0)
		return -errno;
	f->part_size = 0;
	f->res.resumed_at = 0;
	(void)unlink(f->info_path);
	return hash_init(f);
}

/* Hashes what is left in fd, adding its length to *size.  Returns 0 or
 * -errno (-EINTR: the process is stopping). */
static int hash_fd(struct fetch *f, int fd, uint64_t *size)
{
	_cleanup_free_ char *buf = malloc(FETCH_CHUNK);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(fd, buf, FETCH_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR && !stop_requested())
			continue;
		if (n < 0)
			return -errno;
		if (stop_requested())
			return -EINTR;
		if (!hash_update(f, buf, (size_t)n))
			return -EIO;
		*size += (uint64_t)n;
	}
	return 0;
}

/* Hashes what is already in the partial download, to resume after it. */
static int part_hash(struct fetch *f)
{
	uint64_t size = 0;

	if (lseek(f->part_fd, 0, SEEK_SET) < 0)
		return -errno;
	return hash_fd(f, f->part_fd, &size);
}

int fetch_hash_local(const struct config_dataset *d, const char *path,
		     struct fetch_result *res)
{
	struct fetch f = {.sha = EVP_MD_CTX_new()};
	_cleanup_close_ int fd = -1;
	int r = 0;

	*res = (struct fetch_result){0};
	if (fetch_needs_md5(d))
		f.md5 = EVP_MD_CTX_new();
	if ((size_t)snprintf(res->path, sizeof(res->path), "%s", path) >=
	    sizeof(res->path))
		r = -ENAMETOOLONG;
	else if (!f.sha || (fetch_needs_md5(d) && !f.md5) || hash_init(&f) < 0)
		r = -ENOMEM;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		r = -errno;
	else
		r = hash_fd(&f, fd, &res->size);
	if (r == 0 &&
	    (!hash_final(f.sha, res->sha256, sizeof(res->sha256)) ||
	     (f.md5 && !hash_final(f.md5, res->md5, sizeof(res->md5)))))
		r = -EIO;
	if (r < 0)
		snprintf(res->error, sizeof(res->error), "cannot read '%s': %s",
			 path, strerror(-r));
	EVP_MD_CTX_free(f.sha);
	EVP_MD_CTX_free(f.md5);
	return r;
}

/* Opens and locks CACHE/NAME.part and decides whether to resume it. */
static int part_open(struct fetch *f)
{
	const char *cache = f->rq.cache_dir, *name = f->rq.dataset->name;
	const char *part = f->rq.part_name ? f->rq.part_name : name;
	struct stat st;
	int r;

	if ((size_t)snprintf(f->part_path, sizeof(f->part_path), "%s/%s.part",
			     cache, part) >= sizeof(f->part_path) ||
	    (size_t)snprintf(f->info_path, sizeof(f->info_path), "%s.info",
			     f->part_path) >= sizeof(f->info_path))
		return fetch_fail(f, "cache directory path too long");
	r = mkdir_p(cache);
	if (r < 0)
		return fetch_fail(f, "cannot create cache directory '%s': %s",
				  cache, strerror(-r));
	f->part_fd = open(f->part_path,
			  O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f->part_fd < 0)
		return fetch_fail(f, "cannot open '%s': %s", f->part_path,
				  strerror(errno));
	if (flock(f->part_fd, LOCK_EX | LOCK_NB) < 0)
		return fetch_fail(f,
				  "another check of dataset '%s' is "
				  "downloading it now",
				  name);
	if (fstat(f->part_fd, &st) < 0)
		return fetch_fail(f, "cannot stat '%s': %s", f->part_path,
				  strerror(errno));
	if (hash_init(f) < 0)
		return fetch_fail(f, "cannot start SHA-256 and MD5");
	part_info_read(f);
	if (st.st_size > 0 && f->if_range[0]) {
		f->part_size = (uint64_t)st.st_size;
		r = part_hash(f);
	} else
		r = part_reset(f);
	if (r < 0)
		return fetch_fail(f, "cannot read '%s': %s", f->part_path,
				  strerror(-r));
	return 0;
}

/* ---- one request -------------------------------------------------------- */

static bool add_header(struct fetch *f, const char *name, const char *value)
{
	char line[8192];
	struct curl_slist *l;

	if ((size_t)snprintf(line, sizeof(line), "%s: %s", name, value) >=
	    sizeof(line))
		return false;
	l = curl_slist_append(f->headers, line);
	explicit_bzero(line, sizeof(line));
	if (!l)
		return false;
	f->headers = l;
	return true;
}

/* The request's headers: the dataset's own only for its origin, the
 * validators of the newest content, and Range for a resume. */
static bool build_headers(struct fetch *f, bool own_origin)
{
	const struct config_dataset *d = f->rq.dataset;
	const struct store_validators *last = f->rq.last;
	bool ok = true;
	size_t i;

	curl_slist_free_all(f->headers);
	f->headers = NULL;
	if (own_origin)
		for (i = 0; i < d->n_headers && ok; i++)
			ok = add_header(f, d->headers[i].name,
					d->headers[i].value);
	f->sent_condition = false;
	if (last && strcmp(last->url, f->origin_url) == 0) {
		if (ok && last->etag[0] && !has_control(last->etag))
			ok = f->sent_condition =
				add_header(f, "If-None-Match", last->etag);
		if (ok && last->last_modified[0] &&
		    !has_control(last->last_modified))
			ok = f->sent_condition = add_header(
				f, "If-Modified-Since", last->last_modified);
	}
	f->sent_range = ok && f->part_size > 0;
	if (f->sent_range) {
		char range[64];

		snprintf(range, sizeof(range), "bytes=%" PRIu64 "-",
			 f->part_size);
		ok = add_header(f, "Range", range) &&
		     add_header(f, "If-Range", f->if_range);
	}
	/* No Accept-Encoding: the file's own bytes are what is hashed. */
	return ok && add_header(f, "Accept", "*/*");
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata);
static size_t on_body(char *data, size_t size, size_t n, void *userdata);

/* Forgets what the headers of a previous response said. */
static void response_reset(struct fetch *f)
{
	f->status = 0;
	f->reason[0] = f->etag[0] = f->last_modified[0] = '\0';
	f->has_range = false;
	f->retry_after = 0;
	f->content_type[0] = '\0';
	f->n_head = 0;
	f->sniffed = f->html = false;
	buf_reset(&f->page);
}

/* Stops a transfer when the process is stopping (the .part file stays,
 * and the next check resumes it). */
static int on_progress(void *userdata _unused_, curl_off_t dltotal _unused_,
		       curl_off_t dlnow _unused_, curl_off_t ultotal _unused_,
		       curl_off_t ulnow _unused_)
{
	return stop_requested() ? 1 : 0;
}

/* Sets the handle up for a request of f->url. */
static int prepare(struct fetch *f)
{
	const struct config_fetch *o = f->rq.options;
	const struct config_dataset *d = f->rq.dataset;
	bool own = http_same_origin(f->url, f->rq.auth_url ? f->rq.auth_url
							   : f->origin_url);
	CURL *c = f->curl;

	http_setup(c, o, f->url, (long)d->timeout, true);
	response_reset(f);
	f->body_started = f->writing = false;
	if (!build_headers(f, own))
		return fetch_fail(f, "out of memory for request headers");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)MIN(d->max_download, (uint64_t)INT64_MAX));
	if (own && d->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, d->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, d->password);
	}
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	/* Bodies of hundreds of megabytes: a write (and a hash call) every
	 * FETCH_CHUNK bytes, not every 16 KiB. */
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, (long)FETCH_CHUNK);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, f->curl_error);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	f->curl_error[0] = '\0';
	return 0;
}

/* ---- the response ------------------------------------------------------- */

static void status_line(struct fetch *f, const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len);
	size_t rest;

	response_reset(f);
	if (!sp)
		return;
	f->status = strtol(sp + 1, NULL, 10);
	sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - line));
	if (!sp)
		return;
	rest = len - (size_t)(sp + 1 - line);
	while (rest && strchr("\r\n", sp[rest]))
		rest--;
	snprintf(f->reason, sizeof(f->reason), "%.*s",
		 (int)MIN(rest, sizeof(f->reason) - 1), sp + 1);
	f->reason[strcspn(f->reason, "\r\n")] = '\0';
}

/* Drops a validator holding control characters, and says so: the next
 * check of the dataset downloads it whole. */
static void validator_check(const struct fetch *f, const char *name,
			    char *value)
{
	if (!has_control(value))
		return;
	log_warning("%s: the server's %s '%s' holds control characters; "
		    "ignored, as if it had sent none",
		    f->url, name, value);
	value[0] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct fetch *f = userdata;
	size_t len = size * n;
	char v[128];

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0)
		status_line(f, data, len);
	else if (http_header_value(data, len, "Content-Range", v, sizeof(v)))
		f->has_range =
			sscanf(v, "bytes %" SCNu64 "-", &f->range_start) == 1;
	else if (http_header_value(data, len, "Retry-After", v, sizeof(v)))
		(void)http_retry_after(v, &f->retry_after);
	else if (http_header_value(data, len, "ETag", f->etag, sizeof(f->etag)))
		validator_check(f, "ETag", f->etag);
	else if (http_header_value(data, len, "Last-Modified", f->last_modified,
				   sizeof(f->last_modified)))
		validator_check(f, "Last-Modified", f->last_modified);
	else
		(void)http_header_value(data, len, "Content-Type",
					f->content_type,
					sizeof(f->content_type));
	return len;
}

/* Whether the response carries the validator that If-Range sent: a strong
 * ETag, or a date. */
static bool same_file(const struct fetch *f)
{
	if (f->if_range[0] == '"')
		return strcmp(f->etag, f->if_range) == 0;
	return strcmp(f->last_modified, f->if_range) == 0;
}

/* Decides at the first byte of a body what to do with it: a full file
 * replaces the partial one, the rest of one is appended after it, and
 * anything else (an error page) is read and dropped. */
static int body_begin(struct fetch *f)
{
	f->body_started = true;
	if (f->status == 200 || f->status == 0) {
		f->writing = true;
		if (part_reset(f) < 0)
			return -1;
		if (f->etag[0] || f->last_modified[0])
			part_info_write(f);
		return 0;
	}
	if (f->status == 206) {
		if (!f->sent_range || !f->has_range ||
		    f->range_start != f->part_size)
			return -1;
		/* A server that ignores If-Range sends the rest of whatever
		 * file it has now: joined to the partial one, two files
		 * would make one release.  Its validator must be the one the
		 * partial download began with. */
		if (!same_file(f)) {
			f->other_file = true;
			return -1;
		}
		f->writing = true;
		f->res.resumed_at = f->part_size;
	}
	return 0;
}

/* Writes body bytes to the partial download and hashes them.  Returns
 * false to stop the transfer. */
static bool body_take(struct fetch *f, const char *data, size_t len)
{
	size_t done = 0;
	ssize_t w;

	if (!f->body_started && body_begin(f) < 0)
		return false;
	if (!f->writing)
		return true;
	if (f->part_size + len > f->rq.dataset->max_download) {
		f->too_big = true;
		return false;
	}
	while (done < len) {
		w = write(f->part_fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			f->write_errno = errno;
			return false;
		}
		done += (size_t)w;
	}
	if (!hash_update(f, data, len))
		return false;
	f->part_size += len;
	f->res.bytes += len;
	return true;
}

/* Reads a page, never written, up to its cap (enough for its title).
 * Returns false to stop the transfer. */
static bool page_take(struct fetch *f, const char *data, size_t len)
{
	size_t room = f->page.max - f->page.len;

	(void)buf_append(&f->page, data, MIN(len, room));
	return len < room;
}

/* Tells a page from the file by the held first bytes (complete: there
 * are no more).  Returns 1 (a page), 0 (the file) or -EAGAIN. */
static int sniff(struct fetch *f, bool complete)
{
	if (html_type(f->content_type))
		return 1;
	return html_sniff(f->head, f->n_head,
			  complete || f->n_head == sizeof(f->head));
}

/* refuse_html, a 200: holds its first bytes until they tell a page from
 * the file; a page goes to page_take(), the file to body_take(). */
static bool sniff_take(struct fetch *f, const char *data, size_t len)
{
	size_t take = MIN(len, sizeof(f->head) - f->n_head);
	int r;

	memcpy(f->head + f->n_head, data, take);
	f->n_head += take;
	r = sniff(f, false);
	if (r == -EAGAIN)
		return true;
	if (r == 1) {
		f->html = true;
		return page_take(f, f->head, f->n_head) &&
		       page_take(f, data + take, len - take);
	}
	f->sniffed = true;
	return body_take(f, f->head, f->n_head) &&
	       body_take(f, data + take, len - take);
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct fetch *f = userdata;
	size_t len = size * n;
	bool go_on;

	if (f->html)
		go_on = page_take(f, data, len);
	else if (f->rq.refuse_html && f->status == 200 && !f->sniffed)
		go_on = sniff_take(f, data, len);
	else
		go_on = body_take(f, data, len);
	return go_on ? len : 0;
}

/* ---- the end of a request ------------------------------------------------ */

/* refuse_html: a page came, and nothing of it is kept (a partial
 * download from before stays as it was). */
static int html_refused(struct fetch *f)
{
	_cleanup_free_ char *url = redact_url_new(f->url);
	char title[HTML_TITLE_MAX + 8];

	html_title(f->page.data, f->page.len, title, sizeof(title));
	snprintf(f->res.page_title, sizeof(f->res.page_title), "%s", title);
	if (title[0])
		fetch_fail(f,
			   "%s: the server sent an HTML page, not the file: "
			   "'%s'",
			   url, title);
	else
		fetch_fail(f, "%s: the server sent an HTML page, not the file",
			   url);
	return -EBADMSG;
}

static int transfer_failed(struct fetch *f, CURLcode code)
{
	if (f->html)
		return html_refused(f); /* its page reached the cap */
	if (f->too_big || code == CURLE_FILESIZE_EXCEEDED) {
		(void)part_reset(f);
		fetch_fail(f,
			   "%s: the file is larger than max_download "
			   "(%" PRIu64 " bytes)",
			   f->url, f->rq.dataset->max_download);
		return -EFBIG;
	}
	if (f->write_errno)
		return fetch_fail(f, "cannot write '%s': %s", f->part_path,
				  strerror(f->write_errno));
	if (code == CURLE_WRITE_ERROR && f->body_started && f->status == 206)
		return fetch_fail(f,
				  "%s: the server sent a range starting at "
				  "%" PRIu64 ", not at %" PRIu64,
				  f->url, f->range_start, f->part_size);
	if (code == CURLE_UNSUPPORTED_PROTOCOL)
		return fetch_fail(f,
				  "%s: only https, http and file URLs are "
				  "fetched",
				  f->url);
	return fetch_fail(f, "%s: %s", f->url,
			  f->curl_error[0] ? f->curl_error
					   : curl_easy_strerror(code));
}

/* A redirect: only to http(s), never https -> http, a few at most. */
static int follow(struct fetch *f)
{
	char *to = NULL;
	int r;

	curl_easy_getinfo(f->curl, CURLINFO_REDIRECT_URL, &to);
	if (!to)
		return fetch_fail(f, "%s: HTTP %ld redirect without a Location",
				  f->url, f->status);
	if (++f->redirects > FETCH_MAX_REDIRECTS)
		return fetch_fail(f, "%s: more than %d redirects (a loop?)",
				  f->url, FETCH_MAX_REDIRECTS);
	r = http_next_allowed(f->url, to);
	if (r == -EPROTONOSUPPORT)
		return fetch_fail(f,
				  "%s: redirect to '%.200s' refused: only "
				  "http and https are followed",
				  f->url, to);
	if (r < 0)
		return fetch_fail(f,
				  "%s: redirect to '%.200s' refused: it "
				  "leaves https for plain http",
				  f->url, to);
	if (strlen(to) >= sizeof(f->url))
		return fetch_fail(f, "%s: redirect URL too long", f->url);
	snprintf(f->url, sizeof(f->url), "%s", to);
	return prepare(f) < 0 ? -EIO : 1;
}

/* The validators the result reports for the dataset's URL. */
static void set_validators(struct fetch *f, const char *etag,
			   const char *last_modified)
{
	struct store_validators *v = &f->res.validators;

	snprintf(v->url, sizeof(v->url), "%s", f->origin_url);
	snprintf(v->etag, sizeof(v->etag), "%s", etag);
	snprintf(v->last_modified, sizeof(v->last_modified), "%s",
		 last_modified);
}

/* refuse_html, a 200 that ended before its first bytes told a page from
 * the file: they tell now.  Returns 0 (the file) or -errno. */
static int sniff_end(struct fetch *f)
{
	if (sniff(f, true) == 1) {
		f->html = true;
		(void)page_take(f, f->head, f->n_head);
		return html_refused(f);
	}
	f->sniffed = true;
	return body_take(f, f->head, f->n_head)
		       ? 0
		       : transfer_failed(f, CURLE_WRITE_ERROR);
}

/* The whole file is in CACHE/NAME.part: make it durable and name it by its
 * hash. */
static int complete(struct fetch *f)
{
	char dir[FETCH_PATH_MAX];
	int r;

	if (f->html)
		return html_refused(f);
	if (f->rq.refuse_html && f->status == 200 && !f->sniffed) {
		r = sniff_end(f);
		if (r < 0)
			return r;
	}
	if (!f->body_started && body_begin(f) < 0)
		return fetch_fail(f, "cannot empty '%s'", f->part_path);
	if (fsync(f->part_fd) < 0)
		return fetch_fail(f, "cannot write '%s': %s", f->part_path,
				  strerror(errno));
	if (!hash_final(f->sha, f->res.sha256, sizeof(f->res.sha256)) ||
	    (f->md5 && !hash_final(f->md5, f->res.md5, sizeof(f->res.md5))))
		return fetch_fail(f, "cannot finish SHA-256 and MD5");
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", f->rq.cache_dir,
			     f->rq.dataset->name) >= sizeof(dir) ||
	    (size_t)snprintf(f->res.path, sizeof(f->res.path), "%s/%s", dir,
			     f->res.sha256) >= sizeof(f->res.path))
		return fetch_fail(f, "cache directory path too long");
	r = mkdir_p(dir);
	if (r >= 0)
		r = rename_durably(f->part_path, f->res.path);
	if (r < 0)
		return fetch_fail(f, "cannot move the download to '%s': %s",
				  f->res.path, strerror(-r));
	f->moved = true;
	(void)unlink(f->info_path);
	f->res.size = f->part_size;
	set_validators(f, f->etag, f->last_modified);
	return 0;
}

/* Drops the partial download and asks for the whole file, once.  Returns
 * 1 (the request is ready), or -errno. */
static int restart_whole(struct fetch *f)
{
	f->restarted = true;
	f->other_file = false;
	if (part_reset(f) < 0)
		return fetch_fail(f, "cannot empty '%s'", f->part_path);
	return prepare(f) < 0 ? -EIO : 1;
}

int fetch_step(struct fetch *f, CURLcode code)
{
	long status = 0;

	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
	f->res.http_status = (int)status;
	f->res.retry_after = f->retry_after;
	if (f->other_file && !f->restarted)
		return restart_whole(f);
	if (code != CURLE_OK)
		return transfer_failed(f, code);
	if (is_redirect(status))
		return follow(f);
	if (status == 304 && !f->sent_condition)
		return fetch_fail(f,
				  "%s: HTTP 304 (Not Modified) to a request "
				  "without a condition",
				  f->url);
	if (status == 304) {
		f->res.not_modified = true;
		/* A 304 may repeat the validators or leave them out. */
		set_validators(f, f->etag[0] ? f->etag : f->rq.last->etag,
			       f->last_modified[0] ? f->last_modified
						   : f->rq.last->last_modified);
		(void)part_reset(f);
		return 0;
	}
	/* The partial download does not fit the file: start over. */
	if (status == 416 && f->sent_range && !f->restarted)
		return restart_whole(f);
	if (status != 200 && status != 206 && status != 0)
		return fetch_fail(f, "%s: HTTP %ld%s%s%s", f->url, status,
				  f->reason[0] ? " (" : "", f->reason,
				  f->reason[0] ? ")" : "");
	return complete(f);
}

/* ---- the object ----------------------------------------------------------- */

int fetch_file_url(const char *path, char **ret)
{
	_cleanup_free_ char *real = realpath(path, NULL);
	CURLU *u;
	char *url = NULL;
	int r = 0;

	if (!real)
		return -errno;
	u = curl_url();
	if (!u)
		abort();
	if (curl_url_set(u, CURLUPART_SCHEME, "file", 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PATH, real, CURLU_URLENCODE) !=
		    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		r = -EINVAL;
	if (r == 0)
		*ret = xstrdup(url);
	curl_free(url);
	curl_url_cleanup(u);
	return r;
}

int fetch_new(const struct fetch_request *rq, struct fetch **ret)
{
	struct fetch *f = xcalloc(1, sizeof(*f));
	int r;

	f->rq = *rq;
	f->part_fd = -1;
	buf_init(&f->page, FETCH_PAGE_MAX);
	*ret = f;
	snprintf(f->origin_url, sizeof(f->origin_url), "%s",
		 rq->url ? rq->url : rq->dataset->url);
	snprintf(f->url, sizeof(f->url), "%s", f->origin_url);
	f->curl = curl_easy_init();
	f->sha = EVP_MD_CTX_new();
	if (fetch_needs_md5(rq->dataset))
		f->md5 = EVP_MD_CTX_new();
	if (!f->curl || !f->sha || (!f->md5 && fetch_needs_md5(rq->dataset)))
		return fetch_fail(f, "cannot set up libcurl or the hashes");
	r = part_open(f);
	if (r < 0)
		return r;
	return prepare(f);
}

CURL *fetch_handle(struct fetch *f)
{
	return f->curl;
}

int fetch_run(struct fetch *f)
{
	int r;

	do
		r = fetch_step(f, curl_easy_perform(f->curl));
	while (r == 1);
	return r;
}

const struct fetch_result *fetch_result(const struct fetch *f)
{
	return &f->res;
}

struct fetch *fetch_free(struct fetch *f)
{
	if (!f)
		return NULL;
	/* An empty partial download is no use to a later fetch; drop it
	 * while the lock is still held. */
	if (f->part_fd >= 0 && !f->moved && f->part_size == 0)
		(void)unlink(f->part_path);
	if (f->part_fd >= 0)
		close(f->part_fd);
	curl_slist_free_all(f->headers);
	if (f->curl)
		curl_easy_cleanup(f->curl);
	EVP_MD_CTX_free(f->sha);
	EVP_MD_CTX_free(f->md5);
	buf_free(&f->page);
	free(f);
	return NULL;
}
