/* test-decode.c: every supported packaging decodes to the same bytes, the
 * SHA-256 is of the file as published, and broken or oversized input
 * fails with a reason. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <openssl/evp.h>
#include <zstd.h>

#include "archiveutil.h"
#include "fetch/decode.h"
#include "lib/macro.h"
#include "test.h"
#include "testutil.h"

static const char manifest[] = "2999358212\t30302697@N00\n53012345678\tx\n";

static void sha256_of(const char *path, char hex[65])
{
	unsigned char md[32], data[4096];
	unsigned n = 0, i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t got;

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while ((got = fread(data, 1, sizeof(data), f)) > 0)
		EVP_DigestUpdate(c, data, got);
	EVP_DigestFinal_ex(c, md, &n);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(c);
	fclose(f);
}

/* Decodes path whole into a new buffer (*len bytes); returns
 * decode_read()'s last result, the hash in hex (when it ran to the end),
 * what it is in kind, the reason in why. */
static int decode_whole(const char *path, const char *member, uint64_t cap,
			unsigned char **ret, size_t *len, char hex[65],
			char kind[128], char why[256])
{
	struct decode *d = NULL;
	const char *data;
	size_t n, room = 1 << 20;
	int r;

	*ret = malloc(room);
	*len = 0;
	hex[0] = '\0';
	r = decode_open(path, member, cap, &d);
	if (r < 0)
		return r;
	while ((r = decode_read(d, &data, &n)) == 0 && n > 0) {
		if (*len + n > room) {
			room = 2 * (*len + n);
			*ret = realloc(*ret, room);
		}
		memcpy(*ret + *len, data, n);
		*len += n;
	}
	snprintf(why, 256, "%s", decode_error(d));
	if (r == 0)
		r = decode_sha256(d, hex);
	snprintf(kind, 128, "%s", decode_kind(d));
	decode_close(d);
	return r;
}

/* decode_whole() into out (size bytes, NUL-terminated). */
static int decode_all(const char *path, const char *member, uint64_t cap,
		      char *out, size_t size, char hex[65], char *kind,
		      char *why)
{
	unsigned char *data;
	size_t len;
	int r = decode_whole(path, member, cap, &data, &len, hex, kind, why);

	len = MIN(len, size - 1);
	memcpy(out, data, len);
	out[len] = '\0';
	free(data);
	return r;
}

TEST(every_packaging_decodes)
{
	static const struct {
		const char *name;
		int filter, format;
		const char *kind;
	} cases[] = {
		{"plain", -1, -1, "plain"},
		{"gz", ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_RAW, "gzip, plain"},
		{"bz2", ARCHIVE_FILTER_BZIP2, ARCHIVE_FORMAT_RAW,
		 "bzip2, plain"},
		{"xz", ARCHIVE_FILTER_XZ, ARCHIVE_FORMAT_RAW, "xz, plain"},
		{"zst", ARCHIVE_FILTER_ZSTD, ARCHIVE_FORMAT_RAW, "zstd, plain"},
		{"tar", -1, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, "tar"},
		{"tgz", ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_TAR_USTAR,
		 "gzip, "},
		{"zip", -1, ARCHIVE_FORMAT_ZIP, "ZIP"},
	};
	static const char *const members[] = {"data/manifest.tsv"};
	const char *dir = test_tmpdir();
	char path[512], out[256], hex[65] = "", want[65], kind[128], why[256];
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++) {
		snprintf(path, sizeof(path), "%s/m.%s", dir, cases[i].name);
		if (cases[i].format < 0)
			test_write(dir, "m.plain", manifest, 0644);
		else
			test_archive_write(path, cases[i].filter,
					   cases[i].format, members, 1,
					   manifest, strlen(manifest));
		CHECK_INT(decode_all(path, NULL, 1 << 20, out, sizeof(out), hex,
				     kind, why),
			  0);
		CHECK_STR(out, manifest);
		sha256_of(path, want);
		CHECK_STR(hex, want);
		if (!strstr(kind, cases[i].kind))
			TEST_FAIL("%s: kind '%s' lacks '%s'", cases[i].name,
				  kind, cases[i].kind);
	}
	test_rmtree(dir);
}

TEST(member_is_chosen_by_glob)
{
	static const char *const members[] = {"README", "annotations/a.json",
					      "annotations/b.json"};
	const char *dir = test_tmpdir();
	char path[512], out[256], hex[65], kind[128], why[256];

	snprintf(path, sizeof(path), "%s/a.tar", dir);
	test_archive_write(path, -1, ARCHIVE_FORMAT_TAR_USTAR, members, 3,
			   manifest, strlen(manifest));
	CHECK_INT(decode_all(path, "annotations/b*", 1 << 20, out, sizeof(out),
			     hex, kind, why),
		  0);
	CHECK(strstr(kind, "annotations/b.json") != NULL);
	CHECK_INT(decode_all(path, "*.csv", 1 << 20, out, sizeof(out), hex,
			     kind, why),
		  -EBADMSG);
	CHECK_STR(why, "no member matching '*.csv' in the archive");
	test_rmtree(dir);
}

