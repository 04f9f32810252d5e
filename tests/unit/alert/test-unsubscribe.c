/*
 * test-unsubscribe.c: unsubscribe tokens and their key.  A token names its
 * subscriber and verifies under the key that made it only: one character
 * changed anywhere (even one that decodes to the same bytes), a name swapped
 * in, or another installation's key, and it is refused.  The key file is
 * made once, 0600 whatever the umask, and refused when it is a link, the
 * wrong size, or readable by others.  URLs get the token in their query or
 * mailto: header fields.
 */
#include <errno.h>
#include <sys/stat.h>

#include "alert/unsubscribe.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "test.h"
#include "testutil.h"

/* Files in dir. */
static int count_files(const char *dir)
{
	char cmd[PATH_MAX + 32];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

/* A key of bytes all equal to fill. */
static struct unsubscribe_key key_of(unsigned char fill)
{
	struct unsubscribe_key k;

	memset(k.bytes, fill, sizeof(k.bytes));
	return k;
}

static void token_for(const struct unsubscribe_key *k, const char *name,
		      struct buf *b)
{
	buf_init(b, 1024);
	CHECK_INT(unsubscribe_token(k, name, b), 0);
}

static int verify(const struct unsubscribe_key *k, const char *token,
		  char *name)
{
	char err[256] = "";
	int r;

	r = unsubscribe_verify(k, token, name, UNSUBSCRIBE_NAME_MAX + 1, err,
			       sizeof(err));
	if (r < 0 && !err[0])
		TEST_FAIL("'%s' refused without a reason", token);
	return r;
}

TEST(token_names_its_subscriber)
{
	struct unsubscribe_key k = key_of(7);
	const char *names[] = {"ann", "dan", "jane.doe-2_x", "a"};
	char name[UNSUBSCRIBE_NAME_MAX + 1];
	struct buf a, b;
	size_t i;

	for (i = 0; i < ELEMENTSOF(names); i++) {
		token_for(&k, names[i], &a);
		CHECK(strncmp(a.data, "v1.", 3) == 0);
		/* URL-safe as it is: base64url and dots. */
		CHECK_INT(strspn(a.data, "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789-_."),
			  a.len);
		snprintf(name, sizeof(name), "unchanged");
		CHECK_INT(verify(&k, a.data, name), 0);
		CHECK_STR(name, names[i]);
		/* The same subscriber always gets the same token. */
		token_for(&k, names[i], &b);
		CHECK_STR(a.data, b.data);
		buf_free(&a);
		buf_free(&b);
	}
}

/* The token of "ann" under key 7, as an endpoint computes it from the
 * README's description: HMAC-SHA256(key, "unsubscribe\0ann"), in
 * base64url without padding (computed with Python's hmac module). */
#define ANN_TOKEN "v1.YW5u.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62zI"

TEST(token_is_the_documented_hmac)
{
	struct unsubscribe_key k = key_of(7);
	struct buf b;

	token_for(&k, "ann", &b);
	CHECK_STR(b.data, ANN_TOKEN);
	buf_free(&b);
}

TEST(altered_token_is_refused)
{
	struct unsubscribe_key k = key_of(7);
	char name[UNSUBSCRIBE_NAME_MAX + 1] = "unchanged", t[256];
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
		"tuvwxyz0123456789-_";
	size_t i, len = strlen(ANN_TOKEN);
	int r;

	/* Every position, every other character. */
	for (i = 0; i < len; i++) {
		const char *c;

		for (c = digits; *c; c++) {
			if (*c == ANN_TOKEN[i])
				continue;
			memcpy(t, ANN_TOKEN, len + 1);
			t[i] = *c;
			r = verify(&k, t, name);
			if (r != -EKEYREJECTED && r != -EBADMSG)
				TEST_FAIL("'%s' (byte %zu changed) gave %d", t,
					  i, r);
		}
	}
	/* The last character of the MAC holds 2 bits that decode to
	 * nothing: 'I' to 'L' decode alike, and only 'I' is the token. */
	memcpy(t, ANN_TOKEN, len + 1);
	t[len - 1] = 'J';
	CHECK_INT(verify(&k, t, name), -EBADMSG);
	/* Another subscriber's name with ann's MAC. */
	CHECK_INT(verify(&k,
			 "v1.ZGFu.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62zI",
			 name),
		  -EKEYREJECTED);
	CHECK_STR(name, "unchanged");
}

TEST(other_key_is_refused)
{
	struct unsubscribe_key k = key_of(7), other = key_of(8);
	char name[UNSUBSCRIBE_NAME_MAX + 1] = "unchanged";

	CHECK_INT(verify(&other, ANN_TOKEN, name), -EKEYREJECTED);
	CHECK_INT(verify(&k, ANN_TOKEN, name), 0);
	CHECK_STR(name, "ann");
}

static const char *const malformed[] = {
	"",
	"ann",
	"v2.YW5u.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62zI",
	"v1.YW5u",
	"v1..m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62zI",
	"v1.YW5u.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62z",
	"v1.YW5u.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62zI0",
	"v1.YW5u=.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62zI",
	"v1.YW+u.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62zI",
	"v1.YW5u.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy6.zI",
	"v1.AGFubg.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62zI", /* a NUL */
	"v1.YW5u.m5OUCvJrBAGW19rRMNpMWRO_JmoM3ZcFKqwBgZy62zI ",
};

TEST(malformed_token_is_refused)
{
	struct unsubscribe_key k = key_of(7);
	char name[UNSUBSCRIBE_NAME_MAX + 1];
	size_t i;

	for (i = 0; i < ELEMENTSOF(malformed); i++) {
		int r = verify(&k, malformed[i], name);

		if (r != -EBADMSG)
			TEST_FAIL("'%s': got %d, want -EBADMSG", malformed[i],
				  r);
	}
}

TEST(name_length)
{
	struct unsubscribe_key k = key_of(7);
	char name[UNSUBSCRIBE_NAME_MAX + 2], got[UNSUBSCRIBE_NAME_MAX + 1];
	struct buf b;

	buf_init(&b, 1024);
	CHECK_INT(unsubscribe_token(&k, "", &b), -EINVAL);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK_INT(unsubscribe_token(&k, name, &b), -EINVAL);
	CHECK_INT(b.len, 0);
	name[UNSUBSCRIBE_NAME_MAX] = '\0';
	CHECK_INT(unsubscribe_token(&k, name, &b), 0);
	CHECK_INT(verify(&k, b.data, got), 0);
	CHECK_STR(got, name);
	buf_free(&b);
	/* A full buffer keeps what it had. */
	buf_init(&b, 10);
	CHECK_INT(buf_puts(&b, "kept"), 0);
	CHECK_INT(unsubscribe_token(&k, "ann", &b), -E2BIG);
	CHECK_STR(b.data, "kept");
	buf_free(&b);
}

static const struct {
	const char *base, *want;
} urls[] = {
	{"https://example.org/unsubscribe",
	 "https://example.org/unsubscribe?token=TOKEN"},
	{"https://example.org/u?list=faces",
	 "https://example.org/u?list=faces&token=TOKEN"},
	{"https://example.org/u#done",
	 "https://example.org/u?token=TOKEN#done"},
	{"mailto:stop@example.org",
	 "mailto:stop@example.org?subject=unsubscribe%20TOKEN"},
	{"mailto:stop@example.org?cc=ops@example.org",
	 "mailto:stop@example.org?cc=ops@example.org&subject=unsubscribe%20TOKEN"},
	{"mailto:stop@example.org?subject=stop",
	 "mailto:stop@example.org?subject=stop&body=unsubscribe%20TOKEN"},
	{"MAILTO:stop@example.org?Subject=stop",
	 "MAILTO:stop@example.org?Subject=stop&body=unsubscribe%20TOKEN"},
};

TEST(url_carries_token)
{
	struct buf b;
	size_t i;

	for (i = 0; i < ELEMENTSOF(urls); i++) {
		buf_init(&b, 1024);
		CHECK_INT(unsubscribe_url(urls[i].base, "TOKEN", &b), 0);
		CHECK_STR(b.data, urls[i].want);
		buf_free(&b);
	}
	buf_init(&b, 1024);
	CHECK_INT(unsubscribe_url("http://example.org/u", "TOKEN", &b),
		  -EINVAL);
	buf_free(&b);
	buf_init(&b, 20);
	CHECK_INT(
		unsubscribe_url("https://example.org/unsubscribe", "TOKEN", &b),
		-E2BIG);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

static int load(const char *dir, bool create, struct unsubscribe_key *k)
{
	char err[512] = "";
	int r = unsubscribe_key_load(dir, create, k, err, sizeof(err));

	if (r < 0 && !err[0])
		TEST_FAIL("key in '%s' refused without a reason", dir);
	return r;
}

static void key_path(const char *dir, char *path)
{
	snprintf(path, PATH_MAX, "%s/%s", dir, UNSUBSCRIBE_KEY_FILE);
}

TEST(key_is_made_once_0600)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct unsubscribe_key a = key_of(0), b = key_of(1), none = key_of(0);
	struct stat st;
	mode_t old;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	key_path(dir, path);
	CHECK_INT(load(dir, false, &a), -ENOENT);
	CHECK(memcmp(a.bytes, none.bytes, sizeof(a.bytes)) == 0);
	old = umask(0);
	CHECK_INT(load(dir, true, &a), 0);
	umask(old);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK_INT(st.st_size, UNSUBSCRIBE_KEY_SIZE);
	CHECK(memcmp(a.bytes, none.bytes, sizeof(a.bytes)) != 0);
	/* Made once: the next load reads the same key. */
	CHECK_INT(load(dir, true, &b), 0);
	CHECK(memcmp(a.bytes, b.bytes, sizeof(a.bytes)) == 0);
	CHECK_INT(load(dir, false, &b), 0);
	CHECK(memcmp(a.bytes, b.bytes, sizeof(a.bytes)) == 0);
	/* No temporary file is left beside it. */
	CHECK_INT(count_files(dir), 1);
	unsubscribe_key_wipe(&b);
	CHECK(memcmp(b.bytes, none.bytes, sizeof(b.bytes)) == 0);
}

TEST(bad_key_files_are_refused)
{
	char dir[PATH_MAX], path[PATH_MAX], other[PATH_MAX];
	struct unsubscribe_key k = key_of(3);
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	key_path(dir, path);
	/* Readable by others. */
	test_write(dir, UNSUBSCRIBE_KEY_FILE,
		   "0123456789abcdef0123456789abcdef", 0644);
	CHECK_INT(load(dir, true, &k), -EPERM);
	/* The wrong size, made again by nobody. */
	CHECK_INT(chmod(path, 0600), 0);
	CHECK_INT(load(dir, true, &k), 0);
	test_write(dir, UNSUBSCRIBE_KEY_FILE, "short", 0600);
	CHECK_INT(load(dir, true, &k), -EBADMSG);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_size, 5);
	/* A link, even to a good key. */
	snprintf(other, sizeof(other), "%s",
		 test_write(dir, "elsewhere",
			    "0123456789abcdef0123456789abcdef", 0600));
	CHECK_INT(unlink(path), 0);
	CHECK_INT(symlink(other, path), 0);
	CHECK_INT(load(dir, true, &k), -ELOOP);
	/* A directory. */
	CHECK_INT(unlink(path), 0);
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(load(dir, true, &k), -EBADMSG);
}
