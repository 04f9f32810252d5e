/*
 * cli_unsubscribe.c: scrapewatch unsubscribe TOKEN (cli_unsubscribe.h).
 *
 * What the operator's unsubscribe endpoint runs for each click (the token
 * is the one in the List-Unsubscribe URL, or in the subject of the
 * mailto: request): it checks the token against the state directory's key
 * and prints the subscriber's name alone on stdout, for a script to act
 * on.  It reads the key and never makes one, and never prints it; the
 * token is not echoed either, as it is whatever a stranger sent.
 */
#include "cli/cli_unsubscribe.h"

#include <errno.h>
#include <stdio.h>
#include <sysexits.h>

#include "alert/unsubscribe.h"
#include "cli/cli_internal.h"
#include "lib/log.h"

/* The exit status for a failure of unsubscribe_key_load() or
 * unsubscribe_verify(). */
static int status_of(int r)
{
	switch (r) {
	case -ENOENT:	    /* no key: no token made here can exist */
	case -EBADMSG:	    /* not a token (or a key file that is not one) */
	case -EKEYREJECTED: /* altered or forged */
		return EX_DATAERR;
	case -EPERM:
		return EX_NOPERM;
	default:
		return EX_IOERR;
	}
}

int cli_unsubscribe(struct cli *cli, int argc, char **argv)
{
	struct unsubscribe_key key;
	char name[UNSUBSCRIBE_NAME_MAX + 1], err[512];
	struct cmd c = {0};
	int status, r;

	status = cmd_args(&c, argc, argv, 1, 1, "unsubscribe TOKEN");
	if (!status)
		status = setup_config(cli->config_path, &c.config);
	if (status)
		goto out;
	r = unsubscribe_key_load(c.config->state_dir, false, &key, err,
				 sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		/* A key file that is not one is the installation's problem,
		 * not the token's. */
		status = r == -EBADMSG ? EX_IOERR : status_of(r);
		goto out;
	}
	r = unsubscribe_verify(&key, c.args[0], name, sizeof(name), err,
			       sizeof(err));
	unsubscribe_key_wipe(&key);
	if (r < 0) {
		log_error("Invalid unsubscribe token: %s", err);
		status = status_of(r);
		goto out;
	}
	if (!config_find_subscriber(c.config, name))
		log_warning("Subscriber '%s' is no longer in the "
			    "configuration",
			    name);
	printf("%s\n", name);
out:
	cmd_close(&c);
	return status;
}
