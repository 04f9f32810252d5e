/*
 * mailbody.c: the words of alert emails (mailbody.h).
 *
 * Each event becomes a sentence and a list of photos, written twice: as
 * plain text and as HTML (inline styles only: mail clients drop style
 * sheets).  Everything from the store or the configuration is escaped for
 * HTML, and a manifest's page URL becomes a link only when it is an
 * http(s) URL of Flickr or of the dataset's own host: a javascript: or
 * data: URL, or a look-alike site, is shown as text.  An operator notice
 * is written in words from its JSON (the webhooks' payload), its values
 * with control and bidi characters shown as <U+XXXX>.
 */
#include "alert/mailbody.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#include "alert/photo.h"
#include "lib/macro.h"
#include "lib/text.h"
#include "parse/flickr.h"

#define BODY_MAX (64u << 20)

static const char *const digest_names[] = {
	[CONFIG_DIGEST_NONE] = "",
	[CONFIG_DIGEST_HOURLY] = "hourly",
	[CONFIG_DIGEST_DAILY] = "daily",
	[CONFIG_DIGEST_WEEKLY] = "weekly",
};

static void day(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, 16, "%Y-%m-%d", gmtime_r(&tt, &tm));
}

/* "3 of your photos are" / "1 of your photos is". */
static void photos_are(char *out, size_t size, int64_t n, const char *verb_one,
		       const char *verb_many)
{
	snprintf(out, size, "%lld of your photos %s", (long long)n,
		 n == 1 ? verb_one : verb_many);
}

/* What happened, in one sentence of plain text. */
static void event_sentence(char *out, size_t size, const struct alert_event *ev)
{
	char when[16], n[64];

	day(ev->release_time, when);
	switch (ev->type) {
	case STORE_EVENT_INCLUDED:
		photos_are(n, sizeof(n), ev->n_total, "is", "are");
		snprintf(out, size,
			 "%s in the new release of %s (release %lld, "
			 "downloaded %s).",
			 n, ev->dataset, (long long)ev->release, when);
		break;
	case STORE_EVENT_REMOVED:
		photos_are(n, sizeof(n), ev->n_total, "is", "are");
		snprintf(out, size,
			 "%s no longer in %s: release %lld (downloaded %s) "
			 "removed %s.",
			 n, ev->dataset, (long long)ev->release, when,
			 ev->n_total == 1 ? "it" : "them");
		break;
	case STORE_EVENT_REINCLUDED:
		photos_are(n, sizeof(n), ev->n_total, "is", "are");
		snprintf(out, size,
			 "%s back in %s in release %lld (downloaded %s), after "
			 "%s had been removed.",
			 n, ev->dataset, (long long)ev->release, when,
			 ev->n_total == 1 ? "it" : "they");
		break;
	default:
		snprintf(out, size,
			 "scrapewatch now watches %s for you: its current "
			 "release %lld (downloaded %s) holds %lld of your "
			 "photos.",
			 ev->dataset, (long long)ev->release, when,
			 (long long)ev->n_total);
	}
}

static void subject_of(char *out, size_t size, const struct alert *a,
		       const struct config *c)
{
	const struct config_subscriber *sub =
		config_find_subscriber(c, a->subscriber);
	const struct alert_event *ev = a->n_events ? &a->events[0] : NULL;
	char n[64];

	if (a->kind == STORE_ALERT_TEST)
		snprintf(out, size, "scrapewatch test message");
	else if (a->kind == STORE_ALERT_DIGEST || !ev)
		snprintf(out, size, "Your %s scrapewatch digest: %zu change%s",
			 sub ? digest_names[sub->digest] : "", a->n_events,
			 a->n_events == 1 ? "" : "s");
	else if (ev->type == STORE_EVENT_BASELINE)
		snprintf(out, size, "%s holds %lld of your photos", ev->dataset,
			 (long long)ev->n_total);
	else {
		photos_are(n, sizeof(n), ev->n_total,
			   ev->type == STORE_EVENT_REMOVED ? "was" : "is",
			   ev->type == STORE_EVENT_REMOVED ? "were" : "are");
		snprintf(out, size, "%s %s %s", n,
			 ev->type == STORE_EVENT_INCLUDED  ? "in"
			 : ev->type == STORE_EVENT_REMOVED ? "removed from"
							   : "back in",
			 ev->dataset);
	}
}

