/*
 * test-format-json.c: the generic json and jsonl formats, fed real-shaped
 * manifests (COCO's annotation file, nested and keyed layouts, JSON Lines)
 * whole, a byte at a time and in random pieces, each piece in a buffer of
 * its exact size; every way must give the same entries and reports.  A
 * report names the real line of what it is about (entries keep the record
 * number); the documents span several lines where that tells them apart.
 */
#include "test.h"

#include <errno.h>
#include <stdbool.h>

#include "lib/macro.h"
#include "parse/format.h"
#include "parse/format.h"

extern const struct format format_json;
extern const struct format format_jsonl;

#include "formattest.h"

static const struct got *parse_limited(const struct format *fmt,
				       const struct format_options *d,
				       const struct format_limits *limits,
				       const char *data, size_t len,
				       size_t fail_at)
{
	static struct got whole, other;
	unsigned seed;

	whole = (struct got){.fail_at = fail_at};
	run_format(fmt, d, limits, data, len, 0, &whole);
	for (seed = 1; seed <= 9; seed++) {
		other = (struct got){.fail_at = fail_at};
		run_format(fmt, d, limits, data, len, seed, &other);
		same(&whole, &other, seed);
	}
	return &whole;
}

static const struct got *parse(const struct format *fmt,
			       const struct format_options *d, const char *data)
{
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;

	return parse_limited(fmt, d, &limits, data, strlen(data), 0);
}

/* A writable copy of s, as struct format_options's char * members want;
 * it stays valid for the next 63 calls. */
static char *w(const char *s)
{
	static char pool[64][128];
	static size_t next;
	char *copy = pool[next++ % 64];

	snprintf(copy, sizeof(pool[0]), "%s", s);
	return copy;
}

#define FIELD(g, i, f) ((g)->entries[i].field[ENTRY_FIELD_##f])

/* ---- json: COCO ------------------------------------------------------- */

#define COCO_IMG1                                                         \
	"{\"license\":4,\"file_name\":\"000000397133.jpg\",\"coco_url\":" \
	"\"http://images.cocodataset.org/val2017/000000397133.jpg\","     \
	"\"height\":427,\"width\":640,\"date_captured\":\"2013-11-14 "    \
	"17:02:52\",\"flickr_url\":\"http://farm7.staticflickr.com/6116/" \
	"6255196340_da26cf2c9e_z.jpg\",\"id\":397133}"
#define COCO_IMG2                                                         \
	"{\"license\":1,\"file_name\":\"000000037777.jpg\",\"coco_url\":" \
	"\"http://images.cocodataset.org/val2017/000000037777.jpg\","     \
	"\"height\":230,\"width\":352,\"date_captured\":\"2013-11-14 "    \
	"20:55:31\",\"flickr_url\":\"http://farm9.staticflickr.com/8429/" \
	"7839199426_f6d48aa585_z.jpg\",\"id\":37777}"
#define COCO_IMG3                                                         \
	"{\"license\":3,\"file_name\":\"000000252219.jpg\",\"coco_url\":" \
	"\"http://images.cocodataset.org/val2017/000000252219.jpg\","     \
	"\"height\":428,\"width\":640,\"date_captured\":\"2013-11-14 "    \
	"22:32:02\",\"flickr_url\":\"http://farm4.staticflickr.com/3250/" \
	"2883102207_bbaf5a8af5_z.jpg\",\"id\":252219}"

