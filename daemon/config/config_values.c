/*
 * config_values.c: the value parsers the key tables name.
 *
 * Each parser checks one value as a user writes it (a duration, a size, a
 * URL, an e-mail address, a Flickr identifier, a hash, a path, a secret, a
 * dataset's extra HTTP headers) and writes it into the struct being built,
 * or reports through config_error() what was expected and leaves the
 * destination alone.  Secrets are read here, from a credential or a private
 * file, and never shown in a message; the header policy keeps credentials
 * out of inline values and headers that scrapewatch sets itself.
 */
#include "config/config_internal.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

#include "config/config.h"
#include "config/secret.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/scalar.h"
#include "lib/xalloc.h"
#include "parse/flickr.h"
#include "parse/format.h"

static const char *const config_digests[] = {
	[CONFIG_DIGEST_NONE] = "none",
	[CONFIG_DIGEST_HOURLY] = "hourly",
	[CONFIG_DIGEST_DAILY] = "daily",
	[CONFIG_DIGEST_WEEKLY] = "weekly",
};

/* ---- scalars ---------------------------------------------------------- */

static void set_string(char **dest, const char *s)
{
	free(*dest);
	*dest = xstrdup(s);
}

void value_string(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "a string");

	if (s)
		set_string(dest, s);
}

void value_bool(struct loader *ld, const yaml_node_t *node, void *dest)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	const char *s = config_scalar(ld, node, "true or false");
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

void value_duration(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "a duration");
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

void value_size(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "a size");
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

void value_count(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "a number");
	uint64_t v;

	if (!s)
		return;
	if (scalar_parse_uint(s, UINT64_MAX, &v) < 0 || v == 0)
		config_error(ld, node,
			     "expected a positive whole number, found '%s'", s);
	else
		*(uint64_t *)dest = v;
}

void value_uint(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "a number");
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
void value_percent(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "a percentage");
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

void value_ratio(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "a ratio");
	size_t len;
	char n[32];
	uint64_t v;

	if (!s)
		return;
	len = strlen(s);
	if (len > 2 && strcmp(s + len - 2, ":1") == 0)
		len -= 2;
	snprintf(n, sizeof(n), "%.*s", (int)MIN(len, sizeof(n) - 1), s);
	if (len >= sizeof(n) || scalar_parse_uint(n, 1000000000, &v) < 0 ||
	    v == 0)
		config_error(ld, node,
			     "expected a ratio like 1000:1 (decoded bytes per "
			     "byte of the file, from 1 to 1000000000), found "
			     "'%s'",
			     s);
	else
		*(uint64_t *)dest = v;
}

