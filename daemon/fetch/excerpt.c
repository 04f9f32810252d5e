/*
 * excerpt.c: records verbatim out of a kept release file (excerpt.h).
 *
 * The decoded stream is walked chunk by chunk; each wanted range collects
 * the part of each chunk it overlaps.  want is sorted by offset, so the
 * first unfinished range only moves forward and the walk stops after the
 * last one.
 */
#include "fetch/excerpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fetch/decode.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

static int by_offset(const void *a, const void *b)
{
	const struct excerpt *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Copies what [pos, pos + len) holds of each range from *first on. */
static void collect(struct excerpt *want, size_t n, size_t *first, uint64_t pos,
		    const char *data, size_t len, uint64_t *filled)
{
	uint64_t end = pos + len;
	size_t i;

	for (i = *first; i < n && want[i].offset < end; i++) {
		struct excerpt *w = &want[i];
		uint64_t from = MAX(w->offset, pos);
		uint64_t to = MIN(w->offset + w->length, end);

		if (from < to)
			memcpy(w->text + (from - w->offset),
			       data + (from - pos), to - from);
		if (w->offset + w->length <= end)
			filled[i] = 1;
	}
	while (*first < n && filled[*first])
		(*first)++;
}

static int walk(struct decode *dec, struct excerpt *want, size_t n,
		uint64_t *filled)
{
	uint64_t pos = 0;
	size_t first = 0;
	const char *data;
	size_t len;
	int r;

	while (first < n) {
		r = decode_read(dec, &data, &len);
		if (r < 0)
			return r;
		if (len == 0)
			break;
		collect(want, n, &first, pos, data, len, filled);
		pos += len;
	}
	/* A range the manifest ended inside of stays unfilled. */
	return 0;
}

int excerpt_read(const char *path, const char *member, uint64_t max_decoded,
		 struct excerpt *want, size_t n, char *err, size_t errsize)
{
	struct decode *dec = NULL;
	uint64_t *filled;
	size_t i;
	int r;

	qsort(want, n, sizeof(*want), by_offset);
	for (i = 0; i < n; i++) {
		want[i].text = NULL;
		if (want[i].length > EXCERPT_MAX_LENGTH) {
			snprintf(err, errsize,
				 "a record of %llu bytes is longer than %u",
				 (unsigned long long)want[i].length,
				 EXCERPT_MAX_LENGTH);
			return -EFBIG;
		}
	}
	r = decode_open(path, member, max_decoded, &dec);
	if (r < 0) {
		snprintf(err, errsize, "cannot open '%s': %s", path,
			 strerror(-r));
		return r;
	}
	filled = xcalloc(n ? n : 1, sizeof(*filled));
	for (i = 0; i < n; i++)
		want[i].text = xmalloc(want[i].length + 1);
	r = walk(dec, want, n, filled);
	if (r < 0)
		snprintf(err, errsize, "cannot decode '%s': %s", path,
			 decode_error(dec));
	for (i = 0; i < n; i++) {
		if (r == 0 && filled[i]) {
			want[i].text[want[i].length] = '\0';
			continue;
		}
		free(want[i].text);
		want[i].text = NULL;
	}
	free(filled);
	decode_close(dec);
	return r;
}

/* The SHA-256 of what fd reads, in hex.  Returns 0 or -errno. */
static int file_sha256(int fd, char hex[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	char *chunk = xmalloc(1 << 20);
	unsigned i, len = 0;
	ssize_t n;
	int r = 0;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		abort();
	while ((n = read(fd, chunk, 1 << 20)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		EVP_DigestUpdate(ctx, chunk, (size_t)n);
	}
	if (r == 0 && EVP_DigestFinal_ex(ctx, md, &len))
		for (i = 0; i < len && i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
	free(chunk);
	return r;
}

int excerpt_verify(const char *path, const char *sha256, char *err,
		   size_t errsize)
{
	char hex[65] = "";
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errsize, "cannot open '%s': %s", path,
			 strerror(-r));
		return r;
	}
	r = file_sha256(fd, hex);
	close(fd);
	if (r < 0) {
		snprintf(err, errsize, "cannot read '%s': %s", path,
			 strerror(-r));
		return r;
	}
	if (strcmp(hex, sha256) != 0) {
		snprintf(err, errsize,
			 "the kept file '%s' has changed since it was "
			 "ingested: its SHA-256 is %s, the release's %s",
			 path, hex, sha256);
		return -EBADMSG;
	}
	return 0;
}
