/*
 * deliver.c: the delivery worker (deliver.h).
 *
 * A run takes the due alerts, renders each into a job (a libcurl easy
 * handle with its body and headers), keeps up to alerts.concurrency jobs
 * in flight in one multi handle, and records each job's outcome in a
 * transaction of its own as soon as it ends.
 */
#include "alert/deliver.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "alert/mail.h"
#include "alert/mailbody.h"
#include "alert/route.h"
#include "alert/smtp.h"
#include "alert/webhook.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/stop.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "store/store_outbox.h"

#define BATCH		1000
#define REPLY_MAX	300
#define RETRY_AFTER_MAX (24 * 3600)
/* How long recording an attempt waits for a busy database, in seconds. */
#define RECORD_WAIT (10 * 60)

struct job {
	size_t index; /* in the run */
	struct alert *alert;
	const char *target; /* URL or address, from the config */
	const char *secret;
	CURL *curl;	       /* the webhook's, or the SMTP job's */
	struct smtp_job *smtp; /* a mail job */
	struct curl_slist *headers;
	struct buf body;
	char reply[REPLY_MAX]; /* the start of the server's answer */
	size_t reply_len;
	int64_t retry_after; /* seconds, or -1 */
	char error[CURL_ERROR_SIZE];
	/* The outcome. */
	enum store_attempt_outcome outcome;
	int code;
	char why[512];
	bool gone; /* 410: disable the endpoint */
};

/* A run sends the outbox's due alerts (s set: loaded by id, recorded),
 * or test messages (s NULL: given, their outcomes only reported). */
struct run {
	struct store *s;
	const struct config *c;
	int64_t now;
	char (*ids)[STORE_ALERT_ID_LEN + 1];
	struct alert **tests;
	size_t n; /* ids or tests */
	struct deliver_result *res;
	struct deliver_report *reports; /* one per test */
};

static int collect_due(void *userdata, const struct store_alert *a)
{
	struct run *run = userdata;

	run->ids = xreallocarray(run->ids, run->n + 1, sizeof(*run->ids));
	memcpy(run->ids[run->n++], a->id, sizeof(*run->ids));
	return 0;
}

/* ---- rendering a webhook job ------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct job *j = userdata;
	size_t len = size * n, room = sizeof(j->reply) - 1 - j->reply_len;

	memcpy(j->reply + j->reply_len, data, MIN(len, room));
	j->reply_len += MIN(len, room);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct job *j = userdata;
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

static int webhook_job(struct job *j, const struct config *c, int64_t now)
{
	char sig[WEBHOOK_SIGNATURE_MAX], ts[24];
	int r;

	buf_init(&j->body, 64 << 20);
	webhook_body(j->alert, c, &j->body);
	r = webhook_sign(j->secret, j->alert->id, now, j->body.data,
			 j->body.len, sig);
	if (r < 0) {
		snprintf(j->why, sizeof(j->why),
			 "the webhook secret cannot sign: a whsec_ secret "
			 "must be base64 without spaces");
		return r;
	}
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	j->headers = add_header(NULL, "Content-Type", "application/json");
	j->headers = add_header(j->headers, "webhook-id", j->alert->id);
	j->headers = add_header(j->headers, "webhook-timestamp", ts);
	j->headers = add_header(j->headers, "webhook-signature", sig);
	j->headers = add_header(j->headers, "Expect", "");
	j->curl = curl_easy_init();
	if (!j->curl)
		abort();
	curl_easy_setopt(j->curl, CURLOPT_URL, j->target);
	curl_easy_setopt(j->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(j->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(j->curl, CURLOPT_POSTFIELDS, j->body.data);
	curl_easy_setopt(j->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)j->body.len);
	curl_easy_setopt(j->curl, CURLOPT_HTTPHEADER, j->headers);
	curl_easy_setopt(j->curl, CURLOPT_USERAGENT,
			 "scrapewatch/" SCRAPEWATCH_VERSION);
	curl_easy_setopt(j->curl, CURLOPT_TIMEOUT, (long)c->alerts.timeout);
	curl_easy_setopt(j->curl, CURLOPT_NOSIGNAL, 1L);
	if (c->alerts.ca_file)
		curl_easy_setopt(j->curl, CURLOPT_CAINFO, c->alerts.ca_file);
	curl_easy_setopt(j->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(j->curl, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(j->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(j->curl, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(j->curl, CURLOPT_ERRORBUFFER, j->error);
	curl_easy_setopt(j->curl, CURLOPT_PRIVATE, j);
	return 0;
}

/* ---- rendering a mail job ------------------------------------------------ */

