/* test-secret.c: secrets come from private files or systemd credentials,
 * and a refusal says how to fix it; they are held in memory that core
 * dumps leave out, in a process that is not dumpable. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "config/secret.h"
#include "test.h"
#include "testutil.h"

TEST(private_file_is_read_without_newline)
{
	const char *dir = test_tmpdir();
	const char *path = test_write(dir, "pw", "s3cret\n", 0600);
	char why[512] = "", *v = NULL;

	CHECK_INT(secret_read_file(path, &v, why, sizeof(why)), 0);
	CHECK_STR(v, "s3cret");
	secret_free(v);
	test_rmtree(dir);
}

TEST(world_readable_file_is_refused)
{
	const char *dir = test_tmpdir();
	const char *path = test_write(dir, "pw", "s3cret\n", 0644);
	char why[512] = "", *v = NULL;

	CHECK_INT(secret_read_file(path, &v, why, sizeof(why)), -EPERM);
	CHECK(v == NULL);
	CHECK(strstr(why, "can be read by other users (mode 0644)") != NULL);
	CHECK(strstr(why, "chmod 600") != NULL);
	test_rmtree(dir);
}

TEST(group_readable_file_is_refused)
{
	const char *dir = test_tmpdir();
	const char *path = test_write(dir, "pw", "s3cret\n", 0640);
	char why[512] = "", *v = NULL;

	CHECK_INT(secret_read_file(path, &v, why, sizeof(why)), -EPERM);
	test_rmtree(dir);
}

TEST(empty_and_missing_files)
{
	const char *dir = test_tmpdir();
	const char *path = test_write(dir, "pw", "\n", 0600);
	char why[512] = "", *v = NULL;

	CHECK_INT(secret_read_file(path, &v, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "is empty") != NULL);
	CHECK_INT(secret_read_file("/nonexistent/pw", &v, why, sizeof(why)),
		  -ENOENT);
	CHECK(strstr(why, "cannot open secret file '/nonexistent/pw'") != NULL);
	test_rmtree(dir);
}

TEST(credential_from_directory)
{
	const char *dir = test_tmpdir();
	char why[512] = "", *v = NULL;

	test_write(dir, "smtp-password", "hunter2", 0400);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	CHECK_INT(secret_read_credential("smtp-password", &v, why, sizeof(why)),
		  0);
	CHECK_STR(v, "hunter2");
	secret_free(v);
	v = NULL;
	CHECK_INT(secret_read_credential("nope", &v, why, sizeof(why)),
		  -ENOENT);
	CHECK(strstr(why, "LoadCredential=nope:/path/to/secret") != NULL);
	CHECK_INT(secret_read_credential("../etc/passwd", &v, why, sizeof(why)),
		  -EINVAL);
	CHECK(v == NULL);
	unsetenv("CREDENTIALS_DIRECTORY");
	test_rmtree(dir);
}

TEST(credential_without_systemd)
{
	char why[512] = "", *v = NULL;

	unsetenv("CREDENTIALS_DIRECTORY");
	CHECK_INT(secret_read_credential("smtp-password", &v, why, sizeof(why)),
		  -ENOENT);
	CHECK(strstr(why, "$CREDENTIALS_DIRECTORY is not set") != NULL);
	CHECK(strstr(why, "{ file: PATH }") != NULL);
}

TEST(oversized_secret_is_refused)
{
	const char *dir = test_tmpdir();
	char big[SECRET_MAX + 10], why[512] = "", *v = NULL;
	const char *path;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	path = test_write(dir, "pw", big, 0600);
	CHECK_INT(secret_read_file(path, &v, why, sizeof(why)), -EFBIG);
	test_rmtree(dir);
}

/* The VmFlags of the mapping of /proc/self/smaps that holds p, into
 * flags; false if there is none. */
static bool mapping_flags(const void *p, char *flags, size_t size)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	uintptr_t a = (uintptr_t)p, lo, hi;
	bool inside = false, found = false;
	char line[512];

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			inside = lo <= a && a < hi;
		else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, size, "%s", line + 8);
			found = true;
		}
	}
	fclose(f);
	return found;
}

TEST(secrets_are_left_out_of_core_dumps)
{
	const char *dir = test_tmpdir();
	const char *path = test_write(dir, "pw", "s3cret-in-memory\n", 0600);
	char why[512] = "", flags[256] = "", *v = NULL, *w;

	CHECK_INT(secret_read_file(path, &v, why, sizeof(why)), 0);
	if (!v)
		return;
	CHECK_STR(v, "s3cret-in-memory");
	/* "dd": do not dump (MADV_DONTDUMP); "wf": wipe on fork. */
	CHECK(mapping_flags(v, flags, sizeof(flags)));
	if (!strstr(flags, " dd") || !strstr(flags, " wf"))
		TEST_FAIL("VmFlags of the secret's mapping:%s", flags);
	/* The copies libcurl and OpenSSL make are ordinary heap: the
	 * process is not dumpable once it holds a secret, and stays so. */
	CHECK_INT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	CHECK(secret_free(v) == NULL);
	CHECK_INT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	/* Mapped memory goes back on free: a freed secret's address is no
	 * longer in any mapping of secrets. */
	w = secret_strndup("x", 1);
	CHECK_STR(w, "x");
	CHECK(mapping_flags(w, flags, sizeof(flags)) && strstr(flags, " dd"));
	secret_free(w);
	CHECK(secret_free(NULL) == NULL);
	test_rmtree(dir);
}

/* Webhook signing secrets: only what the Standard Webhooks libraries read
 * as the same key. */
#define A32 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
TEST(webhook_secrets_in_the_standard_form_only)
{
	static const struct {
		const char *secret;
		int r;
		size_t len;
	} cases[] = {
		/* 24, 32 and 64 bytes */
		{"whsec_" A32, 0, 24},
		{"whsec_c2NyYXBld2F0Y2ggdW5pdCB0ZXN0IHNlY3JldCEhISE=", 0, 32},
		{"whsec_" A32 A32 "AAAAAAAAAAAAAAAAAAAAAA==", 0, 64},
		/* 22 and 65 bytes */
		{"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", -EINVAL, 0},
		{"whsec_" A32 A32 "AAAAAAAAAAAAAAAAAAAAAAA=", -EINVAL, 0},
		/* openssl rand -hex 32: the libraries would base64-decode it */
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		 -EINVAL, 0},
		{"a plain string secret, 32 bytes", -EINVAL, 0},
		{"whsec_", -EINVAL, 0},
		{"whsec_AAAA AAAAAAAAAAAAAAAAAAAAAAAAAAAA", -EINVAL, 0},
		{"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=A", -EINVAL, 0},
	};
	unsigned char key[SECRET_WEBHOOK_KEY_MAX];
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = 0;
		CHECK_INT(secret_webhook_key(cases[i].secret, key, &len),
			  cases[i].r);
		CHECK_INT(len, cases[i].len);
		CHECK_INT(secret_webhook_check(cases[i].secret), cases[i].r);
	}
}
