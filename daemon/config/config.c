/*
 * config.c: loads the YAML configuration into struct config.
 *
 * libyaml's document API gives a tree; each section is walked against a
 * static table of keys (name, value parser, offset, flags).  Parsers write
 * straight into the struct being built and report problems through
 * config_error(), which records "file:line:column: message" and lets the walk
 * go on, so one run reports every mistake.  A semantic pass then checks what
 * no single value shows: duplicate names, references to subscribers,
 * options that do not fit the dataset's format.  This file does not log:
 * the caller prints the collected messages.
 */
#include "config/config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config/secret.h"
#include "lib/buf.h"
#include "lib/lines.h"
#include "lib/macro.h"
#include "lib/scalar.h"
#include "lib/xalloc.h"
#include "parse/flickr.h"
#include "parse/format.h"

#define CONFIG_FILE_MAX	      (64u << 20) /* bytes in one YAML file */
#define CONFIG_ERRORS_SHOWN   100  /* messages kept; the rest are counted */
#define CONFIG_PHOTO_LINE_MAX 4096 /* a line of a photos file */

static const char *const config_digests[] = {
	[CONFIG_DIGEST_NONE] = "none",
	[CONFIG_DIGEST_HOURLY] = "hourly",
	[CONFIG_DIGEST_DAILY] = "daily",
	[CONFIG_DIGEST_WEEKLY] = "weekly",
};

/* The state of one load: the config being built and the messages so far. */
struct loader {
	struct config *cfg; /* being built; owned by config_load() */
	struct buf errors;  /* "file:line:col: message\n" lines */
	unsigned n_errors;
	const char *file; /* file being walked (borrowed from cfg) */
	char *dir;	  /* its directory, for relative paths */
	bool main_file;	  /* drop-ins may set only some sections */
	size_t budget;	  /* nodes the walk may still visit */
	char **includes;  /* patterns from the main file's include: */
	size_t n_includes;
	char **watch_subscribers; /* per watch: the subscriber name given */
	yaml_document_t *doc;	  /* the document being walked */
	const char *map_key;	  /* "columns" or "fields", per dataset */
	const char **map_keys;	  /* per dataset: the key that set fields[] */
};

static void config_error(struct loader *ld, const yaml_node_t *node,
			 const char *fmt, ...) _printf_(3, 4);

static void config_error_at(struct loader *ld, const char *file, unsigned line,
			    unsigned column, const char *fmt, va_list ap)
{
	char msg[1024];

	ld->n_errors++;
	if (ld->n_errors > CONFIG_ERRORS_SHOWN)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* The error list is bounded by CONFIG_ERRORS_SHOWN, not by buf's max;
	 * line 0 means the message is about the file as a whole. */
	if (line)
		(void)buf_printf(&ld->errors, "%s:%u:%u: %s\n", file, line,
				 column, msg);
	else
		(void)buf_printf(&ld->errors, "%s: %s\n", file, msg);
}

static void config_error(struct loader *ld, const yaml_node_t *node,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_error_at(ld, ld->file, (unsigned)node->start_mark.line + 1,
			(unsigned)node->start_mark.column + 1, fmt, ap);
	va_end(ap);
}

static _printf_(3, 4) void config_error_where(struct loader *ld,
					      const struct config_where *w,
					      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_error_at(ld, w->file, w->line, w->column, fmt, ap);
	va_end(ap);
}

static struct config_where where_of(const struct loader *ld,
				    const yaml_node_t *node)
{
	return (struct config_where){
		.file = ld->file,
		.line = (unsigned)node->start_mark.line + 1,
		.column = (unsigned)node->start_mark.column + 1,
	};
}

/* ---- scalars ---------------------------------------------------------- */

/* Returns the node's text if it is a non-empty scalar, else reports what was
 * expected and returns NULL. */
static const char *scalar(struct loader *ld, const yaml_node_t *node,
			  const char *expected)
{
	const char *s;

	if (node->type != YAML_SCALAR_NODE) {
		config_error(ld, node, "expected %s, found a %s", expected,
			     node->type == YAML_MAPPING_NODE ? "mapping"
							     : "list");
		return NULL;
	}
	s = (const char *)node->data.scalar.value;
	if (node->data.scalar.length == 0) {
		config_error(ld, node, "expected %s, found nothing", expected);
		return NULL;
	}
	if (strlen(s) != node->data.scalar.length) {
		config_error(ld, node, "expected %s, found a NUL byte",
			     expected);
		return NULL;
	}
	return s;
}

static void set_string(char **dest, const char *s)
{
	free(*dest);
	*dest = xstrdup(s);
}

/* The value parsers: each takes the value node and a pointer into the
 * struct being built.  They report errors and leave *dest alone on failure. */
typedef void (*value_parser)(struct loader *ld, const yaml_node_t *node,
			     void *dest);

static void value_string(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = scalar(ld, node, "a string");

	if (s)
		set_string(dest, s);
}

static void value_bool(struct loader *ld, const yaml_node_t *node, void *dest)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	const char *s = scalar(ld, node, "true or false");
	size_t i;

	if (!s)
		return;
	for (i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*(bool *)dest = true;
			return;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*(bool *)dest = false;
			return;
		}
	}
	config_error(ld, node, "expected true or false, found '%s'", s);
}

static void value_duration(struct loader *ld, const yaml_node_t *node,
			   void *dest)
{
	const char *s = scalar(ld, node, "a duration");
	uint64_t v;

	if (!s)
		return;
	if (scalar_parse_duration(s, &v) < 0 || v > 365ULL * 24 * 3600)
		config_error(ld, node,
			     "expected a duration like 90s, 30m, 6h or 7d "
			     "(at most 365d), found '%s'",
			     s);
	else
		*(uint64_t *)dest = v;
}

/* "a, b, c": a short list of names for a message. */
static struct join_list {
	char data[256];
} join_list(const char *const *names, size_t n)
{
	struct join_list l = {""};
	size_t i, len = 0;
	int w;

	for (i = 0; i < n && len < sizeof(l.data); i++) {
		w = snprintf(l.data + len, sizeof(l.data) - len, "%s%s",
			     i ? ", " : "", names[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return l;
}

static void value_size(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = scalar(ld, node, "a size");
	uint64_t v;

	if (!s)
		return;
	if (scalar_parse_size(s, &v) < 0 || v == 0)
		config_error(ld, node,
			     "expected a size like 512M, 20G or 2T, found '%s'",
			     s);
	else
		*(uint64_t *)dest = v;
}

static void value_count(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = scalar(ld, node, "a number");
	uint64_t v;

	if (!s)
		return;
	if (scalar_parse_uint(s, UINT64_MAX, &v) < 0 || v == 0)
		config_error(ld, node,
			     "expected a positive whole number, found '%s'", s);
	else
		*(uint64_t *)dest = v;
}

static void value_uint(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = scalar(ld, node, "a number");
	uint64_t v;

	if (!s)
		return;
	if (scalar_parse_uint(s, 1000000, &v) < 0)
		config_error(ld, node,
			     "expected a whole number from 0, found '%s'", s);
	else
		*(uint64_t *)dest = v;
}

/* A share written as a percentage: "1%", "0.5%". */
static void value_percent(struct loader *ld, const yaml_node_t *node,
			  void *dest)
{
	const char *s = scalar(ld, node, "a percentage");
	char *end = NULL;
	double v;

	if (!s)
		return;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || strcmp(end, "%") != 0 || v < 0 || v > 100)
		config_error(
			ld, node,
			"expected a percentage from 0%% to 100%% like 1%%, "
			"found '%s'",
			s);
	else
		*(double *)dest = v / 100;
}

/* Accepts a string from a list of choices; stores its index as an int. */
static void value_choice(struct loader *ld, const yaml_node_t *node, int *dest,
			 const char *const *choices, size_t n, const char *what)
{
	const char *s = scalar(ld, node, what);
	size_t i;

	if (!s)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(s, choices[i]) == 0) {
			*dest = (int)i;
			return;
		}
	config_error(ld, node, "unknown %s '%s' (expected one of: %s)", what, s,
		     join_list(choices, n).data);
}

static void value_format(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *names[16];
	size_t n = 0;
	int i = -1;

	while (n < ELEMENTSOF(names) && (names[n] = format_name(n)))
		n++;
	value_choice(ld, node, &i, names, n, "format");
	if (i >= 0)
		set_string(dest, names[i]);
}

static void value_digest(struct loader *ld, const yaml_node_t *node, void *dest)
{
	int i = -1;

	value_choice(ld, node, &i, config_digests, ELEMENTSOF(config_digests),
		     "digest period");
	if (i >= 0)
		*(enum config_digest *)dest = (enum config_digest)i;
}

/* Checks s starts with one of the schemes and has something after it. */
static bool url_has_scheme(const char *s, const char *const *schemes, size_t n)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = strlen(schemes[i]);
		if (strncasecmp(s, schemes[i], len) == 0 && s[len] != '\0')
			return true;
	}
	return false;
}

