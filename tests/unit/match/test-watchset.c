/*
 * test-watchset.c: which watches an entry matches, and how: a table of
 * subjects (photo id, NSID, alias and display name in various cases)
 * against a fixed set of watches, and the fingerprints that tell a new or
 * edited watch from one already seen.
 */
#include <string.h>

#include "config/config.h"
#include "lib/macro.h"
#include "match/watchset.h"
#include "test.h"

static uint64_t photos_b[] = {2999358212ULL, 53012345678ULL};
static uint64_t photos_a[] = {53012345678ULL};

static struct config_subscriber subs[] = {
	{.name = (char *)"a"}, {.name = (char *)"b"}, {.name = (char *)"c"}};
static struct config_watch watches[] = {
	{.subscriber = 0,
	 .nsid = (char *)"12345678@N00",
	 .alias = (char *)"JaneDoe"},
	{.subscriber = 1, .photos = photos_b, .n_photos = 2},
	{.subscriber = 2, .display_name = (char *)"Jane Doe"},
	{.subscriber = 0, .photos = photos_a, .n_photos = 1},
};
static struct config cfg = {.subscribers = subs,
			    .n_subscribers = ELEMENTSOF(subs),
			    .watches = watches,
			    .n_watches = ELEMENTSOF(watches)};

/* "watch:how watch:how", by watch. */
static void describe(const struct watch_hit *h, size_t n, char *out,
		     size_t size)
{
	static const char *const how[] = {"?", "photo", "nsid", "alias",
					  "name"};
	size_t i, j, len = 0;

	out[0] = '\0';
	for (i = 0; i < ELEMENTSOF(watches); i++)
		for (j = 0; j < n; j++)
			if (h[j].watch == i)
				len += (size_t)snprintf(
					out + len, size - len, "%s%zu:%s",
					len ? " " : "", i, how[h[j].how]);
}

TEST(subjects_match_the_right_watches)
{
	static const struct {
		struct watch_subject s;
		const char *want;
	} cases[] = {
		{{53012345678ULL, "", "", ""}, "1:photo 3:photo"},
		{{2999358212ULL, NULL, NULL, NULL}, "1:photo"},
		{{0, "12345678@N00", "", ""}, "0:nsid"},
		{{0, "12345678@n00", "", ""}, ""}, /* NSIDs are exact */
		{{0, "", "janedoe", ""}, "0:alias"},
		{{0, "", "JANEDOE", ""}, "0:alias"},
		{{0, "", "", "jane doe"}, "2:name"},
		{{0, "", "", "JANE DOE"}, "2:name"},
		{{0, "99@N01", "janedoe", "Jane Doe"}, "0:alias 2:name"},
		{{0, "12345678@N00", "janedoe", ""}, "0:nsid"},
		{{2999358212ULL, "12345678@N00", "", ""}, "0:nsid 1:photo"},
		{{53012345678ULL, "12345678@N00", "", ""},
		 "0:nsid 1:photo 3:photo"},
		{{0, "", "janedoe2", ""}, ""},
		{{0, "", "", "Jane Doe Smith"}, ""},
		{{0, "", "", "Jane"}, ""},
		{{12345678ULL, "", "", ""}, ""},
		{{0, "", "", ""}, ""},
	};
	struct watchset *w = watchset_new(&cfg);
	struct watch_hit hits[8];
	char got[128];
	size_t i, n;

	for (i = 0; i < ELEMENTSOF(cases); i++) {
		n = watchset_match(w, &cases[i].s, hits, ELEMENTSOF(hits));
		describe(hits, n, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			TEST_FAIL("case %zu: got '%s', want '%s'", i, got,
				  cases[i].want);
	}
	watchset_free(w);
}

TEST(hits_beyond_the_buffer_are_counted)
{
	struct watchset *w = watchset_new(&cfg);
	struct watch_subject s = {53012345678ULL, "12345678@N00", "", ""};
	struct watch_hit hits[1];

	CHECK_INT(watchset_match(w, &s, hits, 1), 3);
	watchset_free(w);
}

TEST(fingerprints_tell_watches_apart)
{
	struct config_watch again[] = {
		{.subscriber = 0,
		 .nsid = (char *)"12345678@N00",
		 .alias = (char *)"janedoe"},
		{.subscriber = 1,
		 .nsid = (char *)"12345678@N00",
		 .alias = (char *)"JaneDoe"},
		{.subscriber = 0, .nsid = (char *)"12345678@N00"},
	};
	struct config other = cfg;
	struct watchset *w = watchset_new(&cfg), *x;

	other.watches = again;
	other.n_watches = ELEMENTSOF(again);
	x = watchset_new(&other);
	CHECK_INT((int)strlen(watchset_fingerprint(w, 0)),
		  WATCHSET_FINGERPRINT_LEN);
	/* The alias compares without case: the same watch. */
	CHECK_STR(watchset_fingerprint(x, 0), watchset_fingerprint(w, 0));
	/* Another subscriber, or less watched: another watch. */
	CHECK(strcmp(watchset_fingerprint(x, 1), watchset_fingerprint(w, 0)));
	CHECK(strcmp(watchset_fingerprint(x, 2), watchset_fingerprint(w, 0)));
	CHECK(strcmp(watchset_fingerprint(w, 1), watchset_fingerprint(w, 3)));
	watchset_free(w);
	watchset_free(x);
}
