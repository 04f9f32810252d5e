/*
 * html.c: the HTML page in place of a file (html.h).  One scanner walks
 * the tags: a comment is skipped, a script's or style's text too, and of
 * each tag only the attributes a title or a form needs are kept (the
 * first of a name, as browsers do).  Nothing here allocates in proportion
 * to more than the page itself, and the callers cap the page.
 */
#include "fetch/html.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/macro.h"
#include "lib/text.h"
#include "lib/xalloc.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

bool html_type(const char *content_type)
{
	const char *s = content_type;
	size_t n;

	if (!s)
		return false;
	while (is_space(*s))
		s++;
	n = strcspn(s, "; \t");
	return (n == 9 && strncasecmp(s, "text/html", n) == 0) ||
	       (n == 21 && strncasecmp(s, "application/xhtml+xml", n) == 0);
}

int html_sniff(const char *head, size_t len, bool complete)
{
	static const char bom[] = "\xef\xbb\xbf";
	static const char *const starts[] = {"<!doctype html", "<html"};
	bool maybe = false;
	size_t i, j, n;

	if (len < 3 && memcmp(head, bom, len) == 0)
		return complete ? 0 : -EAGAIN;
	if (len >= 3 && memcmp(head, bom, 3) == 0) {
		head += 3;
		len -= 3;
	}
	while (len && is_space(*head)) {
		head++;
		len--;
	}
	for (i = 0; i < ELEMENTSOF(starts); i++) {
		n = strlen(starts[i]);
		for (j = 0; j < n && j < len; j++)
			if (lower(head[j]) != starts[i][j])
				break;
		if (j == n)
			return 1;
		if (j == len)
			maybe = true;
	}
	return maybe && !complete ? -EAGAIN : 0;
}

/* ---- character references ------------------------------------------------ */

/* Appends code point cp in UTF-8 (U+FFFD for one that is not a
 * character). */
static void put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		u[0] = (char)cp;
		(void)buf_append(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		(void)buf_append(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		(void)buf_append(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		(void)buf_append(b, u, 4);
	}
}

/* A named reference at s[0..len) (s[0] is '&'): appends what it stands
 * for and returns its length, or 0 if it is none this knows. */
static size_t named_reference(struct buf *b, const char *s, size_t len)
{
	static const struct {
		const char *name;
		uint32_t cp;
	} named[] = {
		{"amp;", '&'},	{"lt;", '<'},	 {"gt;", '>'},
		{"quot;", '"'}, {"apos;", '\''}, {"nbsp;", 0xa0},
	};
	size_t n;

	for (n = 0; n < ELEMENTSOF(named); n++) {
		size_t l = strlen(named[n].name);

		if (len > l && memcmp(s + 1, named[n].name, l) == 0) {
			put_utf8(b, named[n].cp);
			return l + 1;
		}
	}
	return 0;
}

static int hex_digit(char c)
{
	c = lower(c);
	if (c >= '0' && c <= '9')
		return c - '0';
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A numeric reference ("&#39;", "&#x27;") at s[0..len), as
 * named_reference(). */
static size_t numeric_reference(struct buf *b, const char *s, size_t len)
{
	bool hex = len > 2 && (s[2] == 'x' || s[2] == 'X');
	size_t start = hex ? 3 : 2, i;
	unsigned base = hex ? 16 : 10;
	uint32_t cp = 0;

	if (len < 4 || s[1] != '#')
		return 0;
	for (i = start; i < len && i < start + 8 && s[i] != ';'; i++) {
		int d = hex_digit(s[i]);

		if (d < 0 || (unsigned)d >= base)
			return 0;
		cp = cp * base + (uint32_t)d;
	}
	if (i >= len || s[i] != ';' || i == start)
		return 0;
	put_utf8(b, cp); /* U+FFFD for what is no character */
	return i + 1;
}

/* Appends s[0..len) with its character references decoded. */
static void decode(struct buf *b, const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		const char *amp = memchr(s + i, '&', len - i);
		size_t run = amp ? (size_t)(amp - (s + i)) : len - i;

		(void)buf_append(b, s + i, run);
		i += run;
		if (i >= len)
			break;
		n = named_reference(b, s + i, len - i);
		if (n == 0)
			n = numeric_reference(b, s + i, len - i);
		if (n == 0) {
			(void)buf_putc(b, '&');
			n = 1;
		}
		i += n;
	}
}

/* s[0..len) decoded, in a new string. */
static char *decoded(const char *s, size_t len)
{
	struct buf b;

	buf_init(&b, len + 1);
	decode(&b, s, len);
	return buf_steal(&b);
}

/* ---- tags ---------------------------------------------------------------- */

struct scan {
	const char *p, *end;
};

enum {
	ATTR_ACTION,
	ATTR_METHOD,
	ATTR_TYPE,
	ATTR_NAME,
	ATTR_VALUE,
	N_ATTRS,
};

static const char *const attr_names[N_ATTRS] = {
	[ATTR_ACTION] = "action", [ATTR_METHOD] = "method",
	[ATTR_TYPE] = "type",	  [ATTR_NAME] = "name",
	[ATTR_VALUE] = "value",
};

/* A tag: its name (lower case, cut) and the attributes kept, raw (NULL
 * when absent, "" when given without a value). */
struct tag {
	char name[16];
	bool closing;
	const char *attr[N_ATTRS];
	size_t attr_len[N_ATTRS];
};

/* Where needle (lower case) is in s[0..len), in any case; NULL if not. */
static const char *find_nocase(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i, j;

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n && lower(s[i + j]) == needle[j]; j++)
			;
		if (j == n)
			return s + i;
	}
	return NULL;
}

