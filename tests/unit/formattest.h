/*
 * formattest.h: what the JSON-format tests share: a sink that copies the
 * borrowed entries and reports it is given, and the chunk sizes a test
 * feeds its input in.  Header-only; include after test.h.
 */
#ifndef SCRAPEWATCH_FORMATTEST_H
#define SCRAPEWATCH_FORMATTEST_H

#include "format.h"

/* ---- a sink that copies what it is given ------------------------------ */

#define GOT_TEXT    160
#define GOT_ENTRIES 16
#define GOT_REPORTS 16

struct got_entry {
	char field[CONFIG_FIELD_MAX][GOT_TEXT];
	uint64_t photo_id;
	char nsid[FLICKR_NSID_MAX + 1];
	char alias[FLICKR_ALIAS_MAX + 1];
	uint64_t line, offset, length;
};

struct got_report {
	uint64_t line;
	bool fatal;
	char why[256];
};

struct got {
	struct got_entry entries[GOT_ENTRIES];
	size_t n_entries;
	struct got_report reports[GOT_REPORTS];
	size_t n_reports;
	size_t fail_at; /* the sink refuses this entry (from 1), or 0 */
	int r;		/* what feed() or finish() returned first, or 0 */
};

static int got_entry(void *userdata, const struct entry *e)
{
	struct got *g = userdata;
	struct got_entry *ge;
	size_t f;

	if (g->fail_at && g->n_entries + 1 == g->fail_at)
		return -ENOSPC;
	if (g->n_entries == GOT_ENTRIES) {
		TEST_FAIL("too many entries");
		return -ENOBUFS;
	}
	ge = &g->entries[g->n_entries++];
	for (f = 0; f < CONFIG_FIELD_MAX; f++) {
		if (e->field[f].len >= GOT_TEXT)
			TEST_FAIL("field %zu too long", f);
		else if (e->field[f].len)
			memcpy(ge->field[f], e->field[f].s, e->field[f].len);
	}
	ge->photo_id = e->photo_id;
	memcpy(ge->nsid, e->nsid, sizeof(ge->nsid));
	memcpy(ge->alias, e->alias, sizeof(ge->alias));
	ge->line = e->line;
	ge->offset = e->offset;
	ge->length = e->length;
	return 0;
}

static void got_report(void *userdata, uint64_t line, bool fatal,
		       const char *why)
{
	struct got *g = userdata;
	struct got_report *gr;

	if (g->n_reports == GOT_REPORTS) {
		TEST_FAIL("too many reports");
		return;
	}
	gr = &g->reports[g->n_reports++];
	gr->line = line;
	gr->fatal = fatal;
	snprintf(gr->why, sizeof(gr->why), "%s", why);
}

/* The size of the next piece: seed 0 feeds all at once, seed 1 a byte at a
 * time, other seeds random sizes up to 1, 16 or 1024 bytes. */
static size_t piece(unsigned *state, unsigned seed, size_t left)
{
	static const size_t caps[] = {1, 16, 1024};
	size_t n;

	if (seed == 0)
		return left;
	*state = *state * 1103515245u + 12345u;
	n = seed == 1 ? 1 : 1 + (*state >> 8) % caps[seed % 3];
	return n < left ? n : left;
}

#endif
