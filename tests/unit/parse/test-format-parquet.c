/* test-format-parquet.c: Parquet pages and files made by hand, byte by
 * byte from the specification, for what DuckDB's files in
 * tests/cli/parquet.sh do not hold: DELTA_BYTE_ARRAY, a column chunk that
 * gives up its dictionary part-way, nulls among integers, and the errors
 * of a file that is not Parquet or is cut short. */
#include <errno.h>

#include "test.h"
#include "testutil.h"
#include "formattest.h"
#include "parse/parquet_meta.h"
#include "parse/parquet_page.h"

extern const struct format format_parquet;

/* Value i of v as a C string (static). */
static const char *value(const struct parquet_values *v, size_t i)
{
	static char text[256];
	struct entry_text t = parquet_values_get(v, i);

	snprintf(text, sizeof(text), "%.*s", (int)t.len, t.s);
	return text;
}

TEST(delta_byte_array_joins_prefixes_and_suffixes)
{
	/* "apple", "applesauce", "apply": prefixes 0 5 4, suffixes "apple"
	 * "sauce" "y" (lengths 5 5 1), each as DELTA_BINARY_PACKED: block
	 * 128, 4 miniblocks, 3 values, the first, then the minimum delta
	 * and 3-bit miniblocks of 32 values (12 bytes). */
	static const uint8_t page[] = {
		0x80, 0x01, 0x04, 0x03, 0x00, 0x01, 0x03, 0x00,
		0x00, 0x00, 0x06, 0,	0,    0,    0,	  0,
		0,    0,    0,	  0,	0,    0, /* prefixes */
		0x80, 0x01, 0x04, 0x03, 0x0a, 0x07, 0x03, 0x00,
		0x00, 0x00, 0x04, 0,	0,    0,    0,	  0,
		0,    0,    0,	  0,	0,    0, /* lengths */
		'a',  'p',  'p',  'l',	'e',  's',  'a',  'u',
		'c',  'e',  'y'};
	struct parquet_page pg = {.num_values = 3,
				  .encoding = PARQUET_DELTA_BYTE_ARRAY,
				  .values = page,
				  .values_len = sizeof(page)};
	struct parquet_decoder d;
	struct parquet_values v;
	char err[256];

	parquet_decoder_init(&d, PARQUET_BYTE_ARRAY, 0, false, 0, 1024);
	parquet_values_init(&v, 1 << 20);
	CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)), 0);
	CHECK_U64(v.n, 3);
	CHECK_STR(value(&v, 0), "apple");
	CHECK_STR(value(&v, 1), "applesauce");
	CHECK_STR(value(&v, 2), "apply");
	/* A prefix longer than the value before it is corrupt. */
	pg.values_len = sizeof(page);
	{
		uint8_t bad[sizeof(page)];

		memcpy(bad, page, sizeof(page));
		bad[10] = 0x07; /* second prefix 0 + (-1 + 7) = 6 > 5 */
		pg.values = bad;
		CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)),
			  -EBADMSG);
		CHECK_STR(err, "the page's values are corrupt");
	}
	parquet_values_free(&v);
	parquet_decoder_free(&d);
}

TEST(a_chunk_gives_up_its_dictionary_part_way)
{
	static const uint8_t dict[] = {1, 0, 0, 0, 'a', 2, 0, 0, 0, 'b', 'b'};
	/* Bit width 1, one bit-packed group of 8: indexes 1 0 1. */
	static const uint8_t indexed[] = {0x01, 0x03, 0x05};
	static const uint8_t plain[] = {3, 0, 0, 0, 'c', 'c', 'c'};
	static const uint8_t out_of_range[] = {0x02, 0x02, 0x02};
	struct parquet_page pg = {.num_values = 3,
				  .encoding = PARQUET_RLE_DICTIONARY,
				  .values = indexed,
				  .values_len = sizeof(indexed)};
	struct parquet_decoder d;
	struct parquet_values v;
	char err[256];

	parquet_decoder_init(&d, PARQUET_BYTE_ARRAY, 0, false, 0, 1024);
	parquet_values_init(&v, 1 << 20);
	CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)),
		  -EBADMSG); /* no dictionary yet */
	parquet_values_reset(&v);
	CHECK_INT(parquet_decoder_dictionary(&d, 2, dict, sizeof(dict), err,
					     sizeof(err)),
		  0);
	CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)), 0);
	pg = (struct parquet_page){.num_values = 1,
				   .encoding = PARQUET_PLAIN,
				   .values = plain,
				   .values_len = sizeof(plain)};
	CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)), 0);
	CHECK_U64(v.n, 4);
	CHECK_STR(value(&v, 0), "bb");
	CHECK_STR(value(&v, 1), "a");
	CHECK_STR(value(&v, 2), "bb");
	CHECK_STR(value(&v, 3), "ccc");
	/* An RLE run of index 2 in a dictionary of 2. */
	pg = (struct parquet_page){.num_values = 1,
				   .encoding = PARQUET_PLAIN_DICTIONARY,
				   .values = out_of_range,
				   .values_len = sizeof(out_of_range)};
	CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)),
		  -EBADMSG);
	pg.encoding = PARQUET_BYTE_STREAM_SPLIT;
	CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)),
		  -ENOTSUP);
	parquet_values_free(&v);
	parquet_decoder_free(&d);
}

