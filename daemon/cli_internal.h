/*
 * cli_internal.h: what the files of the command line share: the parsed
 * command line, loading the configuration and the database for a command,
 * and the commands defined outside cli.c.
 */
#ifndef SCRAPEWATCH_CLI_INTERNAL_H
#define SCRAPEWATCH_CLI_INTERNAL_H

#include "config.h"
#include "store.h"

struct cli {
	const char *config_path; /* borrowed from argv */
	char **args;		 /* owned array; strings borrowed from argv */
	int n_args;
};

/* Loads the configuration, logging every error.  Returns 0 or an exit
 * status (EX_CONFIG, EX_NOINPUT). */
int cli_load_config(const struct cli *cli, struct config **ret);

/* The index commands (cli_index.c); each returns an exit status. */
int cli_import(struct cli *cli, int argc, char **argv);
int cli_releases(struct cli *cli, int argc, char **argv);
int cli_diff(struct cli *cli, int argc, char **argv);
int cli_search(struct cli *cli, int argc, char **argv);

#endif
