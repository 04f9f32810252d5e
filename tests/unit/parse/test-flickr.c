/*
 * test-flickr.c: unit tests for flickr.c.
 *
 * One table of inputs for flickr_parse() covering every accepted form and
 * the look-alikes it must refuse, run on copies that are not NUL-terminated
 * (each in a heap block of exactly its length, so ASan catches any read past
 * len); then the validators, the alias comparison, decimal ids and base58.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/macro.h"
#include "parse/flickr.h"
#include "test.h"

#define NSID  "12345678@N00"
#define NSID2 "35034348999@N01"

/* A row of cases[] for an input that flickr_parse() must refuse. */
/* clang-format off */
#define REJECT(s) { .in = (s), .ret = -EINVAL }
/* clang-format on */

/*
 * Expected values of the short links below, worked out by hand.  Flickr's
 * digits are 1-9 = 0-8, a-k = 9-19, m-z = 20-33 (no 'l'), A-H = 34-41,
 * J-N = 42-46, P-Z = 47-57 (no 'I', no 'O').
 *
 * "5z3uGC" = 5:4 z:33 3:2 u:28 G:40 C:36
 *   4*58^5 + 33*58^4 + 2*58^3 + 28*58^2 + 40*58 + 36
 *   = 2625427328 + 373301808 + 390224 + 94192 + 2320 + 36 = 2999358212
 * "2Lw1fV" = 2:1 L:44 w:30 1:0 f:14 V:53, by Horner:
 *   1*58+44 = 102; 102*58+30 = 5946; 5946*58+0 = 344868;
 *   344868*58+14 = 20002358; 20002358*58+53 = 1160136817
 * "21" = 1*58 + 0 = 58; "ZZ" = 57*58 + 57 = 3363.
 */
#define SHORT_ID_1 UINT64_C(2999358212)
#define SHORT_ID_2 UINT64_C(1160136817)

