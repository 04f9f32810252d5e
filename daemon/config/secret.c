/*
 * secret.c: secret files and systemd credentials, the memory secrets are
 * held in, and the forms a secret takes.  A secret is read with one open()
 * and checked on that descriptor (no check-then-open race), capped at
 * SECRET_MAX bytes, and handed to the caller in secret memory: an
 * anonymous mapping of its own per secret (a configuration holds a few, an
 * organisation's a few thousand: pages, not megabytes), left out of core
 * dumps and wiped before it is unmapped.  The read buffer on the stack is
 * wiped on every path.  Nothing here keeps or prints a secret.  A webhook
 * signing secret is decoded here into its key, for the configuration's
 * check and the signer.
 */
#include "config/secret.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/macro.h"

/* Secret memory starts with the size of its mapping; the secret follows,
 * aligned as malloc's memory is. */
#define SECRET_HEADER 16

char *secret_alloc(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size;
	char *base;

	assert(len <= SECRET_MAX + 64); /* secrets are capped when read */
	size = (SECRET_HEADER + len + 1 + page - 1) / page * page;
	base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		/* As xmalloc() does: the one line, then abort. */
		fprintf(stderr,
			"<2>scrapewatch: out of memory (%zu bytes for a "
			"secret), aborting\n",
			size);
		abort();
	}
	/* Kernels without these (before 3.4 and 4.14) still get the process
	 * made not dumpable below. */
	(void)madvise(base, size, MADV_DONTDUMP);
	(void)madvise(base, size, MADV_WIPEONFORK);
	/* For good, not only while this secret lives: see secret.h. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	memcpy(base, &size, sizeof(size));
	return base + SECRET_HEADER;
}

char *secret_strndup(const char *s, size_t len)
{
	char *v = secret_alloc(len);

	memcpy(v, s, len);
	return v;
}

char *secret_free(char *s)
{
	char *base;
	size_t size;

	if (!s)
		return NULL;
	base = s - SECRET_HEADER;
	memcpy(&size, base, sizeof(size));
	explicit_bzero(base, size);
	munmap(base, size);
	return NULL;
}

/* Reads the whole secret from fd into data[size] (SECRET_MAX + 1 bytes);
 * returns its length, or a negative errno with why said. */
static ssize_t secret_read_all(int fd, const char *what, int private_only,
			       char *data, size_t size, char *why,
			       size_t why_size)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		snprintf(why, why_size, "cannot stat %s: %s", what,
			 strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_size, "%s is not a regular file", what);
		return -EINVAL;
	}
	if (private_only && (st.st_mode & 077)) {
		snprintf(why, why_size,
			 "%s can be read by other users (mode %04o); make it "
			 "private with chmod 600",
			 what, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	while (len < size) {
		n = read(fd, data + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, why_size, "cannot read %s: %s", what,
				 strerror(errno));
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/* Reads the whole secret from fd.  private_only: refuse group/other access. */
static int secret_read_fd(int fd, const char *what, int private_only,
			  char **ret_value, char *why, size_t size)
{
	char data[SECRET_MAX + 1];
	ssize_t n = secret_read_all(fd, what, private_only, data, sizeof(data),
				    why, size);
	size_t len = n > 0 ? (size_t)n : 0;
	int r = n < 0 ? (int)n : 0;

	if (r == 0 && len > SECRET_MAX) {
		snprintf(why, size, "%s is larger than %d bytes", what,
			 SECRET_MAX);
		r = -EFBIG;
	}
	if (len > 0 && data[len - 1] == '\n')
		len--;
	if (len > 0 && data[len - 1] == '\r')
		len--;
	if (r == 0 && (len == 0 || memchr(data, '\0', len))) {
		snprintf(why, size, "%s is empty or holds a NUL byte", what);
		r = -EINVAL;
	}
	if (r == 0)
		*ret_value = secret_strndup(data, len);
	explicit_bzero(data, sizeof(data));
	return r;
}

int secret_read_credential(const char *name, char **ret_value, char *why,
			   size_t size)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	_cleanup_close_ int dfd = -1, fd = -1;
	char what[512];

	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		snprintf(why, size,
			 "credential name '%s' must be a plain file name",
			 name);
		return -EINVAL;
	}
	if (!dir || !*dir) {
		snprintf(
			why, size,
			"credential '%s' is not available: $CREDENTIALS_DIRECTORY "
			"is not set; run under systemd with "
			"LoadCredential=%s:/path/to/secret, or write "
			"{ file: PATH } instead",
			name, name);
		return -ENOENT;
	}
	snprintf(what, sizeof(what), "credential '%s'", name);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			snprintf(
				why, size,
				"credential '%s' not found in '%s'; add "
				"LoadCredential=%s:/path/to/secret to the unit",
				name, dir, name);
		else
			snprintf(why, size,
				 "cannot open credential '%s' in '%s': %s",
				 name, dir, strerror(e));
		return -e;
	}
	/* systemd makes credentials private to the service: no mode check. */
	return secret_read_fd(fd, what, 0, ret_value, why, size);
}

int secret_read_file(const char *path, char **ret_value, char *why, size_t size)
{
	_cleanup_close_ int fd = -1;
	char what[512];

	snprintf(what, sizeof(what), "secret file '%s'", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		snprintf(why, size, "cannot open %s: %s", what, strerror(e));
		return -e;
	}
	return secret_read_fd(fd, what, 1, ret_value, why, size);
}

static bool base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Decodes padded standard base64, strictly: no whitespace (which
 * EVP_DecodeBlock would skip, decoding a different key than a receiver
 * would), '=' only as the last one or two characters. */
static int base64_decode_strict(const char *s, unsigned char *out, size_t size,
				size_t *len)
{
	size_t n = strlen(s), pad, i;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > size)
		return -EINVAL;
	pad = s[n - 1] == '=' ? 1 + (s[n - 2] == '=') : 0;
	for (i = 0; i < n - pad; i++)
		if (!base64_char(s[i]))
			return -EINVAL;
	if (EVP_DecodeBlock(out, (const unsigned char *)s, (int)n) < 0)
		return -EINVAL;
	*len = n / 4 * 3 - pad; /* EVP_DecodeBlock counts '=' as zeros */
	return 0;
}

int secret_webhook_key(const char *secret,
		       unsigned char key[SECRET_WEBHOOK_KEY_MAX],
		       size_t *ret_len)
{
	/* Room for the padding that base64 decodes as zero bytes. */
	unsigned char raw[SECRET_WEBHOOK_KEY_MAX + 3];
	size_t len = 0;
	int r = -EINVAL;

	if (strncmp(secret, "whsec_", 6) == 0)
		r = base64_decode_strict(secret + 6, raw, sizeof(raw), &len);
	if (r == 0 &&
	    (len < SECRET_WEBHOOK_KEY_MIN || len > SECRET_WEBHOOK_KEY_MAX))
		r = -EINVAL;
	if (r == 0) {
		memcpy(key, raw, len);
		*ret_len = len;
	}
	explicit_bzero(raw, sizeof(raw));
	return r;
}

int secret_webhook_check(const char *secret)
{
	unsigned char key[SECRET_WEBHOOK_KEY_MAX];
	size_t len;
	int r = secret_webhook_key(secret, key, &len);

	explicit_bzero(key, sizeof(key));
	return r;
}
