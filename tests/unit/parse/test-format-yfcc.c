/* test-format-yfcc.c: YFCC100M rows in both layouts, odd values, videos,
 * and broken rows, fed whole and byte by byte. */
#include "lib/macro.h"
#include "parse/format.h"
#include "test.h"

/* Real-shaped rows: 23 fields. */
#define ROW1                                                                    \
	"2999358212\t30302697@N00\tJos%C3%A9+M%C3%BCller\t2008-10-29 "          \
	"14:12:31.0\t1225314367\tCanon+EOS+400D+Digital\tDSCF0899\tA+day%0Aat+" \
	"the+beach\tbeach,sea\t\t\t\t\thttp://www.flickr.com/photos/"           \
	"30302697@N00/2999358212/\thttp://farm4.staticflickr.com/3211/"         \
	"2999358212_a1b2c3d4e5.jpg\tAttribution-NonCommercial License\thttp://" \
	"creativecommons.org/licenses/by-nc/2.0/\t3211\t4\ta1b2c3d4e5\t"        \
	"f0e1d2c3b4\tjpg\t0\n"
#define ROW_ODD_DATE                                                             \
	"53012345678\t12345678@N00\tjanedoe\t4501-01-01 00:00:00.0\t1\t\t\t\t\t" \
	"\t\t\t\thttp://www.flickr.com/photos/12345678@N00/53012345678/\t\t\t"   \
	"\t\t\t\t\tjpg\t0\n"
#define ROW_VIDEO \
	"111\t12345678@N00\tx\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tmp4\t1\n"
/* The 25-field layout: a line number, the photo id, its hash, the rest. */
#define ROW25                                                              \
	"7\t53012345679\tdeadbeefdeadbeefdeadbeefdeadbeef\t12345678@N00\t" \
	"janedoe\t4501-01-01 00:00:00.0\t1\t\t\t\t\t\t\t\t\thttp://www."   \
	"flickr.com/photos/12345678@N00/53012345679/\t\t\t\t\t\t\t\tjpg\t0\n"

struct got {
	int n, bad, fatal;
	uint64_t ids[8], lines[8], bad_lines[8];
	char nsid[8][32], name[8][64], page[8][96], why[8][96];
};

static int on_entry(void *u, const struct entry *e)
{
	struct got *g = u;

	if (g->n < 8) {
		g->ids[g->n] = e->photo_id;
		g->lines[g->n] = e->line;
		snprintf(g->nsid[g->n], 32, "%s", e->nsid);
		snprintf(g->name[g->n], 64, "%.*s",
			 (int)e->field[ENTRY_FIELD_OWNER_NAME].len,
			 e->field[ENTRY_FIELD_OWNER_NAME].s);
		snprintf(g->page[g->n], 96, "%.*s",
			 (int)e->field[ENTRY_FIELD_PAGE_URL].len,
			 e->field[ENTRY_FIELD_PAGE_URL].s);
	}
	g->n++;
	return 0;
}

static void on_report(void *u, uint64_t line, bool fatal, const char *why)
{
	struct got *g = u;

	if (g->bad < 8) {
		g->bad_lines[g->bad] = line;
		snprintf(g->why[g->bad], 96, "%s", why);
	}
	g->bad++;
	g->fatal += fatal;
}

static void parse(const char *in, size_t chunk, struct got *g)
{
	const struct format *f = format_find("yfcc100m");
	const struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	const struct format_sink sink = {on_entry, on_report, g};
	struct format_options d = {0};
	size_t i, len = strlen(in);
	void *p = NULL;

	*g = (struct got){0};
	CHECK_INT(f->open(&d, &limits, &sink, &p), 0);
	for (i = 0; i < len; i += chunk)
		CHECK_INT(f->feed(p, in + i, MIN(chunk, len - i)), 0);
	CHECK_INT(f->finish(p), 0);
	f->free(p);
}

TEST(good_rows_in_both_layouts)
{
	static const char in[] = ROW1 ROW_ODD_DATE ROW_VIDEO ROW25;
	struct got g;
	size_t chunk;

	CHECK(format_find("yfcc100m")->photo_keyed);
	for (chunk = 1; chunk <= sizeof(in); chunk += chunk < 4 ? 1 : 97) {
		parse(in, chunk, &g);
		CHECK_INT(g.n, 3);
		CHECK_INT(g.bad, 0);
		CHECK_U64(g.ids[0], 2999358212ULL);
		CHECK_STR(g.nsid[0], "30302697@N00");
		CHECK_STR(g.name[0], "Jos\xc3\xa9 M\xc3\xbcller");
		CHECK_STR(
			g.page[0],
			"http://www.flickr.com/photos/30302697@N00/2999358212/");
		CHECK_U64(g.ids[1], 53012345678ULL);
		CHECK_U64(g.lines[1], 2);
		/* Line 3 is a video, skipped; line 4 is the 25-field row. */
		CHECK_U64(g.ids[2], 53012345679ULL);
		CHECK_U64(g.lines[2], 4);
		CHECK_STR(g.name[2], "janedoe");
	}
}

