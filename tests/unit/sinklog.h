/*
 * sinklog.h: what the line-format tests (csv, tsv, paths) share: a sink
 * that logs every entry and report as one line of text, so that a test
 * compares the whole log with what it expects; and the chunk sizes a
 * test feeds its input in.  Header-only; include after
 * test.h.
 */
#ifndef SCRAPEWATCH_SINKLOG_H
#define SCRAPEWATCH_SINKLOG_H

#include "config/config.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "parse/format.h"

struct sink_log {
	struct buf out;
	size_t entries;
	size_t stop_after; /* the entry whose callback fails; 0: none */
};

/* Appends text with line ends and odd bytes escaped. */
static void log_text(struct buf *b, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n')
			buf_puts(b, "\\n");
		else if (ch == '\r')
			buf_puts(b, "\\r");
		else if (ch == '\t')
			buf_puts(b, "\\t");
		else if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			buf_printf(b, "\\x%02x", ch);
		else
			buf_putc(b, (char)ch);
	}
}

static int log_entry(void *userdata, const struct entry *e)
{
	struct sink_log *l = userdata;
	size_t f;

	buf_printf(&l->out, "E%" PRIu64 "@%" PRIu64 "+%" PRIu64, e->line,
		   e->offset, e->length);
	if (e->photo_id)
		buf_printf(&l->out, " id=%" PRIu64, e->photo_id);
	if (e->nsid[0])
		buf_printf(&l->out, " nsid=%s", e->nsid);
	if (e->alias[0])
		buf_printf(&l->out, " alias=%s", e->alias);
	for (f = 0; f < ENTRY_FIELD_MAX; f++) {
		if (e->field[f].len == 0)
			continue;
		buf_printf(&l->out, " %s=", entry_field_name(f));
		log_text(&l->out, e->field[f].s, e->field[f].len);
	}
	buf_putc(&l->out, '\n');
	l->entries++;
	return l->entries == l->stop_after ? -ECANCELED : 0;
}

static void log_report(void *userdata, uint64_t line, bool fatal,
		       const char *why)
{
	struct sink_log *l = userdata;

	buf_printf(&l->out, "R%" PRIu64 "%s %s\n", line, fatal ? "!" : "", why);
}

/* ---- feeding ------------------------------------------------------------- */

/* How a test cuts its input: whole, a byte at a time, random pieces
 * (MODE_RANDOM_FIRST .. MODE_END - 1, small or large), or 64 KiB blocks. */
enum { MODE_WHOLE, MODE_BYTES, MODE_RANDOM_FIRST, MODE_END = 8, MODE_64K };

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The next chunk size: all, 1, or random (0 included), small or large. */
static size_t chunk_size(int mode, uint64_t *rng, size_t left)
{
	size_t n;

	if (mode == MODE_WHOLE)
		return left;
	if (mode == MODE_BYTES)
		return MIN(left, (size_t)1);
	if (mode == MODE_64K)
		return MIN(left, (size_t)65536);
	n = (size_t)(rng_next(rng) % (mode % 2 ? 9 : 300));
	return MIN(n, left);
}

#endif
