/*
 * test-html.c: the page in place of a file (fetch/html.h): Content-Types
 * and first bytes that tell a page from a file, titles (references,
 * white space, a cut, decoys in scripts and comments), and forms read
 * from pages shaped like Google Drive's, with the URLs they submit to.
 */
#include <errno.h>

#include "fetch/html.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "test.h"

TEST(type)
{
	static const struct {
		const char *type;
		bool html;
	} cases[] = {
		{"text/html; charset=utf-8", true},
		{"TEXT/HTML", true},
		{" text/html", true},
		{"application/xhtml+xml", true},
		{"text/htmlx", false},
		{"application/octet-stream", false},
		{"application/json", false},
		{"", false},
	};
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++)
		if (html_type(cases[i].type) != cases[i].html)
			TEST_FAIL("html_type(\"%s\") != %d", cases[i].type,
				  cases[i].html);
	CHECK(!html_type(NULL));
}

TEST(sniff)
{
	static const struct {
		const char *head;
		bool complete;
		int want;
	} cases[] = {
		{"<!DOCTYPE html><html>", false, 1},
		{"  \r\n\t<HTML lang=\"en\">", false, 1},
		{"<!doctype HTML>", true, 1},
		{"\xef\xbb\xbf<html>", false, 1},
		{"<!doc", false, -EAGAIN},
		{"<!doc", true, 0},
		{"<htm", false, -EAGAIN},
		{"   ", false, -EAGAIN},
		{"   ", true, 0},
		{"", false, -EAGAIN},
		{"", true, 0},
		{"\xef\xbb", false, -EAGAIN},
		{"{\"photos\": []}", false, 0},
		{"<?xml version=\"1.0\"?>", false, 0},
		{"<h1>", false, 0},
		{"PK\x03\x04", false, 0},
	};
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++) {
		int r = html_sniff(cases[i].head, strlen(cases[i].head),
				   cases[i].complete);

		if (r != cases[i].want)
			TEST_FAIL("html_sniff(\"%s\", %d) == %d, expected %d",
				  cases[i].head, cases[i].complete, r,
				  cases[i].want);
	}
}

TEST(title)
{
	static const struct {
		const char *page, *want;
	} cases[] = {
		{"<html><head><title>Google Drive - Virus scan warning</title>",
		 "Google Drive - Virus scan warning"},
		{"<TITLE lang=en>\n  A &amp; B&#39;s  &lt;x&gt; &quot;y&quot;"
		 "&#x41;&apos;\n</TITLE>",
		 "A & B's <x> \"y\"A'"},
		{"<html><body>no title</body></html>", ""},
		{"<script>var t = '<title>decoy</title>';</script>"
		 "<title>real</title>",
		 "real"},
		{"<!-- <title>decoy</title> --><title>yes</title>", "yes"},
		{"<title>left open", "left open"},
		{"<title>&bogus; &#; &#xZZ; &</title>", "&bogus; &#; &#xZZ; &"},
		{"<title>&#0;&#55296;&#1114112;</title>",
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"<title>"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\xc3\xa9"
		 "</title>",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."},
	};
	char out[HTML_TITLE_MAX + 8];
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++) {
		html_title(cases[i].page, strlen(cases[i].page), out,
			   sizeof(out));
		CHECK_STR(out, cases[i].want);
	}
}

/* Google Drive's warning page, as it is shaped, its inputs' attributes
 * in every order and quoting, with a search form and a decoy before. */
static const char warning_page[] =
	"<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning"
	"</title><style>form { display: block }</style>"
	"<script>document.write('<form action=\"https://evil.example/\">')"
	"</script></head><body>"
	"<form action=\"/search\" method=get><input type=hidden name=q "
	"value=x></form>"
	"<div class=\"uc-main\"><p class=\"uc-warning-caption\">Google Drive "
	"can't scan this file for viruses.</p>"
	"<form id=\"download-form\" ACTION='https://drive.usercontent.google."
	"com/download' method=\"get\">"
	"<input type=\"submit\" id=\"uc-download-link\" value=\"Download "
	"anyway\"/>"
	"<input type=\"hidden\" name=\"id\" value=\"16N0RV4fHI6joBuKbQAoG34V_"
	"cQk7vxSA\">"
	"<input value='download' name='export' type='hidden'>"
	"<input name=confirm TYPE=HIDDEN value=t>"
	"<input name=\"uuid\" value=\"2a5e&amp;b&#39;c d\" type=\"hidden\" />"
	"<input type=\"text\" name=\"visible\" value=\"no\">"
	"<input type=\"hidden\" value=\"nameless\">"
	"</form></div></body></html>";

