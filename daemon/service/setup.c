/*
 * setup.c: loading the configuration and opening the database for any
 * caller (setup.h).  It decides what a failure means to the person who
 * started the process, so it logs; the modules below it do not.
 */
#include "service/setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/macro.h"

#define DB_NAME "scrapewatch.db"

int setup_config(const char *path, struct config **ret)
{
	_cleanup_free_ char *errors = NULL;
	char *line, *next;
	int r;

	r = config_load(path, ret, &errors);
	if (r >= 0)
		return 0;
	for (line = errors; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		log_error("%s", line);
	}
	return r == -EINVAL ? EX_CONFIG : EX_NOINPUT;
}

void setup_db_path(const struct config *c, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", c->state_dir, DB_NAME);
}

/* Refuses root's writes to a state directory that belongs to another
 * user: the files they create would be root's, and the unit's user could
 * not write them afterwards.  Returns 0 or EX_NOPERM, having logged why. */
static int check_owner(const struct config *c, enum setup_access access)
{
	struct stat st;

	if (access != SETUP_WRITES || geteuid() != 0 ||
	    stat(c->state_dir, &st) < 0 || st.st_uid == 0)
		return 0;
	log_error("The state directory '%s' belongs to uid %u (the "
		  "scrapewatch unit's user): run as root, this command would "
		  "leave files there that the unit cannot write",
		  c->state_dir, (unsigned)st.st_uid);
	log_error("Run it as the unit's user instead: systemd-run --pipe "
		  "--wait -p User=scrapewatch -p DynamicUser=yes "
		  "-p StateDirectory=scrapewatch -p CacheDirectory=scrapewatch "
		  "-p LoadCredential=NAME:/etc/scrapewatch/credentials/NAME "
		  "/usr/bin/scrapewatch ARGUMENTS... (one LoadCredential= for "
		  "each credential the configuration names)");
	return EX_NOPERM;
}

/* Refuses a directory that others may write: whoever can, can plant
 * files and links where scrapewatch keeps its own.  Returns 0 or
 * EX_NOPERM, having logged why; a directory that does not exist yet (it
 * is made 0700) is fine. */
static int check_private(const char *dir, const char *what)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !(st.st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	log_error("The %s '%s' may be written by %s (mode %04o): others "
		  "could plant files there; make it the owner's alone "
		  "(chmod go-w)",
		  what, dir, st.st_mode & S_IWOTH ? "everyone" : "its group",
		  (unsigned)(st.st_mode & 07777));
	return EX_NOPERM;
}

/* Says why the database at path did not open, as an exit status. */
static int open_failed(const struct config *c, const char *path, int r)
{
	switch (r) {
	case -EPROTO:
		log_error("Database '%s' was written by a newer scrapewatch",
			  path);
		return EX_SOFTWARE;
	case -ELOOP:
		log_error("Cannot open database '%s': it is a symbolic link, "
			  "and scrapewatch follows none to its own files",
			  path);
		return EX_IOERR;
	case -EACCES:
		log_error("Cannot open database '%s' for writing: uid %u may "
			  "not write in the state directory '%s' or the file "
			  "(commands that only read, such as status, still "
			  "work)",
			  path, (unsigned)geteuid(), c->state_dir);
		return EX_NOPERM;
	case -EROFS:
		log_error("Cannot open database '%s' for writing: the state "
			  "directory '%s' is on a read-only file system "
			  "(commands that only read, such as status, still "
			  "work)",
			  path, c->state_dir);
		return EX_IOERR;
	default:
		log_error_errno(r, "Cannot open database '%s': %m", path);
		return EX_IOERR;
	}
}

/* A command that only reads opens the database read-only, so that it
 * can read where it may not write; the first use, which creates the file,
 * and the first after an upgrade, which migrates it, open it for writing
 * as any command does. */
int setup_store(const struct config *c, enum setup_access access,
		struct store **ret)
{
	char path[4096];
	int status, r;

	status = check_private(c->state_dir, "state directory");
	if (!status)
		status = check_private(c->cache_dir, "cache directory");
	if (status)
		return status;
	setup_db_path(c, path, sizeof(path));
	if (access == SETUP_READS) {
		r = store_open(path, STORE_READ_ONLY, ret);
		if (r == 0)
			return 0;
		if (r != -ENOENT && r != -ESTALE)
			return open_failed(c, path, r);
	}
	r = mkdir_p(c->state_dir);
	if (r < 0) {
		log_error_errno(r, "Cannot create state directory '%s': %m",
				c->state_dir);
		return EX_CANTCREAT;
	}
	status = check_owner(c, access);
	if (status)
		return status;
	r = store_open(path, STORE_READ_WRITE, ret);
	return r < 0 ? open_failed(c, path, r) : 0;
}
