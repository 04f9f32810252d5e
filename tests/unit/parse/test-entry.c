/* test-entry.c: an entry's identity comes from whichever field has it, and
 * its key is the photo id or a stable hash of its key text; its page and
 * image URLs are what they say. */
#include <errno.h>
#include <stdio.h>

#include "parse/entry.h"
#include "test.h"

static struct entry_text text(const char *s)
{
	return (struct entry_text){s, strlen(s)};
}

TEST(identity_from_fields)
{
	struct entry e = {0};

	e.field[ENTRY_FIELD_IMAGE_URL] = text(
		"http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg");
	e.field[ENTRY_FIELD_OWNER_URL] =
		text("https://www.flickr.com/people/mwichary/");
	entry_identify(&e);
	CHECK_U64(e.photo_id, 2292393487ULL);
	CHECK_STR(e.alias, "mwichary");
	CHECK_STR(e.nsid, "");

	e = (struct entry){0};
	e.field[ENTRY_FIELD_PATH] =
		text("FlickrFinal2/303/30302697@N00/2999358212_1.jpg");
	entry_identify(&e);
	CHECK_U64(e.photo_id, 2999358212ULL);
	CHECK_STR(e.nsid, "30302697@N00");

	e = (struct entry){0};
	e.field[ENTRY_FIELD_PHOTO_ID] = text("53012345678");
	e.field[ENTRY_FIELD_OWNER_NSID] = text("12345678@N00");
	e.field[ENTRY_FIELD_OWNER_ALIAS] = text("not an alias!");
	entry_identify(&e);
	CHECK_U64(e.photo_id, 53012345678ULL);
	CHECK_STR(e.nsid, "12345678@N00");
	CHECK_STR(e.alias, "");

	/* A URL field holding a bare number is not taken as a photo id. */
	e = (struct entry){0};
	e.field[ENTRY_FIELD_URL] = text("12345");
	entry_identify(&e);
	CHECK_U64(e.photo_id, 0);
}

TEST(keys)
{
	struct entry a = {0}, b = {0};
	uint64_t ka = 0, kb = 0;

	a.photo_id = 42;
	CHECK_INT(entry_key(&a, 1, &ka), ENTRY_FIELD_PHOTO_ID);
	CHECK_U64(ka, 42);
	CHECK_INT(entry_key(&b, 1, &kb), -ENODATA);
	CHECK_INT(entry_key(&b, 0, &kb), -ENODATA);
	/* A table of bare photo ids (and owners) is keyed by the id too. */
	ka = 0;
	CHECK_INT(entry_key(&a, 0, &ka), ENTRY_FIELD_PHOTO_ID);
	CHECK_U64(ka, 42);

	a.field[ENTRY_FIELD_PATH] = text("images/00001.png");
	b.field[ENTRY_FIELD_PATH] = text("images/00002.png");
	CHECK_INT(entry_key(&a, 0, &ka), ENTRY_FIELD_PATH);
	CHECK_INT(entry_key(&b, 0, &kb), ENTRY_FIELD_PATH);
	CHECK(ka != kb);
	/* The key field wins over the path, and the hash is stable. */
	a.field[ENTRY_FIELD_KEY] = text("17");
	CHECK_INT(entry_key(&a, 0, &ka), ENTRY_FIELD_KEY);
	b = (struct entry){0};
	b.field[ENTRY_FIELD_KEY] = text("17");
	CHECK_INT(entry_key(&b, 0, &kb), ENTRY_FIELD_KEY);
	CHECK_U64(ka, kb);
}

static const char *shown(struct entry_text t)
{
	static char s[256];

	snprintf(s, sizeof(s), "%.*s", (int)t.len, t.s ? t.s : "");
	return s;
}

/* An image URL is only ever an image URL, and a recognised page URL is
 * the page URL (issue 14, item 7). */
TEST(page_and_image_urls)
{
	static const struct {
		const char *url, *page, *image;
	} cases[] = {
		{"https://www.flickr.com/photos/janedoe/2292393487/",
		 "https://www.flickr.com/photos/janedoe/2292393487/", ""},
		{"http://flic.kr/p/2Lw1fV", "http://flic.kr/p/2Lw1fV", ""},
		{"http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg",
		 "",
		 "http://farm3.staticflickr.com/2076/2292393487_dd3bd5ae9f.jpg"},
		{"https://img.example.org/a/b/face.JPEG?size=2", "",
		 "https://img.example.org/a/b/face.JPEG?size=2"},
		/* An account's page or icon is neither. */
		{"https://www.flickr.com/photos/janedoe/", "", ""},
		{"https://farm5.staticflickr.com/4129/buddyicons/12345678@N00.jpg",
		 "", ""},
		/* Not an http(s) URL, or no image file name. */
		{"www.flickr.com/photos/janedoe/2292393487/", "", ""},
		{"FlickrFinal2/303/30302697@N00/2999358212_1.jpg", "", ""},
		{"https://example.org/photo/123", "", ""},
		{"https://example.org/.jpg/x", "", ""},
		{"https://example.jpg", "", ""},
		{"ftp://example.org/face.jpg", "", ""},
	};
	struct entry e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = (struct entry){0};
		e.field[ENTRY_FIELD_URL] = text(cases[i].url);
		CHECK_STR(shown(entry_page_url(&e)), cases[i].page);
		CHECK_STR(shown(entry_image_url(&e)), cases[i].image);
		CHECK(entry_url_is_image(cases[i].url, strlen(cases[i].url)) ==
		      (*cases[i].image != '\0'));
	}
	/* The fields that say what they are win over the url field. */
	e = (struct entry){0};
	e.field[ENTRY_FIELD_URL] = text(cases[0].url);
	e.field[ENTRY_FIELD_PAGE_URL] = text("https://flickr.com/photos/x/1/");
	e.field[ENTRY_FIELD_IMAGE_URL] = text("https://example.org/1.png");
	CHECK_STR(shown(entry_page_url(&e)), "https://flickr.com/photos/x/1/");
	CHECK_STR(shown(entry_image_url(&e)), "https://example.org/1.png");
	/* A page_url column is never an image, whatever it holds. */
	e = (struct entry){0};
	e.field[ENTRY_FIELD_PAGE_URL] = text(cases[0].url);
	CHECK_STR(shown(entry_image_url(&e)), "");
}
