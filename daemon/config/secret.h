/*
 * secret.h: reads secrets (passwords, signing keys, access tokens) from the
 * two places they may live: a systemd credential ($CREDENTIALS_DIRECTORY/NAME,
 * from LoadCredential=) or a private file that only its owner can read.
 * Secrets are never inline in a configuration and never logged; this module
 * does not log at all.  Also what a webhook signing secret's key is.
 */
#ifndef SCRAPEWATCH_SECRET_H
#define SCRAPEWATCH_SECRET_H

#include <stddef.h>

/* Largest secret accepted, in bytes. */
#define SECRET_MAX 4096

/*
 * Reads credential name from $CREDENTIALS_DIRECTORY.  On success returns 0
 * and a malloc'ed value in *ret_value (one trailing newline removed).  On
 * failure returns a negative errno and writes into why[size] a sentence that
 * says what is wrong and how to fix it.
 */
int secret_read_credential(const char *name, char **ret_value, char *why,
			   size_t size);

/* Reads a secret file.  Like secret_read_credential(), but also refuses
 * (-EPERM) a file that its group or other users can access. */
int secret_read_file(const char *path, char **ret_value, char *why,
		     size_t size);

/* A webhook signing key's length, in bytes (the Standard Webhooks
 * specification's bounds). */
#define SECRET_WEBHOOK_KEY_MIN 24
#define SECRET_WEBHOOK_KEY_MAX 64

/* The HMAC key of a webhook signing secret, as the Standard Webhooks
 * specification writes one and its libraries read it: "whsec_" and the
 * strict, padded base64 (no whitespace) of 24 to 64 bytes.  Anything else
 * is refused: a library would decode it into another key.  Returns 0 with
 * the key in key and its length in *ret_len, or -EINVAL. */
int secret_webhook_key(const char *secret,
		       unsigned char key[SECRET_WEBHOOK_KEY_MAX],
		       size_t *ret_len);

/* Returns 0 when secret can sign webhooks (see secret_webhook_key()), else
 * -EINVAL. */
int secret_webhook_check(const char *secret);

#endif