static const char coco[] =
	"{\"info\": {\"description\": \"COCO 2017 Dataset\",\"url\": "
	"\"http://cocodataset.org\",\"version\": \"1.0\",\"year\": 2017,"
	"\"contributor\": \"COCO Consortium\",\"date_created\": "
	"\"2017/09/01\"},\n"
	"\"licenses\": [{\"url\": "
	"\"http://creativecommons.org/licenses/by-nc-sa/2.0/\",\"id\": 1,"
	"\"name\": \"Attribution-NonCommercial-ShareAlike License\"},"
	"{\"url\": \"http://creativecommons.org/licenses/by/2.0/\",\"id\": 4,"
	"\"name\": \"Attribution License\"}],\n"
	"\"images\": [" COCO_IMG1 ",\n" COCO_IMG2 ",\n" COCO_IMG3 "],\n"
	"\"annotations\": [{\"segmentation\": [[510.66,423.01,511.72,420.03,"
	"510.45,416.0,510.34,413.02]],\"area\": 702.1057499999998,"
	"\"iscrowd\": 0,\"image_id\": 289343,\"bbox\": "
	"[473.07,395.93,38.65,28.67],\"category_id\": 18,\"id\": 1768}],\n"
	"\"categories\": [{\"supercategory\": \"person\",\"id\": 1,\"name\": "
	"\"person\"}]}\n";

static struct format_options coco_dataset(void)
{
	struct format_options d = {.records = w("images[]")};

	d.fields[ENTRY_FIELD_KEY] = w("id");
	d.fields[ENTRY_FIELD_IMAGE_URL] = w("flickr_url");
	d.fields[ENTRY_FIELD_URL] = w("coco_url");
	d.fields[ENTRY_FIELD_PATH] = w("file_name");
	d.fields[ENTRY_FIELD_LICENSE] = w("license");
	return d;
}

TEST(json_coco_images)
{
	struct format_options d = coco_dataset();
	const struct got *g = parse(&format_json, &d, coco);

	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_reports, 0);
	CHECK_INT(g->n_entries, 3);
	if (g->n_entries != 3)
		return;
	CHECK_STR(FIELD(g, 0, KEY), "397133");
	CHECK_STR(FIELD(g, 0, IMAGE_URL), "http://farm7.staticflickr.com/6116/"
					  "6255196340_da26cf2c9e_z.jpg");
	CHECK_STR(FIELD(g, 0, URL),
		  "http://images.cocodataset.org/val2017/000000397133.jpg");
	CHECK_STR(FIELD(g, 0, PATH), "000000397133.jpg");
	CHECK_STR(FIELD(g, 0, LICENSE), "4");
	CHECK_STR(FIELD(g, 0, PAGE_URL), "");
	CHECK_U64(g->entries[0].photo_id, 6255196340ULL);
	CHECK_STR(g->entries[0].nsid, "");
	CHECK_U64(g->entries[0].line, 1);
	CHECK_U64(g->entries[0].offset, at(coco, COCO_IMG1));
	CHECK_U64(g->entries[0].length, strlen(COCO_IMG1));
	CHECK_STR(FIELD(g, 1, KEY), "37777");
	CHECK_U64(g->entries[1].photo_id, 7839199426ULL);
	CHECK_U64(g->entries[1].line, 2);
	CHECK_U64(g->entries[1].offset, at(coco, COCO_IMG2));
	CHECK_U64(g->entries[1].length, strlen(COCO_IMG2));
	CHECK_STR(FIELD(g, 2, LICENSE), "3");
	CHECK_U64(g->entries[2].photo_id, 2883102207ULL);
	CHECK_U64(g->entries[2].line, 3);
	CHECK_U64(g->entries[2].offset, at(coco, COCO_IMG3));
	CHECK_U64(g->entries[2].length, strlen(COCO_IMG3));
}

TEST(json_coco_truncated)
{
	struct format_options d = coco_dataset();
	size_t len = at(coco, COCO_IMG2) + 40;
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	const struct got *g =
		parse_limited(&format_json, &d, &limits, coco, len, 0);
	char why[128];

	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 1);
	CHECK_INT(g->n_reports, 1);
	/* The offset is where the last whole token ended: after the key
	 * "file_name", whose string value the cut goes through; the second
	 * image is on line 4. */
	snprintf(why, sizeof(why),
		 "invalid JSON near byte %" PRIu64
		 ": parse error: premature EOF",
		 at(coco, COCO_IMG2) + strlen("{\"license\":1,\"file_name\""));
	check_report(g, 0, 4, true, why);
}

