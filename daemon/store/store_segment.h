/*
 * store_segment.h: the entry segment file, where the index keeps the bulk
 * of a dataset's entries: those one release first saw, sorted by key, in
 * an immutable file that the release's commit switches to (the segments
 * table names it).
 *
 * Layout (native byte order, checked by the header's order mark):
 *
 *   header   "SWSEG002", order mark, counts and the sections' offsets
 *   texts    per record four NUL-terminated strings: key text, page URL,
 *            image URL, licence ("" when unknown)
 *   (up to 7 zero bytes: the records start at a multiple of 8)
 *   records  count fixed records in key order: key, photo id, owner row,
 *            file of the release, line, offset, length, and where the
 *            entry's texts are
 *   photos   (photo id, record) for records with a photo id, sorted
 *   owners   (owner row, record) for records with an owner, sorted
 *
 * The texts come first so that the writer streams them into the file as
 * the entries come; files of the first layout ("SWSEG001": the header,
 * records, photos, owners, then the texts) read as well.
 *
 * An entry's row id is not in the file: it is the segment's first id (in
 * its segments row) plus the record's place.  A file is read through a
 * read-only mapping; every offset in it is checked before it is followed,
 * so a damaged file reads as an error, never as a wild read.
 */
#ifndef SCRAPEWATCH_STORE_SEGMENT_H
#define SCRAPEWATCH_STORE_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

/* One entry as a segment holds it.  Strings are NUL-terminated, "" when
 * unknown; read from a segment they are borrowed from its mapping. */
struct segment_entry {
	uint64_t key, photo_id;
	uint32_t owner_id; /* owners row, or 0 */
	uint32_t file;	   /* place + 1 of its file in the release, or 0 */
	uint64_t line, offset;
	uint32_t length;
	const char *key_text, *page_url, *image_url, *license;
};

/* ---- writing ------------------------------------------------------------- */

struct segment_writer;

/* Starts a segment at path: written to path.tmp (made afresh, 0600, no
 * link followed) and renamed to path by segment_writer_finish().  Returns
 * 0 or -errno. */
int segment_writer_new(const char *path, struct segment_writer **ret);

/* Appends e, whose key is above the previous one's.  Returns 0 or -errno
 * (-EINVAL for a key out of order, or a writer given places). */
int segment_writer_add(struct segment_writer *w, const struct segment_entry *e);

/* Starts a segment of exactly count entries, given in any order with
 * their places by segment_writer_put() (held in memory, 56 bytes each,
 * until finished).  Returns 0 or -errno. */
int segment_writer_new_placed(const char *path, uint64_t count,
			      struct segment_writer **ret);

/* Sets the entry at place (< count) of a writer made by
 * segment_writer_new_placed(), once.  The keys must rise with the places
 * (checked when finished).  Returns 0 or -errno (-EINVAL for a place out
 * of range or given twice). */
int segment_writer_put(struct segment_writer *w, uint64_t place,
		       const struct segment_entry *e);

/* Writes the indexes and the header, fsyncs and renames the file into
 * place (its directory flushed).  Returns 0 or -errno (-EINVAL: a writer
 * given places lacks one, or its keys do not rise). */
int segment_writer_finish(struct segment_writer *w);

/* Frees w, removing the temporary file if not finished; accepts NULL;
 * returns NULL. */
struct segment_writer *segment_writer_free(struct segment_writer *w);

/* ---- reading ------------------------------------------------------------- */

struct segment;

/* Maps the segment at path and checks its header against its size.
 * Returns 0, -EBADMSG for a file that is not a whole segment, or -errno. */
int segment_open(const char *path, struct segment **ret);

struct segment *segment_close(struct segment *g);

/* The number of records. */
uint64_t segment_count(const struct segment *g);

/* Reads record i (< segment_count()).  Returns 0, or -EBADMSG when the
 * record's texts are out of the file. */
int segment_get(const struct segment *g, uint64_t i, struct segment_entry *e);

/* The record of key: its place, or -1. */
int64_t segment_find_key(const struct segment *g, uint64_t key);

/* The records of a photo id or of an owner row: the range [*lo, *hi) of
 * the index, whose places segment_photo_at() / segment_owner_at() give
 * (-1 for a damaged index). */
void segment_photo_range(const struct segment *g, uint64_t photo_id,
			 uint64_t *lo, uint64_t *hi);
int64_t segment_photo_at(const struct segment *g, uint64_t pos);
void segment_owner_range(const struct segment *g, uint32_t owner_id,
			 uint64_t *lo, uint64_t *hi);
int64_t segment_owner_at(const struct segment *g, uint64_t pos);

#endif
