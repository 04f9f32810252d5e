/*
 * entry.h: one item of a dataset release, as the format adapters hand it on.
 *
 * An entry holds the raw text of the fields its manifest gives (borrowed
 * from the adapter, valid only during the callback that carries it), where
 * it stands in the manifest (line, byte offset, length: evidence), and the
 * Flickr identity derived from those fields.  entry.c is pure: no I/O.
 */
#ifndef SCRAPEWATCH_ENTRY_H
#define SCRAPEWATCH_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/flickr.h"

/* Entry fields that a manifest column (csv/tsv) or JSON path can feed. */
enum entry_field {
	ENTRY_FIELD_KEY,	 /* dataset-local key */
	ENTRY_FIELD_PHOTO_ID,	 /* decimal Flickr photo id */
	ENTRY_FIELD_URL,	 /* any URL or path; its form is recognised */
	ENTRY_FIELD_PAGE_URL,	 /* Flickr photo page URL */
	ENTRY_FIELD_IMAGE_URL,	 /* static image URL */
	ENTRY_FIELD_OWNER_NSID,	 /* owner NSID */
	ENTRY_FIELD_OWNER_ALIAS, /* owner path alias */
	ENTRY_FIELD_OWNER_NAME,	 /* owner display name */
	ENTRY_FIELD_OWNER_URL,	 /* owner profile URL */
	ENTRY_FIELD_LICENSE,	 /* licence name or URL */
	ENTRY_FIELD_PATH,	 /* a file path inside the dataset */
	ENTRY_FIELD_MAX,
};

/* The name of an entry field as written in a column map ("photo_id"); NULL
 * for none. */
const char *entry_field_name(enum entry_field f);

/* The field a column map's name stands for.  Returns 0 with *ret set, or
 * -ENOENT when the name is no field's. */
int entry_field_find(const char *name, enum entry_field *ret);

/* A piece of a record: not NUL-terminated; len 0 means absent. */
struct entry_text {
	const char *s;
	size_t len;
};

struct entry {
	/* Raw text per entry field (enum entry_field), borrowed. */
	struct entry_text field[ENTRY_FIELD_MAX];
	/* Identity: set by the adapter where it knows them (yfcc100m), else
	 * by entry_identify() from the fields. */
	uint64_t photo_id;		/* 0 when unknown */
	char nsid[FLICKR_NSID_MAX + 1]; /* owner NSID, "" when unknown */
	char alias[FLICKR_ALIAS_MAX +
		   1]; /* owner path alias, "" when unknown */
	/* Where the record is in the decoded manifest. */
	uint64_t line;	 /* first line, from 1 (JSON object formats: record
			  * number, from 1) */
	uint64_t offset; /* byte offset of the record's first byte */
	uint64_t length; /* bytes of the record */
};

/*
 * Fills photo_id, nsid and alias where still unset, from the fields in
 * this order: photo_id, page_url, image_url, url, path, owner_url,
 * owner_nsid, owner_alias.  A field that does not parse is ignored (the
 * entry may still count, keyed by its text).
 */
void entry_identify(struct entry *e);

/*
 * The photo's page URL: the page_url field, else the url field when it is
 * a Flickr photo page or flic.kr link (http or https); none (len 0)
 * otherwise.
 */
struct entry_text entry_page_url(const struct entry *e);

/*
 * The photo's image URL: the image_url field, else the url field when it
 * is an image URL (entry_url_is_image()); none (len 0) otherwise.  A page
 * is never taken for an image.
 */
struct entry_text entry_image_url(const struct entry *e);

/*
 * True if s is an http(s) URL of an image: a Flickr static image URL, or a
 * URL on another host whose path ends in an image file name (.jpg, .jpeg,
 * .png, .gif, .webp, .bmp, .tif, .tiff, .avif, .heic, any case).  A
 * Flickr page, short link or account icon is not.
 */
bool entry_url_is_image(const char *s, size_t len);

/*
 * The 64-bit key that identifies the entry within its dataset: the photo
 * id when the dataset is keyed by photo (photo_keyed), else a hash of the
 * key field, else of the first present of path, url, page_url, image_url,
 * else the photo id (a table of nothing but photo ids and owners).
 * Returns the field the key came from (ENTRY_FIELD_PHOTO_ID when photo
 * keyed) and the key in *ret, or -ENODATA when there is nothing to key on.
 */
int entry_key(const struct entry *e, int photo_keyed, uint64_t *ret);

#endif
