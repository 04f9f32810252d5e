/*
 * mail.h: builds one alert email, ready for SMTP.
 *
 * mail_build() turns a struct mail_message into a complete RFC 5322
 * message: 7-bit clean, CRLF line ends, no line over 998 octets, headers
 * RFC 2047-encoded where they are not ASCII, and the bodies
 * quoted-printable.  The output depends only on the input (the date is
 * given, the MIME boundary comes from the Message-ID), so a retry sends the
 * very same bytes.  The message is built with GMime, never by hand; GMime's
 * types stay inside mail.c.  This module does not log and does not send.
 */
#ifndef SCRAPEWATCH_MAIL_H
#define SCRAPEWATCH_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* Longest List-Unsubscribe URL taken (it is one header line). */
#define MAIL_URL_MAX 900

/* One message.  Every string is borrowed, UTF-8 and NUL-terminated; header
 * values may not hold CR, LF or other control characters. */
struct mail_message {
	const char *from;	      /* one mailbox: "jane@example.org" or
				"Jane Doe <jane@example.org>" */
	const char *to;		      /* one mailbox, as from */
	const char *subject;	      /* UTF-8 text */
	const char *message_id;	      /* "id@domain", without angle brackets */
	const char *list_unsubscribe; /* a mailto: or https: URL, or NULL */
	const char *text;	      /* the plain text body */
	const char *html;	      /* the HTML body, or NULL: text only */
	int64_t date;		      /* Unix seconds; written in UTC */
};

/*
 * Appends the message m to out: From, To, Date, Subject, Message-ID,
 * MIME-Version, List-Unsubscribe (plus List-Unsubscribe-Post for https
 * URLs, RFC 8058), Auto-Submitted: auto-generated, and a body that is
 * multipart/alternative (text/plain, then text/html) or, without html, a
 * single text/plain part; both are charset=utf-8 and quoted-printable.
 * Returns 0, or, with a sentence in err (errsize bytes, may be 0) and out
 * unchanged: -EINVAL when a field is missing, is not one mailbox, not
 * UTF-8, holds CR/LF or another control character, or a message ID or URL
 * is malformed; -E2BIG when the message would pass out's maximum.
 */
int mail_build(const struct mail_message *m, struct buf *out, char *err,
	       size_t errsize);

/*
 * Writes the address part of one mailbox s ("Jane <jane@example.org>" ->
 * "jane@example.org"; an internationalised domain in its ASCII form) into
 * ret (size bytes), as SMTP's envelope wants it.  Returns 0, -EINVAL when
 * s is not exactly one mailbox, holds control characters or has a local
 * part that is not ASCII (no SMTPUTF8), or -E2BIG when
 * the address does not fit; ret is written only on success.
 */
int mail_address(const char *s, char *ret, size_t size);

#endif
