/*
 * test-channel.c: the channel table: every row complete and distinct, found
 * by its id; which channels a subscriber or the operator is routed to; the
 * retry delays each channel takes; and jobs that cannot start fail with a
 * reason and are released whole (ASan checks the last part).  No network:
 * a transfer is never run here (tests/cli/alerts.sh and mail.sh do that).
 */
#include <errno.h>

#include "alert/alert.h"
#include "alert/channel.h"
#include "lib/macro.h"
#include "test.h"

static size_t count(void)
{
	size_t n = 0;

	while (channel_at(n))
		n++;
	return n;
}

TEST(every_row_is_complete)
{
	const struct channel *ch;
	size_t i;

	CHECK_INT(count(), CHANNEL_MAX);
	for (i = 0; (ch = channel_at(i)); i++) {
		CHECK(ch->name && *ch->name);
		CHECK(ch->target != NULL);
		CHECK(ch->ready != NULL);
		CHECK(ch->retries != NULL);
		CHECK(ch->start != NULL);
		CHECK(ch->finish != NULL);
		CHECK(ch->stop != NULL);
		CHECK(channel_find(ch->id) == ch);
		CHECK_STR(alert_channel_name(ch->id), ch->name);
	}
}

TEST(ids_and_names_are_distinct)
{
	const struct channel *a, *b;
	size_t i, j;

	for (i = 0; (a = channel_at(i)); i++)
		for (j = i + 1; (b = channel_at(j)); j++) {
			CHECK(a->id != b->id);
			CHECK(strcmp(a->name, b->name) != 0);
		}
}

TEST(lookups)
{
	static const struct {
		enum store_channel id;
		const char *name; /* NULL: not in the table */
	} cases[] = {
		{STORE_CHANNEL_EMAIL, "email"},
		{STORE_CHANNEL_WEBHOOK, "webhook"},
		{(enum store_channel)0, NULL},
		{(enum store_channel)99, NULL},
	};
	size_t i;

	/* The table's order is the order of test messages and listings. */
	CHECK_INT(channel_at(0)->id, STORE_CHANNEL_EMAIL);
	CHECK_INT(channel_at(1)->id, STORE_CHANNEL_WEBHOOK);
	CHECK(channel_at(CHANNEL_MAX) == NULL);
	for (i = 0; i < ELEMENTSOF(cases); i++) {
		const struct channel *ch = channel_find(cases[i].id);

		if (!cases[i].name) {
			CHECK(ch == NULL);
			CHECK_STR(alert_channel_name(cases[i].id), "unknown");
			continue;
		}
		CHECK(ch != NULL);
		if (ch)
			CHECK_STR(ch->name, cases[i].name);
	}
}

/* Which targets routing finds, for a subscriber and the operator. */
TEST(routes)
{
	static const struct {
		const char *smtp_url, *email, *webhook;
		const char *want_email, *want_webhook; /* NULL: not routed */
	} cases[] = {
		{"smtps://mail.example.org", "jane@example.org",
		 "https://hooks.example.org/a", "jane@example.org",
		 "https://hooks.example.org/a"},
		/* No SMTP server: email is never routed, a webhook is. */
		{NULL, "jane@example.org", "https://hooks.example.org/a", NULL,
		 "https://hooks.example.org/a"},
		{"smtps://mail.example.org", "jane@example.org", NULL,
		 "jane@example.org", NULL},
		{"smtps://mail.example.org", NULL, NULL, NULL, NULL},
	};
	const struct channel *email = channel_find(STORE_CHANNEL_EMAIL);
	const struct channel *hook = channel_find(STORE_CHANNEL_WEBHOOK);
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++) {
		struct config_subscriber sub = {
			.name = (char *)"jane",
			.email = (char *)cases[i].email,
			.webhook = (char *)cases[i].webhook,
		};
		struct config c = {
			.smtp = {.url = (char *)cases[i].smtp_url},
			.operator= {.email = (char *)cases[i].email,
				    .webhook = (char *)cases[i].webhook},
		};
		const char *e = channel_route(email, &c, &sub);
		const char *w = channel_route(hook, &c, &sub);

		CHECK(e == NULL ? cases[i].want_email == NULL
				: cases[i].want_email != NULL);
		CHECK(w == NULL ? cases[i].want_webhook == NULL
				: cases[i].want_webhook != NULL);
		if (e && cases[i].want_email)
			CHECK_STR(e, cases[i].want_email);
		if (w && cases[i].want_webhook)
			CHECK_STR(w, cases[i].want_webhook);
		/* The operator's targets, in the operator section. */
		CHECK(channel_route(email, &c, NULL) == e);
		CHECK(channel_route(hook, &c, NULL) == w);
		/* Delivery asks for the target alone: an email address is
		 * found even with no SMTP server, to say why it fails. */
		CHECK(email->target(&c, &sub) == sub.email);
	}
}

