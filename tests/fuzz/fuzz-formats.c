/*
 * fuzz-formats.c: every manifest format (format.h) on hostile manifests.
 *
 * The first input byte chooses: bits 0-3 a dataset (a format and the
 * options a real dataset of it has; the last four take their options from
 * the manifest's first line, TAB-separated: records, then one JSON path or
 * column per entry field in enum order, empty for none), bits 4-5 how the
 * manifest is cut into chunks (random sizes from 0-8, 1-64 or 1-4096 bytes,
 * or one byte at a time; the sizes come from a hash of the input), bit 6
 * tiny limits, bit 7 a sink that refuses the third entry.  The rest is the
 * manifest.  Each chunk is a malloc'ed copy of its exact size.
 *
 * Oracles, from format.h: feeding in chunks gives the same entries,
 * reports and result as feeding the whole manifest at once; an entry lies
 * within the bytes fed so far, its fields within the record limit and its
 * owner is a valid NSID or alias; a report names no line past the last one
 * begun in the bytes fed so far; a fatal report and a negative return go
 * together.  Every byte of every field is read (ASan checks the pointers).
 */
#include <inttypes.h>

#include "fuzz.h"
#include "lib/macro.h"
#include "parse/format.h"

#define SINK_REFUSED (-ECANCELED)

struct profile {
	const char *format;
	bool header;
	const char *records;
	const char *fields[ENTRY_FIELD_MAX];
	bool custom; /* options from the manifest's first line */
};

#define F(name) [ENTRY_FIELD_##name]

static const struct profile profiles[16] = {
	{.format = "yfcc100m"},
	{.format = "ffhq"},
	/* Open Images: a header row, columns by name, quoted fields. */
	{.format = "csv",
	 .header = true,
	 .fields = {F(KEY) = "ImageID", F(PAGE_URL) = "OriginalLandingURL",
		    F(IMAGE_URL) = "OriginalURL", F(LICENSE) = "License",
		    F(OWNER_URL) = "AuthorProfileURL",
		    F(OWNER_NAME) = "Author"}},
	/* IBM DiF: no header, columns by number. */
	{.format = "csv",
	 .fields = {F(URL) = "0", F(KEY) = "1", F(OWNER_NSID) = "2",
		    F(PHOTO_ID) = "3"}},
	{.format = "tsv",
	 .header = true,
	 .fields = {F(PHOTO_ID) = "photo_id", F(OWNER_NSID) = "owner",
		    F(OWNER_ALIAS) = "alias", F(PAGE_URL) = "url",
		    F(PATH) = "path"}},
	{.format = "tsv", .fields = {F(URL) = "0", F(OWNER_NAME) = "2"}},
	/* COCO: an array of records under a key. */
	{.format = "json",
	 .records = "images[]",
	 .fields = {F(KEY) = "id", F(IMAGE_URL) = "flickr_url",
		    F(PATH) = "file_name"}},
	/* FFHQ-like: an object of keyed records. */
	{.format = "json",
	 .fields = {F(PAGE_URL) = "metadata.photo_url",
		    F(OWNER_NAME) = "metadata.author",
		    F(LICENSE) = "metadata.license|metadata.license_url",
		    F(PATH) = "image.file_path"}},
	{.format = "json",
	 .records = "data.items[]",
	 .fields = {F(PHOTO_ID) = "photo.id",
		    F(OWNER_NSID) = "photo.owner.nsid",
		    F(OWNER_ALIAS) = "photo.owner.alias", F(URL) = "url|link"}},
	{.format = "json",
	 .records = "[]",
	 .fields = {F(PAGE_URL) = "url", F(OWNER_URL) = "owner"}},
	{.format = "jsonl",
	 .fields = {F(PAGE_URL) = "url", F(OWNER_NAME) = "user",
		    F(KEY) = "id"}},
	{.format = "paths"},
	{.format = "json", .custom = true},
	{.format = "jsonl", .custom = true},
	{.format = "csv", .header = true, .custom = true},
	{.format = "tsv", .custom = true},
};

