/*
 * parse.h: strict parsers for the scalar values users write in a
 * configuration or on the command line: unsigned integers, durations
 * ("90s", "6h", "1h30m", "7d") and byte sizes ("512M", "2G").  Each checks
 * the whole string and the range; none logs.
 */
#ifndef SCRAPEWATCH_SCALAR_H
#define SCRAPEWATCH_SCALAR_H

#include <stddef.h>
#include <stdint.h>

/* Decimal unsigned integer, no sign, no spaces.  Returns 0, -EINVAL or
 * -ERANGE (above max). */
int scalar_parse_uint(const char *s, uint64_t max, uint64_t *ret);

/*
 * Duration in seconds: one or more <number><unit> groups, units s, m, h, d, w
 * ("90s", "6h", "1h30m", "7d").  A bare number is refused: it is too easy to
 * misread.  Returns 0, -EINVAL or -ERANGE (overflow or zero).
 */
int scalar_parse_duration(const char *s, uint64_t *ret_seconds);

/* Byte size: a number with an optional K, M, G or T suffix (powers of 1024,
 * an optional trailing "B" or "iB").  Returns 0, -EINVAL or -ERANGE. */
int scalar_parse_size(const char *s, uint64_t *ret_bytes);

/* Formats seconds as the shortest duration string ("1h30m") into out.
 * Returns out. */
char *parse_format_duration(uint64_t seconds, char *out, size_t size);

#endif
