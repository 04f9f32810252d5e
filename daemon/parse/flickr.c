/*
 * flickr.c: recognises Flickr references and extracts photo ids and owners.
 *
 * Owns the grammar of every form listed in flickr.h: photo page URLs, static
 * image and buddy-icon URLs, flic.kr short links, MegaFace and DiveFace paths,
 * and bare decimal ids.  Everything here is a pure function over a pointer
 * and a length: input is never assumed NUL-terminated and nothing is read
 * past len, nothing allocates, nothing logs, and no regular expression or
 * locale is involved (character classes are ASCII).  flickr_parse() runs on
 * every row of manifests with 100 million rows, so it looks at each byte a
 * small, bounded number of times.  It must not learn about datasets, the
 * store or watches: callers decide what a match means.
 *
 * Decisions that flickr.h leaves open, made here:
 *  - Leading and trailing ASCII white space (space, \t, \n, \v, \f, \r) is
 *    trimmed, so padded manifest fields and CRLF lines still parse.  Any
 *    other control byte left inside (NUL included) refuses the input.
 *  - URLs need no scheme: "www.flickr.com/photos/..." and "flic.kr/p/..."
 *    are accepted.  A scheme, when present, must be http or https (any
 *    case); "ftp://", "file://" and the like are refused, and a
 *    scheme-relative "//host/..." is not a URL (nor a dataset path).
 *  - Host names are compared case-insensitively and must match exactly:
 *    flickr.com, www.flickr.com and m.flickr.com for pages; flic.kr for
 *    short links; live.staticflickr.com, staticflickr.com, static.flickr.com,
 *    farm<N>.staticflickr.com, farm<N>.static.flickr.com and
 *    c<N>.staticflickr.com (with its extra /<farm> directory) for images.
 *    A userinfo part ("user@host") is refused outright, even before a
 *    Flickr host; so is any port but :80 and :443 (the ports Flickr serves
 *    on, accepted whatever the scheme), an empty port, and a trailing dot.
 *  - A URL on any other host is refused even when its path looks like a
 *    Flickr path (a MegaFace mirror, say).  Only scheme-less input whose
 *    first segment is not a Flickr host is tried as a dataset path.
 *  - In owner segments "%40" reads as '@', as NSIDs in page URLs are often
 *    percent-encoded; any other '%' refuses the input.
 *  - "/photos/<owner>/<segment not starting with a digit>" (albums,
 *    favorites, sets/<id>, ...) and "/people/<owner>[/...]" are account
 *    pages: owner only, photo id 0.  The site's own pages there ("tags",
 *    "me", "friends") are not owners and are refused.
 *  - Past the photo id of a page URL, the rest of the path, the query and
 *    the fragment are not examined.  Static and buddy-icon file names must
 *    end the path; a query or fragment may follow.
 *  - Static sizes are one to three letters or digits ("_b", "_o", "_3k"),
 *    at most two of them ("_o_d", the download form).  Buddy icons take
 *    "_r" or "_l".  Extensions are one to eight letters or digits.
 *  - Ids with leading zeros are read as their numeric value; zero is never
 *    a photo id.  Base58 strings with leading '1's likewise.
 *  - A bare NSID or alias is not a reference to a photo or a page, and is
 *    refused; use flickr_nsid_valid() and flickr_alias_valid() for those.
 */
#include "parse/flickr.h"

#include <errno.h>
#include <string.h>

#include "lib/macro.h"

/* Flickr's base58: Bitcoin's digits, but lower case before upper case. */
static const char base58_alphabet[] =
	"123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";