/* Accepts a string from a list of choices; stores its index as an int. */
static void value_choice(struct loader *ld, const yaml_node_t *node, int *dest,
			 const char *const *choices, size_t n, const char *what)
{
	const char *s = config_scalar(ld, node, what);
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

void value_format(struct loader *ld, const yaml_node_t *node, void *dest)
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

void value_digest(struct loader *ld, const yaml_node_t *node, void *dest)
{
	int i = -1;

	value_choice(ld, node, &i, config_digests, ELEMENTSOF(config_digests),
		     "digest period");
	if (i >= 0)
		*(enum config_digest *)dest = (enum config_digest)i;
}

/* ---- URLs, addresses, identifiers ------------------------------------ */

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
	s = config_scalar(ld, node, expected);

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

void value_dataset_url(struct loader *ld, const yaml_node_t *node, void *dest)
{
	static const char *const schemes[] = {"https://", "http://", "file://"};

	value_url(ld, node, dest, schemes, ELEMENTSOF(schemes), "dataset URL");
}

void value_webhook_url(struct loader *ld, const yaml_node_t *node, void *dest)
{
	static const char *const schemes[] = {"https://", "http://"};

	value_url(ld, node, dest, schemes, ELEMENTSOF(schemes), "webhook URL");
}

/* A source's endpoint: an https:// or http:// base URL, kept without a
 * trailing '/'. */
void value_endpoint(struct loader *ld, const yaml_node_t *node, void *dest)
{
	static const char *const schemes[] = {"https://", "http://"};
	char **url = dest;
	size_t len;

	value_url(ld, node, dest, schemes, ELEMENTSOF(schemes), "endpoint URL");
	if (!*url)
		return;
	if (strpbrk(*url, "?#")) {
		config_error(ld, node,
			     "an endpoint is a base URL, without '?' or '#'");
		free(*url);
		*url = NULL;
		return;
	}
	len = strlen(*url);
	while (len > 0 && (*url)[len - 1] == '/')
		(*url)[--len] = '\0';
}

/* Characters a repository's owner and name may hold on GitHub and the
 * Hugging Face Hub: letters, digits, '-', '_' and '.'. */
static bool repo_part_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 96 || s[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/* repo: OWNER/NAME */
void value_repo(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *v = config_scalar(ld, node, "a repository OWNER/NAME");
	const char *slash = v ? strchr(v, '/') : NULL;

	if (!v)
		return;
	if (!slash || !repo_part_valid(v, (size_t)(slash - v)) ||
	    !repo_part_valid(slash + 1, strlen(slash + 1))) {
		config_error(ld, node,
			     "a repository is OWNER/NAME (letters, digits, "
			     "'-', '_' and '.'), like 'laion/laion2B-en'");
		return;
	}
	free(*(char **)dest);
	*(char **)dest = xstrdup(v);
}

/* id: a Google Drive file id (letters, digits, '-' and '_'). */
void value_drive_id(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *v = config_scalar(ld, node, "a Google Drive file id");
	const char *p;

	if (!v)
		return;
	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			break;
	if (*p || p - v < 10 || p - v > 128) {
		config_error(ld, node,
			     "a Google Drive file id is 10 to 128 letters, "
			     "digits, '-' and '_' (the part after 'id=' or "
			     "'/d/' in its link)");
		return;
	}
	free(*(char **)dest);
	*(char **)dest = xstrdup(v);
}

void value_smtp_url(struct loader *ld, const yaml_node_t *node, void *dest)
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
void value_email(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "an email address");
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

/* One label of a domain name: 1 to 63 letters, digits or '-', not at
 * either end. */
static bool label_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool domain_valid(const char *s)
{
	size_t len = strlen(s), n, labels = 0;
	const char *last = s;

	if (len > 253)
		return false;
	for (;;) {
		n = strcspn(s, ".");
		if (!label_valid(s, n))
			return false;
		labels++;
		last = s;
		if (!s[n])
			break;
		s += n + 1;
	}
	/* "192.0.2.1" is an address: EHLO wants it as "[192.0.2.1]". */
	return labels >= 2 && last[strspn(last, "0123456789")] != '\0';
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]". */
static bool address_literal_valid(const char *s)
{
	char inner[INET6_ADDRSTRLEN + 8];
	unsigned char addr[sizeof(struct in6_addr)];
	size_t len = strlen(s);

	if (len < 3 || s[0] != '[' || s[len - 1] != ']' ||
	    len - 2 >= sizeof(inner))
		return false;
	memcpy(inner, s + 1, len - 2);
	inner[len - 2] = '\0';
	if (strncasecmp(inner, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, inner + 5, addr) == 1;
	return inet_pton(AF_INET, inner, addr) == 1;
}

bool config_ehlo_name_valid(const char *name)
{
	return name[0] == '[' ? address_literal_valid(name)
			      : domain_valid(name);
}

void value_ehlo_name(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "an EHLO name");

	if (!s)
		return;
	if (!config_ehlo_name_valid(s)) {
		config_error(ld, node,
			     "expected a domain name like mail.example.org or "
			     "an address literal like [192.0.2.1], found "
			     "'%s'",
			     s);
		return;
	}
	set_string(dest, s);
}

/* A string that valid() accepts, what being "a Flickr NSID" and rule what
 * such a value looks like. */
static void value_checked(struct loader *ld, const yaml_node_t *node,
			  void *dest, const char *what,
			  bool (*valid)(const char *s, size_t len),
			  const char *rule)
{
	const char *s = config_scalar(ld, node, what);

	if (!s)
		return;
	if (!valid(s, strlen(s))) {
		config_error(ld, node, "'%s' is not %s (%s)", s, what, rule);
		return;
	}
	set_string(dest, s);
}

void value_nsid(struct loader *ld, const yaml_node_t *node, void *dest)
{
	value_checked(ld, node, dest, "a Flickr NSID", flickr_nsid_valid,
		      "expected digits@Nxx, like 12345678@N00");
}

void value_alias(struct loader *ld, const yaml_node_t *node, void *dest)
{
	value_checked(ld, node, dest, "a Flickr path alias", flickr_alias_valid,
		      "letters, digits, '-' and '_', not all digits");
}

/* A hash of digits hex digits (what: "a SHA-256 hash"), kept in lower
 * case. */
static void value_hash(struct loader *ld, const yaml_node_t *node, void *dest,
		       const char *what, size_t digits)
{
	const char *s = config_scalar(ld, node, what);
	char hex[65];
	size_t i;

	assert(digits < sizeof(hex));
	if (!s)
		return;
	for (i = 0; i < digits && s[i]; i++) {
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			break;
		hex[i] = (char)(s[i] | 0x20); /* lower case */
	}
	if (i != digits || s[i]) {
		config_error(ld, node,
			     "expected %s (%zu hex digits), found '%s'", what,
			     digits, s);
		return;
	}
	hex[digits] = '\0';
	set_string(dest, hex);
}

void value_sha256(struct loader *ld, const yaml_node_t *node, void *dest)
{
	value_hash(ld, node, dest, "a SHA-256 hash", 64);
}

void value_md5(struct loader *ld, const yaml_node_t *node, void *dest)
{
	value_hash(ld, node, dest, "an MD5 hash", 32);
}

/* A mailto: address or an https: URL (List-Unsubscribe, opt-out routes). */
void value_mailto_or_https(struct loader *ld, const yaml_node_t *node,
			   void *dest)
{
	static const char *const schemes[] = {"mailto:", "https://"};
	const char *s = config_scalar(ld, node, "a mailto: or https:// URL");

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

/* ---- paths ------------------------------------------------------------ */

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

void value_path(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "a path");
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
void value_secret(struct loader *ld, const yaml_node_t *node, void *dest)
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
	config_load_mapping(ld, ld->doc, node, secret_keys,
			    ELEMENTSOF(secret_keys), &ref, "secret");
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
			secret_free(*(char **)dest);
			*(char **)dest = value;
		}
	}
	free(ref.credential);
	free(ref.file);
}

