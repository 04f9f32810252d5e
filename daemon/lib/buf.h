/*
 * buf.h: a growable byte buffer with a maximum size.
 *
 * Invariants (hold after every call, success or failure):
 *   - b->data is never NULL and b->data[b->len] == '\0', so the content can be
 *     used as a C string when it holds no NUL bytes;
 *   - b->len <= b->max;
 *   - a call that would pass b->max fails with -E2BIG and leaves the
 *     content as it was.
 * All string building (messages, HTTP bodies, JSON) goes through it.
 */
#ifndef SCRAPEWATCH_BUF_H
#define SCRAPEWATCH_BUF_H

#include <stddef.h>

#include "lib/macro.h"

struct buf {
	char *data; /* owned, or the shared empty string while cap == 0 */
	size_t len;
	size_t cap;
	size_t max;
};

/* Makes b empty with the given maximum content length; allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Releases the memory; b is empty (and reusable) afterwards. */
void buf_free(struct buf *b);
/* Empties b but keeps its memory for reuse. */
void buf_reset(struct buf *b);
/* Cuts the content to its first len bytes (no-op if it is no longer). */
void buf_truncate(struct buf *b, size_t len);
/* Appends len bytes.  Returns 0, or -E2BIG past the maximum. */
int buf_append(struct buf *b, const void *data, size_t len);
/* Appends a NUL-terminated string.  Returns 0 or -E2BIG. */
int buf_puts(struct buf *b, const char *s);
/* Appends one byte.  Returns 0 or -E2BIG. */
int buf_putc(struct buf *b, char c);
/* Makes len more bytes part of the content and returns them, for the
 * caller to fill; NULL (content unchanged) past the maximum. */
char *buf_extend(struct buf *b, size_t len);
/* Appends formatted text.  Returns 0 or -E2BIG. */
int buf_printf(struct buf *b, const char *fmt, ...) _printf_(2, 3);
/* Hands out the content as a malloc'ed string; b is empty afterwards. */
char *buf_steal(struct buf *b);

#endif