/* Whether the URL's authority (between "//" and the path) has a user
 * part: "https://user:pass@host/". */
static bool url_has_userinfo(const char *s)
{
	const char *a = strstr(s, "://");
	size_t len;

	if (!a)
		return false;
	a += 3;
	len = strcspn(a, "/?#");
	return memchr(a, '@', len) != NULL;
}

static void value_url(struct loader *ld, const yaml_node_t *node, void *dest,
		      const char *const *schemes, size_t n, const char *what)
{
	char expected[64];
	const char *s;

	snprintf(expected, sizeof(expected), "a %s", what);
	s = scalar(ld, node, expected);

	if (!s)
		return;
	/* Checked first, and the URL not shown: it holds a password. */
	if (url_has_userinfo(s)) {
		config_error(ld, node,
			     "the %s names a user (and password) before its "
			     "host: a secret there would reach logs, the "
			     "database and alerts; write the URL without it "
			     "and the credentials as %s",
			     what,
			     strcmp(what, "SMTP URL") == 0
				     ? "smtp.user and smtp.password"
				     : "auth: { user: NAME, password: { "
				       "credential: NAME } }");
		return;
	}
	if (strpbrk(s, " \t\r\n")) {
		config_error(ld, node, "%s '%s' contains white space", what, s);
		return;
	}
	if (!url_has_scheme(s, schemes, n)) {
		config_error(ld, node,
			     "unsupported %s '%s' (expected a URL starting "
			     "with %s)",
			     what, s, join_list(schemes, n).data);
		return;
	}
	/* Network URLs need a host: "https:///x" has none. */
	if (strncasecmp(s, "file://", 7) != 0 && strstr(s, ":///")) {
		config_error(ld, node, "%s '%s' names no host", what, s);
		return;
	}
	set_string(dest, s);
}

static void value_dataset_url(struct loader *ld, const yaml_node_t *node,
			      void *dest)
{
	static const char *const schemes[] = {"https://", "http://", "file://"};

	value_url(ld, node, dest, schemes, ELEMENTSOF(schemes), "dataset URL");
}

static void value_webhook_url(struct loader *ld, const yaml_node_t *node,
			      void *dest)
{
	static const char *const schemes[] = {"https://", "http://"};

	value_url(ld, node, dest, schemes, ELEMENTSOF(schemes), "webhook URL");
}

static void value_smtp_url(struct loader *ld, const yaml_node_t *node,
			   void *dest)
{
	static const char *const schemes[] = {"smtps://", "smtp://"};

	value_url(ld, node, dest, schemes, ELEMENTSOF(schemes), "SMTP URL");
}

static bool local_part_ascii(const char *address)
{
	for (; *address && *address != '@'; address++)
		if ((unsigned char)*address >= 0x80)
			return false;
	return true;
}

/* A deliberately plain check of an address: one '@', no spaces or
 * control characters, ASCII before the '@' (mail is sent without
 * SMTPUTF8; a domain may be internationalised), a dot in the domain.  The
 * mail server has the final word. */
static bool address_valid(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t i;

	if (!local_part_ascii(s))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || strchr("<>,;\"()\\", s[i]))
			return false;
	return at && at != s &&
	       !memchr(at + 1, '@', len - (size_t)(at + 1 - s)) &&
	       memchr(at + 1, '.', len - (size_t)(at + 1 - s)) &&
	       at[1] != '.' && s[len - 1] != '.';
}

/* An address, bare or with a display name: "Jane Doe <jane@example.org>"
 * (the name without control characters, quotes or angle brackets). */
static void value_email(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = scalar(ld, node, "an email address");
	const char *lt, *p;
	bool ok;

	if (!s)
		return;
	lt = strchr(s, '<');
	if (!lt)
		ok = address_valid(s, strlen(s));
	else {
		ok = s[strlen(s) - 1] == '>' &&
		     address_valid(lt + 1, strlen(lt + 1) - 1);
		for (p = s; ok && p < lt; p++)
			ok = (unsigned char)*p >= ' ' && !strchr("<>\"\\", *p);
	}
	if (!ok) {
		config_error(ld, node,
			     "expected an email address like jane@example.org "
			     "or Jane Doe <jane@example.org>, found '%s'%s",
			     s,
			     local_part_ascii(lt ? lt + 1 : s)
				     ? ""
				     : " (before the '@' only ASCII: mail "
				       "goes out without SMTPUTF8)");
		return;
	}
	set_string(dest, s);
}

static void value_nsid(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = scalar(ld, node, "a Flickr NSID");

	if (!s)
		return;
	if (!flickr_nsid_valid(s, strlen(s))) {
		config_error(ld, node,
			     "'%s' is not a Flickr NSID (expected digits@Nxx, "
			     "like 12345678@N00)",
			     s);
		return;
	}
	set_string(dest, s);
}

static void value_alias(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = scalar(ld, node, "a Flickr path alias");

	if (!s)
		return;
	if (!flickr_alias_valid(s, strlen(s))) {
		config_error(
			ld, node,
			"'%s' is not a Flickr path alias (letters, digits, "
			"'-' and '_', not all digits)",
			s);
		return;
	}
	set_string(dest, s);
}

static void value_sha256(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = scalar(ld, node, "a SHA-256 hash");
	char hex[65];
	size_t i;

	if (!s)
		return;
	for (i = 0; i < 64 && s[i]; i++) {
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			break;
		hex[i] = (char)(s[i] | 0x20); /* lower case */
	}
	if (i != 64 || s[i]) {
		config_error(
			ld, node,
			"expected a SHA-256 hash (64 hex digits), found '%s'",
			s);
		return;
	}
	hex[64] = '\0';
	set_string(dest, hex);
}