/* What one run saw, folded into numbers to compare. */
struct seen {
	uint64_t entries, reports, fatal;
	uint64_t hash;
	size_t fed;	   /* bytes fed so far, including the current chunk */
	uint64_t newlines; /* and the '\n' bytes among them */
	size_t max_record;
	bool refuse_third;
};

static int on_entry(void *userdata, const struct entry *e)
{
	struct seen *s = userdata;
	size_t f;

	FUZZ_CHECK(e->line >= 1);
	FUZZ_CHECK(e->offset <= s->fed && e->length <= s->fed - e->offset);
	FUZZ_CHECK(strnlen(e->nsid, sizeof(e->nsid)) < sizeof(e->nsid));
	FUZZ_CHECK(strnlen(e->alias, sizeof(e->alias)) < sizeof(e->alias));
	if (e->nsid[0])
		FUZZ_CHECK(flickr_nsid_valid(e->nsid, strlen(e->nsid)));
	if (e->alias[0])
		FUZZ_CHECK(flickr_alias_valid(e->alias, strlen(e->alias)));
	s->hash = fuzz_hash(s->hash, "E", 1);
	for (f = 0; f < ENTRY_FIELD_MAX; f++) {
		FUZZ_CHECK(e->field[f].len <= s->max_record);
		s->hash = fuzz_hash(s->hash, &e->field[f].len,
				    sizeof(e->field[f].len));
		if (e->field[f].len)
			s->hash = fuzz_hash(s->hash, e->field[f].s,
					    e->field[f].len);
	}
	s->hash = fuzz_hash(s->hash, &e->photo_id, sizeof(e->photo_id));
	s->hash = fuzz_hash(s->hash, e->nsid, strlen(e->nsid));
	s->hash = fuzz_hash(s->hash, e->alias, strlen(e->alias));
	s->hash = fuzz_hash(s->hash, &e->line, sizeof(e->line));
	s->hash = fuzz_hash(s->hash, &e->offset, sizeof(e->offset));
	s->hash = fuzz_hash(s->hash, &e->length, sizeof(e->length));
	s->entries++;
	return s->refuse_third && s->entries == 3 ? SINK_REFUSED : 0;
}

static void on_report(void *userdata, uint64_t line, bool fatal,
		      const char *why)
{
	struct seen *s = userdata;

	FUZZ_CHECK(why != NULL);
	FUZZ_CHECK(line <= s->newlines + 1);
	s->hash = fuzz_hash(s->hash, "R", 1);
	s->hash = fuzz_hash(s->hash, &line, sizeof(line));
	s->hash = fuzz_hash(s->hash, &fatal, sizeof(fatal));
	s->hash = fuzz_hash(s->hash, why, strlen(why));
	s->reports++;
	s->fatal += fatal;
}

/* The size of the next chunk: mode 0-2 random, 3 one byte. */
static size_t chunk_size(unsigned mode, uint64_t *rng, size_t left)
{
	static const size_t caps[] = {9, 64, 4096};
	size_t n;

	if (mode == 3)
		return left ? 1 : 0;
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	n = (size_t)(*rng % caps[mode]) + (mode != 0);
	return n < left ? n : left;
}

/* Notes that the n bytes at data are about to be fed. */
static void fed(struct seen *s, const char *data, size_t n)
{
	const char *nl, *end = data + n;

	s->fed += n;
	for (; (nl = memchr(data, '\n', (size_t)(end - data))); data = nl + 1)
		s->newlines++;
}

/* Feeds p the manifest whole (mode < 0) or in chunks; then finishes. */
static int feed_all(const struct format *fmt, void *p, struct seen *s,
		    const char *data, size_t len, int mode, uint64_t seed)
{
	uint64_t rng = seed | 1;
	size_t off = 0, n;
	int r = 0;

	if (mode < 0) {
		fed(s, data, len);
		r = fmt->feed(p, data, len);
	}
	while (mode >= 0 && r >= 0 && off < len) {
		char *chunk;

		n = chunk_size((unsigned)mode, &rng, len - off);
		chunk = malloc(n ? n : 1);
		FUZZ_CHECK(chunk != NULL);
		memcpy(chunk, data + off, n);
		fed(s, chunk, n);
		r = fmt->feed(p, chunk, n);
		free(chunk);
		off += n;
	}
	if (r >= 0)
		r = fmt->finish(p);
	return r;
}

