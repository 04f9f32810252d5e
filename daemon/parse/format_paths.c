/*
 * format_paths.c: path lists, one file path or URL a line (MegaFace's
 * FlickrFinal2/<3 chars>/<NSID>/<photoid>_<face>.jpg, DiveFace's
 * <NSID>_identity_<k>/<photoid>_<face>.jpg, or plain URL lists).
 *
 * Lines come from the splitter of lines.h (LF or CRLF ends, bounded length,
 * no copy for lines inside a chunk).  Spaces and tabs around a line are
 * dropped; empty lines and lines starting with '#' are skipped.  A line
 * starting with http:// or https:// (any case) is a URL, any other a path;
 * entry_identify() finds the Flickr photo and owner in either.  A line with
 * a control byte or invalid UTF-8 is reported and skipped, as is a line
 * longer than max_record.  The column map of the config does not apply.
 * This file must not log and holds at most one line of the input.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/lines.h"
#include "lib/macro.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "parse/format.h"

struct paths {
	struct lines lines;
	struct format_sink sink;
	size_t max_line;
};

extern const struct format format_paths;

/* What is wrong with a line's text, or NULL.  One pass; tabs are fine. */
static const char *paths_check(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n;

	while (p < end) {
		if ((*p >= 0x20 && *p < 0x80) || *p == '\t') {
			p++;
			continue;
		}
		if (*p == '\0')
			return "NUL byte in line";
		if (*p < 0x20)
			return "control character in line";
		n = text_utf8_seq(p, (size_t)(end - p));
		if (n == 0)
			return "invalid UTF-8 in line";
		p += n;
	}
	return NULL;
}

/* True if s starts with prefix (lower case), ignoring ASCII case. */
static bool paths_prefix(const char *s, size_t len, const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (len < n)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch != prefix[i])
			return false;
	}
	return true;
}

static bool paths_is_url(const char *s, size_t len)
{
	return paths_prefix(s, len, "http://") ||
	       paths_prefix(s, len, "https://");
}

static void paths_bad(struct paths *p, uint64_t line, const char *why)
{
	p->sink.report(p->sink.userdata, line, false, why);
}

static int paths_line(void *userdata, const char *s, size_t len,
		      uint64_t number, uint64_t offset, uint64_t length)
{
	struct paths *p = userdata;
	const char *why;
	struct entry e;
	char msg[64];

	if (!s) {
		snprintf(msg, sizeof(msg), "line longer than %zu bytes",
			 p->max_line);
		paths_bad(p, number, msg);
		return 0;
	}
	/* A UTF-8 byte order mark before the first line is not text. */
	if (offset == 0 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		len -= 3;
		offset += 3;
		length -= 3;
	}
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || *s == '#')
		return 0;
	why = paths_check(s, len);
	if (why) {
		paths_bad(p, number, why);
		return 0;
	}
	e = (struct entry){.line = number, .offset = offset, .length = length};
	e.field[paths_is_url(s, len) ? ENTRY_FIELD_URL : ENTRY_FIELD_PATH] =
		(struct entry_text){s, len};
	entry_identify(&e);
	return p->sink.entry(p->sink.userdata, &e);
}

static int paths_open(const struct format_options *d _unused_,
		      const struct format_limits *limits,
		      const struct format_sink *sink, void **ret)
{
	struct paths *p = xcalloc(1, sizeof(*p));

	p->sink = *sink;
	p->max_line = limits->max_record;
	lines_init(&p->lines, limits->max_record, paths_line, p);
	*ret = p;
	return 0;
}

static int paths_feed(void *parser, const char *data, size_t len)
{
	struct paths *p = parser;

	return lines_feed(&p->lines, data, len);
}

static int paths_finish(void *parser)
{
	struct paths *p = parser;

	return lines_finish(&p->lines);
}

static void *paths_free(void *parser)
{
	struct paths *p = parser;

	if (p)
		lines_free(&p->lines);
	free(p);
	return NULL;
}

const struct format format_paths = {
	.name = "paths",
	.photo_keyed = false,
	.open = paths_open,
	.feed = paths_feed,
	.finish = paths_finish,
	.free = paths_free,
};
