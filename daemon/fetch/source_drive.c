/*
 * source_drive.c: the google_drive source (source.h): one file on Google
 * Drive, asked for at {endpoint}/uc?export=download&id=ID (the dataset's
 * url).
 *
 * Drive answers that URL with the file itself (a small one), or with an
 * HTML page: for a large file a "virus scan warning" whose form -- its
 * action and its hidden inputs, a confirm and a uuid among them -- makes
 * the URL that downloads it; when the file's daily quota is used up a
 * "Quota exceeded" page, for about a day; or some other page (a sign-in,
 * a missing file).  This reads a reply's headers and at most
 * DRIVE_PAGE_MAX bytes of a page, and stops the transfer as soon as the
 * reply shows itself to be the file.  It follows redirects itself (http
 * and https only, never from https down to http), sending the dataset's
 * headers only to the endpoint's origin.  The one file it lists must not
 * be a page (refuse_html) when it is fetched.  With an api_key and the
 * newest release's MD5, Drive's files API is asked first (drive_api.h):
 * the same file is "nothing new", with no request to the endpoint.  It
 * does not log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch/drive_api.h"
#include "fetch/fetch.h"
#include "fetch/html.h"
#include "fetch/http.h"
#include "fetch/source.h"
#include "fetch/source_internal.h"
#include "lib/buf.h"
#include "lib/redact.h"
#include "lib/stop.h"
#include "lib/text.h"

#define DRIVE_PAGE_MAX	 (1 << 20)  /* bytes of a page read, at most */
#define DRIVE_TIMEOUT	 300	    /* seconds one request may take */
#define DRIVE_QUOTA_WAIT (6 * 3600) /* before asking again after a quota page */
#define DRIVE_URL_MAX	 2047	    /* fetch.h's URLs are as long at most */

/* What the quota page says (its title, then its text). */
#define DRIVE_QUOTA_TITLE "Quota exceeded"
#define DRIVE_QUOTA_TEXT  "Too many users have viewed or downloaded this file"

struct drive {
	const struct source_request *rq;
	CURL *curl;		     /* owned */
	struct curl_slist *headers;  /* owned, of the current request */
	char url[DRIVE_URL_MAX + 1]; /* of the current request */

	/* The current reply. */
	long status;
	char content_type[128];
	char disposition[1024];
	unsigned retry_after;
	bool is_file;	 /* it is the file: the transfer was stopped */
	bool too_big;	 /* a page over DRIVE_PAGE_MAX: the transfer stopped */
	struct buf page; /* its body, unless is_file */
	char curl_error[CURL_ERROR_SIZE];
};

static void drive_done(struct drive *dr)
{
	curl_slist_free_all(dr->headers);
	if (dr->curl)
		curl_easy_cleanup(dr->curl);
	buf_free(&dr->page);
}

/* ---- one request --------------------------------------------------------- */