static const struct {
	const char *in;
	int ret;
	enum flickr_kind kind;
	uint64_t id;
	const char *nsid;
	const char *alias;
} cases[] = {
	/* Photo pages. */
	{"https://www.flickr.com/photos/janedoe/2999358212/", 0, FLICKR_PAGE,
	 2999358212, "", "janedoe"},
	{"http://www.flickr.com/photos/" NSID "/2999358212", 0, FLICKR_PAGE,
	 2999358212, NSID, ""},
	{"https://flickr.com/photos/JaneDoe/8564217339/in/photostream/", 0,
	 FLICKR_PAGE, 8564217339, "", "JaneDoe"},
	{"https://www.flickr.com/photos/jane_doe-2/8564217339/in/"
	 "album-72157632345678901/",
	 0, FLICKR_PAGE, 8564217339, "", "jane_doe-2"},
	{"https://www.flickr.com/photos/" NSID2 "/5006349374/sizes/l/", 0,
	 FLICKR_PAGE, 5006349374, NSID2, ""},
	{"https://m.flickr.com/photos/janedoe/8564217339?ytcheck=1", 0,
	 FLICKR_PAGE, 8564217339, "", "janedoe"},
	{"https://www.flickr.com/photos/janedoe/8564217339#comments", 0,
	 FLICKR_PAGE, 8564217339, "", "janedoe"},
	{"https://www.flickr.com/photos/janedoe/8564217339/?x=1&y=2", 0,
	 FLICKR_PAGE, 8564217339, "", "janedoe"},
	{"www.flickr.com/photos/janedoe/8564217339", 0, FLICKR_PAGE, 8564217339,
	 "", "janedoe"},
	{"flickr.com/photos/janedoe/8564217339/", 0, FLICKR_PAGE, 8564217339,
	 "", "janedoe"},
	{"m.flickr.com/photos/" NSID "/8564217339", 0, FLICKR_PAGE, 8564217339,
	 NSID, ""},
	{"HTTPS://WWW.FLICKR.COM/photos/JaneDoe/8564217339", 0, FLICKR_PAGE,
	 8564217339, "", "JaneDoe"},
	{"https://www.flickr.com:443/photos/janedoe/8564217339", 0, FLICKR_PAGE,
	 8564217339, "", "janedoe"},
	{"http://www.flickr.com:80/photos/janedoe/8564217339", 0, FLICKR_PAGE,
	 8564217339, "", "janedoe"},
	{"https://www.flickr.com/photos/12345678%40N00/8564217339/", 0,
	 FLICKR_PAGE, 8564217339, NSID, ""},
	{"https://www.flickr.com/photos/janedoe/18446744073709551615", 0,
	 FLICKR_PAGE, UINT64_MAX, "", "janedoe"},
	{"https://www.flickr.com/photos/janedoe/0008564217339", 0, FLICKR_PAGE,
	 8564217339, "", "janedoe"},
	{"https://www.flickr.com/photos/1x/8564217339", 0, FLICKR_PAGE,
	 8564217339, "", "1x"},
	/* Account pages: owner only. */
	{"https://www.flickr.com/photos/janedoe", 0, FLICKR_PAGE, 0, "",
	 "janedoe"},
	{"https://www.flickr.com/photos/" NSID "/", 0, FLICKR_PAGE, 0, NSID,
	 ""},
	{"https://www.flickr.com/photos/janedoe/?page=2", 0, FLICKR_PAGE, 0, "",
	 "janedoe"},
	{"https://www.flickr.com/photos/janedoe#top", 0, FLICKR_PAGE, 0, "",
	 "janedoe"},
	{"https://www.flickr.com/photos/janedoe/albums/72157632345678901", 0,
	 FLICKR_PAGE, 0, "", "janedoe"},
	{"https://www.flickr.com/photos/janedoe/favorites/", 0, FLICKR_PAGE, 0,
	 "", "janedoe"},
	{"https://www.flickr.com/people/janedoe/", 0, FLICKR_PAGE, 0, "",
	 "janedoe"},
	{"https://www.flickr.com/people/" NSID, 0, FLICKR_PAGE, 0, NSID, ""},

	/* Static images, all host forms. */
	{"http://farm4.static.flickr.com/3127/2999358212_2cd5ab4f9d.jpg", 0,
	 FLICKR_STATIC, 2999358212, "", ""},
	{"https://farm4.staticflickr.com/3127/2999358212_2cd5ab4f9d_b.jpg", 0,
	 FLICKR_STATIC, 2999358212, "", ""},
	{"https://c1.staticflickr.com/9/8566/16213307398_6b1b4d6d6b_z.jpg", 0,
	 FLICKR_STATIC, 16213307398, "", ""},
	{"https://c2.staticflickr.com/2/1492/24654211372_81f7e1a6bb_m.jpg", 0,
	 FLICKR_STATIC, 24654211372, "", ""},
	{"https://live.staticflickr.com/65535/49833279458_d4a8c9e1f2.jpg", 0,
	 FLICKR_STATIC, 49833279458, "", ""},
	{"https://live.staticflickr.com/65535/49833279458_0f1e2d3c4b_o.jpg", 0,
	 FLICKR_STATIC, 49833279458, "", ""},
	{"https://live.staticflickr.com/65535/49833279458_d4a8c9e1f2_3k.jpg", 0,
	 FLICKR_STATIC, 49833279458, "", ""},
	{"https://live.staticflickr.com/65535/49833279458_0f1e2d3c4b_o_d.jpg",
	 0, FLICKR_STATIC, 49833279458, "", ""},
	{"https://farm66.staticflickr.com/65535/49833279458_d4a8c9e1f2_m.jpg"
	 "?zz=1",
	 0, FLICKR_STATIC, 49833279458, "", ""},
	{"https://farm4.staticflickr.com/3127/2999358212_2cd5ab4f9d_q.png#x", 0,
	 FLICKR_STATIC, 2999358212, "", ""},
	{"farm8.staticflickr.com/7282/8564217339_2ab3c4d5e6_n.jpg", 0,
	 FLICKR_STATIC, 8564217339, "", ""},
	{"https://staticflickr.com/7282/8564217339_2ab3c4d5e6.jpg", 0,
	 FLICKR_STATIC, 8564217339, "", ""},
	{"http://static.flickr.com/103/262224123_9a3f5c4e1b_t.jpg", 0,
	 FLICKR_STATIC, 262224123, "", ""},
	{"https://FARM4.STATICFLICKR.COM/3127/2999358212_2cd5ab4f9d.jpg", 0,
	 FLICKR_STATIC, 2999358212, "", ""},
	{"https://live.staticflickr.com/65535/18446744073709551615_ab.jpg", 0,
	 FLICKR_STATIC, UINT64_MAX, "", ""},

	/* Buddy icons: owner NSID only. */
	{"https://farm5.staticflickr.com/4129/buddyicons/" NSID ".jpg", 0,
	 FLICKR_BUDDYICON, 0, NSID, ""},
	{"https://farm5.staticflickr.com/4129/buddyicons/" NSID
	 "_r.jpg?1371062553#" NSID,
	 0, FLICKR_BUDDYICON, 0, NSID, ""},
	{"https://live.staticflickr.com/4129/buddyicons/" NSID2 "_l.jpg", 0,
	 FLICKR_BUDDYICON, 0, NSID2, ""},
	{"https://c1.staticflickr.com/5/4129/buddyicons/" NSID ".jpg", 0,
	 FLICKR_BUDDYICON, 0, NSID, ""},
	{"http://farm5.static.flickr.com/4129/buddyicons/12345678%40N00.jpg", 0,
	 FLICKR_BUDDYICON, 0, NSID, ""},

	/* Short links. */
	{"https://flic.kr/p/5z3uGC", 0, FLICKR_SHORT, SHORT_ID_1, "", ""},
	{"http://flic.kr/p/2Lw1fV", 0, FLICKR_SHORT, SHORT_ID_2, "", ""},
	{"flic.kr/p/2Lw1fV/", 0, FLICKR_SHORT, SHORT_ID_2, "", ""},
	{"https://flic.kr/p/21?utm=x", 0, FLICKR_SHORT, 58, "", ""},
	{"https://flic.kr/p/JPwcyDCgEup", 0, FLICKR_SHORT, UINT64_MAX, "", ""},

	/* MegaFace and DiveFace paths. */
	{"FlickrFinal2/123/" NSID "/2999358212_0.jpg", 0, FLICKR_PATH,
	 2999358212, NSID, ""},
	{"/data/megaface/FlickrFinal2/350/" NSID2 "/5006349374_2.jpg", 0,
	 FLICKR_PATH, 5006349374, NSID2, ""},
	{"./FlickrFinal2/123/" NSID "/8564217339_12.png", 0, FLICKR_PATH,
	 8564217339, NSID, ""},
	{NSID "_identity_3/2999358212_1.jpg", 0, FLICKR_PATH, 2999358212, NSID,
	 ""},
	{"/srv/diveface/4K_120/" NSID "_identity_0/8564217339_0.jpg", 0,
	 FLICKR_PATH, 8564217339, NSID, ""},

	/* Bare ids, trimmed. */
	{"2999358212", 0, FLICKR_ID, 2999358212, "", ""},
	{"1", 0, FLICKR_ID, 1, "", ""},
	{"4294967296", 0, FLICKR_ID, UINT64_C(4294967296), "", ""},
	{"18446744073709551615", 0, FLICKR_ID, UINT64_MAX, "", ""},
	{"  8564217339\r\n", 0, FLICKR_ID, 8564217339, "", ""},
	{"\t42 ", 0, FLICKR_ID, 42, "", ""},
	{" https://flic.kr/p/5z3uGC\n", 0, FLICKR_SHORT, SHORT_ID_1, "", ""},

	/* Not ids. */
	REJECT(""),
	REJECT("   \r\n"),
	REJECT("0"),
	REJECT("000"),
	REJECT("18446744073709551616"),
	REJECT("99999999999999999999999"),
	REJECT("+123"),
	REJECT("-1"),
	REJECT("12 34"),
	REJECT("0x1F"),
	REJECT("\xef\xbc\x91\xef\xbc\x92"), /* fullwidth digits */
	REJECT(NSID),
	REJECT("janedoe"),

	/* Look-alike and foreign hosts. */
	REJECT("https://www.flickr.com.evil.example/photos/x/1"),
	REJECT("https://flickr.com.evil.example/photos/janedoe/1"),
	REJECT("flickr.com.evil.example/photos/janedoe/1"),
	REJECT("https://evilflickr.com/photos/janedoe/1"),
	REJECT("https://wwwflickr.com/photos/janedoe/1"),
	REJECT("https://secure.flickr.com.evil.example/photos/janedoe/1"),
	REJECT("https://flickr.com@evil.example/photos/janedoe/1"),
	REJECT("https://janedoe@www.flickr.com/photos/janedoe/1"),
	REJECT("https://x:y@www.flickr.com/photos/janedoe/1"),
	REJECT("https://evil.example\\@www.flickr.com/photos/janedoe/1"),
	REJECT("https://www.flickr.com\\.evil.example/photos/janedoe/1"),
	REJECT("https://evil.example/flickr.com/photos/janedoe/1"),
	REJECT("https://evil.example/www.flickr.com/photos/janedoe/1"),
	REJECT("https://evil.example/"
	       "?u=https://www.flickr.com/photos/janedoe/1"),
	REJECT("https://www.flickr.com:8080/photos/janedoe/1"),
	REJECT("https://www.flickr.com:/photos/janedoe/1"),
	REJECT("https://www.flickr.com:0443/photos/janedoe/1"),
	REJECT("https://www.flickr.com./photos/janedoe/1"),
	REJECT("https://www%2eflickr.com/photos/janedoe/1"),
	REJECT("ftp://www.flickr.com/photos/janedoe/1"),
	REJECT("javascript://www.flickr.com/photos/janedoe/1"),
	REJECT("https:/www.flickr.com/photos/janedoe/1"),
	REJECT("https:www.flickr.com/photos/janedoe/1"),
	REJECT("//www.flickr.com/photos/janedoe/1"),
	REJECT("https:///photos/janedoe/1"),
	REJECT("https://flic.kr.evil.example/p/5z3uGC"),
	REJECT("https://evil.example/p/5z3uGC"),

	/* Bad page paths and owners. */
	REJECT("https://www.flickr.com"),
	REJECT("https://www.flickr.com/"),
	REJECT("https://www.flickr.com/photos"),
	REJECT("https://www.flickr.com/photos/"),
	REJECT("https://www.flickr.com/photos/?x=1"),
	REJECT("https://www.flickr.com/photos//1"),
	REJECT("https://www.flickr.com/photos/123@N1/1"),
	REJECT("https://www.flickr.com/photos/abc@N00/1"),
	REJECT("https://www.flickr.com/photos/12345678@n00/1"),
	REJECT("https://www.flickr.com/photos/12345678@N000/1"),
	REJECT("https://www.flickr.com/photos/12345/1"),
	REJECT("https://www.flickr.com/photos/jane.doe/1"),
	REJECT("https://www.flickr.com/photos/jane%20doe/1"),
	REJECT("https://www.flickr.com/photos/12345678%41N00/1"),
	REJECT("https://www.flickr.com/photos/12345678%4"),
	REJECT("https://www.flickr.com/photos/a1234567890123456789012345"
	       "678901234567890123456789012345678901234567890123/1"),
	REJECT("https://www.flickr.com/photos/janedoe/18446744073709551616"),
	REJECT("https://www.flickr.com/photos/janedoe/0"),
	REJECT("https://www.flickr.com/photos/janedoe/123abc"),
	REJECT("https://www.flickr.com/photos/janedoe/1 2"),
	REJECT("https://www.flickr.com/photos/tags/cats/"),
	REJECT("https://www.flickr.com/photos/me/1"),
	REJECT("https://www.flickr.com/photo.gne?id=2999358212"),
	REJECT("https://www.flickr.com/images/buddyicon.gif"),
	REJECT("https://www.flickr.com/p/5z3uGC"),

	/* Bad short links. */
	REJECT("https://flic.kr/p/"),
	REJECT("https://flic.kr/p/0OIl"),
	REJECT("https://flic.kr/p/1"),
	REJECT("https://flic.kr/p/ZZZZZZZZZZZ"),
	REJECT("https://flic.kr/ps/5z3uGC"),
	REJECT("https://flic.kr/P/5z3uGC"),
	REJECT("https://flic.kr/"),

	/* Bad static and buddy-icon URLs. */
	REJECT("https://live.staticflickr.com/65535/49833279458.jpg"),
	REJECT("https://live.staticflickr.com/65535/49833279458_.jpg"),
	REJECT("https://live.staticflickr.com/65535/49833279458_d4a8c9e1f2"),
	REJECT("https://live.staticflickr.com/65535/"
	       "49833279458_d4a8c9e1f2_b_c_d.jpg"),
	REJECT("https://live.staticflickr.com/65535/"
	       "49833279458_d4a8c9e1f2_bbbb.jpg"),
	REJECT("https://live.staticflickr.com/49833279458_d4a8c9e1f2.jpg"),
	REJECT("https://live.staticflickr.com/abc/49833279458_d4a8c9e1f2.jpg"),
	REJECT("https://c1.staticflickr.com/8566/16213307398_6b1b4d6d6b_z.jpg"),
	REJECT("https://live.staticflickr.com/65535/"
	       "49833279458_d4a8c9e1f2_b.jpg/x"),
	REJECT("https://live.staticflickr.com/65535/"
	       "18446744073709551616_d4a8c9e1f2.jpg"),
	REJECT("https://live.staticflickr.com/65535/0_d4a8c9e1f2.jpg"),
	REJECT("https://staticflickr.com.evil.example/65535/4983_d4.jpg"),
	REJECT("https://farm.staticflickr.com/65535/4983_d4a8c9e1f2.jpg"),
	REJECT("https://farmx.staticflickr.com/65535/4983_d4a8c9e1f2.jpg"),
	REJECT("https://cdn.staticflickr.com/65535/49833279458_d4a8c9e1f2.jpg"),
	REJECT("https://evil.example/65535/49833279458_d4a8c9e1f2.jpg"),
	REJECT("https://farm5.staticflickr.com/4129/buddyicons/abc@N00.jpg"),
	REJECT("https://farm5.staticflickr.com/4129/buddyicons/" NSID "_x.jpg"),
	REJECT("https://farm5.staticflickr.com/4129/buddyicons/" NSID),
	REJECT("https://farm5.staticflickr.com/4129/buddyicons/janedoe.jpg"),
	REJECT("https://farm5.staticflickr.com/buddyicons/" NSID ".jpg"),

	/* Bad dataset paths. */
	REJECT("https://evil.example/FlickrFinal2/123/" NSID
	       "/2999358212_0.jpg"),
	REJECT("file:///data/FlickrFinal2/123/" NSID "/2999358212_0.jpg"),
	REJECT("FlickrFinal2/124/" NSID "/2999358212_0.jpg"),
	REJECT("FlickrFinal3/123/" NSID "/2999358212_0.jpg"),
	REJECT("flickrfinal2/123/" NSID "/2999358212_0.jpg"),
	REJECT("xFlickrFinal2/123/" NSID "/2999358212_0.jpg"),
	REJECT("123/" NSID "/2999358212_0.jpg"),
	REJECT("/" NSID "/2999358212_0.jpg"),
	REJECT("FlickrFinal2/123/" NSID "/2999358212.jpg"),
	REJECT("FlickrFinal2/123/" NSID "/2999358212_0.jpg.json"),
	REJECT("FlickrFinal2/123/" NSID "/2999358212_0"),
	REJECT("FlickrFinal2/123/" NSID "/18446744073709551616_0.jpg"),
	REJECT("FlickrFinal2/abc/abc@N00/2999358212_0.jpg"),
	REJECT(NSID "_identity_/2999358212_1.jpg"),
	REJECT(NSID "_identity_3x/2999358212_1.jpg"),
	REJECT(NSID "_identities_3/2999358212_1.jpg"),
	REJECT(NSID "_identity_3/"),
	REJECT("2999358212_1.jpg"),
	REJECT("janedoe_identity_3/2999358212_1.jpg"),

	/* Control characters inside. */
	REJECT("https://www.flickr.com/photos/janedoe/1/\x01"),
	REJECT("https://www.flickr.com/photos/janedoe/1/\tx"),
	REJECT("\x7f"
	       "1"),
};

