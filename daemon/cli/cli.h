/*
 * cli.h: the command line of the one scrapewatch binary.
 *
 * git-style subcommands ("scrapewatch config check") with global options
 * (-c/--config, -v, -q) accepted before or after the subcommand.  Exit
 * codes follow sysexits(3): 0 success, 64 usage, 78 configuration, ...
 */
#ifndef SCRAPEWATCH_CLI_H
#define SCRAPEWATCH_CLI_H

/* Runs the command line; returns the process exit status. */
int cli_run(int argc, char **argv);

#endif
