/*
 * entry.c: derives an entry's Flickr identity, its page and image URLs and
 * its 64-bit key from the raw fields an adapter found.  Pure functions; no
 * allocation.
 */
#include "parse/entry.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "lib/macro.h"

static const char *const entry_field_names[ENTRY_FIELD_MAX] = {
	[ENTRY_FIELD_KEY] = "key",
	[ENTRY_FIELD_PHOTO_ID] = "photo_id",
	[ENTRY_FIELD_URL] = "url",
	[ENTRY_FIELD_PAGE_URL] = "page_url",
	[ENTRY_FIELD_IMAGE_URL] = "image_url",
	[ENTRY_FIELD_OWNER_NSID] = "owner_nsid",
	[ENTRY_FIELD_OWNER_ALIAS] = "owner_alias",
	[ENTRY_FIELD_OWNER_NAME] = "owner_name",
	[ENTRY_FIELD_OWNER_URL] = "owner_url",
	[ENTRY_FIELD_LICENSE] = "license",
	[ENTRY_FIELD_PATH] = "path",
};

const char *entry_field_name(enum entry_field f)
{
	return f < ENTRY_FIELD_MAX ? entry_field_names[f] : NULL;
}

int entry_field_find(const char *name, enum entry_field *ret)
{
	size_t i;

	for (i = 0; i < ENTRY_FIELD_MAX; i++)
		if (strcmp(name, entry_field_names[i]) == 0) {
			*ret = (enum entry_field)i;
			return 0;
		}
	return -ENOENT;
}

/* Copies a validated owner into a fixed buffer if it is still unset. */
static void set_owner(char *dest, size_t size, const char *s, size_t len)
{
	if (dest[0] == '\0' && len < size) {
		memcpy(dest, s, len);
		dest[len] = '\0';
	}
}

/* Takes what a Flickr reference in text gives and the entry lacks. */
static void identify_from(struct entry *e, const struct entry_text *t)
{
	struct flickr_ref ref;

	if (t->len == 0 || flickr_parse(t->s, t->len, &ref) < 0)
		return;
	if (!e->photo_id && ref.kind != FLICKR_ID)
		e->photo_id = ref.photo_id;
	set_owner(e->nsid, sizeof(e->nsid), ref.nsid, strlen(ref.nsid));
	set_owner(e->alias, sizeof(e->alias), ref.alias, strlen(ref.alias));
}

void entry_identify(struct entry *e)
{
	static const enum entry_field refs[] = {
		ENTRY_FIELD_PAGE_URL, ENTRY_FIELD_IMAGE_URL, ENTRY_FIELD_URL,
		ENTRY_FIELD_PATH,     ENTRY_FIELD_OWNER_URL,
	};
	const struct entry_text *t = &e->field[ENTRY_FIELD_PHOTO_ID];
	uint64_t id;
	size_t i;

	if (!e->photo_id && t->len && flickr_id_parse(t->s, t->len, &id) == 0)
		e->photo_id = id;
	for (i = 0; i < ELEMENTSOF(refs); i++)
		identify_from(e, &e->field[refs[i]]);
	t = &e->field[ENTRY_FIELD_OWNER_NSID];
	if (t->len && flickr_nsid_valid(t->s, t->len))
		set_owner(e->nsid, sizeof(e->nsid), t->s, t->len);
	t = &e->field[ENTRY_FIELD_OWNER_ALIAS];
	if (t->len && flickr_alias_valid(t->s, t->len))
		set_owner(e->alias, sizeof(e->alias), t->s, t->len);
}

/* What an http(s) URL in a url field is. */
enum url_kind { URL_OTHER, URL_PAGE, URL_IMAGE };

static bool has_http_scheme(const char *s, size_t len)
{
	return (len > 7 && strncasecmp(s, "http://", 7) == 0) ||
	       (len > 8 && strncasecmp(s, "https://", 8) == 0);
}

