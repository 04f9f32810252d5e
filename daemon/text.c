/*
 * text.c: JSON and CSV quoting of text.h.
 */
#include "text.h"

#include <stdio.h>
#include <string.h>

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
	int r;

	if (!strpbrk(s, ",\"\r\n"))
		return buf_puts(b, s);
	r = buf_putc(b, '"');
	for (; r >= 0 && *s; s++)
		r = *s == '"' ? buf_puts(b, "\"\"") : buf_putc(b, *s);
	return r < 0 ? r : buf_putc(b, '"');
}
