/*
 * text.c: UTF-8 checking and JSON and CSV quoting of text.h.
 */
#include "lib/text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

size_t text_utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

bool text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] == 0)
			return false;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		n = text_utf8_seq(u + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

int text_json_string(struct buf *b, const char *s)
{
	int r = buf_putc(b, '"');

	for (; r >= 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			r = buf_putc(b, '\\');
			if (r >= 0)
				r = buf_putc(b, (char)c);
		} else if (c == '\n')
			r = buf_puts(b, "\\n");
		else if (c == '\t')
			r = buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			r = buf_printf(b, "\\u%04x", c);
		else
			r = buf_putc(b, (char)c);
	}
	return r < 0 ? r : buf_putc(b, '"');
}

int text_csv_field(struct buf *b, const char *s)
{
	bool formula = *s && strchr("=+-@\t\r", *s);
	int r;

	if (!strpbrk(s, ",\"\r\n"))
		return formula && buf_putc(b, '\'') < 0 ? -E2BIG
							: buf_puts(b, s);
	r = buf_putc(b, '"');
	if (r >= 0 && formula)
		r = buf_putc(b, '\'');
	for (; r >= 0 && *s; s++)
		r = *s == '"' ? buf_puts(b, "\"\"") : buf_putc(b, *s);
	return r < 0 ? r : buf_putc(b, '"');
}

int text_html(struct buf *b, const char *s)
{
	int r = 0;

	for (; r >= 0 && *s; s++) {
		switch (*s) {
		case '&':
			r = buf_puts(b, "&amp;");
			break;
		case '<':
			r = buf_puts(b, "&lt;");
			break;
		case '>':
			r = buf_puts(b, "&gt;");
			break;
		case '"':
			r = buf_puts(b, "&quot;");
			break;
		case '\'':
			r = buf_puts(b, "&#39;");
			break;
		default:
			r = buf_putc(b, *s);
		}
	}
	return r;
}

void text_utf8_trim(char *s)
{
	size_t len = strlen(s), i = len;
	const unsigned char *u = (const unsigned char *)s;

	/* Back to the start of the last sequence (at most 3 continuation
	 * bytes); cut it if it is not whole. */
	while (i > 0 && len - i < 4 && (u[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0 && u[i - 1] >= 0x80) {
		i--;
		if (text_utf8_seq(u + i, len - i) != len - i)
			s[i] = '\0';
	}
}
