/*
 * text.h: small text helpers: checking UTF-8 in what manifests hold, and
 * quoting text for what scrapewatch writes (JSON strings, CSV fields) into
 * a struct buf.  Pure; no logging.
 */
#ifndef SCRAPEWATCH_TEXT_H
#define SCRAPEWATCH_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* Length of the UTF-8 sequence at s (s[0] >= 0x80; avail bytes readable),
 * or 0 if it is not valid: no overlong forms, surrogates or code points
 * past U+10FFFF. */
size_t text_utf8_seq(const unsigned char *s, size_t avail);

/* True if s[0..len) is UTF-8 text without NUL bytes. */
bool text_utf8_valid(const char *s, size_t len);

/* Cuts an incomplete UTF-8 sequence off the end of s (after a bounded
 * copy cut it short). */
void text_utf8_trim(char *s);

/* Appends s as a JSON string, quotes included.  Control characters are
 * escaped; other bytes are copied (callers hand in UTF-8).  Returns 0 or
 * -E2BIG. */
int text_json_string(struct buf *b, const char *s);

/* Appends s as one CSV field (RFC 4180): quoted when it holds a comma,
 * quote, CR or LF.  Text that a spreadsheet would take for a formula (it
 * starts with '=', '+', '-', '@', TAB or CR) is kept as text: a "'" goes
 * before it, as OWASP's advice on CSV injection says.  Returns 0 or
 * -E2BIG. */
int text_csv_field(struct buf *b, const char *s);

/* Appends s with &, <, >, " and ' escaped for HTML text and attribute
 * values.  Returns 0 or -E2BIG. */
int text_html(struct buf *b, const char *s);

#endif