/* Resolves a relative path against the directory of the file being read. */
static char *path_resolve(const struct loader *ld, const char *s)
{
	struct buf b;

	if (s[0] == '/')
		return xstrdup(s);
	buf_init(&b, PATH_MAX);
	if (buf_printf(&b, "%s/%s", ld->dir, s) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static void value_path(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = scalar(ld, node, "a path");
	char *p;

	if (!s)
		return;
	p = path_resolve(ld, s);
	if (!p) {
		config_error(ld, node, "path '%s' is too long", s);
		return;
	}
	free(*(char **)dest);
	*(char **)dest = p;
}

/* ---- mappings against key tables -------------------------------------- */

struct key {
	const char *name;
	value_parser parse;
	size_t offset;
	unsigned flags;
};
#define KEY_REQUIRED  1u /* must be given */
#define KEY_MAIN_ONLY 2u /* not in drop-ins */

/* Counts one visited node; false once the budget is spent, which only an
 * alias bomb (a few aliases that expand exponentially) can do. */
static bool visit(struct loader *ld, const yaml_node_t *node)
{
	if (ld->budget == 0)
		return false;
	if (--ld->budget == 0)
		config_error(ld, node,
			     "the document expands to too many nodes "
			     "(aliases nested too deep?)");
	return ld->budget > 0;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[64];

	if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = MIN(row[j] + 1, row[j - 1] + 1);
			cur = MIN(cur, prev + (a[i - 1] != b[j - 1]));
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

/* The closest name in the table, if close enough to be a likely typo. */
static const char *did_you_mean(const char *s, const struct key *keys, size_t n)
{
	const char *best = NULL;
	size_t i, d, best_d = SIZE_MAX;

	for (i = 0; i < n; i++) {
		d = edit_distance(s, keys[i].name);
		if (d < best_d) {
			best_d = d;
			best = keys[i].name;
		}
	}
	return best && best_d <= MAX(strlen(s) / 3, 2u) ? best : NULL;
}

static void unknown_key(struct loader *ld, const yaml_node_t *knode,
			const char *k, const struct key *keys, size_t n,
			const char *what)
{
	const char *hint = did_you_mean(k, keys, n);

	/* libyaml leaves merge keys to the application; this one takes none,
	 * so say so rather than "unknown key". */
	if (strcmp(k, "<<") == 0)
		config_error(ld, knode,
			     "YAML merge keys ('<<: *name') are not supported "
			     "(in %s): write the keys out; what all datasets "
			     "share belongs in 'defaults:'",
			     what);
	else if (hint)
		config_error(ld, knode,
			     "unknown key '%s' in %s; did you mean '%s'?", k,
			     what, hint);
	else
		config_error(ld, knode, "unknown key '%s' in %s", k, what);
}

/*
 * Walks a mapping node against keys, calling each key's parser with a
 * pointer at obj + offset.  Reports unknown and repeated keys, and missing
 * required ones at the mapping's start.
 */
static void load_mapping(struct loader *ld, yaml_document_t *doc,
			 const yaml_node_t *node, const struct key *keys,
			 size_t n, void *obj, const char *what)
{
	bool seen[32] = {false};
	yaml_node_pair_t *pair;
	size_t i;

	assert(n <= ELEMENTSOF(seen));
	if (node->type != YAML_MAPPING_NODE) {
		config_error(ld, node, "expected a mapping (key: value) for %s",
			     what);
		return;
	}
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *knode = yaml_document_get_node(doc, pair->key);
		yaml_node_t *vnode = yaml_document_get_node(doc, pair->value);
		const char *k;

		if (!visit(ld, vnode))
			return;
		k = scalar(ld, knode, "a key");
		if (!k)
			continue;
		for (i = 0; i < n && strcmp(k, keys[i].name) != 0; i++)
			;
		if (i == n) {
			unknown_key(ld, knode, k, keys, n, what);
			continue;
		}
		if ((keys[i].flags & KEY_MAIN_ONLY) && !ld->main_file) {
			config_error(ld, knode,
				     "'%s' may only be set in the main "
				     "configuration file",
				     k);
			continue;
		}
		if (seen[i]) {
			config_error(ld, knode, "key '%s' given twice in %s", k,
				     what);
			continue;
		}
		seen[i] = true;
		keys[i].parse(ld, vnode, (char *)obj + keys[i].offset);
	}
	for (i = 0; i < n; i++)
		if ((keys[i].flags & KEY_REQUIRED) && !seen[i])
			config_error(ld, node, "%s lacks required key '%s'",
				     what, keys[i].name);
}

static void value_fieldmap(struct loader *ld, const yaml_node_t *node,
			   void *dest, const char *map_key)
{
	char **fields = dest;
	yaml_node_pair_t *pair;
	enum entry_field field;

	if (node->type != YAML_MAPPING_NODE) {
		config_error(
			ld, node,
			"expected a mapping from entry field to %s for '%s'",
			strcmp(map_key, "columns") == 0 ? "column" : "path",
			map_key);
		return;
	}
	if (ld->map_key) {
		config_error(ld, node, "'%s' given together with '%s'", map_key,
			     ld->map_key);
		return;
	}
	ld->map_key = map_key;
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *knode = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *vnode =
			yaml_document_get_node(ld->doc, pair->value);
		const char *k = scalar(ld, knode, "an entry field name");
		const char *v = scalar(ld, vnode, "a column name or number");

		if (!k || !v)
			continue;
		if (entry_field_find(k, &field) < 0) {
			config_error(
				ld, knode,
				"unknown entry field '%s' in '%s' (expected "
				"key, photo_id, url, page_url, image_url, "
				"owner_nsid, owner_alias, owner_name, "
				"owner_url, license or path)",
				k, map_key);
			continue;
		}
		if (fields[field]) {
			config_error(ld, knode, "entry field '%s' mapped twice",
				     k);
			continue;
		}
		fields[field] = xstrdup(v);
	}
}

static void value_columns(struct loader *ld, const yaml_node_t *node,
			  void *dest)
{
	value_fieldmap(ld, node, dest, "columns");
}

static void value_fields(struct loader *ld, const yaml_node_t *node, void *dest)
{
	value_fieldmap(ld, node, dest, "fields");
}

#define GROW(array, n)                                                      \
	do {                                                                \
		if (((n) & ((n)-1)) == 0)                                   \
			(array) = xreallocarray((array), (n) ? 2 * (n) : 1, \
						sizeof(*(array)));          \
	} while (0)

/* ---- datasets --------------------------------------------------------- */

#define DS(f) offsetof(struct config_dataset, f)

static void value_secret(struct loader *ld, const yaml_node_t *node,
			 void *dest);

/* RFC 9110 token characters, for header names. */
static bool header_name_valid(const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) &&
		    !strchr("!#$%&'*+-.^_`|~", *p))
			return false;
	return p != s && p - s <= 64;
}

static bool header_value_valid(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' && *s != '\t')
			return false;
	return true;
}

/* Headers scrapewatch sets itself, or that would break a download. */
static bool header_reserved(const char *name)
{
	static const char *const reserved[] = {
		"Host",
		"Range",
		"If-Range",
		"If-None-Match",
		"If-Modified-Since",
		"User-Agent",
		"Content-Length",
		"Transfer-Encoding",
		"Connection",
		"Accept-Encoding",
		"TE",
		"Expect",
	};
	size_t i;

	for (i = 0; i < ELEMENTSOF(reserved); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return true;
	return false;
}

/* A header whose value is a credential by its name: never inline. */
static bool header_looks_secret(const char *name)
{
	static const char *const words[] = {"auth",   "token",	"key",
					    "secret", "cookie", "pass"};
	size_t i;

	for (i = 0; i < ELEMENTSOF(words); i++)
		if (strcasestr(name, words[i]))
			return true;
	return false;
}

static void dataset_add_header(struct config_dataset *d, const char *name,
			       char *value, bool secret)
{
	GROW(d->headers, d->n_headers);
	d->headers[d->n_headers++] =
		(struct config_header){xstrdup(name), value, secret};
}

static bool dataset_has_header(const struct config_dataset *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_headers; i++)
		if (strcasecmp(d->headers[i].name, name) == 0)
			return true;
	return false;
}

static void value_header(struct loader *ld, const yaml_node_t *knode,
			 const yaml_node_t *vnode, struct config_dataset *d)
{
	const char *name = scalar(ld, knode, "a header name");
	const char *plain;
	char *value = NULL;

	if (!name)
		return;
	if (!header_name_valid(name)) {
		config_error(ld, knode, "'%s' is not an HTTP header name",
			     name);
		return;
	}
	if (header_reserved(name) || dataset_has_header(d, name)) {
		config_error(
			ld, knode,
			dataset_has_header(d, name)
				? "header '%s' given twice"
				: "header '%s' is set by scrapewatch itself",
			name);
		return;
	}
	if (vnode->type != YAML_SCALAR_NODE) {
		value_secret(ld, vnode, &value);
		if (value && !header_value_valid(value)) {
			config_error(ld, vnode,
				     "the secret for header '%s' holds a "
				     "control character",
				     name);
			free(value);
			value = NULL;
		}
		if (value)
			dataset_add_header(d, name, value, true);
		return;
	}
	if (header_looks_secret(name)) {
		value_secret(ld, vnode, &value); /* reports "never inline" */
		return;
	}
	plain = scalar(ld, vnode, "a header value");
	if (plain && !header_value_valid(plain))
		config_error(ld, vnode,
			     "the value of header '%s' holds a control "
			     "character",
			     name);
	else if (plain)
		dataset_add_header(d, name, xstrdup(plain), false);
}