/* Returns a heap copy of s without its terminator, so reads past len
 * trip ASan. */
static char *copy_unterminated(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (!p)
		abort();
	memcpy(p, s, len);
	return p;
}

static bool ref_untouched(const struct flickr_ref *r)
{
	static const unsigned char fill = 0xa5;
	const unsigned char *b = (const unsigned char *)r;
	size_t i;

	for (i = 0; i < sizeof(*r); i++)
		if (b[i] != fill)
			return false;
	return true;
}

TEST(parse_table)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++) {
		size_t len = strlen(cases[i].in);
		char *in = copy_unterminated(cases[i].in, len);
		struct flickr_ref ref;
		int r;

		memset(&ref, 0xa5, sizeof(ref));
		r = flickr_parse(in, len, &ref);
		free(in);
		if (r != cases[i].ret) {
			TEST_FAIL("'%s': returned %d, expected %d", cases[i].in,
				  r, cases[i].ret);
			continue;
		}
		if (r < 0) {
			if (!ref_untouched(&ref))
				TEST_FAIL("'%s': ret written on failure",
					  cases[i].in);
			continue;
		}
		if (ref.kind != cases[i].kind || ref.photo_id != cases[i].id ||
		    strcmp(ref.nsid, cases[i].nsid) != 0 ||
		    strcmp(ref.alias, cases[i].alias) != 0)
			TEST_FAIL("'%s': got kind %d id %" PRIu64
				  " nsid '%s' alias '%s', expected kind %d id "
				  "%" PRIu64 " nsid '%s' alias '%s'",
				  cases[i].in, (int)ref.kind, ref.photo_id,
				  ref.nsid, ref.alias, (int)cases[i].kind,
				  cases[i].id, cases[i].nsid, cases[i].alias);
	}
}