/* Moves past the next tag's name, which goes into t.  Comments are
 * skipped, and so are "<!...", "<?..." and a '<' that begins no tag.
 * Returns false at the end of the page. */
static bool next_tag_name(struct scan *s, struct tag *t)
{
	for (;;) {
		const char *lt = memchr(s->p, '<', (size_t)(s->end - s->p));
		size_t n = 0;

		if (!lt) {
			s->p = s->end;
			return false;
		}
		s->p = lt + 1;
		if (s->end - s->p >= 3 && memcmp(s->p, "!--", 3) == 0) {
			const char *e = find_nocase(
				s->p + 3, (size_t)(s->end - s->p - 3), "-->");

			s->p = e ? e + 3 : s->end;
			continue;
		}
		t->closing = s->p < s->end && *s->p == '/';
		if (t->closing)
			s->p++;
		if (s->p >= s->end || !is_alnum(*s->p))
			continue;
		while (s->p < s->end && (is_alnum(*s->p) || *s->p == '-')) {
			if (n + 1 < sizeof(t->name))
				t->name[n++] = lower(*s->p);
			s->p++;
		}
		t->name[n] = '\0';
		return true;
	}
}

/* Whether the attribute name s[0..len) is the one kept at index *ret. */
static bool attr_index(const char *s, size_t len, size_t *ret)
{
	size_t i;

	for (i = 0; i < N_ATTRS; i++)
		if (strlen(attr_names[i]) == len &&
		    strncasecmp(s, attr_names[i], len) == 0) {
			*ret = i;
			return true;
		}
	return false;
}

/* An attribute's value, after its '=': quoted or not. */
static void attr_value(struct scan *s, const char **ret, size_t *ret_len)
{
	const char *v;

	while (s->p < s->end && is_space(*s->p))
		s->p++;
	if (s->p < s->end && (*s->p == '"' || *s->p == '\'')) {
		const char *q =
			memchr(s->p + 1, *s->p, (size_t)(s->end - s->p - 1));

		v = s->p + 1;
		s->p = q ? q + 1 : s->end;
		*ret = v;
		*ret_len = (size_t)((q ? q : s->end) - v);
		return;
	}
	v = s->p;
	while (s->p < s->end && !is_space(*s->p) && *s->p != '>')
		s->p++;
	*ret = v;
	*ret_len = (size_t)(s->p - v);
}

static bool ends_attr_name(char c)
{
	return is_space(c) || c == '/' || c == '>' || c == '=';
}

/* Reads the tag's attributes up to and past its '>'. */
static void read_attrs(struct scan *s, struct tag *t)
{
	for (;;) {
		const char *name, *v = "";
		size_t len, vlen = 0, i;

		while (s->p < s->end && (is_space(*s->p) || *s->p == '/'))
			s->p++;
		if (s->p >= s->end || *s->p == '>') {
			s->p += s->p < s->end;
			return;
		}
		name = s->p;
		while (s->p < s->end && !ends_attr_name(*s->p))
			s->p++;
		len = (size_t)(s->p - name);
		while (s->p < s->end && is_space(*s->p))
			s->p++;
		if (s->p < s->end && *s->p == '=') {
			s->p++;
			attr_value(s, &v, &vlen);
		}
		if (len > 0 && attr_index(name, len, &i) && !t->attr[i]) {
			t->attr[i] = v;
			t->attr_len[i] = vlen;
		}
	}
}

/* The next tag, its attributes read.  The text of a script or a style
 * is skipped: a "<form" in it is no form. */
static bool next_tag(struct scan *s, struct tag *t)
{
	*t = (struct tag){0};
	if (!next_tag_name(s, t))
		return false;
	read_attrs(s, t);
	if (!t->closing &&
	    (strcmp(t->name, "script") == 0 || strcmp(t->name, "style") == 0)) {
		char end[24];
		const char *e;

		snprintf(end, sizeof(end), "</%s", t->name);
		e = find_nocase(s->p, (size_t)(s->end - s->p), end);
		s->p = e ? e : s->end;
	}
	return true;
}