TEST(json_sink_error_stops)
{
	struct format_options d = coco_dataset();
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	const struct got *g =
		parse_limited(&format_json, &d, &limits, coco, strlen(coco), 2);

	CHECK_INT(g->r, -ENOSPC);
	CHECK_INT(g->n_entries, 1);
	CHECK_INT(g->n_reports, 0);
}

/* ---- json: other layouts ---------------------------------------------- */

#define NESTED_REC1                                                          \
	"{\"photo\": {\"page\": "                                            \
	"\"https://www.flickr.com/photos/janedoe/12345678901/\", \"size\": " \
	"[640, 480]}, \"owner\": {\"nsid\": \"12345678@N00\", \"name\": "    \
	"\"Jane \\\"JD\\\" Doe\"}}"
#define NESTED_REC2                                                            \
	"{\"owner\": {\"name\": \"Fran\\u00e7ois \\ud83d\\ude00\", \"nsid\": " \
	"\"30302697@N00\"}, \"photo\": {\"page\": "                            \
	"\"https://www.flickr.com/photos/30302697@N00/8512345678/\"}}"

TEST(json_nested_path)
{
	static const char doc[] =
		"{\"meta\": {\"items\": [{\"photo\": {\"page\": \"decoy\"}}]},\n"
		" \"data\": {\"count\": 2, \"items\": [" NESTED_REC1
		", " NESTED_REC2 "], \"after\": {\"items\": []}}}";
	struct format_options d = {.records = w("data.items[]")};
	const struct got *g;

	d.fields[ENTRY_FIELD_PAGE_URL] = w("photo.page");
	d.fields[ENTRY_FIELD_OWNER_NSID] = w("owner.nsid");
	d.fields[ENTRY_FIELD_OWNER_NAME] = w("owner.name");
	g = parse(&format_json, &d, doc);
	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_reports, 0);
	CHECK_INT(g->n_entries, 2);
	if (g->n_entries != 2)
		return;
	CHECK_STR(FIELD(g, 0, PAGE_URL),
		  "https://www.flickr.com/photos/janedoe/12345678901/");
	CHECK_STR(FIELD(g, 0, OWNER_NAME), "Jane \"JD\" Doe");
	CHECK_U64(g->entries[0].photo_id, 12345678901ULL);
	CHECK_STR(g->entries[0].alias, "janedoe");
	CHECK_STR(g->entries[0].nsid, "12345678@N00");
	CHECK_U64(g->entries[0].offset, at(doc, NESTED_REC1));
	CHECK_U64(g->entries[0].length, strlen(NESTED_REC1));
	/* Unicode escapes arrive as UTF-8, surrogate pairs joined. */
	CHECK_STR(FIELD(g, 1, OWNER_NAME), "Fran\xc3\xa7ois \xf0\x9f\x98\x80");
	CHECK_STR(g->entries[1].nsid, "30302697@N00");
	CHECK_U64(g->entries[1].photo_id, 8512345678ULL);
	CHECK_U64(g->entries[1].line, 2);
	CHECK_U64(g->entries[1].offset, at(doc, NESTED_REC2));
	CHECK_U64(g->entries[1].length, strlen(NESTED_REC2));
}

