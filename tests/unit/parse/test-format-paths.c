/*
 * test-format-paths.c: the path-list adapter on MegaFace, DiveFace and URL
 * lists, and on broken ones.  Each case is fed whole, in 1-byte chunks and
 * in random chunks (each chunk in its own allocation, so reading past it
 * trips ASan), and must give the same entries and reports each time.  The
 * sink writes everything it gets as text: "E<line>@<offset>+<length>
 * id=.. nsid=.. <field>=..." per entry, "R<line>[!] <why>" per report and
 * "-> <errno>" when the parse fails.
 */
#include <errno.h>
#include <stdbool.h>

#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/format.h"
#include "test.h"

extern const struct format format_paths;

/* ---- the recording sink -------------------------------------------------- */

#include "sinklog.h"

/* Runs a parse and returns what the sink saw (malloc'ed). */
static char *run(const char *in, size_t len, size_t max_record, int mode,
		 size_t stop_after)
{
	struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct sink_log log = {.stop_after = stop_after};
	struct format_sink sink = {log_entry, log_report, &log};
	struct format_options d = {.header = true};
	uint64_t rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(mode + 1);
	void *p = NULL;
	size_t off = 0, n;
	int r;

	buf_init(&log.out, 1 << 24);
	if (max_record)
		limits.max_record = max_record;
	r = format_paths.open(&d, &limits, &sink, &p);
	for (; r == 0 && off < len; off += n) {
		char *chunk;

		n = chunk_size(mode, &rng, len - off);
		chunk = xmalloc(n);
		memcpy(chunk, in + off, n);
		r = format_paths.feed(p, chunk, n);
		free(chunk);
	}
	if (r == 0)
		r = format_paths.finish(p);
	if (r < 0)
		buf_printf(&log.out, "-> %d\n", r);
	format_paths.free(p);
	return buf_steal(&log.out);
}

/* ---- the cases ------------------------------------------------------------ */

#define IN(s) .in = s, .len = sizeof(s) - 1

struct table_case {
	const char *name;
	const char *in;
	size_t len;
	size_t max_record; /* 0: the default */
	const char *expect;
};

