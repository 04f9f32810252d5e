/*
 * smtp.c: sends one message over SMTP with libcurl (smtp.h).
 *
 * One easy handle per message: the URL (with the EHLO name as its path,
 * which is where libcurl takes it from), the envelope, TLS that is required
 * and verified, and the upload of the message from memory.  libcurl
 * hands every reply line of the server to the header callback; the last
 * one and the last refusal are kept, so that a refusal can be reported in
 * the server's words even when libcurl said QUIT after it.
 * The reply code comes from CURLINFO_RESPONSE_CODE, read before the handle
 * is cleaned up (the QUIT at cleanup would replace it).  This file decides
 * what is permanent (5xx) and maps CURLcode to errno; it does not log.
 */
#include "alert/smtp.h"

#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alert/mail.h"
#include "lib/macro.h"

#define SMTP_ADDR_MAX 320 /* local@domain: 64 + 1 + 255 */

/* The message being uploaded and the server's last reply line. */
struct smtp_session {
	const char *data; /* borrowed from the caller */
	size_t len, sent;
	char line[256];	   /* the last reply line: printable, no line end */
	char refusal[256]; /* the last 4xx or 5xx reply line, as line */
	char curl_error[CURL_ERROR_SIZE];
};

/* What a failed transfer means; the rest is -EIO. */
static const struct {
	CURLcode code;
	int error;
} smtp_errors[] = {
	{CURLE_LOGIN_DENIED, -EACCES},
	{CURLE_OPERATION_TIMEDOUT, -ETIMEDOUT},
	{CURLE_COULDNT_CONNECT, -ECONNREFUSED},
	{CURLE_COULDNT_RESOLVE_HOST, -EHOSTUNREACH},
	{CURLE_USE_SSL_FAILED, -EPROTO},
	{CURLE_SSL_CONNECT_ERROR, -EPROTO},
	{CURLE_PEER_FAILED_VERIFICATION, -EPROTO},
	{CURLE_SSL_CACERT_BADFILE, -EPROTO},
	{CURLE_SSL_CERTPROBLEM, -EPROTO},
	{CURLE_SSL_CIPHER, -EPROTO},
};

_printf_(2, 3) static void reply_text(struct smtp_reply *ret, const char *fmt,
				      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ret->text, sizeof(ret->text), fmt, ap);
	va_end(ap);
}

/* Copies at most size - 1 bytes of s, each non-printable one as '?'. */
static void printable_copy(char *out, size_t size, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size; i++)
		out[i] = s[i] >= ' ' && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

static size_t on_reply(char *data, size_t size, size_t n, void *userdata)
{
	struct smtp_session *s = userdata;
	size_t len = size * n, keep = len;

	while (keep > 0 && (data[keep - 1] == '\r' || data[keep - 1] == '\n'))
		keep--;
	printable_copy(s->line, sizeof(s->line), data, keep);
	/* libcurl may say QUIT after a refusal: keep the refusal's words. */
	if (keep > 0 && (data[0] == '4' || data[0] == '5'))
		memcpy(s->refusal, s->line, sizeof(s->refusal));
	return len;
}

static size_t on_read(char *buffer, size_t size, size_t n, void *userdata)
{
	struct smtp_session *s = userdata;
	size_t len = MIN(size * n, s->len - s->sent);

	memcpy(buffer, s->data + s->sent, len);
	s->sent += len;
	return len;
}

/* This host's fully qualified name, as the resolver gives it for the host
 * name (a name like "box" that /etc/hosts or DNS qualifies as
 * "box.example.org"), into out; false if it has none.  The lookup is local
 * on most systems (/etc/hosts, nss-myhostname); a host name that needs DNS
 * costs one query per message. */
static bool canonical_name(const char *host, char *out, size_t size)
{
	const struct addrinfo hints = {.ai_flags = AI_CANONNAME,
				       .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	bool ok;

	if (getaddrinfo(host, NULL, &hints, &ai) != 0)
		return false;
	ok = ai && ai->ai_canonname &&
	     config_ehlo_name_valid(ai->ai_canonname) &&
	     strlen(ai->ai_canonname) < size;
	if (ok)
		snprintf(out, size, "%s", ai->ai_canonname);
	freeaddrinfo(ai);
	return ok;
}

/* The name to greet with: smtp.helo if set; else this host's name if it is
 * a domain name, or the name the resolver qualifies it to; only then
 * SMTP_EHLO_FALLBACK, which receivers may score as spam. */
static void ehlo_name(const char *helo, char *out, size_t size)
{
	char host[256] = "";

	if (helo) {
		snprintf(out, size, "%s", helo);
		return;
	}
	if (gethostname(host, sizeof(host) - 1) == 0 && host[0] &&
	    config_ehlo_name_valid(host))
		snprintf(out, size, "%s", host);
	else if (!host[0] || !canonical_name(host, out, size))
		snprintf(out, size, "%s", SMTP_EHLO_FALLBACK);
}

/* cfg_url with the EHLO name as its path (unless it has a path already;
 * the configuration allows no path with helo):
 * "smtp://host:587" -> "smtp://host:587/NAME".  Returns a string to free
 * with curl_free(), or NULL when the URL is not smtp:// or smtps://. */
static char *session_url(const char *cfg_url, const char *helo)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *path = NULL, *url = NULL;
	char name[256], slashed[258];

	if (!u || curl_url_set(u, CURLUPART_URL, cfg_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0))
		goto out;
	if (helo || curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
	    strcmp(path, "/") == 0 || !path[0]) {
		ehlo_name(helo, name, sizeof(name));
		snprintf(slashed, sizeof(slashed), "/%s", name);
		if (curl_url_set(u, CURLUPART_PATH, slashed, 0) != CURLUE_OK)
			goto out;
	}
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		url = NULL;
out:
	curl_free(scheme);
	curl_free(path);
	curl_url_cleanup(u);
	return url;
}