static bool is_2xx(long status)
{
	return status >= 200 && status <= 299;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct drive *dr = userdata;
	size_t len = size * n;
	char v[32];

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		const char *sp = memchr(data, ' ', len);

		dr->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		dr->content_type[0] = dr->disposition[0] = '\0';
		dr->retry_after = 0;
		buf_reset(&dr->page);
		return len;
	}
	/* The headers' end: a typed reply that is no page is the file, and
	 * none of it is wanted here. */
	if (((len == 2 && data[0] == '\r') || (len == 1 && data[0] == '\n')) &&
	    is_2xx(dr->status) && dr->content_type[0] &&
	    !html_type(dr->content_type)) {
		dr->is_file = true;
		return 0;
	}
	(void)http_header_value(data, len, "Content-Type", dr->content_type,
				sizeof(dr->content_type));
	(void)http_header_value(data, len, "Content-Disposition",
				dr->disposition, sizeof(dr->disposition));
	if (http_header_value(data, len, "Retry-After", v, sizeof(v)))
		(void)http_retry_after(v, &dr->retry_after);
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct drive *dr = userdata;
	size_t len = size * n;

	if (buf_append(&dr->page, data, len) < 0) {
		dr->too_big = true;
		return 0;
	}
	/* Untyped: its first bytes tell. */
	if (is_2xx(dr->status) && !html_type(dr->content_type) &&
	    html_sniff(dr->page.data, dr->page.len, false) == 0) {
		dr->is_file = true;
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

/* The dataset's headers and credentials, for the endpoint's origin
 * only. */
static bool set_credentials(struct drive *dr)
{
	const struct config_dataset *d = dr->rq->dataset;
	struct curl_slist *l;
	size_t i;

	curl_slist_free_all(dr->headers);
	dr->headers = curl_slist_append(NULL, "Accept: */*");
	if (!dr->headers)
		return false;
	if (!http_same_origin(dr->url, d->url))
		return true;
	for (i = 0; i < d->n_headers; i++) {
		struct buf line;

		buf_init(&line, 8192);
		if (buf_printf(&line, "%s: %s", d->headers[i].name,
			       d->headers[i].value) < 0)
			l = NULL;
		else
			l = curl_slist_append(dr->headers, line.data);
		explicit_bzero(line.data, line.len);
		buf_free(&line);
		if (!l)
			return false;
		dr->headers = l;
	}
	if (d->user) {
		curl_easy_setopt(dr->curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(dr->curl, CURLOPT_USERNAME, d->user);
		curl_easy_setopt(dr->curl, CURLOPT_PASSWORD, d->password);
	}
	return true;
}

/* url (a server's, perhaps), redacted and escaped for an error. */
static const char *shown_url(const char *url, char *out, size_t size)
{
	char redacted[512];

	redact_url(url, redacted, sizeof(redacted));
	text_escape_to(out, size, redacted);
	return out;
}

/* GETs dr->url.  Returns 0 with the reply in dr, or -errno. */
static int perform(struct drive *dr, struct source_listing *ret)
{
	const struct config_dataset *d = dr->rq->dataset;
	CURL *c = dr->curl;
	char shown[256];
	CURLcode code;

	http_setup(c, dr->rq->options, dr->url,
		   (long)MIN(d->timeout ? d->timeout : DRIVE_TIMEOUT,
			     (uint64_t)DRIVE_TIMEOUT),
		   false);
	dr->status = 0;
	dr->is_file = dr->too_big = false;
	buf_reset(&dr->page);
	if (!set_credentials(dr))
		return source_fail(ret, -EIO,
				   "out of memory for request headers");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, dr->headers);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, dr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, dr);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, dr->curl_error);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	dr->curl_error[0] = '\0';
	code = curl_easy_perform(c);
	ret->requests++;
	ret->http_status = (int)dr->status;
	if (code == CURLE_OK ||
	    (code == CURLE_WRITE_ERROR && (dr->is_file || dr->too_big)))
		return 0;
	if (code == CURLE_ABORTED_BY_CALLBACK && stop_requested())
		return source_fail(ret, -ECANCELED, "the process is stopping");
	return source_fail(
		ret, -EIO, "%s: %s", shown_url(dr->url, shown, sizeof(shown)),
		dr->curl_error[0] ? dr->curl_error : curl_easy_strerror(code));
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 ||
	       status == 307 || status == 308;
}

/* Moves dr->url to the redirect's Location.  Returns 0 or -EBADMSG. */
static int follow(struct drive *dr, unsigned n, struct source_listing *ret)
{
	char *to = NULL, shown[256];
	int r;

	curl_easy_getinfo(dr->curl, CURLINFO_REDIRECT_URL, &to);
	if (!to)
		return source_fail(ret, -EBADMSG,
				   "Google Drive answered HTTP %ld without a "
				   "Location",
				   dr->status);
	if (n > FETCH_MAX_REDIRECTS)
		return source_fail(ret, -EBADMSG,
				   "Google Drive redirected more than %d times "
				   "(a loop?)",
				   FETCH_MAX_REDIRECTS);
	r = http_next_allowed(dr->url, to);
	if (r < 0 || strlen(to) > DRIVE_URL_MAX)
		return source_fail(
			ret, -EBADMSG,
			"Google Drive redirected to '%s', refused: %s",
			shown_url(to, shown, sizeof(shown)),
			r == -EPERM ? "it leaves https for plain http"
			: r < 0	    ? "only http and https are followed"
				    : "the URL is too long");
	snprintf(dr->url, sizeof(dr->url), "%s", to);
	return 0;
}

