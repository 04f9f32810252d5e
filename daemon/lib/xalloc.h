/*
 * xalloc.h: allocation that never fails.
 *
 * Out of memory aborts the process with a log line (STYLE.md rule 15); in
 * exchange every size that remote data can influence has an explicit cap, so
 * an allocation only fails when the machine is really out of memory.
 */
#ifndef SCRAPEWATCH_XALLOC_H
#define SCRAPEWATCH_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* Like reallocarray(3): checks n * size for overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* Copies len bytes of s and NUL-terminates; s need not be NUL-terminated. */
char *xstrndup(const char *s, size_t len);

#endif