/* The envelope: "<from>" and the one "<rcpt>".  Returns 0 or -EINVAL. */
static int envelope(const struct config_smtp *cfg, const char *rcpt, char *from,
		    char *to, size_t size, struct smtp_reply *ret)
{
	char addr[SMTP_ADDR_MAX + 1];

	if (!cfg->from || mail_address(cfg->from, addr, sizeof(addr)) < 0) {
		reply_text(ret, "the sender is not one email address");
		return -EINVAL;
	}
	snprintf(from, size, "<%s>", addr);
	if (!rcpt || mail_address(rcpt, addr, sizeof(addr)) < 0) {
		reply_text(ret, "the recipient is not one email address");
		return -EINVAL;
	}
	snprintf(to, size, "<%s>", addr);
	return 0;
}

static void setup(CURL *c, const char *url, const char *ca_file,
		  long timeout_seconds, struct smtp_session *s)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_seconds);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_seconds);
	/* Also bounds the QUIT at cleanup, which CURLOPT_TIMEOUT does not. */
	curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout_seconds);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->len);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_reply);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_error);
}

static int curl_errno(CURLcode rc)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(smtp_errors); i++)
		if (smtp_errors[i].code == rc)
			return smtp_errors[i].error;
	return -EIO;
}

/* Fills ret from the transfer's result and reply code. */
static int outcome(CURLcode rc, long code, const struct smtp_session *s,
		   struct smtp_reply *ret)
{
	char prefix[8];
	bool server_said;

	snprintf(prefix, sizeof(prefix), "%ld", code);
	server_said = code >= 400 && strncmp(s->refusal, prefix, 3) == 0;
	ret->code = (int)code;
	ret->permanent = rc != CURLE_OK && code >= 500 && code < 600;
	if (rc == CURLE_OK && code == 250) {
		reply_text(ret, "%s", s->line);
		return 0;
	}
	if (rc != CURLE_OK && server_said)
		reply_text(ret, "%s", s->refusal);
	else if (rc != CURLE_OK)
		reply_text(ret, "%s",
			   s->curl_error[0] ? s->curl_error
					    : curl_easy_strerror(rc));
	else
		reply_text(ret, "no 250 at the end of DATA: '%s'", s->line);
	return rc == CURLE_OK ? -EIO : curl_errno(rc);
}

/* One message on its way: the easy handle and what it needs. */
struct smtp_job {
	CURL *curl;
	struct curl_slist *rcpts;
	char *url;
	char from[SMTP_ADDR_MAX + 3], to[SMTP_ADDR_MAX + 3];
	struct smtp_session session;
};

struct smtp_job *smtp_job_free(struct smtp_job *j)
{
	if (!j)
		return NULL;
	if (j->curl)
		curl_easy_cleanup(j->curl);
	curl_slist_free_all(j->rcpts);
	curl_free(j->url);
	free(j);
	return NULL;
}

int smtp_job_new(const struct config_smtp *cfg, const char *ca_file,
		 const char *rcpt, const char *data, size_t len,
		 long timeout_seconds, struct smtp_job **ret,
		 struct smtp_reply *reply)
{
	struct smtp_job *j;
	int r;

	*reply = (struct smtp_reply){.code = 0};
	if (!data || timeout_seconds <= 0) {
		reply_text(reply, "no message or no timeout");
		return -EINVAL;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		reply_text(reply, "out of memory");
		return -ENOMEM;
	}
	j->session = (struct smtp_session){.data = data, .len = len};
	if (cfg->url)
		j->url = session_url(cfg->url, cfg->helo);
	if (!j->url) {
		reply_text(reply, "the SMTP URL is not smtp:// or smtps://");
		smtp_job_free(j);
		return -EINVAL;
	}
	r = envelope(cfg, rcpt, j->from, j->to, sizeof(j->from), reply);
	if (r < 0) {
		smtp_job_free(j);
		return r;
	}
	j->curl = curl_easy_init();
	j->rcpts = curl_slist_append(NULL, j->to);
	if (!j->curl || !j->rcpts) {
		reply_text(reply, "cannot set up libcurl");
		smtp_job_free(j);
		return -ENOMEM;
	}
	setup(j->curl, j->url, ca_file, timeout_seconds, &j->session);
	curl_easy_setopt(j->curl, CURLOPT_MAIL_FROM, j->from);
	curl_easy_setopt(j->curl, CURLOPT_MAIL_RCPT, j->rcpts);
	if (cfg->user) {
		curl_easy_setopt(j->curl, CURLOPT_USERNAME, cfg->user);
		curl_easy_setopt(j->curl, CURLOPT_PASSWORD,
				 cfg->password ? cfg->password : "");
	}
	*ret = j;
	return 0;
}

CURL *smtp_job_handle(struct smtp_job *j)
{
	return j->curl;
}

int smtp_job_finish(struct smtp_job *j, CURLcode rc, struct smtp_reply *ret)
{
	long code = 0;

	*ret = (struct smtp_reply){.code = 0};
	curl_easy_getinfo(j->curl, CURLINFO_RESPONSE_CODE, &code);
	return outcome(rc, code, &j->session, ret);
}

int smtp_send(const struct config_smtp *cfg, const char *ca_file,
	      const char *rcpt, const char *data, size_t len,
	      long timeout_seconds, struct smtp_reply *ret)
{
	struct smtp_job *j = NULL;
	int r;

	r = smtp_job_new(cfg, ca_file, rcpt, data, len, timeout_seconds, &j,
			 ret);
	if (r < 0)
		return r;
	r = smtp_job_finish(j, curl_easy_perform(j->curl), ret);
	smtp_job_free(j);
	return r;
}
