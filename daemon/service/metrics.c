/*
 * metrics.c: the Prometheus textfile (metrics.h).
 *
 * Every figure is read from the database (store_status.h) inside one read
 * transaction, so the file says the same whoever writes it -- the daemon
 * after each check and every half minute, or `scrapewatch check` run by a
 * timer -- and the counters never go back: the database only ever adds
 * runs, releases and events.  The file is written beside its place and
 * renamed over it, so the collector never reads half of one; the
 * temporary name ends in ".tmp", which the collector skips.
 */
#include "service/metrics.h"

#include <stdbool.h>

#include "alert/alert.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "store/store_status.h"

/* One metric: its figure, and the name of its second label, if any. */
struct metric {
	enum store_figure figure;
	const char *name, *type, *help;
	const char *label;
};

static const struct metric metrics[] = {
	{STORE_FIGURE_CHECKS, "scrapewatch_checks_total", "counter",
	 "Checks of a dataset that ended, by outcome.", "outcome"},
	{STORE_FIGURE_BYTES, "scrapewatch_downloaded_bytes_total", "counter",
	 "Bytes downloaded by the checks of a dataset.", NULL},
	{STORE_FIGURE_RELEASES, "scrapewatch_releases_total", "counter",
	 "Releases of a dataset recorded.", NULL},
	{STORE_FIGURE_ENTRIES, "scrapewatch_entries", "gauge",
	 "Entries in the newest release of a dataset.", NULL},
	{STORE_FIGURE_EVENTS, "scrapewatch_events_total", "counter",
	 "Events recorded for subscribers, by type.", "type"},
	{STORE_FIGURE_LAST_CHECK, "scrapewatch_last_check_timestamp_seconds",
	 "gauge", "When the last check of a dataset ended.", NULL},
	{STORE_FIGURE_FAILURES, "scrapewatch_consecutive_failures", "gauge",
	 "Failed checks of a dataset in a row.", NULL},
	{STORE_FIGURE_ALERTS, "scrapewatch_alerts", "gauge",
	 "Alerts in the outbox, by state.", "state"},
};

struct render {
	const struct metric *m;
	struct buf *out;
};

/* A label value, escaped as the text format wants (\\, \" and \n). */
static void label_value(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			(void)buf_putc(b, '\\');
		if (*s == '\n')
			(void)buf_puts(b, "\\n");
		else
			(void)buf_putc(b, *s);
	}
}

/* The second label's value: a check's outcome, an event type or an
 * alert state. */
static const char *second_label(enum store_figure f,
				const struct store_figure_row *row)
{
	if (f == STORE_FIGURE_EVENTS)
		return alert_event_type((enum store_event_type)row->code);
	if (f == STORE_FIGURE_ALERTS)
		return alert_state_name((enum store_alert_state)row->code);
	return row->label;
}

static int render_row(void *userdata, const struct store_figure_row *row)
{
	struct render *r = userdata;
	struct buf *b = r->out;
	bool dataset = r->m->figure != STORE_FIGURE_ALERTS;

	(void)buf_puts(b, r->m->name);
	if (dataset || r->m->label)
		(void)buf_putc(b, '{');
	if (dataset) {
		(void)buf_puts(b, "dataset=\"");
		label_value(b, row->dataset);
		(void)buf_putc(b, '"');
	}
	if (r->m->label) {
		(void)buf_printf(b, "%s%s=\"", dataset ? "," : "", r->m->label);
		label_value(b, second_label(r->m->figure, row));
		(void)buf_putc(b, '"');
	}
	if (dataset || r->m->label)
		(void)buf_putc(b, '}');
	return buf_printf(b, " %lld\n", (long long)row->value);
}

int metrics_render(struct store *s, struct buf *out)
{
	struct render r = {NULL, out};
	size_t i;
	int ret;

	ret = store_status_begin(s);
	for (i = 0; ret >= 0 && i < ELEMENTSOF(metrics); i++) {
		r.m = &metrics[i];
		ret = buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", r.m->name,
				 r.m->help, r.m->name, r.m->type);
		if (ret >= 0)
			ret = store_status_figure_each(s, r.m->figure,
						       render_row, &r);
	}
	store_status_end(s);
	return ret < 0 ? ret : 0;
}

int metrics_write(struct store *s, const char *path)
{
	struct buf b;
	int r;

	buf_init(&b, 16 << 20);
	r = metrics_render(s, &b);
	if (r >= 0)
		r = write_file_durably(path, b.data, b.len, 0640);
	buf_free(&b);
	return r;
}

void metrics_update(const struct config *c, struct store *s, int *last_error)
{
	int r;

	if (!c->metrics_file)
		return;
	r = metrics_write(s, c->metrics_file);
	if (r < 0 && (!last_error || r != *last_error))
		log_warning_errno(r, "Cannot write the metrics file %s: %m",
				  c->metrics_file);
	if (last_error)
		*last_error = r < 0 ? r : 0;
}
