/*
 * lines.c: the line splitter of lines.h.  The common case -- a whole line
 * inside the chunk -- costs one memchr and no copy.
 */
#include "lib/lines.h"

#include <string.h>

void lines_init(struct lines *l, size_t max_line, lines_fn fn, void *userdata)
{
	*l = (struct lines){
		.fn = fn, .userdata = userdata, .max_line = max_line};
	buf_init(&l->partial, max_line);
}

void lines_free(struct lines *l)
{
	buf_free(&l->partial);
}

/* Hands on one complete line (length on disk: disk_len). */
static int lines_emit(struct lines *l, const char *s, size_t len,
		      uint64_t disk_len)
{
	int skipped = l->skipping;
	uint64_t start = l->start;

	l->number++;
	l->start += disk_len;
	l->skipping = 0;
	if (skipped)
		return l->fn(l->userdata, NULL, 0, l->number, start, disk_len);
	if (len > 0 && s[len - 1] == '\r')
		len--;
	return l->fn(l->userdata, s, len, l->number, start, disk_len);
}

/* Keeps the unfinished tail of a chunk, or starts skipping if too long. */
static void lines_keep(struct lines *l, const char *s, size_t len)
{
	if (l->skipping)
		return;
	if (buf_append(&l->partial, s, len) < 0) {
		l->skipping = 1;
		buf_reset(&l->partial);
	}
}

int lines_feed(struct lines *l, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	int r;

	if (l->error < 0)
		return l->error;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			lines_keep(l, p, (size_t)(end - p));
			break;
		}
		if (l->partial.len > 0 || l->skipping) {
			uint64_t disk = l->partial.len + (uint64_t)(nl - p) + 1;

			lines_keep(l, p, (size_t)(nl - p));
			/* A skipped line's length is counted by offsets. */
			if (l->skipping)
				disk = l->offset + (uint64_t)(nl - data) + 1 -
				       l->start;
			r = lines_emit(l, l->partial.data, l->partial.len,
				       disk);
			buf_reset(&l->partial);
		} else if ((size_t)(nl - p) > l->max_line) {
			l->skipping = 1;
			r = lines_emit(l, NULL, 0, (uint64_t)(nl - p) + 1);
		} else {
			r = lines_emit(l, p, (size_t)(nl - p),
				       (uint64_t)(nl - p) + 1);
		}
		if (r < 0) {
			l->offset += (uint64_t)(nl + 1 - data);
			l->error = r;
			return r;
		}
		p = nl + 1;
	}
	l->offset += len;
	return 0;
}

int lines_finish(struct lines *l)
{
	int r = 0;

	if (l->error < 0)
		return l->error;
	if (l->partial.len > 0 || l->skipping)
		r = lines_emit(l, l->partial.data, l->partial.len,
			       l->offset - l->start);
	buf_reset(&l->partial);
	if (r < 0)
		l->error = r;
	return r;
}