TEST(bomb_hits_the_cap)
{
	const char *dir = test_tmpdir();
	size_t big = 8u << 20;
	char *data = malloc(big), path[512], out[64], hex[65], kind[128],
	     why[256];

	/* Not data: 1 KiB of data reads as an empty tar archive. */
	memset(data, 'a', big);
	snprintf(path, sizeof(path), "%s/bomb.gz", dir);
	test_archive_write(path, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_RAW,
			   (const char *const[]){"x"}, 1, data, big);
	CHECK_INT(decode_all(path, NULL, 1 << 20, out, sizeof(out), hex, kind,
			     why),
		  -EFBIG);
	if (!strstr(why, "exceeds the cap of 1048576 bytes"))
		TEST_FAIL("why: %s", why);
	free(data);
	test_rmtree(dir);
}

TEST(truncated_and_corrupt_compressed_data)
{
	const char *dir = test_tmpdir();
	char path[512], out[64], hex[65], kind[128], why[256];
	char *data = malloc(1 << 16);
	FILE *f;
	long n;

	for (int i = 0; i < (1 << 16); i++)
		data[i] = (char)('a' + (i * 7919) % 26);
	snprintf(path, sizeof(path), "%s/t.gz", dir);
	test_archive_write(path, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_RAW,
			   (const char *const[]){"x"}, 1, data, 1 << 16);
	f = fopen(path, "r+b");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	CHECK(ftruncate(fileno(f), n / 2) == 0);
	fclose(f);
	CHECK_INT(decode_all(path, NULL, 1 << 20, out, sizeof(out), hex, kind,
			     why),
		  -EBADMSG);
	CHECK(why[0] != '\0');

	/* Flip bytes in the middle of the deflate stream. */
	test_archive_write(path, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_RAW,
			   (const char *const[]){"x"}, 1, data, 1 << 16);
	f = fopen(path, "r+b");
	fseek(f, 40, SEEK_SET);
	fwrite("\xff\xff\xff\xff\xff\xff\xff\xff", 1, 8, f);
	fclose(f);
	CHECK_INT(decode_all(path, NULL, 1 << 20, out, sizeof(out), hex, kind,
			     why),
		  -EBADMSG);
	CHECK_INT(decode_all("/nonexistent", NULL, 1 << 20, out, sizeof(out),
			     hex, kind, why),
		  -ENOENT);
	free(data);
	test_rmtree(dir);
}

TEST(large_file_hash_spans_many_blocks)
{
	const char *dir = test_tmpdir();
	size_t big = (5u << 20) + 12345, i;
	char *data = malloc(big + 1), *out = malloc(big + 1), hex[65], want[65],
	     kind[128], why[256];

	for (i = 0; i < big; i++)
		data[i] = (char)('a' + i % 23);
	data[big] = '\0';
	test_write(dir, "big", data, 0644);
	char path[512];
	snprintf(path, sizeof(path), "%s/big", dir);
	CHECK_INT(decode_all(path, NULL, 1ULL << 30, out, big + 1, hex, kind,
			     why),
		  0);
	CHECK(memcmp(out, data, big) == 0);
	sha256_of(path, want);
	CHECK_STR(hex, want);
	free(data);
	free(out);
	test_rmtree(dir);
}