/* Whether the path of http(s) URL s ends in an image file's name. */
static bool image_file_name(const char *s, size_t len)
{
	static const char *const exts[] = {"jpg",  "jpeg", "png", "gif",
					   "webp", "bmp",  "tif", "tiff",
					   "avif", "heic"};
	const char *host = s + (s[4] == ':' ? 7 : 8), *end = host, *name;
	const char *dot;
	size_t i, n;

	while (end < s + len && *end != '?' && *end != '#')
		end++;
	for (name = end; name > host && name[-1] != '/'; name--)
		;
	if (name == host) /* no path, or only a host */
		return false;
	dot = memrchr(name, '.', (size_t)(end - name));
	if (!dot)
		return false;
	n = (size_t)(end - dot - 1);
	for (i = 0; i < ELEMENTSOF(exts); i++)
		if (n == strlen(exts[i]) &&
		    strncasecmp(dot + 1, exts[i], n) == 0)
			return true;
	return false;
}

static enum url_kind url_kind(const char *s, size_t len)
{
	struct flickr_ref ref;

	if (!has_http_scheme(s, len))
		return URL_OTHER;
	if (flickr_parse(s, len, &ref) < 0)
		return image_file_name(s, len) ? URL_IMAGE : URL_OTHER;
	if ((ref.kind == FLICKR_PAGE && ref.photo_id) ||
	    ref.kind == FLICKR_SHORT)
		return URL_PAGE;
	return ref.kind == FLICKR_STATIC ? URL_IMAGE : URL_OTHER;
}

bool entry_url_is_image(const char *s, size_t len)
{
	return url_kind(s, len) == URL_IMAGE;
}

struct entry_text entry_page_url(const struct entry *e)
{
	const struct entry_text *url = &e->field[ENTRY_FIELD_URL];

	if (e->field[ENTRY_FIELD_PAGE_URL].len)
		return e->field[ENTRY_FIELD_PAGE_URL];
	if (url->len && url_kind(url->s, url->len) == URL_PAGE)
		return *url;
	return (struct entry_text){0};
}

struct entry_text entry_image_url(const struct entry *e)
{
	const struct entry_text *url = &e->field[ENTRY_FIELD_URL];

	if (e->field[ENTRY_FIELD_IMAGE_URL].len)
		return e->field[ENTRY_FIELD_IMAGE_URL];
	if (url->len && url_kind(url->s, url->len) == URL_IMAGE)
		return *url;
	return (struct entry_text){0};
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* A fast 64-bit hash of a short string: 8 bytes a step, then a strong
 * finaliser.  Not for adversaries: a collision only merges two entries. */
static uint64_t hash64(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0x100000001b3ULL), w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ mix64(w)) * 0x9e3779b97f4a7c15ULL;
	}
	w = 0;
	memcpy(&w, s, len);
	h = (h ^ mix64(w ^ len)) * 0x9e3779b97f4a7c15ULL;
	return mix64(h);
}

int entry_key(const struct entry *e, int photo_keyed, uint64_t *ret)
{
	static const enum entry_field order[] = {
		ENTRY_FIELD_KEY,      ENTRY_FIELD_PATH,	     ENTRY_FIELD_URL,
		ENTRY_FIELD_PAGE_URL, ENTRY_FIELD_IMAGE_URL,
	};
	size_t i;

	if (photo_keyed) {
		if (!e->photo_id)
			return -ENODATA;
		*ret = e->photo_id;
		return ENTRY_FIELD_PHOTO_ID;
	}
	for (i = 0; i < ELEMENTSOF(order); i++) {
		const struct entry_text *t = &e->field[order[i]];

		if (t->len) {
			*ret = hash64(t->s, t->len);
			return (int)order[i];
		}
	}
	/* A table of photo ids and owners, nothing else: key by the id. */
	if (e->photo_id) {
		*ret = e->photo_id;
		return ENTRY_FIELD_PHOTO_ID;
	}
	return -ENODATA;
}