TEST(json_top_level_array_and_skipped_records)
{
	static const char doc[] =
		"[{\"u\": \"https://flic.kr/p/2oLx2Z\"}, 5,\n \"text\", [1, [2,\n"
		"{\"u\": \"x\"}]],\n\n null, true, {},\n {\"u\": "
		"\"https://www.flickr.com/photos/janedoe/33333333333\"}]";
	/* Records 2 to 6 are skipped: the lines they start on. */
	static const uint64_t lines[] = {1, 2, 2, 5, 5};
	struct format_options d = {.records = w("[]")};
	const struct got *g;
	size_t i;

	d.fields[ENTRY_FIELD_URL] = w("u");
	g = parse(&format_json, &d, doc);
	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_entries, 3);
	CHECK_INT(g->n_reports, 5);
	for (i = 0; i < 5; i++)
		check_report(g, i, lines[i], false,
			     "record is not a JSON object");
	if (g->n_entries != 3)
		return;
	CHECK_U64(g->entries[0].line, 1);
	CHECK_U64(g->entries[0].offset, 1);
	CHECK_STR(FIELD(g, 0, URL), "https://flic.kr/p/2oLx2Z");
	CHECK(g->entries[0].photo_id != 0);
	/* An empty object is still a record, with nothing in it. */
	CHECK_U64(g->entries[1].line, 7);
	CHECK_U64(g->entries[1].offset, at(doc, "{}"));
	CHECK_U64(g->entries[1].length, 2);
	CHECK_STR(FIELD(g, 1, URL), "");
	CHECK_U64(g->entries[2].line, 8);
	CHECK_U64(g->entries[2].photo_id, 33333333333ULL);
}

TEST(json_keyed_objects)
{
	static const char doc[] =
		"{\"photos\": {\"a\": {\"u\": \"https://www.flickr.com/photos/"
		"janedoe/1/\"}, \"b\": {\"id\": 77, \"u\": \"y\"},\n \"c\":\n"
		" 3}}";
	struct format_options d = {.records = w("photos")};
	const struct got *g;

	d.fields[ENTRY_FIELD_PAGE_URL] = w("u");
	g = parse(&format_json, &d, doc);
	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_entries, 2);
	CHECK_INT(g->n_reports, 1);
	/* A keyed record starts at its key. */
	check_report(g, 0, 2, false, "record is not a JSON object");
	if (g->n_entries != 2)
		return;
	CHECK_STR(FIELD(g, 0, KEY), "a");
	CHECK_U64(g->entries[0].offset, at(doc, "\"a\""));
	CHECK_U64(g->entries[0].length, at(doc, ", \"b\"") - at(doc, "\"a\""));
	CHECK_U64(g->entries[0].photo_id, 1);
	CHECK_STR(FIELD(g, 1, KEY), "b");
	CHECK_U64(g->entries[1].line, 2);

	/* A key field of the record's own wins over the object's key. */
	d.fields[ENTRY_FIELD_KEY] = w("id");
	g = parse(&format_json, &d, doc);
	CHECK_INT(g->n_entries, 2);
	CHECK_STR(FIELD(g, 0, KEY), "a");
	CHECK_STR(FIELD(g, 1, KEY), "77");

	/* No records setting: the top-level object holds the records. */
	d.records = NULL;
	g = parse(&format_json, &d, "{\"k1\": {\"u\": \"v\"}}");
	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_entries, 1);
	CHECK_STR(FIELD(g, 0, KEY), "k1");
	CHECK_U64(g->entries[0].offset, 1);
	CHECK_U64(g->entries[0].length, strlen("\"k1\": {\"u\": \"v\"}"));
}

