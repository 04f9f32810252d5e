/*
 * mail.c: builds one alert email with GMime (mail.h).
 *
 * The input is checked first (fields present, UTF-8, no control characters
 * in header values, one mailbox per address field), then GMime builds the
 * message and writes it with CRLF line ends.  The MIME boundary is derived
 * from the Message-ID and starts with "=_", which quoted-printable never
 * produces, so it cannot occur in a body.  The written message is checked
 * once more (7-bit, CRLF only, no line over 998 octets) before it is
 * appended to the caller's buffer; nothing is appended on failure.  This
 * file owns GMime's one-time initialisation, and GMime's types never leave
 * it.
 */
#include "alert/mail.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/macro.h"

#define MAIL_LINE_MAX 998 /* octets, CRLF excluded (RFC 5322 2.1.1) */

/* One field of struct mail_message, for the checks all fields share. */
struct mail_field {
	const char *name;
	size_t offset;
	bool required; /* not NULL */
	bool nonempty; /* not "" either */
	bool header;   /* no control characters allowed */
};

static const struct mail_field mail_fields[] = {
	{.name = "From",
	 .offset = offsetof(struct mail_message, from),
	 .required = true,
	 .nonempty = true,
	 .header = true},
	{.name = "To",
	 .offset = offsetof(struct mail_message, to),
	 .required = true,
	 .nonempty = true,
	 .header = true},
	{.name = "Subject",
	 .offset = offsetof(struct mail_message, subject),
	 .required = true,
	 .header = true},
	{.name = "Message-ID",
	 .offset = offsetof(struct mail_message, message_id),
	 .required = true,
	 .nonempty = true,
	 .header = true},
	{.name = "List-Unsubscribe",
	 .offset = offsetof(struct mail_message, list_unsubscribe),
	 .header = true},
	{.name = "the text body",
	 .offset = offsetof(struct mail_message, text),
	 .required = true},
	{.name = "the HTML body",
	 .offset = offsetof(struct mail_message, html)},
};

static void unrefp(void *p)
{
	GObject **o = p;

	if (*o)
		g_object_unref(*o);
}

#define _cleanup_unref_ _cleanup_(unrefp)

static void mail_init(void)
{
	static bool done;

	if (!done) {
		g_mime_init();
		done = true;
	}
}

