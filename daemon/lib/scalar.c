/*
 * parse.c: the strict scalar parsers of parse.h.  Pure functions, no
 * allocation; every accepted string is accepted whole.
 */
#include "lib/scalar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/macro.h"

/* Reads the digits at *p into *ret, advancing *p.  Returns -EINVAL when no
 * digit is there, -ERANGE on overflow of max. */
static int parse_digits(const char **p, uint64_t max, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*p = s;
	*ret = v;
	return 0;
}

int scalar_parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	int r;

	r = parse_digits(&s, max, &v);
	if (r < 0)
		return r;
	if (*s != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

static const struct {
	char unit;
	uint64_t seconds;
} duration_units[] = {
	{'w', 7 * 24 * 3600},
	{'d', 24 * 3600},
	{'h', 3600},
	{'m', 60},
	{'s', 1},
};

int scalar_parse_duration(const char *s, uint64_t *ret_seconds)
{
	uint64_t total = 0, n, mult;
	size_t i;
	int r;

	if (*s == '\0')
		return -EINVAL;
	while (*s) {
		r = parse_digits(&s, UINT32_MAX, &n);
		if (r < 0)
			return r;
		mult = 0;
		for (i = 0; i < ELEMENTSOF(duration_units); i++)
			if (*s == duration_units[i].unit)
				mult = duration_units[i].seconds;
		if (!mult)
			return -EINVAL;
		s++;
		/* "min" is a common spelling of minutes. */
		if (s[-1] == 'm' && strncmp(s, "in", 2) == 0)
			s += 2;
		if (total + n * mult < total)
			return -ERANGE;
		total += n * mult;
	}
	if (total == 0)
		return -ERANGE;
	*ret_seconds = total;
	return 0;
}

int scalar_parse_size(const char *s, uint64_t *ret_bytes)
{
	static const char units[] = "KMGT";
	uint64_t n, mult = 1;
	const char *u;
	int r;

	r = parse_digits(&s, UINT64_MAX, &n);
	if (r < 0)
		return r;
	if (*s && (u = strchr(units, *s))) {
		mult = 1ULL << (10 * (u - units + 1));
		s++;
		if (*s == 'i')
			s++;
	}
	if (*s == 'B')
		s++;
	if (*s != '\0')
		return -EINVAL;
	if (n > UINT64_MAX / mult)
		return -ERANGE;
	*ret_bytes = n * mult;
	return 0;
}

char *parse_format_duration(uint64_t seconds, char *out, size_t size)
{
	size_t i, len = 0;

	out[0] = '\0';
	if (seconds == 0) {
		snprintf(out, size, "0s");
		return out;
	}
	for (i = 0; i < ELEMENTSOF(duration_units) && len < size; i++) {
		uint64_t n = seconds / duration_units[i].seconds;
		int w;

		if (!n)
			continue;
		seconds %= duration_units[i].seconds;
		w = snprintf(out + len, size - len, "%llu%c",
			     (unsigned long long)n, duration_units[i].unit);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return out;
}