TEST(json_field_values)
{
	static const char doc[] =
		"[{\"lic\": \"\", \"lic_url\": "
		"\"https://creativecommons.org/licenses/by/2.0/\", \"id\": "
		"-12.5e3, \"flag\": true, \"pid\": null, \"p\": {\"q\": 1}, "
		"\"u\": \"https://www.flickr.com/photos/janedoe/5/\", \"u\": "
		"\"second\"},\n"
		" {\"lic\": \"CC0\", \"lic_url\": \"z\", \"p\": [{\"q\": 2}], "
		"\"pid\": 42}]";
	struct format_options d = {.records = w("[]")};
	const struct got *g;

	d.fields[ENTRY_FIELD_LICENSE] = w("lic|lic_url");
	d.fields[ENTRY_FIELD_KEY] = w("id");
	d.fields[ENTRY_FIELD_OWNER_NAME] = w("flag");
	d.fields[ENTRY_FIELD_PHOTO_ID] = w("pid");
	d.fields[ENTRY_FIELD_PATH] = w("p.q");
	d.fields[ENTRY_FIELD_PAGE_URL] = w("u");
	d.fields[ENTRY_FIELD_URL] = w("u");
	g = parse(&format_json, &d, doc);
	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_entries, 2);
	if (g->n_entries != 2)
		return;
	/* An empty string counts as absent, so the alternative is taken. */
	CHECK_STR(FIELD(g, 0, LICENSE),
		  "https://creativecommons.org/licenses/by/2.0/");
	CHECK_STR(FIELD(g, 0, KEY), "-12.5e3");
	CHECK_STR(FIELD(g, 0, OWNER_NAME), "");
	CHECK_STR(FIELD(g, 0, PHOTO_ID), "");
	CHECK_STR(FIELD(g, 0, PATH), "1");
	/* Two fields from one path; a repeated key keeps the first. */
	CHECK_STR(FIELD(g, 0, PAGE_URL),
		  "https://www.flickr.com/photos/janedoe/5/");
	CHECK_STR(FIELD(g, 0, URL), "https://www.flickr.com/photos/janedoe/5/");
	CHECK_U64(g->entries[0].photo_id, 5);
	CHECK_STR(FIELD(g, 1, LICENSE), "CC0");
	CHECK_STR(FIELD(g, 1, PATH), "");
	CHECK_STR(FIELD(g, 1, PHOTO_ID), "42");
	CHECK_U64(g->entries[1].photo_id, 42);
}

/* ---- json: broken input ----------------------------------------------- */

TEST(json_records_missing_or_misplaced)
{
	struct format_options d = coco_dataset();
	const struct got *g;

	/* Known only at the end, so at no line (0). */
	g = parse(&format_json, &d, "{\"info\": {\"images\": []}}\n\n");
	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_reports, 1);
	check_report(g, 0, 0, true, "records 'images[]' not found");

	/* The others name the line where the misplaced value starts. */
	g = parse(&format_json, &d, "{\n\"images\":\n\n {\"0\": {\"id\": 1}}}");
	CHECK_INT(g->r, -EBADMSG);
	check_report(g, 0, 4, true, "'images' is not an array");

	g = parse(&format_json, &d, "[{\"id\": 1}]");
	CHECK_INT(g->r, -EBADMSG);
	check_report(g, 0, 1, true, "top level is not an object");

	d.records = w("data.items[]");
	g = parse(&format_json, &d, "{\"data\": [{\"id\": 1}]}");
	CHECK_INT(g->r, -EBADMSG);
	check_report(g, 0, 1, true, "'data' is not an object");

	d.records = w("[]");
	g = parse(&format_json, &d, "\n\r\n{\"id\": 1}");
	CHECK_INT(g->r, -EBADMSG);
	check_report(g, 0, 3, true, "top level is not an array");

	d.records = NULL;
	g = parse(&format_json, &d, "\n  \"just a string\"");
	CHECK_INT(g->r, -EBADMSG);
	check_report(g, 0, 2, true, "top level is not an object");
	CHECK_INT(g->n_entries, 0);
}