/* Reads path whole into a new buffer; *len its size. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = malloc(1 << 20);

	*len = f ? fread(b, 1, 1 << 20, f) : 0;
	if (f)
		fclose(f);
	return b;
}

static void spill(const char *path, const unsigned char *b, size_t len)
{
	FILE *f = fopen(path, "wb");

	fwrite(b, 1, len, f);
	fclose(f);
}

TEST(gzip_trailer_is_checked)
{
	const char *dir = test_tmpdir();
	const char *const one[] = {"m"};
	char path[512], both[512], out[4096], hex[65], kind[128], why[256];
	unsigned char *gz, *two;
	size_t len;

	snprintf(path, sizeof(path), "%s/m.gz", dir);
	test_archive_write(path, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_RAW, one,
			   1, manifest, strlen(manifest));
	gz = slurp(path, &len);
	CHECK(len > 18);

	/* Two members, as `cat a.gz b.gz` makes: fine, both decoded. */
	snprintf(both, sizeof(both), "%s/two.gz", dir);
	two = malloc(2 * len);
	memcpy(two, gz, len);
	memcpy(two + len, gz, len);
	spill(both, two, 2 * len);
	CHECK_INT(decode_all(both, NULL, UINT64_MAX, out, sizeof(out), hex,
			     kind, why),
		  0);
	CHECK_INT(strlen(out), 2 * strlen(manifest));

	/* A wrong CRC-32 in the trailer: corrupt. */
	gz[len - 8] ^= 0x55;
	spill(path, gz, len);
	CHECK_INT(decode_all(path, NULL, UINT64_MAX, out, sizeof(out), hex,
			     kind, why),
		  -EBADMSG);
	CHECK(strstr(why, "the gzip file is corrupt") != NULL);
	/* A wrong length likewise. */
	gz[len - 8] ^= 0x55;
	gz[len - 4] ^= 0x01;
	spill(path, gz, len);
	CHECK_INT(decode_all(path, NULL, UINT64_MAX, out, sizeof(out), hex,
			     kind, why),
		  -EBADMSG);
	free(gz);
	free(two);
	test_rmtree(dir);
}

/* Writes mib MiB of newlines into path, through filter, a chunk at a
 * time: a decompression bomb of a few kilobytes.  (Not zero bytes: those
 * read as the end of an empty tar archive.) */
static void write_blank_lines(const char *path, int filter, size_t mib)
{
	static char chunk[1 << 20];
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t i;

	memset(chunk, '\n', sizeof(chunk));
	archive_write_add_filter(a, filter);
	archive_write_set_format(a, ARCHIVE_FORMAT_RAW);
	CHECK_INT(archive_write_open_filename(a, path), ARCHIVE_OK);
	archive_entry_set_pathname(e, "lines");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)(mib << 20));
	archive_write_header(a, e);
	for (i = 0; i < mib; i++)
		CHECK_INT(archive_write_data(a, chunk, sizeof(chunk)),
			  (la_ssize_t)sizeof(chunk));
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
}

/* Decodes path to its end (or an error) with the expansion capped at
 * ratio:1; returns decode_read()'s last result, the decoded bytes in
 * *ret_decoded and the reason in why. */
static int decode_expanding(const char *path, uint64_t ratio,
			    uint64_t *ret_decoded, char why[512])
{
	struct decode *d = NULL;
	const char *data;
	size_t len;
	int r;

	r = decode_open(path, NULL, UINT64_MAX, &d);
	if (r < 0)
		return r;
	decode_limit_expansion(d, ratio);
	do
		r = decode_read(d, &data, &len);
	while (r == 0 && len > 0);
	*ret_decoded = decode_decoded_bytes(d);
	snprintf(why, 512, "%s", decode_error(d));
	decode_close(d);
	return r;
}

TEST(bomb_stops_at_the_expansion_ratio)
{
	const char *dir = test_tmpdir();
	char path[512], why[512];
	uint64_t decoded = 0;

	/* 256 MiB of newlines in a few kilobytes of zstd: far more than
	 * 1000:1, so decoding stops at the floor, long before the end. */
	snprintf(path, sizeof(path), "%s/lines.zst", dir);
	write_blank_lines(path, ARCHIVE_FILTER_ZSTD, 256);
	CHECK_INT(decode_expanding(path, 1000, &decoded, why), -EFBIG);
	CHECK(decoded <= DECODE_EXPANSION_FLOOR);
	CHECK(decoded > DECODE_EXPANSION_FLOOR / 2);
	if (!strstr(why, "expands more than 1000:1") || !strstr(why, path) ||
	    !strstr(why, "zstd"))
		TEST_FAIL("why: %s", why);
	/* Without the ratio the same file decodes to its end. */
	CHECK_INT(decode_expanding(path, 0, &decoded, why), 0);
	CHECK_U64(decoded, 256ULL << 20);
	test_rmtree(dir);
}

TEST(small_files_expand_up_to_the_floor)
{
	const char *dir = test_tmpdir();
	char path[512], why[512];
	uint64_t decoded = 0;

	/* 48 MiB from a few kilobytes: beyond 1000:1, within the floor. */
	snprintf(path, sizeof(path), "%s/lines.xz", dir);
	write_blank_lines(path, ARCHIVE_FILTER_XZ, 48);
	CHECK_INT(decode_expanding(path, 1000, &decoded, why), 0);
	CHECK_U64(decoded, 48ULL << 20);
	CHECK_STR(why, "");
	test_rmtree(dir);
}

/* n bytes that compress little (a linear congruence's high bytes) and
 * differ with seed. */
