/*
 * fuzz-flickr.c: Flickr identifiers (flickr.h) and entry identity
 * (entry.h) on hostile text.
 *
 * The whole input goes to flickr_parse(), flickr_id_parse(),
 * flickr_base58_decode() and the NSID and alias checks; then it is cut at
 * TABs into the fields of an entry for entry_identify() and entry_key().
 * Oracles, from the headers' contracts: a failed parse leaves *ret as it
 * was; what a parse returns is well-formed (a valid NSID and alias or "",
 * a photo id where the kind has one); a decimal id agrees with strtoull();
 * base58 round-trips; the alias comparison is antisymmetric.
 */
#include <inttypes.h>

#include "fuzz.h"
#include "parse/entry.h"
#include "parse/flickr.h"

static bool all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

/* A NUL-terminated owner buffer: "" or valid. */
static void check_owner(const char *s, size_t size, bool nsid)
{
	size_t len = strnlen(s, size);

	FUZZ_CHECK(len < size);
	if (len)
		FUZZ_CHECK(nsid ? flickr_nsid_valid(s, len)
				: flickr_alias_valid(s, len));
}

static void check_parse(const char *s, size_t len)
{
	struct flickr_ref ref, before;
	int r;

	memset(&ref, 0xa5, sizeof(ref));
	before = ref;
	r = flickr_parse(s, len, &ref);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r < 0) {
		FUZZ_CHECK(memcmp(&ref, &before, sizeof(ref)) == 0);
		return;
	}
	FUZZ_CHECK(ref.kind > FLICKR_NONE && ref.kind <= FLICKR_ID);
	check_owner(ref.nsid, sizeof(ref.nsid), true);
	check_owner(ref.alias, sizeof(ref.alias), false);
	if (ref.kind == FLICKR_ID || ref.kind == FLICKR_STATIC ||
	    ref.kind == FLICKR_SHORT || ref.kind == FLICKR_PATH)
		FUZZ_CHECK(ref.photo_id != 0);
	if (ref.kind == FLICKR_BUDDYICON || ref.kind == FLICKR_PATH)
		FUZZ_CHECK(ref.nsid[0] != '\0');
}

/* flickr_id_parse() against strtoull() on the same digits. */
static void check_id(const char *s, size_t len)
{
	uint64_t id = 7, want;
	char copy[32];
	char *end;
	int r;

	r = flickr_id_parse(s, len, &id);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r < 0) {
		FUZZ_CHECK(id == 7);
		if (all_digits(s, len) && len < sizeof(copy)) {
			memcpy(copy, s, len);
			copy[len] = '\0';
			errno = 0;
			want = strtoull(copy, &end, 10);
			FUZZ_CHECK(r == -ERANGE);
			FUZZ_CHECK(want == 0 || errno == ERANGE);
		}
		return;
	}
	FUZZ_CHECK(all_digits(s, len));
	FUZZ_CHECK(id != 0);
	if (len < sizeof(copy)) {
		memcpy(copy, s, len);
		copy[len] = '\0';
		errno = 0;
		want = strtoull(copy, &end, 10);
		FUZZ_CHECK(errno == 0 && *end == '\0' && want == id);
	}
}

static void check_base58(const char *s, size_t len)
{
	uint64_t id = 7, again = 0;
	char out[12], tiny[3];
	int r, n;

	r = flickr_base58_decode(s, len, &id);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r < 0) {
		FUZZ_CHECK(id == 7);
		return;
	}
	n = flickr_base58_encode(id, out, sizeof(out));
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(out) && out[n] == '\0');
	FUZZ_CHECK(flickr_base58_decode(out, (size_t)n, &again) == 0);
	FUZZ_CHECK(again == id);
	/* Encoding into a buffer too small fails rather than overflows. */
	if ((size_t)n >= sizeof(tiny))
		FUZZ_CHECK(flickr_base58_encode(id, tiny, sizeof(tiny)) ==
			   -ENOBUFS);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* The input cut at its first NUL into two aliases. */
static void check_alias_compare(const char *s, size_t len)
{
	const char *nul = memchr(s, '\0', len);
	const char *b = nul ? nul + 1 : "";
	char *a2;

	if (!nul || memchr(b, '\0', len - (size_t)(b - s)) == NULL)
		return;
	FUZZ_CHECK(flickr_alias_compare(s, s) == 0);
	FUZZ_CHECK(sign(flickr_alias_compare(s, b)) ==
		   -sign(flickr_alias_compare(b, s)));
	a2 = strdup(s);
	FUZZ_CHECK(a2 != NULL);
	FUZZ_CHECK(flickr_alias_compare(a2, s) == 0);
	free(a2);
}

/* The input cut at TABs into the entry fields, in enum order. */
static void check_entry(const char *s, size_t len)
{
	struct entry e = {.line = 1, .length = len};
	const char *end = s + len, *tab;
	size_t f;
	uint64_t key = 0;
	int r;

	for (f = 0; f < ENTRY_FIELD_MAX && s <= end; f++) {
		tab = memchr(s, '\t', (size_t)(end - s));
		e.field[f].s = s;
		e.field[f].len = (size_t)((tab ? tab : end) - s);
		if (!tab)
			break;
		s = tab + 1;
	}
	entry_identify(&e);
	check_owner(e.nsid, sizeof(e.nsid), true);
	check_owner(e.alias, sizeof(e.alias), false);
	r = entry_key(&e, 1, &key);
	FUZZ_CHECK(r == ENTRY_FIELD_PHOTO_ID || r == -ENODATA);
	FUZZ_CHECK(r < 0 ? e.photo_id == 0 : key == e.photo_id);
	r = entry_key(&e, 0, &key);
	FUZZ_CHECK(r == -ENODATA || (r >= 0 && r < ENTRY_FIELD_MAX));
	if (r >= 0 && r != ENTRY_FIELD_PHOTO_ID)
		FUZZ_CHECK(e.field[r].len > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096)
		return 0;
	/* An exact copy, so a read past the end trips ASan. */
	s = malloc(size ? size : 1);
	FUZZ_CHECK(s != NULL);
	if (size)
		memcpy(s, data, size);
	check_parse(s, size);
	check_id(s, size);
	check_base58(s, size);
	(void)flickr_nsid_valid(s, size);
	(void)flickr_alias_valid(s, size);
	check_alias_compare(s, size);
	check_entry(s, size);
	free(s);
	return 0;
}
