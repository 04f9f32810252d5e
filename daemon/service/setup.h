/*
 * setup.h: what every caller that runs the pipeline opens first, the
 * command line and the daemon alike: the configuration, with each of its
 * errors logged, and the database in the state directory, with a clear
 * word on why it cannot be opened.
 *
 * Failures come back as sysexits(3) statuses, logged already, since both
 * callers end the process with them.
 */
#ifndef SCRAPEWATCH_SETUP_H
#define SCRAPEWATCH_SETUP_H

#include <stddef.h>

#include "config/config.h"
#include "store/store.h"

/* What a caller does with the state directory. */
enum setup_access {
	SETUP_READS,  /* reads the database only */
	SETUP_WRITES, /* records checks, releases, alerts or downloads */
};

/* Loads the configuration at path, logging every error.  Returns 0 with
 * it in *ret, or EX_CONFIG (errors in it) or EX_NOINPUT (unreadable). */
int setup_config(const char *path, struct config **ret);

/* The database's path: STATE_DIR/scrapewatch.db. */
void setup_db_path(const struct config *c, char *out, size_t size);

/*
 * Opens the database (making the state directory).  A caller that writes,
 * run by root on a state directory that belongs to another user (the
 * unit's dynamic user), is refused with how to run it as that user: it
 * would leave files there that the unit cannot write.  Returns 0 with the
 * store in *ret, or EX_CANTCREAT, EX_NOPERM, EX_SOFTWARE (a newer schema)
 * or EX_IOERR.
 */
int setup_store(const struct config *c, enum setup_access access,
		struct store **ret);

#endif
