/*
 * test-mail.c: the email builder and what alert mail says.  Each built
 * message is parsed back with GMime's parser and checked header by header
 * and part by part, and its raw bytes are checked for what SMTP needs:
 * 7-bit, CRLF line ends, no line over 998 octets, and the same bytes on
 * every build.  The rendered bodies link a photo's page only when it is
 * Flickr's or the dataset's own (never a javascript:, data: or look-alike
 * URL), and operator notices read as words, not JSON.
 */
#include <errno.h>
#include <gmime/gmime.h>
#include <stddef.h>

#include "alert/mail.h"
#include "alert/mailbody.h"
#include "lib/buf.h"
#include "test.h"

#define SUBJECT "3 Fotos in FFHQ — Überblick"
#define HTML                                                                     \
	"<!doctype html>\n<html><body>\n<p>Grüße aus Köln — 3 Fotos:</p>\n" \
	"<table>\n<tr><th>Foto</th><th>Datensatz</th></tr>\n"                    \
	"<tr><td>Straße 1</td><td>FFHQ</td></tr>\n</table>\n</body></html>\n"

static char long_text[4096];

/* A body with umlauts, a line of 2,000 characters, lines that SMTP must
 * dot-stuff and one that mbox would mangle. */
static const char *text_body(void)
{
	size_t n;

	if (long_text[0])
		return long_text;
	n = (size_t)snprintf(long_text, sizeof(long_text),
			     "Hallo Jörg,\n\nwir haben 3 Fotos gefunden — "
			     "Überblick:\n.\n..zwei\nFrom here on\n");
	memset(long_text + n, 'x', 2000);
	n += 2000;
	snprintf(long_text + n, sizeof(long_text) - n, "\nEnde.  \n");
	return long_text;
}

static struct mail_message sample(void)
{
	return (struct mail_message){
		.from = "scrapewatch <alerts@example.org>",
		.to = "Jörg Müller <joerg@example.de>",
		.subject = SUBJECT,
		.message_id = "a1b2c3.17@scrapewatch.invalid",
		.list_unsubscribe =
			"https://example.org/unsubscribe?t=abc%2Fdef",
		.text = text_body(),
		.html = HTML,
		.date = 1700000000, /* Tue, 14 Nov 2023 22:13:20 +0000 */
	};
}

static GMimeMessage *parse(const struct buf *b)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(b->data, b->len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);

	g_object_unref(p);
	g_object_unref(s);
	return msg;
}

