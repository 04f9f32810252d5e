/*
 * smtp.h: sends one built message to one recipient over SMTP (libcurl).
 *
 * Only encrypted sessions: smtp:// must upgrade with STARTTLS and smtps://
 * is TLS from the start; the server's certificate is always verified.  The
 * outcome says whether a retry can help: a 5xx reply is permanent,
 * everything else (4xx, a broken connection, TLS trouble, a timeout) is
 * temporary.  This module does not log (the caller does, once) and never
 * puts the password anywhere.
 */
#ifndef SCRAPEWATCH_SMTP_H
#define SCRAPEWATCH_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "config/config.h"

/* The EHLO name used when neither smtp.helo, the URL, this host's name nor
 * the name the resolver qualifies it to gives a domain name. */
#define SMTP_EHLO_FALLBACK "scrapewatch.invalid"

struct smtp_reply {
	int code;	/* the last SMTP reply code, 0 if none */
	char text[256]; /* the server's last reply line, or why the session
			   failed; printable ASCII only */
	bool permanent; /* a 5xx reply: do not retry */
};

/*
 * Sends data (len bytes, a complete RFC 5322 message with CRLF line ends,
 * e.g. from mail_build(); SMTP's dot-stuffing is done here) to rcpt (one
 * address, bare or "Name <addr>") through cfg: its url (smtp:// or
 * smtps://, host and port), its EHLO name (helo; else a path in the url;
 * else this host's name if it is a domain name (config_ehlo_name_valid()),
 * or else the fully qualified name getaddrinfo(AI_CANONNAME) gives for it;
 * else SMTP_EHLO_FALLBACK), its from (MAIL FROM takes the address part)
 * and, when user is set, AUTH with user and password.  ca_file is a CA
 * bundle to trust instead of the default bundle file (libcurl's CAINFO,
 * as in fetch.c; the system's CA directory still counts), or NULL.  The
 * whole session may take timeout_seconds.
 *
 * Returns 0 when the server accepted the message (250 at the end of DATA),
 * or a negative errno: -EINVAL for a bad argument (no session was tried),
 * -EACCES when the login was refused, -ETIMEDOUT, -ECONNREFUSED or
 * -EHOSTUNREACH when the server could not be reached in time, -EPROTO when
 * TLS could not be set up or the server's certificate was not trusted,
 * -EIO when the server refused the message or the connection broke, or
 * -ENOMEM when libcurl could not be set up.  ret is always filled in:
 * code, text and, on failure, permanent.
 */
int smtp_send(const struct config_smtp *cfg, const char *ca_file,
	      const char *rcpt, const char *data, size_t len,
	      long timeout_seconds, struct smtp_reply *ret);

/*
 * The same, in steps, for a libcurl multi handle: smtp_job_new() checks
 * the arguments and sets up the session (the same errors as smtp_send(),
 * ret filled on failure); add smtp_job_handle() to a multi handle (its
 * CURLOPT_PRIVATE is the caller's); once libcurl reports the transfer
 * done with rc, smtp_job_finish() gives the outcome as smtp_send() would.
 * data must stay valid until then.
 */
struct smtp_job;
int smtp_job_new(const struct config_smtp *cfg, const char *ca_file,
		 const char *rcpt, const char *data, size_t len,
		 long timeout_seconds, struct smtp_job **ret,
		 struct smtp_reply *reply);
CURL *smtp_job_handle(struct smtp_job *j);
int smtp_job_finish(struct smtp_job *j, CURLcode rc, struct smtp_reply *ret);
struct smtp_job *smtp_job_free(struct smtp_job *j);

#endif