TEST(json_syntax_errors)
{
	static const char junk[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	struct format_options d = coco_dataset();
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	const struct got *g;

	g = parse_limited(&format_json, &d, &limits, junk, sizeof(junk) - 1, 0);
	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_reports, 1);
	check_report(g, 0, 1, true,
		     "invalid JSON near byte 0: lexical error: invalid char "
		     "in json text");

	g = parse(&format_json, &d, "");
	CHECK_INT(g->r, -EBADMSG);
	check_report(g, 0, 1, true,
		     "invalid JSON near byte 0: parse error: premature EOF");

	g = parse(&format_json, &d,
		  "{\"images\": [{\"id\": 1},\n {\"id\": 2,}]}");
	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 1);
	check_report(g, 0, 2, true,
		     "invalid JSON near byte 32: parse error: invalid object "
		     "key (must be a string)");

	/* The line is that of the byte the message names, here the newline
	 * after the last good token: line 3, not the next key's line 4. */
	g = parse(
		&format_json, &d,
		"{\"images\": [\n {\"id\": 1},\n {\"id\": 2\n  \"u\": 3}\n]}");
	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 1);
	check_report(g, 0, 3, true,
		     "invalid JSON near byte 34: parse error: after key and "
		     "value, inside map, I expect ',' or '}'");

	g = parse(&format_json, &d, "{\"images\": [{\"id\": 1}]}\n\n x");
	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 1);
	check_report(
		g, 0, 1, true,
		"invalid JSON near byte 23: parse error: trailing garbage");

	/* Invalid UTF-8 is refused even where nothing is read. */
	g = parse(&format_json, &d,
		  "{\n\"info\": \"caf\xe9\", \"images\": [{\"id\": 1}]}");
	CHECK_INT(g->r, -EBADMSG);
	CHECK_INT(g->n_entries, 0);
	check_report(g, 0, 2, true,
		     "invalid JSON near byte 8: lexical error: invalid bytes "
		     "in UTF8 string");
}

TEST(json_caps)
{
	struct format_options d = coco_dataset();
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	char doc[512], why[128];
	const struct got *g;
	size_t n;

	/* 100 nested arrays inside a record, 64 allowed. */
	n = (size_t)snprintf(doc, sizeof(doc),
			     "{\"images\": [\n{\"id\": 1, "
			     "\"deep\": ");
	memset(doc + n, '[', 100);
	memset(doc + n + 100, ']', 100);
	snprintf(doc + n + 200, sizeof(doc) - n - 200, "}]}");
	g = parse(&format_json, &d, doc);
	CHECK_INT(g->r, -E2BIG);
	CHECK_INT(g->n_entries, 0);
	/* Levels: the top object, the array, the record, then 61 more. */
	snprintf(why, sizeof(why),
		 "JSON nested deeper than 64 levels at "
		 "byte %zu",
		 n + 61);
	check_report(g, 0, 2, true, why);

	/* A string over max_record outside the records: the line of the byte
	 * named, after the key, not the string's. */
	limits.max_record = 64;
	n = (size_t)snprintf(doc, sizeof(doc), "{\n\"info\":\n \"");
	memset(doc + n, 'x', 100);
	snprintf(doc + n + 100, sizeof(doc) - n - 100,
		 "\", \"images\": [{\"id\": 1}]}");
	g = parse_limited(&format_json, &d, &limits, doc, strlen(doc), 0);
	CHECK_INT(g->r, -E2BIG);
	check_report(g, 0, 2, true,
		     "JSON token longer than 64 bytes near byte 8");

	/* A record over max_record, made of short tokens on many lines: the
	 * line it starts on. */
	n = (size_t)snprintf(
		doc, sizeof(doc),
		"{\"images\": [{\"id\": 1},\n {\"id\": 2, \"a\": [");
	for (; n < 200; n += 3)
		memcpy(doc + n, "0,\n", 3);
	snprintf(doc + n, sizeof(doc) - n, "0]}]}");
	g = parse_limited(&format_json, &d, &limits, doc, strlen(doc), 0);
	CHECK_INT(g->r, -E2BIG);
	CHECK_INT(g->n_entries, 1);
	check_report(g, 0, 2, true, "record longer than 64 bytes");
}

/* The byte that makes a record longer than max_record is the last one yajl
 * reads (format_json.c): it decides between -EBADMSG and -E2BIG, the same
 * way however the input is cut. */
