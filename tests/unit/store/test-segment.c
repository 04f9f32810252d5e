/* test-segment.c: an entry segment reads back what was written, finds
 * keys, photos and owners, and a damaged file reads as an error, never
 * as a wild read. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_segment.h"
#include "test.h"
#include "testutil.h"

/* Four entries, keys rising; photo 7 twice (under other keys); owner 2
 * twice; the last one photo-keyed, with a YFCC100M row's texts. */
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
	 .image_url = "https://i/2\x01\x1f",
	 .license = ""},
	{.key = 5290412339,
	 .photo_id = 5290412339,
	 .owner_id = 3,
	 .line = 5,
	 .key_text = "",
	 .page_url = "http://www.flickr.com/photos/35034346911@N01/5290412339/",
	 .image_url =
		 "http://farm6.staticflickr.com/5284/5290412339_8f0bb3e5c3.jpg",
	 .license = "Attribution-NonCommercial-ShareAlike License"},
	{.key = 0xfffffffffffffff0ULL,
	 .photo_id = 7,
	 .owner_id = 2,
	 .file = 2,
	 .line = 4,
	 .key_text = "c",
	 .page_url = "",
	 .image_url = "c",
	 .license = ""},
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static void texts_of(const struct segment_entry *e,
		     struct entry_text t[TEXTPACK_TEXTS])
{
	const char *s[TEXTPACK_TEXTS] = {e->key_text, e->page_url, e->image_url,
					 e->license};

	for (size_t i = 0; i < TEXTPACK_TEXTS; i++)
		t[i] = (struct entry_text){s[i], strlen(s[i])};
}

/* The segment of rows: their texts given last first (an ingest gives them
 * in the manifest's order), then their records in key order. */