/* headers: { Name: value, Name: { credential: NAME } } */
static void value_headers(struct loader *ld, const yaml_node_t *node,
			  void *dest)
{
	yaml_node_pair_t *pair;

	if (node->type != YAML_MAPPING_NODE) {
		config_error(ld, node,
			     "expected a mapping from header name to value "
			     "for 'headers'");
		return;
	}
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++)
		value_header(ld, yaml_document_get_node(ld->doc, pair->key),
			     yaml_document_get_node(ld->doc, pair->value),
			     dest);
}

/* bearer: { credential: NAME } -> Authorization: Bearer <secret> */
static void value_bearer(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_dataset *d = dest;
	char *token = NULL;
	struct buf b;

	value_secret(ld, node, &token);
	if (!token)
		return;
	if (!header_value_valid(token))
		config_error(ld, node,
			     "the bearer token holds a control "
			     "character");
	else if (dataset_has_header(d, "Authorization"))
		config_error(ld, node,
			     "'bearer' and an Authorization header (or "
			     "'auth') cannot be used together");
	else {
		buf_init(&b, SECRET_MAX + 16);
		if (buf_printf(&b, "Bearer %s", token) == 0)
			dataset_add_header(d, "Authorization", buf_steal(&b),
					   true);
		buf_free(&b);
	}
	explicit_bzero(token, strlen(token));
	free(token);
}

static const struct key auth_keys[] = {
	{"user", value_string, DS(user), KEY_REQUIRED},
	{"password", value_secret, DS(password), KEY_REQUIRED},
};

/* auth: { user: NAME, password: { credential: NAME } }: HTTP basic auth. */
static void value_auth(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_dataset *d = dest;

	load_mapping(ld, ld->doc, node, auth_keys, ELEMENTSOF(auth_keys), d,
		     "auth");
	if (d->user && strchr(d->user, ':'))
		config_error(ld, node, "an auth user may not contain ':'");
}

/* A mailto: address or an https: URL (List-Unsubscribe, opt-out routes). */
static void value_mailto_or_https(struct loader *ld, const yaml_node_t *node,
				  void *dest)
{
	static const char *const schemes[] = {"mailto:", "https://"};
	const char *s = scalar(ld, node, "a mailto: or https:// URL");

	if (!s)
		return;
	if (!url_has_scheme(s, schemes, ELEMENTSOF(schemes)) ||
	    !header_value_valid(s) || strpbrk(s, " <>,"))
		config_error(ld, node,
			     "expected a mailto: address or an https:// URL, "
			     "found '%s'",
			     s);
	else
		*(char **)dest = xstrdup(s);
}

static const struct key dataset_keys[] = {
	{"name", value_string, DS(name), KEY_REQUIRED},
	{"url", value_dataset_url, DS(url), KEY_REQUIRED},
	{"format", value_format, DS(format), KEY_REQUIRED},
	{"interval", value_duration, DS(interval), 0},
	{"ownership", value_bool, DS(ownership), 0},
	{"header", value_bool, DS(layout.header), 0},
	{"columns", value_columns, DS(layout.fields), 0},
	{"fields", value_fields, DS(layout.fields), 0},
	{"records", value_string, DS(layout.records), 0},
	{"member", value_string, DS(member), 0},
	{"sha256", value_sha256, DS(sha256), 0},
	{"max_decoded_size", value_size, DS(max_decoded), 0},
	{"max_entries", value_count, DS(max_entries), 0},
	{"max_bad_records", value_percent, DS(max_bad_share), 0},
	{"max_download", value_size, DS(max_download), 0},
	{"timeout", value_duration, DS(timeout), 0},
	{"optout", value_mailto_or_https, DS(optout), 0},
	{"headers", value_headers, 0, 0},
	{"bearer", value_bearer, 0, 0},
	{"auth", value_auth, 0, 0},
};

static void load_dataset(struct loader *ld, const yaml_node_t *node)
{
	struct config *c = ld->cfg;
	struct config_dataset *d;

	GROW(c->datasets, c->n_datasets);
	GROW(ld->map_keys, c->n_datasets);
	d = &c->datasets[c->n_datasets];
	*d = (struct config_dataset){.layout.header = true,
				     .max_decoded = CONFIG_DEFAULT_MAX_DECODED,
				     .max_entries = CONFIG_DEFAULT_MAX_ENTRIES,
				     .max_bad_share =
					     CONFIG_DEFAULT_MAX_BAD_SHARE,
				     .where = where_of(ld, node)};
	ld->map_key = NULL;
	load_mapping(ld, ld->doc, node, dataset_keys, ELEMENTSOF(dataset_keys),
		     d, "dataset");
	ld->map_keys[c->n_datasets] = ld->map_key;
	c->n_datasets++;
}

static void value_datasets(struct loader *ld, const yaml_node_t *node,
			   void *dest _unused_)
{
	yaml_node_item_t *item;

	if (node->type != YAML_SEQUENCE_NODE) {
		config_error(ld, node, "expected a list of datasets");
		return;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		yaml_node_t *n = yaml_document_get_node(ld->doc, *item);

		if (!visit(ld, n))
			return;
		load_dataset(ld, n);
	}
}

/* ---- secrets ---------------------------------------------------------- */

struct secret_ref {
	char *credential;
	char *file;
};

static const struct key secret_keys[] = {
	{"credential", value_string, offsetof(struct secret_ref, credential),
	 false},
	{"file", value_path, offsetof(struct secret_ref, file), 0},
};

/* A secret: { credential: NAME } or { file: PATH }, read right away. */
static void value_secret(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct secret_ref ref = {NULL, NULL};
	unsigned errors_before = ld->n_errors;
	char why[1024];
	char *value = NULL;
	int r;

	if (node->type == YAML_SCALAR_NODE) {
		config_error(
			ld, node,
			"secrets are never written inline; use "
			"{ credential: NAME } (systemd LoadCredential=) or "
			"{ file: PATH } (a file only the daemon can read)");
		return;
	}
	load_mapping(ld, ld->doc, node, secret_keys, ELEMENTSOF(secret_keys),
		     &ref, "secret");
	if (ld->n_errors != errors_before)
		; /* already reported */
	else if (!!ref.credential == !!ref.file)
		config_error(
			ld, node,
			"a secret needs exactly one of 'credential' or 'file'");
	else {
		r = ref.credential
			    ? secret_read_credential(ref.credential, &value,
						     why, sizeof(why))
			    : secret_read_file(ref.file, &value, why,
					       sizeof(why));
		if (r < 0)
			config_error(ld, node, "%s", why);
		else {
			free(*(char **)dest);
			*(char **)dest = value;
		}
	}
	free(ref.credential);
	free(ref.file);
}

/* A webhook's signing secret: a secret that webhook_sign() can use. */
static void value_webhook_secret(struct loader *ld, const yaml_node_t *node,
				 void *dest)
{
	value_secret(ld, node, dest);
	if (*(char **)dest && secret_webhook_check(*(char **)dest) < 0)
		config_error(ld, node,
			     "the webhook secret cannot sign: it must be "
			     "'whsec_' and the base64 of 24 to 64 random "
			     "bytes ('=' padded, no spaces), as Standard "
			     "Webhooks receivers read it; make one with: "
			     "echo whsec_$(openssl rand -base64 32)");
}

/* ---- subscribers ------------------------------------------------------ */

#define SUB(f) offsetof(struct config_subscriber, f)
static const struct key subscriber_keys[] = {
	{"email", value_email, SUB(email), 0},
	{"webhook", value_webhook_url, SUB(webhook), 0},
	{"secret", value_webhook_secret, SUB(webhook_secret), 0},
	{"digest", value_digest, SUB(digest), 0},
};

/* Names of datasets and subscribers appear in logs, paths and commands. */
static bool name_valid(const char *s)
{
	size_t i;

	if (!*s || strlen(s) > CONFIG_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; s[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    s[i]))
			return false;
	return true;
}

