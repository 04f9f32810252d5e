/*
 * lines.h: splits a byte stream fed in chunks into lines, for the
 * line-based formats.
 *
 * A line ends at LF; one CR before the LF is dropped.  Lines that fit in a
 * chunk are handed over in place (no copy); only a line that straddles two
 * chunks is copied, into a buffer bounded by max_line.  A longer line is
 * skipped up to its end and reported with line == NULL.  The first
 * negative value the callback returns sticks: later feeds and the finish
 * return it without calling back, so a format need not keep its own copy.
 * Pure: no I/O.
 */
#ifndef SCRAPEWATCH_LINES_H
#define SCRAPEWATCH_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* Called per line: text (not NUL-terminated, without the newline) or NULL
 * when the line was longer than max_line; number from 1; byte offset of
 * its first byte; its length on disk including the newline.  A negative
 * return stops the split with that value. */
typedef int (*lines_fn)(void *userdata, const char *line, size_t len,
			uint64_t number, uint64_t offset, uint64_t length);

struct lines {
	lines_fn fn;
	void *userdata;
	struct buf partial; /* a line begun in an earlier chunk */
	size_t max_line;
	uint64_t number; /* lines handed on so far */
	uint64_t offset; /* stream offset of the next byte fed */
	uint64_t start;	 /* stream offset where the pending line starts */
	int skipping;	 /* inside a line longer than max_line */
	int error;	 /* the callback's first negative value, or 0 */
};

void lines_init(struct lines *l, size_t max_line, lines_fn fn, void *userdata);
/* Feeds a chunk.  Returns 0 or the first negative value fn returned (now
 * or in an earlier call). */
int lines_feed(struct lines *l, const char *data, size_t len);
/* Hands on a last line without a newline, if any.  Returns 0 or fn's
 * first negative value. */
int lines_finish(struct lines *l);
/* Frees the buffer. */
void lines_free(struct lines *l);

#endif