/* Each case again with junk after len: the junk must make no difference. */
TEST(parse_table_prefix)
{
	static const char junk[] = "9_x@N00/../%ZZ \x01";
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++) {
		size_t len = strlen(cases[i].in);
		char *in = copy_unterminated(cases[i].in, len);
		char *longer = malloc(len + sizeof(junk));
		struct flickr_ref a, b;
		int ra, rb;

		if (!longer)
			abort();
		memcpy(longer, cases[i].in, len);
		memcpy(longer + len, junk, sizeof(junk));
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		ra = flickr_parse(in, len, &a);
		rb = flickr_parse(longer, len, &b);
		if (ra != rb || a.kind != b.kind || a.photo_id != b.photo_id ||
		    strcmp(a.nsid, b.nsid) != 0 ||
		    strcmp(a.alias, b.alias) != 0)
			TEST_FAIL("'%s': differs with junk after len",
				  cases[i].in);
		free(longer);
		free(in);
	}
}

TEST(parse_not_terminated)
{
	static const char page[] = "https://www.flickr.com/photos/janedoe/"
				   "2999358212999/in/photostream";
	static const char img[] = "https://live.staticflickr.com/65535/"
				  "49833279458_d4a8c9e1f2_b.jpg";
	struct flickr_ref ref = {.kind = FLICKR_NONE};
	size_t cut;

	/* Cut right after "2999358212". */
	cut = strstr(page, "999/in") - page;
	CHECK_INT(flickr_parse(page, cut, &ref), 0);
	CHECK_INT(ref.kind, FLICKR_PAGE);
	CHECK_U64(ref.photo_id, 2999358212);
	CHECK_STR(ref.alias, "janedoe");

	/* Cut inside the owner: an account page for "jane". */
	cut = strstr(page, "doe/") - page;
	CHECK_INT(flickr_parse(page, cut, &ref), 0);
	CHECK_INT(ref.kind, FLICKR_PAGE);
	CHECK_U64(ref.photo_id, 0);
	CHECK_STR(ref.alias, "jane");

	/* Cut before ".jpg": the extension is required. */
	cut = strstr(img, ".jpg") - img;
	CHECK_INT(flickr_parse(img, cut, &ref), -EINVAL);
	CHECK_INT(flickr_parse(img, cut + 2, &ref), 0);
	CHECK_INT(ref.kind, FLICKR_STATIC);
	CHECK_U64(ref.photo_id, 49833279458);

	CHECK_INT(flickr_parse("12345", 3, &ref), 0);
	CHECK_INT(ref.kind, FLICKR_ID);
	CHECK_U64(ref.photo_id, 123);

	CHECK_INT(flickr_parse("flic.kr/p/5z3uGCxyz", 16, &ref), 0);
	CHECK_U64(ref.photo_id, SHORT_ID_1);

	CHECK_INT(flickr_parse("anything", 0, &ref), -EINVAL);
	CHECK_INT(flickr_parse(NULL, 0, &ref), -EINVAL);
}

