/*
 * cli.c: argument parsing and the subcommands.
 *
 * Global options are pulled out of argv wherever they stand; what is left is
 * the subcommand path and its arguments, dispatched through one static
 * table.  Each subcommand is a small function that uses the modules
 * (config, store, ...) and prints for a person; it owns what it opens.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli_internal.h"
#include "cli/cli_unsubscribe.h"
#include "config/config.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "service/daemon.h"

struct command {
	const char *name;  /* "config check" */
	const char *usage; /* arguments after the name */
	const char *help;
	int (*run)(struct cli *cli, int argc, char **argv);
};

static int cmd_config_check(struct cli *cli, int argc, char **argv);
static int cmd_daemon(struct cli *cli, int argc, char **argv);
static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct command commands[] = {
	{"config check", "", "check the configuration and print a summary",
	 cmd_config_check},
	{"check", "[--all] [--deliver] [DATASET...]",
	 "fetch and ingest the due (or named, or all) datasets", cli_check},
	{"import", "[--no-copy] DATASET FILE",
	 "ingest FILE as the dataset's next release (--no-copy: in place)",
	 cli_import},
	{"releases", "DATASET", "list the dataset's releases", cli_releases},
	{"diff", "DATASET [A] B", "what release B added and removed (since A)",
	 cli_diff},
	{"search", "QUERY", "find an account or photo in every release",
	 cli_search},
	{"matches", "[SUBSCRIBER] [--since WHEN]",
	 "what subscribers were told: photos included, removed, baselines",
	 cli_matches},
	{"optout request", "SUBSCRIBER DATASET",
	 "write and record a request to remove a subscriber's photos",
	 cli_optout_request},
	{"optout status", "[SUBSCRIBER]",
	 "whether requested photos were removed, release by release",
	 cli_optout_status},
	{"evidence", "SUBSCRIBER --out DIR",
	 "write the manifest records of a subscriber's photos (CSV, JSON)",
	 cli_evidence},
	{"deliver", "", "send the alerts that are due (email, webhooks)",
	 cli_deliver},
	{"outbox", "[--pending|--failed|--sent]",
	 "list alerts and every delivery attempt", cli_outbox},
	{"outbox retry", "ID", "make an alert due now (failed: once more)",
	 cli_outbox_retry},
	{"alert test", "SUBSCRIBER",
	 "send a test message through each channel; show the replies",
	 cli_alert_test},
	{"unsubscribe", "TOKEN",
	 "check an unsubscribe link's token; print whose it is",
	 cli_unsubscribe},
	{"status", "", "datasets, their checks and releases; the outbox",
	 cli_status},
	{"datasets", "[--format json]",
	 "the catalogue of real datasets: source, access, opt-out",
	 cli_datasets},
	{"daemon", "", "run as a service: check, ingest and alert on schedule",
	 cmd_daemon},
	{"help", "", "show this help", cmd_help},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: scrapewatch [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Watches published face-recognition datasets for Flickr photos\n"
		"and alerts their owners when they are included or removed.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < ELEMENTSOF(commands); i++) {
		char both[64];

		snprintf(both, sizeof(both), "%s %s", commands[i].name,
			 commands[i].usage);
		/* A long synopsis gets its own line. */
		if (strlen(both) > 26)
			fprintf(f, "  %s\n  %-26s %s\n", both, "",
				commands[i].help);
		else
			fprintf(f, "  %-26s %s\n", both, commands[i].help);
	}
	fprintf(f,
		"\n"
		"Options (before or after the command):\n"
		"  -c, --config FILE          configuration file (default %s)\n"
		"  -v, --verbose              more detail (twice: debug)\n"
		"  -q, --quiet                errors only\n"
		"  -h, --help                 show this help\n"
		"  -V, --version              show the version\n",
		CONFIG_DEFAULT_PATH);
}

static int cmd_help(struct cli *cli _unused_, int argc _unused_,
		    char **argv _unused_)
{
	usage(stdout);
	return EX_OK;
}

/* scrapewatch daemon: the service (daemon.h). */
static int cmd_daemon(struct cli *cli, int argc, char **argv)
{
	struct cmd c = {0};
	int status;

	/* A service tells the journal what it does: notices and info too,
	 * unless -q or -v said otherwise. */
	if (!cli->log_level_set)
		log_max_level = LOG_INFO;
	status = cmd_args(&c, argc, argv, 0, 0, "daemon");
	return status ? status : daemon_run(cli->config_path);
}

