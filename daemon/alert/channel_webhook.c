/*
 * channel_webhook.c: the webhook channel (channel.h): an alert POSTed as
 * JSON with its Standard Webhooks headers, and the HTTP answer read as an
 * outcome (2xx sent; 408, 429, 5xx and no answer retried, honouring
 * Retry-After; anything else failed, a 410 Gone for good).  The body and
 * its signature come from webhook.c; this file only makes the transfer and
 * reads its end.  It does not log and does not touch the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/alert.h"
#include "alert/channel.h"
#include "alert/webhook.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

#define REPLY_MAX 300

extern const struct channel channel_webhook;

struct hook {
	struct curl_slist *headers; /* owned */
	struct buf body;
	char reply[REPLY_MAX]; /* the start of the server's answer */
	size_t reply_len;
	char error[CURL_ERROR_SIZE];
};

static const char *hook_target(const struct config *c,
			       const struct config_subscriber *sub)
{
	return sub ? sub->webhook : c->operator.webhook;
}

static bool hook_ready(const struct config *c)
{
	(void)c;
	return true;
}

static size_t hook_retries(const struct config_alerts *al, const uint64_t **ret)
{
	*ret = al->webhook_retries;
	return al->n_webhook_retries;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct hook *h = userdata;
	size_t len = size * n, room = sizeof(h->reply) - 1 - h->reply_len;

	memcpy(h->reply + h->reply_len, data, MIN(len, room));
	h->reply_len += MIN(len, room);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct channel_job *j = userdata;
	size_t len = size * n;
	char value[128];
	time_t when;

	if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
		snprintf(value, sizeof(value), "%.*s", (int)MIN(len - 12, 127),
			 data + 12);
		value[strcspn(value, "\r\n")] = '\0';
		if (strspn(value, " 0123456789") == strlen(value))
			j->retry_after = strtoll(value, NULL, 10);
		else if ((when = curl_getdate(value, NULL)) > 0)
			j->retry_after =
				MAX((int64_t)when - (int64_t)time(NULL), 0);
	}
	return len;
}

/* Adds "name: value" ("name:" removes a header curl would send). */
static struct curl_slist *add_header(struct curl_slist *l, const char *name,
				     const char *value)
{
	char line[512];
	struct curl_slist *n;

	snprintf(line, sizeof(line), "%s:%s%s", name, *value ? " " : "", value);
	n = curl_slist_append(l, line);
	if (!n)
		abort();
	return n;
}

static void hook_handle(struct channel_job *j, struct hook *h,
			const struct config *c)
{
	j->curl = curl_easy_init();
	if (!j->curl)
		abort();
	curl_easy_setopt(j->curl, CURLOPT_URL, j->target);
	curl_easy_setopt(j->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(j->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(j->curl, CURLOPT_POSTFIELDS, h->body.data);
	curl_easy_setopt(j->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)h->body.len);
	curl_easy_setopt(j->curl, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(j->curl, CURLOPT_USERAGENT,
			 "scrapewatch/" SCRAPEWATCH_VERSION);
	curl_easy_setopt(j->curl, CURLOPT_TIMEOUT, (long)c->alerts.timeout);
	curl_easy_setopt(j->curl, CURLOPT_NOSIGNAL, 1L);
	if (c->alerts.ca_file)
		curl_easy_setopt(j->curl, CURLOPT_CAINFO, c->alerts.ca_file);
	curl_easy_setopt(j->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(j->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(j->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(j->curl, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(j->curl, CURLOPT_ERRORBUFFER, h->error);
}

static int hook_start(struct channel_job *j, const struct config *c,
		      const struct config_subscriber *sub, int64_t now)
{
	const char *secret =
		sub ? sub->webhook_secret : c->operator.webhook_secret;
	char sig[WEBHOOK_SIGNATURE_MAX], ts[24];
	struct hook *h = xcalloc(1, sizeof(*h));
	int r;

	j->state = h;
	buf_init(&h->body, 64 << 20);
	webhook_body(j->alert, c, &h->body);
	r = webhook_sign(secret, j->alert->id, now, h->body.data, h->body.len,
			 sig);
	if (r < 0) {
		snprintf(j->why, sizeof(j->why),
			 "the webhook secret cannot sign: a whsec_ secret "
			 "must be base64 without spaces");
		return r;
	}
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	h->headers = add_header(NULL, "Content-Type", "application/json");
	h->headers = add_header(h->headers, "webhook-id", j->alert->id);
	h->headers = add_header(h->headers, "webhook-timestamp", ts);
	h->headers = add_header(h->headers, "webhook-signature", sig);
	h->headers = add_header(h->headers, "Expect", "");
	hook_handle(j, h, c);
	return 0;
}

/* The answer's first line of text, for the attempt record. */
static void reply_words(struct hook *h, char *out, size_t size)
{
	size_t i;

	while (h->reply_len && (unsigned char)h->reply[h->reply_len - 1] <= ' ')
		h->reply_len--;
	h->reply[h->reply_len] = '\0';
	for (i = 0; i < h->reply_len; i++)
		if ((unsigned char)h->reply[i] < ' ')
			h->reply[i] = ' ';
	snprintf(out, size, "%s", h->reply);
}

static void hook_finish(struct channel_job *j, CURLcode rc)
{
	struct hook *h = j->state;
	char words[REPLY_MAX];
	long code = 0;

	if (rc != CURLE_OK) {
		j->outcome = STORE_ATTEMPT_RETRY;
		snprintf(j->why, sizeof(j->why), "%s",
			 *h->error ? h->error : curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(j->curl, CURLINFO_RESPONSE_CODE, &code);
	j->code = (int)code;
	reply_words(h, words, sizeof(words));
	snprintf(j->why, sizeof(j->why), "HTTP %ld%s%s", code,
		 *words ? ": " : "", words);
	if (code >= 200 && code < 300)
		j->outcome = STORE_ATTEMPT_SENT;
	else if (code == 408 || code == 429 || code >= 500 || code < 200)
		j->outcome = STORE_ATTEMPT_RETRY;
	else {
		j->outcome = STORE_ATTEMPT_FAILED;
		j->gone = code == 410;
		if (code >= 300 && code < 400)
			(void)strncat(j->why, " (redirects are not followed)",
				      sizeof(j->why) - strlen(j->why) - 1);
	}
}

static void hook_stop(struct channel_job *j)
{
	struct hook *h = j->state;

	if (j->curl)
		curl_easy_cleanup(j->curl);
	j->curl = NULL;
	if (!h)
		return;
	curl_slist_free_all(h->headers);
	buf_free(&h->body);
	free(h);
	j->state = NULL;
}

const struct channel channel_webhook = {
	.id = STORE_CHANNEL_WEBHOOK,
	.name = "webhook",
	.disables = true,
	.target = hook_target,
	.ready = hook_ready,
	.retries = hook_retries,
	.start = hook_start,
	.finish = hook_finish,
	.stop = hook_stop,
};
