/*
 * text.h: small text helpers: checking UTF-8 in what manifests hold,
 * quoting text for what scrapewatch writes (JSON strings, CSV fields) into
 * a struct buf, and escaping text from manifests and servers for a person
 * to read: on a terminal or in a log, a control character in it is data,
 * never a command (a cursor move, a line that is not one, a terminal
 * title, text reordered right to left).  Pure; no logging.
 */
#ifndef SCRAPEWATCH_TEXT_H
#define SCRAPEWATCH_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/macro.h"

/* Length of the UTF-8 sequence at s (s[0] >= 0x80; avail bytes readable),
 * or 0 if it is not valid: no overlong forms, surrogates or code points
 * past U+10FFFF. */
size_t text_utf8_seq(const unsigned char *s, size_t avail);

/* True if s[0..len) is UTF-8 text without NUL bytes. */
bool text_utf8_valid(const char *s, size_t len);

/* Cuts an incomplete UTF-8 sequence off the end of s (after a bounded
 * copy cut it short). */
void text_utf8_trim(char *s);

/* Appends s as a JSON string, quotes included.  Control characters (C0,
 * DEL and C1) and the characters text_escape() escapes are written as
 * \uXXXX, so the value is the same but no terminal acts on it; other
 * bytes are copied (callers hand in UTF-8).  Returns 0 or -E2BIG. */
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

/*
 * Appends s[0..len) for a person to read, on a terminal or in a log:
 * printable text as it is (UTF-8 included, backslashes too); C0 controls
 * (line ends and tabs as well: text from a manifest never breaks a line),
 * DEL, C1 controls, the line and paragraph separators U+2028 and U+2029,
 * and the bidirectional formatting characters (U+061C, U+200E, U+200F,
 * U+202A..U+202E, U+2066..U+2069) as escapes: "\n", "\r", "\t",
 * "\x1b", "\u0085", "\u202e"; and each byte that is not part of valid
 * UTF-8 as "\xNN".  Returns 0 or -E2BIG (b holds a whole prefix then).
 */
int text_escape(struct buf *b, const char *s, size_t len);

/* text_escape() for a NUL-terminated s, into out (size >= 1, always
 * terminated), cut before the first character or escape that does not fit.
 * Allocates nothing (the log uses it). */
void text_escape_to(char *out, size_t size, const char *s);

/*
 * Like buf_printf(), but what each conversion writes ("%s", "%c", "%m",
 * numbers) is escaped as text_escape() does, while the format's own text,
 * its line ends included, is copied as it is: a printer writes its layout
 * in the format and the data in the arguments.  Widths count the bytes
 * written.  "%n" is not supported.  Returns 0 or -E2BIG.
 */
int text_printf(struct buf *b, const char *fmt, ...) _printf_(2, 3);
int text_vprintf(struct buf *b, const char *fmt, va_list ap) _printf_(2, 0);

/* text_escape() of a NUL-terminated s.  Returns 0 or -E2BIG. */
int text_puts(struct buf *b, const char *s);

#endif
