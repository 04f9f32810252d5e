/*
 * store_textpack.c: packing and unpacking an entry's texts
 * (store_textpack.h).
 *
 * Packing walks each text once.  At each byte it tries the photo id (when
 * the byte is its first digit), then the dictionary's words that start
 * with that byte, longest first, each word's first 8 bytes compared in
 * one go; tables by first byte, made once, keep the common case (a byte
 * that starts no word) to one load.
 */
#include "store/store_textpack.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "lib/varint.h"

#define CODE_PHOTO_ID 0x01 /* the entry's photo id, in decimal */
#define CODE_KEY_TEXT 0x02 /* the whole text is the key text */
/* A decimal number: its value, LEB128. */
#define CODE_NUMBER 0x1a
/* Lowercase hex digits: their count, then two a byte, the first high. */
#define CODE_HEX 0x1b
/* Ten lowercase hex digits (a Flickr secret), two a byte. */
#define CODE_SECRET 0x1c
#define CODE_ESCAPE 0x1f /* the next byte is the text's own */
#define CODE_LIMIT  0x20 /* bytes from here on are the text's own */

/* Digit runs shorter than this, or longer than 19 digits (past what 64
 * bits hold), stay as they are; so do hex runs shorter than HEX_MIN. */
#define NUMBER_MIN 4
#define NUMBER_MAX 19
#define HEX_MIN	   8
#define HEX_MAX	   255
#define SECRET_LEN 10

/* The dictionary: code -> word.  Never renumber. */
static const char *const words[CODE_LIMIT] = {
	[0x03] = "http://www.flickr.com/photos/",
	[0x04] = "https://www.flickr.com/photos/",
	[0x05] = "http://farm",
	[0x06] = "https://farm",
	[0x07] = ".staticflickr.com/",
	[0x08] = "https://live.staticflickr.com/",
	[0x09] = ".jpg",
	[0x0a] = "Attribution",
	[0x0b] = "-NonCommercial",
	[0x0c] = "-ShareAlike",
	[0x0d] = "-NoDerivs",
	[0x0e] = " License",
	[0x0f] = "http://creativecommons.org/licenses/",
	[0x10] = "https://creativecommons.org/licenses/",
	[0x11] = "https://",
	[0x12] = "http://",
	[0x13] = "@N0",
	[0x14] = "No known copyright restrictions",
	[0x15] = "Public Domain",
	[0x16] = ".png",
	[0x17] = "www.",
	[0x18] = ".com/",
	[0x19] = "/photos/",
};

/* The codes of the words starting with each byte, longest word first. */
#define STARTS_MAX 12
static struct {
	unsigned char n;
	unsigned char code[STARTS_MAX];
} starts[256];
static size_t word_len[CODE_LIMIT];
/* Bytes that start no word and need no escape: copied as they are. */
static bool plain[256];
/* Lowercase hex digits: their value + 1 (0 for any other byte). */
static const char hex_digits[] = "0123456789abcdef";
static unsigned char hex_value[256];
/* Each word's first 8 bytes (fewer for a shorter word, the rest masked
 * off), compared in one go before the rest. */
static uint64_t word_head[CODE_LIMIT], word_mask[CODE_LIMIT];
static pthread_once_t starts_once = PTHREAD_ONCE_INIT;

static void head_of(const char *w, size_t len, uint64_t *head, uint64_t *mask)
{
	unsigned char h[8] = {0}, m[8] = {0};
	size_t n = len < 8 ? len : 8;

	memcpy(h, w, n);
	memset(m, 0xff, n);
	memcpy(head, h, 8);
	memcpy(mask, m, 8);
}

static void make_starts(void)
{
	unsigned code;

	for (code = 0; code < CODE_LIMIT; code++) {
		const unsigned char *w = (const unsigned char *)words[code];
		unsigned i;

		if (!w)
			continue;
		word_len[code] = strlen(words[code]);
		head_of(words[code], word_len[code], &word_head[code],
			&word_mask[code]);
		i = starts[w[0]].n++;
		/* More than STARTS_MAX words with one first byte is a bug in
		 * the table above. */
		if (i >= STARTS_MAX)
			__builtin_trap();
		for (; i > 0 &&
		       word_len[starts[w[0]].code[i - 1]] < word_len[code];
		     i--)
			starts[w[0]].code[i] = starts[w[0]].code[i - 1];
		starts[w[0]].code[i] = (unsigned char)code;
	}
	for (code = 0; code < 16; code++)
		hex_value[(unsigned char)hex_digits[code]] =
			(unsigned char)(code + 1);
	for (code = CODE_LIMIT; code < 256; code++)
		plain[code] = starts[code].n == 0 && !hex_value[code];
}

