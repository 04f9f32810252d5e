/*
 * test-excerpt.c: records read back verbatim from a release file by offset
 * and length: across the decoder's chunk boundaries, out of order, from a
 * gzip file and a zip member, past the end, and a missing file.
 */
#include <errno.h>
#include <stdlib.h>

#include "archiveutil.h"
#include "fetch/excerpt.h"
#include "lib/macro.h"
#include "test.h"
#include "testutil.h"

/* A manifest of 20,000 numbered lines of varying length (~1 MB): records
 * land on every kind of chunk boundary. */
static char *manifest(size_t *len, uint64_t offsets[], size_t n_lines)
{
	size_t cap = 64 * n_lines, at = 0, i;
	char *m = malloc(cap);

	for (i = 0; i < n_lines; i++) {
		offsets[i] = at;
		at += (size_t)snprintf(m + at, cap - at, "%zu\trecord %.*s\n",
				       i + 1, (int)(i % 37),
				       "abcdefghijklmnopqrstuvwxyz0123456789");
	}
	offsets[n_lines] = at;
	*len = at;
	return m;
}

#define N_LINES 20000

static void check_lines(const char *path, const char *member, const char *m,
			const uint64_t *off)
{
	static const size_t pick[] = {19999, 0, 1234, 7000, 7001, 15000, 3};
	struct excerpt want[ELEMENTSOF(pick)];
	char err[256] = "";
	size_t i;

	for (i = 0; i < ELEMENTSOF(pick); i++)
		want[i] = (struct excerpt){off[pick[i]],
					   off[pick[i] + 1] - off[pick[i]],
					   pick[i], NULL};
	CHECK_INT(excerpt_read(path, member, UINT64_MAX, want, ELEMENTSOF(want),
			       err, sizeof(err)),
		  0);
	for (i = 0; i < ELEMENTSOF(want); i++) {
		size_t line = want[i].tag;

		CHECK(want[i].text != NULL);
		if (want[i].text)
			CHECK(memcmp(want[i].text, m + off[line],
				     off[line + 1] - off[line]) == 0);
		if (i)
			CHECK(want[i - 1].offset <= want[i].offset);
		free(want[i].text);
	}
}

TEST(plain_gzip_and_zip_member)
{
	static uint64_t off[N_LINES + 1];
	const char *dir = test_tmpdir();
	const char *const members[] = {"faces.tsv"};
	char plain[512], gz[512], zip[512];
	size_t len;
	char *m = manifest(&len, off, N_LINES);
	FILE *f;

	snprintf(plain, sizeof(plain), "%s/plain", dir);
	snprintf(gz, sizeof(gz), "%s/m.gz", dir);
	snprintf(zip, sizeof(zip), "%s/m.zip", dir);
	f = fopen(plain, "w");
	fwrite(m, 1, len, f);
	fclose(f);
	test_archive_write(gz, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_RAW, members,
			   1, m, len);
	test_archive_write(zip, -1, ARCHIVE_FORMAT_ZIP, members, 1, m, len);
	check_lines(plain, NULL, m, off);
	check_lines(gz, NULL, m, off);
	check_lines(zip, "*.tsv", m, off);
	free(m);
	test_rmtree(dir);
}

TEST(past_the_end_missing_file_and_overlong)
{
	const char *dir = test_tmpdir();
	const char *path = test_write(dir, "m", "one\ntwo\n", 0644);
	struct excerpt want[] = {
		{4, 4, 0, NULL},  /* "two\n" */
		{6, 10, 1, NULL}, /* runs past the end */
	};
	char err[256] = "";

	CHECK_INT(
		excerpt_read(path, NULL, UINT64_MAX, want, 2, err, sizeof(err)),
		0);
	CHECK_STR(want[0].text, "two\n");
	CHECK(want[1].text == NULL);
	free(want[0].text);

	want[0] = (struct excerpt){0, EXCERPT_MAX_LENGTH + 1, 0, NULL};
	CHECK_INT(
		excerpt_read(path, NULL, UINT64_MAX, want, 1, err, sizeof(err)),
		-EFBIG);
	CHECK(want[0].text == NULL);

	want[0] = (struct excerpt){0, 3, 0, NULL};
	CHECK_INT(excerpt_read("/nonexistent/file", NULL, UINT64_MAX, want, 1,
			       err, sizeof(err)),
		  -ENOENT);
	CHECK(strstr(err, "/nonexistent/file") != NULL);
	CHECK(want[0].text == NULL);
	test_rmtree(dir);
}
