/*
 * fuzz-decode.c: the release decoder (decode.h) on hostile files:
 * corrupt gzip, bzip2, xz and zstd streams, zip and tar archives, and
 * plain text.
 *
 * The first input byte chooses: bits 0-1 the member glob (none, "*.csv",
 * "data/\*", "[a-m]*.t?t"), bits 2-3 the cap on decoded bytes (1 KiB,
 * 64 KiB, 1 MiB, 8 MiB).  The rest is written to a file in a per-process
 * temporary directory, which decode_open() reads.
 *
 * Oracles, from decode.h: the decoded bytes never pass the cap and add up
 * to decode_decoded_bytes(); an error comes with a sentence; the SHA-256
 * is the raw file's, computed here with OpenSSL, and decode_raw_bytes() is
 * then the file's size.  Every decoded byte is read (ASan checks the
 * chunks).
 */
#include <openssl/evp.h>

#include "fetch/decode.h"
#include "fuzz.h"

static const char *const members[] = {NULL, "*.csv", "data/*", "[a-m]*.t?t"};
static const uint64_t caps[] = {1024, 64 * 1024, 1024 * 1024, 8 * 1024 * 1024};

/* Where every decoded byte is added up, so that none is left unread. */
static volatile uint64_t decoded_sum;

static void sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	FUZZ_CHECK(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) == 1);
	FUZZ_CHECK(n == 32);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Reads d to its end or first error; returns that error or 0. */
static int read_all(struct decode *d, uint64_t cap)
{
	const char *chunk;
	uint64_t total = 0, sum = 0;
	size_t len, i;
	int r;

	for (;;) {
		chunk = NULL;
		len = 0;
		r = decode_read(d, &chunk, &len);
		if (r < 0) {
			FUZZ_CHECK(r == -EBADMSG || r == -EFBIG || r == -EIO);
			FUZZ_CHECK(decode_error(d)[0] != '\0');
			/* The error sticks. */
			FUZZ_CHECK(decode_read(d, &chunk, &len) < 0);
			break;
		}
		if (len == 0)
			break;
		FUZZ_CHECK(chunk != NULL);
		for (i = 0; i < len; i++)
			sum += (unsigned char)chunk[i];
		total += len;
		FUZZ_CHECK(total <= cap);
	}
	FUZZ_CHECK(decode_decoded_bytes(d) == total);
	FUZZ_CHECK(decode_kind(d) != NULL);
	decoded_sum += sum;
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[PATH_MAX];
	struct decode *d = NULL;
	char got[65], want[65];
	uint64_t cap;
	int r;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	if (!path[0])
		snprintf(path, sizeof(path), "%s/release", fuzz_tmpdir());
	cap = caps[(data[0] >> 2) & 3];
	fuzz_write(path, data + 1, size - 1, 0600);
	r = decode_open(path, members[data[0] & 3], cap, &d);
	FUZZ_CHECK(r == 0 && d != NULL);
	(void)read_all(d, cap);
	r = decode_sha256(d, got);
	FUZZ_CHECK(r == 0);
	sha256_hex(data + 1, size - 1, want);
	FUZZ_CHECK(strcmp(got, want) == 0);
	FUZZ_CHECK(decode_raw_bytes(d) == size - 1);
	FUZZ_CHECK(decode_close(d) == NULL);
	return 0;
}
