/*
 * secret.h: reads secrets (passwords, signing keys, access tokens) from the
 * two places they may live: a systemd credential ($CREDENTIALS_DIRECTORY/NAME,
 * from LoadCredential=) or a private file that only its owner can read.
 * Secrets are never inline in a configuration and never logged; this module
 * does not log at all.  A secret read is held in secret memory: pages of
 * its own kept out of core dumps and wiped when freed, and a process that
 * has read one is no longer dumpable.  Also what a webhook signing
 * secret's key is.
 */
#ifndef SCRAPEWATCH_SECRET_H
#define SCRAPEWATCH_SECRET_H

#include <stddef.h>

/* Largest secret accepted, in bytes. */
#define SECRET_MAX 4096

/*
 * Secret memory.  secret_alloc() returns len + 1 zeroed bytes in pages of
 * their own, marked MADV_DONTDUMP (a core dump, by the kernel or by gdb's
 * gcore, leaves them out) and MADV_WIPEONFORK, and makes the process not
 * dumpable (PR_SET_DUMPABLE 0) for the rest of its life: the copies that
 * libcurl and OpenSSL make of a secret (request headers, passwords, HMAC
 * keys) are ordinary heap, and stay there after they are freed.  Without a
 * dumpable flag the kernel writes no core, and other processes of the same
 * user may not read /proc/PID/mem or /proc/PID/environ nor ptrace it.
 * Aborts when no memory can be mapped, as xmalloc() does.
 * secret_strndup() copies len bytes of s into such memory.
 * secret_free() wipes the pages (explicit_bzero) and unmaps them; it
 * accepts NULL and returns NULL.  Only memory from secret_alloc() may be
 * given to it.
 */
char *secret_alloc(size_t len);
char *secret_strndup(const char *s, size_t len);
char *secret_free(char *s);

/*
 * Reads credential name from $CREDENTIALS_DIRECTORY.  On success returns 0
 * and the value in secret memory in *ret_value (free it with
 * secret_free(); one trailing newline removed).  On failure returns a
 * negative errno and writes into why[size] a sentence that says what is
 * wrong and how to fix it.
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