_printf_(4, 5) static int fail(char *err, size_t errsize, int r,
			       const char *fmt, ...)
{
	va_list ap;

	if (errsize > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* ---- checks ------------------------------------------------------------- */

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return true;
	return false;
}

static const char *field_value(const struct mail_message *m,
			       const struct mail_field *f)
{
	return *(const char *const *)((const char *)m + f->offset);
}

static int check_field(const struct mail_message *m, const struct mail_field *f,
		       char *err, size_t errsize)
{
	const char *v = field_value(m, f);

	if (!v && f->required)
		return fail(err, errsize, -EINVAL, "%s is missing", f->name);
	if (!v)
		return 0;
	if (f->nonempty && !*v)
		return fail(err, errsize, -EINVAL, "%s is empty", f->name);
	if (f->header && has_control(v))
		return fail(err, errsize, -EINVAL,
			    "%s holds a line break or another control "
			    "character",
			    f->name);
	if (!g_utf8_validate(v, -1, NULL))
		return fail(err, errsize, -EINVAL, "%s is not UTF-8", f->name);
	return 0;
}

/* RFC 5322 atext, plus the dot of a dot-atom. */
static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

/* "left@right", each a non-empty dot-atom-ish run of ID characters. */
static int check_message_id(const char *id, char *err, size_t errsize)
{
	const char *at = strchr(id, '@'), *p;

	for (p = id; *p && (p == at || id_char(*p)); p++)
		;
	if (*p || !at || at == id || !at[1] || strchr(at + 1, '@'))
		return fail(err, errsize, -EINVAL,
			    "Message-ID '%s' is not of the form id@domain "
			    "(without angle brackets)",
			    id);
	return 0;
}

/* A mailto: or https: URL that fits in one header line.  Sets *https. */
static int check_unsubscribe(const char *url, bool *https, char *err,
			     size_t errsize)
{
	*https = strncasecmp(url, "https://", 8) == 0;
	if (!*https && strncasecmp(url, "mailto:", 7) != 0)
		return fail(err, errsize, -EINVAL,
			    "List-Unsubscribe '%s' is neither a mailto: nor an "
			    "https: URL",
			    url);
	if (strlen(url) > MAIL_URL_MAX)
		return fail(err, errsize, -EINVAL,
			    "List-Unsubscribe URL longer than %d bytes",
			    MAIL_URL_MAX);
	/* RFC 2369: the URL sits in angle brackets in a comma list. */
	if (strpbrk(url, " <>,\"") || !g_str_is_ascii(url))
		return fail(err, errsize, -EINVAL,
			    "List-Unsubscribe '%s' holds characters that must "
			    "be percent-encoded",
			    url);
	return 0;
}

static int check_message(const struct mail_message *m, bool *https, char *err,
			 size_t errsize)
{
	size_t i;
	int r;

	for (i = 0; i < ELEMENTSOF(mail_fields); i++) {
		r = check_field(m, &mail_fields[i], err, errsize);
		if (r < 0)
			return r;
	}
	r = check_message_id(m->message_id, err, errsize);
	if (r >= 0 && m->list_unsubscribe)
		r = check_unsubscribe(m->list_unsubscribe, https, err, errsize);
	return r;
}

/* ---- building ------------------------------------------------------------ */

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* s parsed as exactly one mailbox with an address (no group), or NULL. */
static InternetAddressList *mailbox_parse(const char *s)
{
	InternetAddressList *l;
	InternetAddress *a;

	if (has_control(s))
		return NULL;
	l = internet_address_list_parse(NULL, s);
	if (!l)
		return NULL;
	/* The domain may be internationalised (its ASCII form is used); a
	 * local part must be ASCII, as mail without SMTPUTF8 is. */
	if (internet_address_list_length(l) == 1) {
		a = internet_address_list_get_address(l, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(a) &&
		    strchr(internet_address_mailbox_get_addr(
				   INTERNET_ADDRESS_MAILBOX(a)),
			   '@') &&
		    is_ascii(internet_address_mailbox_get_idn_addr(
			    INTERNET_ADDRESS_MAILBOX(a))))
			return l;
	}
	g_object_unref(l);
	return NULL;
}

static int add_mailbox(GMimeMessage *msg, GMimeAddressType type, const char *s,
		       const char *what, char *err, size_t errsize)
{
	_cleanup_unref_ InternetAddressList *l = mailbox_parse(s);

	if (!l)
		return fail(err, errsize, -EINVAL,
			    "%s '%s' is not one email address (ASCII before "
			    "the '@')",
			    what, s);
	/* A display name that is not ASCII is encoded as UTF-8, not as
	 * whatever smaller charset happens to fit it. */
	internet_address_set_charset(internet_address_list_get_address(l, 0),
				     "utf-8");
	internet_address_list_append(g_mime_message_get_addresses(msg, type),
				     l);
	return 0;
}

/* A text/SUBTYPE part, charset=utf-8, quoted-printable. */
static GMimeObject *text_part(const char *subtype, const char *text)
{
	GMimePart *part = g_mime_part_new_with_type("text", subtype);
	_cleanup_unref_ GMimeStream *s =
		g_mime_stream_mem_new_with_buffer(text, strlen(text));
	_cleanup_unref_ GMimeDataWrapper *w =
		g_mime_data_wrapper_new_with_stream(
			s, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, w);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset",
						 "utf-8");
	g_mime_part_set_content_encoding(
		part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(part);
}

/* The text part alone, or both in a multipart/alternative whose boundary
 * is "=_sw_" and a hash of the message ID. */
static GMimeObject *body_new(const struct mail_message *m)
{
	GMimeMultipart *alt;
	GMimeObject *part;
	char boundary[64];
	gchar *hash;

	if (!m->html)
		return text_part("plain", m->text);
	alt = g_mime_multipart_new_with_subtype("alternative");
	hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, m->message_id,
					     -1);
	snprintf(boundary, sizeof(boundary), "=_sw_%.32s", hash);
	g_free(hash);
	g_mime_multipart_set_boundary(alt, boundary);
	part = text_part("plain", m->text);
	g_mime_multipart_add(alt, part);
	g_object_unref(part);
	part = text_part("html", m->html);
	g_mime_multipart_add(alt, part);
	g_object_unref(part);
	return GMIME_OBJECT(alt);
}

