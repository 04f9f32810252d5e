/*
 * unsubscribe.h: per-subscriber one-click unsubscribe tokens.
 *
 * Each subscriber's List-Unsubscribe URL carries a token that names the
 * subscriber and proves this installation made it: an HMAC-SHA256 of the
 * name under a 32-byte random key kept in the state directory
 * (STATE_DIR/unsubscribe.key, 0600, made on first use).  A token reads
 * "v1." base64url(name) "." base64url(HMAC(key, "unsubscribe\0" name)),
 * URL-safe as it is, so the endpoint behind the URL (or whoever reads the
 * mailto: requests) can tell who clicked and no one can unsubscribe
 * somebody else.  The key is a secret: this module never prints it and
 * wipes its copies; it does not log.
 */
#ifndef SCRAPEWATCH_UNSUBSCRIBE_H
#define SCRAPEWATCH_UNSUBSCRIBE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

#define UNSUBSCRIBE_KEY_FILE "unsubscribe.key"
#define UNSUBSCRIBE_KEY_SIZE 32
/* Longest subscriber name a token may carry (a config name fits). */
#define UNSUBSCRIBE_NAME_MAX 255

struct unsubscribe_key {
	unsigned char bytes[UNSUBSCRIBE_KEY_SIZE]; /* secret */
};

/*
 * Reads the key of the state directory state_dir into *ret; with create,
 * makes it first if there is none (32 random bytes, mode 0600, put in
 * place atomically, so two processes agree on one key).  No link is
 * followed.  Returns 0, or with a sentence in err (errsize bytes):
 * -ENOENT when there is no key (and create is false), -EPERM when the file
 * is not the owner's alone or belongs to another user, -EBADMSG when it
 * is not a regular file of exactly 32 bytes, -ELOOP when it is a symbolic
 * link, or another -errno.  *ret is written only on success;
 * unsubscribe_key_wipe() clears it.
 */
int unsubscribe_key_load(const char *state_dir, bool create,
			 struct unsubscribe_key *ret, char *err,
			 size_t errsize);
void unsubscribe_key_wipe(struct unsubscribe_key *k);

/*
 * Appends the token of subscriber (1 to UNSUBSCRIBE_NAME_MAX bytes) under
 * key k to out.  Returns 0, -EINVAL for a name of another length, or
 * -E2BIG when out is full.
 */
int unsubscribe_token(const struct unsubscribe_key *k, const char *subscriber,
		      struct buf *out);

/*
 * Checks token against key k and writes the subscriber it names into
 * ret_name (size bytes, room for UNSUBSCRIBE_NAME_MAX + 1 suffices).
 * Returns 0, or with a sentence in err: -EBADMSG when the token is not
 * one at all (a wrong version, characters outside base64url, missing
 * parts), -EKEYREJECTED when it is well-formed but its HMAC does not
 * match (altered, or made with another installation's key).  ret_name is
 * written only on success.
 */
int unsubscribe_verify(const struct unsubscribe_key *k, const char *token,
		       char *ret_name, size_t size, char *err, size_t errsize);

/*
 * Appends the List-Unsubscribe URL that carries token to out: base (an
 * https: URL) with "token=TOKEN" added to its query, or base (a mailto:
 * URL) with "subject=unsubscribe%20TOKEN" (or, when it names a subject
 * already, "body=unsubscribe%20TOKEN") added to its header fields.
 * Returns 0, -EINVAL when base is neither, or -E2BIG.
 */
int unsubscribe_url(const char *base, const char *token, struct buf *out);

#endif
