/*
 * runsort.h: sorting more fixed-size records than memory should hold, by
 * the uint64_t key each starts with.
 *
 * Records are gathered in a chunk of bounded size; a full chunk is sorted
 * and written to a temporary file (made 0600 and unlinked at once, so
 * that nothing is left behind, whatever happens) as one sorted run.  At
 * the end the runs are merged, and the records come back in key order;
 * records of equal keys come in the order they were added.  While
 * everything fits in one chunk, no file is made.
 *
 *   struct runsort *rs = runsort_new(dir, sizeof(struct rec), 1 << 20);
 *   runsort_add(rs, &rec) ...; runsort_finish(rs);
 *   while ((r = runsort_next(rs, &p)) > 0) use(p);
 */
#ifndef SCRAPEWATCH_RUNSORT_H
#define SCRAPEWATCH_RUNSORT_H

#include <stddef.h>
#include <stdint.h>

struct runsort;

/* A sorter of records of record_size bytes (at least 8, the first 8 a
 * uint64_t key in native order), chunk_records a chunk, its runs in a
 * temporary file in dir.  Never fails (allocation aborts). */
struct runsort *runsort_new(const char *dir, size_t record_size,
			    size_t chunk_records);

/* Adds a copy of the record at rec.  Returns 0, or -errno when a run
 * cannot be written (the sorter is then unusable). */
int runsort_add(struct runsort *rs, const void *rec);

/* The records added so far. */
uint64_t runsort_count(const struct runsort *rs);

/* The runs written to the file so far. */
size_t runsort_runs(const struct runsort *rs);

/* Ends the adding and starts the merge.  Returns 0 or -errno. */
int runsort_finish(struct runsort *rs);

/* The next record in key order: 1 with *rec pointing at it (valid until
 * the next call), 0 after the last, or -errno when a run cannot be read
 * back. */
int runsort_next(struct runsort *rs, const void **rec);

/* Frees rs and its file; accepts NULL; returns NULL. */
struct runsort *runsort_free(struct runsort *rs);

#endif
