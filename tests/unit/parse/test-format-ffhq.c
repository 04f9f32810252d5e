/*
 * test-format-ffhq.c: the FFHQ manifest format, fed records shaped exactly
 * like ffhq-dataset-v2.json's whole, a byte at a time and in random pieces,
 * each piece in a buffer of its exact size; every way must give the same
 * entries and reports.  The sink harness is the one test-format-json.c has.
 * Reports name real lines (entries keep the record number), also in a
 * pretty-printed manifest fed in pieces of fixed sizes.
 */
#include "test.h"

#include <errno.h>
#include <stdbool.h>

#include "lib/macro.h"
#include "parse/format.h"
#include "parse/format.h"

extern const struct format format_ffhq;

#include "formattest.h"

/* Feeds data to the ffhq format as seed says (see run_format()). */
static void run(const struct format_limits *limits, const char *data,
		size_t len, unsigned seed, struct got *g)
{
	const struct format_options d = {0};

	run_format(&format_ffhq, &d, limits, data, len, seed, g);
}

/* Feeds data in pieces of size bytes, each in a buffer of its exact size
 * (run_format() has random sizes only). */
static void run_sized(const struct format_limits *limits, const char *data,
		      size_t len, size_t size, struct got *g)
{
	const struct format_options d = {0};
	struct format_sink sink = {
		.entry = got_entry, .report = got_report, .userdata = g};
	void *p = NULL;
	size_t off, n;
	int r;

	r = format_ffhq.open(&d, limits, &sink, &p);
	CHECK_INT(r, 0);
	for (off = 0; r >= 0 && off < len; off += n) {
		char *piece = malloc(size);

		n = len - off < size ? len - off : size;
		memcpy(piece, data + off, n);
		r = format_ffhq.feed(p, piece, n);
		free(piece);
	}
	g->r = r >= 0 ? format_ffhq.finish(p) : r;
	CHECK(format_ffhq.free(p) == NULL);
}

static const struct got *parse_limited(const struct format_limits *limits,
				       const char *data, size_t len,
				       size_t fail_at)
{
	static struct got whole, other;
	unsigned seed;

	whole = (struct got){.fail_at = fail_at};
	run(limits, data, len, 0, &whole);
	for (seed = 1; seed <= 9; seed++) {
		other = (struct got){.fail_at = fail_at};
		run(limits, data, len, seed, &other);
		same(&whole, &other, seed);
	}
	return &whole;
}

static const struct got *parse(const char *data, size_t len)
{
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;

	return parse_limited(&limits, data, len, 0);
}

/* ---- real-shaped records ---------------------------------------------- */

/* Record 0 as ffhq-dataset-v2.json has it (landmark lists shortened). */
#define R0                                                                       \
	"\"0\": {\"category\": \"training\", \"metadata\": {\"photo_url\": "     \
	"\"https://www.flickr.com/photos/frumpymonkey/2978283592/\", "           \
	"\"photo_title\": \"DSCF0899.JPG\", \"author\": \"Jeremy Frumkin\", "    \
	"\"country\": \"\", \"license\": \"Attribution-NonCommercial "           \
	"License\", \"license_url\": "                                           \
	"\"https://creativecommons.org/licenses/by-nc/2.0/\", "                  \
	"\"date_uploaded\": \"2008-10-29\", \"date_crawled\": "                  \
	"\"2018-10-10\"}, \"image\": {\"file_url\": "                            \
	"\"https://drive.google.com/uc?id=1xJYS4u3p0wMmDtvUE13fOkxFaUGBoH42\", " \
	"\"file_path\": \"images1024x1024/00000/00000.png\", \"file_size\": "    \
	"1488194, \"file_md5\": \"ddeaeea6ce59569643715759d537fd1b\", "          \
	"\"pixel_size\": [1024, 1024], \"pixel_md5\": "                          \
	"\"47238b44dfb87644460cbdcc4607e289\", \"face_landmarks\": [[131.62, "   \
	"453.23], [136.71, 515.8], [145.84, 578.26], [159.37, 640.73]]}, "       \
	"\"thumbnail\": {\"file_url\": "                                         \
	"\"https://drive.google.com/uc?id=1fUMlLrNuh_0Qp7rAALtBrnR4YIjpCaqu\", " \
	"\"file_path\": \"thumbnails128x128/00000/00000.png\", \"file_size\": "  \
	"29050, \"file_md5\": \"bd3e40b2ba20f76b55dc282907b89cd1\", "            \
	"\"pixel_size\": [128, 128], \"pixel_md5\": "                            \
	"\"38d7e93eb9a796d0e65f8c64de8ba161\"}, \"in_the_wild\": "               \
	"{\"file_url\": "                                                        \
	"\"https://drive.google.com/uc?id=1yT9RlvypPefGnREEbuHLE6zDXEQofw-m\", " \
	"\"file_path\": \"in-the-wild-images/00000/00000.png\", "                \
	"\"file_size\": 3991569, \"file_md5\": "                                 \
	"\"1dc0287e73e485efb0516a80ce9d42b4\", \"pixel_size\": [2016, 1512], "   \
	"\"pixel_md5\": \"86b3470c42e33235d76b979161fb2327\", \"face_rect\": "   \
	"[667, 410, 1438, 1181], \"face_landmarks\": [[667.76, 1006.33], "       \
	"[668.85, 1078.83]], \"face_quad\": [[414.27, 389.52], [426.01, "        \
	"1444.34], [1480.83, 1432.6], [1469.09, 377.78]]}}"

