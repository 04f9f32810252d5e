/*
 * cli_cmd.c: what every command of the command line does first and last:
 * split its arguments, load the configuration, open (and create) the state
 * directory and the database, find the dataset and check the subscriber it
 * names; begin and end a listing; and the ways commands print lines, sizes
 * and times.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "alert/deliver.h"
#include "cli/cli_internal.h"
#include "index/ingest.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/text.h"
#include "match/events.h"
#include "match/watchset.h"
#include "service/metrics.h"
#include "store/store_outbox.h"

void cmd_close(struct cmd *c)
{
	c->watches = watchset_free(c->watches);
	c->store = store_close(c->store);
	c->config = config_free(c->config);
}

/* Splits argv into positional arguments and --format; checks the count. */
int cmd_args(struct cmd *c, int argc, char **argv, int min, int max,
	     const char *usage)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (strcmp(a, "--format") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(a, "--format=", 9) == 0)
			v = a + 9;
		else if (a[0] == '-' && a[1]) {
			log_error("Unknown option '%s'; usage: scrapewatch %s",
				  a, usage);
			return EX_USAGE;
		} else if (c->n_args < (int)ELEMENTSOF(c->args))
			c->args[c->n_args++] = argv[i];
		else
			c->n_args++;
		if (v && strcmp(v, "text") == 0)
			c->format = OUT_TEXT;
		else if (v && strcmp(v, "json") == 0)
			c->format = OUT_JSON;
		else if (v && strcmp(v, "csv") == 0)
			c->format = OUT_CSV;
		else if (v) {
			log_error(
				"Unknown format '%s' (expected text, json or csv)",
				v);
			return EX_USAGE;
		}
	}
	if (c->n_args < min || c->n_args > max) {
		log_error("Usage: scrapewatch %s", usage);
		return EX_USAGE;
	}
	return 0;
}

int cmd_take_option(int *argc, char **argv, const char *name, const char **ret)
{
	size_t len = strlen(name);
	int i, n = 0, found = 0;

	for (i = 0; i < *argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, name) == 0 && i + 1 < *argc) {
			*ret = argv[++i];
			found = 1;
		} else if (strncmp(a, name, len) == 0 && a[len] == '=') {
			*ret = a + len + 1;
			found = 1;
		} else
			argv[n++] = argv[i];
	}
	*argc = n;
	return found;
}

bool cmd_take_flag(int *argc, char **argv, const char *name)
{
	int i, n = 0;
	bool found = false;

	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], name) == 0)
			found = true;
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return found;
}

/* 0 if the configuration has the subscriber, else logs why and returns
 * EX_USAGE. */
static int check_subscriber(const struct cmd *c, const char *name)
{
	if (config_find_subscriber(c->config, name))
		return 0;
	log_error("No subscriber '%s' in the configuration", name);
	return EX_USAGE;
}

int cmd_open(struct cmd *c, const struct cli *cli, const char *name,
	     enum setup_access access)
{
	int status, r;

	status = setup_config(cli->config_path, &c->config);
	if (status)
		return status;
	if (name) {
		c->dataset = config_find_dataset(c->config, name);
		if (!c->dataset) {
			log_error("No dataset '%s' in the configuration", name);
			return EX_USAGE;
		}
	}
	status = setup_store(c->config, access, &c->store);
	if (status)
		return status;
	if (name) {
		r = store_dataset_id(c->store, name, &c->dataset_id);
		if (r < 0) {
			log_error_errno(r, "Cannot read the database: %m");
			return EX_IOERR;
		}
	}
	return 0;
}

int cmd_begin(struct cmd *c, const struct cli *cli, int argc, char **argv,
	      const struct cmd_spec *spec)
{
	const char *dataset = spec->dataset;
	int status;

	status = cmd_args(c, argc, argv, spec->min_args, spec->max_args,
			  spec->usage);
	if (!status && spec->no_csv && c->format == OUT_CSV) {
		log_error("%.*s prints text or json, not csv",
			  (int)strcspn(spec->usage, " "), spec->usage);
		status = EX_USAGE;
	}
	if (spec->dataset_arg)
		dataset = c->args[spec->dataset_arg - 1];
	if (!status && spec->config_only)
		status = setup_config(cli->config_path, &c->config);
	else if (!status)
		status = cmd_open(c, cli, dataset, spec->access);
	if (!status && spec->subscriber_arg &&
	    c->n_args >= spec->subscriber_arg)
		status = check_subscriber(c, c->args[spec->subscriber_arg - 1]);
	if (status)
		cmd_close(c);
	return status;
}

