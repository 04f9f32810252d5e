/*
 * store_textpack.h: the packed form of an entry's four texts (key text,
 * page URL, image URL, licence) in a segment file.
 *
 * Most of those bytes repeat from entry to entry or from the entry's own
 * photo id: "http://www.flickr.com/photos/", ".staticflickr.com/", the
 * photo id in both URLs, "Attribution-NonCommercial-ShareAlike License".
 * Packed, each text is its bytes with such runs replaced by one code byte
 * (0x01-0x1e: the photo id in decimal, a text that is the key text, or a
 * word of a fixed dictionary), numbers (an NSID's, a server's) by a code
 * and their value in LEB128, and runs of lowercase hex digits (a photo's
 * secret) by a code and two digits a byte; any byte below 0x20 of the
 * text itself escaped (0x1f, then the byte), and a NUL at its end.  A
 * YFCC100M row's texts, about 150 bytes as they come, pack into about 37.
 * Unpacking gives back exactly the bytes packed.
 *
 * The dictionary is part of the file format: a word's code never changes,
 * and a new word takes a free code along with a new segment layout (the
 * numbers and hex digits came with "SWSEG004").
 */
#ifndef SCRAPEWATCH_STORE_TEXTPACK_H
#define SCRAPEWATCH_STORE_TEXTPACK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "parse/entry.h"

enum textpack_text {
	TEXTPACK_KEY_TEXT,
	TEXTPACK_PAGE_URL,
	TEXTPACK_IMAGE_URL,
	TEXTPACK_LICENSE,
	TEXTPACK_TEXTS,
};

/* The most bytes one text packs into: every byte escaped, and its NUL. */
#define TEXTPACK_MAX(len) (2 * (len) + 1)

/* Appends the packed texts t (each ending at its length or at a NUL in
 * it, whichever comes first) of an entry with photo_id (0: none) to b.
 * Returns 0 or -E2BIG past b's maximum (b unchanged). */
int textpack_put(struct buf *b, uint64_t photo_id,
		 const struct entry_text t[TEXTPACK_TEXTS]);

/* Unpacks the texts at p, at most len bytes, of an entry with photo_id:
 * appends them to out, each NUL-terminated, and sets at[i] to where text
 * i starts in out.  Returns the bytes of p read, or -EBADMSG for packed
 * texts that run past len or hold an unknown code, or -E2BIG past out's
 * maximum. */
ptrdiff_t textpack_get(const char *p, size_t len, uint64_t photo_id,
		       struct buf *out, size_t at[TEXTPACK_TEXTS]);

#endif