/* An NSID page URL and an author written with unicode escapes. */
#define R1                                                                        \
	"\"1\": {\"category\": \"validation\", \"metadata\": {\"photo_url\": "    \
	"\"https://www.flickr.com/photos/30302697@N00/8512345678/\", "            \
	"\"photo_title\": \"Plaza\", \"author\": \"Jos\\u00e9 M\\u00fcller\", "   \
	"\"country\": \"Spain\", \"license\": \"Attribution License\", "          \
	"\"license_url\": \"https://creativecommons.org/licenses/by/2.0/\", "     \
	"\"date_uploaded\": \"2013-02-25\", \"date_crawled\": "                   \
	"\"2018-10-10\"}, \"image\": {\"file_url\": "                             \
	"\"https://drive.google.com/uc?id=1aBcD\", \"file_path\": "               \
	"\"images1024x1024/00000/00001.png\", \"file_size\": 1392344, "           \
	"\"face_landmarks\": [[120.5, 440.25], [130.0, 500.75]]}, "               \
	"\"thumbnail\": {\"file_path\": \"thumbnails128x128/00000/00001.png\"}, " \
	"\"in_the_wild\": {\"file_path\": "                                       \
	"\"in-the-wild-images/00000/00001.png\", \"face_rect\": [1, 2, 3, 4]}}"

/* No licence name: the licence URL stands in. */
#define R2                                                                     \
	"\"2\": {\"category\": \"training\", \"metadata\": {\"photo_url\": "   \
	"\"https://www.flickr.com/photos/janedoe/12345678901/\", \"author\": " \
	"\"Jane Doe\", \"license_url\": "                                      \
	"\"https://creativecommons.org/publicdomain/zero/1.0/\"}, \"image\": " \
	"{\"file_path\": \"images1024x1024/00000/00002.png\"}}"

/* No photo URL: still an entry, keyed and with its path. */
#define R3                                                                \
	"\"3\": {\"category\": \"training\", \"metadata\": {\"author\": " \
	"\"Anon\", \"license\": \"Public Domain Mark\"}, \"image\": "     \
	"{\"file_path\": \"images1024x1024/00000/00003.png\"}}"

static const char ffhq[] = "{\n  " R0 ",\n  " R1 ",\n  " R2 ",\n  " R3 "\n}\n";

static void check_entry(const struct got *g, size_t i, const char *rec,
			const char *key, const char *page, const char *author,
			const char *license, const char *path)
{
	const struct got_entry *e = &g->entries[i];

	CHECK_STR(e->field[ENTRY_FIELD_KEY], key);
	CHECK_STR(e->field[ENTRY_FIELD_PAGE_URL], page);
	CHECK_STR(e->field[ENTRY_FIELD_OWNER_NAME], author);
	CHECK_STR(e->field[ENTRY_FIELD_LICENSE], license);
	CHECK_STR(e->field[ENTRY_FIELD_PATH], path);
	CHECK_STR(e->field[ENTRY_FIELD_IMAGE_URL], "");
	CHECK_STR(e->field[ENTRY_FIELD_URL], "");
	CHECK_U64(e->line, i + 1);
	CHECK_U64(e->offset, at(ffhq, rec));
	CHECK_U64(e->length, strlen(rec));
}

