/*
 * cli_matches.c: `scrapewatch matches [SUBSCRIBER] [--since WHEN]
 * [--format text|json|csv]` -- the events recorded for subscribers: which
 * of their photos each release included, removed or reincluded, and the
 * baselines, each photo with how it matched and how its owner was found.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "alert/alert.h"
#include "cli/cli_internal.h"
#include "cli/cli_photos.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/scalar.h"
#include "lib/text.h"
#include "store/store_events.h"

struct lister {
	enum out_format format;
	struct buf out;
	char last[STORE_EVENT_ID_LEN + 1]; /* the event being printed */
	size_t events;
};

static void event_head(struct lister *l, const struct store_event_row *row)
{
	const struct store_event *ev = &row->event;
	struct buf *b = &l->out;
	char when[32];

	format_time(ev->created, when, sizeof(when));
	if (l->format == OUT_JSON) {
		(void)buf_printf(b,
				 "%s  {\"id\":\"%s\",\"type\":\"%s\","
				 "\"created\":%lld,\"subscriber\":",
				 l->events ? "]},\n" : "", ev->id,
				 alert_event_type(ev->type),
				 (long long)ev->created);
		(void)text_json_string(b, ev->subscriber);
		(void)buf_puts(b, ",\"dataset\":");
		(void)text_json_string(b, row->dataset);
		(void)buf_printf(b, ",\"release\":%lld,\"photos\":[",
				 (long long)row->release_seq);
	} else if (l->format == OUT_TEXT)
		(void)text_printf(
			b,
			"%s UTC  %s  %s release %lld  %s: %lld "
			"photo%s\n",
			when, ev->subscriber, row->dataset,
			(long long)row->release_seq, alert_event_type(ev->type),
			(long long)ev->photos, ev->photos == 1 ? "" : "s");
}

static int print_row(void *userdata, const struct store_event_row *row)
{
	struct lister *l = userdata;
	struct buf *b = &l->out;
	bool first = strcmp(l->last, row->event.id) != 0;

	buf_reset(b);
	if (first) {
		event_head(l, row);
		snprintf(l->last, sizeof(l->last), "%s", row->event.id);
		l->events++;
	}
	if (row->entry.id && l->format == OUT_JSON) {
		(void)buf_printf(b,
				 "%s{\"match\":\"%s\",\"owner_found\":\"%s\",",
				 first ? "" : ",", match_names[row->how],
				 photo_owner_found(row->how, row->via));
		entry_json(b, &row->entry);
		(void)buf_putc(b, '}');
	} else if (row->entry.id && l->format == OUT_CSV) {
		(void)buf_printf(b, "%s,%s,", row->event.id,
				 alert_event_type(row->event.type));
		(void)text_csv_field(b, row->event.subscriber);
		(void)buf_putc(b, ',');
		(void)text_csv_field(b, row->dataset);
		(void)buf_printf(
			b, ",%lld,%lld,%s,%s,", (long long)row->release_seq,
			(long long)row->event.created, match_names[row->how],
			photo_owner_found(row->how, row->via));
		entry_csv(b, &row->entry);
		(void)buf_putc(b, '\n');
	} else if (row->entry.id) {
		(void)buf_printf(b, "    %-22s  ", match_names[row->how]);
		if (row->via == STORE_VIA_OWNERSHIP)
			(void)buf_puts(b, "(owner from the ownership table)  ");
		entry_text_line(b, &row->entry);
		(void)buf_putc(b, '\n');
	}
	fwrite(b->data, 1, b->len, stdout);
	return 0;
}

/* WHEN: a date (YYYY-MM-DD, UTC) or a duration ago (7d).  Returns 0. */
static int parse_since(const char *s, int64_t *ret)
{
	struct tm tm = {0};
	uint64_t ago;
	const char *end;

	if (scalar_parse_duration(s, &ago) == 0) {
		*ret = (int64_t)time(NULL) - (int64_t)ago;
		return 0;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end || *end)
		return -EINVAL;
	*ret = (int64_t)timegm(&tm);
	return 0;
}

/* Takes --since out of argv (the rest goes to cmd_args). */
static int take_since(int *argc, char **argv, int64_t *since)
{
	const char *v;

	if (!cmd_take_option(argc, argv, "--since", &v))
		return 0;
	if (parse_since(v, since) < 0) {
		log_error("--since takes a date (2026-11-01) or a duration ago "
			  "(7d), not '%s'",
			  v);
		return EX_USAGE;
	}
	return 0;
}

static const struct cmd_spec matches_spec = {
	.usage = "matches [SUBSCRIBER] [--since WHEN] "
		 "[--format text|json|csv]",
	.max_args = 1,
	.subscriber_arg = 1,
};

int cli_matches(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	struct lister l = {0};
	int64_t since = 0;
	int status, r;

	status = take_since(&argc, argv, &since);
	if (!status)
		status = cmd_begin(&c, cli, argc, argv, &matches_spec);
	if (status)
		return status;
	l.format = c.format;
	buf_init(&l.out, 1 << 20);
	cmd_list_begin(l.format,
		       "event,type,subscriber,dataset,release,created,match,"
		       "owner_found,photo_id,nsid,alias,display_name,key,"
		       "page_url,image_url,license,line\n");
	r = store_events_each(c.store, c.n_args ? c.args[0] : NULL, since,
			      print_row, &l);
	status = cmd_list_end(l.format, l.events, "]}\n", "event",
			      "the database", r);
	buf_free(&l.out);
	cmd_close(&c);
	return status;
}