/* "your account janedoe", "your photo", "only the display name Jane". */
static void how_matched(char *out, size_t size, const struct alert_photo *p)
{
	const struct store_entry *e = &p->e;

	switch (p->how) {
	case STORE_MATCH_PHOTO:
		snprintf(out, size, "a photo you watch");
		break;
	case STORE_MATCH_NSID:
		snprintf(out, size, "your account %s%s", e->nsid,
			 p->via == STORE_VIA_OWNERSHIP
				 ? " (owner from YFCC100M)"
				 : "");
		break;
	case STORE_MATCH_ALIAS:
		snprintf(out, size, "your account %s", e->alias);
		break;
	default:
		snprintf(out, size,
			 "possible match: only the display name \"%s\"; check "
			 "it is yours",
			 e->name);
	}
	text_utf8_trim(out); /* a long name may have been cut */
}

/* ---- operator notices ---------------------------------------------------- */

#define NOTICE_MEMBERS_MAX 32

/* A notice's JSON members, each value as text a person may read. */
struct notice {
	size_t n;
	struct {
		const char *key; /* borrowed from the tree */
		struct buf value;
	} m[NOTICE_MEMBERS_MAX];
};

/* The code point of the UTF-8 sequence at s (len bytes). */
static unsigned utf8_code(const unsigned char *s, size_t len)
{
	unsigned c = len == 1 ? s[0] : s[0] & (0xffu >> (len + 1));
	size_t i;

	for (i = 1; i < len; i++)
		c = c << 6 | (s[i] & 0x3fu);
	return c;
}

/* Controls (C0, DEL, C1) and the marks that reorder text (U+200E/F,
 * U+202A-U+202E, U+2066-U+2069): what could forge a line or hide one. */
static bool code_hidden(unsigned c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x200e ||
	       c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* Appends s with what code_hidden() names written as <U+XXXX>. */
static void put_readable(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, n = strlen(s);
	unsigned c;

	while (n > 0) {
		len = p[0] < 0x80 ? 1 : text_utf8_seq(p, n);
		c = len ? utf8_code(p, len) : 0xfffd;
		if (len == 0) {
			(void)buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
			len = 1;
		} else if (code_hidden(c))
			(void)buf_printf(b, "<U+%04X>", c);
		else
			(void)buf_append(b, p, len);
		p += len;
		n -= len;
	}
}

/* The text of a JSON value: a string or a number as written, true or
 * false; an object or array as "..." (notices hold none today). */
static void value_text(struct buf *b, yajl_val v)
{
	if (YAJL_IS_STRING(v))
		put_readable(b, YAJL_GET_STRING(v));
	else if (YAJL_IS_NUMBER(v))
		put_readable(b, YAJL_GET_NUMBER(v));
	else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		(void)buf_puts(b, YAJL_IS_TRUE(v) ? "true" : "false");
	else if (!YAJL_IS_NULL(v))
		(void)buf_puts(b, "...");
}

/* Reads the members of the notice's JSON object into n (those after
 * NOTICE_MEMBERS_MAX are left out; a "type" member is the subject's); n
 * borrows the keys from root. */
static void notice_read(yajl_val root, struct notice *n)
{
	size_t i;

	n->n = 0;
	if (!YAJL_IS_OBJECT(root))
		return;
	for (i = 0; i < root->u.object.len && n->n < NOTICE_MEMBERS_MAX; i++) {
		if (strcmp(root->u.object.keys[i], "type") == 0 ||
		    YAJL_IS_NULL(root->u.object.values[i]))
			continue;
		n->m[n->n].key = root->u.object.keys[i];
		buf_init(&n->m[n->n].value, 1 << 16);
		value_text(&n->m[n->n].value, root->u.object.values[i]);
		n->n++;
	}
}

static void notice_free(struct notice *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		buf_free(&n->m[i].value);
	n->n = 0;
}

/* Member key's text, or "unknown" when the notice has none. */
static const char *field(const struct notice *n, const char *key)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (strcmp(n->m[i].key, key) == 0)
			return n->m[i].value.data;
	return "unknown";
}

/* "s" unless the number written in n is 1. */
static const char *plural(const char *n)
{
	return strcmp(n, "1") == 0 ? "" : "s";
}

