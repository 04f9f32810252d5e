/*
 * photo.c: how a photo is shown (photo.h).
 */
#include "photo.h"

#include <string.h>

#include "buf.h"
#include "macro.h"
#include "xalloc.h"

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
	if (strncmp(e->key_text, "https://", 8) == 0 ||
	    strncmp(e->key_text, "http://", 7) == 0)
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