TEST(retry_delays_per_channel)
{
	struct config_alerts al = {
		.webhook_retries = {60, 300},
		.n_webhook_retries = 2,
		.email_retries = {600, 3600, 7200},
		.n_email_retries = 3,
	};
	const uint64_t *d = NULL;

	CHECK_INT(channel_find(STORE_CHANNEL_EMAIL)->retries(&al, &d), 3);
	CHECK(d == al.email_retries);
	CHECK_INT(channel_find(STORE_CHANNEL_WEBHOOK)->retries(&al, &d), 2);
	CHECK(d == al.webhook_retries);
	/* Only a webhook target can be gone for good (a 410). */
	CHECK(!channel_find(STORE_CHANNEL_EMAIL)->disables);
	CHECK(channel_find(STORE_CHANNEL_WEBHOOK)->disables);
}

/* A job start() refuses says why and is released by stop(). */
static void start_fails(const struct channel *ch, const struct config *c,
			const struct config_subscriber *sub, const char *target,
			const char *why)
{
	struct alert *a = alert_test("jane", ch->id, 1700000000);
	struct channel_job j = {
		.alert = a, .target = target, .retry_after = -1};

	CHECK(ch->start(&j, c, sub, 1700000000) < 0);
	CHECK(*j.why && strstr(j.why, why) != NULL);
	ch->stop(&j);
	CHECK(j.state == NULL);
	CHECK(j.curl == NULL);
	/* Stopping twice, or a job never started, is harmless. */
	ch->stop(&j);
	alert_free(a);
}

TEST(jobs_that_cannot_start)
{
	struct config_subscriber sub = {
		.name = (char *)"jane",
		.email = (char *)"not an address",
		.webhook = (char *)"https://hooks.example.org/a",
		.webhook_secret = (char *)"whsec_not base64!",
	};
	struct config c = {
		.smtp = {.url = (char *)"smtps://mail.example.org",
			 .from = (char *)"scrapewatch <alerts@example.org>"},
		.alerts = {.timeout = 5},
	};

	start_fails(channel_find(STORE_CHANNEL_WEBHOOK), &c, &sub, sub.webhook,
		    "the webhook secret cannot sign");
	/* Not a mailbox: the message cannot be built (mail.c says why). */
	start_fails(channel_find(STORE_CHANNEL_EMAIL), &c, &sub, sub.email, "");
}

/* A job that starts has a handle to run, and stop() releases it unrun. */
TEST(jobs_that_start)
{
	struct config_subscriber sub = {
		.name = (char *)"jane",
		.email = (char *)"jane@example.org",
		.webhook = (char *)"https://hooks.example.org/a",
		.webhook_secret =
			(char *)"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	};
	struct config c = {
		.smtp = {.url = (char *)"smtps://mail.example.org",
			 .from = (char *)"scrapewatch <alerts@example.org>"},
		.alerts = {.timeout = 5},
	};
	const struct channel *ch;
	size_t i;

	for (i = 0; (ch = channel_at(i)); i++) {
		struct alert *a = alert_test("jane", ch->id, 1700000000);
		struct channel_job j = {.alert = a,
					.target = ch->target(&c, &sub),
					.retry_after = -1};

		CHECK_INT(ch->start(&j, &c, &sub, 1700000000), 0);
		CHECK(j.curl != NULL);
		CHECK(j.state != NULL);
		CHECK_INT(j.retry_after, -1);
		ch->stop(&j);
		CHECK(j.curl == NULL && j.state == NULL);
		alert_free(a);
	}
}
