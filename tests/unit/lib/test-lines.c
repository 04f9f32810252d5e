/* test-lines.c: the line splitter gives the same lines, numbers, offsets
 * and lengths however the stream is cut, and skips over-long lines. */
#include "lib/lines.h"
#include "test.h"

struct seen {
	char text[16][32];
	uint64_t number[16], offset[16], length[16];
	int n;
};

static int record(void *userdata, const char *s, size_t len, uint64_t number,
		  uint64_t offset, uint64_t length)
{
	struct seen *v = userdata;

	if (v->n < 16) {
		snprintf(v->text[v->n], sizeof(v->text[0]), "%.*s",
			 s ? (int)len : 4, s ? s : "NULL");
		v->number[v->n] = number;
		v->offset[v->n] = offset;
		v->length[v->n] = length;
	}
	v->n++;
	return 0;
}

static void split(const char *in, size_t chunk, size_t max, struct seen *v)
{
	struct lines l;
	size_t i, len = strlen(in);

	*v = (struct seen){0};
	lines_init(&l, max, record, v);
	for (i = 0; i < len; i += chunk)
		lines_feed(&l, in + i, i + chunk > len ? len - i : chunk);
	lines_finish(&l);
	lines_free(&l);
}

TEST(same_result_for_every_chunk_size)
{
	static const char in[] = "a\nbb\r\n\nccc\ndddd";
	static const char *const want[] = {"a", "bb", "", "ccc", "dddd"};
	static const uint64_t offsets[] = {0, 2, 6, 7, 11};
	static const uint64_t lengths[] = {2, 4, 1, 4, 4};
	struct seen v;
	size_t chunk;
	int i;

	for (chunk = 1; chunk <= sizeof(in); chunk++) {
		split(in, chunk, 100, &v);
		CHECK_INT(v.n, 5);
		for (i = 0; i < 5 && i < v.n; i++) {
			CHECK_STR(v.text[i], want[i]);
			CHECK_U64(v.number[i], (uint64_t)i + 1);
			CHECK_U64(v.offset[i], offsets[i]);
			CHECK_U64(v.length[i], lengths[i]);
		}
	}
}

TEST(long_lines_are_skipped_and_reported)
{
	static const char in[] = "ok\n0123456789\nfine\n0123456789";
	struct seen v;
	size_t chunk;

	for (chunk = 1; chunk <= sizeof(in); chunk++) {
		split(in, chunk, 5, &v);
		CHECK_INT(v.n, 4);
		CHECK_STR(v.text[0], "ok");
		CHECK_STR(v.text[1], "NULL");
		CHECK_U64(v.offset[1], 3);
		CHECK_U64(v.length[1], 11);
		CHECK_STR(v.text[2], "fine");
		CHECK_U64(v.offset[2], 14);
		CHECK_STR(v.text[3], "NULL");
		CHECK_U64(v.number[3], 4);
		CHECK_U64(v.length[3], 10);
	}
}

static int stop_at_two(void *userdata, const char *s, size_t len,
		       uint64_t number, uint64_t offset, uint64_t length)
{
	record(userdata, s, len, number, offset, length);
	return number == 2 ? -42 : 0;
}

TEST(callback_error_stops)
{
	struct lines l;
	struct seen v = {0};

	lines_init(&l, 100, stop_at_two, &v);
	CHECK_INT(lines_feed(&l, "a\nb\nc\n", 6), -42);
	CHECK_INT(v.n, 2);
	lines_free(&l);
}

TEST(callback_error_sticks)
{
	struct lines l;
	struct seen v = {0};

	/* Line 2 fails in the second chunk's feed, which returns 0 for the
	 * chunk it ended inside of; every later call returns the error and
	 * calls back no more. */
	lines_init(&l, 100, stop_at_two, &v);
	CHECK_INT(lines_feed(&l, "a\nb", 3), 0);
	CHECK_INT(lines_feed(&l, "\nc\n", 3), -42);
	CHECK_INT(lines_feed(&l, "d\ne\n", 4), -42);
	CHECK_INT(lines_finish(&l), -42);
	CHECK_INT(v.n, 2);
	lines_free(&l);

	/* A last line without a newline fails in the finish; it sticks too. */
	v = (struct seen){0};
	lines_init(&l, 100, stop_at_two, &v);
	CHECK_INT(lines_feed(&l, "a\nb", 3), 0);
	CHECK_INT(lines_finish(&l), -42);
	CHECK_INT(lines_feed(&l, "\nc\n", 3), -42);
	CHECK_INT(v.n, 2);
	lines_free(&l);
}
