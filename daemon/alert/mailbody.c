/*
 * mailbody.c: the words of alert emails (mailbody.h).
 *
 * Each event becomes a sentence and a list of photos, written twice: as
 * plain text and as HTML (inline styles only: mail clients drop style
 * sheets).  Everything from the store or the configuration is escaped for
 * HTML.
 */
#include "alert/mailbody.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert/photo.h"
#include "lib/macro.h"
#include "lib/text.h"

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

	if (a->kind == STORE_ALERT_NOTICE)
		snprintf(out, size, "[scrapewatch] %s", a->notice_type);
	else if (a->kind == STORE_ALERT_TEST)
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

	if (a->kind == STORE_ALERT_NOTICE) {
		(void)buf_printf(b, "scrapewatch notice: %s\n\n%s\n",
				 a->notice_type, a->notice);
		return;
	}
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

static void html_photo(struct buf *b, const struct alert_photo *p,
		       struct buf *scratch)
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
	(void)buf_puts(b, "</td><td style=\"padding:4px 8px\"><a href=\"");
	buf_reset(scratch);
	photo_page_url(&p->e, scratch);
	(void)buf_putc(scratch, '\0');
	(void)text_html(b, scratch->data);
	(void)buf_puts(b, "\">");
	(void)text_html(b, p->e.photo_id ? id : p->e.key_text);
	(void)buf_puts(b, "</a></td><td style=\"padding:4px 8px\">");
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
			html_photo(b, &ev->photos[i], &scratch);
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

static void render_html(struct buf *b, const struct mailbody *m,
			const struct alert *a, const struct config *c)
{
	size_t i;

	(void)buf_puts(b,
		       "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		       "<title>");
	(void)text_html(b, m->subject);
	(void)buf_puts(b, "</title></head>\n<body style=\"font-family:sans-"
			  "serif;color:#222;max-width:640px\">\n");
	if (a->kind == STORE_ALERT_NOTICE) {
		(void)buf_puts(b, "<p>scrapewatch notice: <b>");
		(void)text_html(b, a->notice_type);
		(void)buf_puts(b, "</b></p>\n<pre>");
		(void)text_html(b, a->notice);
		(void)buf_puts(b, "</pre>\n</body></html>\n");
		return;
	}
	(void)buf_puts(b, "<h1 style=\"font-size:20px;border-bottom:2px solid "
			  "#c33;padding-bottom:6px\">");
	(void)text_html(b, m->subject);
	(void)buf_puts(b, "</h1>\n<p>Hello ");
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
	subject_of(m->subject, sizeof(m->subject), a, c);
	buf_init(&m->text, BODY_MAX);
	buf_init(&m->html, BODY_MAX);
	render_text(&m->text, a, c);
	render_html(&m->html, m, a, c);
	(void)buf_putc(&m->text, '\0');
	(void)buf_putc(&m->html, '\0');
}

void mailbody_free(struct mailbody *m)
{
	buf_free(&m->text);
	buf_free(&m->html);
}