static unsigned char *noise(size_t n, uint32_t seed)
{
	unsigned char *b = malloc(n);
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (unsigned char)(seed >> 24);
	}
	return b;
}

/* One zstd frame of src (n bytes) at dst, with its checksum as the zstd
 * tool writes it; returns its size. */
static size_t zstd_frame(void *dst, size_t cap, const void *src, size_t n,
			 int level)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t len;

	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	len = ZSTD_compress2(c, dst, cap, src, n);
	ZSTD_freeCCtx(c);
	CHECK(!ZSTD_isError(len));
	return ZSTD_isError(len) ? 0 : len;
}

/* A plain zstd file is decoded by libzstd from its first byte, however
 * many raw blocks libarchive's detection read: large files of one frame
 * and of several (as `cat a.zst b.zst` makes), compressed and not,
 * decode to their bytes and hash as published; cut short or damaged
 * anywhere, they fail with a reason and never with wrong data. */
TEST(plain_zstd_decodes_across_blocks_and_frames)
{
	const char *dir = test_tmpdir();
	size_t big = (9u << 20) + 4321, small = 3000, zlen, zcap, got, cut;
	unsigned char *data = noise(big, 7), *z, *out;
	char path[512], hex[65], want[65], kind[128], why[256];
	size_t a;

	/* Frames: the noise (9 MiB, more raw blocks than the ring holds),
	 * then repeated text, then a small one. */
	zcap = 2 * ZSTD_compressBound(big) + ZSTD_compressBound(small) + 16;
	z = malloc(zcap);
	a = zstd_frame(z, zcap, data, big, 3);
	memset(data, 'x', big);
	a += zstd_frame(z + a, zcap - a, data, big, 3);
	free(data);
	data = noise(big, 7);
	zlen = a + zstd_frame(z + a, zcap - a, data, small, 1);

	snprintf(path, sizeof(path), "%s/three.zst", dir);
	spill(path, z, zlen);
	CHECK_INT(decode_whole(path, NULL, UINT64_MAX, &out, &got, hex, kind,
			       why),
		  0);
	CHECK_U64(got, 2 * big + small);
	CHECK(memcmp(out, data, big) == 0);
	CHECK(out[big] == 'x' && out[2 * big - 1] == 'x');
	CHECK(memcmp(out + 2 * big, data, small) == 0);
	sha256_of(path, want);
	CHECK_STR(hex, want);
	free(out);

	/* Cut inside the first frame, inside the last, one byte short. */
	for (cut = 0; cut < 3; cut++) {
		size_t len = cut == 0	? zlen / 5
			     : cut == 1 ? zlen - 100
					: zlen - 1;

		spill(path, z, len);
		CHECK_INT(decode_whole(path, NULL, UINT64_MAX, &out, &got, hex,
				       kind, why),
			  -EBADMSG);
		if (!strstr(why, "corrupt or truncated data"))
			TEST_FAIL("cut at %zu: why '%s'", len, why);
		free(out);
	}
	CHECK(strstr(why, "ends inside a zstd frame") != NULL);

	/* Bytes after the last frame that are not one. */
	memcpy(z + zlen, "not zstd at all!", 16);
	spill(path, z, zlen + 16);
	CHECK_INT(decode_whole(path, NULL, UINT64_MAX, &out, &got, hex, kind,
			       why),
		  -EBADMSG);
	CHECK(strstr(why, "corrupt or truncated data") != NULL);
	free(out);
	/* Damage in the middle of the noise's frame: its checksum tells. */
	memcpy(z + zlen / 7, "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", 8);
	spill(path, z, zlen);
	CHECK_INT(decode_whole(path, NULL, UINT64_MAX, &out, &got, hex, kind,
			       why),
		  -EBADMSG);
	CHECK(strstr(why, "corrupt or truncated data") != NULL);
	free(out);
	free(z);
	free(data);
	test_rmtree(dir);
}

/* A tar archive in zstd is still an archive: its member is read. */
TEST(zstd_tar_is_read_as_an_archive)
{
	static const char *const members[] = {"data/manifest.tsv"};
	const char *dir = test_tmpdir();
	char path[512], out[256], hex[65], kind[128], why[256];

	snprintf(path, sizeof(path), "%s/m.tar.zst", dir);
	test_archive_write(path, ARCHIVE_FILTER_ZSTD, ARCHIVE_FORMAT_TAR_USTAR,
			   members, 1, manifest, strlen(manifest));
	CHECK_INT(decode_all(path, NULL, 1 << 20, out, sizeof(out), hex, kind,
			     why),
		  0);
	CHECK_STR(out, manifest);
	CHECK(strstr(kind, "data/manifest.tsv") != NULL);
	test_rmtree(dir);
}
