/*
 * cli_status.c: `scrapewatch status [--format text|json]` -- what the
 * operator asks first: per configured dataset its last check, failures in
 * a row, newest release and next check; datasets the database still holds
 * but the configuration no longer names; then the outbox.
 *
 * It reads the database only, in one short read transaction (store_status.h),
 * so it runs beside the daemon and never holds it up; the output is built
 * in memory and printed after the transaction ends, and nothing is printed
 * when a read fails.  The next check is the daemon's plan when it made one,
 * otherwise when `check` would find the dataset due, labelled "due".
 */
#include <stdbool.h>
#include <stdio.h>
#include <sysexits.h>
#include <time.h>

#include "cli/cli_internal.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/scalar.h"
#include "lib/text.h"
#include "service/schedule.h"
#include "store/store_index.h"
#include "store/store_outbox.h"
#include "store/store_status.h"

#define LABEL "  %-13s"

struct status {
	const struct config *config; /* borrowed from the cmd */
	struct store *store;	     /* borrowed from the cmd */
	enum out_format format;
	int64_t now;
	struct buf out;
	size_t n_datasets; /* printed so far */
};

/* When a dataset is checked next. */
struct plan_view {
	bool planned;	    /* the daemon's plan: next_check */
	int64_t next_check; /* Unix seconds */
	bool has_due;	    /* computed as check does: due at due ... */
	int64_t due;
	bool due_now;	 /* ... and due already */
	const char *why; /* why it is due now without waiting, or NULL */
};

/* One dataset as read from the database. */
struct view {
	const char *name;
	const struct config_dataset *d; /* NULL: no longer configured */
	struct store_status_dataset row;
	bool has_run, has_release;
	struct store_run run;
	struct store_release release;
	struct plan_view next;
};

/* Reads the last run and the newest release of v's row. */
static int view_load(struct store *s, struct view *v)
{
	int r;

	r = store_run_last(s, v->row.id, &v->run);
	if (r < 0)
		return r;
	v->has_run = r;
	r = store_release_latest(s, v->row.id, &v->release);
	if (r < 0)
		return r;
	v->has_release = r;
	return 0;
}

/* Fills v->next: the daemon's plan, and when check would find it due (at
 * once when never checked or when the last check failed or did not end). */
static void view_schedule(struct view *v, int64_t now)
{
	struct plan_view *n = &v->next;

	*n = (struct plan_view){0};
	if (!v->d)
		return;
	n->planned = v->row.planned;
	n->next_check = v->row.next_check;
	n->due = schedule_due(
		v->has_run, v->run.outcome, v->run.started,
		(int)v->row.failures, v->d->interval,
		v->run.retry_after ? v->run.ended + v->run.retry_after : 0,
		&n->why);
	n->has_due = v->has_run;
	n->due_now = n->due <= now;
}

static void text_run(struct buf *b, const struct store_run *run)
{
	char when[32], size[32];

	if (!run) {
		(void)text_printf(b, LABEL "never\n", "last check");
		return;
	}
	format_time(run->started, when, sizeof(when));
	format_size(run->bytes, size, sizeof(size));
	(void)text_printf(b, LABEL "%s UTC  %s", "last check", when,
			  store_outcome_name(run->outcome));
	if (run->http_status)
		(void)text_printf(b, "  HTTP %d", run->http_status);
	if (run->bytes)
		(void)text_printf(b, "%s%s %s", run->http_status ? ", " : "  ",
				  size,
				  run->http_status ? "downloaded" : "read");
	(void)buf_putc(b, '\n');
	if (*run->error)
		(void)text_printf(b, LABEL "%s\n", "error", run->error);
}

static void text_release(struct buf *b, const struct store_release *rel)
{
	char when[32], size[32];

	if (!rel) {
		(void)buf_printf(b, LABEL "none yet\n", "release");
		return;
	}
	format_time(rel->ingested, when, sizeof(when));
	format_size(rel->size, size, sizeof(size));
	(void)buf_printf(
		b, LABEL "%lld, ingested %s UTC  %s  sha256 %.16s...\n",
		"release", (long long)rel->seq, when, size, rel->sha256);
	(void)buf_printf(b,
			 LABEL "%lld entries: %lld added, %lld removed, "
			       "%lld reincluded",
			 "", (long long)rel->entries, (long long)rel->added,
			 (long long)rel->removed, (long long)rel->reincluded);
	if (rel->bad_records)
		(void)buf_printf(b, "; %lld bad records skipped",
				 (long long)rel->bad_records);
	(void)buf_putc(b, '\n');
}

