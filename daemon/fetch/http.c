/*
 * http.c: the shared request settings of http.h.
 */
#include "fetch/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/macro.h"
#include <strings.h>

int http_origin(const char *url, char *out, size_t size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int r = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
		    CURLUE_OK) {
		char *p;

		for (p = host; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		snprintf(out, size, "%s://%s:%s", scheme, host, port);
		r = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return r;
}

bool http_same_origin(const char *a, const char *b)
{
	char oa[2100], ob[2100];

	return http_origin(a, oa, sizeof(oa)) == 0 &&
	       http_origin(b, ob, sizeof(ob)) == 0 && strcmp(oa, ob) == 0;
}

int http_next_allowed(const char *from, const char *to)
{
	bool https = strncasecmp(to, "https://", 8) == 0;

	if (!https && strncasecmp(to, "http://", 7) != 0)
		return -EPROTONOSUPPORT;
	if (!https && strncasecmp(from, "https://", 8) == 0)
		return -EPERM;
	return 0;
}

const char *http_user_agent(const struct config_fetch *o, char *buf,
			    size_t size)
{
	if (o->contact)
		snprintf(buf, size, "scrapewatch/%s (+%s)", SCRAPEWATCH_VERSION,
			 o->contact);
	else
		snprintf(buf, size, "scrapewatch/%s", SCRAPEWATCH_VERSION);
	return buf;
}

void http_setup(CURL *c, const struct config_fetch *o, const char *url,
		long timeout, bool allow_file)
{
	char ua[512];

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
			 allow_file ? "http,https,file" : "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	/* libcurl copies the string. */
	curl_easy_setopt(c, CURLOPT_USERAGENT,
			 http_user_agent(o, ua, sizeof(ua)));
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)o->low_speed_limit);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_time);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
}

bool http_header_value(const char *line, size_t len, const char *name,
		       char *out, size_t size)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return false;
	line += n + 1;
	len -= n + 1;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && strchr(" \t\r\n", line[len - 1]))
		len--;
	if (len >= size)
		return false;
	memcpy(out, line, len);
	out[len] = '\0';
	return true;
}

unsigned http_wait(long long seconds)
{
	if (seconds < 0)
		return 0;
	return (unsigned)MIN(seconds, (long long)HTTP_MAX_WAIT);
}

bool http_retry_after(const char *v, unsigned *ret)
{
	char *end;
	long long n;
	time_t t;

	if (v[0] >= '0' && v[0] <= '9') {
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || *end)
			return false;
		*ret = http_wait(n);
		return true;
	}
	t = curl_getdate(v, NULL);
	if (t == -1)
		return false;
	*ret = http_wait((long long)(t - time(NULL)));
	return true;
}
