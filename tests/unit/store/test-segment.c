/* test-segment.c: an entry segment reads back what was written, finds
 * keys, photos and owners, and a damaged file reads as an error, never
 * as a wild read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_segment.h"
#include "test.h"
#include "testutil.h"

/* Three entries, keys rising; photo 7 twice; owner 2 twice. */
static const struct segment_entry rows[] = {
	{.key = 10,
	 .photo_id = 7,
	 .owner_id = 2,
	 .line = 2,
	 .offset = 40,
	 .length = 9,
	 .key_text = "a",
	 .page_url = "https://p/1",
	 .image_url = "",
	 .license = "CC-BY"},
	{.key = 20,
	 .photo_id = 0,
	 .owner_id = 0,
	 .line = 3,
	 .key_text = "",
	 .page_url = "",
	 .image_url = "https://i/2",
	 .license = ""},
	{.key = 0xfffffffffffffff0ULL,
	 .photo_id = 7,
	 .owner_id = 2,
	 .file = 2,
	 .line = 4,
	 .key_text = "c",
	 .page_url = "",
	 .image_url = "",
	 .license = ""},
};

static const char *write_segment(const char *dir)
{
	static char path[4096];
	struct segment_writer *w;

	snprintf(path, sizeof(path), "%s/1-test.seg", dir);
	CHECK_INT(segment_writer_new(path, &w), 0);
	for (size_t i = 0; i < 3; i++)
		CHECK_INT(segment_writer_add(w, &rows[i]), 0);
	/* a key out of order is refused */
	CHECK_INT(segment_writer_add(w, &rows[0]), -EINVAL);
	CHECK_INT(segment_writer_finish(w), 0);
	segment_writer_free(w);
	return path;
}

TEST(reads_back_and_finds)
{
	const char *dir = test_tmpdir();
	const char *path = write_segment(dir);
	struct segment *g;
	struct segment_entry e;
	uint64_t lo, hi;
	struct stat st;

	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(segment_open(path, &g), 0);
	CHECK_INT(segment_count(g), 3);
	for (uint64_t i = 0; i < 3; i++) {
		CHECK_INT(segment_get(g, i, &e), 0);
		CHECK(e.key == rows[i].key);
		CHECK(e.photo_id == rows[i].photo_id);
		CHECK_INT(e.owner_id, rows[i].owner_id);
		CHECK_INT(e.file, rows[i].file);
		CHECK_INT(e.line, rows[i].line);
		CHECK_STR(e.key_text, rows[i].key_text);
		CHECK_STR(e.page_url, rows[i].page_url);
		CHECK_STR(e.image_url, rows[i].image_url);
		CHECK_STR(e.license, rows[i].license);
	}
	CHECK_INT(segment_find_key(g, 20), 1);
	CHECK_INT(segment_find_key(g, 0xfffffffffffffff0ULL), 2);
	CHECK_INT(segment_find_key(g, 15), -1);
	segment_photo_range(g, 7, &lo, &hi);
	CHECK_INT(hi - lo, 2);
	CHECK_INT(segment_photo_at(g, lo), 0);
	CHECK_INT(segment_photo_at(g, lo + 1), 2);
	segment_photo_range(g, 8, &lo, &hi);
	CHECK_INT(hi - lo, 0);
	segment_owner_range(g, 2, &lo, &hi);
	CHECK_INT(hi - lo, 2);
	segment_owner_range(g, 1, &lo, &hi);
	CHECK_INT(hi - lo, 0);
	segment_close(g);
	test_rmtree(dir);
}

TEST(damage_is_an_error)
{
	const char *dir = test_tmpdir();
	const char *path = write_segment(dir);
	struct segment *g = NULL;
	struct segment_entry e;
	uint64_t text_bytes;
	struct stat st;
	int fd;

	CHECK_INT(stat(path, &st), 0);
	/* cut short: the header no longer fits the size */
	CHECK_INT(truncate(path, st.st_size - 1), 0);
	CHECK_INT(segment_open(path, &g), -EBADMSG);
	/* the texts' last NUL gone: the last record's texts run out (the
	 * texts follow the 80-byte header; their size is its sixth field) */
	CHECK_INT(truncate(path, st.st_size), 0);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	CHECK_INT(pread(fd, &text_bytes, 8, 40), 8);
	CHECK_INT(pwrite(fd, "x", 1, 80 + (off_t)text_bytes - 1), 1);
	close(fd);
	CHECK_INT(segment_open(path, &g), 0);
	CHECK_INT(segment_get(g, 0, &e), 0);
	CHECK_INT(segment_get(g, 2, &e), -EBADMSG);
	segment_close(g);
	/* not a segment at all */
	CHECK_INT(segment_open(test_write(dir, "x.seg", "not a segment", 0600),
			       &g),
		  -EBADMSG);
	CHECK_INT(segment_open("/nonexistent/x.seg", &g), -ENOENT);
	test_rmtree(dir);
}

/* The whole file as bytes, into buf (size at most max); its length. */
static size_t slurp(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	CHECK(fd >= 0);
	n = read(fd, buf, max);
	close(fd);
	CHECK(n > 0);
	return (size_t)n;
}

