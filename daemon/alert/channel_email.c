/*
 * channel_email.c: the email channel (channel.h): an alert rendered into
 * its words (mailbody.c), built into one MIME message (mail.c) and sent to
 * one recipient over SMTP (smtp.c), whose last reply is the outcome (250
 * sent, 5xx failed, anything else retried).  Its Message-ID is the alert
 * id at the sender's domain, the same on every retry.  A subscriber's
 * alerts and digests carry List-Unsubscribe with the subscriber's own
 * token (unsubscribe.c); operator notices and test messages carry none,
 * as there is no list to leave.  This file only joins those builders into
 * a transfer; it does not log and does not touch the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "alert/channel.h"
#include "alert/mail.h"
#include "alert/mailbody.h"
#include "alert/smtp.h"
#include "alert/unsubscribe.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

extern const struct channel channel_email;

struct post {
	struct smtp_job *smtp; /* owned, with its handle */
	struct buf message;    /* the built message, read until the end */
};

static const char *post_target(const struct config *c,
			       const struct config_subscriber *sub)
{
	return sub ? sub->email : c->operator.email;
}

static bool post_ready(const struct config *c)
{
	return c->smtp.url != NULL;
}

static size_t post_retries(const struct config_alerts *al, const uint64_t **ret)
{
	*ret = al->email_retries;
	return al->n_email_retries;
}

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

/*
 * The List-Unsubscribe URL of alert a to subscriber sub, with sub's token,
 * into url; "" when the message gets none (no URL configured, an operator
 * notice, a test message).  Makes the state directory's key on first use.
 * Returns 0, or -errno with why said.
 */
static int unsubscribe_for(const struct config *c,
			   const struct config_subscriber *sub,
			   const struct alert *a, struct buf *url, char *why,
			   size_t whysize)
{
	struct unsubscribe_key key;
	struct buf token;
	int r;

	if (!c->alerts.unsubscribe || !sub ||
	    (a->kind != STORE_ALERT_EVENT && a->kind != STORE_ALERT_DIGEST))
		return 0;
	r = unsubscribe_key_load(c->state_dir, true, &key, why, whysize);
	if (r < 0)
		return r;
	buf_init(&token, 1024);
	r = unsubscribe_token(&key, sub->name, &token);
	unsubscribe_key_wipe(&key);
	if (r == 0)
		r = unsubscribe_url(c->alerts.unsubscribe, token.data, url);
	buf_free(&token);
	if (r < 0)
		snprintf(why, whysize,
			 "Cannot make the List-Unsubscribe URL of '%s': %s",
			 sub->name, strerror(-r));
	return r;
}

static int post_start(struct channel_job *j, const struct config *c,
		      const struct config_subscriber *sub, int64_t now)
{
	struct post *p = xcalloc(1, sizeof(*p));
	struct smtp_reply reply;
	struct mailbody body;
	struct buf unsubscribe;
	char id[600];
	int r;

	(void)now; /* the message is dated when the alert was made */
	j->state = p;
	buf_init(&unsubscribe, MAIL_URL_MAX);
	r = unsubscribe_for(c, sub, j->alert, &unsubscribe, j->why,
			    sizeof(j->why));
	if (r < 0) {
		buf_free(&unsubscribe);
		return r;
	}
	message_id(c, j->alert->id, id, sizeof(id));
	mailbody_render(j->alert, c, &body);
	buf_init(&p->message, 64 << 20);
	r = mail_build(&(struct mail_message){.from = c->smtp.from,
					      .to = j->target,
					      .subject = body.subject,
					      .message_id = id,
					      .list_unsubscribe =
						      unsubscribe.len
							      ? unsubscribe.data
							      : NULL,
					      .text = body.text.data,
					      .html = body.html.data,
					      .date = j->alert->created},
		       &p->message, j->why, sizeof(j->why));
	mailbody_free(&body);
	buf_free(&unsubscribe);
	if (r < 0)
		return r;
	r = smtp_job_new(&c->smtp, c->alerts.ca_file, j->target,
			 p->message.data, p->message.len,
			 (long)c->alerts.timeout, &p->smtp, &reply);
	if (r < 0) {
		snprintf(j->why, sizeof(j->why), "%s", reply.text);
		return r;
	}
	j->curl = smtp_job_handle(p->smtp);
	return 0;
}

static void post_finish(struct channel_job *j, CURLcode rc)
{
	struct post *p = j->state;
	struct smtp_reply reply;
	int r = smtp_job_finish(p->smtp, rc, &reply);

	j->code = reply.code;
	snprintf(j->why, sizeof(j->why), "%s", reply.text);
	j->outcome = r == 0	       ? STORE_ATTEMPT_SENT
		     : reply.permanent ? STORE_ATTEMPT_FAILED
				       : STORE_ATTEMPT_RETRY;
}

static void post_stop(struct channel_job *j)
{
	struct post *p = j->state;

	j->curl = NULL; /* the SMTP job's */
	if (!p)
		return;
	smtp_job_free(p->smtp);
	buf_free(&p->message);
	free(p);
	j->state = NULL;
}

const struct channel channel_email = {
	.id = STORE_CHANNEL_EMAIL,
	.name = "email",
	.disables = false,
	.target = post_target,
	.ready = post_ready,
	.retries = post_retries,
	.start = post_start,
	.finish = post_finish,
	.stop = post_stop,
};
