/*
 * hashid.h: stable identifiers: the first 128 bits of a SHA-256, as 32
 * lower-case hex digits.  Event, alert and watch ids are made this way
 * from what identifies them, so the same thing always gets the same id:
 * a re-sent alert carries the id it had, an event is never recorded twice.
 */
#ifndef SCRAPEWATCH_HASHID_H
#define SCRAPEWATCH_HASHID_H

#include <stddef.h>

#define HASHID_LEN 32 /* hex digits */

struct hashid {
	void *ctx; /* EVP_MD_CTX */
};

/* Starts an id; aborts on OOM. */
void hashid_init(struct hashid *h);
/* Adds bytes. */
void hashid_add(struct hashid *h, const void *data, size_t len);
/* Adds a string with its NUL, so "ab","c" and "a","bc" differ. */
void hashid_add_str(struct hashid *h, const char *s);
/* Writes the id (and a NUL) and frees the state. */
void hashid_final(struct hashid *h, char out[HASHID_LEN + 1]);

/* The id of the strings parts[0..n), each with its NUL. */
void hashid_of(char out[HASHID_LEN + 1], const char *const *parts, size_t n);

#endif
