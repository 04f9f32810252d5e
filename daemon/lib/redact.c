/*
 * redact.c: the URL redaction of redact.h.  A URL is taken as what RFC 3986
 * says, without decoding it: userinfo is what comes before an '@' in the
 * authority; the query is '&'-separated name=value pairs up to a '#'.
 * Anything it does not recognise is left as it is, but never a userinfo.
 */
#include "lib/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/macro.h"

#define REDACTED "REDACTED"

/* Whether [s, s + len) holds word, in any case. */
static bool holds_ci(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word), i;

	for (i = 0; i + n <= len; i++)
		if (strncasecmp(s + i, word, n) == 0)
			return true;
	return false;
}

bool redact_secret_param(const char *name, size_t len)
{
	static const char *const words[] = {
		"token", "key",	       "sig",	  "secret", "pass",
		"auth",	 "credential", "session", "code",
	};
	size_t i;

	for (i = 0; i < ELEMENTSOF(words); i++)
		if (holds_ci(name, len, words[i]))
			return true;
	return false;
}

/* Appends the query [q, end) with secret values replaced. */
static void redact_query(struct buf *b, const char *q, const char *end)
{
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *pair_end = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(pair_end - q));

		if (eq && redact_secret_param(q, (size_t)(eq - q))) {
			buf_append(b, q, (size_t)(eq + 1 - q));
			buf_puts(b, REDACTED);
		} else
			buf_append(b, q, (size_t)(pair_end - q));
		if (amp)
			buf_putc(b, '&');
		q = amp ? amp + 1 : end;
	}
}

/* The length of the URL starting at url: up to a space, a control byte or
 * a quote or bracket that ends it in running text. */
static size_t url_len(const char *url)
{
	size_t n = 0;

	while (url[n] && (unsigned char)url[n] > ' ' &&
	       !strchr("\"'<>()[]{}`", url[n]))
		n++;
	/* Punctuation that ends a sentence is not part of it. */
	while (n > 0 && strchr(".,;:!?", url[n - 1]))
		n--;
	return n;
}

/* Appends the URL [url, url + len) redacted. */
static void redact_one(struct buf *b, const char *url, size_t len)
{
	const char *end = url + len, *scheme = memchr(url, ':', len);
	const char *auth, *auth_end, *at, *q, *frag;

	if (!scheme || end - scheme < 3 || memcmp(scheme, "://", 3) != 0) {
		buf_append(b, url, len);
		return;
	}
	auth = scheme + 3;
	auth_end = auth;
	while (auth_end < end && !strchr("/?#", *auth_end))
		auth_end++;
	buf_append(b, url, (size_t)(auth - url));
	at = NULL;
	for (q = auth; q < auth_end; q++)
		if (*q == '@')
			at = q;
	if (at) {
		buf_puts(b, REDACTED "@");
		auth = at + 1;
	}
	frag = memchr(auth_end, '#', (size_t)(end - auth_end));
	if (!frag)
		frag = end;
	q = memchr(auth_end, '?', (size_t)(frag - auth_end));
	buf_append(b, auth, (size_t)((q ? q : frag) - auth));
	if (q) {
		buf_putc(b, '?');
		redact_query(b, q + 1, frag);
	}
	buf_append(b, frag, (size_t)(end - frag));
}

/* Copies b's content into out, cut to size. */
static char *give(struct buf *b, char *out, size_t size)
{
	size_t n = MIN(b->len, size ? size - 1 : 0);

	if (size) {
		memcpy(out, b->data, n);
		out[n] = '\0';
	}
	buf_free(b);
	return out;
}

char *redact_url_new(const char *url)
{
	struct buf b;

	buf_init(&b, 10 * strlen(url) + 64);
	redact_one(&b, url, strlen(url));
	(void)buf_putc(&b, '\0');
	return buf_steal(&b);
}

char *redact_url(const char *url, char *out, size_t size)
{
	char *whole = redact_url_new(url);

	if (size)
		snprintf(out, size, "%s", whole);
	free(whole);
	return out;
}

char *redact_text(const char *text, char *out, size_t size)
{
	const char *p = text;
	struct buf b;

	buf_init(&b, 10 * strlen(text) + 64);
	while (*p) {
		const char *h = strstr(p, "http");
		size_t n;

		if (!h) {
			buf_puts(&b, p);
			break;
		}
		buf_append(&b, p, (size_t)(h - p));
		if (strncasecmp(h, "http://", 7) != 0 &&
		    strncasecmp(h, "https://", 8) != 0) {
			buf_append(&b, h, 4);
			p = h + 4;
			continue;
		}
		n = url_len(h);
		redact_one(&b, h, n);
		p = h + n;
	}
	return give(&b, out, size);
}