TEST(ffhq_records)
{
	const struct got *g = parse(ffhq, strlen(ffhq));

	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_reports, 0);
	CHECK_INT(g->n_entries, 4);
	if (g->n_entries != 4)
		return;
	check_entry(g, 0, R0, "0",
		    "https://www.flickr.com/photos/frumpymonkey/2978283592/",
		    "Jeremy Frumkin", "Attribution-NonCommercial License",
		    "images1024x1024/00000/00000.png");
	CHECK_U64(g->entries[0].photo_id, 2978283592ULL);
	CHECK_STR(g->entries[0].alias, "frumpymonkey");
	CHECK_STR(g->entries[0].nsid, "");

	check_entry(g, 1, R1, "1",
		    "https://www.flickr.com/photos/30302697@N00/8512345678/",
		    "Jos\xc3\xa9 M\xc3\xbcller", "Attribution License",
		    "images1024x1024/00000/00001.png");
	CHECK_U64(g->entries[1].photo_id, 8512345678ULL);
	CHECK_STR(g->entries[1].nsid, "30302697@N00");
	CHECK_STR(g->entries[1].alias, "");

	check_entry(g, 2, R2, "2",
		    "https://www.flickr.com/photos/janedoe/12345678901/",
		    "Jane Doe",
		    "https://creativecommons.org/publicdomain/zero/1.0/",
		    "images1024x1024/00000/00002.png");
	CHECK_U64(g->entries[2].photo_id, 12345678901ULL);

	check_entry(g, 3, R3, "3", "", "Anon", "Public Domain Mark",
		    "images1024x1024/00000/00003.png");
	CHECK_U64(g->entries[3].photo_id, 0);
	CHECK_STR(g->entries[3].alias, "");
}

TEST(ffhq_empty_object)
{
	const struct got *g = parse("{ }", 3);

	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_entries, 0);
	CHECK_INT(g->n_reports, 0);
}

TEST(ffhq_value_not_an_object)
{
	static const char doc[] = "{\"0\": 42,\n \"1\": [{\"image\": {}}],\n "
				  "\"2\":\n null, \"3\": {}, " R3 "}";
	const struct got *g = parse(doc, strlen(doc));

	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_reports, 3);
	/* The lines the records start on: at their keys. */
	check_report(g, 0, 1, false, "record is not a JSON object");
	check_report(g, 1, 2, false, "record is not a JSON object");
	check_report(g, 2, 3, false, "record is not a JSON object");
	CHECK_INT(g->n_entries, 2);
	if (g->n_entries != 2)
		return;
	/* A record with nothing in it is keyed still. */
	CHECK_STR(g->entries[0].field[ENTRY_FIELD_KEY], "3");
	CHECK_U64(g->entries[0].line, 4);
	CHECK_STR(g->entries[0].field[ENTRY_FIELD_PATH], "");
	CHECK_STR(g->entries[1].field[ENTRY_FIELD_KEY], "3");
	CHECK_U64(g->entries[1].line, 5);
	CHECK_U64(g->entries[1].offset, at(doc, R3));
}

TEST(ffhq_top_level_not_an_object)
{
	static const char *const docs[] = {
		"[{\"0\": {}}]",
		"\"ffhq\"",
		"69999",
		"null",
	};
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		const struct got *g = parse(docs[i], strlen(docs[i]));

		CHECK_INT(g->r, -EBADMSG);
		CHECK_INT(g->n_entries, 0);
		CHECK_INT(g->n_reports, 1);
		check_report(g, 0, 1, true, "top level is not an object");
	}
}

TEST(ffhq_truncated)
{
	size_t len = at(ffhq, R2) + 100;
	const struct got *g = parse(ffhq, len);
	char why[128];

	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 2);
	CHECK_INT(g->n_reports, 1);
	/* The offset is where the last whole token ended: the cut goes
	 * through the photo URL, so after the key "photo_url", on line 4
	 * with the rest of the third record. */
	snprintf(why, sizeof(why),
		 "invalid JSON near byte %" PRIu64
		 ": parse error: premature EOF",
		 at(ffhq,
		    "\"photo_url\": \"https://www.flickr.com/photos/janedoe") +
			 strlen("\"photo_url\""));
	check_report(g, 0, 4, true, why);

	/* Cut between records, and right after the last one. */
	len = at(ffhq, R1) - 3;
	g = parse(ffhq, len);
	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 1);
	snprintf(why, sizeof(why),
		 "invalid JSON near byte %" PRIu64
		 ": parse error: premature EOF",
		 at(ffhq, R1) - strlen(",\n  "));
	check_report(g, 0, 2, true, why);
	g = parse(ffhq, strlen(ffhq) - 3);
	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 4);
}