TEST(json_cap_or_syntax_error)
{
	struct format_options d = {.records = w("[]")};
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	char doc[128];
	const struct got *g;
	size_t n;

	d.fields[ENTRY_FIELD_URL] = w("u");
	limits.max_record = 32;
	/* The record starts at byte 1 and its 33rd byte, at 33, is the '2'
	 * of a number yajl cannot end before byte 34: too long. */
	n = (size_t)snprintf(doc, sizeof(doc), "[{\"u\": \"");
	memset(doc + n, 'a', 22);
	n += 22;
	memcpy(doc + n, "\", 2x", 5);
	n += 5;
	CHECK_INT(n, 35);
	g = parse_limited(&format_json, &d, &limits, doc, n, 0);
	CHECK_INT(g->r, -E2BIG);
	check_report(g, 0, 1, true, "record longer than 32 bytes");

	/* A 33rd byte that is no JSON at all is the syntax error. */
	doc[33] = 'x';
	g = parse_limited(&format_json, &d, &limits, doc, n, 0);
	CHECK_INT(g->r, -EBADMSG);
	check_report(g, 0, 1, true,
		     "invalid JSON near byte 31: lexical error: invalid char "
		     "in json text");

	/* A record of exactly 32 bytes, from 1 through 32, is whole. */
	memcpy(doc + 30, "a\"}]", 4);
	g = parse_limited(&format_json, &d, &limits, doc, 34, 0);
	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_entries, 1);
	CHECK_INT(g->n_reports, 0);
}

TEST(json_bad_options)
{
	static const char *const records[] = {
		"a..b[]", ".a[]", "a.[]", "a[]b", "images[][]", "a[0]",
	};
	static const char *const fields[] = {
		"", "a..b", ".a", "a.", "a|", "|a", "a||b",
	};
	struct format_sink sink = {.entry = got_entry, .report = got_report};
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct format_options d = {0}, dl = {0};
	void *p = NULL;
	size_t i;

	d.fields[ENTRY_FIELD_URL] = w("u");
	for (i = 0; i < ELEMENTSOF(records); i++) {
		d.records = w(records[i]);
		CHECK_INT(format_json.open(&d, &limits, &sink, &p), -EINVAL);
	}
	d.records = w("[]");
	for (i = 0; i < ELEMENTSOF(fields); i++) {
		d.fields[ENTRY_FIELD_URL] = w(fields[i]);
		dl.fields[ENTRY_FIELD_URL] = w(fields[i]);
		CHECK_INT(format_json.open(&d, &limits, &sink, &p), -EINVAL);
		CHECK_INT(format_jsonl.open(&dl, &limits, &sink, &p), -EINVAL);
	}
	/* Array records need a field; jsonl has no records path. */
	d.fields[ENTRY_FIELD_URL] = NULL;
	CHECK_INT(format_json.open(&d, &limits, &sink, &p), -EINVAL);
	d.fields[ENTRY_FIELD_URL] = w("u");
	CHECK_INT(format_jsonl.open(&d, &limits, &sink, &p), -EINVAL);
	CHECK(p == NULL);
	CHECK(format_json.free(NULL) == NULL);
}

/* ---- jsonl ------------------------------------------------------------ */

#define JL1                                                                  \
	"{\"url\": \"https://www.flickr.com/photos/janedoe/11111111111/\", " \
	"\"user\": \"janedoe\"}\n"
#define JL3                                                             \
	"{\"url\": "                                                    \
	"\"https://www.flickr.com/photos/30302697@N00/22222222222/\", " \
	"\"user\": \"Jos\\u00e9\"}\r\n"
#define JL4  "{\"url\": broken}\n"
#define JL5  "[1, 2, 3]\n"
#define JL6  "{\"a\": 1} {\"b\": 2}\n"
#define JL7  "{\"url\": \"\xff\xfe\"}\n"
#define JL8  "42\n"
#define JL9  "{\"url\": \"x\"\n"
#define JL10 "{\"url\": \"https://flic.kr/p/2oLx2Z\"}"