/*
 * What each notice says: its subject, and paragraphs (separated by a
 * blank line; a line that starts with two spaces is a command to run)
 * saying what happened, to which dataset or subscriber, and what to do.
 */
static void words_release(const struct notice *n, char *subject, size_t size,
			  struct buf *w)
{
	const char *ds = field(n, "dataset"), *rel = field(n, "release");

	snprintf(subject, size,
		 "[scrapewatch] New release of %s: %s added, %s removed", ds,
		 field(n, "added"), field(n, "removed"));
	(void)buf_printf(w,
			 "scrapewatch downloaded and indexed release %s of "
			 "%s: %s entries, with %s added, %s removed and %s "
			 "back again since the release before.\n\n"
			 "It gave %s subscriber event%s (photos of theirs "
			 "included, removed or back, or a first baseline); "
			 "the subscribers get their own alerts.\n\n"
			 "The release file's SHA-256: %s\n\n"
			 "Nothing needs doing. To see what changed, or every "
			 "release:\n  scrapewatch diff %s %s\n"
			 "  scrapewatch releases %s",
			 rel, ds, field(n, "entries"), field(n, "added"),
			 field(n, "removed"), field(n, "reincluded"),
			 field(n, "events"), plural(field(n, "events")),
			 field(n, "sha256"), ds, rel, ds);
}

static void words_failing(const struct notice *n, char *subject, size_t size,
			  struct buf *w)
{
	const char *ds = field(n, "dataset"), *k = field(n, "failures");

	snprintf(subject, size,
		 "[scrapewatch] %s is failing: %s check%s in a row", ds, k,
		 plural(k));
	(void)buf_printf(w,
			 "The last %s check%s of the dataset %s failed. The "
			 "last one said:\n  %s\n\nIts URL: %s\n\nscrapewatch "
			 "keeps trying, waiting longer after each failure. "
			 "What to do: see whether the URL still serves the "
			 "release (it may have moved, or need auth: or "
			 "headers:), fix the configuration if so, then try "
			 "it at once and see each dataset's last check:\n"
			 "  scrapewatch check %s\n  scrapewatch status",
			 k, plural(k), ds, field(n, "error"), field(n, "url"),
			 ds);
}

static void words_alert_failed(const struct notice *n, char *subject,
			       size_t size, struct buf *w)
{
	const char *sub = field(n, "subscriber"), *ch = field(n, "channel"),
		   *id = field(n, "alert"), *k = field(n, "attempts");

	snprintf(subject, size,
		 "[scrapewatch] An alert to %s could not be delivered by %s",
		 sub, ch);
	(void)buf_printf(w,
			 "The %s alert %s (%s) to the subscriber %s failed "
			 "for good after %s attempt%s. The last reply:\n  %s"
			 "\n\nThe subscriber has not been told. What to do: "
			 "check %s's %s address in the configuration, then "
			 "send the alert once more, and see its attempts:\n"
			 "  scrapewatch outbox retry %s\n"
			 "  scrapewatch outbox --failed",
			 ch, id, field(n, "alert_type"), sub, k, plural(k),
			 field(n, "reply"), sub, ch, id);
}

/* A notice of a type this file does not know: each member on a line. */
static void words_other(const struct notice *n, const char *type, char *subject,
			size_t size, struct buf *w)
{
	size_t i;

	snprintf(subject, size, "[scrapewatch] Notice: %s", type);
	(void)buf_printf(w, "scrapewatch has a notice of type %s for you:\n",
			 type);
	for (i = 0; i < n->n; i++) {
		(void)buf_puts(w, "\n  ");
		put_readable(w, n->m[i].key);
		(void)buf_printf(w, ": %s", n->m[i].value.data);
	}
}

static const struct {
	const char *type;
	void (*words)(const struct notice *n, char *subject, size_t size,
		      struct buf *w);
} notice_words[] = {
	{"dataset.release", words_release},
	{"dataset.failing", words_failing},
	{"alert.failed", words_alert_failed},
};

/* Writes the subject and the paragraphs of notice a. */
static void notice_render(const struct alert *a, char *subject, size_t size,
			  struct buf *w)
{
	yajl_val root = yajl_tree_parse(a->notice, NULL, 0);
	struct buf type;
	struct notice n;
	size_t i;