static const char *write_segment(const char *dir)
{
	static char path[4096];
	struct segment_writer *w;
	struct entry_text t[TEXTPACK_TEXTS];
	uint64_t text[N_ROWS];

	snprintf(path, sizeof(path), "%s/1-test.seg", dir);
	CHECK_INT(segment_writer_new(path, &w), 0);
	for (size_t i = N_ROWS; i-- > 0;) {
		texts_of(&rows[i], t);
		CHECK_INT(
			segment_writer_texts(w, rows[i].photo_id, t, &text[i]),
			0);
	}
	for (size_t i = 0; i < N_ROWS; i++) {
		struct segment_entry e = rows[i];

		e.text = text[i];
		CHECK_INT(segment_writer_record(w, &e), 0);
	}
	/* a key out of order is refused, and texts once records began */
	CHECK_INT(segment_writer_record(w, &rows[0]), -EINVAL);
	texts_of(&rows[0], t);
	CHECK_INT(segment_writer_texts(w, 0, t, &text[0]), -EINVAL);
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
	struct buf texts;
	uint64_t lo, hi;
	struct stat st;

	buf_init(&texts, SEGMENT_TEXTS_MAX);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(segment_open(path, &g), 0);
	CHECK_INT(segment_count(g), N_ROWS);
	for (uint64_t i = 0; i < N_ROWS; i++) {
		CHECK_INT(segment_get(g, i, &e, &texts), 0);
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
	CHECK_INT(segment_find_key(g, 0xfffffffffffffff0ULL), 3);
	CHECK_INT(segment_find_key(g, 15), -1);
	segment_photo_range(g, 7, &lo, &hi);
	CHECK_INT(hi - lo, 2);
	CHECK_INT(segment_photo_at(g, 7, lo), 0);
	CHECK_INT(segment_photo_at(g, 7, lo + 1), 3);
	segment_photo_range(g, 8, &lo, &hi);
	CHECK_INT(hi - lo, 0);
	/* the photo-keyed entry, found by its key */
	segment_photo_range(g, 5290412339, &lo, &hi);
	CHECK_INT(hi - lo, 1);
	CHECK_INT(segment_photo_at(g, 5290412339, lo), 2);
	/* a key that is not the photo id of its record is not a photo */
	segment_photo_range(g, 20, &lo, &hi);
	CHECK_INT(hi - lo, 0);
	segment_owner_range(g, 2, &lo, &hi);
	CHECK_INT(hi - lo, 2);
	segment_owner_range(g, 1, &lo, &hi);
	CHECK_INT(hi - lo, 0);
	CHECK_INT(segment_owner_at(g, 2), 2);
	segment_close(g);
	{
		/* the photo-keyed entry is not in the photo index (the
		 * header's fourth field counts its pairs) */
		uint64_t n_photos = 0;
		int fd = open(path, O_RDONLY);

		CHECK(fd >= 0);
		CHECK_INT(pread(fd, &n_photos, 8, 24), 8);
		close(fd);
		CHECK_INT(n_photos, 2);
	}
	buf_free(&texts);
	test_rmtree(dir);
}

/* The header's size, and where its fields are. */
#define HEADER		   112
#define HEADER_OFF_RECORDS 48
#define HEADER_OFF_BLOCKS  88

static uint64_t header_field(const char *path, off_t at)
{
	uint64_t v = 0;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	CHECK_INT(pread(fd, &v, 8, at), 8);
	close(fd);
	return v;
}

/* Flips the bits of flip in the byte at off of path. */
static void flip_byte(const char *path, off_t off, unsigned char flip)
{
	unsigned char b;
	int fd = open(path, O_RDWR);

	CHECK(fd >= 0);
	CHECK_INT(pread(fd, &b, 1, off), 1);
	b ^= flip;
	CHECK_INT(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

TEST(a_damaged_block_is_an_error)
{
	const char *dir = test_tmpdir();
	const char *path;
	struct segment *g;
	struct segment_entry e;
	struct buf texts;
	uint64_t records, blocks;
	static const struct {
		off_t at; /* from the records' start, or the directory's */
		bool in_directory;
		unsigned char flip; /* the bits changed */
	} damage[] = {
		{0, false, 0x80}, /* a flag no layout has */
		{1, false, 0x80}, /* the key column 192 bits wide (was 64) */
		{2, false, 0x80}, /* its smallest value (10) runs on */
		{0, true, 0x01},  /* the directory's key is not the block's */
		{8, true, 0x01},  /* the block does not start at the records */
		{15, true, 0x40}, /* and past the file */
	};

	buf_init(&texts, SEGMENT_TEXTS_MAX);
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		path = write_segment(dir);
		records = header_field(path, HEADER_OFF_RECORDS);
		blocks = header_field(path, HEADER_OFF_BLOCKS);
		flip_byte(path,
			  (off_t)(damage[i].in_directory ? blocks : records) +
				  damage[i].at,
			  damage[i].flip);
		CHECK_INT(segment_open(path, &g), 0);
		/* every record of the block (the only one) is an error, and
		 * no key is found in it */
		for (uint64_t k = 0; k < N_ROWS; k++)
			CHECK_INT(segment_get(g, k, &e, &texts), -EBADMSG);
		CHECK_INT(segment_find_key(g, rows[1].key), -1);
		segment_close(g);
		unlink(path);
	}
	buf_free(&texts);
	test_rmtree(dir);
}

TEST(damage_is_an_error)
{
	const char *dir = test_tmpdir();
	const char *path = write_segment(dir);
	struct segment *g = NULL;
	struct segment_entry e;
	uint64_t text_bytes;
	struct buf texts;
	struct stat st;
	int fd;

	buf_init(&texts, SEGMENT_TEXTS_MAX);
	CHECK_INT(stat(path, &st), 0);
	/* cut short: the header no longer fits the size */
	CHECK_INT(truncate(path, st.st_size - 1), 0);
	CHECK_INT(segment_open(path, &g), -EBADMSG);
	/* the texts' last NUL gone: the texts written last, the first
	 * record's, run out (the texts follow the 112-byte header; their
	 * size is its sixth field) */
	CHECK_INT(truncate(path, st.st_size), 0);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	CHECK_INT(pread(fd, &text_bytes, 8, 40), 8);
	CHECK_INT(pwrite(fd, "x", 1, HEADER + (off_t)text_bytes - 1), 1);
	/* and a code that the dictionary does not have, in the first texts
	 * written: the last record's key text "c" */
	CHECK_INT(pwrite(fd, "\x1d", 1, HEADER), 1);
	close(fd);
	CHECK_INT(segment_open(path, &g), 0);
	CHECK_INT(segment_get(g, 1, &e, &texts), 0);
	CHECK_INT(segment_get(g, 0, &e, &texts), -EBADMSG);
	CHECK_INT(segment_get(g, 3, &e, &texts), -EBADMSG);
	segment_close(g);
	buf_free(&texts);
	/* not a segment at all */
	CHECK_INT(segment_open(test_write(dir, "x.seg", "not a segment", 0600),
			       &g),
		  -EBADMSG);
	CHECK_INT(segment_open("/nonexistent/x.seg", &g), -ENOENT);
	test_rmtree(dir);
}

/* A segment of an earlier layout, made here byte by byte as
 * store_segment.h describes it: one entry (key, photo id, owner 2, line
 * 2, offset 40, length 9) with texts (size bytes), its photo and its
 * owner in the indexes.  "SWSEG001": header, records, photos, owners,
 * texts; "SWSEG002" and "SWSEG003" (its texts packed): header, texts,
 * padding to 8, records, photos, owners. */
static const char *old_segment(const char *dir, const char *magic, uint64_t key,
			       uint64_t photo_id, const char *texts,
			       size_t size)
{
	static char path[4096];
	struct {
		char magic[8];
		uint32_t order, record_size;
		uint64_t count, n_photos, n_owners, text_bytes;
		uint64_t off_records, off_photos, off_owners, off_texts;
	} h = {"", 0x01020304u, 56, 1, 1, 1, size, 0, 0, 0, 0};
	struct {
		uint64_t key, photo_id, line, offset, text;
		uint32_t owner_id, file, length, unused;
	} rec = {key, photo_id, 2, 40, 0, 2, 0, 9, 0};
	unsigned char photo[12] = {0}, owner[8] = {2}, zeros[8] = {0};
	bool texts_first = strcmp(magic, "SWSEG001") != 0;
	FILE *f;

	memcpy(h.magic, magic, 8);
	memcpy(photo, &photo_id, 8);
	h.off_texts = texts_first ? sizeof(h) : 0;
	h.off_records =
		texts_first ? (sizeof(h) + size + 7) & ~(uint64_t)7 : sizeof(h);
	h.off_photos = h.off_records + sizeof(rec);
	h.off_owners = h.off_photos + sizeof(photo);
	if (!texts_first)
		h.off_texts = h.off_owners + sizeof(owner);
	snprintf(path, sizeof(path), "%s/old.seg", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fwrite(&h, sizeof(h), 1, f);
	if (texts_first) {
		fwrite(texts, size, 1, f);
		fwrite(zeros, h.off_records - sizeof(h) - size, 1, f);
	}
	fwrite(&rec, sizeof(rec), 1, f);
	fwrite(photo, sizeof(photo), 1, f);
	fwrite(owner, sizeof(owner), 1, f);
	if (!texts_first)
		fwrite(texts, size, 1, f);
	fclose(f);
	return path;
}

TEST(reads_the_earlier_layouts)
{
	/* "SWSEG001", written before 2026-12-07, and "SWSEG002", written on
	 * 2026-12-07: the texts as they came; every photo id in the photo
	 * index, a photo-keyed entry's too (the second).  "SWSEG003",
	 * written until 2026-12-07: fixed records, the texts packed. */
	static const char t1[] = "a\0https://p/1\0\0CC-BY",
			  t2[] = "\0https://p/9\0\0CC-BY",
			  t3[] = "a\0\x11p/1\0\0CC-BY";
	static const struct {
		const char *magic, *texts, *key_text, *page_url;
		size_t size;
		uint64_t key, photo_id;
	} old[] = {
		{"SWSEG001", t1, "a", "https://p/1", sizeof(t1), 10, 7},
		{"SWSEG002", t2, "", "https://p/9", sizeof(t2), 9, 9},
		{"SWSEG003", t3, "a", "https://p/1", sizeof(t3), 10, 7},
	};
	const char *dir = test_tmpdir();
	struct segment *g;
	struct segment_entry e;
	struct buf scratch;
	uint64_t lo, hi;

	buf_init(&scratch, SEGMENT_TEXTS_MAX);
	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		CHECK_INT(segment_open(old_segment(dir, old[i].magic,
						   old[i].key, old[i].photo_id,
						   old[i].texts, old[i].size),
				       &g),
			  0);
		CHECK_INT(segment_count(g), 1);
		CHECK_INT(segment_get(g, 0, &e, &scratch), 0);
		CHECK(e.key == old[i].key && e.photo_id == old[i].photo_id);
		CHECK_INT(e.owner_id, 2);
		CHECK_INT(e.line, 2);
		CHECK_INT(e.length, 9);
		CHECK_STR(e.key_text, old[i].key_text);
		CHECK_STR(e.page_url, old[i].page_url);
		CHECK_STR(e.image_url, "");
		CHECK_STR(e.license, "CC-BY");
		/* found once, through the index (not again by its key) */
		segment_photo_range(g, old[i].photo_id, &lo, &hi);
		CHECK_INT(hi - lo, 1);
		CHECK_INT(segment_photo_at(g, old[i].photo_id, lo), 0);
		segment_owner_range(g, 2, &lo, &hi);
		CHECK_INT(hi - lo, 1);
		segment_close(g);
	}
	buf_free(&scratch);
	test_rmtree(dir);
}

TEST(any_field_values_read_back_exactly)
{
	/* Blocks store offsets and texts' places as differences from a line
	 * times a slope: lines, offsets and lengths of every size and
	 * direction, photo ids near and far from their keys, come back as
	 * they went in. */
	enum { N = 1000 };
	const char *dir = test_tmpdir();
	static char path[4096];
	static struct segment_entry want[N];
	static uint64_t text[N];
	struct entry_text t[TEXTPACK_TEXTS];
	struct segment_writer *w;
	struct segment_entry e;
	struct segment *g;
	struct buf texts;
	uint64_t seed = 20140623, bad = 0, key = 0;

	snprintf(path, sizeof(path), "%s/3-any.seg", dir);
	CHECK_INT(segment_writer_new(path, &w), 0);
	for (uint64_t i = 0; i < N; i++) {
		uint64_t r = test_xorshift(&seed), kind = i / 64 % 4;

		key += 1 + (kind == 3 ? test_xorshift(&seed) >> 8 : r % 5);
		want[i] = (struct segment_entry){
			.key = key,
			.photo_id = kind == 0	? key
				    : kind == 1 ? 0
						: test_xorshift(&seed),
			.owner_id = (uint32_t)r,
			.file = (uint32_t)(r >> 32) % 3,
			/* random; falling with the offset; all one line */
			.line = kind == 0   ? test_xorshift(&seed)
				: kind == 1 ? i
				: kind == 2 ? 7
					    : UINT64_MAX - i,
			.offset = kind == 1 ? UINT64_MAX - 1000 * i
					    : test_xorshift(&seed),
			.length = (uint32_t)test_xorshift(&seed),
			.key_text = "",
			.page_url = "",
			.image_url = "",
			.license = "",
		};
		texts_of(&want[i], t);
		CHECK_INT(
			segment_writer_texts(w, want[i].photo_id, t, &text[i]),
			0);
	}
	for (uint64_t i = 0; i < N; i++) {
		want[i].text = text[(i * 7) % N]; /* any order */
		CHECK_INT(segment_writer_record(w, &want[i]), 0);
	}
	CHECK_INT(segment_writer_finish(w), 0);
	segment_writer_free(w);
	buf_init(&texts, SEGMENT_TEXTS_MAX);
	CHECK_INT(segment_open(path, &g), 0);
	for (uint64_t i = 0; i < N; i++) {
		bad += segment_get(g, i, &e, &texts) != 0 ||
		       e.key != want[i].key || e.photo_id != want[i].photo_id ||
		       e.owner_id != want[i].owner_id ||
		       e.file != want[i].file || e.line != want[i].line ||
		       e.offset != want[i].offset ||
		       e.length != want[i].length || e.text != want[i].text;
		bad += segment_find_key(g, want[i].key) != (int64_t)i;
		bad += segment_find_key(g, want[i].key + 1) !=
		       (i + 1 < N && want[i + 1].key == want[i].key + 1
				? (int64_t)i + 1
				: -1);
	}
	CHECK_U64(bad, 0);
	segment_close(g);
	buf_free(&texts);
	test_rmtree(dir);
}

/* Entry i of a big segment: every seventh has a photo id other than its
 * key, every 97th texts longer than one read, owners 1-50. */
static void big_entry(uint64_t i, struct segment_entry *e, char *key_text,
		      size_t size)
{
	size_t len = i % 97 == 0 ? 3000 : 5 + i % 40;

	memset(key_text, 'a' + (int)(i % 26), len);
	snprintf(key_text, size, "%llu", (unsigned long long)i);
	key_text[strlen(key_text)] = len > 20 ? '-' : 0;
	key_text[len] = 0;
	*e = (struct segment_entry){
		.key = 1000 + 3 * i,
		.photo_id = i % 7 ? 1000 + 3 * i : 1000000000 + i,
		.owner_id = (uint32_t)(1 + i % 50),
		.line = i + 1,
		.offset = 100 * i,
		.length = 99,
		.key_text = key_text,
		.page_url = "http://www.flickr.com/photos/x/",
		.image_url = "",
		.license = i % 3 ? "Attribution License" : "",
	};
}

TEST(a_big_segment_reads_the_same_by_pread_and_by_its_mapping)
{
	enum { N = 20000, PASSES = 4 }; /* more reads than before it maps */
	const char *dir = test_tmpdir();
	static char path[4096], kt[3100], want_kt[3100];
	static uint64_t text[N];
	struct segment_writer *w;
	struct entry_text t[TEXTPACK_TEXTS];
	struct segment_entry e, want;
	struct segment *g;
	struct buf texts;
	uint64_t i, lo, hi, bad = 0;
	int pass;

	snprintf(path, sizeof(path), "%s/2-big.seg", dir);
	CHECK_INT(segment_writer_new(path, &w), 0);
	for (i = N; i-- > 0;) {
		big_entry(i, &e, kt, sizeof(kt));
		texts_of(&e, t);
		CHECK_INT(segment_writer_texts(w, e.photo_id, t, &text[i]), 0);
	}
	for (i = 0; i < N; i++) {
		big_entry(i, &e, kt, sizeof(kt));
		e.text = text[i];
		CHECK_INT(segment_writer_record(w, &e), 0);
	}
	CHECK_INT(segment_writer_finish(w), 0);
	segment_writer_free(w);

	buf_init(&texts, SEGMENT_TEXTS_MAX);
	CHECK_INT(segment_open(path, &g), 0);
	for (pass = 0; pass < PASSES; pass++) {
		/* In order, then by key, photo id and owner. */
		for (i = 0; i < N; i++) {
			big_entry(i, &want, want_kt, sizeof(want_kt));
			bad += segment_get(g, i, &e, &texts) != 0 ||
			       e.key != want.key ||
			       e.photo_id != want.photo_id ||
			       e.owner_id != want.owner_id ||
			       e.line != want.line ||
			       strcmp(e.key_text, want.key_text) != 0 ||
			       strcmp(e.license, want.license) != 0;
			bad += segment_find_key(g, want.key) != (int64_t)i;
		}
		for (i = 0; i < N; i += 13) {
			big_entry(i, &want, want_kt, sizeof(want_kt));
			segment_photo_range(g, want.photo_id, &lo, &hi);
			bad += hi - lo != 1 ||
			       segment_photo_at(g, want.photo_id, lo) !=
				       (int64_t)i;
		}
		segment_owner_range(g, 7, &lo, &hi);
		bad += hi - lo != N / 50;
		for (i = lo; i < hi; i++)
			bad += segment_owner_at(g, i) !=
			       (int64_t)(6 + 50 * (i - lo));
		bad += segment_find_key(g, 1001) != -1;
	}
	CHECK_U64(bad, 0);
	segment_close(g);
	buf_free(&texts);
}
