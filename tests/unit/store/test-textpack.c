/* test-textpack.c: an entry's texts unpack to exactly the bytes packed,
 * whatever they hold; a YFCC100M row's pack small; damaged packed texts
 * read as an error. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/store_textpack.h"
#include "test.h"

/* Packs t (C strings), unpacks, and checks every text came back; the
 * packed size. */
static size_t round_trip(uint64_t photo_id, const char *const t[4])
{
	struct entry_text in[TEXTPACK_TEXTS];
	struct buf packed, out;
	size_t at[TEXTPACK_TEXTS], size;

	buf_init(&packed, 1 << 20);
	buf_init(&out, 1 << 20);
	for (size_t i = 0; i < TEXTPACK_TEXTS; i++)
		in[i] = (struct entry_text){t[i], strlen(t[i])};
	CHECK_INT(textpack_put(&packed, photo_id, in), 0);
	/* no byte of it is past the end, and it ends where it says */
	CHECK_INT(textpack_get(packed.data, packed.len, photo_id, &out, at),
		  (long)packed.len);
	for (size_t i = 0; i < TEXTPACK_TEXTS; i++)
		CHECK_STR(out.data + at[i], t[i]);
	size = packed.len;
	buf_free(&packed);
	buf_free(&out);
	return size;
}

TEST(a_yfcc_row_packs_small)
{
	const char *t[4] = {
		"", "http://www.flickr.com/photos/35034346911@N01/5290412339/",
		"http://farm6.staticflickr.com/5284/5290412339_8f0bb3e5c3.jpg",
		"Attribution-NonCommercial-ShareAlike License"};
	size_t raw = 4;

	for (size_t i = 0; i < 4; i++)
		raw += strlen(t[i]);
	/* 164 bytes as they come; 37 packed (46 before the NSID's digits,
	 * the server and the secret packed as numbers) */
	CHECK_INT(raw, 164);
	CHECK(round_trip(5290412339, t) <= 37);
}

TEST(numbers_and_hex_digits)
{
	static char long_hex[301];
	const char *t[4] = {
		"0123456789abcdef 00000000 abcdef12 abcdef123 ABCDEF12 deadbeef",
		"999 1000 9999 18446744073709551615 "
		"1234567890123456789012345 0999999 12345678901",
		long_hex, "8f0bb3e5c3 8f0bb3e5c 8f0bb3e5c3a 1.5e10 a1 abc"};

	for (size_t i = 0; i < 300; i++)
		long_hex[i] = "0123456789abcdef"[(i * 7) % 16];
	round_trip(0, t);
	round_trip(12345678901, t);
	round_trip(1000, t);
}

TEST(every_byte_comes_back)
{
	char all[256];
	const char *t[4] = {all, "", all, "\x1f\x01"};

	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = 0;
	round_trip(0, t);
	round_trip(1, t);
}

TEST(photo_ids_amid_digits)
{
	/* the id in longer numbers, twice running, cut short */
	const char *t[4] = {"9123", "12312312", "https://x/123/0123_1234.jpg",
			    "12"};

	round_trip(123, t);
	round_trip(1, t);
	round_trip(UINT64_MAX, t);
	/* no photo id: the digits stay digits */
	round_trip(0, t);
}

TEST(the_key_text_again)
{
	const char *same[4] = {"https://a/b.jpg", "", "https://a/b.jpg",
			       "https://a/b.jpg"};
	const char *near[4] = {"https://a/b.jpg", "https://a/b.jpgX",
			       "https://a/b.jp", ""};

	/* the URL once, then a code and a NUL for each repeat */
	CHECK(round_trip(0, same) <= 16);
	round_trip(0, near);
}

TEST(words_overlap_and_repeat)
{
	const char *t[4] = {
		"https://www.flickr.com/photos/https://farm.staticflickr.com/",
		"http://creativecommons.org/licenses/by-nc-nd/2.0/ http:/",
		"Attribution-NoDerivs LicenseAttribution-ShareAlike",
		"No known copyright restrictions; Public Domain; @N0x.png"};

	round_trip(42, t);
}

TEST(text_ends_at_its_first_nul)
{
	struct entry_text in[TEXTPACK_TEXTS] = {
		{"ab\0cd", 5}, {"", 0}, {"x", 1}, {"", 0}};
	struct buf packed, out;
	size_t at[TEXTPACK_TEXTS];

	buf_init(&packed, 1024);
	buf_init(&out, 1024);
	CHECK_INT(textpack_put(&packed, 0, in), 0);
	CHECK(textpack_get(packed.data, packed.len, 0, &out, at) > 0);
	CHECK_STR(out.data + at[0], "ab");
	CHECK_STR(out.data + at[2], "x");
	buf_free(&packed);
	buf_free(&out);
}

/* A deterministic mix of the dictionary's pieces and stray bytes. */
TEST(random_texts_come_back)
{
	static const char *const pieces[] = {"http",
					     "://",
					     "www.",
					     "flickr.com/",
					     "photos/",
					     "farm",
					     ".staticflickr.com/",
					     ".jpg",
					     "Attribution",
					     "-NoDerivs",
					     " License",
					     "@N0",
					     "1234",
					     "5",
					     "\x01",
					     "\x1f",
					     "\x7f",
					     "\xff",
					     "https://live.staticflickr.com/",
					     "creativecommons.org/"};
	uint64_t seed = 20140623;
	char texts[4][512];

	for (int round = 0; round < 2000; round++) {
		const char *t[4] = {texts[0], texts[1], texts[2], texts[3]};

		for (int i = 0; i < 4; i++) {
			size_t n = 0;

			texts[i][0] = 0;
			seed = seed * 6364136223846793005ULL +
			       1442695040888963407ULL;
			for (int k = (int)(seed >> 60); k > 0; k--) {
				const char *p;

				seed = seed * 6364136223846793005ULL +
				       1442695040888963407ULL;
				p = pieces[(seed >> 33) % (sizeof(pieces) /
							   sizeof(pieces[0]))];
				memcpy(texts[i] + n, p, strlen(p) + 1);
				n += strlen(p);
			}
		}
		round_trip(round % 3 ? 1234 : 0, t);
	}
}

TEST(damage_is_an_error)
{
	struct buf out;
	size_t at[TEXTPACK_TEXTS];
	static const struct {
		const char *p;
		size_t len;
		uint64_t photo_id;
	} bad[] = {
		{"a\0b\0c\0d", 7, 0},	  /* the last NUL missing */
		{"\x1d\0\0\0", 4, 0},	  /* a code not in the dictionary */
		{"\x1a\x80", 2, 0},	  /* a number that does not end */
		{"\x1b\0\0\0\0\0", 6, 0}, /* no hex digits */
		{"\x1b\x10\xab\0\0\0\0", 7, 0}, /* hex digits cut short */
		{"\x1c\x12\x34\0\0\0", 6, 0},	/* a secret cut short */
		{"\x01\0\0\0", 4, 0},		/* the photo id, without one */
		{"\x02\0\0\0", 4, 0},	/* the key text, in the key text */
		{"a\0\x02x\0\0", 6, 0}, /* the key text, not the whole */
		{"\x1f"
		 "A\0\0\0\0",
		 6, 0},		/* an escape of a plain byte */
		{"\x1f", 1, 0}, /* an escape at the end */
	};

	buf_init(&out, 1024);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(textpack_get(bad[i].p, bad[i].len, bad[i].photo_id,
				       &out, at),
			  -EBADMSG);
		CHECK_INT(out.len, 0); /* nothing left behind */
	}
	buf_free(&out);
}
