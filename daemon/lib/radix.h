/*
 * radix.h: LSD radix sort with 16-bit digits over an array of structs by a
 * uint64_t member, written once for every element type that needs it
 * (the key set's items, runsort's (key, place) pairs).  Stable; a
 * pass is skipped when every element has the same digit there (photo ids
 * fit in 40 bits, so their top pass never runs).  tmp must hold n
 * elements.
 *
 *   RADIX_SORT(sort_items, struct diff_item, key)
 *   ...
 *   sort_items(items, tmp, n);
 */
#ifndef SCRAPEWATCH_RADIX_H
#define SCRAPEWATCH_RADIX_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#define RADIX_DIGIT_BITS      16
#define RADIX_BUCKETS	      (1u << RADIX_DIGIT_BITS)
#define RADIX_DIGIT(v, shift) ((size_t)((v) >> (shift)) & (RADIX_BUCKETS - 1))

#define RADIX_SORT(name, type, member)                                      \
	static void name(type *a, type *tmp, size_t n)                      \
	{                                                                   \
		size_t *count = xcalloc(RADIX_BUCKETS, sizeof(size_t));     \
		type *src = a, *dst = tmp, *swap;                           \
		unsigned shift;                                             \
		size_t i, sum, c;                                           \
                                                                            \
		for (shift = 0; shift < 64; shift += RADIX_DIGIT_BITS) {    \
			memset(count, 0, RADIX_BUCKETS * sizeof(size_t));   \
			for (i = 0; i < n; i++)                             \
				count[RADIX_DIGIT(src[i].member, shift)]++; \
			if (n == 0 ||                                       \
			    count[RADIX_DIGIT(src[0].member, shift)] == n)  \
				continue; /* all share this digit */        \
			for (i = 0, sum = 0; i < RADIX_BUCKETS; i++) {      \
				c = count[i];                               \
				count[i] = sum;                             \
				sum += c;                                   \
			}                                                   \
			for (i = 0; i < n; i++)                             \
				dst[count[RADIX_DIGIT(src[i].member,        \
						      shift)]++] = src[i];  \
			swap = src;                                         \
			src = dst;                                          \
			dst = swap;                                         \
		}                                                           \
		if (src != a)                                               \
			memcpy(a, src, n * sizeof(type));                   \
		free(count);                                                \
	}

#endif