TEST(parse_embedded_nul)
{
	static const char page[] = "https://www.flickr.com/photos/jane\0doe/1";
	static const char id[] = "123\0"
				 "456";
	struct flickr_ref ref;

	memset(&ref, 0xa5, sizeof(ref));
	CHECK_INT(flickr_parse(page, sizeof(page) - 1, &ref), -EINVAL);
	CHECK_INT(flickr_parse(id, sizeof(id) - 1, &ref), -EINVAL);
	CHECK(ref_untouched(&ref));
}

TEST(parse_clears_unused_fields)
{
	struct flickr_ref ref;

	static const char short_link[] = "https://flic.kr/p/5z3uGC";
	static const char account[] = "https://flickr.com/photos/" NSID;

	memset(&ref, 0xa5, sizeof(ref));
	CHECK_INT(flickr_parse(short_link, strlen(short_link), &ref), 0);
	CHECK_STR(ref.nsid, "");
	CHECK_STR(ref.alias, "");
	memset(&ref, 0xa5, sizeof(ref));
	CHECK_INT(flickr_parse(account, strlen(account), &ref), 0);
	CHECK_INT(ref.kind, FLICKR_PAGE);
	CHECK_U64(ref.photo_id, 0);
	CHECK_STR(ref.nsid, NSID);
	CHECK_STR(ref.alias, "");
}

