/*
 * store_entries.h: where the index's entries are: segment files
 * (store_segment.h) that the segments table lists, read back as the
 * "entries" virtual table and the "changes" view (store_entries.c).
 *
 * An ingest makes a segment's path, writes the file, and lists it in the
 * release's transaction.  store.c registers the table on every
 * connection, makes the view, migrates the old entries table, and sweeps
 * segment files listed nowhere.
 */
#ifndef SCRAPEWATCH_STORE_ENTRIES_H
#define SCRAPEWATCH_STORE_ENTRIES_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* A new segment file's path (store_segment.h) for the dataset, in the
 * store's entries directory (made if missing).  Returns 0 or -errno. */
int store_segment_path(struct store *s, int64_t dataset_id, char *out,
		       size_t size);

/* Lists the finished segment file at path, of n entries first seen in
 * release_id, as the dataset's: its entries get the row ids *first_id
 * onwards, in key order (*first_id 0: after every id given so far, and
 * set).  Returns 0 or -errno. */
int store_segment_add(struct store *s, int64_t dataset_id, int64_t release_id,
		      const char *path, uint64_t n, int64_t *first_id);

/* ---- for store.c ---------------------------------------------------------- */

/* Registers the "entries" module on s's connection.  Returns 0 or
 * -errno. */
int store_entries_register(struct store *s);

/* Creates the temporary "changes" view.  Returns 0 or -errno. */
int store_entries_view(struct store *s);

/* Moves the entries of the table of schema 11 into segments (the
 * migration to schema 12, inside its transaction).  Returns 0 or -errno. */
int store_entries_migrate(struct store *s);

/* Removes segment files (and their temporary files) that no segments row
 * names and that are older than an hour: what a crash or a rolled-back
 * release left.  Returns 0 or -errno. */
int store_entries_sweep(struct store *s);

/* Forgets the segments list and unmaps the files. */
void store_entries_free(struct store *s);

#endif
