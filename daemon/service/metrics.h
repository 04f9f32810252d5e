/*
 * metrics.h: the Prometheus textfile (metrics_file: in the configuration),
 * for node_exporter's textfile collector.
 */
#ifndef SCRAPEWATCH_METRICS_H
#define SCRAPEWATCH_METRICS_H

#include "config/config.h"
#include "lib/buf.h"
#include "store/store.h"

/* Appends the metrics, read from the database in one snapshot, to out in
 * the Prometheus text format.  Returns 0 or -errno. */
int metrics_render(struct store *s, struct buf *out);

/* Renders the metrics and puts them at path atomically (mode 0640: the
 * group may read them, for a collector run as that group).
 * Returns 0 or -errno. */
int metrics_write(struct store *s, const char *path);

/* Writes the configuration's metrics_file, if it names one, from s.  A
 * failure is logged as a warning unless it is *last_error, the previous
 * one (then updated; NULL: always logged). */
void metrics_update(const struct config *c, struct store *s, int *last_error);

#endif