/* The decoded text of a text part, with CRLF turned back into LF. */
static char *part_text(GMimeObject *part)
{
	char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	char *r = t, *w = t;

	for (; t && *r; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	if (t)
		*w = '\0';
	return t;
}

static void check_text_part(GMimeObject *part, const char *subtype,
			    const char *want)
{
	GMimeContentType *ct;
	char *got;

	CHECK(part && GMIME_IS_TEXT_PART(part));
	if (!part || !GMIME_IS_TEXT_PART(part))
		return;
	ct = g_mime_object_get_content_type(part);
	CHECK(g_mime_content_type_is_type(ct, "text", subtype));
	CHECK_STR(g_mime_content_type_get_parameter(ct, "charset"), "utf-8");
	CHECK_INT(g_mime_part_get_content_encoding(GMIME_PART(part)),
		  GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	got = part_text(part);
	CHECK_STR(got, want);
	g_free(got);
}

static char *address_list(InternetAddressList *l)
{
	return internet_address_list_to_string(l, NULL, FALSE);
}

/* 7-bit, CRLF only, no line over 998 octets. */
static void check_raw(const struct buf *b)
{
	size_t i, line = 0, longest = 0;

	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if (c >= 128 || c == 0)
			TEST_FAIL("byte %zu is 0x%02x", i, c);
		if (c == '\n' && (i == 0 || b->data[i - 1] != '\r'))
			TEST_FAIL("bare LF at byte %zu", i);
		if (c == '\r' && b->data[i + 1] != '\n')
			TEST_FAIL("bare CR at byte %zu", i);
		line = c == '\n' ? 0 : line + (c != '\r');
		longest = MAX(longest, line);
	}
	CHECK(longest <= 998);
	CHECK(b->len >= 2 && memcmp(b->data + b->len - 2, "\r\n", 2) == 0);
}

static void build(const struct mail_message *m, struct buf *b)
{
	char err[256] = "";

	buf_init(b, 1 << 20);
	CHECK_INT(mail_build(m, b, err, sizeof(err)), 0);
	if (err[0])
		TEST_FAIL("%s", err);
}

TEST(headers_round_trip)
{
	struct mail_message m = sample();
	GMimeMessage *msg;
	GDateTime *date;
	struct buf b;
	char *s;

	build(&m, &b);
	msg = parse(&b);
	CHECK(msg != NULL);
	if (!msg)
		return;
	s = address_list(g_mime_message_get_from(msg));
	CHECK_STR(s, "scrapewatch <alerts@example.org>");
	g_free(s);
	s = address_list(g_mime_message_get_to(msg));
	CHECK_STR(s, "Jörg Müller <joerg@example.de>");
	g_free(s);
	CHECK_STR(g_mime_message_get_subject(msg), SUBJECT);
	CHECK_STR(g_mime_message_get_message_id(msg),
		  "a1b2c3.17@scrapewatch.invalid");
	date = g_mime_message_get_date(msg);
	CHECK(date != NULL);
	if (date)
		CHECK_INT(g_date_time_to_unix(date), 1700000000);
	CHECK(strstr(b.data, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
	CHECK(strstr(b.data, "\r\nMessage-Id: <a1b2c3.17@scrapewatch.invalid>"
			     "\r\n"));
	CHECK_STR(g_mime_object_get_header(GMIME_OBJECT(msg), "MIME-Version"),
		  "1.0");
	CHECK_STR(
		g_mime_object_get_header(GMIME_OBJECT(msg), "List-Unsubscribe"),
		"<https://example.org/unsubscribe?t=abc%2Fdef>");
	CHECK_STR(g_mime_object_get_header(GMIME_OBJECT(msg),
					   "List-Unsubscribe-Post"),
		  "List-Unsubscribe=One-Click");
	CHECK_STR(g_mime_object_get_header(GMIME_OBJECT(msg), "Auto-Submitted"),
		  "auto-generated");
	/* Raw, the non-ASCII headers are encoded words. */
	CHECK(strstr(b.data, "\r\nSubject: 3 Fotos in FFHQ =?UTF-8?"));
	CHECK(strstr(b.data, "\r\nTo: =?UTF-8?"));
	g_object_unref(msg);
	buf_free(&b);
}

TEST(alternative_parts_round_trip)
{
	struct mail_message m = sample();
	GMimeMultipart *mp;
	GMimeObject *body;
	GMimeMessage *msg;
	struct buf b;

	build(&m, &b);
	msg = parse(&b);
	CHECK(msg != NULL);
	if (!msg)
		return;
	body = g_mime_message_get_mime_part(msg);
	CHECK(GMIME_IS_MULTIPART(body));
	if (GMIME_IS_MULTIPART(body)) {
		mp = GMIME_MULTIPART(body);
		CHECK(g_mime_content_type_is_type(
			g_mime_object_get_content_type(body), "multipart",
			"alternative"));
		CHECK_INT(g_mime_multipart_get_count(mp), 2);
		check_text_part(g_mime_multipart_get_part(mp, 0), "plain",
				m.text);
		check_text_part(g_mime_multipart_get_part(mp, 1), "html",
				m.html);
		/* The boundary starts with "=_", which quoted-printable never
		 * writes. */
		CHECK(strncmp(g_mime_multipart_get_boundary(mp), "=_sw_", 5) ==
		      0);
	}
	g_object_unref(msg);
	buf_free(&b);
}

TEST(raw_is_7bit_crlf_and_short_lines)
{
	struct mail_message m = sample();
	struct buf b;

	build(&m, &b);
	check_raw(&b);
	/* The 2,000-character line was wrapped with soft line breaks. */
	CHECK(strstr(b.data, "xxx=\r\nxxx"));
	buf_free(&b);
}

TEST(internationalised_domain_in_its_ascii_form)
{
	struct mail_message m = sample();
	struct buf b;

	m.to = "Jörg <joerg@bücher.example>";
	build(&m, &b);
	check_raw(&b);
	CHECK(strstr(b.data, "joerg@xn--bcher-kva.example"));
	buf_free(&b);
}

TEST(same_input_same_bytes)
{
	struct mail_message m = sample();
	struct buf a, b;

	build(&m, &a);
	build(&m, &b);
	CHECK_INT(a.len, b.len);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	buf_free(&b);
	/* Another message ID, another boundary. */
	m.message_id = "other@scrapewatch.invalid";
	build(&m, &b);
	CHECK(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
	buf_free(&a);
	buf_free(&b);
}

TEST(text_only)
{
	struct mail_message m = sample();
	GMimeMessage *msg;
	struct buf b;

	m.html = NULL;
	m.list_unsubscribe = "mailto:unsubscribe@example.org?subject=stop";
	build(&m, &b);
	check_raw(&b);
	msg = parse(&b);
	CHECK(msg != NULL);
	if (!msg)
		return;
	check_text_part(g_mime_message_get_mime_part(msg), "plain", m.text);
	CHECK_STR(
		g_mime_object_get_header(GMIME_OBJECT(msg), "List-Unsubscribe"),
		"<mailto:unsubscribe@example.org?subject=stop>");
	/* One-click unsubscribing is for https only. */
	CHECK(!g_mime_object_get_header(GMIME_OBJECT(msg),
					"List-Unsubscribe-Post"));
	CHECK(!strstr(b.data, "multipart"));
	g_object_unref(msg);
	buf_free(&b);
}

TEST(no_unsubscribe_ascii_only)
{
	struct mail_message m = sample();
	GMimeMessage *msg;
	struct buf b;

	m.list_unsubscribe = NULL;
	m.to = "jane@example.org";
	m.subject = "Plain ASCII";
	m.text = "plain ASCII\n";
	m.html = "<p>plain</p>";
	build(&m, &b);
	check_raw(&b);
	msg = parse(&b);
	CHECK(msg != NULL);
	if (!msg)
		return;
	CHECK(!g_mime_object_get_header(GMIME_OBJECT(msg), "List-Unsubscribe"));
	CHECK(strstr(b.data, "\r\nSubject: Plain ASCII\r\n"));
	CHECK(strstr(b.data, "\r\nTo: jane@example.org\r\n"));
	/* utf-8 even when the content happens to be ASCII. */
	CHECK(strstr(b.data, "text/plain; charset=utf-8"));
	g_object_unref(msg);
	buf_free(&b);
}

/*
 * The raw Subject header decoded one folded line at a time: each encoded
 * word must decode on its own (RFC 2047 6.3).  GMime's own parser cannot
 * be used here: it joins adjacent base64 words of one charset before
 * decoding, and stops at the padding of the first ("=?UTF-8?B?w5xiZQ==?=
 * =?UTF-8?B?IMOc?=" comes back as "Übe"; Python's email package gives
 * "Übe Ü").
 */
static char *subject_by_line(const char *raw)
{
	const char *p = strstr(raw, "\r\nSubject: "), *end;
	GString *s = g_string_new(NULL);
	char *line, *word;

	for (p = p ? p + 10 : NULL; p && *p == ' ';) {
		end = strstr(p, "\r\n");
		line = g_strndup(p + 1, (size_t)(end - p - 1));
		word = g_mime_utils_header_decode_text(NULL, line);
		g_string_append(s, word);
		g_free(word);
		g_free(line);
		p = end + 2;
	}
	return g_string_free(s, FALSE);
}

TEST(long_subject_is_folded)
{
	struct mail_message m = sample();
	char subject[1300], *got;
	struct buf b;
	size_t i;

	/* 110 words, 1,209 bytes: many encoded words, folded. */
	subject[0] = '\0';
	for (i = 0; i < 110; i++)
		snprintf(subject + strlen(subject),
			 sizeof(subject) - strlen(subject), "%sÜberblick",
			 i ? " " : "");
	m.subject = subject;
	build(&m, &b);
	check_raw(&b);
	CHECK(strstr(b.data, "?=\r\n =?UTF-8?")); /* folded */
	got = subject_by_line(b.data);
	CHECK_STR(got, subject);
	g_free(got);
	buf_free(&b);
}

static const struct {
	const char *what;
	size_t offset;
	const char *value;
} invalid[] = {
	{"header injection in From", offsetof(struct mail_message, from),
	 "a@example.org\r\nBcc: x@example.org"},
	{"header injection in To", offsetof(struct mail_message, to),
	 "a\r\nBcc: x"},
	{"LF in To", offsetof(struct mail_message, to),
	 "a@example.org\nBcc: x"},
	{"header injection in Subject", offsetof(struct mail_message, subject),
	 "a\r\nBcc: x"},
	{"CR in Subject", offsetof(struct mail_message, subject), "a\rb"},
	{"header injection in Message-ID",
	 offsetof(struct mail_message, message_id), "a@b\r\nBcc: x"},
	{"header injection in List-Unsubscribe",
	 offsetof(struct mail_message, list_unsubscribe),
	 "https://example.org/\r\nBcc: x"},
	{"empty From", offsetof(struct mail_message, from), ""},
	{"missing From", offsetof(struct mail_message, from), NULL},
	{"empty To", offsetof(struct mail_message, to), ""},
	{"missing To", offsetof(struct mail_message, to), NULL},
	{"two recipients", offsetof(struct mail_message, to),
	 "a@example.org, b@example.org"},
	{"no address in To", offsetof(struct mail_message, to), "Jane Doe"},
	{"To with a non-ASCII local part (needs SMTPUTF8)",
	 offsetof(struct mail_message, to), "José <josé@example.org>"},
	{"a group in To", offsetof(struct mail_message, to),
	 "friends: a@example.org;"},
	{"missing Subject", offsetof(struct mail_message, subject), NULL},
	{"Subject not UTF-8", offsetof(struct mail_message, subject),
	 "caf\xe9"},
	{"text not UTF-8", offsetof(struct mail_message, text), "caf\xe9\n"},
	{"missing text", offsetof(struct mail_message, text), NULL},
	{"Message-ID in brackets", offsetof(struct mail_message, message_id),
	 "<a@b>"},
	{"Message-ID without @", offsetof(struct mail_message, message_id),
	 "abc"},
	{"Message-ID with a space", offsetof(struct mail_message, message_id),
	 "a b@c"},
	{"empty Message-ID", offsetof(struct mail_message, message_id), ""},
	{"ftp unsubscribe", offsetof(struct mail_message, list_unsubscribe),
	 "ftp://example.org/x"},
	{"http unsubscribe", offsetof(struct mail_message, list_unsubscribe),
	 "http://example.org/x"},
	{"unsubscribe with a comma",
	 offsetof(struct mail_message, list_unsubscribe),
	 "https://example.org/a,b"},
};

TEST(invalid_input_is_refused)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(invalid); i++) {
		struct mail_message m = sample();
		char err[256] = "";
		struct buf b;
		int r;

		*(const char **)((char *)&m + invalid[i].offset) =
			invalid[i].value;
		buf_init(&b, 1 << 20);
		buf_puts(&b, "kept");
		r = mail_build(&m, &b, err, sizeof(err));
		if (r != -EINVAL)
			TEST_FAIL("%s: got %d, want -EINVAL", invalid[i].what,
				  r);
		if (!err[0])
			TEST_FAIL("%s: no reason given", invalid[i].what);
		CHECK_STR(b.data, "kept");
		buf_free(&b);
	}
}

TEST(too_big)
{
	struct mail_message m = sample();
	char err[256] = "";
	struct buf b;

	/* The bodies alone are too big, and then only the encoded message. */
	buf_init(&b, 1000);
	buf_puts(&b, "kept");
	CHECK_INT(mail_build(&m, &b, err, sizeof(err)), -E2BIG);
	CHECK(err[0] != '\0');
	CHECK_STR(b.data, "kept");
	buf_free(&b);
	m.text = "short\n";
	m.html = NULL;
	buf_init(&b, 300);
	CHECK_INT(mail_build(&m, &b, NULL, 0), -E2BIG);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

TEST(appends_to_buffer)
{
	struct mail_message m = sample();
	struct buf a, b;

	build(&m, &a);
	buf_init(&b, 1 << 20);
	buf_puts(&b, "X");
	CHECK_INT(mail_build(&m, &b, NULL, 0), 0);
	CHECK(b.len == a.len + 1 && memcmp(b.data + 1, a.data, a.len) == 0);
	buf_free(&a);
	buf_free(&b);
}

static const struct {
	const char *in, *out;
	int r;
} addresses[] = {
	{"jane@example.org", "jane@example.org", 0},
	{"Jane Doe <jane@example.org>", "jane@example.org", 0},
	{"\"Doe, Jane\" <jane@example.org>", "jane@example.org", 0},
	{"Jörg <joerg@bücher.example>", "joerg@xn--bcher-kva.example", 0},
	{"José <josé@example.org>", NULL, -EINVAL},
	{"", NULL, -EINVAL},
	{"Jane Doe", NULL, -EINVAL},
	{"a@example.org, b@example.org", NULL, -EINVAL},
	{"a@example.org\r\nRCPT TO:<x@y>", NULL, -EINVAL},
	{"a-very-long-local-part@example.org", NULL, -E2BIG},
};

TEST(address_part)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(addresses); i++) {
		char out[32] = "unchanged";
		int r = mail_address(addresses[i].in, out, sizeof(out));

		if (r != addresses[i].r)
			TEST_FAIL("'%s': got %d, want %d", addresses[i].in, r,
				  addresses[i].r);
		CHECK_STR(out,
			  addresses[i].out ? addresses[i].out : "unchanged");
	}
}

TEST(overlong_header_line_is_refused)
{
	struct mail_message m = sample();
	char id[1100], err[256] = "";
	struct buf b;

	/* A message ID cannot be folded: its line would pass 998 octets. */
	memset(id, 'a', sizeof(id));
	memcpy(id + sizeof(id) - 16, "@example.invalid", 16);
	id[sizeof(id) - 1] = '\0';
	m.message_id = id;
	buf_init(&b, 1 << 20);
	CHECK_INT(mail_build(&m, &b, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "998") != NULL);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

/* ---- what alert mail says (mailbody.c) ----------------------------------- */

static struct config_dataset faces = {
	.name = (char *)"faces",
	.url = (char *)"https://faces.example.org/releases/faces.csv",
};
static struct config_subscriber ann = {.name = (char *)"ann",
				       .email = (char *)"ann@example.org"};
static const struct config body_config = {
	.datasets = &faces,
	.n_datasets = 1,
	.subscribers = &ann,
	.n_subscribers = 1,
};

static struct alert_photo photo_at(uint64_t id, const char *page)
{
	return (struct alert_photo){
		.e = {.photo_id = id,
		      .nsid = "11111111@N00",
		      .alias = "",
		      .name = "",
		      .key_text = "",
		      .page_url = page,
		      .image_url = "",
		      .license = ""},
		.how = STORE_MATCH_NSID,
	};
}

/* Manifest page URLs that must not become links, each in its photo. */
static const char *const planted[] = {
	"javascript:alert(1)",
	"JavaScript:alert(document.cookie)",
	"data:text/html,<script>alert(1)</script>",
	"https://evil.example/photos/11111111@N00/103/",
	"https://www.flickr.com.evil.example/photos/11111111@N00/104/",
	"https://www.flickr.com@evil.example/photos/11111111@N00/105/",
	"ftp://www.flickr.com/photos/11111111@N00/106/",
	"vbscript:msgbox(1)",
	"//evil.example/photos/11111111@N00/107/",
};

/* Counts the href attributes of html. */
static size_t hrefs(const char *html)
{
	size_t n = 0;

	for (; (html = strstr(html, "href=\"")); html++)
		n++;
	return n;
}

TEST(only_flickr_and_dataset_links)
{
	struct alert_photo photos[ELEMENTSOF(planted) + 3];
	struct alert_event ev = {
		.type = STORE_EVENT_BASELINE,
		.dataset = (char *)"faces",
		.release = 1,
		.n_total = ELEMENTSOF(photos),
		.photos = photos,
		.n_photos = ELEMENTSOF(photos),
	};
	struct alert a = {
		.id = "a1b2c3",
		.subscriber = (char *)"ann",
		.kind = STORE_ALERT_EVENT,
		.notice = (char *)"",
		.events = &ev,
		.n_events = 1,
	};
	struct mailbody m;
	size_t i;

	for (i = 0; i < ELEMENTSOF(planted); i++)
		photos[i] = photo_at(200 + i, planted[i]);
	photos[i++] = photo_at(
		101, "https://www.flickr.com/photos/11111111@N00/101/");
	photos[i++] = photo_at(102, "https://faces.example.org/photo/102");
	photos[i++] = photo_at(108, ""); /* built from its id and owner */
	mailbody_render(&a, &body_config, &m);
	CHECK(strstr(m.html.data,
		     "<a href=\"https://www.flickr.com/photos/11111111@N00/"
		     "101/\">101</a>"));
	CHECK(strstr(m.html.data, "<a href=\"https://faces.example.org/photo/"
				  "102\">102</a>"));
	CHECK(strstr(m.html.data,
		     "<a href=\"https://www.flickr.com/photos/11111111@N00/"
		     "108/\">108</a>"));
	CHECK_INT(hrefs(m.html.data), 3);
	CHECK(!strstr(m.html.data, "href=\"javascript"));
	CHECK(!strstr(m.html.data, "href=\"data:"));
	CHECK(!strstr(m.html.data, "href=\"https://evil"));
	/* The others are shown as text, escaped. */
	CHECK(strstr(m.html.data, "200<br><span style=\"color:#777;font-size:"
				  "12px\">javascript:alert(1)</span>"));
	CHECK(strstr(m.html.data,
		     "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"));
	CHECK(!strstr(m.html.data, "<script>"));
	/* The plain text still lists each page as it is. */
	CHECK(strstr(m.text.data, "  * Photo 200 (your account 11111111@N00)\n"
				  "    javascript:alert(1)\n"));
	mailbody_free(&m);
	/* Without the dataset in the configuration, its host is not known. */
	photos[0] = photo_at(102, "https://faces.example.org/photo/102");
	ev.n_photos = 1;
	mailbody_render(&a, &(struct config){0}, &m);
	CHECK_INT(hrefs(m.html.data), 0);
	mailbody_free(&m);
}

static void render_notice(const char *type, const char *json,
			  struct mailbody *m)
{
	struct alert a = {
		.id = "n0t1ce",
		.subscriber = (char *)"",
		.kind = STORE_ALERT_NOTICE,
		.notice = (char *)json,
	};

	snprintf(a.notice_type, sizeof(a.notice_type), "%s", type);
	mailbody_render(&a, &body_config, m);
}

/* Neither part holds the notice's JSON. */
static void check_no_json(const struct mailbody *m)
{
	CHECK(!strchr(m->text.data, '{'));
	CHECK(!strstr(m->text.data, "\":"));
	CHECK(!strstr(m->html.data, "<pre>"));
	CHECK(!strstr(m->html.data, "&quot;:"));
	CHECK(!strchr(strstr(m->html.data, "<body") ?: "", '{'));
}

/* Each notice: its JSON, and what its subject, text and HTML must say. */
static const struct {
	const char *type, *json, *subject;
	const char *text[4], *html[2];
} notices[] = {
	{
		"dataset.release",
		"{\"type\":\"dataset.release\",\"dataset\":\"faces\","
		"\"release\":2,\"sha256\":\"9f86d081884c7d65\",\"entries\":120,"
		"\"added\":12,\"removed\":3,\"reincluded\":1,\"events\":2}",
		"[scrapewatch] New release of faces: 12 added, 3 removed",
		{"scrapewatch downloaded and indexed release 2 of faces: 120 "
		 "entries, with 12 added, 3 removed and 1 back again since the "
		 "release before.",
		 "It gave 2 subscriber events", "SHA-256: 9f86d081884c7d65",
		 "\n  scrapewatch diff faces 2\n"},
		{"<code>scrapewatch diff faces 2</code>", "release 2 of faces"},
	},
	{
		/* A server's words may hold a line break and a bidi
		 * override. */
		"dataset.failing",
		"{\"type\":\"dataset.failing\",\"dataset\":\"faces\","
		"\"url\":\"https://faces.example.org/f.csv\",\"failures\":3,"
		"\"error\":\"HTTP 503\\r\\nadded photo \\u202egnp.1\"}",
		"[scrapewatch] faces is failing: 3 checks in a row",
		{"The last 3 checks of the dataset faces failed. The last one "
		 "said:\n  HTTP 503<U+000D><U+000A>added photo <U+202E>gnp.1\n",
		 "Its URL: https://faces.example.org/f.csv",
		 "  scrapewatch check faces\n"},
		{"HTTP 503&lt;U+000D&gt;&lt;U+000A&gt;"},
	},
	{
		"alert.failed",
		"{\"type\":\"alert.failed\",\"alert\":\"abc123\","
		"\"subscriber\":\"ann\",\"channel\":\"email\","
		"\"alert_type\":\"photo.included\",\"attempts\":1,"
		"\"reply\":\"550 5.1.1 <ann@example.org>: no such user\"}",
		"[scrapewatch] An alert to ann could not be delivered by email",
		{"The email alert abc123 (photo.included) to the subscriber ann "
		 "failed for good after 1 attempt. The last reply:\n  550 5.1.1 "
		 "<ann@example.org>: no such user\n",
		 "  scrapewatch outbox retry abc123\n"},
		{"&lt;ann@example.org&gt;: no such user"},
	},
};

/* Checks that part (what: its name) holds each of the n needles given. */
static void check_holds(const char *what, const char *part,
			const char *const *needles, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (needles[i] && !strstr(part, needles[i]))
			TEST_FAIL("%s without '%s':\n%s", what, needles[i],
				  part);
}

TEST(notices_in_words)
{
	struct mailbody m;
	size_t i;

	for (i = 0; i < ELEMENTSOF(notices); i++) {
		render_notice(notices[i].type, notices[i].json, &m);
		CHECK_STR(m.subject, notices[i].subject);
		check_holds(notices[i].type, m.text.data, notices[i].text,
			    ELEMENTSOF(notices[i].text));
		check_holds(notices[i].type, m.html.data, notices[i].html,
			    ELEMENTSOF(notices[i].html));
		CHECK(!strchr(m.text.data, '\r'));
		check_no_json(&m);
		mailbody_free(&m);
	}
}

TEST(notice_of_another_type)
{
	struct mailbody m;

	render_notice("dataset.moved",
		      "{\"type\":\"dataset.moved\",\"dataset\":\"faces\","
		      "\"to\":null,\"tries\":2,\"gone\":true,\"list\":[1]}",
		      &m);
	CHECK_STR(m.subject, "[scrapewatch] Notice: dataset.moved");
	CHECK(strstr(m.text.data, "scrapewatch has a notice of type "
				  "dataset.moved for you:\n\n  dataset: faces\n"
				  "  tries: 2\n  gone: true\n  list: ...\n"));
	check_no_json(&m);
	mailbody_free(&m);
	/* What is missing, or not JSON at all, reads "unknown". */
	render_notice("dataset.release", "not json", &m);
	CHECK_STR(m.subject, "[scrapewatch] New release of unknown: unknown "
			     "added, unknown removed");
	mailbody_free(&m);
}