	notice_read(root, &n);
	buf_init(&type, sizeof(a->notice_type) * 8);
	put_readable(&type, a->notice_type);
	for (i = 0; i < ELEMENTSOF(notice_words); i++)
		if (strcmp(a->notice_type, notice_words[i].type) == 0)
			break;
	if (i < ELEMENTSOF(notice_words))
		notice_words[i].words(&n, subject, size, w);
	else
		words_other(&n, type.data, subject, size, w);
	text_utf8_trim(subject); /* a long name may have been cut */
	buf_free(&type);
	notice_free(&n);
	yajl_tree_free(root);
}

static void notice_text(struct buf *b, const struct alert *a, const char *words)
{
	(void)buf_printf(b,
			 "%s\n\n-- \nA notice for the operator of this "
			 "scrapewatch (operator: in its configuration).\n"
			 "Notice %s\n",
			 words, a->id);
}

/* The paragraphs as HTML: each in a <p>, its lines joined by <br>, a
 * command in <code>. */
static void notice_html(struct buf *b, const struct alert *a, const char *words)
{
	const char *p = words;
	struct buf line;
	size_t n;

	buf_init(&line, BODY_MAX);
	(void)buf_puts(b, "<p>");
	for (;;) {
		n = strcspn(p, "\n");
		buf_reset(&line);
		(void)buf_append(&line, p, n);
		if (strncmp(line.data, "  ", 2) == 0) {
			(void)buf_puts(b, "<code>");
			(void)text_html(b, line.data + 2);
			(void)buf_puts(b, "</code>");
		} else
			(void)text_html(b, line.data);
		p += n;
		if (!*p)
			break;
		if (p[1] == '\n') {
			(void)buf_puts(b, "</p>\n<p>");
			p += 2;
		} else {
			(void)buf_puts(b, "<br>\n");
			p++;
		}
	}
	buf_free(&line);
	(void)buf_puts(b, "</p>\n<p style=\"color:#777;font-size:12px\">A "
			  "notice for the operator of this scrapewatch. "
			  "Notice ");
	(void)text_html(b, a->id);
	(void)buf_puts(b, "</p>\n");
}

/* ---- plain text ---------------------------------------------------------- */

static void text_photo(struct buf *b, const struct alert_photo *p)
{
	char how[256];

	how_matched(how, sizeof(how), p);
	if (p->e.photo_id)
		(void)buf_printf(b, "  * Photo %llu (%s)\n    ",
				 (unsigned long long)p->e.photo_id, how);
	else
		(void)buf_printf(b, "  * %s (%s)\n    ", p->e.key_text, how);
	photo_page_url(&p->e, b);
	(void)buf_putc(b, '\n');
}

static void text_event(struct buf *b, const struct alert *a,
		       const struct alert_event *ev, const struct config *c)
{
	const struct config_dataset *d = config_find_dataset(c, ev->dataset);
	char sentence[512];
	size_t i;

	event_sentence(sentence, sizeof(sentence), ev);
	(void)buf_printf(b, "%s\n\n", sentence);
	for (i = 0; i < ev->n_photos; i++)
		text_photo(b, &ev->photos[i]);
	if (ev->n_photos)
		(void)buf_putc(b, '\n');
	if (ev->type == STORE_EVENT_REMOVED) {
		(void)buf_puts(b, "Keep this message: it is the receipt that "
				  "the removal happened.\n\n");
		return;
	}
	if (!ev->n_photos)
		return;
	if (d && d->optout)
		(void)buf_printf(b,
				 "To ask %s's maintainers to remove them: "
				 "%s\n",
				 ev->dataset, d->optout);
	(void)buf_printf(b,
			 "The operator of this scrapewatch can write the "
			 "removal request and the\nevidence (each manifest "
			 "record with its release's SHA-256) for you:\n"
			 "  scrapewatch optout request %s %s\n"
			 "  scrapewatch evidence %s --dataset %s --out DIR\n\n",
			 a->subscriber, ev->dataset, a->subscriber,
			 ev->dataset);
}

static void render_text(struct buf *b, const struct alert *a,
			const struct config *c)
{
	size_t i;

	(void)buf_printf(b, "Hello %s,\n\n", a->subscriber);
	if (a->kind == STORE_ALERT_TEST)
		(void)buf_printf(b, "%s\n\n", TEST_MESSAGE);
	for (i = 0; i < a->n_events; i++)
		text_event(b, a, &a->events[i], c);
	(void)buf_printf(b,
			 "-- \nscrapewatch watches face-recognition datasets "
			 "for your Flickr photos.\nAlert %s\n",
			 a->id);
}