static const struct {
	const char *in;
	bool valid;
} nsids[] = {
	{"12345678@N00", true},
	{"35034348999@N01", true},
	{"1@N00", true},
	{"1234567890123456789012345@N07", true},     /* 29 bytes */
	{"123456789012345678901234567@N07", true},   /* 31 bytes */
	{"1234567890123456789012345678@N07", false}, /* 32 bytes */
	{"", false},
	{"@N00", false},
	{"123@N1", false},
	{"123@N", false},
	{"123@N000", false},
	{"abc@N00", false},
	{"12a@N00", false},
	{"123@n00", false},
	{"123@M00", false},
	{"123N00", false},
	{"123@@N00", false},
	{" 123@N00", false},
	{"123@N00 ", false},
	{"-123@N00", false},
	{"123@N0x", false},
};

TEST(nsid_valid)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(nsids); i++) {
		size_t len = strlen(nsids[i].in);
		char *in = copy_unterminated(nsids[i].in, len);

		if (flickr_nsid_valid(in, len) != nsids[i].valid)
			TEST_FAIL("nsid '%s': expected %s", nsids[i].in,
				  nsids[i].valid ? "valid" : "invalid");
		free(in);
	}
	/* A prefix of a longer string. */
	CHECK(flickr_nsid_valid("12345678@N001", 12));
	CHECK(!flickr_nsid_valid("12345678@N0", 11));
	CHECK(!flickr_nsid_valid(NULL, 0));
}

static const struct {
	const char *in;
	bool valid;
} aliases[] = {
	{"janedoe", true},
	{"JaneDoe", true},
	{"jane_doe-2", true},
	{"-", true},
	{"_", true},
	{"1x", true},
	{"x1", true},
	{"123-456", true},
	{"a12345678901234567890123456789012345678901234567890123456789012",
	 true}, /* 63 bytes */
	{"a123456789012345678901234567890123456789012345678901234567890123",
	 false}, /* 64 bytes */
	{"", false},
	{"123", false},
	{"0", false},
	{"jane doe", false},
	{"jane.doe", false},
	{"jane/doe", false},
	{"12345678@N00", false},
	{"jan\xc3\xa9", false},
	{"jane%40", false},
};

TEST(alias_valid)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(aliases); i++) {
		size_t len = strlen(aliases[i].in);
		char *in = copy_unterminated(aliases[i].in, len);

		if (flickr_alias_valid(in, len) != aliases[i].valid)
			TEST_FAIL("alias '%s': expected %s", aliases[i].in,
				  aliases[i].valid ? "valid" : "invalid");
		free(in);
	}
	CHECK(flickr_alias_valid("jane doe", 4));
	CHECK(!flickr_alias_valid("123abc", 3));
	CHECK(!flickr_alias_valid(NULL, 0));
}

