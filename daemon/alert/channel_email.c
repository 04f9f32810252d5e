/*
 * channel_email.c: the email channel (channel.h): an alert rendered into
 * its words (mailbody.c), built into one MIME message (mail.c) and sent to
 * one recipient over SMTP (smtp.c), whose last reply is the outcome (250
 * sent, 5xx failed, anything else retried).  Its Message-ID is the alert
 * id at the sender's domain, the same on every retry.  This file only
 * joins those builders into a transfer; it does not log and does not
 * touch the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "alert/channel.h"
#include "alert/mail.h"
#include "alert/mailbody.h"
#include "alert/smtp.h"
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

static int post_start(struct channel_job *j, const struct config *c,
		      const struct config_subscriber *sub, int64_t now)
{
	struct post *p = xcalloc(1, sizeof(*p));
	struct smtp_reply reply;
	struct mailbody body;
	char id[600];
	int r;

	(void)sub; /* the target says all */
	(void)now; /* the message is dated when the alert was made */
	j->state = p;
	message_id(c, j->alert->id, id, sizeof(id));
	mailbody_render(j->alert, c, &body);
	buf_init(&p->message, 64 << 20);
	r = mail_build(&(struct mail_message){.from = c->smtp.from,
					      .to = j->target,
					      .subject = body.subject,
					      .message_id = id,
					      .list_unsubscribe =
						      c->alerts.unsubscribe,
					      .text = body.text.data,
					      .html = body.html.data,
					      .date = j->alert->created},
		       &p->message, j->why, sizeof(j->why));
	mailbody_free(&body);
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
