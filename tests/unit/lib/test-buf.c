/* test-buf.c: the bounded buffer keeps its invariants at and past its max. */
#include <errno.h>

#include "lib/buf.h"
#include "test.h"

TEST(empty_is_a_string)
{
	struct buf b;

	buf_init(&b, 10);
	CHECK(b.data != NULL);
	CHECK_STR(b.data, "");
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

TEST(append_and_printf)
{
	struct buf b;

	buf_init(&b, 1000);
	CHECK_INT(buf_puts(&b, "id="), 0);
	CHECK_INT(buf_printf(&b, "%d/%s", 42, "x"), 0);
	CHECK_INT(buf_putc(&b, '!'), 0);
	CHECK_STR(b.data, "id=42/x!");
	CHECK_INT(b.len, 8);
	buf_reset(&b);
	CHECK_STR(b.data, "");
	CHECK_INT(buf_puts(&b, "again"), 0);
	CHECK_STR(b.data, "again");
	buf_free(&b);
}

TEST(max_is_enforced_and_content_kept)
{
	struct buf b;

	buf_init(&b, 5);
	CHECK_INT(buf_puts(&b, "abcde"), 0);
	CHECK_INT(buf_putc(&b, 'f'), -E2BIG);
	CHECK_INT(buf_printf(&b, "%s", "g"), -E2BIG);
	CHECK_STR(b.data, "abcde");
	CHECK_INT(b.len, 5);
	buf_free(&b);

	buf_init(&b, 3);
	CHECK_INT(buf_puts(&b, "abcd"), -E2BIG);
	CHECK_STR(b.data, "");
	buf_free(&b);
}

TEST(growth_keeps_binary_content)
{
	struct buf b;
	size_t i;
	int ok = 1;

	buf_init(&b, 1 << 20);
	for (i = 0; i < 100000; i++)
		CHECK_INT(buf_putc(&b, (char)(i % 256)), 0);
	CHECK_INT(b.len, 100000);
	for (i = 0; i < 100000; i++)
		ok &= (unsigned char)b.data[i] == i % 256;
	CHECK(ok);
	CHECK_INT(b.data[b.len], 0);
	buf_free(&b);
}

TEST(steal_hands_out_and_empties)
{
	struct buf b;
	char *s;

	buf_init(&b, 100);
	s = buf_steal(&b);
	CHECK_STR(s, "");
	free(s);
	CHECK_INT(buf_puts(&b, "kept"), 0);
	s = buf_steal(&b);
	CHECK_STR(s, "kept");
	CHECK_STR(b.data, "");
	CHECK_INT(b.len, 0);
	free(s);
	buf_free(&b);
}
