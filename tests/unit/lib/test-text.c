/*
 * test-text.c: UTF-8 checks, cutting a cut sequence off, quoting for
 * JSON, CSV and HTML, and escaping text for terminals and logs.
 */
#include <errno.h>
#include <stdint.h>

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

static const char *escaped(const char *in)
{
	static char out[256];
	struct buf b;

	buf_init(&b, sizeof(out) - 1);
	(void)text_puts(&b, in);
	snprintf(out, sizeof(out), "%s", b.data);
	buf_free(&b);
	return out;
}

/* Text from a manifest or a server is shown to people escaped (issue 14,
 * item 19): no control or bidirectional character reaches a terminal. */
TEST(escape_shows_controls_and_bidi_characters)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"Jane Doe", "Jane Doe"},
		{"J\xc3\xbcrgen \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x93\xb7",
		 "J\xc3\xbcrgen \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x93\xb7"},
		{"C:\\dir\\x1b", "C:\\dir\\x1b"}, /* backslashes stay */
		{"\x1b]0;title\x07", "\\x1b]0;title\\x07"},
		{"a\r\nadded photo 1 by x", "a\\r\\nadded photo 1 by x"},
		{"tab\there", "tab\\there"},
		{"del\x7f", "del\\x7f"},
		{"nel\xc2\x85 csi\xc2\x9b", "nel\\u0085 csi\\u009b"},
		{"\xc2\xa0nbsp", "\xc2\xa0nbsp"}, /* U+00A0 prints */
		{"evil\xe2\x80\xaegpj.exe", "evil\\u202egpj.exe"},
		{"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
		 "\\u202a\\u202b\\u202c\\u202d"},
		{"\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
		 "\\u2066\\u2067\\u2068\\u2069"},
		{"\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c"},
		{"line\xe2\x80\xa8para\xe2\x80\xa9", "line\\u2028para\\u2029"},
		{"\xe2\x80\x94 dash", "\xe2\x80\x94 dash"},
		{"bad \xff\xfe!", "bad \\xff\\xfe!"},
		{"cut \xe2\x80", "cut \\xe2\\x80"},
		{"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
		{"", ""},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(escaped(cases[i].in), cases[i].out);
}

TEST(escape_to_cuts_at_a_whole_piece)
{
	char out[8];

	text_escape_to(out, sizeof(out), "abc\x1b");
	CHECK_STR(out, "abc\\x1b");
	text_escape_to(out, sizeof(out), "abcd\x1b");
	CHECK_STR(out, "abcd"); /* "\x1b" does not fit whole */
	text_escape_to(out, sizeof(out), "ab\xe2\x80\x94\xe2\x80\x94");
	CHECK_STR(out, "ab\xe2\x80\x94"); /* nor a second dash */
	text_escape_to(out, 1, "x");
	CHECK_STR(out, "");
}

TEST(printf_escapes_the_arguments_not_the_format)
{
	struct buf b;
	int n = 42;

	buf_init(&b, 4096);
	CHECK_INT(text_printf(&b, "%-6s|%6s|%.3s|%c\n", "a\nb", "x", "\x1b[31m",
			      '\r'),
		  0);
	CHECK_STR(b.data, "a\\nb  |     x|\\x1b[3|\\r\n"); /* 3 bytes */
	buf_reset(&b);
	CHECK_INT(text_printf(&b,
			      "%d %5lld %-4u| %zu %llu %x %05.1f %% %*s|%.*s",
			      -3, (long long)12, 7u, (size_t)9,
			      (unsigned long long)UINT64_MAX, 255u, 2.25, 3,
			      "\t", 2, "abc"),
		  0);
	CHECK_STR(b.data,
		  "-3    12 7   | 9 18446744073709551615 ff 002.2 %  \\t|ab");
	buf_reset(&b);
	errno = ENOENT;
	CHECK_INT(text_printf(&b, "%s: %m (%d)", "f", n), 0);
	CHECK_STR(b.data, "f: No such file or directory (42)");
	CHECK_INT(errno, ENOENT);
	buf_reset(&b);
	{
		const char *volatile none = NULL; /* as a caller's bug */

		CHECK_INT(text_printf(&b, "%.6s", none), 0);
		CHECK_STR(b.data, "(null)");
	}
	buf_free(&b);
	buf_init(&b, 4);
	CHECK_INT(text_printf(&b, "%s", "\x1b"), 0);
	CHECK_INT(text_printf(&b, "%s", "x"), -E2BIG);
	CHECK_STR(b.data, "\\x1b");
	buf_free(&b);
}

TEST(json_escapes_what_a_terminal_would_act_on)
{
	struct buf b;

	buf_init(&b, 1024);
	(void)text_json_string(&b, "\x1b]0;t\x07 \xc2\x85 \xe2\x80\xae "
				   "\xe2\x80\xa8 J\xc3\xbcrgen \xe2\x80\x94");
	CHECK_STR(b.data, "\"\\u001b]0;t\\u0007 \\u0085 \\u202e \\u2028 "
			  "J\xc3\xbcrgen \xe2\x80\x94\"");
	buf_reset(&b);
	(void)text_json_string(&b, "a\xff"
				   "b");
	CHECK_STR(b.data, "\"a\\ufffdb\"");
	buf_free(&b);
}
