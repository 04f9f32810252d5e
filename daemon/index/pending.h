/*
 * pending.h: an entry waiting for its key's lookup in the key set.  The
 * parser's entries live only for its callback, and an ingest looks keys
 * up a batch at a time; so each entry of a batch is copied into a record
 * (at most PENDING_RECORD_MAX bytes) that keeps what the index needs of
 * it, should its key be new: owner, URLs, licence, where the record is.
 *
 * A record: a 4-byte length, photo id, line, offset and length (8 bytes
 * each), the index of its file in the release (4 bytes), then seven texts
 * each with a 2-byte length, each cut to PENDING_TEXT_MAX bytes.  Native
 * byte order: a record never leaves the process.
 */
#ifndef SCRAPEWATCH_PENDING_H
#define SCRAPEWATCH_PENDING_H

#include <stdint.h>

#include "lib/buf.h"
#include "parse/entry.h"
#include "store/store_index.h"
#include "store/store_textpack.h"

#define PENDING_TEXT_MAX   4096 /* longest text kept per field */
#define PENDING_HEAD	   40	/* a record's bytes before its texts */
#define PENDING_RECORD_MAX (PENDING_HEAD + 7 * (2 + PENDING_TEXT_MAX))

/* Appends entry e's record to b (at most PENDING_RECORD_MAX bytes: b's
 * maximum must leave room, the call does not fail).  key_field: the field
 * that keys the dataset, kept as the key text unless it is the photo id;
 * file: the index of the file of the release it is in (0 for one file). */
void pending_record(struct buf *b, const struct entry *e,
		    enum entry_field key_field, uint32_t file);

/* The most bytes pending_owner() writes. */
#define PENDING_OWNER_MAX (3 * (PENDING_TEXT_MAX + 1))

/* The owner a record names: its NSID, path alias and display name, each
 * NUL-terminated, one after the other into out (at least
 * PENDING_OWNER_MAX bytes), and pointed to by e's nsid, alias and name.
 * Returns the bytes written. */
size_t pending_owner(const char *rec, char *out, struct store_entry *e);

/* A record's entry as the segment keeps it. */
struct pending_entry {
	uint64_t photo_id, line, offset, length;
	uint32_t file;
	/* Borrowed from the record, not NUL-terminated. */
	struct entry_text texts[TEXTPACK_TEXTS];
};

void pending_read(const char *rec, struct pending_entry *ret);

#endif