/* The decoded value of attribute i, in a new string; NULL if absent. */
static char *attr_decoded(const struct tag *t, size_t i)
{
	return t->attr[i] ? decoded(t->attr[i], t->attr_len[i]) : NULL;
}

/* ---- the title ----------------------------------------------------------- */

/* Collapses each run of white space in s to one space, and trims it. */
static void collapse_space(char *s)
{
	char *w = s;
	const char *r;
	bool space = false;

	for (r = s; *r; r++) {
		if (is_space(*r)) {
			space = w > s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = '\0';
}

void html_title(const char *page, size_t len, char *out, size_t size)
{
	struct scan s = {page, page + len};
	const char *end;
	struct tag t;
	struct buf b;

	out[0] = '\0';
	while (next_tag(&s, &t))
		if (!t.closing && strcmp(t.name, "title") == 0)
			break;
	if (s.p >= s.end)
		return;
	end = find_nocase(s.p, (size_t)(s.end - s.p), "</title");
	buf_init(&b, len + 1);
	decode(&b, s.p, (size_t)((end ? end : s.end) - s.p));
	collapse_space(b.data);
	if (strlen(b.data) > HTML_TITLE_MAX) {
		char cut[HTML_TITLE_MAX + 1];

		memcpy(cut, b.data, HTML_TITLE_MAX);
		cut[HTML_TITLE_MAX] = '\0';
		text_utf8_trim(cut);
		snprintf(out, size, "%s...", cut);
	} else
		snprintf(out, size, "%s", b.data);
	buf_free(&b);
}

/* ---- forms --------------------------------------------------------------- */

/* Is attribute i of t, decoded, word (in any case)? */
static bool attr_is(const struct tag *t, size_t i, const char *word)
{
	_cleanup_free_ char *v = attr_decoded(t, i);

	return v && strcasecmp(v, word) == 0;
}

static void form_add_input(struct html_form *f, const struct tag *t)
{
	_cleanup_free_ char *name = attr_decoded(t, ATTR_NAME);
	struct html_input *in;

	if (!name || !name[0] || !attr_is(t, ATTR_TYPE, "hidden") ||
	    f->n_inputs >= HTML_INPUTS_MAX)
		return;
	f->inputs =
		xreallocarray(f->inputs, f->n_inputs + 1, sizeof(*f->inputs));
	in = &f->inputs[f->n_inputs++];
	in->name = TAKE_PTR(name);
	in->value = attr_decoded(t, ATTR_VALUE);
	if (!in->value)
		in->value = xstrdup("");
}

size_t html_forms(const char *page, size_t len, struct html_form **ret)
{
	struct scan s = {page, page + len};
	struct html_form *forms = NULL, *cur = NULL;
	size_t n = 0;
	struct tag t;

	while (next_tag(&s, &t)) {
		bool form = strcmp(t.name, "form") == 0;

		if (form && t.closing) {
			cur = NULL;
		} else if (form) {
			_cleanup_free_ char *method =
				attr_decoded(&t, ATTR_METHOD);

			if (n >= HTML_FORMS_MAX)
				break;
			forms = xreallocarray(forms, n + 1, sizeof(*forms));
			cur = &forms[n++];
			*cur = (struct html_form){
				.action = attr_decoded(&t, ATTR_ACTION),
				.get = !method || !method[0] ||
				       strcasecmp(method, "get") == 0,
			};
			if (!cur->action)
				cur->action = xstrdup("");
		} else if (cur && !t.closing && strcmp(t.name, "input") == 0) {
			form_add_input(cur, &t);
		}
	}
	*ret = forms;
	return n;
}

void html_forms_free(struct html_form *forms, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < forms[i].n_inputs; j++) {
			free(forms[i].inputs[j].name);
			free(forms[i].inputs[j].value);
		}
		free(forms[i].inputs);
		free(forms[i].action);
	}
	free(forms);
}

/* Appends s percent-encoded: all but the unreserved characters. */
static int put_encoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	for (; *s && r >= 0; s++) {
		unsigned char c = (unsigned char)*s;
		char pct[3] = {'%', hex[c >> 4], hex[c & 15]};

		if (is_alnum(*s) || strchr("-._~", *s))
			r = buf_putc(b, *s);
		else
			r = buf_append(b, pct, sizeof(pct));
	}
	return r;
}

int html_form_url(const struct html_form *form, struct buf *b)
{
	size_t alen = strcspn(form->action, "#"), i;
	char sep = memchr(form->action, '?', alen) ? '&' : '?';
	int r = buf_append(b, form->action, alen);

	for (i = 0; i < form->n_inputs && r >= 0; i++) {
		r = buf_putc(b, i == 0 ? sep : '&');
		if (r >= 0)
			r = put_encoded(b, form->inputs[i].name);
		if (r >= 0)
			r = buf_putc(b, '=');
		if (r >= 0)
			r = put_encoded(b, form->inputs[i].value);
	}
	return r;
}
