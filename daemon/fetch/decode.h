/*
 * decode.h: turns a release file as published -- plain, gzip, bzip2, xz or
 * zstd, or a member of a zip or tar archive -- into the manifest's bytes.
 *
 * The kind is detected from the content (libarchive), never from the name.
 * While it decodes, a second thread computes the SHA-256 of the file's raw
 * bytes, so hashing costs no extra pass.  Decoded output is capped, in
 * bytes and in proportion to the file read so far: a decompression bomb
 * fails with -EFBIG after its first blocks, not after hours of CPU.  No
 * logging: errors come back as a negative errno plus a sentence from
 * decode_error().
 */
#ifndef SCRAPEWATCH_DECODE_H
#define SCRAPEWATCH_DECODE_H

#include <stddef.h>
#include <stdint.h>

struct decode;

/*
 * Opens path for decoding.  member: fnmatch(3) glob choosing the archive
 * member (NULL: the first regular file of an archive).
 * max_decoded: the cap on decoded bytes.  Returns 0 and the decoder in
 * *ret, or -errno (-ENOENT, -EACCES, ...).
 */
int decode_open(const char *path, const char *member, uint64_t max_decoded,
		struct decode **ret);

/* Members an archive's listing may hold, at most. */
#define DECODE_MAX_MEMBERS 10000

/*
 * Lists the regular files of the zip or tar archive at path (compressed
 * or not) whose names match the fnmatch(3) glob, in archive order: 0 with
 * *ret (each name and the array malloc'ed) and *n; *n is 0 when the file
 * is not an archive or nothing matches.  -EFBIG past DECODE_MAX_MEMBERS,
 * -EBADMSG for a broken archive, -errno when it cannot be read.
 */
int decode_members(const char *path, const char *glob, char ***ret, size_t *n);

/* A member glob that matches the member named name alone: fnmatch(3)'s
 * special characters escaped.  Returns a malloc'ed string. */
char *decode_member_glob(const char *name);

/* Decoded bytes always allowed, whatever the expansion: a small file may
 * hold a very repetitive list. */
#define DECODE_EXPANSION_FLOOR (64ULL << 20)

/*
 * Caps the expansion too: decode_read() fails with -EFBIG once the decoded
 * bytes pass both DECODE_EXPANSION_FLOOR and ratio times the bytes of the
 * file read so far (ratio:1).  A bomb is stopped early: zeros compress a
 * thousandfold and more, manifests about tenfold.  0 (the default): no
 * such cap.  Call before the first decode_read().
 */
void decode_limit_expansion(struct decode *d, uint64_t ratio);

/*
 * Returns the next decoded chunk in *ret_data and *ret_len (valid until the
 * next call), with *ret_len == 0 at the end.  Returns 0, or -EBADMSG
 * (corrupt or truncated compressed data, no matching member), -EFBIG (a
 * cap: max_decoded or the expansion), -EIO.
 */
int decode_read(struct decode *d, const char **ret_data, size_t *ret_len);

/*
 * Finishes hashing the whole raw file (reading what decoding did not need)
 * and writes its SHA-256 as 64 lower-case hex digits plus NUL into hex.
 * Returns 0 or -errno.
 */
int decode_sha256(struct decode *d, char hex[65]);

/* What went wrong, for the last error ("" if nothing did). */
const char *decode_error(const struct decode *d);

/* Bytes of the raw file read so far, and decoded bytes handed out. */
uint64_t decode_raw_bytes(const struct decode *d);
uint64_t decode_decoded_bytes(const struct decode *d);

/* A short name of what was detected ("gzip", "zip member 'x.csv'",
 * "plain"). */
const char *decode_kind(const struct decode *d);

/* Stops the hashing thread and frees everything; accepts NULL. */
struct decode *decode_close(struct decode *d);

#endif