/* Each character's base58 value plus one; 0 for characters not in it. */
static const unsigned char base58_values[256] = {
	['1'] = 1,  ['2'] = 2,	['3'] = 3,  ['4'] = 4,	['5'] = 5,  ['6'] = 6,
	['7'] = 7,  ['8'] = 8,	['9'] = 9,  ['a'] = 10, ['b'] = 11, ['c'] = 12,
	['d'] = 13, ['e'] = 14, ['f'] = 15, ['g'] = 16, ['h'] = 17, ['i'] = 18,
	['j'] = 19, ['k'] = 20, ['m'] = 21, ['n'] = 22, ['o'] = 23, ['p'] = 24,
	['q'] = 25, ['r'] = 26, ['s'] = 27, ['t'] = 28, ['u'] = 29, ['v'] = 30,
	['w'] = 31, ['x'] = 32, ['y'] = 33, ['z'] = 34, ['A'] = 35, ['B'] = 36,
	['C'] = 37, ['D'] = 38, ['E'] = 39, ['F'] = 40, ['G'] = 41, ['H'] = 42,
	['J'] = 43, ['K'] = 44, ['L'] = 45, ['M'] = 46, ['N'] = 47, ['P'] = 48,
	['Q'] = 49, ['R'] = 50, ['S'] = 51, ['T'] = 52, ['U'] = 53, ['V'] = 54,
	['W'] = 55, ['X'] = 56, ['Y'] = 57, ['Z'] = 58,
};

/* Digits in the base58 form of UINT64_MAX: 58^10 < 2^64 <= 58^11. */
#define BASE58_MAX 11

/* Static image names: at most two size suffixes ("_o_d") of at most three
 * characters ("_3k"); extensions of at most eight ("jpeg"). */
#define STATIC_SIZES_MAX    2
#define STATIC_SIZE_LEN_MAX 3
#define EXT_LEN_MAX	    8

enum host_kind {
	HOST_NONE,
	HOST_PAGE,	  /* /photos/<owner>[/<id>], /people/<owner> */
	HOST_SHORT,	  /* /p/<base58 id> */
	HOST_STATIC,	  /* /<server>/<file> */
	HOST_STATIC_FARM, /* /<farm>/<server>/<file> */
};

/* A row of flickr_hosts[]: the length is compared before the bytes. */
/* clang-format off */
#define HOST(n, k) { .name = (n), .len = sizeof(n) - 1, .kind = (k) }
/* clang-format on */

static const struct {
	const char *name;
	size_t len;
	enum host_kind kind;
} flickr_hosts[] = {
	HOST("www.flickr.com", HOST_PAGE),
	HOST("flickr.com", HOST_PAGE),
	HOST("m.flickr.com", HOST_PAGE),
	HOST("flic.kr", HOST_SHORT),
	HOST("live.staticflickr.com", HOST_STATIC),
	HOST("staticflickr.com", HOST_STATIC),
	HOST("static.flickr.com", HOST_STATIC),
};

/* Hosts made of a prefix, a decimal number and a suffix. */
static const struct {
	const char *prefix;
	const char *suffix;
	enum host_kind kind;
} flickr_numbered_hosts[] = {
	{"farm", ".staticflickr.com", HOST_STATIC},
	{"farm", ".static.flickr.com", HOST_STATIC},
	{"c", ".staticflickr.com", HOST_STATIC_FARM},
};

/* Path segments under /photos/ and /people/ that are the site's own. */
static const char *const reserved_owners[] = {"tags", "me", "friends"};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_control(char c)
{
	unsigned char u = (unsigned char)c;

	return u < 0x20 || u == 0x7f;
}

/* True where a URL path ends: the end of input, a query or a fragment. */
static bool is_path_end(const char *p, const char *end)
{
	return p == end || *p == '?' || *p == '#';
}

/* Returns where the URL path segment at p ends: at '/', '?', '#' or end. */
static const char *seg_end(const char *p, const char *end)
{
	while (p < end && *p != '/' && *p != '?' && *p != '#')
		p++;
	return p;
}

/* Returns where the '/'-separated segment ending at end starts. */
static const char *seg_start(const char *p, const char *end)
{
	while (end > p && end[-1] != '/')
		end--;
	return end;
}

static size_t span_digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_digit(*q))
		q++;
	return (size_t)(q - p);
}

static size_t span_alnum(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_alnum(*q))
		q++;
	return (size_t)(q - p);
}

/* True if s (n bytes) equals the NUL-terminated lit, ignoring ASCII case. */
static bool eq_ci(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lit[i] == '\0' || to_lower(s[i]) != to_lower(lit[i]))
			return false;
	return lit[n] == '\0';
}

/* If [*p, end) starts with lit (exactly, or ignoring case when ci is set),
 * moves *p past it and returns true. */
