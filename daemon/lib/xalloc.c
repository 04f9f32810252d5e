/*
 * xalloc.c: the x* allocation family.  Each wrapper aborts on failure, so
 * callers never carry an out-of-memory branch.
 */
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void oom(size_t size)
{
	/* Do not go through log.c: it may itself need memory. */
	fprintf(stderr, "<2>scrapewatch: out of memory (%zu bytes), aborting\n",
		size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	size_t total;
	void *q;

	if (size && n > (size_t)-1 / size)
		oom((size_t)-1);
	total = n * size;
	q = realloc(p, total ? total : 1);
	if (!q)
		oom(n * size);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t len)
{
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