static int set_headers(GMimeMessage *msg, const struct mail_message *m,
		       bool https, char *err, size_t errsize)
{
	GMimeObject *o = GMIME_OBJECT(msg);
	GDateTime *date = g_date_time_new_from_unix_utc(m->date);
	char *angle;

	if (!date)
		return fail(err, errsize, -EINVAL,
			    "date %" PRId64 " is out of range", m->date);
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	g_mime_message_set_subject(msg, m->subject, "utf-8");
	g_mime_message_set_message_id(msg, m->message_id);
	if (m->list_unsubscribe) {
		angle = g_strdup_printf("<%s>", m->list_unsubscribe);
		g_mime_object_set_header(o, "List-Unsubscribe", angle, NULL);
		g_free(angle);
		if (https)
			g_mime_object_set_header(o, "List-Unsubscribe-Post",
						 "List-Unsubscribe=One-Click",
						 NULL);
	}
	g_mime_object_set_header(o, "Auto-Submitted", "auto-generated", NULL);
	return 0;
}

/* 7-bit, CRLF line ends only, no line over MAIL_LINE_MAX octets. */
static int output_check(const GByteArray *b, char *err, size_t errsize)
{
	size_t i, line = 0;

	for (i = 0; i < b->len; i++) {
		unsigned char c = b->data[i];

		if (c >= 128 || c == '\0')
			return fail(err, errsize, -EINVAL,
				    "the message is not 7-bit clean");
		if (c == '\r' && (i + 1 == b->len || b->data[i + 1] != '\n'))
			return fail(err, errsize, -EINVAL,
				    "the message has a bare CR");
		if (c == '\n' && (i == 0 || b->data[i - 1] != '\r'))
			return fail(err, errsize, -EINVAL,
				    "the message has a bare LF");
		line = c == '\n' ? 0 : line + (c != '\r');
		if (line > MAIL_LINE_MAX)
			return fail(err, errsize, -EINVAL,
				    "a line of the message is longer than %d "
				    "octets (a very long word in a header?)",
				    MAIL_LINE_MAX);
	}
	return 0;
}

/* Writes msg with CRLF line ends, checks it and appends it to out. */
static int serialize(GMimeMessage *msg, struct buf *out, char *err,
		     size_t errsize)
{
	GMimeFormatOptions *opts = g_mime_format_options_clone(NULL);
	_cleanup_unref_ GMimeStream *s = g_mime_stream_mem_new();
	GByteArray *b;
	ssize_t n;
	int r;

	g_mime_format_options_set_newline_format(opts,
						 GMIME_NEWLINE_FORMAT_DOS);
	n = g_mime_object_write_to_stream(GMIME_OBJECT(msg), opts, s);
	g_mime_format_options_free(opts);
	if (n < 0)
		return fail(err, errsize, -EIO,
			    "GMime could not write the message");
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	r = output_check(b, err, errsize);
	if (r < 0)
		return r;
	if (buf_append(out, b->data, b->len) < 0)
		return fail(err, errsize, -E2BIG,
			    "the message (%u bytes) does not fit in %zu bytes",
			    b->len, out->max - out->len);
	return 0;
}

int mail_build(const struct mail_message *m, struct buf *out, char *err,
	       size_t errsize)
{
	_cleanup_unref_ GMimeMessage *msg = NULL;
	_cleanup_unref_ GMimeObject *body = NULL;
	bool https = false;
	size_t size;
	int r;

	r = check_message(m, &https, err, errsize);
	if (r < 0)
		return r;
	/* The encoded bodies are at least as large as the plain ones: give
	 * up before building something that cannot fit. */
	size = strlen(m->text) + (m->html ? strlen(m->html) : 0);
	if (size > out->max - out->len)
		return fail(err, errsize, -E2BIG,
			    "the bodies (%zu bytes) are larger than %zu bytes",
			    size, out->max - out->len);
	mail_init();
	msg = g_mime_message_new(TRUE);
	r = add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, m->from, "From", err,
			errsize);
	if (r >= 0)
		r = add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, m->to, "To", err,
				errsize);
	if (r >= 0)
		r = set_headers(msg, m, https, err, errsize);
	if (r < 0)
		return r;
	body = body_new(m);
	g_mime_message_set_mime_part(msg, body);
	return serialize(msg, out, err, errsize);
}

int mail_address(const char *s, char *ret, size_t size)
{
	_cleanup_unref_ InternetAddressList *l = NULL;
	InternetAddressMailbox *mb;
	const char *addr;

	mail_init();
	l = mailbox_parse(s);
	if (!l)
		return -EINVAL;
	mb = INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(l, 0));
	addr = internet_address_mailbox_get_idn_addr(mb);
	if (has_control(addr) || strpbrk(addr, " <>"))
		return -EINVAL;
	if (strlen(addr) >= size)
		return -E2BIG;
	memcpy(ret, addr, strlen(addr) + 1);
	return 0;
}
