/*
 * varint.h: unsigned LEB128 integers (7 bits a byte, low bits first, the
 * high bit set on every byte but the last), for files that store sorted
 * numbers as small differences.
 */
#ifndef SCRAPEWATCH_VARINT_H
#define SCRAPEWATCH_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define VARINT_MAX 10 /* bytes of the largest uint64_t */

/* Writes v at p (room for VARINT_MAX bytes); returns the bytes written. */
static inline size_t varint_put(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/* Reads a number from p, at most len bytes: the bytes it took, or 0 when
 * it runs past len or past 64 bits. */
static inline size_t varint_get(const unsigned char *p, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < len && i < VARINT_MAX; i++) {
		uint64_t b = p[i] & 0x7f;

		if (i == VARINT_MAX - 1 && b > 1)
			return 0;
		x |= b << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

#endif