/* Checks that a subscriber's channels are complete. */
static void check_channels(struct loader *ld, const struct config_subscriber *s)
{
	if (!s->email && !s->webhook)
		config_error_where(
			ld, &s->where,
			"subscriber '%s' has no channel: give 'email', "
			"'webhook' or both",
			s->name);
	if (s->webhook && !s->webhook_secret)
		config_error_where(
			ld, &s->where,
			"subscriber '%s': a webhook needs a 'secret' to "
			"sign with, e.g. secret: { credential: %s-hmac }",
			s->name, s->name);
	if (s->webhook_secret && !s->webhook)
		config_error_where(
			ld, &s->where,
			"subscriber '%s': 'secret' signs webhooks, but "
			"there is no 'webhook'",
			s->name);
}

static void value_subscribers(struct loader *ld, const yaml_node_t *node,
			      void *dest _unused_)
{
	struct config *c = ld->cfg;
	yaml_node_pair_t *pair;
	unsigned errors_before;

	if (node->type != YAML_MAPPING_NODE) {
		config_error(
			ld, node,
			"expected a mapping of subscriber names to channels");
		return;
	}
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *knode = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *vnode =
			yaml_document_get_node(ld->doc, pair->value);
		struct config_subscriber *s;
		const char *name;

		if (!visit(ld, vnode))
			return;
		name = scalar(ld, knode, "a subscriber name");
		if (!name)
			continue;
		GROW(c->subscribers, c->n_subscribers);
		s = &c->subscribers[c->n_subscribers++];
		*s = (struct config_subscriber){.name = xstrdup(name),
						.where = where_of(ld, knode)};
		errors_before = ld->n_errors;
		load_mapping(ld, ld->doc, vnode, subscriber_keys,
			     ELEMENTSOF(subscriber_keys), s, "subscriber");
		if (ld->n_errors == errors_before)
			check_channels(ld, s);
	}
}

/* ---- watches ---------------------------------------------------------- */

/* Adds one photo given as an id or any Flickr URL form that names a photo. */
static int watch_add_photo(struct config_watch *w, const char *s, size_t len)
{
	struct flickr_ref ref;

	if (flickr_parse(s, len, &ref) < 0 || ref.photo_id == 0)
		return -EINVAL;
	GROW(w->photos, w->n_photos);
	w->photos[w->n_photos++] = ref.photo_id;
	return 0;
}

static void value_photos(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_watch *w = dest;
	yaml_node_item_t *item;

	if (node->type != YAML_SEQUENCE_NODE) {
		config_error(ld, node, "expected a list of photo ids or URLs");
		return;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		yaml_node_t *n = yaml_document_get_node(ld->doc, *item);
		const char *s;

		if (!visit(ld, n))
			return;
		s = scalar(ld, n, "a photo id or URL");
		if (s && watch_add_photo(w, s, strlen(s)) < 0)
			config_error(
				ld, n,
				"'%s' is not a Flickr photo id or photo URL",
				s);
	}
}

/* Trims ASCII white space from both ends of s[0..*len). */
static bool blank_char(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *trim(const char *s, size_t *len)
{
	while (*len && blank_char(s[0])) {
		s++;
		(*len)--;
	}
	while (*len && blank_char(s[*len - 1]))
		(*len)--;
	return s;
}

struct photos_file {
	struct loader *ld;
	struct config_watch *w;
	const char *path;
};

static int photos_line(void *userdata, const char *line, size_t len,
		       uint64_t number, uint64_t offset _unused_,
		       uint64_t length _unused_)
{
	struct photos_file *pf = userdata;
	struct config_where at = {pf->path, (unsigned)MIN(number, UINT_MAX), 1};
	const char *s;

	if (!line) {
		config_error_where(pf->ld, &at, "line longer than %d bytes",
				   CONFIG_PHOTO_LINE_MAX);
	} else {
		s = trim(line, &len);
		if (len > 0 && s[0] != '#' &&
		    watch_add_photo(pf->w, s, len) < 0)
			config_error_where(
				pf->ld, &at,
				"'%.*s' is not a Flickr photo id or photo URL",
				(int)MIN(len, 200u), s);
	}
	/* A file of garbage is not read to its end for more of the same. */
	return pf->ld->n_errors > CONFIG_ERRORS_SHOWN ? -EBADMSG : 0;
}

static void value_photos_file(struct loader *ld, const yaml_node_t *node,
			      void *dest)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct photos_file pf = {ld, dest, NULL};
	struct lines lines;
	char chunk[65536];
	struct stat st;
	ssize_t n = 0;
	int r = 0;

	value_path(ld, node, &path);
	if (!path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		config_error(ld, node, "cannot read photos file '%s': %s", path,
			     strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		config_error(ld, node, "photos file '%s' is not a regular file",
			     path);
		return;
	}
	pf.path = path;
	lines_init(&lines, CONFIG_PHOTO_LINE_MAX, photos_line, &pf);
	while (r == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			config_error(ld, node,
				     "cannot read photos file '%s': %s", path,
				     strerror(errno));
			break;
		}
		r = lines_feed(&lines, chunk, (size_t)n);
	}
	if (r == 0 && n == 0)
		(void)lines_finish(&lines);
	lines_free(&lines);
}

struct flickr_account {
	char *nsid, *alias, *display_name;
};

static const struct key flickr_keys[] = {
	{"nsid", value_nsid, offsetof(struct flickr_account, nsid), 0},
	{"alias", value_alias, offsetof(struct flickr_account, alias), 0},
	{"display_name", value_string,
	 offsetof(struct flickr_account, display_name), 0},
};

static void value_flickr(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_watch *w = dest;
	struct flickr_account a = {NULL, NULL, NULL};

	load_mapping(ld, ld->doc, node, flickr_keys, ELEMENTSOF(flickr_keys),
		     &a, "flickr account");
	if (node->type == YAML_MAPPING_NODE && !a.nsid && !a.alias &&
	    !a.display_name &&
	    node->data.mapping.pairs.start == node->data.mapping.pairs.top)
		config_error(ld, node,
			     "a flickr account needs an nsid, an alias or a "
			     "display_name");
	w->nsid = a.nsid;
	w->alias = a.alias;
	w->display_name = a.display_name;
}

/* A watch is parsed into a scratch struct: the subscriber is a name until
 * the semantic pass turns it into an index. */
struct watch_scratch {
	char *subscriber;
	struct config_watch w;
};

#define WS(f) offsetof(struct watch_scratch, f)
static const struct key watch_keys[] = {
	{"subscriber", value_string, WS(subscriber), KEY_REQUIRED},
	{"flickr", value_flickr, WS(w), 0},
	{"photos", value_photos, WS(w), 0},
	{"photos_file", value_photos_file, WS(w), 0},
};

static void value_watches(struct loader *ld, const yaml_node_t *node,
			  void *dest _unused_)
{
	struct config *c = ld->cfg;
	yaml_node_item_t *item;

	if (node->type != YAML_SEQUENCE_NODE) {
		config_error(ld, node, "expected a list of watches");
		return;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		yaml_node_t *n = yaml_document_get_node(ld->doc, *item);
		struct watch_scratch ws = {.w.where = where_of(ld, n)};
		unsigned errors_before = ld->n_errors;

		if (!visit(ld, n))
			return;
		load_mapping(ld, ld->doc, n, watch_keys, ELEMENTSOF(watch_keys),
			     &ws, "watch");
		if (ld->n_errors == errors_before && !ws.w.nsid &&
		    !ws.w.alias && !ws.w.display_name && ws.w.n_photos == 0)
			config_error(ld, n,
				     "a watch needs 'flickr' (an account) or "
				     "'photos' / 'photos_file'");
		GROW(c->watches, c->n_watches);
		GROW(ld->watch_subscribers, c->n_watches);
		c->watches[c->n_watches] = ws.w;
		ld->watch_subscribers[c->n_watches++] = ws.subscriber;
	}
}

/* ---- smtp, defaults, include, top level -------------------------------- */