/* ---- the answer ---------------------------------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The value of a Content-Disposition's filename* (RFC 8187: UTF-8'' and
 * percent-encoded) or filename (quoted or not) into name; "" if none. */
static void disposition_filename(const char *v, char *name, size_t size)
{
	const char *p = strcasestr(v, "filename*=");
	size_t i = 0;

	name[0] = '\0';
	if (p && strncasecmp(p + 10, "UTF-8''", 7) == 0) {
		for (p += 17; *p && *p != ';' && *p != ' ' && i + 1 < size;
		     p++) {
			int hi = *p == '%' ? hex_digit(p[1]) : -1;
			int lo = hi >= 0 ? hex_digit(p[2]) : -1;

			name[i++] = lo >= 0 ? (char)(hi << 4 | lo) : *p;
			if (lo >= 0)
				p += 2;
		}
		name[i] = '\0';
		return;
	}
	p = strcasestr(v, "filename=");
	if (p && p[9] == '"')
		snprintf(name, size, "%.*s", (int)strcspn(p + 10, "\""),
			 p + 10);
	else if (p)
		snprintf(name, size, "%.*s", (int)strcspn(p + 9, "; \t"),
			 p + 9);
}

/* The file's name from a Content-Disposition value, without any path;
 * "" when there is none fit to be a name (control characters, not
 * UTF-8, "." or "..", over 255 bytes). */
static void disposition_name(const char *v, char *out, size_t size)
{
	char name[512];
	const char *p;
	size_t i;

	out[0] = '\0';
	disposition_filename(v, name, sizeof(name));
	p = name + strlen(name);
	while (p > name && p[-1] != '/' && p[-1] != '\\')
		p--;
	for (i = 0; p[i]; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return;
	if (i == 0 || i > 255 || strcmp(p, ".") == 0 || strcmp(p, "..") == 0 ||
	    !text_utf8_valid(p, i))
		return;
	snprintf(out, size, "%s", p);
}

/* The reply is the file: the listing is it, at the dataset's url. */
static int list_the_file(struct drive *dr, struct source_listing *ret)
{
	const struct config_dataset *d = dr->rq->dataset;
	char name[512];
	int r;

	disposition_name(dr->disposition, name, sizeof(name));
	r = source_add_file(ret, name[0] ? name : d->source.id, d->url, NULL,
			    -1);
	if (r >= 0)
		ret->files[ret->n_files - 1].refuse_html = true;
	return r;
}

/* The warning page's form: a GET form to an http(s) action with a hidden
 * input id holding the file's id (a sign-in page has forms too).  NULL if
 * there is none. */
static const struct html_form *warning_form(const struct html_form *forms,
					    size_t n, const char *id)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct html_form *f = &forms[i];

		if (!f->get || (strncasecmp(f->action, "https://", 8) != 0 &&
				strncasecmp(f->action, "http://", 7) != 0))
			continue;
		for (j = 0; j < f->n_inputs; j++)
			if (strcmp(f->inputs[j].name, "id") == 0 &&
			    strcmp(f->inputs[j].value, id) == 0)
				return f;
	}
	return NULL;
}

/* A page from Drive that is no quota page: the warning's form gives the
 * file, or the page is not one this reads. */
static int list_from_form(struct drive *dr, const char *title,
			  struct source_listing *ret)
{
	const char *id = dr->rq->dataset->source.id;
	struct html_form *forms = NULL;
	size_t n = html_forms(dr->page.data, dr->page.len, &forms);
	const struct html_form *form = warning_form(forms, n, id);
	char shown[256];
	struct buf url;
	int r;

