/*
 * text.h: quoting text for the formats scrapewatch writes -- JSON strings
 * and CSV fields -- into a struct buf.  Pure; no logging.
 */
#ifndef SCRAPEWATCH_TEXT_H
#define SCRAPEWATCH_TEXT_H

#include "buf.h"

/* Appends s as a JSON string, quotes included.  Control characters are
 * escaped; other bytes are copied (callers hand in UTF-8).  Returns 0 or
 * -E2BIG. */
int text_json_string(struct buf *b, const char *s);

/* Appends s as one CSV field (RFC 4180): quoted when it holds a comma,
 * quote, CR or LF.  Returns 0 or -E2BIG. */
int text_csv_field(struct buf *b, const char *s);

#endif