#define SMTP(f) offsetof(struct config_smtp, f)
static const struct key smtp_keys[] = {
	{"url", value_smtp_url, SMTP(url), KEY_REQUIRED},
	{"from", value_email, SMTP(from), KEY_REQUIRED},
	{"user", value_string, SMTP(user), 0},
	{"password", value_secret, SMTP(password), 0},
};

static void value_smtp(struct loader *ld, const yaml_node_t *node, void *dest)
{
	load_mapping(ld, ld->doc, node, smtp_keys, ELEMENTSOF(smtp_keys), dest,
		     "smtp");
}

#define FETCH(f) offsetof(struct config_fetch, f)
static const struct key fetch_keys[] = {
	{"contact", value_string, FETCH(contact), 0},
	{"ca_file", value_path, FETCH(ca_file), 0},
	{"connect_timeout", value_duration, FETCH(connect_timeout), 0},
	{"low_speed_limit", value_size, FETCH(low_speed_limit), 0},
	{"low_speed_time", value_duration, FETCH(low_speed_time), 0},
	{"timeout", value_duration, FETCH(timeout), 0},
	{"max_download", value_size, FETCH(max_download), 0},
	{"keep_releases", value_uint, FETCH(keep_releases), 0},
	{"concurrency", value_count, FETCH(concurrency), 0},
};

static void value_fetch(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_fetch *f = dest;

	load_mapping(ld, ld->doc, node, fetch_keys, ELEMENTSOF(fetch_keys), f,
		     "fetch");
	if (f->contact && !header_value_valid(f->contact))
		config_error(ld, node, "'contact' holds a control character");
}

/* A list of durations, e.g. [5s, 5m, 30m], into a struct retries. */
struct retries {
	uint64_t *v;
	size_t *n;
};

static void value_durations(struct loader *ld, const yaml_node_t *node,
			    uint64_t *v, size_t *n)
{
	yaml_node_item_t *item;

	if (node->type != YAML_SEQUENCE_NODE) {
		config_error(ld, node,
			     "expected a list of durations, like "
			     "[5s, 5m, 30m]");
		return;
	}
	*n = 0;
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		yaml_node_t *d = yaml_document_get_node(ld->doc, *item);

		if (!visit(ld, d))
			return;
		if (*n == CONFIG_RETRIES_MAX) {
			config_error(ld, d, "at most %d retries",
				     CONFIG_RETRIES_MAX);
			return;
		}
		value_duration(ld, d, &v[(*n)++]);
	}
}

static void value_webhook_retries(struct loader *ld, const yaml_node_t *node,
				  void *dest)
{
	struct config_alerts *a = dest;

	value_durations(ld, node, a->webhook_retries, &a->n_webhook_retries);
}

static void value_email_retries(struct loader *ld, const yaml_node_t *node,
				void *dest)
{
	struct config_alerts *a = dest;

	value_durations(ld, node, a->email_retries, &a->n_email_retries);
}

#define ALERTS(f) offsetof(struct config_alerts, f)
static const struct key alerts_keys[] = {
	{"concurrency", value_count, ALERTS(concurrency), 0},
	{"timeout", value_duration, ALERTS(timeout), 0},
	{"webhook_retries", value_webhook_retries, 0, 0},
	{"email_retries", value_email_retries, 0, 0},
	{"unsubscribe", value_mailto_or_https, ALERTS(unsubscribe), 0},
	{"ca_file", value_path, ALERTS(ca_file), 0},
};

static void value_alerts(struct loader *ld, const yaml_node_t *node, void *dest)
{
	load_mapping(ld, ld->doc, node, alerts_keys, ELEMENTSOF(alerts_keys),
		     dest, "alerts");
}

#define OPERATOR(f) offsetof(struct config_operator, f)
static const struct key operator_keys[] = {
	{"email", value_email, OPERATOR(email), 0},
	{"webhook", value_webhook_url, OPERATOR(webhook), 0},
	{"secret", value_webhook_secret, OPERATOR(webhook_secret), 0},
	{"failing_after", value_count, OPERATOR(failing_after), 0},
};

static void value_operator(struct loader *ld, const yaml_node_t *node,
			   void *dest)
{
	struct config_operator *o = dest;

	o->where = where_of(ld, node);
	load_mapping(ld, ld->doc, node, operator_keys,
		     ELEMENTSOF(operator_keys), dest, "operator");
	if (!o->email && !o->webhook)
		config_error(ld, node,
			     "the operator has no channel: give "
			     "'email', 'webhook' or both");
	if (o->webhook && !o->webhook_secret)
		config_error(ld, node,
			     "the operator's webhook needs a "
			     "'secret' to sign with");
	if (o->webhook_secret && !o->webhook)
		config_error(ld, node,
			     "'secret' signs webhooks, but the "
			     "operator has no 'webhook'");
}

static const struct key defaults_keys[] = {
	{"interval", value_duration, 0, 0},
};

static void value_defaults(struct loader *ld, const yaml_node_t *node,
			   void *dest)
{
	load_mapping(ld, ld->doc, node, defaults_keys,
		     ELEMENTSOF(defaults_keys), dest, "defaults");
}

/* include: one glob pattern or a list of them, relative to the main file. */
static void value_include(struct loader *ld, const yaml_node_t *node,
			  void *dest _unused_)
{
	yaml_node_item_t *item;
	char *p = NULL;

	if (node->type != YAML_SEQUENCE_NODE) {
		value_path(ld, node, &p);
		if (p) {
			GROW(ld->includes, ld->n_includes);
			ld->includes[ld->n_includes++] = p;
		}
		return;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++)
		value_include(ld, yaml_document_get_node(ld->doc, *item), NULL);
}

#define CFG(f) offsetof(struct config, f)
/* Keys of the top level; drop-ins may set only datasets, subscribers and
 * watches. */
static const struct key top_keys[] = {
	{"datasets", value_datasets, 0, 0},
	{"subscribers", value_subscribers, 0, 0},
	{"watch", value_watches, 0, 0},
	{"state_dir", value_path, CFG(state_dir), KEY_MAIN_ONLY},
	{"cache_dir", value_path, CFG(cache_dir), KEY_MAIN_ONLY},
	{"metrics_file", value_path, CFG(metrics_file), KEY_MAIN_ONLY},
	{"defaults", value_defaults, CFG(default_interval), KEY_MAIN_ONLY},
	{"smtp", value_smtp, CFG(smtp), KEY_MAIN_ONLY},
	{"fetch", value_fetch, CFG(fetch), KEY_MAIN_ONLY},
	{"alerts", value_alerts, CFG(alerts), KEY_MAIN_ONLY},
	{"operator", value_operator, CFG(operator), KEY_MAIN_ONLY},
	{"include", value_include, 0, KEY_MAIN_ONLY},
};

/* ---- files ------------------------------------------------------------ */

static void yaml_syntax_error(struct loader *ld, const yaml_parser_t *p)
{
	struct config_where w = {ld->file, (unsigned)p->problem_mark.line + 1,
				 (unsigned)p->problem_mark.column + 1};

	if (p->context)
		config_error_where(ld, &w, "YAML syntax error: %s %s",
				   p->problem ? p->problem : "", p->context);
	else
		config_error_where(ld, &w, "YAML syntax error: %s",
				   p->problem ? p->problem : "unknown");
}