/* The Message-ID: the alert id at the sender's domain, the same on every
 * retry. */
static void message_id(const struct config *c, const char *id, char *out,
		       size_t size)
{
	char from[512];
	const char *at;

	if (mail_address(c->smtp.from, from, sizeof(from)) < 0 ||
	    !(at = strrchr(from, '@')))
		at = "@scrapewatch.invalid";
	snprintf(out, size, "%s%s", id, at);
}

static int mail_job(struct job *j, const struct config *c)
{
	struct smtp_reply reply;
	struct mailbody body;
	char id[600];
	int r;

	message_id(c, j->alert->id, id, sizeof(id));
	mailbody_render(j->alert, c, &body);
	buf_init(&j->body, 64 << 20);
	r = mail_build(&(struct mail_message){.from = c->smtp.from,
					      .to = j->target,
					      .subject = body.subject,
					      .message_id = id,
					      .list_unsubscribe =
						      c->alerts.unsubscribe,
					      .text = body.text.data,
					      .html = body.html.data,
					      .date = j->alert->created},
		       &j->body, j->why, sizeof(j->why));
	mailbody_free(&body);
	if (r < 0)
		return r;
	r = smtp_job_new(&c->smtp, c->alerts.ca_file, j->target, j->body.data,
			 j->body.len, (long)c->alerts.timeout, &j->smtp,
			 &reply);
	if (r < 0) {
		snprintf(j->why, sizeof(j->why), "%s", reply.text);
		return r;
	}
	j->curl = smtp_job_handle(j->smtp);
	curl_easy_setopt(j->curl, CURLOPT_PRIVATE, j);
	return 0;
}

/* Finds where the alert goes; fails the job (why says) if nowhere. */
static int job_target(struct job *j, struct store *s, const struct config *c)
{
	const struct alert *a = j->alert;
	const struct config_subscriber *sub = NULL;
	char reason[256];
	int r;

	if (a->kind != STORE_ALERT_NOTICE) {
		sub = config_find_subscriber(c, a->subscriber);
		if (!sub) {
			snprintf(j->why, sizeof(j->why),
				 "subscriber '%s' is no longer in the "
				 "configuration",
				 a->subscriber);
			return -ENOENT;
		}
	}
	if (a->channel == STORE_CHANNEL_WEBHOOK) {
		j->target = sub ? sub->webhook : c->operator.webhook;
		j->secret =
			sub ? sub->webhook_secret : c->operator.webhook_secret;
	} else
		j->target = sub ? sub->email : c->operator.email;
	if (!j->target) {
		snprintf(j->why, sizeof(j->why),
			 "no %s channel configured any "
			 "more",
			 alert_channel_name(a->channel));
		return -ENOENT;
	}
	if (a->channel != STORE_CHANNEL_WEBHOOK || !s)
		return 0;
	r = store_endpoint_disabled(s, j->target, reason, sizeof(reason));
	if (r == 1) {
		snprintf(j->why, sizeof(j->why), "the endpoint is disabled: %s",
			 reason);
		return -ESHUTDOWN;
	}
	return r;
}

/* ---- outcomes ------------------------------------------------------------ */

