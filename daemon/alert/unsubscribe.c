/*
 * unsubscribe.c: unsubscribe tokens and the key they are made with
 * (unsubscribe.h).
 *
 * The key file is made beside its final name and linked into place:
 * link(2) never replaces a file, so when two processes make a key at once
 * one of them wins and both go on with the winner's, and no reader ever
 * sees a half-written key.  The key is read with O_NOFOLLOW and refused
 * unless it is a regular file of exactly 32 bytes that only its owner may
 * read.  Tokens are compared in constant time.  This file holds no state
 * and does not log; the key never reaches an error message.
 */
#include "alert/unsubscribe.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/macro.h"

#define TOKEN_VERSION "v1."
#define MAC_SIZE      32
/* base64url without padding of n bytes. */
#define B64_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
_Static_assert(B64_LEN(MAC_SIZE) == 43, "the token_parse() message");

/* What the HMAC is taken over goes first, so a token can never pass for
 * any other MAC made with the same key. */
static const char mac_context[] = "unsubscribe"; /* and its NUL */

void unsubscribe_key_wipe(struct unsubscribe_key *k)
{
	OPENSSL_cleanse(k->bytes, sizeof(k->bytes));
}

/* ---- the key file ---------------------------------------------------- */

/* Reads the key from fd.  Returns 0, or -errno with *why saying what is
 * wrong with the file when it is not the error's own words. */
static int key_read(int fd, struct unsubscribe_key *ret, const char **why)
{
	struct unsubscribe_key k;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return -errno;
	*why = "is not a file of 32 bytes: remove it to make a new one "
	       "(every link already sent then stops working)";
	if (!S_ISREG(st.st_mode) || st.st_size != UNSUBSCRIBE_KEY_SIZE)
		return -EBADMSG;
	*why = "may be read by others: make it the owner's alone (chmod 600), "
	       "or remove it to make a new one";
	if (st.st_mode & 077)
		return -EPERM;
	*why = "belongs to another user";
	if (st.st_uid != geteuid() && geteuid() != 0)
		return -EPERM;
	*why = NULL;
	n = read(fd, k.bytes, sizeof(k.bytes));
	if (n < 0)
		return -errno;
	if (n == (ssize_t)sizeof(k.bytes))
		*ret = k;
	unsubscribe_key_wipe(&k);
	*why = "is shorter than it was a moment ago";
	return n == (ssize_t)sizeof(k.bytes) ? 0 : -EBADMSG;
}

static int write_key(int fd, const struct unsubscribe_key *k)
{
	size_t done = 0;
	ssize_t n;

	while (done < sizeof(k->bytes)) {
		n = write(fd, k->bytes + done, sizeof(k->bytes) - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

/* Makes a new key at path, unless another process makes one first.
 * Returns 0 (either way) or -errno. */
static int key_make(const char *state_dir, const char *path)
{
	struct unsubscribe_key k;
	char tmp[4096];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (RAND_bytes(k.bytes, (int)sizeof(k.bytes)) != 1)
		return -EIO;
	fd = create_new_file(tmp, 0600);
	r = fd < 0 ? fd : write_key(fd, &k);
	unsubscribe_key_wipe(&k);
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && link(tmp, path) < 0 && errno != EEXIST)
		r = -errno;
	if (fd >= 0)
		(void)unlink(tmp);
	return r < 0 ? r : fsync_dir(state_dir);
}

/* Opens the key file at path, making it first if create says so.
 * Returns a file descriptor, or -errno with *why as for key_read(). */
static int key_open(const char *state_dir, const char *path, bool create,
		    const char **why)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0 && errno == ENOENT && create) {
		r = key_make(state_dir, path);
		if (r < 0)
			return r;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd >= 0)
		return fd;
	*why = errno == ENOENT	? "does not exist: this state directory has "
				  "sent no unsubscribe link yet"
	       : errno == ELOOP ? "is a symbolic link, and scrapewatch "
				  "follows none to its own files"
				: NULL;
	return -errno;
}

int unsubscribe_key_load(const char *state_dir, bool create,
			 struct unsubscribe_key *ret, char *err, size_t errsize)
{
	const char *why = NULL;
	char path[4096];
	int fd, r;