/* Reads, parses and walks one file.  Returns -errno if it cannot be read. */
static int load_file(struct loader *ld, const char *path, bool main_file)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct config *c = ld->cfg;
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;
	struct stat st;
	char *slash;

	GROW(c->files, c->n_files);
	c->files[c->n_files++] = xstrdup(path);
	ld->file = c->files[c->n_files - 1];
	ld->main_file = main_file;
	free(ld->dir);
	ld->dir = xstrdup(path);
	slash = strrchr(ld->dir, '/');
	if (slash)
		*(slash == ld->dir ? slash + 1 : slash) = '\0';
	else
		set_string(&ld->dir, ".");

	f = fopen(path, "re");
	if (!f || fstat(fileno(f), &st) < 0) {
		int e = errno;

		config_error_where(ld, &(struct config_where){ld->file, 0, 0},
				   "cannot read configuration file: %s",
				   strerror(e));
		return -e;
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		config_error_where(ld, &(struct config_where){ld->file, 1, 1},
				   "file is larger than %u MiB",
				   CONFIG_FILE_MAX >> 20);
		return 0;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_syntax_error(ld, &parser);
		yaml_parser_delete(&parser);
		return 0;
	}
	root = yaml_document_get_root_node(&doc);
	if (root) {
		ld->budget =
			4 * (size_t)(doc.nodes.top - doc.nodes.start) + 1024;
		ld->doc = &doc;
		load_mapping(ld, &doc, root, top_keys, ELEMENTSOF(top_keys),
			     ld->cfg, "the configuration");
		ld->doc = NULL;
		/* A second document would be silently ignored: refuse it. */
		if (yaml_parser_load(&parser, &extra)) {
			if (yaml_document_get_root_node(&extra))
				config_error_where(
					ld,
					&(struct config_where){
						ld->file,
						(unsigned)extra.start_mark
								.line +
							1,
						1},
					"only one YAML document per file is read");
			yaml_document_delete(&extra);
		} else
			yaml_syntax_error(ld, &parser);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return 0;
}

/* A missing conf.d is an empty one; any other read error stops the glob. */
static int glob_error(const char *path _unused_, int error)
{
	return error != ENOENT && error != ENOTDIR;
}

static void load_includes(struct loader *ld)
{
	size_t i, j;

	for (i = 0; i < ld->n_includes; i++) {
		glob_t g;
		int r = glob(ld->includes[i], 0, glob_error, &g);

		if (r == GLOB_NOMATCH)
			continue; /* an empty conf.d is fine */
		if (r != 0) {
			config_error_where(
				ld,
				&(struct config_where){ld->cfg->files[0], 1, 1},
				"cannot read include '%s'", ld->includes[i]);
			continue;
		}
		for (j = 0; j < g.gl_pathc; j++)
			(void)load_file(ld, g.gl_pathv[j], false);
		globfree(&g);
	}
}

/* ---- semantic pass ---------------------------------------------------- */

static bool format_is(const struct config_dataset *d, const char *a,
		      const char *b)
{
	return d->format &&
	       (strcmp(d->format, a) == 0 || strcmp(d->format, b) == 0);
}

static void check_dataset_name(struct loader *ld, size_t i)
{
	const struct config_dataset *d = &ld->cfg->datasets[i];
	size_t j;

	if (!d->name)
		return;
	if (!name_valid(d->name))
		config_error_where(ld, &d->where,
				   "dataset name '%s' must be letters, digits, "
				   "'.', '_' or '-' (at most %d)",
				   d->name, CONFIG_NAME_MAX);
	for (j = 0; j < i; j++)
		if (ld->cfg->datasets[j].name &&
		    strcmp(ld->cfg->datasets[j].name, d->name) == 0)
			config_error_where(
				ld, &d->where,
				"dataset '%s' is defined twice (first at "
				"%s:%u)",
				d->name, ld->cfg->datasets[j].where.file,
				ld->cfg->datasets[j].where.line);
}

/* The first column given by name rather than number, or NULL. */
static const char *column_names(const struct config_dataset *d)
{
	size_t i;

	for (i = 0; i < ENTRY_FIELD_MAX; i++)
		if (d->layout.fields[i] &&
		    d->layout.fields[i][strspn(d->layout.fields[i],
					       "0123456789")] != '\0')
			return d->layout.fields[i];
	return NULL;
}

static int ignore_entry(void *userdata _unused_, const struct entry *e _unused_)
{
	return 0;
}

static void ignore_report(void *userdata _unused_, uint64_t line _unused_,
			  bool fatal _unused_, const char *why _unused_)
{
}

/* The format itself has the last word on its options (JSON paths, column
 * numbers): open a parser and throw it away. */
static void check_format_opens(struct loader *ld,
			       const struct config_dataset *d)
{
	const struct format *f = format_find(d->format);
	const struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	const struct format_sink sink = {ignore_entry, ignore_report, NULL};
	void *parser = NULL;

	if (!f || f->open(&d->layout, &limits, &sink, &parser) >= 0) {
		if (f)
			f->free(parser);
		return;
	}
	config_error_where(ld, &d->where,
			   "dataset '%s': format %s cannot use these options "
			   "(check 'records', 'fields' and 'columns')",
			   d->name, d->format);
}

/* Format options must fit the format: columns for tables, fields and
 * records for JSON, and a field map wherever the format has no fixed one. */
static void check_dataset_options(struct loader *ld, size_t i)
{
	const struct config_dataset *d = &ld->cfg->datasets[i];
	const char *map_key = ld->map_keys[i];
	bool tabular = format_is(d, "csv", "tsv");
	bool json = format_is(d, "json", "jsonl");
	const char *want = tabular ? "columns" : json ? "fields" : NULL;

	if (!d->format)
		return;
	if (map_key && (!want || strcmp(map_key, want) != 0))
		config_error_where(
			ld, &d->where,
			"dataset '%s': '%s' applies to format %s, not %s",
			d->name, map_key,
			strcmp(map_key, "columns") == 0 ? "csv or tsv"
							: "json or jsonl",
			d->format);
	if (!map_key && want)
		config_error_where(
			ld, &d->where,
			"dataset '%s': format %s needs '%s' to say "
			"which entry fields to read (e.g. %s)",
			d->name, d->format, want,
			tabular ? "columns: { url: 0 }"
				: "fields: { page_url: metadata.photo_url }");
	if (tabular && !d->layout.header && column_names(d))
		config_error_where(
			ld, &d->where,
			"dataset '%s': with 'header: false' columns are "
			"numbers (from 0), not names like '%s'",
			d->name, column_names(d));
	if (d->layout.records && !json)
		config_error_where(
			ld, &d->where,
			"dataset '%s': 'records' applies to format json",
			d->name);
	else if (ld->n_errors == 0)
		check_format_opens(ld, d);
}

static void check_subscriber(struct loader *ld, size_t i)
{
	const struct config_subscriber *s = &ld->cfg->subscribers[i];
	size_t j;

	if (!name_valid(s->name))
		config_error_where(
			ld, &s->where,
			"subscriber name '%s' must be letters, digits, "
			"'.', '_' or '-' (at most %d)",
			s->name, CONFIG_NAME_MAX);
	for (j = 0; j < i; j++)
		if (strcmp(ld->cfg->subscribers[j].name, s->name) == 0)
			config_error_where(
				ld, &s->where,
				"subscriber '%s' is defined twice (first "
				"at %s:%u)",
				s->name, ld->cfg->subscribers[j].where.file,
				ld->cfg->subscribers[j].where.line);
	if (s->email && !ld->cfg->smtp.url)
		config_error_where(
			ld, &s->where,
			"subscriber '%s' has an email channel, but no "
			"'smtp' section says how to send mail",
			s->name);
}

static void check_operator(struct loader *ld)
{
	const struct config_operator *o = &ld->cfg->operator;

	if (o->email && !ld->cfg->smtp.url)
		config_error_where(ld, &o->where,
				   "the operator has an email channel, but no "
				   "'smtp' section says how to send mail");
}

static int subscriber_cmp(const void *a, const void *b, void *userdata)
{
	const struct config_subscriber *subs = userdata;

	return strcmp(subs[*(const size_t *)a].name,
		      subs[*(const size_t *)b].name);
}

/* The index of subscriber name, by binary search in order (subscriber
 * indices sorted by name), or -1. */
