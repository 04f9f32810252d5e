/*
 * formattest.h: what the JSON-format tests share: a sink that copies the
 * borrowed entries and reports it is given, and the chunk sizes a test
 * feeds its input in, feeding a format and comparing two runs.
 * Header-only; include after test.h.
 */
#ifndef SCRAPEWATCH_FORMATTEST_H
#define SCRAPEWATCH_FORMATTEST_H

#include "parse/format.h"

/* ---- a sink that copies what it is given ------------------------------ */

#define GOT_TEXT    160
#define GOT_ENTRIES 16
#define GOT_REPORTS 16

struct got_entry {
	char field[ENTRY_FIELD_MAX][GOT_TEXT];
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

static inline int got_entry(void *userdata, const struct entry *e)
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
	for (f = 0; f < ENTRY_FIELD_MAX; f++) {
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

static inline void got_report(void *userdata, uint64_t line, bool fatal,
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
static inline size_t piece(unsigned *state, unsigned seed, size_t left)
{
	static const size_t caps[] = {1, 16, 1024};
	size_t n;

	if (seed == 0)
		return left;
	*state = *state * 1103515245u + 12345u;
	n = seed == 1 ? 1 : 1 + (*state >> 8) % caps[seed % 3];
	return n < left ? n : left;
}

/* Opens fmt for d, feeds data as seed says, finishes and frees. */
static inline void run_format(const struct format *fmt,
			      const struct format_options *d,
			      const struct format_limits *limits,
			      const char *data, size_t len, unsigned seed,
			      struct got *g)
{
	struct format_sink sink = {
		.entry = got_entry, .report = got_report, .userdata = g};
	unsigned state = seed;
	size_t off = 0, n;
	void *p = NULL;
	int r;

	r = fmt->open(d, limits, &sink, &p);
	CHECK_INT(r, 0);
	if (r < 0) {
		g->r = r;
		return;
	}
	while (off < len) {
		/* An exact-size copy: reading past it is an ASan error. */
		char *chunk;

		n = piece(&state, seed, len - off);
		chunk = malloc(n);
		memcpy(chunk, data + off, n);
		r = fmt->feed(p, chunk, n);
		free(chunk);
		off += n;
		if (r < 0)
			break;
	}
	if (r >= 0)
		r = fmt->finish(p);
	else /* the error sticks */
		CHECK_INT(fmt->feed(p, "{}", 2), r);
	g->r = r;
	CHECK(fmt->free(p) == NULL);
}

static inline void same(const struct got *a, const struct got *b, unsigned seed)
{
	size_t i, f;

	if (a->n_entries != b->n_entries || a->n_reports != b->n_reports ||
	    a->r != b->r) {
		TEST_FAIL(
			"seed %u: %zu entries, %zu reports, r %d; whole: %zu, "
			"%zu, %d",
			seed, b->n_entries, b->n_reports, b->r, a->n_entries,
			a->n_reports, a->r);
		return;
	}
	for (i = 0; i < a->n_entries; i++) {
		const struct got_entry *x = &a->entries[i], *y = &b->entries[i];

		for (f = 0; f < ENTRY_FIELD_MAX; f++)
			CHECK_STR(y->field[f], x->field[f]);
		CHECK_U64(y->photo_id, x->photo_id);
		CHECK_STR(y->nsid, x->nsid);
		CHECK_STR(y->alias, x->alias);
		CHECK_U64(y->line, x->line);
		CHECK_U64(y->offset, x->offset);
		CHECK_U64(y->length, x->length);
	}
	for (i = 0; i < a->n_reports; i++) {
		CHECK_U64(b->reports[i].line, a->reports[i].line);
		CHECK_INT(b->reports[i].fatal, a->reports[i].fatal);
		CHECK_STR(b->reports[i].why, a->reports[i].why);
	}
}

/* Parses data every way; returns what feeding it whole gave (static). */
static inline void check_report(const struct got *g, size_t i, uint64_t line,
				bool fatal, const char *why)
{
	if (i >= g->n_reports) {
		TEST_FAIL("no report %zu (\"%s\")", i, why);
		return;
	}
	CHECK_U64(g->reports[i].line, line);
	CHECK_INT(g->reports[i].fatal, fatal);
	CHECK_STR(g->reports[i].why, why);
}

/* Where record text rec starts in doc, which must hold it. */
static inline uint64_t at(const char *doc, const char *rec)
{
	const char *s = strstr(doc, rec);

	CHECK(s != NULL);
	return s ? (uint64_t)(s - doc) : 0;
}

#endif