/* A webhook's signing secret: a secret that webhook_sign() can use. */
void value_webhook_secret(struct loader *ld, const yaml_node_t *node,
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

/* ---- HTTP headers ----------------------------------------------------- */

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

bool header_value_valid(const char *s)
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

bool dataset_has_header(const struct config_dataset *d, const char *name)
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
	const char *name = config_scalar(ld, knode, "a header name");
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
			value = secret_free(value);
		}
		if (value)
			dataset_add_header(d, name, value, true);
		return;
	}
	if (header_looks_secret(name)) {
		value_secret(ld, vnode, &value); /* reports "never inline" */
		return;
	}
	plain = config_scalar(ld, vnode, "a header value");
	if (plain && !header_value_valid(plain))
		config_error(ld, vnode,
			     "the value of header '%s' holds a control "
			     "character",
			     name);
	else if (plain)
		dataset_add_header(d, name, xstrdup(plain), false);
}

/* headers: { Name: value, Name: { credential: NAME } } */
void value_headers(struct loader *ld, const yaml_node_t *node, void *dest)
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
void value_bearer(struct loader *ld, const yaml_node_t *node, void *dest)
{
	static const char scheme[] = "Bearer ";
	struct config_dataset *d = dest;
	char *token = NULL, *value;
	size_t len;

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
		/* Built in secret memory: no copy of the token on the heap. */
		len = strlen(token);
		value = secret_alloc(sizeof(scheme) - 1 + len);
		memcpy(value, scheme, sizeof(scheme) - 1);
		memcpy(value + sizeof(scheme) - 1, token, len);
		dataset_add_header(d, "Authorization", value, true);
	}
	secret_free(token);
}

/* api_key: { credential: NAME }: a key sent as a header value. */
void value_api_key(struct loader *ld, const yaml_node_t *node, void *dest)
{
	char *key = NULL;

	value_secret(ld, node, &key);
	if (!key)
		return;
	if (!key[0] || !header_value_valid(key) || strpbrk(key, " \t")) {
		config_error(ld, node,
			     "the api_key is empty or holds white space or a "
			     "control character");
		secret_free(key);
		return;
	}
	secret_free(*(char **)dest);
	*(char **)dest = key;
}
