/*
 * cli_outbox.c: the outbox from the command line.  `scrapewatch deliver`
 * sends the alerts that are due (what the daemon does on its own; for a
 * timer, after `check`); `scrapewatch outbox [--pending|--failed|--sent]`
 * lists alerts with every attempt; `scrapewatch outbox retry ID` makes an
 * alert due now: a failed (or sent) one again with a fresh retry schedule,
 * a pending one (a digest before its period ends) at once.  `scrapewatch
 * alert test SUBSCRIBER` sends a test message through each of the
 * subscriber's channels and prints what each server answered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "alert/alert.h"
#include "alert/channel.h"
#include "alert/deliver.h"
#include "cli/cli_internal.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/text.h"
#include "store/store_outbox.h"

static const char *const outcome_names[] = {
	[STORE_ATTEMPT_SENT] = "sent",
	[STORE_ATTEMPT_RETRY] = "retry",
	[STORE_ATTEMPT_FAILED] = "failed",
};

static const struct cmd_spec deliver_spec = {
	.usage = "deliver",
	.access = SETUP_WRITES,
};

int cli_deliver(struct cli *cli, int argc, char **argv)
{
	int64_t now = (int64_t)time(NULL), due;
	struct deliver_result res;
	struct cmd c = {0};
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &deliver_spec);
	if (status)
		return status;
	due = cmd_due_count(c.store, now);
	r = deliver_due(c.store, c.config, now, &res);
	if (r == -EALREADY) {
		log_error("Another delivery is running; try again later");
		status = EX_TEMPFAIL;
	} else if (r == -EBUSY) {
		log_error("The database is busy (with an ingest?); try again "
			  "later");
		status = EX_TEMPFAIL;
	} else if (r < 0) {
		log_error_errno(r, "Cannot deliver alerts: %m");
		status = EX_IOERR;
	} else
		report_delivery(&res, due);
	cmd_close(&c);
	return status;
}

/* The outbox listing: one alert built in out at a time. */
struct lister {
	enum out_format format;
	struct buf out;
	char current[STORE_ALERT_ID_LEN + 1]; /* the alert in out, or "" */
	size_t n;			      /* alerts printed */
};

static void attempt_line(struct lister *l, const struct store_attempt *a)
{
	char when[32];

	format_time(a->at, when, sizeof(when));
	if (l->format == OUT_JSON) {
		(void)buf_printf(&l->out,
				 "%s{\"at\":%lld,\"outcome\":\"%s\","
				 "\"code\":%d,\"reply\":",
				 l->out.data[l->out.len - 1] == '[' ? "" : ",",
				 (long long)a->at, outcome_names[a->outcome],
				 a->code);
		(void)text_json_string(&l->out, a->reply);
		(void)buf_putc(&l->out, '}');
	} else
		(void)text_printf(&l->out, "    %s UTC  %-6s  %s\n", when,
				  outcome_names[a->outcome], a->reply);
}

static void alert_head(struct lister *l, const struct store_alert *a,
		       const char *type)
{
	const char *who = *a->subscriber ? a->subscriber : "(operator)";
	char created[32], when[32];

	format_time(a->created, created, sizeof(created));
	format_time(a->state == STORE_ALERT_SENT ? a->sent : a->due, when,
		    sizeof(when));
	if (l->format == OUT_JSON) {
		(void)buf_printf(&l->out,
				 "%s  {\"id\":\"%s\",\"state\":\"%s\","
				 "\"channel\":\"%s\",\"subscriber\":",
				 l->n ? ",\n" : "", a->id,
				 alert_state_name(a->state),
				 alert_channel_name(a->channel));
		(void)text_json_string(&l->out, a->subscriber);
		(void)buf_printf(&l->out,
				 ",\"type\":\"%s\",\"created\":%lld,"
				 "\"due\":%lld,\"sent\":%lld,\"attempts\":%lld,"
				 "\"history\":[",
				 type, (long long)a->created, (long long)a->due,
				 (long long)a->sent, (long long)a->attempts);
		return;
	}
	(void)text_printf(&l->out, "%s  %-7s  %-7s  %-12s  %-16s  created %s",
			  a->id, alert_state_name(a->state),
			  alert_channel_name(a->channel), who, type, created);
	if (a->state == STORE_ALERT_PENDING)
		(void)buf_printf(&l->out, "  due %s", when);
	else if (a->state == STORE_ALERT_SENT)
		(void)buf_printf(&l->out, "  sent %s", when);
	(void)buf_putc(&l->out, '\n');
}

