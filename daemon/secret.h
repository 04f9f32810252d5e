/*
 * secret.h: reads secrets (passwords, signing keys, access tokens) from the
 * two places they may live: a systemd credential ($CREDENTIALS_DIRECTORY/NAME,
 * from LoadCredential=) or a private file that only its owner can read.
 * Secrets are never inline in a configuration and never logged; this module
 * does not log at all.
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

#endif