TEST(alias_compare)
{
	CHECK_INT(flickr_alias_compare("janedoe", "janedoe"), 0);
	CHECK_INT(flickr_alias_compare("JaneDoe", "janedoe"), 0);
	CHECK_INT(flickr_alias_compare("JANE_DOE-2", "jane_doe-2"), 0);
	CHECK_INT(flickr_alias_compare("", ""), 0);
	CHECK(flickr_alias_compare("jane", "janedoe") < 0);
	CHECK(flickr_alias_compare("janedoe", "jane") > 0);
	CHECK(flickr_alias_compare("Alice", "bob") < 0);
	CHECK(flickr_alias_compare("bob", "ALICE") > 0);
	/* '_' (0x5f) sits between 'Z' and 'a': folding must be to lower
	 * case, as strcasecmp does, or the order would flip. */
	CHECK(flickr_alias_compare("a_", "aZ") < 0);
	CHECK(flickr_alias_compare("aZ", "a_") > 0);
	CHECK(flickr_alias_compare("a-", "a_") < 0);
}

static const struct {
	const char *in;
	int ret;
	uint64_t id;
} ids[] = {
	{"1", 0, 1},
	{"2999358212", 0, 2999358212},
	{"4294967295", 0, UINT64_C(4294967295)},
	{"4294967296", 0, UINT64_C(4294967296)},
	{"18446744073709551615", 0, UINT64_MAX},
	{"0001", 0, 1},
	{"000000000000000000000000018446744073709551615", 0, UINT64_MAX},
	{"0", -ERANGE, 0},
	{"000", -ERANGE, 0},
	{"18446744073709551616", -ERANGE, 0},
	{"18446744073709551620", -ERANGE, 0},
	{"99999999999999999999", -ERANGE, 0},
	{"184467440737095516150", -ERANGE, 0},
	{"", -EINVAL, 0},
	{"+1", -EINVAL, 0},
	{"-1", -EINVAL, 0},
	{" 1", -EINVAL, 0},
	{"1 ", -EINVAL, 0},
	{"1a", -EINVAL, 0},
	{"0x10", -EINVAL, 0},
	{"1.0", -EINVAL, 0},
	/* Not a number, even though it would also overflow. */
	{"18446744073709551616x", -EINVAL, 0},
};

TEST(id_parse)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(ids); i++) {
		size_t len = strlen(ids[i].in);
		char *in = copy_unterminated(ids[i].in, len);
		uint64_t v = 777;
		int r;

		r = flickr_id_parse(in, len, &v);
		free(in);
		if (r != ids[i].ret)
			TEST_FAIL("id '%s': returned %d, expected %d",
				  ids[i].in, r, ids[i].ret);
		else if (r == 0 && v != ids[i].id)
			TEST_FAIL("id '%s': got %" PRIu64, ids[i].in, v);
		else if (r < 0 && v != 777)
			TEST_FAIL("id '%s': ret written on failure", ids[i].in);
	}
	{
		uint64_t v = 0;

		CHECK_INT(flickr_id_parse("123abc", 3, &v), 0);
		CHECK_U64(v, 123);
	}
}

static const struct {
	const char *in;
	int ret;
	uint64_t id;
} base58[] = {
	{"1", 0, 0},
	{"2", 0, 1},
	{"9", 0, 8},
	{"a", 0, 9},
	{"k", 0, 19},
	{"m", 0, 20},
	{"z", 0, 33},
	{"A", 0, 34},
	{"H", 0, 41},
	{"J", 0, 42},
	{"N", 0, 46},
	{"P", 0, 47},
	{"Z", 0, 57},
	{"21", 0, 58},
	{"ZZ", 0, 3363},
	{"5z3uGC", 0, SHORT_ID_1},
	{"2Lw1fV", 0, SHORT_ID_2},
	{"JPwcyDCgEup", 0, UINT64_MAX},
	{"111115z3uGC", 0, SHORT_ID_1},
	{"", -EINVAL, 0},
	{"0", -EINVAL, 0},
	{"l", -EINVAL, 0},
	{"I", -EINVAL, 0},
	{"O", -EINVAL, 0},
	{"5z3u GC", -EINVAL, 0},
	{"5z3uGC/", -EINVAL, 0},
	{"JPwcyDCgEuq", -ERANGE, 0}, /* UINT64_MAX + 1 */
	{"ZZZZZZZZZZZ", -ERANGE, 0},
	{"211111111111", -ERANGE, 0},
	{"ZZZZZZZZZZZ0", -EINVAL, 0},
};

TEST(base58_decode)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(base58); i++) {
		size_t len = strlen(base58[i].in);
		char *in = copy_unterminated(base58[i].in, len);
		uint64_t v = 777;
		int r;

		r = flickr_base58_decode(in, len, &v);
		free(in);
		if (r != base58[i].ret)
			TEST_FAIL("base58 '%s': returned %d, expected %d",
				  base58[i].in, r, base58[i].ret);
		else if (r == 0 && v != base58[i].id)
			TEST_FAIL("base58 '%s': got %" PRIu64, base58[i].in, v);
		else if (r < 0 && v != 777)
			TEST_FAIL("base58 '%s': ret written on failure",
				  base58[i].in);
	}
	{
		uint64_t v = 0;

		CHECK_INT(flickr_base58_decode("5z3uGCxyz", 6, &v), 0);
		CHECK_U64(v, SHORT_ID_1);
	}
}

