/*
 * test-text.c: UTF-8 checks, cutting a cut sequence off, and quoting for
 * JSON, CSV and HTML.
 */
#include "lib/buf.h"
#include "lib/text.h"
#include "test.h"

static const char *trimmed(const char *in)
{
	static char s[64];

	snprintf(s, sizeof(s), "%s", in);
	text_utf8_trim(s);
	return s;
}

TEST(utf8_trim_cuts_only_a_cut_sequence)
{
	CHECK_STR(trimmed("plain"), "plain");
	CHECK_STR(trimmed(""), "");
	CHECK_STR(trimmed("M\xc3\xbcller"), "M\xc3\xbcller");
	CHECK_STR(trimmed("M\xc3"), "M");     /* ü cut after 1 of 2 */
	CHECK_STR(trimmed("a\xe2\x80"), "a"); /* — cut after 2 of 3 */
	CHECK_STR(trimmed("a\xe2\x80\x94"), "a\xe2\x80\x94");
	CHECK_STR(trimmed("a\xf0\x9f\x93"), "a"); /* 📷 cut after 3 of 4 */
	CHECK_STR(trimmed("a\xf0\x9f\x93\xb7"), "a\xf0\x9f\x93\xb7");
}

TEST(utf8_valid)
{
	CHECK(text_utf8_valid("Jos\xc3\xa9", 5));
	CHECK(!text_utf8_valid("Jos\xc3", 4));
	CHECK(!text_utf8_valid("a\0b", 3));
	CHECK(!text_utf8_valid("\xc0\xaf", 2)); /* overlong */
}

TEST(quoting)
{
	struct buf b;

	buf_init(&b, 1024);
	(void)text_html(&b, "<a href=\"x\">Tom & 'Jerry'</a>");
	(void)buf_putc(&b, '\0');
	CHECK_STR(b.data,
		  "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;"
		  "&lt;/a&gt;");
	buf_reset(&b);
	(void)text_json_string(&b, "a\"b\\c\n\x01");
	(void)buf_putc(&b, '\0');
	CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
	buf_reset(&b);
	(void)text_csv_field(&b, "a,\"b\"");
	(void)buf_putc(&b, '\0');
	CHECK_STR(b.data, "\"a,\"\"b\"\"\"");
	buf_free(&b);
}

/* Cells a spreadsheet would run as formulas stay text (issue 14, item
 * 20): a "'" before them, inside the quotes when quoted. */
TEST(csv_formulas_are_kept_as_text)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"=HYPERLINK(\"http://x\",\"y\")",
		 "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"\tx", "'\tx"},
		{"\rx", "\"'\rx\""},
		{"a=b", "a=b"},
		{"12345678@N00", "12345678@N00"},
		{"", ""},
	};
	struct buf b;
	size_t i;

	buf_init(&b, 1024);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		CHECK_INT(text_csv_field(&b, cases[i].in), 0);
		CHECK_STR(b.data, cases[i].out);
	}
	buf_free(&b);
}
