/*
 * html.h: reading the HTML page a host sends in place of a file: telling a
 * page from a file by its Content-Type or its first bytes, the page's
 * title (for an error that names it), and its forms, each with its action
 * and hidden inputs, to submit by GET.  A tolerant tag scanner, not an
 * HTML parser: attributes in any order, quoted with " or ' or not at all,
 * names in any case, the usual character references decoded.  What it
 * returns is the server's text, raw: escape it (text_escape()) before
 * showing it.  Pure: no I/O, no logging.
 */
#ifndef SCRAPEWATCH_HTML_H
#define SCRAPEWATCH_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

#define HTML_TITLE_MAX	100 /* bytes of a title kept, "..." after */
#define HTML_FORMS_MAX	32  /* forms read from one page */
#define HTML_INPUTS_MAX 64  /* hidden inputs read from one form */

/* Is content_type (a Content-Type value, NULL or "" for none) an HTML
 * page's: text/html or application/xhtml+xml, parameters aside? */
bool html_type(const char *content_type);

/* Do the first len bytes of a body begin an HTML page: after white space
 * (and a UTF-8 byte order mark) "<!DOCTYPE html" or "<html", in any case?
 * Returns 1 (a page), 0 (not one), or -EAGAIN when those bytes could still
 * begin one and more are needed to tell; complete says there are no more
 * (nor -EAGAIN then). */
int html_sniff(const char *head, size_t len, bool complete);

/* The text of the page's first <title>, character references decoded and
 * white space collapsed, cut to HTML_TITLE_MAX bytes (UTF-8 kept whole,
 * "..." appended), into out (always terminated); "" if it has none. */
void html_title(const char *page, size_t len, char *out, size_t size);

/* A hidden input: <input type="hidden" name=... value=...>. */
struct html_input {
	char *name;  /* owned, decoded */
	char *value; /* owned, decoded; "" when it has none */
};

struct html_form {
	char *action; /* owned, decoded; "" when it has none */
	bool get;     /* its method is GET (as when it says none) */
	struct html_input *inputs; /* owned: its hidden inputs, in order */
	size_t n_inputs;
};

/* The page's forms, in order, at most HTML_FORMS_MAX, each with its first
 * HTML_INPUTS_MAX hidden inputs (a form left open ends with the page).
 * Returns how many, with the array in *ret (NULL when none); free it with
 * html_forms_free(). */
size_t html_forms(const char *page, size_t len, struct html_form **ret);

void html_forms_free(struct html_form *forms, size_t n);

/* Appends the URL submitting form by GET: its action, then '?' (or '&'
 * when the action has a query already) and name=value for each hidden
 * input, joined by '&', both percent-encoded (all but A-Z a-z 0-9 - . _
 * ~).  Returns 0 or -E2BIG (b's maximum reached; b holds a prefix). */
int html_form_url(const struct html_form *form, struct buf *b);

#endif
