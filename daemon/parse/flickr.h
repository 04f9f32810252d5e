/*
 * flickr.h: Flickr identifiers, as pure functions.
 *
 * Recognises what a dataset manifest or a user may write for a Flickr photo
 * or account -- photo page URLs, static image URLs, buddy-icon URLs, flic.kr
 * short links, MegaFace/DiveFace paths and bare ids -- and extracts the photo
 * id and owner from them.  No I/O, no allocation, no logging: safe on
 * hostile input, fast enough for 100 million rows.
 */
#ifndef SCRAPEWATCH_FLICKR_H
#define SCRAPEWATCH_FLICKR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest NSID / path alias kept, without the terminator. */
#define FLICKR_NSID_MAX	 31
#define FLICKR_ALIAS_MAX 63

enum flickr_kind {
	FLICKR_NONE,   /* not a Flickr reference */
	FLICKR_PAGE,   /* flickr.com/photos/<owner>/<id> or /photos/<owner> */
	FLICKR_STATIC, /* static image URL: photo id only */
	FLICKR_BUDDYICON, /* buddy-icon URL: owner NSID only */
	FLICKR_SHORT,	  /* flic.kr/p/<base58 id> */
	FLICKR_PATH,	  /* MegaFace / DiveFace path: owner NSID + photo id */
	FLICKR_ID,	  /* a bare decimal photo id */
};

struct flickr_ref {
	enum flickr_kind kind;
	uint64_t photo_id;		/* 0 when the reference has none */
	char nsid[FLICKR_NSID_MAX + 1]; /* owner NSID, "" when unknown */
	char alias[FLICKR_ALIAS_MAX +
		   1]; /* owner path alias, "" when unknown */
};

/*
 * Parses s (len bytes, need not be NUL-terminated) as any of the forms above.
 * Returns 0 and fills *ret on success; -EINVAL when s is not a Flickr
 * reference (other hosts, look-alike hosts, ids overflowing 64 bits, ...),
 * leaving *ret untouched.
 */
int flickr_parse(const char *s, size_t len, struct flickr_ref *ret);

/* True if s is an NSID: ^[0-9]+@N[0-9]{2}$, at most FLICKR_NSID_MAX bytes. */
bool flickr_nsid_valid(const char *s, size_t len);

/* True if s is a path alias: [A-Za-z0-9_-]+, at most FLICKR_ALIAS_MAX bytes,
 * and not all digits. */
bool flickr_alias_valid(const char *s, size_t len);

/* Compares two NUL-terminated path aliases ignoring ASCII case (not the
 * locale); returns <0, 0 or >0 like strcmp(3). */
int flickr_alias_compare(const char *a, const char *b);

/* Parses a decimal photo id (1 .. UINT64_MAX, no sign, no spaces).
 * Returns 0 or -EINVAL (not digits) / -ERANGE (overflow or zero). */
int flickr_id_parse(const char *s, size_t len, uint64_t *ret);

/* Decodes a flic.kr base58 string (Flickr's alphabet).  Returns 0,
 * -EINVAL (bad character or empty) or -ERANGE (overflow). */
int flickr_base58_decode(const char *s, size_t len, uint64_t *ret);

/* Encodes id in Flickr's base58 into out (NUL-terminated).  Returns the
 * length, or -ENOBUFS if out is too small (12 bytes always suffice). */
int flickr_base58_encode(uint64_t id, char *out, size_t size);

#endif