	buf_init(&url, DRIVE_URL_MAX);
	if (!form)
		r = source_fail(ret, -EBADMSG,
				"Google Drive answered file '%s' with a page "
				"that is neither the file nor its download "
				"warning: '%s' (HTTP %ld)",
				id, title, dr->status);
	else if (http_next_allowed(dr->url, form->action) < 0)
		r = source_fail(ret, -EBADMSG,
				"Google Drive's download warning for file '%s' "
				"sends to '%s', refused: it leaves https for "
				"plain http",
				id,
				shown_url(form->action, shown, sizeof(shown)));
	else if (html_form_url(form, &url) < 0)
		r = source_fail(ret, -EBADMSG,
				"Google Drive's download warning for file '%s' "
				"makes a URL over %d bytes",
				id, DRIVE_URL_MAX);
	else
		r = source_add_file(ret, id, url.data, NULL, -1);
	if (r >= 0)
		ret->files[ret->n_files - 1].refuse_html = true;
	buf_free(&url);
	html_forms_free(forms, n);
	return r;
}

unsigned source_drive_page_wait(const char *title)
{
	return strcasestr(title, DRIVE_QUOTA_TITLE) ? DRIVE_QUOTA_WAIT : 0;
}

/* Is the page Drive's "Quota exceeded"? */
static bool is_quota_page(const struct drive *dr, const char *title)
{
	return strcasestr(title, DRIVE_QUOTA_TITLE) ||
	       strcasestr(dr->page.data, DRIVE_QUOTA_TEXT);
}

/* What the last reply (no redirect) says of the file. */
static int answer(struct drive *dr, struct source_listing *ret)
{
	const char *id = dr->rq->dataset->source.id;
	char raw[HTML_TITLE_MAX + 8], title[4 * sizeof(raw)];
	long st = dr->status;

	if (dr->is_file || (is_2xx(st) && !html_type(dr->content_type) &&
			    html_sniff(dr->page.data, dr->page.len, true) == 0))
		return list_the_file(dr, ret);
	html_title(dr->page.data, dr->page.len, raw, sizeof(raw));
	text_escape_to(title, sizeof(title), raw);
	if (st == 404)
		return source_fail(ret, -ENOENT,
				   "Google Drive has no file '%s' (HTTP 404)",
				   id);
	if (st == 429 || (st == 503 && dr->retry_after)) {
		ret->retry_after = dr->retry_after;
		return source_fail(ret, -EAGAIN,
				   "Google Drive asks to wait %u seconds "
				   "(HTTP %ld)",
				   dr->retry_after, st);
	}
	if ((st == 200 || st == 403) && is_quota_page(dr, raw)) {
		ret->retry_after = MAX(dr->retry_after, DRIVE_QUOTA_WAIT);
		return source_fail(ret, -EAGAIN,
				   "Google Drive answered with its \"Quota "
				   "exceeded\" page (HTTP %ld): too many have "
				   "downloaded file '%s' lately; it can be "
				   "fetched again later (in about a day)",
				   st, id);
	}
	if (st == 401 || st == 403)
		return source_fail(ret, -EACCES,
				   "Google Drive refuses file '%s' (HTTP %ld): "
				   "'%s'",
				   id, st, title);
	if (!is_2xx(st))
		return source_fail(ret, -EIO,
				   "Google Drive answered HTTP %ld for file "
				   "'%s': '%s'",
				   st, id, title);
	if (dr->too_big)
		return source_fail(ret, -EFBIG,
				   "Google Drive's page for file '%s' is over "
				   "%d bytes, more than any it sends",
				   id, DRIVE_PAGE_MAX);
	return list_from_form(dr, title, ret);
}

int source_list_google_drive(const struct source_request *rq,
			     struct source_listing *ret)
{
	_cleanup_(drive_done) struct drive dr = {.rq = rq};
	unsigned redirects = 0;
	int r;

	if (rq->dataset->source.api_key && rq->last_md5) {
		r = drive_api_check(rq, ret);
		if (r < 0)
			return r;
		if (r > 0) {
			ret->not_modified = true;
			return 0;
		}
	}
	buf_init(&dr.page, DRIVE_PAGE_MAX);
	dr.curl = curl_easy_init();
	if (!dr.curl)
		return source_fail(ret, -EIO, "cannot set up libcurl");
	snprintf(dr.url, sizeof(dr.url), "%s", rq->dataset->url);
	for (;;) {
		r = perform(&dr, ret);
		if (r < 0)
			return r;
		if (!is_redirect(dr.status))
			break;
		r = follow(&dr, ++redirects, ret);
		if (r < 0)
			return r;
	}
	return answer(&dr, ret);
}
