/*
 * excerpt.h: copies records verbatim out of a kept release file -- the
 * bytes at given offsets of its decoded manifest -- for evidence.
 *
 * The file is decoded exactly as ingest decoded it (decode.h), so an
 * entry's stored offset and length give back its record byte for byte.
 * One pass serves any number of records, and stops after the last.
 */
#ifndef SCRAPEWATCH_EXCERPT_H
#define SCRAPEWATCH_EXCERPT_H

#include <stddef.h>
#include <stdint.h>

#define EXCERPT_MAX_LENGTH (16u << 20) /* longer records are refused */

struct excerpt {
	uint64_t offset, length; /* in the decoded manifest */
	size_t tag;		 /* the caller's, untouched */
	char *text; /* out: malloc'ed copy plus NUL, or NULL if the manifest
		     * ends first; the caller frees it */
};

/*
 * Decodes the file at path (member: the archive member glob, or NULL) and
 * fills each want[i].text.  want is sorted by offset here.  Returns 0, or
 * -errno with a sentence in err: -ENOENT (file gone), -EBADMSG (cannot be
 * decoded), -EFBIG (a cap), -EIO.
 */
int excerpt_read(const char *path, const char *member, uint64_t max_decoded,
		 struct excerpt *want, size_t n, char *err, size_t errsize);

/*
 * Checks that the file at path is still what the release recorded: its
 * SHA-256 is sha256 (lower-case hex).  Records read from a file changed
 * since would contradict the hash that evidence cites.  Returns 0, or
 * -errno with a sentence in err: -EBADMSG (another hash), -ENOENT, -EIO.
 */
int excerpt_verify(const char *path, const char *sha256, char *err,
		   size_t errsize);

#endif