static bool prefix_skip(const char **p, const char *end, const char *lit,
			bool ci)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n)
		return false;
	if (ci ? !eq_ci(*p, n, lit) : memcmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

/* *v = *v * base + d; returns false (and leaves *v alone) on overflow. */
static bool mul_add(uint64_t *v, unsigned base, unsigned d)
{
	if (*v > (UINT64_MAX - d) / base)
		return false;
	*v = *v * base + d;
	return true;
}

int flickr_id_parse(const char *s, size_t len, uint64_t *ret)
{
	bool overflow = false;
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	/* Every byte is checked even after an overflow, so that a string
	 * that is not a number is always -EINVAL. */
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		if (!overflow && !mul_add(&v, 10, (unsigned)(s[i] - '0')))
			overflow = true;
	}
	if (overflow || v == 0)
		return -ERANGE;
	*ret = v;
	return 0;
}

int flickr_base58_decode(const char *s, size_t len, uint64_t *ret)
{
	bool overflow = false;
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned d = base58_values[(unsigned char)s[i]];

		if (d == 0)
			return -EINVAL;
		if (!overflow && !mul_add(&v, 58, d - 1))
			overflow = true;
	}
	if (overflow)
		return -ERANGE;
	*ret = v;
	return 0;
}

int flickr_base58_encode(uint64_t id, char *out, size_t size)
{
	char digits[BASE58_MAX];
	size_t n = 0;

	do {
		digits[BASE58_MAX - ++n] = base58_alphabet[id % 58];
		id /= 58;
	} while (id);
	if (size < n + 1)
		return -ENOBUFS;
	memcpy(out, digits + BASE58_MAX - n, n);
	out[n] = '\0';
	return (int)n;
}