TEST(ffhq_binary_junk)
{
	static const char junk[] = "\x1f\x8b\x08\0\0\0\0\0\0\x03\xed\xbd";
	const struct got *g = parse(junk, sizeof(junk) - 1);

	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 0);
	check_report(g, 0, 1, true,
		     "invalid JSON near byte 0: lexical error: invalid char in "
		     "json text");

	/* Junk in the middle of a record. */
	g = parse("{\"0\": {\"metadata\": \x01}}", 23);
	CHECK_INT(g->r, -EBADMSG);
	check_report(
		g, 0, 1, true,
		"invalid JSON near byte 17: lexical error: invalid char in "
		"json text");
}

TEST(ffhq_invalid_utf8)
{
	static const char doc[] =
		"{\"0\": {\"metadata\": {\"author\": \"Jos\xe9\"}}, " R3 "}";
	const struct got *g = parse(doc, strlen(doc));

	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 0);
	CHECK_INT(g->n_reports, 1);
	check_report(g, 0, 1, true,
		     "invalid JSON near byte 28: lexical error: invalid bytes "
		     "in UTF8 string");

	/* An overlong encoding of '/' and a lone continuation byte. */
	g = parse("{\"0\": {\"x\": \"\xc0\xaf\"}}", 19);
	CHECK_INT(g->r, -EBADMSG);
	g = parse("{\"0\": {\"x\": \"\x80\"}}", 18);
	CHECK_INT(g->r, -EBADMSG);
}

TEST(ffhq_too_deep)
{
	char doc[512], why[128];
	const struct got *g;
	size_t n;

	/* 100 nested arrays where face_landmarks would be; 64 allowed. */
	n = (size_t)snprintf(doc, sizeof(doc),
			     "{\"0\": {\"image\": {\"face_landmarks\": ");
	memset(doc + n, '[', 100);
	memset(doc + n + 100, ']', 100);
	snprintf(doc + n + 200, sizeof(doc) - n - 200, "}}}");
	g = parse(doc, strlen(doc));
	CHECK_INT(g->r, -E2BIG);
	CHECK_INT(g->n_entries, 0);
	CHECK_INT(g->n_reports, 1);
	/* The top object, the record and "image" are levels 1 to 3. */
	snprintf(why, sizeof(why),
		 "JSON nested deeper than 64 levels at byte %zu", n + 61);
	check_report(g, 0, 1, true, why);
}

TEST(ffhq_huge_string)
{
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	size_t n, len;
	char *doc;
	const struct got *g;

	/* A photo title of 5000 bytes in the second record; 4096 allowed. */
	limits.max_record = 4096;
	doc = malloc(8192);
	n = (size_t)snprintf(doc, 8192,
			     "{" R3 ",\n\n\"4\": "
			     "{\"metadata\": {\"photo_title\": \"");
	memset(doc + n, 'a', 5000);
	len = n + 5000;
	len += (size_t)snprintf(doc + len, 8192 - len, "\"}}}");
	g = parse_limited(&limits, doc, len, 0);
	CHECK_INT(g->r, -E2BIG);
	CHECK_INT(g->n_entries, 1);
	CHECK_INT(g->n_reports, 1);
	/* The second record, on line 3. */
	check_report(g, 0, 3, true, "record longer than 4096 bytes");

	/* The same past the default cap of 1 MiB.  Fed whole and in chunks of
	 * up to 1 KiB only: yajl lexes an unfinished string again from its
	 * start with every chunk, so byte-sized chunks of a 1 MiB string take
	 * quadratic time (real input comes in blocks of 64 KiB and more). */
	limits = FORMAT_LIMITS_DEFAULT;
	doc = realloc(doc, 2 << 20);
	n = (size_t)snprintf(doc, 64, "{\"0\": {\"metadata\": {\"author\": \"");
	memset(doc + n, 'b', (size_t)(1 << 20) + 1);
	{
		static struct got whole, chunked;

		whole = (struct got){0};
		chunked = (struct got){0};
		run(&limits, doc, n + (1 << 20) + 1, 0, &whole);
		run(&limits, doc, n + (1 << 20) + 1, 2, &chunked);
		same(&whole, &chunked, 2);
		CHECK_INT(whole.r, -E2BIG);
		check_report(&whole, 0, 1, true,
			     "record longer than 1048576 bytes");
	}
	free(doc);
}

/* ---- lines in a pretty-printed manifest --------------------------------- */

/* As json.dump(indent=2) writes ffhq-dataset-v2.json (shortened): record
 * "1" is no object (line 19), record "2" lacks a comma (line 22). */
