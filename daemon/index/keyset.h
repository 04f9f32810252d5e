/*
 * keyset.h: the key-set file, a dataset's every entry key as of one
 * release, each with its entry's row id and whether the entry is present.
 *
 * It saves the ingest from reading every key of the dataset back from the
 * database.  The file is a cache: one that is missing, of another release,
 * or damaged reads as -ESTALE and the caller rebuilds the set from the
 * database.  Layout, little-endian: "SWKEYS02", the release id (int64),
 * the item count, the first and the last key and the bytes of the items
 * (uint64 each), then the items in key order, each as two LEB128
 * numbers: its key less the previous one's, and its row id less the one
 * after the previous item's (zigzag coded, as the ids of one segment run
 * in key order) shifted left once with the presence in the low bit.  A
 * set of YFCC100M photo ids takes about 3 bytes an item, hashed keys
 * about 7 (the items in memory take 16).  Files of the first layout
 * ("SWKEYS01", a 24-byte header and the items as they are in memory)
 * read as well.
 */
#ifndef SCRAPEWATCH_KEYSET_H
#define SCRAPEWATCH_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#include "index/diff.h"

/* Reads the whole file at path if it holds release_id's key set: 0 with
 * the items in *ret (free()) and their number in *n, or -ESTALE. */
int keyset_read(const char *path, int64_t release_id, struct diff_item **ret,
		size_t *n);

/* Streams the items of a key-set file back in key order, once. */
struct keyset_stream;

/* Opens the file at path if it holds release_id's key set (as
 * keyset_read()), for keyset_stream_at().  Returns 0 or -ESTALE. */
int keyset_stream_open(const char *path, int64_t release_id,
		       struct keyset_stream **ret);
/* The number of items, and the first and the last key (-ENOENT when
 * there are none; -EIO when they cannot be read). */
size_t keyset_stream_count(const struct keyset_stream *s);
int keyset_stream_bounds(const struct keyset_stream *s, uint64_t *min,
			 uint64_t *max);
/* Item i; i may stay or grow from one call to the next, never shrink.
 * NULL past the end or on a read error. */
const struct diff_item *keyset_stream_at(struct keyset_stream *s, size_t i);
void keyset_stream_free(struct keyset_stream *s);

/* Writes a key-set file: a temporary file beside path, renamed over it by
 * keyset_writer_commit(), so a reader never sees half a file. */
struct keyset_writer;

/* Starts the file of release_id, which will hold count items.  Returns 0
 * or -errno (the temporary file is created 0600, never through a link). */
int keyset_writer_open(const char *path, int64_t release_id, uint64_t count,
		       struct keyset_writer **ret);
void keyset_writer_add(struct keyset_writer *w, const struct diff_item *item);
/* Syncs and renames the file into place, and frees w.  Returns 0 or
 * -errno (then nothing replaced the old file). */
int keyset_writer_commit(struct keyset_writer *w);
/* Drops the temporary file and frees w. */
void keyset_writer_abort(struct keyset_writer *w);

#endif
