/*
 * redact.h: URLs made fit to show.  A URL can carry a secret in its
 * userinfo ("user:password@") or in its query (a token, a key, a signed
 * URL's signature, as Hugging Face's and S3's redirects carry); a URL shown
 * in a message, a log line, a record or an alert keeps its scheme, host
 * and path, and has those parts replaced by "REDACTED".  Pure: no I/O.
 */
#ifndef SCRAPEWATCH_REDACT_H
#define SCRAPEWATCH_REDACT_H

#include <stdbool.h>
#include <stddef.h>

/* True when a query parameter of this name (len bytes, any case) may hold
 * a secret: names holding token, key, sig, secret, pass, auth, credential,
 * session or code. */
bool redact_secret_param(const char *name, size_t len);

/* url with its userinfo and its secret query values replaced, into out
 * (cut to size, always terminated).  Returns out. */
char *redact_url(const char *url, char *out, size_t size);

/* url redacted as redact_url() does, whole, in a new string the caller
 * frees. */
char *redact_url_new(const char *url);

/* text with every http:// or https:// URL in it redacted as redact_url()
 * does, into out (cut to size, always terminated).  Returns out. */
char *redact_text(const char *text, char *out, size_t size);

#endif
