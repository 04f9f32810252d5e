/*
 * deliver.c: the delivery worker (deliver.h).
 *
 * A run takes the due alerts, has each one's channel (channel.h) render it
 * into a job (a libcurl easy handle with its body and headers), keeps up
 * to alerts.concurrency jobs in flight in one multi handle, and records
 * each job's outcome in a transaction of its own as soon as it ends.  The
 * retries, their backoff and the attempt records are this file's; what a
 * message looks like and what an answer means are the channels'.  Nothing
 * here tells one channel from another.
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
#include "alert/channel.h"
#include "alert/route.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/stop.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "store/store_outbox.h"

#define BATCH		1000
#define RETRY_AFTER_MAX (24 * 3600)
/* How long recording an attempt waits for a busy database, in seconds. */
#define RECORD_WAIT (10 * 60)

struct job {
	size_t index;		  /* in the run */
	struct alert *alert;	  /* owned */
	const struct channel *ch; /* the alert's, or NULL: no such channel */
	struct channel_job cj;	  /* its transfer and outcome */
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

/* Finds where the alert goes, and whose it is (*ret_sub: NULL for the
 * operator); fails the job (why says) if nowhere. */
static int job_target(struct job *j, struct store *s, const struct config *c,
		      const struct config_subscriber **ret_sub)
{
	const struct alert *a = j->alert;
	const struct config_subscriber *sub = NULL;
	char reason[256];
	int r;

	if (!j->ch) {
		snprintf(j->cj.why, sizeof(j->cj.why), "no channel %d",
			 (int)a->channel);
		return -EINVAL;
	}
	if (a->kind != STORE_ALERT_NOTICE) {
		sub = config_find_subscriber(c, a->subscriber);
		if (!sub) {
			snprintf(j->cj.why, sizeof(j->cj.why),
				 "subscriber '%s' is no longer in the "
				 "configuration",
				 a->subscriber);
			return -ENOENT;
		}
	}
	j->cj.target = j->ch->target(c, sub);
	if (!j->cj.target) {
		snprintf(j->cj.why, sizeof(j->cj.why),
			 "no %s channel configured any "
			 "more",
			 j->ch->name);
		return -ENOENT;
	}
	*ret_sub = sub;
	if (!j->ch->disables || !s)
		return 0;
	r = store_endpoint_disabled(s, j->cj.target, reason, sizeof(reason));
	if (r == 1) {
		snprintf(j->cj.why, sizeof(j->cj.why),
			 "the endpoint is disabled: %s", reason);
		return -ESHUTDOWN;
	}
	return r;
}

/* ---- outcomes ------------------------------------------------------------ */

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
	const uint64_t *delays;
	size_t n = j->ch->retries(&c->alerts, &delays);
	size_t done = (size_t)j->alert->attempts; /* before this one */
	int64_t delay;

	if (done >= n)
		return 0;
	/* Up to 10% either way, so retries of many alerts spread out. */
	delay = (int64_t)delays[done];
	delay += (delay * ((int64_t)(random32() % 201) - 100)) / 1000;
	if (j->cj.retry_after >= 0)
		delay = MAX(delay, MIN(j->cj.retry_after, RETRY_AFTER_MAX));
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
	(void)text_json_string(&data, j->cj.why);
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
	rp->target = j->cj.target;
	rp->outcome = j->cj.outcome;
	rp->code = j->cj.code;
	snprintf(rp->reply, sizeof(rp->reply), "%s", j->cj.why);
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
	if (r == 0 && j->cj.gone)
		r = store_endpoint_disable(run->s, j->cj.target, at->at,
					   j->cj.why);
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
		.outcome = j->cj.outcome,
		.code = j->cj.code,
		.reply = j->cj.why,
	};
	int64_t due = now;
	int r;

	if (at.outcome == STORE_ATTEMPT_RETRY) {
		due = next_due(j, run->c, now);
		if (!due) {
			at.outcome = STORE_ATTEMPT_FAILED;
			due = now;
			snprintf(j->cj.why + strlen(j->cj.why),
				 sizeof(j->cj.why) - strlen(j->cj.why),
				 "; gave up after %lld attempts",
				 (long long)j->alert->attempts + 1);
		}
	}
	r = write_attempt_waiting(run, j, &at, due);
	if (r < 0)
		return log_error_errno(r,
				       "alert %s: cannot record the attempt "
				       "(%s): %m; it stays due",
				       j->alert->id, j->cj.why);
	if (at.outcome == STORE_ATTEMPT_SENT) {
		run->res->sent++;
		log_info("alert %s (%s for %s) sent: %s", j->alert->id,
			 alert_type(j->alert),
			 *j->alert->subscriber ? j->alert->subscriber
					       : "the operator",
			 j->cj.why);
	} else if (at.outcome == STORE_ATTEMPT_RETRY) {
		run->res->retried++;
		log_warning("alert %s to %s: %s; will retry in %llds",
			    j->alert->id, j->cj.target ? j->cj.target : "?",
			    j->cj.why, (long long)(due - now));
	} else {
		run->res->failed++;
		log_error("alert %s to %s failed: %s", j->alert->id,
			  j->cj.target ? j->cj.target : "nowhere", j->cj.why);
	}
	return 0;
}

static struct job *job_free(struct job *j)
{
	if (!j)
		return NULL;
	if (j->ch)
		j->ch->stop(&j->cj);
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
	const struct config_subscriber *sub = NULL;

	j->index = i;
	j->cj.retry_after = -1;
	*r = 0;
	if (run->s)
		*r = alert_load(run->s, run->ids[i], &j->alert);
	else {
		j->alert = run->tests[i]; /* the job owns it now */
		run->tests[i] = NULL;
	}
	if (*r < 0)
		return job_free(j);
	j->ch = channel_find(j->alert->channel);
	j->cj.alert = j->alert;
	if (job_target(j, run->s, run->c, &sub) < 0 ||
	    j->ch->start(&j->cj, run->c, sub, (int64_t)time(NULL)) < 0) {
		j->cj.outcome = STORE_ATTEMPT_FAILED;
		*r = record(run, j);
		return job_free(j);
	}
	curl_easy_setopt(j->cj.curl, CURLOPT_PRIVATE, j);
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
		j->ch->finish(&j->cj, msg->data.result);
		curl_multi_remove_handle(m, j->cj.curl);
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
			curl_multi_add_handle(m, j->cj.curl);
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
		 struct deliver_report reports[CHANNEL_MAX], size_t *n)
{
	struct deliver_result res;
	struct alert *tests[CHANNEL_MAX];
	struct run run = {.c = c,
			  .now = (int64_t)time(NULL),
			  .tests = tests,
			  .res = &res,
			  .reports = reports};
	const struct channel *ch;
	size_t i;
	int r;

	for (i = 0; (ch = channel_at(i)); i++)
		if (channel_route(ch, c, sub))
			tests[run.n++] = alert_test(sub->name, ch->id, run.now);
	r = send_all(&run);
	for (i = 0; i < run.n; i++)
		alert_free(tests[i]); /* those a job did not take */
	*n = run.n;
	return r;
}