	if (snprintf(path, sizeof(path), "%s/%s", state_dir,
		     UNSUBSCRIBE_KEY_FILE) >= (int)sizeof(path))
		r = -ENAMETOOLONG;
	else
		r = fd = key_open(state_dir, path, create, &why);
	if (r >= 0) {
		r = key_read(fd, ret, &why);
		close(fd);
	}
	if (r >= 0)
		return 0;
	if (why)
		snprintf(err, errsize, "The unsubscribe key '%s' %s", path,
			 why);
	else
		snprintf(err, errsize,
			 "Cannot use the unsubscribe key '%s': %s", path,
			 strerror(-r));
	return r;
}

/* ---- tokens ---------------------------------------------------------- */

static bool b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Appends base64url (no padding) of data (at most UNSUBSCRIBE_NAME_MAX
 * bytes).  Returns 0 or -E2BIG. */
static int b64url_append(struct buf *out, const unsigned char *data, size_t len)
{
	unsigned char block[4 * ((UNSUBSCRIBE_NAME_MAX + 2) / 3) + 1];
	size_t n, i;

	assert(len <= UNSUBSCRIBE_NAME_MAX);
	n = (size_t)EVP_EncodeBlock(block, data, (int)len);
	while (n > 0 && block[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++)
		if (block[i] == '+')
			block[i] = '-';
		else if (block[i] == '/')
			block[i] = '_';
	return buf_append(out, block, n);
}

/*
 * Decodes the base64url s (len characters, no padding) into out (size
 * bytes), and only the canonical spelling: the bits past the last byte
 * must be zero, or two spellings of one MAC would both pass.  Returns the
 * number of bytes, or -EBADMSG.
 */
static int b64url_decode(const char *s, size_t len, unsigned char *out,
			 size_t size)
{
	char padded[4 * ((UNSUBSCRIBE_NAME_MAX + 2) / 3) + 4];
	unsigned char raw[sizeof(padded)];
	struct buf again;
	size_t i, n;
	int r;

	if (len == 0 || len % 4 == 1 || len + 3 >= sizeof(padded))
		return -EBADMSG;
	for (i = 0; i < len; i++) {
		if (!b64url_char(s[i]))
			return -EBADMSG;
		padded[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	}
	for (; i % 4; i++)
		padded[i] = '=';
	if (EVP_DecodeBlock(raw, (const unsigned char *)padded, (int)i) < 0)
		return -EBADMSG;
	n = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (n > size)
		return -EBADMSG;
	buf_init(&again, sizeof(padded));
	r = b64url_append(&again, raw, n) == 0 && again.len == len &&
			    memcmp(again.data, s, len) == 0
		    ? (int)n
		    : -EBADMSG;
	buf_free(&again);
	if (r >= 0)
		memcpy(out, raw, n);
	OPENSSL_cleanse(raw, sizeof(raw));
	return r;
}

/* HMAC-SHA256 under k of the context, its NUL, and name. */
static void token_mac(const struct unsubscribe_key *k, const char *name,
		      size_t len, unsigned char mac[MAC_SIZE])
{
	unsigned char msg[sizeof(mac_context) + UNSUBSCRIBE_NAME_MAX];
	unsigned int n = 0;

	assert(len <= UNSUBSCRIBE_NAME_MAX);
	memcpy(msg, mac_context, sizeof(mac_context));
	memcpy(msg + sizeof(mac_context), name, len);
	if (!HMAC(EVP_sha256(), k->bytes, (int)sizeof(k->bytes), msg,
		  sizeof(mac_context) + len, mac, &n) ||
	    n != MAC_SIZE)
		abort(); /* out of memory, as xmalloc would */
}

int unsubscribe_token(const struct unsubscribe_key *k, const char *subscriber,
		      struct buf *out)
{
	size_t len = strlen(subscriber), old = out->len;
	unsigned char mac[MAC_SIZE];
	int r;

	if (len == 0 || len > UNSUBSCRIBE_NAME_MAX)
		return -EINVAL;
	token_mac(k, subscriber, len, mac);
	r = buf_puts(out, TOKEN_VERSION);
	if (r == 0)
		r = b64url_append(out, (const unsigned char *)subscriber, len);
	if (r == 0)
		r = buf_putc(out, '.');
	if (r == 0)
		r = b64url_append(out, mac, sizeof(mac));
	if (r < 0)
		buf_truncate(out, old);
	return r;
}

/* Splits token into the name (n bytes into name) and the MAC.  Returns
 * NULL, or why it is not a token at all. */
static const char *token_parse(const char *token, unsigned char *name, int *n,
			       unsigned char mac[MAC_SIZE])
{
	const char *p, *dot;

	if (strncmp(token, TOKEN_VERSION, strlen(TOKEN_VERSION)) != 0)
		return "not an unsubscribe token of this version (they start "
		       "with '" TOKEN_VERSION "')";
	p = token + strlen(TOKEN_VERSION);
	dot = strchr(p, '.');
	if (!dot || strlen(dot + 1) != B64_LEN(MAC_SIZE) ||
	    (size_t)(dot - p) > B64_LEN(UNSUBSCRIBE_NAME_MAX))
		return "not an unsubscribe token (it is '" TOKEN_VERSION
		       "', a name, '.' and a MAC of 43 characters)";
	*n = b64url_decode(p, (size_t)(dot - p), name, UNSUBSCRIBE_NAME_MAX);
	if (*n < 0 || memchr(name, '\0', (size_t)*n) ||
	    b64url_decode(dot + 1, strlen(dot + 1), mac, MAC_SIZE) != MAC_SIZE)
		return "not an unsubscribe token (a part of it is not "
		       "base64url)";
	return NULL;
}

int unsubscribe_verify(const struct unsubscribe_key *k, const char *token,
		       char *ret_name, size_t size, char *err, size_t errsize)
{
	unsigned char name[UNSUBSCRIBE_NAME_MAX], got[MAC_SIZE], want[MAC_SIZE];
	const char *why;
	int n = 0, r = -EBADMSG;

	why = token_parse(token, name, &n, got);
	if (!why) {
		token_mac(k, (const char *)name, (size_t)n, want);
		r = CRYPTO_memcmp(got, want, MAC_SIZE) == 0 ? 0 : -EKEYREJECTED;
		OPENSSL_cleanse(want, sizeof(want));
		why = "the token does not verify: it was altered, or made with "
		      "another installation's key";
	}
	if (r == 0 && (size_t)n >= size) {
		r = -EBADMSG;
		why = "the subscriber name is too long";
	}
	if (r < 0) {
		snprintf(err, errsize, "%s", why);
		return r;
	}
	memcpy(ret_name, name, (size_t)n);
	ret_name[n] = '\0';
	return 0;
}

/* ---- URLs ------------------------------------------------------------ */

/* True if the mailto: URL's header fields (after its '?') name a
 * subject. */
static bool mailto_has_subject(const char *url)
{
	const char *q = strchr(url, '?');

	while (q) {
		if (strncasecmp(q + 1, "subject=", 8) == 0)
			return true;
		q = strchr(q + 1, '&');
	}
	return false;
}

int unsubscribe_url(const char *base, const char *token, struct buf *out)
{
	const char *fragment = strchr(base, '#');
	size_t head = fragment ? (size_t)(fragment - base) : strlen(base);
	bool query = memchr(base, '?', head) != NULL;
	size_t old = out->len;
	int r;

	if (strncasecmp(base, "https://", 8) == 0)
		r = buf_append(out, base, head) ||
		    buf_printf(out, "%ctoken=%s%s", query ? '&' : '?', token,
			       fragment ? fragment : "");
	else if (strncasecmp(base, "mailto:", 7) == 0)
		r = buf_append(out, base, head) ||
		    buf_printf(out, "%c%s=unsubscribe%%20%s%s",
			       query ? '&' : '?',
			       mailto_has_subject(base) ? "body" : "subject",
			       token, fragment ? fragment : "");
	else
		return -EINVAL;
	if (r)
		buf_truncate(out, old);
	return r ? -E2BIG : 0;
}
