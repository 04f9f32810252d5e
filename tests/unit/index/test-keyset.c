/* test-keyset.c: the key-set file reads back what was written, streams it
 * in order, takes a few bytes an item, and reads as stale when it is of
 * another release or layout, cut short, claims more items than it holds,
 * or holds items that do not decode. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/keyset.h"
#include "lib/macro.h"
#include "test.h"
#include "testutil.h"

static void write_set(const char *path, int64_t release, size_t n)
{
	struct keyset_writer *w;
	struct diff_item it;
	size_t i;

	CHECK_INT(keyset_writer_open(path, release, n, &w), 0);
	for (i = 0; i < n; i++) {
		it = (struct diff_item){.key = 10 * i, .id = i | DIFF_PRESENT};
		keyset_writer_add(w, &it);
	}
	CHECK_INT(keyset_writer_commit(w), 0);
}

TEST(reads_back_what_was_written)
{
	char path[4096], tmp[4200];
	struct diff_item *v = NULL;
	size_t n = 0, i;

	snprintf(path, sizeof(path), "%s/keys-1.bin", test_tmpdir());
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	write_set(path, 7, 5000);
	CHECK_INT(access(tmp, F_OK), -1);
	CHECK_INT(keyset_read(path, 7, &v, &n), 0);
	CHECK_U64(n, 5000);
	for (i = 0; i < n; i++) {
		CHECK_U64(v[i].key, 10 * i);
		CHECK_U64(v[i].id, i | DIFF_PRESENT);
	}
	free(v);
	CHECK_INT(keyset_read(path, 8, &v, &n), -ESTALE);
}

TEST(streams_across_blocks)
{
	char path[4096];
	struct keyset_stream *s;
	const struct diff_item *it;
	size_t i;

	snprintf(path, sizeof(path), "%s/keys-1.bin", test_tmpdir());
	write_set(path, 1, 9000);
	CHECK_INT(keyset_stream_open(path, 2, &s), -ESTALE);
	CHECK_INT(keyset_stream_open(path, 1, &s), 0);
	CHECK_INT(keyset_stream_count(s), 9000);
	{
		uint64_t min = 1, max = 0;

		CHECK_INT(keyset_stream_bounds(s, &min, &max), 0);
		CHECK_U64(min, 0);
		CHECK_U64(max, 89990);
	}
	for (i = 0; i < 9000; i++) {
		it = keyset_stream_at(s, i);
		CHECK(it != NULL);
		if (!it)
			break;
		CHECK_U64(it->key, 10 * i);
		/* Asking again for the same item gives it again. */
		CHECK_U64(keyset_stream_at(s, i)->key, 10 * i);
	}
	CHECK(keyset_stream_at(s, 9000) == NULL);
	keyset_stream_free(s);
}

/* Overwrites len bytes at off of the file at path. */
static void poke(const char *path, off_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY);

	CHECK(fd >= 0);
	CHECK_INT(pwrite(fd, data, len, off), (ssize_t)len);
	close(fd);
}

/* Every item of the file at path, streamed: how many came before a
 * NULL. */
static size_t streamed(const char *path, int64_t release)
{
	struct keyset_stream *s;
	size_t i = 0;

	if (keyset_stream_open(path, release, &s) < 0)
		return 0;
	while (keyset_stream_at(s, i))
		i++;
	keyset_stream_free(s);
	return i;
}

TEST(damaged_files_are_stale)
{
	char path[4096];
	struct diff_item *v = NULL;
	struct keyset_stream *s;
	size_t n = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s/keys-1.bin", test_tmpdir());
	write_set(path, 1, 3);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(streamed(path, 1), 3);
	/* One byte short. */
	CHECK_INT(truncate(path, st.st_size - 1), 0);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
	CHECK_INT(keyset_stream_open(path, 1, &s), -ESTALE);
	/* A count the bytes cannot hold: 2^60 + 1 items. */
	write_set(path, 1, 3);
	poke(path, 16, "\x01\0\0\0\0\0\0\x10", 8);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
	CHECK_INT(keyset_stream_open(path, 1, &s), -ESTALE);
	/* An item whose key does not grow (the second key's difference
	 * made 0): the header is whole, the items are not. */
	write_set(path, 1, 3);
	poke(path, 48 + 2, "\0", 1);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
	CHECK_INT(streamed(path, 1), 1);
	/* A number that does not end: every byte's high bit set. */
	write_set(path, 1, 3);
	poke(path, 48 + 2, "\xff\xff\xff\xff", 4);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
	CHECK(streamed(path, 1) < 3);
	/* The last key not the one the header names. */
	write_set(path, 1, 3);
	poke(path, 32, "\x15\0\0\0\0\0\0\0", 8);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
	CHECK_INT(streamed(path, 1), 2);
	/* The first layout's magic on the second's bytes. */
	poke(path, 0, "SWKEYS01", 8);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
	/* Shorter than the header. */
	CHECK_INT(truncate(path, 10), 0);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
}

