/*
 * photo.h: how a photo is shown to people and programs: the page a person
 * follows, the image the manifest points at, how its owner was found, and
 * the names of the ways it matched; copying an entry out of the store.
 * Pure: no I/O.
 */
#ifndef SCRAPEWATCH_PHOTO_H
#define SCRAPEWATCH_PHOTO_H

#include "store/store_events.h"

struct buf;

/* The photo's page: the manifest's page URL, else built from its owner
 * and id, else Flickr's by-id address; "" when the photo id is unknown. */
void photo_page_url(const struct store_entry *e, struct buf *b);
/* The image URL the manifest gives, or "". */
const char *photo_image_url(const struct store_entry *e);
/* How the owner was found: "direct", "ownership table", "display name". */
const char *photo_owner_found(enum store_match how, enum store_via via);
/* Appends the URL of a 150-pixel square thumbnail when the image URL is a
 * Flickr static one it can be made from.  Returns 1 if it did, else 0. */
int photo_thumbnail_url(const struct store_entry *e, struct buf *b);
/* Copies e into *to, its strings into one new block, returned (the
 * caller frees it once done with *to). */
char *photo_entry_copy(struct store_entry *to, const struct store_entry *e);
/* Machine names for webhooks: "photo", "nsid", "alias", "display_name";
 * and "direct", "ownership_table", "display_name". */
const char *photo_match_token(enum store_match how);
const char *photo_owner_token(enum store_match how, enum store_via via);

#endif