/* ---- HTML ---------------------------------------------------------------- */

/* The host of the http(s) URL url ("" when it has none, or has a userinfo
 * part, which a link could hide a host behind), into out. */
static void url_host(const char *url, char *out, size_t size)
{
	const char *p = NULL, *end;
	size_t n;

	out[0] = '\0';
	if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	if (!p)
		return;
	end = p + strcspn(p, "/?#\\");
	if (memchr(p, '@', (size_t)(end - p)))
		return;
	n = strcspn(p, ":/?#\\"); /* without the port */
	if (n < size)
		snprintf(out, size, "%.*s", (int)n, p);
}

/* True if the manifest's page URL url may be a link: an http(s) URL that
 * Flickr's own address forms recognise (pages, static images, flic.kr), or
 * one on the host of the dataset d's configured http(s) URL. */
static bool link_allowed(const char *url, const struct config_dataset *d)
{
	struct flickr_ref ref;
	char host[256], own[256];

	url_host(url, host, sizeof(host));
	if (!host[0])
		return false;
	if (flickr_parse(url, strlen(url), &ref) == 0 &&
	    (ref.kind == FLICKR_PAGE || ref.kind == FLICKR_STATIC ||
	     ref.kind == FLICKR_SHORT || ref.kind == FLICKR_BUDDYICON))
		return true;
	if (!d)
		return false;
	url_host(d->url, own, sizeof(own));
	return own[0] && strcasecmp(host, own) == 0;
}

/* The photo's page as a link, or, when the manifest gave a page URL that
 * may not be one, its id with the URL as text. */
static void html_page(struct buf *b, const struct alert_photo *p,
		      const char *label, const struct config_dataset *d,
		      struct buf *scratch)
{
	buf_reset(scratch);
	photo_page_url(&p->e, scratch);
	(void)buf_putc(scratch, '\0');
	/* A page built from the photo id and owner (no manifest URL) is
	 * Flickr's own address. */
	if (*scratch->data &&
	    (!*p->e.page_url || link_allowed(scratch->data, d))) {
		(void)buf_puts(b, "<a href=\"");
		(void)text_html(b, scratch->data);
		(void)buf_puts(b, "\">");
		(void)text_html(b, label);
		(void)buf_puts(b, "</a>");
		return;
	}
	(void)text_html(b, label);
	if (!*scratch->data)
		return;
	(void)buf_puts(b, "<br><span style=\"color:#777;font-size:12px\">");
	(void)text_html(b, scratch->data);
	(void)buf_puts(b, "</span>");
}

static void html_photo(struct buf *b, const struct alert_photo *p,
		       const struct config_dataset *d, struct buf *scratch)
{
	char how[256], id[32];

	how_matched(how, sizeof(how), p);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)p->e.photo_id);
	(void)buf_puts(b, "<tr><td style=\"padding:4px 8px 4px 0\">");
	buf_reset(scratch);
	if (photo_thumbnail_url(&p->e, scratch)) {
		(void)buf_putc(scratch, '\0');
		(void)buf_puts(b,
			       "<img width=\"75\" height=\"75\" alt=\"photo ");
		(void)text_html(b, p->e.photo_id ? id : p->e.key_text);
		(void)buf_puts(b, "\" src=\"");
		(void)text_html(b, scratch->data);
		(void)buf_puts(b, "\">");
	}
	(void)buf_puts(b, "</td><td style=\"padding:4px 8px\">");
	html_page(b, p, p->e.photo_id ? id : p->e.key_text, d, scratch);
	(void)buf_puts(b, "</td><td style=\"padding:4px 8px\">");
	(void)text_html(b, how);
	(void)buf_puts(b, "</td></tr>\n");
}