bool flickr_nsid_valid(const char *s, size_t len)
{
	size_t i;

	/* The shortest NSID is "1@N00". */
	if (len < 5 || len > FLICKR_NSID_MAX)
		return false;
	if (s[len - 4] != '@' || s[len - 3] != 'N' || !is_digit(s[len - 2]) ||
	    !is_digit(s[len - 1]))
		return false;
	for (i = 0; i < len - 4; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool flickr_alias_valid(const char *s, size_t len)
{
	bool digits_only = true;
	size_t i;

	if (len == 0 || len > FLICKR_ALIAS_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (is_digit(s[i]))
			continue;
		if (!is_alpha(s[i]) && s[i] != '-' && s[i] != '_')
			return false;
		digits_only = false;
	}
	/* An all-digit alias would read as a photo id. */
	return !digits_only;
}

int flickr_alias_compare(const char *a, const char *b)
{
	unsigned char ca, cb;

	do {
		ca = (unsigned char)to_lower(*a++);
		cb = (unsigned char)to_lower(*b++);
	} while (ca == cb && ca != '\0');
	return (int)ca - (int)cb;
}

/*
 * Copies the owner segment [p, end) into out (size bytes, terminator
 * included), reading "%40" as '@'.  Returns the length, or -EINVAL when it
 * does not fit or holds any other '%'.
 */
static int owner_copy(const char *p, const char *end, char *out, size_t size)
{
	size_t n = 0;

	while (p < end) {
		char c = *p++;

		if (c == '%') {
			if (end - p < 2 || p[0] != '4' || p[1] != '0')
				return -EINVAL;
			c = '@';
			p += 2;
		}
		if (n + 1 >= size)
			return -EINVAL;
		out[n++] = c;
	}
	out[n] = '\0';
	return (int)n;
}

/*
 * Reads the owner segment [p, end) into r: an NSID into r->nsid, or, when
 * alias_ok, a path alias into r->alias as written.  Returns 0 or -EINVAL.
 */
static int owner_parse(const char *p, const char *end, bool alias_ok,
		       struct flickr_ref *r)
{
	char owner[FLICKR_ALIAS_MAX + 1];
	size_t i, n;
	int k;

	k = owner_copy(p, end, owner,
		       alias_ok ? sizeof(owner) : FLICKR_NSID_MAX + 1);
	if (k < 0)
		return k;
	n = (size_t)k;
	if (flickr_nsid_valid(owner, n)) {
		memcpy(r->nsid, owner, n + 1);
		return 0;
	}
	if (!alias_ok || !flickr_alias_valid(owner, n))
		return -EINVAL;
	for (i = 0; i < ELEMENTSOF(reserved_owners); i++)
		if (eq_ci(owner, n, reserved_owners[i]))
			return -EINVAL;
	memcpy(r->alias, owner, n + 1);
	return 0;
}

static enum host_kind host_classify(const char *h, size_t n)
{
	size_t i, plen, digits;

	for (i = 0; i < ELEMENTSOF(flickr_hosts); i++)
		if (n == flickr_hosts[i].len &&
		    eq_ci(h, n, flickr_hosts[i].name))
			return flickr_hosts[i].kind;
	for (i = 0; i < ELEMENTSOF(flickr_numbered_hosts); i++) {
		plen = strlen(flickr_numbered_hosts[i].prefix);
		if (n <= plen ||
		    !eq_ci(h, plen, flickr_numbered_hosts[i].prefix))
			continue;
		digits = span_digits(h + plen, h + n);
		if (digits == 0)
			continue;
		if (eq_ci(h + plen + digits, n - plen - digits,
			  flickr_numbered_hosts[i].suffix))
			return flickr_numbered_hosts[i].kind;
	}
	return HOST_NONE;
}

/*
 * Classifies the authority [p, end): a Flickr host name, optionally with
 * port 80 or 443.  Anything with a userinfo part is HOST_NONE.
 */
static enum host_kind authority_classify(const char *p, const char *end)
{
	const char *colon;
	size_t n = (size_t)(end - p);

	/* No Flickr host name holds an '@', so the exact match below would
	 * refuse these too; the check says so, whatever the tables become. */
	if (memchr(p, '@', n))
		return HOST_NONE;
	colon = memchr(p, ':', n);
	if (colon) {
		n = (size_t)(end - colon - 1);
		if (!eq_ci(colon + 1, n, "80") && !eq_ci(colon + 1, n, "443"))
			return HOST_NONE;
		end = colon;
	}
	return host_classify(p, (size_t)(end - p));
}

/*
 * Skips an "http://" or "https://" prefix at *p.  Returns 1 if one was
 * skipped, 0 if the input has no scheme, -EINVAL for any other scheme.
 */
static int scheme_skip(const char **p, const char *end)
{
	const char *q = *p;

	if (q == end || !is_alpha(*q))
		return 0;
	while (q < end && (is_alnum(*q) || *q == '+' || *q == '-' || *q == '.'))
		q++;
	if (end - q < 3 || memcmp(q, "://", 3) != 0)
		return 0;
	if (!eq_ci(*p, (size_t)(q - *p), "http") &&
	    !eq_ci(*p, (size_t)(q - *p), "https"))
		return -EINVAL;
	*p = q + 3;
	return 1;
}

/* Skips ".<ext>" at p; returns what follows, or NULL if none is there. */
static const char *ext_skip(const char *p, const char *end)
{
	size_t n;

	if (p == end || *p != '.')
		return NULL;
	n = span_alnum(p + 1, end);
	if (n == 0 || n > EXT_LEN_MAX)
		return NULL;
	return p + 1 + n;
}

/* Parses the id of [p, end) into *ret; -EINVAL or -ERANGE otherwise. */
static int id_parse(const char *p, const char *end, uint64_t *ret)
{
	return flickr_id_parse(p, (size_t)(end - p), ret);
}

/* /photos/<owner>[/<id>[/...]], /photos/<owner>/<page>, /people/<owner> */
static int page_parse(const char *p, const char *end, struct flickr_ref *r)
{
	const char *owner;
	bool people = false;
	int k;

	if (!prefix_skip(&p, end, "/photos/", true)) {
		if (!prefix_skip(&p, end, "/people/", true))
			return -EINVAL;
		people = true;
	}
	owner = p;
	p = seg_end(p, end);
	k = owner_parse(owner, p, true, r);
	if (k < 0)
		return k;
	r->kind = FLICKR_PAGE;
	if (people || is_path_end(p, end))
		return 0;
	/* p is at the '/' after the owner.  What follows is a photo id if
	 * it starts with a digit, else a page of the account's own. */
	p++;
	if (p == end || !is_digit(*p))
		return 0;
	return id_parse(p, seg_end(p, end), &r->photo_id);
}

/* /p/<base58 id>[/...] */
static int short_parse(const char *p, const char *end, struct flickr_ref *r)
{
	const char *q;
	uint64_t id;
	int k;

	if (!prefix_skip(&p, end, "/p/", false))
		return -EINVAL;
	q = seg_end(p, end);
	k = flickr_base58_decode(p, (size_t)(q - p), &id);
	if (k < 0)
		return k;
	if (id == 0)
		return -ERANGE;
	r->kind = FLICKR_SHORT;
	r->photo_id = id;
	return 0;
}

/* <nsid>[_r|_l].<ext>, the file name after ".../buddyicons/". */
static int buddyicon_parse(const char *p, const char *end, struct flickr_ref *r)
{
	const char *q = p;
	int k;

	while (q < end && *q != '_' && *q != '.' && *q != '/' && *q != '?' &&
	       *q != '#')
		q++;
	k = owner_parse(p, q, false, r);
	if (k < 0)
		return k;
	if (q < end && *q == '_') {
		q++;
		if (q == end || (*q != 'r' && *q != 'l'))
			return -EINVAL;
		q++;
	}
	q = ext_skip(q, end);
	if (!q || !is_path_end(q, end))
		return -EINVAL;
	r->kind = FLICKR_BUDDYICON;
	return 0;
}

/* <id>_<secret>[_<size>[_<size>]].<ext>, the file name of an image. */
static int image_file_parse(const char *p, const char *end,
			    struct flickr_ref *r)
{
	const char *id = p, *id_end;
	size_t n, i;

	id_end = p + span_digits(p, end);
	p = id_end;
	if (p == end || *p != '_')
		return -EINVAL;
	p++;
	n = span_alnum(p, end);
	if (n == 0)
		return -EINVAL;
	p += n;
	for (i = 0; i < STATIC_SIZES_MAX && p < end && *p == '_'; i++) {
		p++;
		n = span_alnum(p, end);
		if (n == 0 || n > STATIC_SIZE_LEN_MAX)
			return -EINVAL;
		p += n;
	}
	p = ext_skip(p, end);
	if (!p || !is_path_end(p, end))
		return -EINVAL;
	r->kind = FLICKR_STATIC;
	return id_parse(id, id_end, &r->photo_id);
}

/* /[<farm>/]<server>/<image file> or /[<farm>/]<server>/buddyicons/<file>,
 * with dirs numeric directories before the file. */
static int static_parse(const char *p, const char *end, unsigned dirs,
			struct flickr_ref *r)
{
	unsigned i;
	size_t n;

	for (i = 0; i < dirs; i++) {
		if (p == end || *p != '/')
			return -EINVAL;
		p++;
		n = span_digits(p, end);
		if (n == 0)
			return -EINVAL;
		p += n;
	}
	if (p == end || *p != '/')
		return -EINVAL;
	p++;
	if (prefix_skip(&p, end, "buddyicons/", true))
		return buddyicon_parse(p, end, r);
	return image_file_parse(p, end, r);
}

/* The path of a URL whose host is of the given kind. */
static int url_path_parse(enum host_kind host, const char *p, const char *end,
			  struct flickr_ref *r)
{
	switch (host) {
	case HOST_PAGE:
		return page_parse(p, end, r);
	case HOST_SHORT:
		return short_parse(p, end, r);
	case HOST_STATIC:
		return static_parse(p, end, 1, r);
	case HOST_STATIC_FARM:
		return static_parse(p, end, 2, r);
	case HOST_NONE:
		break;
	}
	return -EINVAL;
}

/* <photo id>_<face index>.<ext>, filling *ret with the photo id. */
static int face_file_parse(const char *p, const char *end, uint64_t *ret)
{
	const char *id = p, *id_end;
	size_t n;

	id_end = p + span_digits(p, end);
	p = id_end;
	if (p == end || *p != '_')
		return -EINVAL;
	p++;
	n = span_digits(p, end);
	if (n == 0)
		return -EINVAL;
	p = ext_skip(p + n, end);
	if (p != end)
		return -EINVAL;
	return id_parse(id, id_end, ret);
}

/* DiveFace: the directory [p, end) is "<nsid>_identity_<k>". */
static int diveface_dir_parse(const char *p, const char *end,
			      struct flickr_ref *r)
{
	const char *q = p;
	size_t n, nsid_len;

	while (q < end && *q != '_')
		q++;
	nsid_len = (size_t)(q - p);
	if (!flickr_nsid_valid(p, nsid_len))
		return -EINVAL;
	if (!prefix_skip(&q, end, "_identity_", false))
		return -EINVAL;
	n = span_digits(q, end);
	if (n == 0 || q + n != end)
		return -EINVAL;
	memcpy(r->nsid, p, nsid_len);
	r->nsid[nsid_len] = '\0';
	return 0;
}

/* MegaFace: the directories in [start, end) end with
 * "FlickrFinal2/<first 3 bytes of the nsid>/<nsid>". */
static int megaface_dirs_parse(const char *start, const char *end,
			       struct flickr_ref *r)
{
	static const char top[] = "FlickrFinal2";
	const char *nsid, *prefix, *dir;
	size_t nsid_len;

	nsid = seg_start(start, end);
	nsid_len = (size_t)(end - nsid);
	if (!flickr_nsid_valid(nsid, nsid_len) || nsid == start)
		return -EINVAL;
	prefix = seg_start(start, nsid - 1);
	if (nsid - 1 - prefix != 3 || memcmp(prefix, nsid, 3) != 0 ||
	    prefix == start)
		return -EINVAL;
	dir = seg_start(start, prefix - 1);
	if ((size_t)(prefix - 1 - dir) != sizeof(top) - 1 ||
	    memcmp(dir, top, sizeof(top) - 1) != 0)
		return -EINVAL;
	memcpy(r->nsid, nsid, nsid_len);
	r->nsid[nsid_len] = '\0';
	return 0;
}

/* A MegaFace or DiveFace file path, with any leading directories. */
static int dataset_path_parse(const char *p, const char *end,
			      struct flickr_ref *r)
{
	const char *file, *dir;
	int k;

	file = seg_start(p, end);
	if (file == p)
		return -EINVAL;
	k = face_file_parse(file, end, &r->photo_id);
	if (k < 0)
		return k;
	dir = seg_start(p, file - 1);
	if (diveface_dir_parse(dir, file - 1, r) < 0) {
		k = megaface_dirs_parse(p, file - 1, r);
		if (k < 0)
			return k;
	}
	r->kind = FLICKR_PATH;
	return 0;
}

/*
 * Trims ASCII white space off both ends of [*p, *end).  Returns false when
 * nothing is left or a control byte remains inside.
 */
static bool input_trim(const char **p, const char **end)
{
	const char *q;

	while (*p < *end && is_space(**p))
		(*p)++;
	while (*end > *p && is_space((*end)[-1]))
		(*end)--;
	if (*p == *end)
		return false;
	for (q = *p; q < *end; q++)
		if (is_control(*q))
			return false;
	return true;
}

int flickr_parse(const char *s, size_t len, struct flickr_ref *ret)
{
	struct flickr_ref r = {.kind = FLICKR_NONE};
	const char *p = s, *end, *path;
	enum host_kind host;
	int scheme, k;

	if (len == 0)
		return -EINVAL;
	end = s + len;
	if (!input_trim(&p, &end))
		return -EINVAL;
	if (span_digits(p, end) == (size_t)(end - p)) {
		k = id_parse(p, end, &r.photo_id);
		r.kind = FLICKR_ID;
	} else {
		scheme = scheme_skip(&p, end);
		if (scheme < 0)
			return -EINVAL;
		path = seg_end(p, end);
		host = authority_classify(p, path);
		if (host != HOST_NONE)
			k = url_path_parse(host, path, end, &r);
		else if (!scheme)
			k = dataset_path_parse(p, end, &r);
		else
			k = -EINVAL;
	}
	/* Overflowing ids are not references either: one error for all. */
	if (k < 0)
		return -EINVAL;
	*ret = r;
	return 0;
}
