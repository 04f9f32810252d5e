/*
 * catalogue.h: the catalogue of the real datasets, shipped with
 * scrapewatch: where each is published, its format and columns, and what
 * a watcher should know of it (publisher, licence, size, access, how
 * people get out of it).
 *
 * The catalogue is a folder of YAML files, NAME.yaml, one dataset mapping
 * each, named by its file.  A dataset of the configuration takes an entry
 * with 'use: NAME' (config_load() reads it); 'scrapewatch datasets' lists
 * them all.  The folder is the configuration's 'catalogue:' if it has one,
 * else $SCRAPEWATCH_CATALOGUE, else the one installed with scrapewatch.
 */
#ifndef SCRAPEWATCH_CATALOGUE_H
#define SCRAPEWATCH_CATALOGUE_H

#include "config/config.h"

/* The environment variable that names the catalogue folder. */
#define CATALOGUE_ENV "SCRAPEWATCH_CATALOGUE"

/* The folder a configuration without 'catalogue:' uses: $SCRAPEWATCH_
 * CATALOGUE if set and not empty, else the installed one.  Borrowed. */
const char *catalogue_default_dir(void);

/*
 * The folder the configuration at config_path names with 'catalogue:'
 * (relative to the file's directory), read without loading the rest of
 * the configuration, else catalogue_default_dir().  A file that cannot be
 * read or parsed names none.  Returns a malloc'ed path.
 */
char *catalogue_dir_of(const char *config_path);

/*
 * Loads every entry of the catalogue in dir, each as a dataset of a new
 * config (in the order of their names), checked as a configuration that
 * used them all would be, but reading no credential.  Returns 0 with the
 * config in *ret (config_free() it), or -EINVAL with every message in
 * *ret_errors (malloc'ed, one a line), or -errno when dir cannot be read
 * (said in *ret_errors too).  *ret_errors is written only on failure.
 */
int catalogue_load(const char *dir, struct config **ret, char **ret_errors);

/* "anonymous", "token", "account", "none". */
const char *catalogue_access_name(enum config_access a);

#endif