TEST(placed_reads_back_the_same)
{
	const char *dir = test_tmpdir();
	static char a[8192], b[8192];
	char path[4096];
	struct segment_writer *w;
	size_t na, nb;

	na = slurp(write_segment(dir), a, sizeof(a));
	snprintf(path, sizeof(path), "%s/2-test.seg", dir);
	CHECK_INT(segment_writer_new_placed(path, 3, &w), 0);
	/* out of order, as an ingest reads its spill */
	CHECK_INT(segment_writer_put(w, 2, &rows[2]), 0);
	CHECK_INT(segment_writer_put(w, 0, &rows[0]), 0);
	CHECK_INT(segment_writer_put(w, 0, &rows[0]), -EINVAL); /* twice */
	CHECK_INT(segment_writer_put(w, 3, &rows[1]), -EINVAL); /* past */
	CHECK_INT(segment_writer_add(w, &rows[1]), -EINVAL);	/* placed */
	CHECK_INT(segment_writer_put(w, 1, &rows[1]), 0);
	CHECK_INT(segment_writer_finish(w), 0);
	segment_writer_free(w);
	/* the texts follow the order given, so only the records' text
	 * offsets differ: compare what reads back instead */
	nb = slurp(path, b, sizeof(b));
	CHECK_INT(nb, na);
	{
		struct segment *g, *h;
		struct segment_entry x, y;
		uint64_t lo, hi;

		CHECK_INT(segment_open(path, &g), 0);
		CHECK_INT(segment_open(write_segment(dir), &h), 0);
		for (uint64_t i = 0; i < 3; i++) {
			CHECK_INT(segment_get(g, i, &x), 0);
			CHECK_INT(segment_get(h, i, &y), 0);
			CHECK(x.key == y.key && x.photo_id == y.photo_id);
			CHECK_INT(x.owner_id, y.owner_id);
			CHECK_INT(x.line, y.line);
			CHECK_STR(x.key_text, y.key_text);
			CHECK_STR(x.page_url, y.page_url);
			CHECK_STR(x.image_url, y.image_url);
			CHECK_STR(x.license, y.license);
		}
		segment_photo_range(g, 7, &lo, &hi);
		CHECK_INT(hi - lo, 2);
		CHECK_INT(segment_photo_at(g, lo), 0);
		CHECK_INT(segment_photo_at(g, lo + 1), 2);
		segment_close(g);
		segment_close(h);
	}
	test_rmtree(dir);
}

TEST(placed_refuses_holes_and_disorder)
{
	const char *dir = test_tmpdir();
	char path[4096];
	struct segment_writer *w;
	struct stat st;

	snprintf(path, sizeof(path), "%s/3-test.seg", dir);
	/* a place never given */
	CHECK_INT(segment_writer_new_placed(path, 3, &w), 0);
	CHECK_INT(segment_writer_put(w, 0, &rows[0]), 0);
	CHECK_INT(segment_writer_put(w, 2, &rows[2]), 0);
	CHECK_INT(segment_writer_finish(w), -EINVAL);
	segment_writer_free(w);
	CHECK_INT(stat(path, &st), -1); /* nothing left behind */
	/* keys that do not rise with the places */
	CHECK_INT(segment_writer_new_placed(path, 3, &w), 0);
	CHECK_INT(segment_writer_put(w, 0, &rows[1]), 0);
	CHECK_INT(segment_writer_put(w, 1, &rows[0]), 0);
	CHECK_INT(segment_writer_put(w, 2, &rows[2]), 0);
	CHECK_INT(segment_writer_finish(w), -EINVAL);
	segment_writer_free(w);
	CHECK_INT(stat(path, &st), -1);
	test_rmtree(dir);
}

TEST(reads_the_first_layout)
{
	/* "SWSEG001", written before 2026-12-07: header, records, photos,
	 * owners, texts; one entry, made here byte by byte as
	 * store_segment.h describes it. */
	static const char texts[] = "a\0https://p/1\0\0CC-BY";
	struct {
		char magic[8];
		uint32_t order, record_size;
		uint64_t count, n_photos, n_owners, text_bytes;
		uint64_t off_records, off_photos, off_owners, off_texts;
	} h = {"SWSEG001", 0x01020304u, 56, 1, 1, 1, sizeof(texts), 0, 0, 0, 0};
	struct {
		uint64_t key, photo_id, line, offset, text;
		uint32_t owner_id, file, length, unused;
	} rec = {10, 7, 2, 40, 0, 2, 0, 9, 0};
	unsigned char photo[12] = {7}, owner[8] = {2};
	const char *dir = test_tmpdir();
	char path[4096];
	struct segment *g;
	struct segment_entry e;
	uint64_t lo, hi;
	FILE *f;

	h.off_records = sizeof(h);
	h.off_photos = h.off_records + sizeof(rec);
	h.off_owners = h.off_photos + sizeof(photo);
	h.off_texts = h.off_owners + sizeof(owner);
	snprintf(path, sizeof(path), "%s/old.seg", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fwrite(&h, sizeof(h), 1, f);
	fwrite(&rec, sizeof(rec), 1, f);
	fwrite(photo, sizeof(photo), 1, f);
	fwrite(owner, sizeof(owner), 1, f);
	fwrite(texts, sizeof(texts), 1, f);
	fclose(f);
	CHECK_INT(segment_open(path, &g), 0);
	CHECK_INT(segment_count(g), 1);
	CHECK_INT(segment_get(g, 0, &e), 0);
	CHECK(e.key == 10 && e.photo_id == 7);
	CHECK_INT(e.owner_id, 2);
	CHECK_INT(e.line, 2);
	CHECK_INT(e.length, 9);
	CHECK_STR(e.key_text, "a");
	CHECK_STR(e.page_url, "https://p/1");
	CHECK_STR(e.image_url, "");
	CHECK_STR(e.license, "CC-BY");
	segment_photo_range(g, 7, &lo, &hi);
	CHECK_INT(hi - lo, 1);
	segment_owner_range(g, 2, &lo, &hi);
	CHECK_INT(hi - lo, 1);
	segment_close(g);
	test_rmtree(dir);
}
