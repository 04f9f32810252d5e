/* test-keyset.c: the key-set file reads back what was written, streams it
 * in order, and reads as stale when it is of another release, cut short,
 * or claims more items than it holds. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "index/keyset.h"
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

TEST(damaged_files_are_stale)
{
	char path[4096];
	struct keyset_stream *s;
	struct diff_item *v = NULL;
	size_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/keys-1.bin", test_tmpdir());
	write_set(path, 1, 3);
	/* One item short. */
	CHECK_INT(truncate(path, 24 + 2 * sizeof(struct diff_item)), 0);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
	CHECK_INT(keyset_stream_open(path, 1, &s), -ESTALE);
	/* A count whose size in bytes wraps 64 bits: 2^60 + 1 items claimed,
	 * one held. */
	CHECK_INT(truncate(path, 24 + sizeof(struct diff_item)), 0);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0);
	CHECK_INT(pwrite(fd, "\x01\0\0\0\0\0\0\x10", 8, 16), 8);
	close(fd);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
	/* Shorter than the header. */
	CHECK_INT(truncate(path, 10), 0);
	CHECK_INT(keyset_read(path, 1, &v, &n), -ESTALE);
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
