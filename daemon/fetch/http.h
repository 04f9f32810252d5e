/*
 * http.h: what every request scrapewatch makes to a host shares -- the
 * origin rules that keep credentials at home, the User-Agent, and one
 * setup of a libcurl easy handle (TLS always verified, the fetch
 * section's timeouts and CA file, redirects never followed by libcurl).
 * fetch.c downloads files with it; the sources (source.h) ask hosts'
 * APIs what a release holds.
 */
#ifndef SCRAPEWATCH_HTTP_H
#define SCRAPEWATCH_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* Writes "scheme://host:port" of url into out (host in lower case, the
 * default port spelt out).  Returns 0 or -EINVAL. */
int http_origin(const char *url, char *out, size_t size);

/* Do URLs a and b have one origin?  False when either cannot be read. */
bool http_same_origin(const char *a, const char *b);

/* May a request of url from lead to one of url to (a redirect, a page's
 * form)?  Only to http and https, and never from https down to http.
 * Returns 0, -EPROTONOSUPPORT (another scheme) or -EPERM (https to
 * http). */
int http_next_allowed(const char *from, const char *to);

/* "scrapewatch/VERSION (+CONTACT)" into buf; returns buf. */
const char *http_user_agent(const struct config_fetch *o, char *buf,
			    size_t size);

/* Resets c and sets what every request has: url, http and https (and
 * file, when allow_file) only, no redirects followed, TLS verification, the
 * CA file, the User-Agent, the connect and low-speed timeouts of o, the
 * whole request's timeout (seconds), no signals. */
void http_setup(CURL *c, const struct config_fetch *o, const char *url,
		long timeout, bool allow_file);

/* The longest wait a host's Retry-After is taken for (a day). */
#define HTTP_MAX_WAIT 86400

/* If the header line (len bytes, as libcurl hands it on) is header name,
 * copies its value, trimmed, into out and returns true; false when it is
 * another header or its value does not fit in size. */
bool http_header_value(const char *line, size_t len, const char *name,
		       char *out, size_t size);

/* A wait of seconds as a host's: none below 0, at most HTTP_MAX_WAIT. */
unsigned http_wait(long long seconds);

/* Reads a Retry-After value: delay-seconds or an HTTP date (RFC 9110
 * 10.2.3), as seconds from now, at most HTTP_MAX_WAIT.  Returns false
 * when it is neither. */
bool http_retry_after(const char *value, unsigned *ret);

#endif
