/*
 * main.c: the program's entry point.  Everything happens in cli_run(): the
 * subcommands, and (with the daemon issue) the long-running service.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_run(argc, argv);
}
