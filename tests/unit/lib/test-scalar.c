/* test-parse.c: durations, sizes and integers are accepted whole or not at
 * all, with the right errno. */
#include <errno.h>

#include "lib/macro.h"
#include "lib/scalar.h"
#include "test.h"

static const struct {
	const char *in;
	int ret;
	uint64_t seconds;
} durations[] = {
	{"90s", 0, 90},
	{"30m", 0, 1800},
	{"5min", 0, 300},
	{"6h", 0, 21600},
	{"7d", 0, 604800},
	{"2w", 0, 1209600},
	{"1h30m", 0, 5400},
	{"1d12h", 0, 129600},
	{"90", -EINVAL, 0},
	{"", -EINVAL, 0},
	{"h", -EINVAL, 0},
	{"6 hours", -EINVAL, 0},
	{"6hours", -EINVAL, 0},
	{"-5m", -EINVAL, 0},
	{"1.5h", -EINVAL, 0},
	{"0s", -ERANGE, 0},
	{"99999999999s", -ERANGE, 0},
	{"6h ", -EINVAL, 0},
};

TEST(durations)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(durations); i++) {
		uint64_t v = 12345;
		int r = scalar_parse_duration(durations[i].in, &v);

		if (r != durations[i].ret)
			TEST_FAIL(
				"scalar_parse_duration(\"%s\") = %d, expected %d",
				durations[i].in, r, durations[i].ret);
		else if (r == 0 && v != durations[i].seconds)
			TEST_FAIL("scalar_parse_duration(\"%s\") gave %llu",
				  durations[i].in, (unsigned long long)v);
		else if (r < 0 && v != 12345)
			TEST_FAIL(
				"scalar_parse_duration(\"%s\") wrote on failure",
				durations[i].in);
	}
}

TEST(format_duration_round_trips)
{
	static const uint64_t values[] = {1,	 59,	60,	5400,
					  86400, 90061, 1209600};
	char out[64];
	uint64_t v;
	size_t i;

	for (i = 0; i < ELEMENTSOF(values); i++) {
		parse_format_duration(values[i], out, sizeof(out));
		CHECK_INT(scalar_parse_duration(out, &v), 0);
		CHECK_U64(v, values[i]);
	}
	CHECK_STR(parse_format_duration(5400, out, sizeof(out)), "1h30m");
	CHECK_STR(parse_format_duration(0, out, sizeof(out)), "0s");
}

TEST(sizes)
{
	uint64_t v = 0;

	CHECK_INT(scalar_parse_size("512", &v), 0);
	CHECK_U64(v, 512);
	CHECK_INT(scalar_parse_size("512M", &v), 0);
	CHECK_U64(v, 512ULL << 20);
	CHECK_INT(scalar_parse_size("2GiB", &v), 0);
	CHECK_U64(v, 2ULL << 30);
	CHECK_INT(scalar_parse_size("1TB", &v), 0);
	CHECK_U64(v, 1ULL << 40);
	CHECK_INT(scalar_parse_size("2X", &v), -EINVAL);
	CHECK_INT(scalar_parse_size("M", &v), -EINVAL);
	CHECK_INT(scalar_parse_size("99999999999T", &v), -ERANGE);
}

TEST(uints)
{
	uint64_t v = 0;

	CHECK_INT(scalar_parse_uint("0", 10, &v), 0);
	CHECK_U64(v, 0);
	CHECK_INT(scalar_parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
	CHECK_U64(v, UINT64_MAX);
	CHECK_INT(scalar_parse_uint("18446744073709551616", UINT64_MAX, &v),
		  -ERANGE);
	CHECK_INT(scalar_parse_uint("11", 10, &v), -ERANGE);
	CHECK_INT(scalar_parse_uint("+1", 10, &v), -EINVAL);
	CHECK_INT(scalar_parse_uint("1 ", 10, &v), -EINVAL);
	CHECK_INT(scalar_parse_uint("", 10, &v), -EINVAL);
}
