/*
 * cli_internal.h: what the files of the command line share: the parsed
 * command line, loading the configuration and the database for a command,
 * and the commands defined outside cli.c.
 */
#ifndef SCRAPEWATCH_CLI_INTERNAL_H
#define SCRAPEWATCH_CLI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "config/config.h"
#include "lib/macro.h"
#include "service/setup.h"
#include "store/store.h"

struct cli {
	const char *config_path; /* borrowed from argv */
	char **args;		 /* owned array; strings borrowed from argv */
	int n_args;
	bool log_level_set; /* -v, -vv or -q was given */
};

enum out_format { OUT_TEXT, OUT_JSON, OUT_CSV };

/* What a command opened; freed by cmd_close(). */
struct cmd {
	struct config *config;
	struct store *store;
	struct watchset *watches;	      /* the config's, indexed */
	const struct config_dataset *dataset; /* borrowed from config */
	int64_t dataset_id;
	enum out_format format;
	char *args[4]; /* positional arguments, borrowed from argv */
	int n_args;
};

void cmd_close(struct cmd *c);

/* Splits argv into positional arguments and --format; checks the count. */
int cmd_args(struct cmd *c, int argc, char **argv, int min, int max,
	     const char *usage);

/* Takes "NAME VALUE" or "NAME=VALUE" out of argv (the last one wins) and
 * points *ret at the value.  Returns 1 if found, else 0. */
int cmd_take_option(int *argc, char **argv, const char *name, const char **ret);

/* Takes every NAME (a flag without a value) out of argv.  Returns whether
 * there was one. */
bool cmd_take_flag(int *argc, char **argv, const char *name);

/* Loads the configuration and opens the database (setup.h); with name,
 * also finds the dataset.  Returns 0 or an exit status, having logged why. */
int cmd_open(struct cmd *c, const struct cli *cli, const char *name,
	     enum setup_access access);

/* What a command takes and opens, for cmd_begin(). */
struct cmd_spec {
	const char *usage;	/* after "scrapewatch ", for errors */
	int min_args, max_args; /* positional arguments */
	/* The positional argument (from 1) naming a dataset, and one naming
	 * a subscriber (checked when given); 0: none. */
	int dataset_arg, subscriber_arg;
	const char *dataset; /* or a dataset named by an option; NULL: none */
	enum setup_access access; /* SETUP_READS unless told */
	bool config_only;	  /* the configuration, no database */
	bool no_csv;		  /* prints text or json only */
};

/*
 * What every command does first: splits its arguments (cmd_args), loads
 * the configuration and opens the database (cmd_open), finds the dataset
 * and checks the subscriber it names.  Returns 0, or an exit status
 * having logged why and closed what it opened.
 */
int cmd_begin(struct cmd *c, const struct cli *cli, int argc, char **argv,
	      const struct cmd_spec *spec);

/* The start of a listing: "[" in JSON, csv_header (NULL: none) in CSV. */
void cmd_list_begin(enum out_format format, const char *csv_header);

/*
 * The end of a listing of n items: in JSON the array closed, after
 * item_end when there were items (what the last one left open); in text
 * "N nouns" (noun NULL: nothing).  Then, when the listing failed (r < 0),
 * logs "Cannot read WHAT: ...".  Returns 0, or EX_IOERR when r < 0.
 */
int cmd_list_end(enum out_format format, size_t n, const char *item_end,
		 const char *noun, const char *what, int r);

/* printf() to stdout with each conversion escaped (text_printf()): for
 * lines a person reads. */
void cmd_printf(const char *fmt, ...) _printf_(1, 2);

/* "1.5 GiB", "512 B"; "2026-11-27 03:18" (UTC). */
void format_size(int64_t bytes, char *out, size_t size);
void format_time(int64_t t, char *out, size_t size);

struct ingest_result;
struct events_summary;
/* Prints what events a check or import recorded, if any. */
void report_events(const char *dataset, const struct events_summary *sum);

/* The alerts due at now, or -1 when they cannot be counted (logged at
 * debug level: the caller goes on without the figure). */
int64_t cmd_due_count(struct store *s, int64_t now);

struct deliver_result;
/* Prints what a delivery run did ("alerts: 3 sent, 0 to retry, 0
 * failed") and, of the due_before alerts due when it started (-1:
 * unknown), how many it left: a run sends at most a batch. */
void report_delivery(const struct deliver_result *res, int64_t due_before);

/* Prints what an ingest did, one line on stdout ("DATASET: release 3 ...",
 * extra appended), and its bad records as warnings. */
void report_ingest(const char *dataset, const struct ingest_result *res,
		   const char *extra);

struct buf;
struct store_entry;
/* An entry for people and programs (cli_index.c): one text line, the
 * members of a JSON object (no braces), CSV fields (photo_id, nsid, alias,
 * display_name, key, page_url, image_url, license, line). */
void entry_text_line(struct buf *b, const struct store_entry *e);
void entry_json(struct buf *b, const struct store_entry *e);
void entry_csv(struct buf *b, const struct store_entry *e);
/* Appends the releases an entry is in, "1-2, 4-latest".  Returns 1 if it
 * is in the newest release, 0 if not, or -errno. */
int entry_presence(struct store *s, int64_t entry_id, struct buf *b);
/* "photo", "account (NSID)", ... by enum store_match. */
extern const char *const match_names[];

/* The index commands (cli_index.c); each returns an exit status. */
int cli_import(struct cli *cli, int argc, char **argv);
int cli_releases(struct cli *cli, int argc, char **argv);
int cli_diff(struct cli *cli, int argc, char **argv);
int cli_search(struct cli *cli, int argc, char **argv);

/* scrapewatch matches [SUBSCRIBER] (cli_matches.c). */
int cli_matches(struct cli *cli, int argc, char **argv);

/* scrapewatch optout request|status (cli_optout.c). */
int cli_optout_request(struct cli *cli, int argc, char **argv);
int cli_optout_status(struct cli *cli, int argc, char **argv);

/* scrapewatch evidence SUBSCRIBER --out DIR (cli_evidence.c). */
int cli_evidence(struct cli *cli, int argc, char **argv);

/* scrapewatch deliver, outbox [retry ID] (cli_outbox.c). */
int cli_deliver(struct cli *cli, int argc, char **argv);
int cli_outbox(struct cli *cli, int argc, char **argv);
int cli_outbox_retry(struct cli *cli, int argc, char **argv);
int cli_alert_test(struct cli *cli, int argc, char **argv);

/* scrapewatch status (cli_status.c). */
int cli_status(struct cli *cli, int argc, char **argv);

/* scrapewatch check [DATASET...] (cli_check.c). */
int cli_check(struct cli *cli, int argc, char **argv);

/* scrapewatch datasets: the catalogue (cli_datasets.c). */
int cli_datasets(struct cli *cli, int argc, char **argv);

#endif
