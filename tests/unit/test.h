/*
 * test.h: the tiny unit-test harness.
 *
 * TEST(name) { ... } defines a test that registers itself; CHECK() and the
 * typed CHECK_* macros record a failure with file and line and let the test go
 * on.  Each test program's main() comes from here: it runs every test and
 * ends with the line "N passed, N failed" (the form CI reads), exiting 1 if
 * anything failed.  Include it in exactly one .c file per test program.
 */
#ifndef SCRAPEWATCH_TEST_H
#define SCRAPEWATCH_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

static struct test_case test_cases[256];
static size_t test_n_cases;
static int test_failures; /* failures in the running test */

#define TEST(name)                                                             \
	static void test_##name(void);                                         \
	__attribute__((constructor)) static void test_register_##name(void)    \
	{                                                                      \
		if (test_n_cases < sizeof(test_cases) / sizeof(test_cases[0])) \
			test_cases[test_n_cases++] =                           \
				(struct test_case){#name, test_##name};        \
	}                                                                      \
	static void test_##name(void)

#define TEST_FAIL(...)                                            \
	do {                                                      \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                     \
		fputc('\n', stderr);                              \
		test_failures++;                                  \
	} while (0)

#define CHECK(cond)                                           \
	do {                                                  \
		if (!(cond))                                  \
			TEST_FAIL("CHECK(%s) failed", #cond); \
	} while (0)

#define CHECK_INT(a, b)                                                      \
	do {                                                                 \
		long long _a = (long long)(a), _b = (long long)(b);          \
		if (_a != _b)                                                \
			TEST_FAIL("%s == %lld, expected %s == %lld", #a, _a, \
				  #b, _b);                                   \
	} while (0)

#define CHECK_U64(a, b)                                                       \
	do {                                                                  \
		uint64_t _a = (a), _b = (b);                                  \
		if (_a != _b)                                                 \
			TEST_FAIL("%s == %" PRIu64 ", expected %" PRIu64, #a, \
				  _a, _b);                                    \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *_a = (a), *_b = (b);                           \
		if (!_a || !_b || strcmp(_a, _b) != 0)                     \
			TEST_FAIL("%s == \"%s\", expected \"%s\"", #a,     \
				  _a ? _a : "(null)", _b ? _b : "(null)"); \
	} while (0)

int main(int argc, char **argv)
{
	size_t i, passed = 0, failed = 0;

	for (i = 0; i < test_n_cases; i++) {
		if (argc > 1 && strcmp(argv[1], test_cases[i].name) != 0)
			continue;
		test_failures = 0;
		test_cases[i].fn();
		fprintf(stderr, "%s %s\n", test_failures ? "FAIL" : "ok  ",
			test_cases[i].name);
		if (test_failures)
			failed++;
		else
			passed++;
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed || passed == 0 ? 1 : 0;
}

#endif