TEST(base58_encode)
{
	char out[12];
	size_t i;

	/* The decode table, read backwards. */
	for (i = 0; i < ELEMENTSOF(base58); i++) {
		if (base58[i].ret < 0 || base58[i].in[0] == '1' ||
		    base58[i].id == 0)
			continue;
		CHECK_INT(flickr_base58_encode(base58[i].id, out, sizeof(out)),
			  strlen(base58[i].in));
		CHECK_STR(out, base58[i].in);
	}
	CHECK_INT(flickr_base58_encode(0, out, sizeof(out)), 1);
	CHECK_STR(out, "1");
	CHECK_INT(flickr_base58_encode(UINT64_MAX, out, sizeof(out)), 11);
	CHECK_STR(out, "JPwcyDCgEup");

	/* Too small: out is left as it was. */
	memcpy(out, "untouched!!", 12);
	CHECK_INT(flickr_base58_encode(UINT64_MAX, out, 11), -ENOBUFS);
	CHECK_STR(out, "untouched!!");
	CHECK_INT(flickr_base58_encode(SHORT_ID_1, out, 6), -ENOBUFS);
	CHECK_STR(out, "untouched!!");
	CHECK_INT(flickr_base58_encode(1, NULL, 0), -ENOBUFS);
	CHECK_INT(flickr_base58_encode(SHORT_ID_1, out, 7), 6);
	CHECK_STR(out, "5z3uGC");
}

/* Encodes v, checks the result is canonical, decodes it back. */
static int base58_roundtrip(uint64_t v)
{
	char out[12];
	uint64_t back = 0;
	int n;

	n = flickr_base58_encode(v, out, sizeof(out));
	if (n < 1 || n > 11 || strlen(out) != (size_t)n)
		return -1;
	if (v != 0 && out[0] == '1')
		return -1;
	if (flickr_base58_decode(out, (size_t)n, &back) < 0 || back != v)
		return -1;
	return 0;
}

TEST(base58_roundtrip)
{
	uint64_t v, p, x = UINT64_C(0x9e3779b97f4a7c15);
	unsigned i;

	for (v = 0; v < 10000; v++)
		if (base58_roundtrip(v) < 0)
			TEST_FAIL("round trip of %" PRIu64, v);
	/* Around every power of 58 and of 2. */
	for (p = 1; p <= UINT64_MAX / 58; p *= 58) {
		CHECK_INT(base58_roundtrip(p - 1), 0);
		CHECK_INT(base58_roundtrip(p), 0);
		CHECK_INT(base58_roundtrip(p + 1), 0);
		CHECK_INT(base58_roundtrip(p * 58 - 1), 0);
	}
	for (i = 0; i < 64; i++) {
		p = UINT64_C(1) << i;
		CHECK_INT(base58_roundtrip(p - 1), 0);
		CHECK_INT(base58_roundtrip(p), 0);
		CHECK_INT(base58_roundtrip(p + 1), 0);
	}
	/* A deterministic spread over all 64 bits (xorshift64). */
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (base58_roundtrip(x) < 0 || base58_roundtrip(x >> (i % 64)))
			TEST_FAIL("round trip of %" PRIu64, x);
	}
	CHECK_INT(base58_roundtrip(UINT64_MAX), 0);
	CHECK_INT(base58_roundtrip(UINT64_MAX - 1), 0);
}

/* Every short link and page URL for the same id agree. */
TEST(short_link_matches_page)
{
	static const uint64_t photo_ids[] = {
		1, 58, SHORT_ID_1, SHORT_ID_2, 49833279458, UINT64_MAX};
	struct flickr_ref a, b;
	char url[64], page[80], enc[12];
	size_t i;
	int n;

	for (i = 0; i < ELEMENTSOF(photo_ids); i++) {
		CHECK(flickr_base58_encode(photo_ids[i], enc, sizeof(enc)) > 0);
		n = snprintf(url, sizeof(url), "https://flic.kr/p/%s", enc);
		CHECK(n > 0 && (size_t)n < sizeof(url));
		CHECK_INT(flickr_parse(url, (size_t)n, &a), 0);
		n = snprintf(page, sizeof(page),
			     "https://www.flickr.com/photos/janedoe/%" PRIu64
			     "/",
			     photo_ids[i]);
		CHECK(n > 0 && (size_t)n < sizeof(page));
		CHECK_INT(flickr_parse(page, (size_t)n, &b), 0);
		CHECK_INT(a.kind, FLICKR_SHORT);
		CHECK_U64(a.photo_id, photo_ids[i]);
		CHECK_U64(b.photo_id, photo_ids[i]);
	}
}
