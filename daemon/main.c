/*
 * main.c: the program's entry point.  Everything happens in cli_run(): the
 * subcommands, the long-running service among them.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_run(argc, argv);
}