static ssize_t find_subscriber(const struct config *c, const size_t *order,
			       const char *name)
{
	size_t lo = 0, hi = c->n_subscribers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, c->subscribers[order[mid]].name);

		if (cmp == 0)
			return (ssize_t)order[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static void check_watch(struct loader *ld, size_t i, const size_t *order)
{
	struct config_watch *w = &ld->cfg->watches[i];
	const char *name = ld->watch_subscribers[i];
	ssize_t j;

	if (!name)
		return;
	j = find_subscriber(ld->cfg, order, name);
	if (j >= 0) {
		w->subscriber = (size_t)j;
		return;
	}
	config_error_where(ld, &w->where,
			   "watch names subscriber '%s', which is not defined "
			   "under 'subscribers'",
			   name);
}

/* Finds each watch's subscriber (by name: a sorted index, as an
 * organisation may have thousands of both). */
static void check_watches(struct loader *ld)
{
	struct config *c = ld->cfg;
	size_t *order =
		xreallocarray(NULL, c->n_subscribers + 1, sizeof(*order));
	size_t i;

	for (i = 0; i < c->n_subscribers; i++)
		order[i] = i;
	qsort_r(order, c->n_subscribers, sizeof(*order), subscriber_cmp,
		c->subscribers);
	for (i = 0; i < c->n_watches; i++)
		check_watch(ld, i, order);
	free(order);
}

static void check_config(struct loader *ld)
{
	struct config *c = ld->cfg;
	size_t i;

	for (i = 0; i < c->n_datasets; i++) {
		if (!c->datasets[i].interval)
			c->datasets[i].interval = c->default_interval;
		if (!c->datasets[i].max_download)
			c->datasets[i].max_download = c->fetch.max_download;
		if (!c->datasets[i].timeout)
			c->datasets[i].timeout = c->fetch.timeout;
		check_dataset_name(ld, i);
		check_dataset_options(ld, i);
		if (c->datasets[i].user &&
		    dataset_has_header(&c->datasets[i], "Authorization"))
			config_error_where(
				ld, &c->datasets[i].where,
				"dataset '%s': 'auth' and an Authorization "
				"header (or 'bearer') cannot be used together",
				c->datasets[i].name);
	}
	for (i = 0; i < c->n_subscribers; i++)
		check_subscriber(ld, i);
	check_operator(ld);
	check_watches(ld);
}

/* state_dir and cache_dir default to systemd's StateDirectory= and
 * CacheDirectory=, then to the directories the unit has, so that a command
 * run by hand uses the unit's database and downloads.  Any other
 * state_dir without a cache_dir keeps its downloads in STATE_DIR/cache. */
static void set_directories(struct config *c)
{
	bool state_default = false;
	const char *e;

	if (!c->state_dir) {
		e = getenv("STATE_DIRECTORY");
		state_default = !e || !*e;
		/* systemd may list several, separated by ':'; take the first. */
		c->state_dir = state_default ? xstrdup(CONFIG_STATE_DIR)
					     : xstrndup(e, strcspn(e, ":"));
	}
	if (!c->cache_dir) {
		struct buf b;

		e = getenv("CACHE_DIRECTORY");
		buf_init(&b, PATH_MAX);
		if (e && *e)
			(void)buf_append(&b, e, strcspn(e, ":"));
		else if (state_default)
			(void)buf_puts(&b, CONFIG_CACHE_DIR);
		else
			(void)buf_printf(&b, "%s/cache", c->state_dir);
		c->cache_dir = buf_steal(&b);
	}
}

static void loader_done(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->n_includes; i++)
		free(ld->includes[i]);
	free(ld->includes);
	for (i = 0; i < ld->cfg->n_watches; i++)
		free(ld->watch_subscribers[i]);
	free(ld->watch_subscribers);
	free(ld->map_keys);
	free(ld->dir);
	buf_free(&ld->errors);
}

int config_load(const char *path, struct config **ret, char **ret_errors)
{
	struct loader ld = {.cfg = xcalloc(1, sizeof(struct config))};
	int r;

	buf_init(&ld.errors, SIZE_MAX);
	ld.cfg->default_interval = CONFIG_DEFAULT_INTERVAL;
	ld.cfg->fetch = (struct config_fetch){
		.connect_timeout = CONFIG_DEFAULT_CONNECT_TIMEOUT,
		.low_speed_limit = CONFIG_DEFAULT_LOW_SPEED_LIMIT,
		.low_speed_time = CONFIG_DEFAULT_LOW_SPEED_TIME,
		.timeout = CONFIG_DEFAULT_TIMEOUT,
		.max_download = CONFIG_DEFAULT_MAX_DOWNLOAD,
		.keep_releases = CONFIG_DEFAULT_KEEP_RELEASES,
		.concurrency = CONFIG_DEFAULT_FETCH_CONCURRENCY,
	};
	ld.cfg->alerts = (struct config_alerts){
		.concurrency = CONFIG_DEFAULT_ALERT_CONCURRENCY,
		.timeout = CONFIG_DEFAULT_ALERT_TIMEOUT,
		/* Roughly the Standard Webhooks schedule: about 27 hours. */
		.webhook_retries = {5, 300, 1800, 7200, 18000, 36000, 36000},
		.n_webhook_retries = 7,
		/* Mail: minutes, then hours; about 40 hours. */
		.email_retries = {60, 300, 900, 1800, 3600, 7200, 14400, 28800,
				  28800, 28800},
		.n_email_retries = 10,
	};
	ld.cfg->operator.failing_after = CONFIG_DEFAULT_FAILING_AFTER;
	r = load_file(&ld, path, true);
	if (r >= 0) {
		load_includes(&ld);
		check_config(&ld);
		if (ld.n_errors > CONFIG_ERRORS_SHOWN)
			(void)buf_printf(&ld.errors, "... and %u more errors\n",
					 ld.n_errors - CONFIG_ERRORS_SHOWN);
		r = ld.n_errors ? -EINVAL : 0;
	}
	if (r < 0)
		*ret_errors = buf_steal(&ld.errors);
	loader_done(&ld);
	if (r < 0) {
		config_free(ld.cfg);
		return r;
	}
	set_directories(ld.cfg);
	*ret = ld.cfg;
	return 0;
}

/* ---- accessors and destructor ------------------------------------------ */

const struct config_dataset *config_find_dataset(const struct config *c,
						 const char *name)
{
	size_t i;

	for (i = 0; i < c->n_datasets; i++)
		if (strcmp(c->datasets[i].name, name) == 0)
			return &c->datasets[i];
	return NULL;
}

const struct config_subscriber *config_find_subscriber(const struct config *c,
						       const char *name)
{
	size_t i;

	for (i = 0; i < c->n_subscribers; i++)
		if (strcmp(c->subscribers[i].name, name) == 0)
			return &c->subscribers[i];
	return NULL;
}

/* Frees a string that may hold a secret, wiping it first. */
static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

struct config *config_free(struct config *c)
{
	size_t i, j;

	if (!c)
		return NULL;
	for (i = 0; i < c->n_datasets; i++) {
		struct config_dataset *d = &c->datasets[i];

		free(d->name);
		free(d->url);
		free(d->format);
		free(d->layout.records);
		free(d->member);
		free(d->sha256);
		free(d->optout);
		for (j = 0; j < ENTRY_FIELD_MAX; j++)
			free(d->layout.fields[j]);
		for (j = 0; j < d->n_headers; j++) {
			free(d->headers[j].name);
			if (d->headers[j].secret)
				free_secret(d->headers[j].value);
			else
				free(d->headers[j].value);
		}
		free(d->headers);
		free(d->user);
		free_secret(d->password);
	}
	for (i = 0; i < c->n_subscribers; i++) {
		free(c->subscribers[i].name);
		free(c->subscribers[i].email);
		free(c->subscribers[i].webhook);
		free_secret(c->subscribers[i].webhook_secret);
	}
	for (i = 0; i < c->n_watches; i++) {
		free(c->watches[i].nsid);
		free(c->watches[i].alias);
		free(c->watches[i].display_name);
		free(c->watches[i].photos);
	}
	for (i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->datasets);
	free(c->subscribers);
	free(c->watches);
	free(c->files);
	free(c->smtp.url);
	free(c->smtp.from);
	free(c->smtp.user);
	free_secret(c->smtp.password);
	free(c->alerts.unsubscribe);
	free(c->alerts.ca_file);
	free(c->operator.email);
	free(c->operator.webhook);
	free_secret(c->operator.webhook_secret);
	free(c->fetch.contact);
	free(c->fetch.ca_file);
	free(c->state_dir);
	free(c->cache_dir);
	free(c->metrics_file);
	free(c);
	return NULL;
}