static const struct table_case cases[] = {
	{
		.name = "megaface",
		IN("FlickrFinal2/123/12345678@N00/2292393487_1.jpg\n"
		   "/srv/megaface/FlickrFinal2/479/47918374@N03/"
		   "8342190127_0.jpg\n"
		   "FlickrFinal2/999/12345678@N00/2292393487_1.jpg\n"),
		.expect =
			"E1@0+47 id=2292393487 nsid=12345678@N00 path=FlickrFinal2/123/12345678@N00/2292393487_1.jpg\n"
			"E2@47+61 id=8342190127 nsid=47918374@N03 path=/srv/megaface/FlickrFinal2/479/47918374@N03/8342190127_0.jpg\n"
			"E3@108+47 path=FlickrFinal2/999/12345678@N00/2292393487_1.jpg\n",
	},
	{
		.name = "diveface",
		IN("12345678@N00_identity_3/2292393487_0.jpg\n"
		   "HA4K_120/47918374@N03_identity_12/8342190127_2.jpg\n"
		   "images/0001.jpg\n"),
		.expect =
			"E1@0+41 id=2292393487 nsid=12345678@N00 path=12345678@N00_identity_3/2292393487_0.jpg\n"
			"E2@41+51 id=8342190127 nsid=47918374@N03 path=HA4K_120/47918374@N03_identity_12/8342190127_2.jpg\n"
			"E3@92+16 path=images/0001.jpg\n",
	},
	{
		.name = "urls",
		IN("https://www.flickr.com/photos/mwichary/2179789263\n"
		   "HTTP://farm3.staticflickr.com/2076/"
		   "2292393487_dd3bd5ae9f.jpg\n"
		   "Https://www.flickr.com/photos/47108884@N07/2928264213/\n"
		   "https://example.org/x.jpg\n"
		   "ftp://example.org/y.jpg\n"
		   "http://\n"),
		.expect =
			"E1@0+50 id=2179789263 alias=mwichary url=https://www.flickr.com/photos/mwichary/2179789263\n"
			"E2@50+61 id=2292393487 url=HTTP://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg\n"
			"E3@111+55 id=2928264213 nsid=47108884@N07 url=Https://www.flickr.com/photos/47108884@N07/2928264213/\n"
			"E4@166+26 url=https://example.org/x.jpg\n"
			"E5@192+24 path=ftp://example.org/y.jpg\n"
			"E6@216+8 url=http://\n",
	},
	{
		.name = "comments_blanks_spaces_crlf",
		IN("\xEF\xBB\xBF# MegaFace, FlickrFinal2 subset\r\n"
		   "\r\n"
		   "   \t\r\n"
		   "  # an indented comment\r\n"
		   "\t FlickrFinal2/123/12345678@N00/2292393487_1.jpg  \r\n"
		   "\n"
		   "path with spaces/a b.jpg\r\n"
		   "Z\xc3\xbcrich/\xe5\x86\x99\xe7\x9c\x9f.jpg\n"
		   "12345678@N00_identity_3/2292393487_0.jpg"),
		.expect =
			"E5@69+52 id=2292393487 nsid=12345678@N00 path=FlickrFinal2/123/12345678@N00/2292393487_1.jpg\n"
			"E7@122+26 path=path with spaces/a b.jpg\n"
			"E8@148+19 path=Z\\xc3\\xbcrich/\\xe5\\x86\\x99\\xe7\\x9c\\x9f.jpg\n"
			"E9@167+40 id=2292393487 nsid=12345678@N00 path=12345678@N00_identity_3/2292393487_0.jpg\n",
	},
	{
		.name = "bom_then_path",
		IN("\xEF\xBB\xBF"
		   "FlickrFinal2/123/12345678@N00/2292393487_1.jpg\n"),
		.expect =
			"E1@3+47 id=2292393487 nsid=12345678@N00 path=FlickrFinal2/123/12345678@N00/2292393487_1.jpg\n",
	},
	{
		.name = "too_long_line",
		IN("FlickrFinal2/123/12345678@N00/2292393487_1.jpg\n"
		   "FlickrFinal2/123/12345678@N00/2292393487_1.jpg/"
		   "and/then/some/more/directories\n"
		   "12345678@N00_identity_3/2292393487_0.jpg\n"
		   "0123456789012345678901234567890123456789012345678901234567890"
		   "12345678901234567890123456789"),
		.max_record = 64,
		.expect =
			"E1@0+47 id=2292393487 nsid=12345678@N00 path=FlickrFinal2/123/12345678@N00/2292393487_1.jpg\n"
			"R2 line longer than 64 bytes\n"
			"E3@125+41 id=2292393487 nsid=12345678@N00 path=12345678@N00_identity_3/2292393487_0.jpg\n"
			"R4 line longer than 64 bytes\n",
	},
	{
		.name = "bad_bytes",
		IN("FlickrFinal2/123/12345678@N00/2292393487_1.jpg\0\n"
		   "\0\n"
		   "a\x1b[31m.jpg\n"
		   "a\rb.jpg\n"
		   "\x89PNG\r\n"
		   "\xc0\xaf.jpg\n"
		   "caf\xc3\xa9.jpg\n"
		   "\xed\xa0\x80.jpg\n"
		   "tab\tinside.jpg\n"
		   "\xff\xd8\xff\xe0\n"
		   "12345678@N00_identity_3/2292393487_0.jpg\n"),
		.expect =
			"R1 NUL byte in line\n"
			"R2 NUL byte in line\n"
			"R3 control character in line\n"
			"R4 control character in line\n"
			"R5 invalid UTF-8 in line\n"
			"R6 invalid UTF-8 in line\n"
			"E7@82+10 path=caf\\xc3\\xa9.jpg\n"
			"R8 invalid UTF-8 in line\n"
			"E9@100+15 path=tab\\tinside.jpg\n"
			"R10 invalid UTF-8 in line\n"
			"E11@120+41 id=2292393487 nsid=12345678@N00 path=12345678@N00_identity_3/2292393487_0.jpg\n",
	},
};

TEST(table)
{
	size_t i;
	int mode;

	for (i = 0; i < ELEMENTSOF(cases); i++) {
		const struct table_case *t = &cases[i];

		for (mode = MODE_WHOLE; mode < MODE_END; mode++) {
			char *got = run(t->in, t->len, t->max_record, mode, 0);

			if (strcmp(got, t->expect) != 0) {
				TEST_FAIL("case %s, mode %d: got\n%s-- "
					  "expected\n%s--",
					  t->name, mode, got, t->expect);
				mode = MODE_END;
			}
			free(got);
		}
	}
}

TEST(sink_error_stops_the_parse)
{
	static const char in[] = "a.jpg\nb.jpg\nc.jpg\n";
	int mode;

	for (mode = MODE_WHOLE; mode < MODE_END; mode++) {
		char *got = run(in, sizeof(in) - 1, 0, mode, 2);

		CHECK_STR(got, "E1@0+6 path=a.jpg\nE2@6+6 path=b.jpg\n"
			       "-> -125\n");
		free(got);
	}
}

TEST(random_junk)
{
	static const char special[] = "\n\n# \t\r\0";
	uint64_t rng = 7;
	size_t len = 128 * 1024, i;
	char *in = xmalloc(len), *whole;
	int mode;

	for (i = 0; i < len; i++) {
		uint64_t x = rng_next(&rng);

		in[i] = x % 4 == 0 ? special[(x >> 8) % 7] : (char)(x >> 16);
	}
	whole = run(in, len, 100, MODE_WHOLE, 0);
	CHECK(strstr(whole, "R") != NULL);
	for (mode = MODE_BYTES; mode < MODE_END; mode++) {
		char *got = run(in, len, 100, mode, 0);

		if (strcmp(got, whole) != 0)
			TEST_FAIL("mode %d differs", mode);
		free(got);
	}
	free(whole);
	free(in);
}

TEST(format_table_row)
{
	CHECK_STR(format_paths.name, "paths");
	CHECK(!format_paths.photo_keyed);
	CHECK(format_paths.free(NULL) == NULL);
}