static void text_schedule(struct buf *b, const struct view *v, int64_t now)
{
	const struct plan_view *n = &v->next;
	char when[32];

	if (!v->d) {
		(void)buf_printf(b,
				 LABEL "none: no longer in the "
				       "configuration\n",
				 "next check");
		return;
	}
	if (!config_dataset_has_source(v->d)) {
		(void)text_printf(b,
				  LABEL "never: no public source (import a "
					"copy: scrapewatch import %s FILE)\n",
				  "next check", v->name);
		return;
	}
	if (n->planned) {
		format_time(n->next_check, when, sizeof(when));
		(void)buf_printf(b, LABEL "%s UTC%s\n", "next check", when,
				 n->next_check < now ? " (overdue)" : "");
		return;
	}
	format_time(n->due, when, sizeof(when));
	if (n->why && !n->due_now)
		(void)buf_printf(b, LABEL "%s UTC (%s)\n", "due", when, n->why);
	else if (n->why)
		(void)buf_printf(b, LABEL "now (%s)\n", "due", n->why);
	else if (n->due_now)
		(void)buf_printf(b, LABEL "now (since %s UTC)\n", "due", when);
	else
		(void)buf_printf(b, LABEL "%s UTC\n", "due", when);
}

static void text_dataset(struct status *st, const struct view *v)
{
	struct buf *b = &st->out;
	char every[32];

	(void)text_puts(b, v->name);
	if (v->d)
		(void)buf_printf(b, "  every %s\n",
				 parse_format_duration(v->d->interval, every,
						       sizeof(every)));
	else
		(void)buf_puts(b, "  (no longer configured)\n");
	text_run(b, v->has_run ? &v->run : NULL);
	if (v->row.failures)
		(void)buf_printf(b, LABEL "%lld in a row\n", "failures",
				 (long long)v->row.failures);
	else
		(void)buf_printf(b, LABEL "none\n", "failures");
	text_release(b, v->has_release ? &v->release : NULL);
	text_schedule(b, v, st->now);
	(void)buf_putc(b, '\n');
}

/* Appends ,"key":value or ,"key":null. */
static void json_time(struct buf *b, const char *key, bool known, int64_t t)
{
	if (known)
		(void)buf_printf(b, ",\"%s\":%lld", key, (long long)t);
	else
		(void)buf_printf(b, ",\"%s\":null", key);
}

static void json_run(struct buf *b, const struct store_run *run)
{
	(void)buf_puts(b, ",\"last_check\":");
	if (!run) {
		(void)buf_puts(b, "null");
		return;
	}
	(void)buf_printf(b, "{\"started\":%lld", (long long)run->started);
	json_time(b, "ended", run->ended != 0, run->ended);
	(void)buf_printf(b, ",\"outcome\":\"%s\"",
			 store_outcome_name(run->outcome));
	json_time(b, "http_status", run->http_status != 0, run->http_status);
	(void)buf_printf(b,
			 ",\"bytes\":%lld,\"error\":", (long long)run->bytes);
	if (*run->error)
		(void)text_json_string(b, run->error);
	else
		(void)buf_puts(b, "null");
	(void)buf_putc(b, '}');
}

static void json_release(struct buf *b, const struct store_release *rel)
{
	(void)buf_puts(b, ",\"release\":");
	if (!rel) {
		(void)buf_puts(b, "null");
		return;
	}
	(void)buf_printf(b,
			 "{\"number\":%lld,\"ingested\":%lld,\"size\":%lld,"
			 "\"sha256\":\"%s\",\"entries\":%lld,\"added\":%lld,"
			 "\"removed\":%lld,\"reincluded\":%lld,"
			 "\"bad_records\":%lld}",
			 (long long)rel->seq, (long long)rel->ingested,
			 (long long)rel->size, rel->sha256,
			 (long long)rel->entries, (long long)rel->added,
			 (long long)rel->removed, (long long)rel->reincluded,
			 (long long)rel->bad_records);
}

static void json_dataset(struct status *st, const struct view *v)
{
	const struct plan_view *n = &v->next;
	struct buf *b = &st->out;

	(void)buf_puts(b,
		       st->n_datasets ? ",\n  {\"name\":" : "\n  {\"name\":");
	(void)text_json_string(b, v->name);
	(void)buf_printf(b, ",\"configured\":%s", v->d ? "true" : "false");
	json_time(b, "interval", v->d != NULL,
		  v->d ? (int64_t)v->d->interval : 0);
	json_run(b, v->has_run ? &v->run : NULL);
	(void)buf_printf(b, ",\"consecutive_failures\":%lld",
			 (long long)v->row.failures);
	json_release(b, v->has_release ? &v->release : NULL);
	json_time(b, "next_check", n->planned, n->next_check);
	json_time(b, "due", n->has_due, n->due);
	(void)buf_printf(b, ",\"due_now\":%s}", n->due_now ? "true" : "false");
}