TEST(jsonl_lines)
{
	static const char doc[] = JL1 "\n" JL3 JL4 JL5 JL6 JL7 JL8 JL9 JL10;
	struct format_options d = {0};
	const struct got *g;
	char why[128];

	d.fields[ENTRY_FIELD_URL] = w("url");
	d.fields[ENTRY_FIELD_OWNER_NAME] = w("user");
	g = parse(&format_jsonl, &d, doc);
	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_entries, 3);
	CHECK_INT(g->n_reports, 6);
	if (g->n_entries != 3 || g->n_reports != 6)
		return;
	CHECK_U64(g->entries[0].line, 1);
	CHECK_U64(g->entries[0].offset, 0);
	CHECK_U64(g->entries[0].length, strlen(JL1));
	CHECK_STR(g->entries[0].alias, "janedoe");
	CHECK_U64(g->entries[0].photo_id, 11111111111ULL);
	CHECK_U64(g->entries[1].line, 3);
	CHECK_U64(g->entries[1].offset, at(doc, JL3));
	CHECK_U64(g->entries[1].length, strlen(JL3));
	CHECK_STR(FIELD(g, 1, OWNER_NAME), "Jos\xc3\xa9");
	CHECK_STR(g->entries[1].nsid, "30302697@N00");
	CHECK_U64(g->entries[2].line, 10);
	CHECK_U64(g->entries[2].offset, at(doc, JL10));
	CHECK_U64(g->entries[2].length, strlen(JL10));
	CHECK_STR(FIELD(g, 2, URL), "https://flic.kr/p/2oLx2Z");

	snprintf(why, sizeof(why),
		 "invalid JSON near byte %" PRIu64 ": lexical error: invalid "
		 "char in json text",
		 at(doc, JL4) + 6);
	check_report(g, 0, 4, false, why);
	/* A report says what is wrong, not what becomes of the line. */
	check_report(g, 1, 5, false, "record is not a JSON object");
	check_report(g, 2, 6, false, "more than one JSON value on the line");
	snprintf(why, sizeof(why),
		 "invalid JSON near byte %" PRIu64 ": lexical error: invalid "
		 "bytes in UTF8 string",
		 at(doc, JL7) + 6);
	check_report(g, 3, 7, false, why);
	check_report(g, 4, 8, false, "record is not a JSON object");
	snprintf(why, sizeof(why),
		 "invalid JSON near byte %" PRIu64 ": parse error: premature "
		 "EOF",
		 at(doc, JL9) + strlen(JL9) - 1);
	check_report(g, 5, 9, false, why);
}

TEST(jsonl_caps_cost_one_line)
{
	struct format_options d = {0};
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	char doc[512], why[128];
	const struct got *g;
	size_t n;

	d.fields[ENTRY_FIELD_URL] = w("u");
	limits.max_record = 128;
	limits.max_depth = 8;
	n = (size_t)snprintf(doc, sizeof(doc), "{\"u\": \"a\"}\n{\"u\": \"");
	memset(doc + n, 'x', 200);
	n += 200;
	n += (size_t)snprintf(doc + n, sizeof(doc) - n,
			      "\"}\n{\"u\": [[[[[[[[[1]]]]]]]]]}\n{\"u\": "
			      "\"b\"}\n");
	g = parse_limited(&format_jsonl, &d, &limits, doc, n, 0);
	CHECK_INT(g->r, 0);
	CHECK_INT(g->n_entries, 2);
	CHECK_INT(g->n_reports, 2);
	check_report(g, 0, 2, false, "line longer than 128 bytes");
	snprintf(why, sizeof(why),
		 "JSON nested deeper than 8 levels at byte %" PRIu64,
		 at(doc, "[[[") + 7);
	check_report(g, 1, 3, false, why);
	if (g->n_entries == 2) {
		CHECK_U64(g->entries[1].line, 4);
		CHECK_STR(FIELD(g, 1, URL), "b");
	}

	g = parse_limited(&format_jsonl, &d, &limits, doc, n, 2);
	CHECK_INT(g->r, -ENOSPC);
	CHECK_INT(g->n_entries, 1);
}
