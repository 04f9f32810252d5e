/*
 * store_segment.h: the entry segment file, where the index keeps the bulk
 * of a dataset's entries: those one release first saw, sorted by key, in
 * an immutable file that the release's commit switches to (the segments
 * table names it).
 *
 * Layout (native byte order, checked by the header's order mark):
 *
 *   header   "SWSEG004", order mark, counts and the sections' offsets
 *   texts    per record its four texts, packed (store_textpack.h): key
 *            text, page URL, image URL, licence ("" when unknown)
 *   (up to 7 zero bytes: the records start at a multiple of 8)
 *   records  count records in key order, in blocks of 64: a block holds
 *            each field (key, photo id, owner row, file of the release,
 *            line, offset, length, where the entry's texts are) as a
 *            column, its smallest value and then each value less it in as
 *            few bits as the largest needs; no photo ids when they are
 *            the keys
 *   (up to 7 zero bytes)
 *   blocks   per block its first key and where it starts, for a key's
 *            binary search
 *   photos   (photo id, record) for records with a photo id other than
 *            their key, sorted (a photo id that is the key, as in every
 *            photo-keyed dataset, is found by the key)
 *   owners   the records of each owner row, in (owner, record) order, then
 *            (owner row, first of its records) for each owner
 *
 * The texts come first so that the writer streams them into the file as
 * the entries come, in any order, and the records after them in key
 * order.  Files of the earlier layouts read as well: "SWSEG003" (fixed
 * records, and (owner row, record) pairs), "SWSEG002" (as SWSEG003, but
 * the texts as they came, every photo id in the photo index) and
 * "SWSEG001" (as SWSEG002, but the records first and the texts last).
 *
 * An entry's row id is not in the file: it is the segment's first id (in
 * its segments row) plus the record's place.  A file is read with pread
 * in small windows while it is read little (a search touches a few
 * thousand entries of a 10 GB file), and through a read-only mapping once
 * it is read much (a scan, a join); every offset in it is checked before
 * it is followed, so a damaged file reads as an error, never as a wild
 * read.  A struct segment is not for two threads at once.
 */
#ifndef SCRAPEWATCH_STORE_SEGMENT_H
#define SCRAPEWATCH_STORE_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "store/store_textpack.h"

/* One entry as a segment holds it.  Strings are NUL-terminated, "" when
 * unknown. */
struct segment_entry {
	uint64_t key, photo_id;
	uint32_t owner_id; /* owners row, or 0 */
	uint32_t file;	   /* place + 1 of its file in the release, or 0 */
	uint64_t line, offset;
	uint32_t length;
	uint64_t text; /* where its texts are (segment_writer_texts()) */
	const char *key_text, *page_url, *image_url, *license;
};

/* ---- writing ------------------------------------------------------------- */

struct segment_writer;

/* Starts a segment at path: written to path.tmp (made afresh, 0600, no
 * link followed) and renamed to path by segment_writer_finish().  First
 * the entries' texts are given, in any order, then their records, in key
 * order; the index pairs are sorted in runs beside the file
 * (lib/runsort.h), so that memory stays bounded however many records.
 * Returns 0 or -errno. */
int segment_writer_new(const char *path, struct segment_writer **ret);

/* Writes the texts of an entry with photo_id (in the order of enum
 * textpack_text); where they are goes to *ret_text, for its record.
 * Returns 0 or -errno (-EINVAL once the records began). */
int segment_writer_texts(struct segment_writer *w, uint64_t photo_id,
			 const struct entry_text t[TEXTPACK_TEXTS],
			 uint64_t *ret_text);

/* Writes the record of e (its strings unused; e->text from
 * segment_writer_texts() with e->photo_id), whose key is above the
 * previous one's.  Returns 0 or -errno (-EINVAL for a key out of order or
 * texts not written). */
int segment_writer_record(struct segment_writer *w,
			  const struct segment_entry *e);

/* Writes the indexes and the header, fsyncs and renames the file into
 * place (its directory flushed).  Returns 0 or -errno. */
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

/* The most bytes an entry's texts take unpacked: a buf for
 * segment_get() needs no more. */
#define SEGMENT_TEXTS_MAX (64u << 20)

/* Reads record i (< segment_count()); its strings are in texts (reset
 * first), valid until texts changes.  Returns 0, -EBADMSG when the record
 * or its texts are out of the file, damaged or cannot be read, or -E2BIG
 * past texts' maximum. */
int segment_get(struct segment *g, uint64_t i, struct segment_entry *e,
		struct buf *texts);

/* The record of key: its place, or -1. */
int64_t segment_find_key(struct segment *g, uint64_t key);

/* The records of a photo id or of an owner row: a range [*lo, *hi) of
 * positions, whose places segment_photo_at() / segment_owner_at() give
 * (-1 for a damaged index). */
void segment_photo_range(struct segment *g, uint64_t photo_id, uint64_t *lo,
			 uint64_t *hi);
int64_t segment_photo_at(struct segment *g, uint64_t photo_id, uint64_t pos);
void segment_owner_range(struct segment *g, uint32_t owner_id, uint64_t *lo,
			 uint64_t *hi);
int64_t segment_owner_at(struct segment *g, uint64_t pos);

/* The keys of a segment's records, read in order through a small buffer
 * (not the mapping, whose pages would all stay resident). */
struct segment_keys;

/* Opens the segment at path for its keys.  Returns 0, -EBADMSG for a
 * file that is not a whole segment, or -errno. */
int segment_keys_open(const char *path, struct segment_keys **ret);
/* The next key: 1, 0 after the last, or -errno. */
int segment_keys_next(struct segment_keys *k, uint64_t *key);
struct segment_keys *segment_keys_free(struct segment_keys *k);

#endif