TEST(nulls_sit_between_integers)
{
	/* Levels 1 0 1 1 (one bit-packed group), then -7, 42 and
	 * 4294967295 as PLAIN INT32 (the last one unsigned). */
	static const uint8_t levels[] = {0x03, 0x0d};
	static const uint8_t plain[] = {0xf9, 0xff, 0xff, 0xff, 42,   0,
					0,    0,    0xff, 0xff, 0xff, 0xff};
	struct parquet_page pg = {.num_values = 4,
				  .encoding = PARQUET_PLAIN,
				  .levels = levels,
				  .levels_len = sizeof(levels),
				  .values = plain,
				  .values_len = sizeof(plain)};
	struct parquet_decoder d;
	struct parquet_values v;
	char err[256];

	parquet_decoder_init(&d, PARQUET_INT32, 0, false, 1, 1024);
	parquet_values_init(&v, 1 << 20);
	CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)), 0);
	CHECK_U64(v.n, 4);
	CHECK_STR(value(&v, 0), "-7");
	CHECK_STR(value(&v, 1), "");
	CHECK_STR(value(&v, 2), "42");
	CHECK_STR(value(&v, 3), "-1");
	parquet_decoder_free(&d);
	parquet_decoder_init(&d, PARQUET_INT32, 0, true, 1, 1024);
	parquet_values_reset(&v);
	CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)), 0);
	CHECK_STR(value(&v, 3), "4294967295");
	/* Fewer values than the levels say. */
	pg.values_len = 8;
	CHECK_INT(parquet_decoder_page(&d, &pg, &v, err, sizeof(err)),
		  -EBADMSG);
	parquet_values_free(&v);
	parquet_decoder_free(&d);
}

/* Reads the len bytes of data as a file through the format. */
static int read_bytes(const void *data, size_t len, struct got *g)
{
	const struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct format_sink sink = {got_entry, got_report, g};
	struct format_options o = {0};
	char path[4096];
	void *p = NULL;
	FILE *f;
	int r;

	o.fields[ENTRY_FIELD_URL] = (char *)"URL";
	snprintf(path, sizeof(path), "%s/f.parquet", test_tmpdir());
	f = fopen(path, "wb");
	CHECK(f && fwrite(data, 1, len, f) == len);
	if (f)
		fclose(f);
	*g = (struct got){0};
	CHECK_INT(format_parquet.open(&o, &limits, &sink, &p), 0);
	r = format_parquet.read_file(p, path);
	format_parquet.free(p);
	return r;
}

TEST(files_that_are_not_parquet_are_refused)
{
	/* The smallest file: PAR1, a footer of one byte (STOP), its length,
	 * PAR1: no schema. */
	static const uint8_t empty[] = {'P', 'A', 'R', '1', 0,	 1,  0,
					0,   0,	  'P', 'A', 'R', '1'};
	uint8_t bad[sizeof(empty)];
	struct got g;

	CHECK_INT(read_bytes(empty, sizeof(empty), &g), -EBADMSG);
	CHECK_STR(g.reports[0].why,
		  "the footer is corrupt: the metadata has no schema");
	CHECK(g.reports[0].fatal);
	memcpy(bad, empty, sizeof(bad));
	bad[0] = 'X';
	CHECK_INT(read_bytes(bad, sizeof(bad), &g), -EBADMSG);
	CHECK(strstr(g.reports[0].why, "the file is not Parquet"));
	CHECK_INT(read_bytes(empty, 8, &g), -EBADMSG);
	CHECK(strstr(g.reports[0].why, "too short to be Parquet (8 bytes)"));
	memcpy(bad, empty, sizeof(bad));
	bad[5] = 2;
	CHECK_INT(read_bytes(bad, sizeof(bad), &g), -EBADMSG);
	CHECK(strstr(g.reports[0].why, "the footer length 2 is out of range "
				       "(the file has 13 bytes)"));
}