/* Reads and prints one dataset; v->name, v->d and v->row are set (row.id
 * 0: the database has none yet). */
static int dataset_show(struct status *st, struct view *v)
{
	int r;

	if (v->row.id) {
		r = view_load(st->store, v);
		if (r < 0)
			return r;
	}
	view_schedule(v, st->now);
	if (st->format == OUT_JSON)
		json_dataset(st, v);
	else
		text_dataset(st, v);
	st->n_datasets++;
	return 0;
}

static int configured_show(struct status *st, const struct config_dataset *d)
{
	struct view v = {.name = d->name, .d = d};
	int r;

	r = store_status_dataset(st->store, d->name, &v.row);
	if (r < 0)
		return r;
	return dataset_show(st, &v);
}

/* store_status_datasets_each: the datasets no longer configured. */
static int unconfigured_show(void *userdata,
			     const struct store_status_dataset *row)
{
	struct status *st = userdata;
	struct view v = {.name = row->name, .row = *row};

	if (config_find_dataset(st->config, row->name))
		return 0;
	return dataset_show(st, &v);
}

static int outbox_show(struct status *st)
{
	struct buf *b = &st->out;
	int64_t counts[3], next_due = 0;
	char when[32];
	int r;

	r = store_alert_counts(st->store, counts);
	if (r < 0)
		return r;
	r = store_status_alert_next_due(st->store, &next_due);
	if (r < 0)
		return r;
	if (st->format == OUT_JSON) {
		(void)buf_printf(b,
				 "\"alerts\":{\"pending\":%lld,\"sent\":%lld,"
				 "\"failed\":%lld",
				 (long long)counts[STORE_ALERT_PENDING],
				 (long long)counts[STORE_ALERT_SENT],
				 (long long)counts[STORE_ALERT_FAILED]);
		json_time(b, "next_due", r == 1, next_due);
		(void)buf_puts(b, "}}\n");
		return 0;
	}
	format_time(next_due, when, sizeof(when));
	(void)buf_printf(b, "outbox\n" LABEL "%lld", "pending",
			 (long long)counts[STORE_ALERT_PENDING]);
	if (r == 1)
		(void)buf_printf(b, ", next due %s UTC%s", when,
				 next_due <= st->now
					 ? " (now: scrapewatch deliver sends "
					   "them)"
					 : "");
	(void)buf_printf(b, "\n" LABEL "%lld\n" LABEL "%lld", "sent",
			 (long long)counts[STORE_ALERT_SENT], "failed",
			 (long long)counts[STORE_ALERT_FAILED]);
	if (counts[STORE_ALERT_FAILED])
		(void)buf_puts(b, "  (scrapewatch outbox --failed lists them)");
	(void)buf_putc(b, '\n');
	return 0;
}

/* Reads everything into st->out. */
static int status_build(struct status *st)
{
	size_t i;
	int r;

	if (st->format == OUT_JSON)
		(void)buf_puts(&st->out, "{\"datasets\":[");
	for (i = 0; i < st->config->n_datasets; i++) {
		r = configured_show(st, &st->config->datasets[i]);
		if (r < 0)
			return r;
	}
	r = store_status_datasets_each(st->store, unconfigured_show, st);
	if (r < 0)
		return r;
	if (st->format == OUT_JSON)
		(void)buf_puts(&st->out, st->n_datasets ? "\n ],\n " : "],\n ");
	return outbox_show(st);
}

static const struct cmd_spec status_spec = {
	.usage = "status [--format text|json]",
	.no_csv = true,
};

int cli_status(struct cli *cli, int argc, char **argv)
{
	struct status st = {0};
	struct cmd c = {0};
	int status, r;

	status = cmd_begin(&c, cli, argc, argv, &status_spec);
	if (status)
		return status;
	st = (struct status){
		.config = c.config,
		.store = c.store,
		.format = c.format,
		.now = (int64_t)time(NULL),
	};
	buf_init(&st.out, 1 << 24);
	r = store_status_begin(c.store);
	if (r >= 0)
		r = status_build(&st);
	store_status_end(c.store);
	if (r < 0) {
		log_error_errno(r, "Cannot read the database: %m");
		status = EX_IOERR;
	} else
		fwrite(st.out.data, 1, st.out.len, stdout);
	buf_free(&st.out);
	cmd_close(&c);
	return status;
}
