/*
 * main.c: the program's entry point.  Everything happens in cli_run(): the
 * subcommands, the long-running service among them.
 */
#include <sys/stat.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
	/* What scrapewatch creates is its own: the database, the downloads,
	 * the evidence (files meant for others say so with an exact mode). */
	umask(077);
	return cli_run(argc, argv);
}
