/*
 * text.c: UTF-8 checking, JSON and CSV quoting, and the escaping of text
 * for people (text.h).
 */
#include "lib/text.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
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

/* Room for one escape: "\\u202e" and its NUL. */
#define ESCAPE_MAX 12

/* The code point of the valid n-byte UTF-8 sequence at s. */
static uint32_t utf8_decode(const unsigned char *s, size_t n)
{
	uint32_t cp = s[0] & (0x7f >> n);
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/* Whether a person must see code point cp as an escape: it moves the
 * cursor, ends a line, talks to the terminal or reorders the text around
 * it. */
static bool escaped_code_point(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The piece of output for the character at s (avail >= 1 bytes): the
 * character itself (*ret_raw true), or its escape written into out.
 * Returns the bytes of s it stands for. */
static size_t escape_piece(const unsigned char *s, size_t avail,
			   char out[ESCAPE_MAX], bool *ret_raw)
{
	size_t n = s[0] < 0x80 ? 1 : text_utf8_seq(s, avail);
	uint32_t cp;

	*ret_raw = false;
	if (n == 0) {
		snprintf(out, ESCAPE_MAX, "\\x%02x", s[0]);
		return 1;
	}
	cp = n == 1 ? s[0] : utf8_decode(s, n);
	if (!escaped_code_point(cp))
		*ret_raw = true;
	else if (cp == '\n' || cp == '\r' || cp == '\t')
		snprintf(out, ESCAPE_MAX, "\\%c",
			 cp == '\n'   ? 'n'
			 : cp == '\r' ? 'r'
				      : 't');
	else if (cp < 0x80)
		snprintf(out, ESCAPE_MAX, "\\x%02x", (unsigned)cp);
	else
		snprintf(out, ESCAPE_MAX, "\\u%04x", (unsigned)cp);
	return n;
}

int text_escape(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, start = 0;
	char esc[ESCAPE_MAX];
	bool raw;
	int r = 0;

	/* Runs of characters shown as they are go in one append. */
	while (r >= 0 && i < len) {
		n = escape_piece(u + i, len - i, esc, &raw);
		if (!raw) {
			r = buf_append(b, s + start, i - start);
			if (r >= 0)
				r = buf_puts(b, esc);
			start = i + n;
		}
		i += n;
	}
	return r < 0 ? r : buf_append(b, s + start, i - start);
}

int text_puts(struct buf *b, const char *s)
{
	return text_escape(b, s, strlen(s));
}

void text_escape_to(char *out, size_t size, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, at = 0, n, piece;
	char esc[ESCAPE_MAX];
	bool raw;

	assert(size > 0);
	while (i < len) {
		n = escape_piece(u + i, len - i, esc, &raw);
		piece = raw ? n : strlen(esc);
		if (at + piece >= size)
			break;
		memcpy(out + at, raw ? s + i : esc, piece);
		at += piece;
		i += n;
	}
	out[at] = '\0';
}

/* ---- printf with escaped conversions ------------------------------------ */

/* One conversion of a format: "%-10.3" (stars filled in), the length
 * modifier and the conversion character. */
struct conv {
	char head[40];
	size_t head_len;
	char length[3];
	char type;
	int width, precision; /* -1: none */
	bool left;
};

/* Appends a decimal number to the conversion's head. */
static void conv_head_number(struct conv *c, int v)
{
	int n = snprintf(c->head + c->head_len, sizeof(c->head) - c->head_len,
			 "%d", v);

	assert(n > 0 && (size_t)n < sizeof(c->head) - c->head_len);
	c->head_len += (size_t)n;
}

/* Takes digits or a '*' (an int argument) at *fmt; -1 when neither. */
static int conv_number(struct conv *c, const char **fmt, va_list *ap)
{
	int v = -1;

	if (**fmt == '*') {
		v = va_arg(*ap, int);
		(*fmt)++;
	} else if (**fmt >= '0' && **fmt <= '9')
		for (v = 0; **fmt >= '0' && **fmt <= '9'; (*fmt)++)
			v = v * 10 + (**fmt - '0');
	if (v >= 0)
		conv_head_number(c, v);
	return v;
}

/* Parses the conversion after a '%' at fmt; returns what follows it. */
static const char *conv_parse(const char *fmt, va_list *ap, struct conv *c)
{
	size_t n;

	*c = (struct conv){.head = "%", .head_len = 1, .precision = -1};
	while (*fmt && strchr("-+ #0", *fmt)) {
		c->left |= *fmt == '-';
		assert(c->head_len < 8);
		c->head[c->head_len++] = *fmt++;
	}
	c->width = conv_number(c, &fmt, ap);
	if (*fmt == '.') {
		c->head[c->head_len++] = *fmt++;
		c->precision = conv_number(c, &fmt, ap);
		if (c->precision < 0)
			c->precision = 0;
	}
	n = strspn(fmt, "hlLjzt");
	assert(n < sizeof(c->length));
	memcpy(c->length, fmt, n);
	c->type = fmt[n];
	assert(c->type && c->type != 'n');
	return fmt + n + 1;
}

/* The signed integer argument of the conversion, whatever its length. */
static long long conv_signed(const struct conv *c, va_list *ap)
{
	if (strcmp(c->length, "l") == 0)
		return va_arg(*ap, long);
	if (strcmp(c->length, "ll") == 0)
		return va_arg(*ap, long long);
	if (strcmp(c->length, "z") == 0 || strcmp(c->length, "t") == 0)
		return va_arg(*ap, ptrdiff_t);
	if (strcmp(c->length, "j") == 0)
		return va_arg(*ap, intmax_t);
	return va_arg(*ap, int); /* "", "h", "hh": promoted to int */
}

static unsigned long long conv_unsigned(const struct conv *c, va_list *ap)
{
	if (strcmp(c->length, "l") == 0)
		return va_arg(*ap, unsigned long);
	if (strcmp(c->length, "ll") == 0)
		return va_arg(*ap, unsigned long long);
	if (strcmp(c->length, "z") == 0 || strcmp(c->length, "t") == 0)
		return va_arg(*ap, size_t);
	if (strcmp(c->length, "j") == 0)
		return va_arg(*ap, uintmax_t);
	if (strcmp(c->length, "hh") == 0)
		return (unsigned char)va_arg(*ap, unsigned);
	if (strcmp(c->length, "h") == 0)
		return (unsigned short)va_arg(*ap, unsigned);
	return va_arg(*ap, unsigned);
}

/* A string conversion: precision cuts, width pads what is written. */
static int conv_string(struct buf *b, const struct conv *c, const char *s)
{
	size_t len = c->precision >= 0 ? strnlen(s, (size_t)c->precision)
				       : strlen(s);
	size_t mark = b->len, shown, pad;
	char *p;
	int r;

	r = text_escape(b, s, len);
	shown = b->len - mark;
	if (r < 0 || c->width <= 0 || shown >= (size_t)c->width)
		return r;
	pad = (size_t)c->width - shown;
	p = buf_extend(b, pad);
	if (!p)
		return -E2BIG;
	if (!c->left) {
		memmove(b->data + mark + pad, b->data + mark, shown);
		p = b->data + mark;
	}
	memset(p, ' ', pad);
	return 0;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* A conversion other than %s and %m, formatted by snprintf() with its head
 * and a length modifier of the widest type, then escaped. */
static int conv_other(struct buf *b, const struct conv *c, va_list *ap)
{
	char spec[48], out[512];
	int n;

	if (strchr("di", c->type)) {
		snprintf(spec, sizeof(spec), "%sll%c", c->head, c->type);
		n = snprintf(out, sizeof(out), spec, conv_signed(c, ap));
	} else if (strchr("uoxX", c->type)) {
		snprintf(spec, sizeof(spec), "%sll%c", c->head, c->type);
		n = snprintf(out, sizeof(out), spec, conv_unsigned(c, ap));
	} else if (strchr("fFeEgGaA", c->type)) {
		long double v = strcmp(c->length, "L") == 0
					? va_arg(*ap, long double)
					: va_arg(*ap, double);

		snprintf(spec, sizeof(spec), "%sL%c", c->head, c->type);
		n = snprintf(out, sizeof(out), spec, v);
	} else if (c->type == 'p') {
		snprintf(spec, sizeof(spec), "%sp", c->head);
		n = snprintf(out, sizeof(out), spec, va_arg(*ap, void *));
	} else {
		assert(c->type == 'c');
		snprintf(spec, sizeof(spec), "%sc", c->head);
		n = snprintf(out, sizeof(out), spec, va_arg(*ap, int));
	}
	if (n < 0)
		return -EINVAL;
	return text_escape(b, out, MIN((size_t)n, sizeof(out) - 1));
}
#pragma GCC diagnostic pop

int text_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	int saved = errno, r = 0;
	struct conv c;
	const char *pct, *s;
	va_list args;

	va_copy(args, ap);
	while (r >= 0 && *fmt) {
		pct = strchr(fmt, '%');
		if (!pct) {
			r = buf_puts(b, fmt);
			break;
		}
		r = buf_append(b, fmt, (size_t)(pct - fmt));
		if (r < 0)
			break;
		if (pct[1] == '%') {
			r = buf_putc(b, '%');
			fmt = pct + 2;
			continue;
		}
		fmt = conv_parse(pct + 1, &args, &c);
		if (c.type == 's' || c.type == 'm') {
			s = c.type == 'm' ? strerror(saved)
					  : va_arg(args, const char *);
			r = conv_string(b, &c, s ? s : "(null)");
		} else
			r = conv_other(b, &c, &args);
	}
	va_end(args);
	errno = saved;
	return r;
}

int text_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = text_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

int text_json_string(struct buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;
	int r = buf_putc(b, '"');
	uint32_t cp;

	while (r >= 0 && i < len) {
		n = u[i] < 0x80 ? 1 : text_utf8_seq(u + i, len - i);
		cp = n == 1 ? u[i] : n ? utf8_decode(u + i, n) : 0xfffd;
		if (cp == '"' || cp == '\\')
			r = buf_printf(b, "\\%c", (char)cp);
		else if (cp == '\n')
			r = buf_puts(b, "\\n");
		else if (cp == '\t')
			r = buf_puts(b, "\\t");
		else if (n == 0 || escaped_code_point(cp))
			/* Not UTF-8 (JSON cannot carry the byte), or a
			 * character a terminal would act on. */
			r = buf_printf(b, "\\u%04x", (unsigned)cp);
		else
			r = buf_append(b, s + i, n);
		i += n ? n : 1;
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