static int cmd_config_check(struct cli *cli, int argc, char **argv _unused_)
{
	struct config *c = NULL;
	int status;

	if (argc > 0) {
		log_error("'config check' takes no arguments");
		return EX_USAGE;
	}
	status = setup_config(cli->config_path, &c);
	if (status) {
		log_error("Configuration '%s' has errors; nothing was changed",
			  cli->config_path);
		return status;
	}
	printf("configuration OK: %zu dataset%s, %zu subscriber%s, %zu watch%s "
	       "(%zu file%s read)\n",
	       c->n_datasets, c->n_datasets == 1 ? "" : "s", c->n_subscribers,
	       c->n_subscribers == 1 ? "" : "s", c->n_watches,
	       c->n_watches == 1 ? "" : "es", c->n_files,
	       c->n_files == 1 ? "" : "s");
	config_free(c);
	return EX_OK;
}

/* Matches the longest command name at the start of args; returns its
 * index or -1, with the number of words it used in *ret_words. */
static int find_command(char **args, int n, int *ret_words)
{
	size_t i;
	int best = -1, best_words = 0;

	for (i = 0; i < ELEMENTSOF(commands); i++) {
		const char *name = commands[i].name;
		int w = 0;

		for (;;) {
			size_t len = strcspn(name, " ");

			if (w >= n || strlen(args[w]) != len ||
			    strncmp(args[w], name, len) != 0)
				break;
			w++;
			if (name[len] == '\0') {
				if (w > best_words) {
					best = (int)i;
					best_words = w;
				}
				break;
			}
			name += len + 1;
		}
	}
	*ret_words = best_words;
	return best;
}

/* Takes the value of an option from "--opt=value" or the next argument. */
static const char *option_value(int argc, char **argv, int *i, const char *opt)
{
	const char *eq = strchr(argv[*i], '=');

	if (strncmp(argv[*i], "--", 2) == 0 && eq)
		return eq + 1;
	if (*i + 1 >= argc) {
		log_error("Option '%s' needs a value", opt);
		return NULL;
	}
	return argv[++*i];
}

static bool is_option(const char *arg, const char *s, const char *l)
{
	size_t n = strlen(l);

	return strcmp(arg, s) == 0 || strcmp(arg, l) == 0 ||
	       (strncmp(arg, l, n) == 0 && arg[n] == '=');
}

/* Pulls global options out of argv.  Returns -1 to go on, or an exit
 * status. */
static int parse_global(struct cli *cli, int argc, char **argv)
{
	bool rest = false;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (rest || a[0] != '-' || a[1] == '\0') {
			cli->args[cli->n_args++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			rest = true;
		} else if (is_option(a, "-c", "--config")) {
			cli->config_path =
				option_value(argc, argv, &i, "--config");
			if (!cli->config_path)
				return EX_USAGE;
		} else if (strcmp(a, "-v") == 0 ||
			   strcmp(a, "--verbose") == 0) {
			log_max_level =
				log_max_level < LOG_INFO ? LOG_INFO : LOG_DEBUG;
			cli->log_level_set = true;
		} else if (strcmp(a, "-vv") == 0) {
			log_max_level = LOG_DEBUG;
			cli->log_level_set = true;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			log_max_level = LOG_ERR;
			cli->log_level_set = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return EX_OK;
		} else if (strcmp(a, "-V") == 0 ||
			   strcmp(a, "--version") == 0) {
			printf("scrapewatch %s\n", SCRAPEWATCH_VERSION);
			return EX_OK;
		} else {
			/* Left for the subcommand, which refuses what it does
			 * not know. */
			cli->args[cli->n_args++] = argv[i];
		}
	}
	return -1;
}

int cli_run(int argc, char **argv)
{
	struct cli cli = {.config_path = CONFIG_DEFAULT_PATH};
	int status, cmd, words;

	log_setup();
	/* Commands print their results; by default only warnings are logged. */
	log_max_level = LOG_WARNING;
	cli.args = xcalloc((size_t)argc + 1, sizeof(char *));
	status = parse_global(&cli, argc, argv);
	if (status >= 0)
		goto out;
	if (cli.n_args == 0) {
		usage(stderr);
		status = EX_USAGE;
		goto out;
	}
	cmd = find_command(cli.args, cli.n_args, &words);
	if (cmd < 0) {
		log_error("Unknown command '%s'; see 'scrapewatch --help'",
			  cli.args[0]);
		status = EX_USAGE;
		goto out;
	}
	status = commands[cmd].run(&cli, cli.n_args - words, cli.args + words);
out:
	free(cli.args);
	return status;
}
