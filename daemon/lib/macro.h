/*
 * macro.h: small language helpers shared by every module.
 *
 * Cleanup attributes for locals (_cleanup_free_ and friends), TAKE_PTR() to
 * hand ownership out of a scope, ELEMENTSOF() for static tables, and the
 * printf-format attribute.  Nothing here holds logic or state.
 */
#ifndef SCRAPEWATCH_MACRO_H
#define SCRAPEWATCH_MACRO_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(x)  (sizeof(x) / sizeof((x)[0]))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Returns the pointer and leaves NULL behind, so a cleanup handler skips it. */
#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _p_ = (p); \
		(p) = NULL;              \
		_p_;                     \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_	 _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_	 _cleanup_(closep)

/* Defines foo_freep() for a type whose destructor is foo_free(). */
#define DEFINE_FREEP(type, func)             \
	static inline void func##p(type **p) \
	{                                    \
		if (*p)                      \
			*p = func(*p);       \
	}

/* 8 bytes at p, in the machine's byte order, at any alignment (for files
 * that never leave the machine, like the spill and the key sets). */
static inline uint64_t unaligned_read_u64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline void unaligned_write_u64(void *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

#endif
