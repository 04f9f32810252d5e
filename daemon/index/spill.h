/*
 * spill.h: the spill file of an ingest: the details of the entries a
 * release adds (owner, URLs, licence, where the record is), written while
 * the manifest is parsed and read back, in the order written, when the
 * release is written.  So an ingest holds only 16 bytes per new entry in
 * memory (its key and its record's offset) while it parses.
 *
 * The file is unlinked from the start (O_TMPFILE in the work directory) and
 * goes when it is freed.  A record: a 4-byte length, photo id, line,
 * offset and length (8 bytes each), the index of its file in the release
 * (4 bytes), then seven texts each with a 2-byte
 * length, each cut to SPILL_TEXT_MAX bytes.  Native byte order: the file
 * never outlives the process.
 */
#ifndef SCRAPEWATCH_SPILL_H
#define SCRAPEWATCH_SPILL_H

#include <stdint.h>

#include "lib/buf.h"
#include "parse/entry.h"
#include "store/store_index.h"

#define SPILL_TEXT_MAX	 4096 /* longest text kept per field */
#define SPILL_HEAD	 40   /* a record's bytes before its texts */
#define SPILL_RECORD_MAX (SPILL_HEAD + 7 * (2 + SPILL_TEXT_MAX))

struct spill;

/* Makes a spill file in dir.  Returns 0 or -errno. */
int spill_open(const char *dir, struct spill **ret);

/* Frees the spill and its file; accepts NULL; returns NULL. */
struct spill *spill_free(struct spill *sp);

/* Appends entry e's record to b (at most SPILL_RECORD_MAX bytes: b's
 * maximum must leave room, the call does not fail).  key_field: the field
 * that keys the dataset, kept as the key text unless it is the photo id;
 * file: the index of the file of the release it is in (0 for one file). */
void spill_record(struct buf *b, const struct entry *e,
		  enum entry_field key_field, uint32_t file);

/* The most bytes spill_record_owner() writes. */
#define SPILL_OWNER_MAX (3 * (SPILL_TEXT_MAX + 1))

/* The owner a record made by spill_record() names: its NSID, path alias
 * and display name, each NUL-terminated, one after the other into out (at
 * least SPILL_OWNER_MAX bytes), and pointed to by e's nsid, alias and
 * name.  Returns the bytes written. */
size_t spill_record_owner(const char *rec, char *out, struct store_entry *e);

/* Appends a record made by spill_record(); its offset goes to *ret_off.
 * Returns 0 or -errno. */
int spill_append(struct spill *sp, const char *rec, uint64_t *ret_off);

/* Writes out what spill_append() buffered.  Returns 0 or -errno. */
int spill_flush(struct spill *sp);

/* Calls fn for every record, in the order appended, with its offset (as
 * spill_append() gave it) and the entry it holds (strings valid until fn
 * returns; its file index in e->file_id).  Returns 0, fn's negative
 * value, or -errno (-EIO: the file is damaged or short). */
int spill_scan(struct spill *sp,
	       int (*fn)(void *userdata, uint64_t off,
			 const struct store_entry *e),
	       void *userdata);

#endif