/* The answer's first line of text, for the attempt record. */
static void reply_words(struct job *j, char *out, size_t size)
{
	size_t i;

	while (j->reply_len && (unsigned char)j->reply[j->reply_len - 1] <= ' ')
		j->reply_len--;
	j->reply[j->reply_len] = '\0';
	for (i = 0; i < j->reply_len; i++)
		if ((unsigned char)j->reply[i] < ' ')
			j->reply[i] = ' ';
	snprintf(out, size, "%s", j->reply);
}

static void classify_smtp(struct job *j, CURLcode rc)
{
	struct smtp_reply reply;
	int r = smtp_job_finish(j->smtp, rc, &reply);

	j->code = reply.code;
	snprintf(j->why, sizeof(j->why), "%s", reply.text);
	j->outcome = r == 0	       ? STORE_ATTEMPT_SENT
		     : reply.permanent ? STORE_ATTEMPT_FAILED
				       : STORE_ATTEMPT_RETRY;
}

static void classify_http(struct job *j, CURLcode rc)
{
	char words[REPLY_MAX];
	long code = 0;

	if (rc != CURLE_OK) {
		j->outcome = STORE_ATTEMPT_RETRY;
		snprintf(j->why, sizeof(j->why), "%s",
			 *j->error ? j->error : curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(j->curl, CURLINFO_RESPONSE_CODE, &code);
	j->code = (int)code;
	reply_words(j, words, sizeof(words));
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

static uint32_t random32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)getpid();
	return v;
}

/* When to try again, or 0 when the retries have run out. */
static int64_t next_due(const struct job *j, const struct config *c,
			int64_t now)
{
	const struct config_alerts *al = &c->alerts;
	const uint64_t *delays = j->alert->channel == STORE_CHANNEL_WEBHOOK
					 ? al->webhook_retries
					 : al->email_retries;
	size_t n = j->alert->channel == STORE_CHANNEL_WEBHOOK
			   ? al->n_webhook_retries
			   : al->n_email_retries;
	size_t done = (size_t)j->alert->attempts; /* before this one */
	int64_t delay;

	if (done >= n)
		return 0;
	/* Up to 10% either way, so retries of many alerts spread out. */
	delay = (int64_t)delays[done];
	delay += (delay * ((int64_t)(random32() % 201) - 100)) / 1000;
	if (j->retry_after >= 0)
		delay = MAX(delay, MIN(j->retry_after, RETRY_AFTER_MAX));
	return now + MAX(delay, 1);
}

/* Tells the operator a subscriber's alert failed. */
static int report_failure(struct store *s, const struct config *c,
			  const struct job *j, int64_t now)
{
	struct buf data;
	int r;

	if (!*j->alert->subscriber)
		return 0; /* the operator's own: logged only */
	buf_init(&data, 1 << 16);
	(void)buf_printf(&data,
			 "\"alert\":\"%s\",\"subscriber\":", j->alert->id);
	(void)text_json_string(&data, j->alert->subscriber);
	(void)buf_printf(&data,
			 ",\"channel\":\"%s\",\"alert_type\":\"%s\","
			 "\"attempts\":%lld,\"reply\":",
			 alert_channel_name(j->alert->channel),
			 alert_type(j->alert),
			 (long long)j->alert->attempts + 1);
	(void)text_json_string(&data, j->why);
	(void)buf_putc(&data, '\0');
	r = route_notice(s, c, "alert.failed", j->alert->id, data.data, now);
	buf_free(&data);
	return r;
}

static int record_attempt(struct run *run, struct job *j, int64_t now);

/* A test message's outcome, for the caller. */
static void report(struct run *run, const struct job *j)
{
	struct deliver_report *rp = &run->reports[j->index];

	rp->channel = j->alert->channel;
	rp->target = j->target;
	rp->outcome = j->outcome;
	rp->code = j->code;
	snprintf(rp->reply, sizeof(rp->reply), "%s", j->why);
}

static int record(struct run *run, struct job *j)
{
	int64_t now = (int64_t)time(NULL); /* the run may have taken a while */

	if (!run->s) {
		report(run, j);
		return 0;
	}
	return record_attempt(run, j, now);
}

/* Writes one attempt, and what it causes, in one transaction.  Returns 0
 * or -errno (-EBUSY: the database is busy). */
static int write_attempt(struct run *run, const struct job *j,
			 const struct store_attempt *at, int64_t due)
{
	int r;

	r = store_begin(run->s);
	if (r == 0)
		r = store_attempt_add(run->s, at, due);
	if (r == 0 && j->gone)
		r = store_endpoint_disable(run->s, j->target, at->at, j->why);
	if (r == 0 && at->outcome == STORE_ATTEMPT_FAILED)
		r = report_failure(run->s, run->c, j, at->at);
	if (r == 0)
		r = store_commit(run->s);
	if (r < 0)
		store_rollback(run->s);
	return r;
}

/* Writes the attempt, waiting out a busy database: an ingest holds the
 * write lock for minutes, and an attempt not recorded would be sent again.
 * Returns 0 or -errno. */
static int write_attempt_waiting(struct run *run, const struct job *j,
				 const struct store_attempt *at, int64_t due)
{
	const struct timespec pause = {.tv_nsec = 200 * 1000 * 1000};
	time_t give_up = time(NULL) + RECORD_WAIT;
	int r;

	for (;;) {
		r = write_attempt(run, j, at, due);
		if (r != -EBUSY || stop_requested() || time(NULL) >= give_up)
			return r;
		log_debug("alert %s: the database is busy, retrying",
			  j->alert->id);
		/* A read left open keeps an old snapshot that can never
		 * write: end every read before trying again. */
		store_idle(run->s);
		(void)nanosleep(&pause, NULL);
	}
}

static int record_attempt(struct run *run, struct job *j, int64_t now)
{
	struct store_attempt at = {
		.alert_id = j->alert->id,
		.at = now,
		.outcome = j->outcome,
		.code = j->code,
		.reply = j->why,
	};
	int64_t due = now;
	int r;

	if (at.outcome == STORE_ATTEMPT_RETRY) {
		due = next_due(j, run->c, now);
		if (!due) {
			at.outcome = STORE_ATTEMPT_FAILED;
			due = now;
			snprintf(j->why + strlen(j->why),
				 sizeof(j->why) - strlen(j->why),
				 "; gave up after %lld attempts",
				 (long long)j->alert->attempts + 1);
		}
	}
	r = write_attempt_waiting(run, j, &at, due);
	if (r < 0)
		return log_error_errno(r,
				       "alert %s: cannot record the attempt "
				       "(%s): %m; it stays due",
				       j->alert->id, j->why);
	if (at.outcome == STORE_ATTEMPT_SENT) {
		run->res->sent++;
		log_info("alert %s (%s for %s) sent: %s", j->alert->id,
			 alert_type(j->alert),
			 *j->alert->subscriber ? j->alert->subscriber
					       : "the operator",
			 j->why);
	} else if (at.outcome == STORE_ATTEMPT_RETRY) {
		run->res->retried++;
		log_warning("alert %s to %s: %s; will retry in %llds",
			    j->alert->id, j->target ? j->target : "?", j->why,
			    (long long)(due - now));
	} else {
		run->res->failed++;
		log_error("alert %s to %s failed: %s", j->alert->id,
			  j->target ? j->target : "nowhere", j->why);
	}
	return 0;
}

static struct job *job_free(struct job *j)
{
	if (!j)
		return NULL;
	if (j->smtp)
		smtp_job_free(j->smtp); /* and its handle */
	else if (j->curl)
		curl_easy_cleanup(j->curl);
	curl_slist_free_all(j->headers);
	buf_free(&j->body);
	alert_free(j->alert);
	free(j);
	return NULL;
}

/* ---- the run ------------------------------------------------------------- */

/* Makes the job of alert id; a job that cannot be sent is recorded as
 * failed and NULL returned (*r = 0). */
static struct job *job_new(struct run *run, size_t i, int *r)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->index = i;
	j->retry_after = -1;
	*r = 0;
	if (run->s)
		*r = alert_load(run->s, run->ids[i], &j->alert);
	else {
		j->alert = run->tests[i]; /* the job owns it now */
		run->tests[i] = NULL;
	}
	if (*r < 0)
		return job_free(j);
	if (job_target(j, run->s, run->c) < 0 ||
	    (j->alert->channel == STORE_CHANNEL_WEBHOOK
		     ? webhook_job(j, run->c, run->now)
		     : mail_job(j, run->c)) < 0) {
		j->outcome = STORE_ATTEMPT_FAILED;
		*r = record(run, j);
		return job_free(j);
	}
	return j;
}

