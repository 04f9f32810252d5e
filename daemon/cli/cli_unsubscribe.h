/*
 * cli_unsubscribe.h: the command that checks an unsubscribe token.
 */
#ifndef SCRAPEWATCH_CLI_UNSUBSCRIBE_H
#define SCRAPEWATCH_CLI_UNSUBSCRIBE_H

struct cli;

/* scrapewatch unsubscribe TOKEN: prints the subscriber the token names if
 * this installation's key made it.  Returns 0, EX_DATAERR for a token that
 * is malformed, altered or another installation's, or another exit status
 * (the configuration, the key file), having logged why. */
int cli_unsubscribe(struct cli *cli, int argc, char **argv);

#endif
