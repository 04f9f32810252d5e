/*
 * cli_check.c: `scrapewatch check [--all] [DATASET...]` -- checks datasets
 * once, as the daemon's timers would, and prints a line per dataset.
 *
 * Without names it checks the datasets that are due (never checked, or
 * their interval has passed since the last check); --all checks every
 * dataset; named datasets are checked now.  One dataset failing does not
 * stop the others; the exit status says whether any failed.  A catalogue
 * entry with no public source (access: none) is never fetched: named, it
 * is refused; otherwise it is passed over, with a word on importing it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "alert/deliver.h"
#include "cli/cli_internal.h"
#include "fetch/fetch.h"
#include "lib/log.h"
#include "match/watchset.h"
#include "service/check.h"
#include "service/metrics.h"
#include "service/schedule.h"
#include "store/store_index.h"

/* Whether d is due at now (schedule.h); if not, when it will be in
 * *ret_next. */
static bool dataset_due(struct store *s, const struct config_dataset *d,
			int64_t id, int64_t now, int64_t *ret_next)
{
	struct store_run last = {0};
	const char *why;
	int has = store_run_last(s, id, &last);
	int failures = has == 1 ? store_dataset_failures(s, id) : 0;

	*ret_next = schedule_due(
		has == 1, last.outcome, last.started, failures, d->interval,
		last.retry_after ? last.ended + last.retry_after : 0, &why);
	return has < 0 || *ret_next <= now;
}

static int check_status(int r)
{
	return r == -EBADMSG || r == -EFBIG || r == -E2BIG ? EX_DATAERR
							   : EX_UNAVAILABLE;
}

/* How to give a dataset without a public source its releases. */
#define IMPORT_HINT                                                         \
	"the catalogue says it is no longer published; if you have a copy " \
	"of its manifest, import it: scrapewatch import %s FILE"

/* A dataset without a source: refused when named, passed over with a
 * line otherwise.  Returns 0 or EX_UNAVAILABLE. */
static int check_none(const struct config_dataset *d, bool named)
{
	if (named) {
		log_error("%s: no public source to check: " IMPORT_HINT,
			  d->name, d->name);
		return EX_UNAVAILABLE;
	}
	cmd_printf("%s: not checked, no public source: " IMPORT_HINT "\n",
		   d->name, d->name);
	return 0;
}

/* Checks one dataset and reports it.  Returns 0 or an exit status. */
static int check_one(struct cmd *c, const struct config_dataset *d)
{
	struct check_result res;
	char extra[160], size[32], at[32], words[64];
	int64_t id, next;
	int r;

	r = store_dataset_id(c->store, d->name, &id);
	if (r < 0) {
		log_error_errno(r, "Cannot read the database: %m");
		return EX_IOERR;
	}
	r = check_dataset(c->store, c->config, c->watches, d, id, &res);
	if (r < 0) {
		unsigned i;

		for (i = 0; i < res.land.ingest.n_bad_shown; i++)
			log_warning("%s: %s", d->name, res.land.ingest.bad[i]);
		log_error("%s: check failed: %s (%s); the index is unchanged",
			  d->name, res.error,
			  check_failures_words(&res, words, sizeof(words)));
		if (!dataset_due(c->store, d, id, (int64_t)time(NULL), &next)) {
			format_time(next, at, sizeof(at));
			log_warning("%s: due again at %s UTC, after the "
				    "backoff (name it to check it now)",
				    d->name, at);
		}
		return check_status(r);
	}
	if (res.http_status == 304 && !res.files) {
		cmd_printf("%s: unchanged (HTTP 304 Not Modified)\n", d->name);
		report_events(d->name, &res.land.events);
		return 0;
	}
	format_size((int64_t)res.bytes, size, sizeof(size));
	format_size((int64_t)res.resumed_at, at, sizeof(at));
	if (res.files)
		snprintf(extra, sizeof(extra),
			 " [%u file%s: %u downloaded (%s), %u parsed]",
			 res.files, res.files == 1 ? "" : "s",
			 res.files_fetched, size, res.files_parsed);
	else if (res.resumed_at)
		snprintf(extra, sizeof(extra),
			 " [HTTP %d, %s downloaded, resumed after %s]",
			 res.http_status, size, at);
	else if (res.http_status)
		snprintf(extra, sizeof(extra), " [HTTP %d, %s downloaded]",
			 res.http_status, size);
	else
		snprintf(extra, sizeof(extra), " [%s read]", size);
	report_ingest(d->name, &res.land.ingest, extra);
	report_events(d->name, &res.land.events);
	return 0;
}

/* Checks the named datasets, or the due ones, or all. */
static int check_datasets(struct cmd *c, char **names, int n, bool all)
{
	int64_t now = (int64_t)time(NULL), next, id;
	int i, r, status = 0;
	size_t j;

	for (i = 0; i < n; i++) {
		const struct config_dataset *d =
			config_find_dataset(c->config, names[i]);

		r = !d				    ? EX_USAGE
		    : !config_dataset_has_source(d) ? check_none(d, true)
						    : check_one(c, d);
		if (!d)
			log_error("No dataset '%s' in the configuration",
				  names[i]);
		status = status ? status : r;
	}
	for (j = 0; n == 0 && j < c->config->n_datasets; j++) {
		const struct config_dataset *d = &c->config->datasets[j];
		char when[32];

		if (!config_dataset_has_source(d))
			r = check_none(d, false);
		else if (store_dataset_id(c->store, d->name, &id) < 0)
			r = EX_IOERR;
		else if (all || dataset_due(c->store, d, id, now, &next))
			r = check_one(c, d);
		else {
			format_time(next, when, sizeof(when));
			cmd_printf("%s: not due until %s UTC\n", d->name, when);
			r = 0;
		}
		status = status ? status : r;
	}
	return status;
}

/* check --deliver: then the alerts that are due, whatever the checks
 * did (for a timer, where no daemon delivers). */
static void deliver_after(struct cmd *c)
{
	int64_t now = (int64_t)time(NULL), due;
	struct deliver_result res;
	int r;

	due = cmd_due_count(c->store, now);
	r = deliver_due(c->store, c->config, now, &res);
	if (r == -EALREADY)
		log_info("Another delivery is running: alerts left to it");
	else if (r < 0)
		log_error_errno(r, "Cannot deliver alerts: %m");
	else if (res.sent || res.retried || res.failed)
		report_delivery(&res, due);
}

int cli_check(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	bool all = false, deliver = false;
	int i, n = 0, status;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--deliver") == 0)
			deliver = true;
		else if (argv[i][0] == '-' && argv[i][1]) {
			log_error("Unknown option '%s'; usage: scrapewatch "
				  "check [--all] [--deliver] [DATASET...]",
				  argv[i]);
			return EX_USAGE;
		} else
			argv[n++] = argv[i];
	}
	if (fetch_global_init() < 0) {
		log_error("Cannot initialise libcurl");
		return EX_SOFTWARE;
	}
	status = cmd_open(&c, cli, NULL, SETUP_WRITES);
	if (!status) {
		c.watches = watchset_new(c.config);
		status = check_datasets(&c, argv, n, all);
		if (deliver)
			deliver_after(&c);
		metrics_update(c.config, c.store, NULL);
	}
	cmd_close(&c);
	curl_global_cleanup();
	return status;
}