TEST(broken_rows_are_reported_and_skipped)
{
	static const char in[] =
		"just some text\n"
		"abc\t30302697@N00\tx\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t0\n"
		"18446744073709551616\t30302697@N00\tx\t\t\t\t\t\t\t\t\t\t\t\t\t"
		"\t\t\t\t\t\t\t0\n"
		"5\tnobody\tx\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t0\n"
		"\x01\x02\x03\xff\xfe\n" ROW1
		"1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\t14\t15\t16\t17\t18\t"
		"19\t20\t21\t22\t23\t24\t25\t26\n";
	struct got g;

	parse(in, 7, &g);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.bad, 6);
	CHECK_INT(g.fatal, 0);
	CHECK_U64(g.bad_lines[0], 1);
	CHECK_STR(g.why[0], "1 fields, expected 23 or 25");
	CHECK_STR(g.why[1], "photo id is not a number");
	CHECK_STR(g.why[2], "photo id is not a number");
	CHECK_STR(g.why[3], "owner is not an NSID");
	CHECK_U64(g.bad_lines[4], 5);
	CHECK_U64(g.lines[0], 6);
	CHECK_STR(g.why[5], "more than 25 fields, expected 23 or 25");
}

/* The fields split the same wherever the tabs fall in the search's
 * 32-byte steps, and a line's tab count decides its fate at every count
 * and place: 23 or 25 fields are read, 26 and more are too many. */
TEST(fields_split_exactly_at_every_alignment)
{
	static const char tail[] = "\t2008-10-29 14:12:31.0\t1225314367\t\t\t"
				   "\t\t\t\t\t\thttp://www.flickr.com/photos/"
				   "30302697@N00/2999358212/\t\t\t\t\t\t\t\t"
				   "jpg\t0\n";
	char line[512], want[128], why[96];
	struct got g;
	int pad, tabs;

	for (pad = 0; pad <= 48; pad++) {
		snprintf(
			line, sizeof(line),
			"2999358212\t30302697@N00\tJos%%C3%%A9%.*s%s", pad,
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			tail);
		parse(line, sizeof(line), &g);
		CHECK_INT(g.n, 1);
		CHECK_INT(g.bad, 0);
		CHECK_U64(g.ids[0], 2999358212ULL);
		CHECK_STR(g.nsid[0], "30302697@N00");
		snprintf(
			want, sizeof(want), "Jos\xc3\xa9%.*s", pad,
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		CHECK_STR(g.name[0], want);
		CHECK_STR(g.page[0],
			  "http://www.flickr.com/photos/30302697@N00/"
			  "2999358212/");
	}
	for (pad = 0; pad <= 40; pad += 3)
		for (tabs = 20; tabs <= 70; tabs++) {
			snprintf(
				line, sizeof(line), "%.*s%.*sx\n", pad,
				"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
				tabs,
				"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
				"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
				"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t");
			parse(line, sizeof(line), &g);
			CHECK_INT(g.n, 0);
			CHECK_INT(g.bad, 1);
			if (tabs == 22 || tabs == 24)
				snprintf(why, sizeof(why),
					 "photo id is not a number");
			else if (tabs > 24)
				snprintf(why, sizeof(why),
					 "more than 25 fields, expected 23 "
					 "or 25");
			else
				snprintf(why, sizeof(why),
					 "%d fields, expected 23 or 25",
					 tabs + 1);
			if (strcmp(g.why[0], why) != 0)
				TEST_FAIL("pad %d, %d tabs: '%s', not '%s'",
					  pad, tabs, g.why[0], why);
		}
}

TEST(a_10mb_line_is_skipped)
{
	size_t big = 10u << 20;
	char *in = malloc(big + sizeof(ROW1) + 2);
	struct got g;

	memset(in, 'x', big);
	in[big] = '\n';
	memcpy(in + big + 1, ROW1, sizeof(ROW1));
	parse(in, 65536, &g);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.bad, 1);
	CHECK_STR(g.why[0], "line too long");
	CHECK_U64(g.lines[0], 2);
	free(in);
}

TEST(truncated_last_row_still_parses_when_whole)
{
	static const char in[] = ROW1 "2999358213\t30302697@N00";
	struct got g;

	parse(in, 1000, &g);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.bad, 1);
	CHECK_U64(g.bad_lines[0], 2);
}
