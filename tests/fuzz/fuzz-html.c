/*
 * fuzz-html.c: the page a host sends in place of a file (fetch/html.h) on
 * hostile bytes.
 *
 * The whole input goes to html_sniff() (at every length up to 64 bytes,
 * then whole), html_title() and html_forms(), and each form to
 * html_form_url() with a roomy and a tight maximum.  Oracles, from the
 * header's contracts: a sniff of a complete body never asks for more, and
 * one that tells keeps telling the same as bytes come; a title is
 * terminated, no longer than its cap and free of white-space runs at its
 * ends; forms and inputs stay within their caps, inputs are named; a URL
 * begins with the action (its fragment cut) and is either whole or
 * -E2BIG within the maximum.
 */
#include "fetch/html.h"
#include "fuzz.h"
#include "lib/buf.h"

static void check_sniff(const char *s, size_t len)
{
	int told = -EAGAIN, r;
	size_t n;

	for (n = 0; n <= len && n <= 64; n++) {
		r = html_sniff(s, n, false);
		FUZZ_CHECK(r == 1 || r == 0 || r == -EAGAIN);
		if (told != -EAGAIN)
			FUZZ_CHECK(r == told);
		if (r != -EAGAIN)
			told = r;
		r = html_sniff(s, n, true);
		FUZZ_CHECK(r == 1 || r == 0);
	}
	FUZZ_CHECK(html_sniff(s, len, true) != -EAGAIN);
}

static void check_title(const char *s, size_t len)
{
	char out[HTML_TITLE_MAX + 8], tiny[4];
	size_t n;

	memset(out, 'x', sizeof(out));
	html_title(s, len, out, sizeof(out));
	n = strnlen(out, sizeof(out));
	FUZZ_CHECK(n < sizeof(out));
	FUZZ_CHECK(n <= HTML_TITLE_MAX + 3);
	if (n)
		FUZZ_CHECK(out[0] != ' ' && out[n - 1] != ' ');
	html_title(s, len, tiny, sizeof(tiny));
	FUZZ_CHECK(strnlen(tiny, sizeof(tiny)) < sizeof(tiny));
}

static void check_url(const struct html_form *f, size_t max)
{
	size_t alen = strcspn(f->action, "#");
	struct buf b;
	int r;

	buf_init(&b, max);
	r = html_form_url(f, &b);
	FUZZ_CHECK(r == 0 || r == -E2BIG);
	FUZZ_CHECK(b.len <= max && b.data[b.len] == '\0');
	if (r == 0) {
		FUZZ_CHECK(b.len >= alen);
		FUZZ_CHECK(memcmp(b.data, f->action, alen) == 0);
		FUZZ_CHECK(!memchr(b.data + alen, '#', b.len - alen));
	}
	buf_free(&b);
}

static void check_forms(const char *s, size_t len)
{
	struct html_form *forms = NULL;
	size_t n = html_forms(s, len, &forms), i, j;

	FUZZ_CHECK(n <= HTML_FORMS_MAX);
	FUZZ_CHECK((n == 0) == (forms == NULL));
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(forms[i].action != NULL);
		FUZZ_CHECK(forms[i].n_inputs <= HTML_INPUTS_MAX);
		for (j = 0; j < forms[i].n_inputs; j++) {
			FUZZ_CHECK(forms[i].inputs[j].name[0] != '\0');
			FUZZ_CHECK(forms[i].inputs[j].value != NULL);
		}
		check_url(&forms[i], 1 << 20);
		check_url(&forms[i], 16);
	}
	html_forms_free(forms, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	/* An exact copy, so a read past the end trips ASan. */
	s = malloc(size ? size : 1);
	FUZZ_CHECK(s != NULL);
	if (size)
		memcpy(s, data, size);
	check_sniff(s, size);
	check_title(s, size);
	check_forms(s, size);
	free(s);
	return 0;
}
