/*
 * store_status.h: the reads behind `scrapewatch status`.
 *
 * A status is read inside one read transaction, so that a dataset's last
 * run, its failure count and its newest release agree even while the
 * daemon writes; in WAL mode a reader never blocks the writer.  Nothing
 * here writes: a dataset the database has never seen is reported as
 * missing, not created.
 */
#ifndef SCRAPEWATCH_STORE_STATUS_H
#define SCRAPEWATCH_STORE_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* A dataset's row. */
struct store_status_dataset {
	int64_t id;
	const char *name;   /* see the functions below */
	int64_t failures;   /* consecutive failed checks */
	bool planned;	    /* whether the daemon planned a check ... */
	int64_t next_check; /* ... at this time (Unix seconds) */
};

/* Starts a read transaction (BEGIN, deferred): the reads until
 * store_status_end() see one snapshot.  Returns 0 or -errno. */
int store_status_begin(struct store *s);

/* Ends the read transaction, if one is open. */
void store_status_end(struct store *s);

/* Reads the row of the dataset called name (ret->name is name).  Returns
 * 1, 0 if the database has no such dataset, or -errno. */
int store_status_dataset(struct store *s, const char *name,
			 struct store_status_dataset *ret);

/* Calls fn for every dataset in the database, oldest first; the row and
 * its name are borrowed for the call.  Returns 0, fn's negative value, or
 * -errno. */
int store_status_datasets_each(struct store *s,
			       int (*fn)(void *userdata,
					 const struct store_status_dataset *d),
			       void *userdata);

/* The figures of the metrics textfile, read per dataset. */
enum store_figure {
	STORE_FIGURE_CHECKS,	 /* checks ended, per outcome (label) */
	STORE_FIGURE_BYTES,	 /* bytes downloaded by checks */
	STORE_FIGURE_RELEASES,	 /* releases recorded */
	STORE_FIGURE_ENTRIES,	 /* entries in the newest release */
	STORE_FIGURE_EVENTS,	 /* events recorded, per type (code) */
	STORE_FIGURE_LAST_CHECK, /* when the last check ended, Unix seconds */
	STORE_FIGURE_FAILURES,	 /* consecutive failed checks */
	STORE_FIGURE_ALERTS,	 /* alerts per state (code); dataset "" */
	STORE_FIGURES,
};

/* One row of a figure; the texts are borrowed for the call. */
struct store_figure_row {
	const char *dataset; /* "" for the alerts */
	const char *label;   /* the outcome of a check, else "" */
	int64_t code;	     /* the event type or alert state, else 0 */
	int64_t value;
};

/* Calls fn for each row of figure f.  Returns 0, fn's negative value, or
 * -errno. */
int store_status_figure_each(struct store *s, enum store_figure f,
			     int (*fn)(void *userdata,
				       const struct store_figure_row *row),
			     void *userdata);

/* Reads when the earliest pending alert is due.  Returns 1 with *ret set,
 * 0 when no alert is pending, or -errno. */
int store_status_alert_next_due(struct store *s, int64_t *ret);

#endif