void cmd_list_begin(enum out_format format, const char *csv_header)
{
	if (format == OUT_JSON)
		printf("[\n");
	else if (format == OUT_CSV && csv_header)
		printf("%s", csv_header);
}

int cmd_list_end(enum out_format format, size_t n, const char *item_end,
		 const char *noun, const char *what, int r)
{
	if (format == OUT_JSON)
		printf("%s]\n", n ? item_end : "");
	else if (format == OUT_TEXT && noun)
		printf("%zu %s%s\n", n, noun, n == 1 ? "" : "s");
	if (r >= 0)
		return 0;
	log_error_errno(r, "Cannot read %s: %m", what);
	return EX_IOERR;
}

void cmd_printf(const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 1 << 20);
	va_start(ap, fmt);
	(void)text_vprintf(&b, fmt, ap);
	va_end(ap);
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

void format_size(int64_t bytes, char *out, size_t size)
{
	static const char units[] = "BKMGT";
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, u ? "%.1f %ciB" : "%.0f %c", v, units[u]);
}

void format_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, size, "%Y-%m-%d %H:%M", gmtime_r(&tt, &tm));
}

void report_ingest(const char *dataset, const struct ingest_result *res,
		   const char *extra)
{
	const struct store_release *rel = &res->release;
	char size[32];
	unsigned i;

	for (i = 0; i < res->n_bad_shown; i++)
		log_warning("%s: %s, skipped", dataset, res->bad[i]);
	if (res->duplicates)
		log_warning("%s: %llu entries repeat a key seen earlier in the "
			    "release and were counted once",
			    dataset, (unsigned long long)res->duplicates);
	if (res->unchanged) {
		cmd_printf(
			"%s: unchanged: same content as release %lld (sha256 "
			"%.16s...)%s\n",
			dataset, (long long)rel->seq, rel->sha256, extra);
		return;
	}
	format_size(rel->size, size, sizeof(size));
	cmd_printf("%s: release %lld (%s, %s, sha256 %.16s...): %lld entries; "
		   "%lld added, %lld removed, %lld reincluded; %lld bad "
		   "records%s\n",
		   dataset, (long long)rel->seq, rel->kind, size, rel->sha256,
		   (long long)rel->entries, (long long)rel->added,
		   (long long)rel->removed, (long long)rel->reincluded,
		   (long long)rel->bad_records, extra);
}

int64_t cmd_due_count(struct store *s, int64_t now)
{
	int64_t n = 0;
	int r = store_alerts_due_count(s, now, &n);

	if (r < 0)
		log_debug_errno(r, "Cannot count the alerts due: %m");
	return r < 0 ? -1 : n;
}

void report_delivery(const struct deliver_result *res, int64_t due_before)
{
	/* A run takes at most a batch of the alerts due when it starts;
	 * those it did not reach are still due.  A notice the run itself
	 * queued (an alert failed) is not counted: it is new. */
	int64_t left =
		due_before - (int64_t)(res->sent + res->retried + res->failed);

	printf("alerts: %u sent, %u to retry, %u failed", res->sent,
	       res->retried, res->failed);
	if (due_before >= 0 && left > 0)
		printf("; %lld still due: run scrapewatch deliver again, or let "
		       "the daemon send them",
		       (long long)left);
	printf("\n");
}

void report_events(const char *dataset, const struct events_summary *sum)
{
	if (sum->events)
		cmd_printf(
			"%s: %u new event%s for subscribers (%u baseline%s), "
			"%llu photo%s\n",
			dataset, sum->events, sum->events == 1 ? "" : "s",
			sum->baselines, sum->baselines == 1 ? "" : "s",
			(unsigned long long)sum->photos,
			sum->photos == 1 ? "" : "s");
}