static int finish_done(struct run *run, CURLM *m, unsigned *running)
{
	struct CURLMsg *msg;
	struct job *j;
	int q, r = 0;

	while ((msg = curl_multi_info_read(m, &q))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				  (char **)&j);
		if (j->smtp)
			classify_smtp(j, msg->data.result);
		else
			classify_http(j, msg->data.result);
		curl_multi_remove_handle(m, j->curl);
		(*running)--;
		if (r == 0)
			r = record(run, j);
		job_free(j);
	}
	return r;
}

static int send_all(struct run *run)
{
	CURLM *m = curl_multi_init();
	unsigned running = 0, max = (unsigned)run->c->alerts.concurrency;
	size_t next = 0;
	struct job *j;
	int still, r = 0;

	if (!m)
		abort();
	/* When the process stops, nothing new starts; what is in flight
	 * ends (each attempt has its timeout) and is recorded. */
	while (r == 0 && ((next < run->n && !stop_requested()) || running)) {
		while (r == 0 && running < max && next < run->n &&
		       !stop_requested()) {
			j = job_new(run, next++, &r);
			if (!j)
				continue;
			curl_multi_add_handle(m, j->curl);
			running++;
		}
		/* No read stays open across the network: its snapshot would
		 * go stale, and recording the attempt could then not write. */
		if (run->s)
			store_idle(run->s);
		curl_multi_perform(m, &still);
		r = r ? r : finish_done(run, m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	/* On a database error, abandon what is in flight: it stays due. */
	while (running && finish_done(run, m, &running) >= 0 && running) {
		curl_multi_perform(m, &still);
		curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	curl_multi_cleanup(m);
	return r;
}

/* One worker at a time: a lock file in the state directory. */
static int lock_outbox(const struct config *c)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/outbox.lock", c->state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -EALREADY;
	}
	return fd;
}

int deliver_due(struct store *s, const struct config *c, int64_t now,
		struct deliver_result *ret)
{
	struct run run = {.s = s, .c = c, .now = now, .res = ret};
	int lock, r;

	*ret = (struct deliver_result){0};
	lock = lock_outbox(c);
	if (lock < 0)
		return lock;
	r = store_alerts_due(s, now, BATCH, collect_due, &run);
	if (r == 0)
		r = send_all(&run);
	store_idle(s);
	free(run.ids);
	close(lock);
	return r;
}

int deliver_test(const struct config *c, const struct config_subscriber *sub,
		 struct deliver_report reports[2], size_t *n)
{
	struct deliver_result res;
	struct alert *tests[2];
	struct run run = {.c = c,
			  .now = (int64_t)time(NULL),
			  .tests = tests,
			  .res = &res,
			  .reports = reports};
	size_t i;
	int r;

	if (sub->email && c->smtp.url)
		tests[run.n++] =
			alert_test(sub->name, STORE_CHANNEL_EMAIL, run.now);
	if (sub->webhook)
		tests[run.n++] =
			alert_test(sub->name, STORE_CHANNEL_WEBHOOK, run.now);
	r = send_all(&run);
	for (i = 0; i < run.n; i++)
		alert_free(tests[i]); /* those a job did not take */
	*n = run.n;
	return r;
}
