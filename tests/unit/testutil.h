/*
 * testutil.h: file helpers for unit tests: a private temporary directory
 * and writing small files into it.  Header-only; include after test.h.
 */
#ifndef SCRAPEWATCH_TESTUTIL_H
#define SCRAPEWATCH_TESTUTIL_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static inline void test_rmtree(const char *dir);

/* The next of a xorshift sequence from *state (not 0): reproducible
 * pseudo-random test data. */
static inline uint64_t test_xorshift(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* The directories test_tmpdir() made, removed when the process that made
 * them exits (not when a child it forked does). */
#define TEST_TMPDIRS_MAX 256
static char test_tmpdirs[TEST_TMPDIRS_MAX][PATH_MAX];
static size_t test_n_tmpdirs;
static pid_t test_tmpdirs_owner;

static inline void test_tmpdirs_remove(void)
{
	size_t i;

	if (getpid() != test_tmpdirs_owner)
		return;
	for (i = 0; i < test_n_tmpdirs; i++)
		test_rmtree(test_tmpdirs[i]);
}

/* Makes a fresh directory under $TMPDIR and returns its path (static); it
 * is removed, with what is in it, when the test program exits. */
static inline const char *test_tmpdir(void)
{
	static char dir[PATH_MAX];
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/sw-test.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	if (!test_tmpdirs_owner) {
		test_tmpdirs_owner = getpid();
		atexit(test_tmpdirs_remove);
	}
	if (test_n_tmpdirs < TEST_TMPDIRS_MAX)
		snprintf(test_tmpdirs[test_n_tmpdirs++], PATH_MAX, "%s", dir);
	return dir;
}

/* Writes content to dir/name with the given mode; returns the path
 * (static, overwritten by the next call). */
static inline const char *test_write(const char *dir, const char *name,
				     const char *content, mode_t mode)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	chmod(path, mode);
	return path;
}

/* Removes a directory tree made by the test (no symlinks inside). */
static inline void test_rmtree(const char *dir)
{
	char cmd[PATH_MAX + 16];
	pid_t pid;

	/* No shell: fork and exec rm directly. */
	snprintf(cmd, sizeof(cmd), "%s", dir);
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

#endif