/* Prints the alert in l->out, if any. */
static void list_flush(struct lister *l)
{
	if (!*l->current)
		return;
	if (l->format == OUT_JSON)
		(void)buf_puts(&l->out, "]}");
	fwrite(l->out.data, 1, l->out.len, stdout);
	l->n++;
	*l->current = '\0';
}

/* store_outbox_each(): an alert's rows come one per attempt. */
static int list_row(void *userdata, const struct store_alert *a,
		    const struct store_attempt *attempt)
{
	struct lister *l = userdata;

	if (strcmp(l->current, a->id) != 0) {
		list_flush(l);
		buf_reset(&l->out);
		/* The type from the row alone: listing 200,000 alerts must not
		 * load each one's events and photos. */
		alert_head(
			l, a,
			alert_type_of(a->kind, a->event_type, a->notice_type));
		snprintf(l->current, sizeof(l->current), "%s", a->id);
	}
	if (attempt)
		attempt_line(l, attempt);
	return 0;
}

/* --pending, --failed or --sent: the state to list, or -1 for all. */
static int take_state(int *argc, char **argv)
{
	int i, n = 0, state = -1;

	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--pending") == 0)
			state = STORE_ALERT_PENDING;
		else if (strcmp(argv[i], "--failed") == 0)
			state = STORE_ALERT_FAILED;
		else if (strcmp(argv[i], "--sent") == 0)
			state = STORE_ALERT_SENT;
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return state;
}

static const struct cmd_spec retry_spec = {
	.usage = "outbox retry ID",
	.min_args = 1,
	.max_args = 1,
	.access = SETUP_WRITES,
};

int cli_outbox_retry(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &retry_spec);
	if (status)
		return status;
	r = store_alert_retry(c.store, c.args[0], (int64_t)time(NULL));
	if (r < 0) {
		log_error_errno(r, "Cannot update the outbox: %m");
		status = EX_IOERR;
	} else if (r == 0) {
		log_error("No alert '%s' (see scrapewatch outbox)", c.args[0]);
		status = EX_DATAERR;
	} else
		printf("alert %s is due now; scrapewatch deliver sends it\n",
		       c.args[0]);
	cmd_close(&c);
	return status;
}

static const struct cmd_spec outbox_spec = {
	.usage = "outbox [--pending|--failed|--sent] "
		 "[--format text|json]",
};

int cli_outbox(struct cli *cli, int argc, char **argv)
{
	struct lister l = {0};
	struct cmd c = {0};
	int state, status, r;

	state = take_state(&argc, argv);
	status = cmd_begin(&c, cli, argc, argv, &outbox_spec);
	if (status)
		return status;
	/* No CSV here: anything but JSON is text. */
	l.format = c.format == OUT_JSON ? OUT_JSON : OUT_TEXT;
	buf_init(&l.out, 1 << 22);
	cmd_list_begin(l.format, NULL);
	r = store_outbox_each(c.store, state, list_row, &l);
	list_flush(&l);
	status = cmd_list_end(l.format, l.n, "\n", "alert", "the outbox", r);
	buf_free(&l.out);
	cmd_close(&c);
	return status;
}

static const struct cmd_spec alert_test_spec = {
	.usage = "alert test SUBSCRIBER",
	.min_args = 1,
	.max_args = 1,
	.subscriber_arg = 1,
	.config_only = true,
};

int cli_alert_test(struct cli *cli, int argc, char **argv)
{
	struct deliver_report reports[CHANNEL_MAX];
	const struct config_subscriber *sub;
	struct cmd c = {0};
	size_t n = 0, i, sent = 0;
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &alert_test_spec);
	if (status)
		return status;
	sub = config_find_subscriber(c.config, c.args[0]);
	r = deliver_test(c.config, sub, reports, &n);
	if (r < 0) {
		log_error_errno(r, "Cannot send: %m");
		cmd_close(&c);
		return EX_SOFTWARE;
	}
	for (i = 0; i < n; i++) {
		cmd_printf("%s %s: %s: %s\n",
			   alert_channel_name(reports[i].channel),
			   reports[i].target ? reports[i].target : "-",
			   reports[i].outcome == STORE_ATTEMPT_RETRY
				   ? "failed for now"
				   : outcome_names[reports[i].outcome],
			   reports[i].reply);
		sent += reports[i].outcome == STORE_ATTEMPT_SENT;
	}
	cmd_close(&c);
	return sent == n ? 0 : EX_UNAVAILABLE;
}
