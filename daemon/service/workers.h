/*
 * workers.h: the daemon's threads.  Checks (download, ingest, events) and
 * alert delivery are slow and blocking, so they run here, each thread with
 * its own database connection, while the main thread's event loop keeps
 * answering signals and the watchdog.
 *
 * The main thread hands a check to the pool with workers_check() and is
 * told it ended through a file descriptor it polls (workers_fd()), from
 * which workers_results() collects the outcomes.  The delivery thread sends
 * due alerts every few seconds, and at once after workers_deliver_now().
 * Each job holds a reference to the configuration it started with
 * (struct workers_config), so a reload never pulls one out from under a thread.
 */
#ifndef SCRAPEWATCH_WORKERS_H
#define SCRAPEWATCH_WORKERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "match/watchset.h"

/* A configuration and its watch set, shared by the main thread and the
 * workers by reference count: a reload swaps in a new one while checks
 * under way finish with the one they started with. */
struct workers_config {
	struct config *config;
	struct watchset *watches;
	atomic_int refs;
};

/* What a check came to, for the main thread. */
struct check_outcome {
	char dataset[CONFIG_NAME_MAX + 1];
	int r;	      /* 0, or the check's negative errno */
	int failures; /* in a row, this one included (0 after success) */
	unsigned retry_after; /* seconds a host asked to wait, or 0 */
	bool release;	      /* a new release was ingested */
	unsigned events;      /* events recorded for subscribers */
};

struct workers;

/* Starts n check threads and the delivery thread on the database at
 * db_path, with cfg (a reference is taken).  Returns 0 or -errno. */
int workers_start(const char *db_path, struct workers_config *cfg, unsigned n,
		  struct workers **ret);

/* Replaces the configuration new jobs get (a reference is taken). */
void workers_set_config(struct workers *w, struct workers_config *cfg);

/* Queues a check of the dataset.  Returns 0 or -ENOMEM. */
int workers_check(struct workers *w, const char *dataset);

/* Wakes the delivery thread. */
void workers_deliver_now(struct workers *w);

/* Readable when outcomes wait; then workers_results() takes up to max of
 * them (and clears the descriptor).  Returns how many. */
int workers_fd(const struct workers *w);
size_t workers_results(struct workers *w, struct check_outcome *out,
		       size_t max);

/* Checks under way or queued. */
size_t workers_busy(struct workers *w);

/* Tells every thread to stop (with stop_request()), waits for them and
 * frees everything; accepts NULL. */
struct workers *workers_stop(struct workers *w);

/* A shared configuration holding c (taken over) and its watch set, with
 * one reference; another reference; dropping one frees it at the last. */
struct workers_config *workers_config_new(struct config *c);
struct workers_config *workers_config_ref(struct workers_config *s);
void workers_config_unref(struct workers_config *s);

#endif