/* The code of the longest word at s (len bytes left), or 0. */
static unsigned word_at(const char *s, size_t len)
{
	unsigned char c = (unsigned char)s[0];
	uint64_t v;
	unsigned k;

	if (!starts[c].n)
		return 0;
	if (len < 8) {
		for (k = 0; k < starts[c].n; k++) {
			unsigned code = starts[c].code[k];

			if (len >= word_len[code] &&
			    memcmp(s, words[code], word_len[code]) == 0)
				return code;
		}
		return 0;
	}
	memcpy(&v, s, 8);
	for (k = 0; k < starts[c].n; k++) {
		unsigned code = starts[c].code[k];

		if ((v & word_mask[code]) == word_head[code] &&
		    (word_len[code] <= 8 ||
		     (len >= word_len[code] &&
		      memcmp(s + 8, words[code] + 8, word_len[code] - 8) == 0)))
			return code;
	}
	return 0;
}

/* v in decimal, into out; its length. */
static size_t decimal(uint64_t v, char out[24])
{
	char tmp[24];
	size_t n = 0, i;

	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* The photo id in decimal, into id; its length (0 for none). */
static size_t photo_digits(uint64_t photo_id, char id[24])
{
	return photo_id ? decimal(photo_id, id) : 0;
}

/* The length of the run of lowercase hex digits at s (len bytes left),
 * at most HEX_MAX; *letters: whether one is a-f. */
static size_t hex_run(const char *s, size_t len, bool *letters)
{
	size_t n = 0;

	*letters = false;
	for (; n < len && n < HEX_MAX && hex_value[(unsigned char)s[n]]; n++)
		*letters |= s[n] > '9';
	return n;
}

/* Writes the n hex digits at s, two a byte, to out; returns the bytes
 * written. */
static size_t put_nibbles(char *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 2) {
		unsigned hi = hex_value[(unsigned char)s[i]] - 1u;
		unsigned lo =
			i + 1 < n ? hex_value[(unsigned char)s[i + 1]] - 1u : 0;

		out[i / 2] = (char)(hi << 4 | lo);
	}
	return (n + 1) / 2;
}

/* Packs the digits at s (n of them, the first not 0) as a number into
 * out; returns the bytes written. */
static size_t put_number(char *out, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	out[0] = CODE_NUMBER;
	return 1 + varint_put((unsigned char *)out + 1, v);
}

/* Packs a run of digits at s (len bytes left), as hex digits or as a
 * number, when that is shorter: the bytes written to out and *used of s,
 * or 0. */
static size_t pack_run(char *out, const char *s, size_t len, size_t *used)
{
	bool letters;
	size_t n = hex_run(s, len, &letters), digits;

	if (n >= HEX_MIN && (letters || s[0] == '0')) {
		*used = n;
		if (n == SECRET_LEN) {
			out[0] = CODE_SECRET;
			return 1 + put_nibbles(out + 1, s, n);
		}
		out[0] = CODE_HEX;
		out[1] = (char)n;
		return 2 + put_nibbles(out + 2, s, n);
	}
	for (digits = 0; digits < len && digits < NUMBER_MAX &&
			 s[digits] >= '0' && s[digits] <= '9';
	     digits++)
		;
	if (s[0] == '0' || digits < NUMBER_MIN)
		return 0;
	*used = digits;
	return put_number(out, s, digits);
}

/* Packs s (len bytes, no NUL) into out, which has room for
 * TEXTPACK_MAX(len); returns the bytes written.  (A packed run is never
 * longer than its digits, so the room holds.) */
static size_t pack_one(char *out, const char *s, size_t len, const char *id,
		       size_t id_len)
{
	/* A byte no text holds, when there is no photo id. */
	unsigned char id0 = id_len ? (unsigned char)id[0] : 0;
	size_t i = 0, n = 0, used, k;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		unsigned code;

		if (plain[c] && c != id0) {
			out[n++] = (char)c;
			i++;
			continue;
		}
		if (id_len && c == (unsigned char)id[0] && len - i >= id_len &&
		    memcmp(s + i, id, id_len) == 0) {
			out[n++] = CODE_PHOTO_ID;
			i += id_len;
			continue;
		}
		code = word_at(s + i, len - i);
		if (code) {
			out[n++] = (char)code;
			i += word_len[code];
			continue;
		}
		if (hex_value[c] &&
		    (k = pack_run(out + n, s + i, len - i, &used)) > 0) {
			n += k;
			i += used;
			continue;
		}
		if (c < CODE_LIMIT)
			out[n++] = CODE_ESCAPE;
		out[n++] = (char)c;
		i++;
	}
	out[n++] = '\0';
	return n;
}