TEST(items_take_a_few_bytes_and_any_ids_come_back)
{
	static const struct diff_item items[] = {
		{0, 5 | DIFF_PRESENT},
		{1, 6},
		{2, 1 | DIFF_PRESENT}, /* an id below the previous one */
		{1000, (1ULL << 61) | DIFF_PRESENT},
		{1001, 0},
		{UINT64_MAX, 7},
	};
	enum { N = 100000 };
	char path[4096];
	struct keyset_writer *w;
	struct diff_item *v = NULL, it;
	struct stat st;
	size_t n = 0, i, bad = 0;

	snprintf(path, sizeof(path), "%s/keys-1.bin", test_tmpdir());
	CHECK_INT(keyset_writer_open(path, 3, ELEMENTSOF(items), &w), 0);
	for (i = 0; i < ELEMENTSOF(items); i++)
		keyset_writer_add(w, &items[i]);
	CHECK_INT(keyset_writer_commit(w), 0);
	CHECK_INT(keyset_read(path, 3, &v, &n), 0);
	CHECK_INT(n, ELEMENTSOF(items));
	for (i = 0; i < n; i++)
		bad += v[i].key != items[i].key || v[i].id != items[i].id;
	CHECK_INT(bad, 0);
	free(v);

	/* Photo ids a few apart, row ids in the same order: about 2 bytes
	 * an item. */
	CHECK_INT(keyset_writer_open(path, 4, N, &w), 0);
	for (i = 0; i < N; i++) {
		it = (struct diff_item){1000000 + 37 * i,
					(100 + i) | DIFF_PRESENT};
		keyset_writer_add(w, &it);
	}
	CHECK_INT(keyset_writer_commit(w), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK(st.st_size <= 48 + 2 * N + 8);
	CHECK_INT(streamed(path, 4), N);

	/* Keys out of order are refused: nothing replaces the file. */
	CHECK_INT(keyset_writer_open(path, 5, 2, &w), 0);
	keyset_writer_add(w, &items[1]);
	keyset_writer_add(w, &items[0]);
	CHECK_INT(keyset_writer_commit(w), -EINVAL);
	CHECK_INT(streamed(path, 4), N);
	/* As is a count that is not the items'. */
	CHECK_INT(keyset_writer_open(path, 5, 3, &w), 0);
	keyset_writer_add(w, &items[0]);
	CHECK_INT(keyset_writer_commit(w), -EINVAL);
	CHECK_INT(streamed(path, 4), N);
}

TEST(the_first_layout_reads_as_well)
{
	struct diff_item items[3] = {{4, 1 | DIFF_PRESENT}, {9, 2}, {12, 3}};
	char path[4096], head[24];
	struct diff_item *v = NULL;
	struct keyset_stream *s;
	uint64_t min, max;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/keys-1.bin", test_tmpdir());
	memcpy(head, "SWKEYS01", 8);
	unaligned_write_u64(head + 8, 6);
	unaligned_write_u64(head + 16, 3);
	f = fopen(path, "w");
	fwrite(head, 1, sizeof(head), f);
	fwrite(items, sizeof(items[0]), 3, f);
	fclose(f);
	CHECK_INT(keyset_read(path, 6, &v, &n), 0);
	CHECK_INT(n, 3);
	CHECK_U64(v[2].key, 12);
	CHECK_U64(v[0].id, 1 | DIFF_PRESENT);
	free(v);
	CHECK_INT(keyset_stream_open(path, 6, &s), 0);
	CHECK_INT(keyset_stream_bounds(s, &min, &max), 0);
	CHECK_U64(min, 4);
	CHECK_U64(max, 12);
	keyset_stream_free(s);
	CHECK_INT(streamed(path, 6), 3);
	CHECK_INT(keyset_read(path, 7, &v, &n), -ESTALE);
	/* Cut inside an item. */
	CHECK_INT(truncate(path, 24 + 40), 0);
	CHECK_INT(keyset_read(path, 6, &v, &n), -ESTALE);
}

TEST(aborted_write_leaves_the_old_file)
{
	char path[4096];
	struct keyset_writer *w;
	struct diff_item *v = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/keys-1.bin", test_tmpdir());
	write_set(path, 1, 3);
	CHECK_INT(keyset_writer_open(path, 2, 1, &w), 0);
	keyset_writer_abort(w);
	CHECK_INT(keyset_read(path, 1, &v, &n), 0);
	CHECK_U64(n, 3);
	free(v);
}
