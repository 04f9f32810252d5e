/*
 * photo.c: how a photo is shown (photo.h).
 */
#include "alert/photo.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/entry.h"

void photo_page_url(const struct store_entry *e, struct buf *b)
{
	const char *owner = *e->nsid ? e->nsid : e->alias;

	if (*e->page_url)
		(void)buf_puts(b, e->page_url);
	else if (e->photo_id && *owner)
		(void)buf_printf(b, "https://www.flickr.com/photos/%s/%llu/",
				 owner, (unsigned long long)e->photo_id);
	else if (e->photo_id)
		(void)buf_printf(b, "https://www.flickr.com/photo.gne?id=%llu",
				 (unsigned long long)e->photo_id);
}

const char *photo_image_url(const struct store_entry *e)
{
	if (*e->image_url)
		return e->image_url;
	/* Entries stored before the url field filled image_url: their key
	 * may be the image's URL -- never a page's. */
	if (entry_url_is_image(e->key_text, strlen(e->key_text)))
		return e->key_text;
	return "";
}

const char *photo_owner_found(enum store_match how, enum store_via via)
{
	if (how == STORE_MATCH_NAME)
		return "display name";
	return via == STORE_VIA_OWNERSHIP ? "ownership table" : "direct";
}

/* Copies e into *to, its strings into one block returned (to free). */
char *photo_entry_copy(struct store_entry *to, const struct store_entry *e)
{
	const char **fields[] = {&to->nsid,	&to->alias,    &to->name,
				 &to->key_text, &to->page_url, &to->image_url,
				 &to->license};
	size_t i, len = 0;
	char *block, *at;

	*to = *e;
	for (i = 0; i < ELEMENTSOF(fields); i++)
		len += strlen(*fields[i]) + 1;
	block = at = xmalloc(len);
	for (i = 0; i < ELEMENTSOF(fields); i++) {
		size_t n = strlen(*fields[i]) + 1;

		memcpy(at, *fields[i], n);
		*fields[i] = at;
		at += n;
	}
	return block;
}

const char *photo_match_token(enum store_match how)
{
	static const char *const names[] = {
		[STORE_MATCH_PHOTO] = "photo",
		[STORE_MATCH_NSID] = "nsid",
		[STORE_MATCH_ALIAS] = "alias",
		[STORE_MATCH_NAME] = "display_name",
	};

	return how >= STORE_MATCH_PHOTO && how <= STORE_MATCH_NAME ? names[how]
								   : "";
}

const char *photo_owner_token(enum store_match how, enum store_via via)
{
	if (how == STORE_MATCH_NAME)
		return "display_name";
	return via == STORE_VIA_OWNERSHIP ? "ownership_table" : "direct";
}

int photo_thumbnail_url(const struct store_entry *e, struct buf *b)
{
	const char *url = photo_image_url(e), *name, *dir;
	size_t id_len, secret_len, dir_len;

	if (!strstr(url, ".staticflickr.com/") || !(name = strrchr(url, '/')))
		return 0;
	for (dir = name; dir > url && dir[-1] != '/'; dir--)
		;
	name++;
	dir_len = (size_t)(name - 1 - dir);
	id_len = strspn(name, "0123456789");
	if (!id_len || name[id_len] != '_' || !dir_len ||
	    strspn(dir, "0123456789") != dir_len)
		return 0;
	secret_len = strspn(name + id_len + 1,
			    "0123456789abcdefghijklmnopqrstuvwxyz");
	if (!secret_len)
		return 0;
	/* An _o image has its own secret: no thumbnail from it. */
	if (strncmp(name + id_len + 1 + secret_len, "_o", 2) == 0)
		return 0;
	(void)buf_printf(b, "https://live.staticflickr.com/%.*s/%.*s_q.jpg",
			 (int)dir_len, dir, (int)(id_len + 1 + secret_len),
			 name);
	return 1;
}