TEST(forms_of_the_warning_page)
{
	struct html_form *forms = NULL;
	size_t n = html_forms(warning_page, strlen(warning_page), &forms);
	struct buf url;

	CHECK_INT(n, 2);
	if (n != 2)
		return;
	CHECK_STR(forms[0].action, "/search");
	CHECK(forms[0].get);
	CHECK_INT(forms[0].n_inputs, 1);
	CHECK_STR(forms[1].action,
		  "https://drive.usercontent.google.com/download");
	CHECK(forms[1].get);
	CHECK_INT(forms[1].n_inputs, 4);
	if (forms[1].n_inputs == 4) {
		CHECK_STR(forms[1].inputs[0].name, "id");
		CHECK_STR(forms[1].inputs[0].value,
			  "16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA");
		CHECK_STR(forms[1].inputs[1].name, "export");
		CHECK_STR(forms[1].inputs[1].value, "download");
		CHECK_STR(forms[1].inputs[2].name, "confirm");
		CHECK_STR(forms[1].inputs[2].value, "t");
		CHECK_STR(forms[1].inputs[3].name, "uuid");
		CHECK_STR(forms[1].inputs[3].value, "2a5e&b'c d");
	}
	buf_init(&url, 2047);
	CHECK_INT(html_form_url(&forms[1], &url), 0);
	CHECK_STR(url.data, "https://drive.usercontent.google.com/download"
			    "?id=16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA"
			    "&export=download&confirm=t&uuid=2a5e%26b%27c%20d");
	buf_free(&url);
	html_forms_free(forms, n);
}

TEST(forms_other_shapes)
{
	static const char page[] =
		"<input type=hidden name=outside value=1>"
		"<form method=POST action=\"https://a.example/post\">"
		"<input type=hidden name=a value=1></form>"
		"<form action=\"https://b.example/d?x=1#frag\">"
		"<input type=hidden name=\"k y\" value=\"\xc3\xa9/=&\">"
		"<input type=hidden name=empty>"
		"<form action=https://c.example/left-open>"
		"<input type=hidden name=c value=3>";
	struct html_form *forms = NULL;
	size_t n = html_forms(page, strlen(page), &forms);
	struct buf url;

	CHECK_INT(n, 3);
	if (n != 3)
		return;
	CHECK(!forms[0].get);
	CHECK_INT(forms[0].n_inputs, 1);
	CHECK(forms[1].get);
	CHECK_INT(forms[1].n_inputs, 2);
	CHECK_STR(forms[2].action, "https://c.example/left-open");
	CHECK_INT(forms[2].n_inputs, 1);
	buf_init(&url, 2047);
	CHECK_INT(html_form_url(&forms[1], &url), 0);
	CHECK_STR(url.data,
		  "https://b.example/d?x=1&k%20y=%C3%A9%2F%3D%26&empty=");
	buf_reset(&url);
	CHECK_INT(html_form_url(&forms[2], &url), 0);
	CHECK_STR(url.data, "https://c.example/left-open?c=3");
	buf_free(&url);
	buf_init(&url, 20);
	CHECK_INT(html_form_url(&forms[2], &url), -E2BIG);
	buf_free(&url);
	html_forms_free(forms, n);
}

TEST(no_forms)
{
	struct html_form *forms = (struct html_form *)1;

	CHECK_INT(html_forms("<p>text</p>", 11, &forms), 0);
	CHECK(forms == NULL);
	CHECK_INT(html_forms("", 0, &forms), 0);
	CHECK_INT(html_forms("<form", 5, &forms), 1);
	html_forms_free(forms, 1);
}