static const char pretty[] =
	"{\n"
	"  \"0\": {\n"
	"    \"category\": \"training\",\n"
	"    \"metadata\": {\n"
	"      \"photo_url\": "
	"\"https://www.flickr.com/photos/frumpymonkey/2978283592/\",\n"
	"      \"author\": \"Jeremy Frumkin\",\n"
	"      \"license\": \"Attribution-NonCommercial License\"\n"
	"    },\n"
	"    \"image\": {\n"
	"      \"file_path\": \"images1024x1024/00000/00000.png\",\n"
	"      \"face_landmarks\": [\n"
	"        [\n"
	"          131.62,\n"
	"          453.23\n"
	"        ]\n"
	"      ]\n"
	"    }\n"
	"  },\n"
	"  \"1\": 42,\n"
	"  \"2\": {\n"
	"    \"metadata\": {\n"
	"      \"author\": \"Jane Doe\"\n"
	"      \"license\": \"Attribution License\"\n"
	"    }\n"
	"  }\n"
	"}\n";

/* Parses pretty whole, in pieces of 1 and of 7 bytes, and in random ones:
 * the same lines every way. */
TEST(ffhq_lines_pretty_printed)
{
	static const size_t sizes[] = {sizeof(pretty), 1, 7};
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	static struct got g;
	char why[160];
	size_t i;

	snprintf(why, sizeof(why),
		 "invalid JSON near byte %" PRIu64
		 ": parse error: after key and value, inside map, I expect "
		 "',' or '}'",
		 at(pretty, "\"Jane Doe\"") + strlen("\"Jane Doe\""));
	for (i = 0; i < ELEMENTSOF(sizes); i++) {
		g = (struct got){0};
		run_sized(&limits, pretty, strlen(pretty), sizes[i], &g);
		CHECK_INT(g.r, -EBADMSG);
		CHECK_INT(g.n_entries, 1);
		CHECK_INT(g.n_reports, 2);
		check_report(&g, 0, 19, false, "record is not a JSON object");
		check_report(&g, 1, 22, true, why);
		/* The entry keeps its record number. */
		CHECK_U64(g.entries[0].line, 1);
		CHECK_U64(g.entries[0].offset, at(pretty, "\"0\""));
	}
	(void)parse(pretty, strlen(pretty));

	/* Record "0" outgrows 200 bytes on line 7: reported at line 2,
	 * where it starts. */
	limits.max_record = 200;
	for (i = 0; i < ELEMENTSOF(sizes); i++) {
		g = (struct got){0};
		run_sized(&limits, pretty, strlen(pretty), sizes[i], &g);
		CHECK_INT(g.r, -E2BIG);
		CHECK_INT(g.n_reports, 1);
		check_report(&g, 0, 2, true, "record longer than 200 bytes");
	}
}

/* From the fuzzer (tests/fuzz/corpus/formats/ffhq-cap-or-syntax-error-
 * same-any-chunking, with tiny limits): the record from byte 2 has its 65th
 * byte at 66, the '2' of a number that ends only at the 'l' after it, which
 * is no JSON.  Fed whole, yajl used to read on to the 'l' (-EBADMSG); cut
 * after the '2', the cap hit first (-E2BIG).  yajl now never reads past the
 * byte that breaks the cap, so it is -E2BIG every way. */
TEST(ffhq_cap_error_independent_of_chunking)
{
	static const char doc[] =
		"{\n\"0A\": {\n  \"ctegory\": "
		"\"tr6666666666666633333333333co3333333333, \"2l";
	static const size_t sizes[] = {1, 2, 7, 65, 66, 67};
	struct format_limits limits = {
		.max_record = 64, .max_fields = 4, .max_depth = 4};
	const struct got *g;
	static struct got sized;
	size_t i;

	CHECK_INT(strlen(doc), 68);
	g = parse_limited(&limits, doc, strlen(doc), 0);
	CHECK_INT(g->r, -E2BIG);
	CHECK_INT(g->n_reports, 1);
	check_report(g, 0, 2, true, "record longer than 64 bytes");
	for (i = 0; i < ELEMENTSOF(sizes); i++) {
		sized = (struct got){0};
		run_sized(&limits, doc, strlen(doc), sizes[i], &sized);
		same(g, &sized, (unsigned)sizes[i]);
	}
}

TEST(ffhq_sink_error)
{
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	const struct got *g = parse_limited(&limits, ffhq, strlen(ffhq), 3);

	CHECK_INT(g->r, -ENOSPC);
	CHECK_INT(g->n_entries, 2);
	CHECK_INT(g->n_reports, 0);
}