/* One parse: returns what feed()/finish() gave, or open()'s error. */
static int run(const struct format *fmt, const struct format_options *d,
	       const struct format_limits *limits, struct seen *s,
	       const char *data, size_t len, int mode, uint64_t seed)
{
	struct format_sink sink = {on_entry, on_report, s};
	void *p = NULL;
	int r;

	r = fmt->open(d, limits, &sink, &p);
	if (r < 0)
		return r;
	r = feed_all(fmt, p, s, data, len, mode, seed);
	FUZZ_CHECK(fmt->free(p) == NULL);
	/* A fatal problem is reported and returned; nothing else stops a
	 * parse but the sink. */
	if (r != SINK_REFUSED)
		FUZZ_CHECK((s->fatal > 0) == (r < 0));
	return r;
}

/* Fills d's options from the first line (TAB-separated) of *data. */
static void custom_options(struct format_options *d, const char **data,
			   size_t *len)
{
	const char *nl = memchr(*data, '\n', *len);
	const char *s = *data, *end = nl ? nl : *data + *len, *tab;
	char **slot[1 + ENTRY_FIELD_MAX];
	size_t i;

	slot[0] = &d->records;
	for (i = 0; i < ENTRY_FIELD_MAX; i++)
		slot[1 + i] = &d->fields[i];
	for (i = 0; i < ELEMENTSOF(slot) && s <= end; i++) {
		tab = memchr(s, '\t', (size_t)(end - s));
		if (!tab)
			tab = end;
		if (tab > s)
			*slot[i] = strndup(s, (size_t)(tab - s));
		s = tab + 1;
	}
	*len -= (size_t)(end - *data) + (nl != NULL);
	*data = end + (nl != NULL);
}

static void options_free(struct format_options *d)
{
	size_t i;

	free(d->records);
	for (i = 0; i < ENTRY_FIELD_MAX; i++)
		free(d->fields[i]);
}

static void options_of(const struct profile *pr, struct format_options *d)
{
	size_t i;

	*d = (struct format_options){.header = pr->header};
	d->records = pr->records ? strdup(pr->records) : NULL;
	for (i = 0; i < ENTRY_FIELD_MAX; i++)
		d->fields[i] = pr->fields[i] ? strdup(pr->fields[i]) : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	const struct profile *pr;
	const struct format *fmt;
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct format_options d;
	struct seen whole = {.hash = FUZZ_HASH_INIT}, cut;
	const char *data;
	char *copy;
	size_t len;
	uint64_t seed;
	int r_whole, r_cut;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	pr = &profiles[input[0] & 0x0f];
	fmt = format_find(pr->format);
	FUZZ_CHECK(fmt != NULL);
	if (input[0] & 0x40)
		limits = (struct format_limits){
			.max_record = 64, .max_fields = 4, .max_depth = 4};
	whole.max_record = limits.max_record;
	whole.refuse_third = input[0] & 0x80;
	cut = whole;
	seed = fuzz_hash(FUZZ_HASH_INIT, input, size);

	copy = malloc(size - 1 ? size - 1 : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, input + 1, size - 1);
	data = copy;
	len = size - 1;
	options_of(pr, &d);
	if (pr->custom)
		custom_options(&d, &data, &len);

	r_whole = run(fmt, &d, &limits, &whole, data, len, -1, seed);
	r_cut = run(fmt, &d, &limits, &cut, data, len, (input[0] >> 4) & 3,
		    seed);
	if (r_whole != r_cut || whole.hash != cut.hash ||
	    whole.entries != cut.entries || whole.reports != cut.reports) {
		fprintf(stderr,
			"format %s: whole: r=%d %" PRIu64 " entries %" PRIu64
			" reports; in chunks (mode %d): r=%d %" PRIu64
			" entries %" PRIu64 " reports\n",
			pr->format, r_whole, whole.entries, whole.reports,
			(input[0] >> 4) & 3, r_cut, cut.entries, cut.reports);
		FUZZ_CHECK(!"chunked feeding changed the result");
	}
	options_free(&d);
	free(copy);
	return 0;
}