int textpack_put(struct buf *b, uint64_t photo_id,
		 const struct entry_text t[TEXTPACK_TEXTS])
{
	size_t len[TEXTPACK_TEXTS], room = 0, i;
	char id[24];
	size_t id_len = photo_digits(photo_id, id);
	char *out;

	pthread_once(&starts_once, make_starts);
	for (i = 0; i < TEXTPACK_TEXTS; i++) {
		const char *nul = t[i].len ? memchr(t[i].s, 0, t[i].len) : NULL;

		len[i] = nul ? (size_t)(nul - t[i].s) : t[i].len;
		room += TEXTPACK_MAX(len[i]);
	}
	out = buf_extend(b, room);
	if (!out)
		return -E2BIG;
	for (i = 0; i < TEXTPACK_TEXTS; i++) {
		if (i != TEXTPACK_KEY_TEXT && len[i] && len[i] == len[0] &&
		    memcmp(t[i].s, t[0].s, len[i]) == 0) {
			*out++ = CODE_KEY_TEXT;
			*out++ = '\0';
			continue;
		}
		out += pack_one(out, t[i].s, len[i], id, id_len);
	}
	buf_truncate(b, (size_t)(out - b->data));
	return 0;
}

/* Appends again the key text unpacked first into out. */
static int append_key_text(struct buf *out, const size_t at[TEXTPACK_TEXTS])
{
	size_t len = at[TEXTPACK_PAGE_URL] - 1 - at[TEXTPACK_KEY_TEXT];
	char *d = buf_extend(out, len);

	if (!d)
		return -E2BIG;
	/* After buf_extend(): the data may have moved. */
	memcpy(d, out->data + at[TEXTPACK_KEY_TEXT], len);
	return 0;
}

/* Unpacks a number's LEB128 value at p[*i] onto out, in decimal. */
static int unpack_number(const char *p, size_t len, size_t *i, struct buf *out)
{
	char digits[24];
	uint64_t v;
	size_t used = varint_get((const unsigned char *)p + *i, len - *i, &v);

	if (!used)
		return -EBADMSG;
	*i += used;
	return buf_append(out, digits, decimal(v, digits));
}

/* Unpacks count hex digits, two a byte at p[*i], onto out. */
static int unpack_hex(const char *p, size_t len, size_t *i, size_t count,
		      struct buf *out)
{
	size_t bytes = (count + 1) / 2, k;
	char *d;

	if (!count || len - *i < bytes)
		return -EBADMSG;
	d = buf_extend(out, count);
	if (!d)
		return -E2BIG;
	for (k = 0; k < count; k++) {
		unsigned char b = (unsigned char)p[*i + k / 2];

		d[k] = hex_digits[k % 2 ? b & 0xf : b >> 4];
	}
	*i += bytes;
	return 0;
}

/* Unpacks text t, from p[*i] up to its NUL (len bytes in all), onto out.
 * Returns 0, -EBADMSG or -E2BIG. */
static int unpack_one(const char *p, size_t len, size_t *i, size_t t,
		      const char *id, size_t id_len, struct buf *out,
		      const size_t at[TEXTPACK_TEXTS])
{
	int r = 0;

	while (r >= 0) {
		unsigned char c;

		if (*i >= len)
			return -EBADMSG;
		c = (unsigned char)p[(*i)++];
		if (c == '\0')
			return buf_putc(out, '\0');
		if (c >= CODE_LIMIT)
			r = buf_putc(out, (char)c);
		else if (c == CODE_PHOTO_ID && id_len)
			r = buf_append(out, id, id_len);
		else if (c == CODE_KEY_TEXT && t != TEXTPACK_KEY_TEXT &&
			 *i < len && p[*i] == '\0')
			r = append_key_text(out, at);
		else if (c == CODE_ESCAPE && *i < len && p[*i] != '\0' &&
			 (unsigned char)p[*i] < CODE_LIMIT)
			r = buf_putc(out, p[(*i)++]);
		else if (c == CODE_NUMBER)
			r = unpack_number(p, len, i, out);
		else if (c == CODE_HEX && *i < len)
			r = unpack_hex(p, len, i, (unsigned char)p[(*i)++],
				       out);
		else if (c == CODE_SECRET)
			r = unpack_hex(p, len, i, SECRET_LEN, out);
		else if (words[c])
			r = buf_append(out, words[c], word_len[c]);
		else
			r = -EBADMSG;
	}
	return r;
}

ptrdiff_t textpack_get(const char *p, size_t len, uint64_t photo_id,
		       struct buf *out, size_t at[TEXTPACK_TEXTS])
{
	char id[24];
	size_t id_len = photo_digits(photo_id, id), i = 0, t, start = out->len;
	int r = 0;

	pthread_once(&starts_once, make_starts);
	for (t = 0; t < TEXTPACK_TEXTS && r >= 0; t++) {
		at[t] = out->len;
		r = unpack_one(p, len, &i, t, id, id_len, out, at);
	}
	if (r < 0) {
		buf_truncate(out, start);
		return r;
	}
	return (ptrdiff_t)i;
}