static void html_event(struct buf *b, const struct alert *a,
		       const struct alert_event *ev, const struct config *c)
{
	const struct config_dataset *d = config_find_dataset(c, ev->dataset);
	char sentence[512];
	struct buf scratch;
	size_t i;

	buf_init(&scratch, 1 << 16);
	event_sentence(sentence, sizeof(sentence), ev);
	(void)buf_puts(b, "<p style=\"font-size:16px\">");
	(void)text_html(b, sentence);
	(void)buf_puts(b, "</p>\n");
	if (ev->n_photos) {
		(void)buf_puts(b, "<table style=\"border-collapse:collapse\">"
				  "\n<tr style=\"text-align:left\"><th></th>"
				  "<th style=\"padding:4px 8px\">Photo</th>"
				  "<th style=\"padding:4px 8px\">Matched by"
				  "</th></tr>\n");
		for (i = 0; i < ev->n_photos; i++)
			html_photo(b, &ev->photos[i], d, &scratch);
		(void)buf_puts(b, "</table>\n");
	}
	buf_free(&scratch);
	if (ev->type == STORE_EVENT_REMOVED) {
		(void)buf_puts(b, "<p>Keep this message: it is the receipt "
				  "that the removal happened.</p>\n");
		return;
	}
	if (!ev->n_photos)
		return;
	if (d && d->optout) {
		(void)buf_puts(b, "<p>To ask the maintainers to remove them: "
				  "<a href=\"");
		(void)text_html(b, d->optout);
		(void)buf_puts(b, "\">");
		(void)text_html(b, d->optout);
		(void)buf_puts(b, "</a></p>\n");
	}
	(void)buf_puts(b, "<p>The operator of this scrapewatch can write the "
			  "removal request and the evidence for you:<br>"
			  "<code>scrapewatch optout request ");
	(void)text_html(b, a->subscriber);
	(void)buf_putc(b, ' ');
	(void)text_html(b, ev->dataset);
	(void)buf_puts(b, "</code><br><code>scrapewatch evidence ");
	(void)text_html(b, a->subscriber);
	(void)buf_puts(b, " --dataset ");
	(void)text_html(b, ev->dataset);
	(void)buf_puts(b, " --out DIR</code></p>\n");
}

/* The HTML part; words: a notice's paragraphs, or NULL for the others. */
static void render_html(struct buf *b, const struct mailbody *m,
			const struct alert *a, const struct config *c,
			const char *words)
{
	size_t i;

	(void)buf_puts(b,
		       "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		       "<title>");
	(void)text_html(b, m->subject);
	(void)buf_puts(b, "</title></head>\n<body style=\"font-family:sans-"
			  "serif;color:#222;max-width:640px\">\n");
	(void)buf_puts(b, "<h1 style=\"font-size:20px;border-bottom:2px solid "
			  "#c33;padding-bottom:6px\">");
	(void)text_html(b, m->subject);
	(void)buf_puts(b, "</h1>\n");
	if (words) {
		notice_html(b, a, words);
		(void)buf_puts(b, "</body></html>\n");
		return;
	}
	(void)buf_puts(b, "<p>Hello ");
	(void)text_html(b, a->subscriber);
	(void)buf_puts(b, ",</p>\n");
	if (a->kind == STORE_ALERT_TEST)
		(void)buf_puts(b, "<p>" TEST_MESSAGE "</p>\n");
	for (i = 0; i < a->n_events; i++)
		html_event(b, a, &a->events[i], c);
	(void)buf_puts(b, "<p style=\"color:#777;font-size:12px\">scrapewatch "
			  "watches face-recognition datasets for your Flickr "
			  "photos. Alert ");
	(void)text_html(b, a->id);
	(void)buf_puts(b, "</p>\n</body></html>\n");
}

void mailbody_render(const struct alert *a, const struct config *c,
		     struct mailbody *m)
{
	struct buf words;

	buf_init(&m->text, BODY_MAX);
	buf_init(&m->html, BODY_MAX);
	if (a->kind == STORE_ALERT_NOTICE) {
		buf_init(&words, BODY_MAX);
		notice_render(a, m->subject, sizeof(m->subject), &words);
		notice_text(&m->text, a, words.data);
		render_html(&m->html, m, a, c, words.data);
		buf_free(&words);
	} else {
		subject_of(m->subject, sizeof(m->subject), a, c);
		render_text(&m->text, a, c);
		render_html(&m->html, m, a, c, NULL);
	}
	(void)buf_putc(&m->text, '\0');
	(void)buf_putc(&m->html, '\0');
}

void mailbody_free(struct mailbody *m)
{
	buf_free(&m->text);
	buf_free(&m->html);
}
