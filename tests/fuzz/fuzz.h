/*
 * fuzz.h: what the fuzz targets share: the libFuzzer entry point's
 * prototype, a size guard, a checked assertion that aborts (so libFuzzer
 * and the replay both see a crash), a per-process temporary directory
 * removed at exit, and a reader that takes integers and NUL-separated
 * strings off the front of an input.  Header-only; include in exactly one
 * .c file per target.  A target never writes outside fuzz_tmpdir().
 */
#ifndef SCRAPEWATCH_FUZZ_H
#define SCRAPEWATCH_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs past this are ignored: bigger ones find nothing new, only slowly. */
#define FUZZ_INPUT_MAX (256 * 1024)

/* An oracle: a broken contract aborts, naming the check. */
#define FUZZ_CHECK(cond)                                                  \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", \
				__FILE__, __LINE__, #cond);               \
			abort();                                          \
		}                                                         \
	} while (0)

/* ---- a temporary directory per process ---------------------------------- */

static char fuzz_dir[PATH_MAX];

static inline int fuzz_rm(const char *path, const struct stat *st, int type,
			  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static inline void fuzz_tmpdir_remove(void)
{
	if (fuzz_dir[0])
		(void)nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory under $TMPDIR, made on the first call and removed at
 * exit; its path is returned (static). */
static inline const char *fuzz_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	if (fuzz_dir[0])
		return fuzz_dir;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/sw-fuzz.XXXXXX",
		 t && *t ? t : "/tmp");
	if (!mkdtemp(fuzz_dir)) {
		perror("mkdtemp");
		abort();
	}
	atexit(fuzz_tmpdir_remove);
	return fuzz_dir;
}

/* Writes size bytes to path (made or truncated) with the given mode. */
static inline void fuzz_write(const char *path, const void *data, size_t size,
			      mode_t mode)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	FUZZ_CHECK(fd >= 0);
	while (size > 0) {
		n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		FUZZ_CHECK(n > 0);
		p += n;
		size -= (size_t)n;
	}
	FUZZ_CHECK(fchmod(fd, mode) == 0);
	FUZZ_CHECK(close(fd) == 0);
}

/* ---- taking an input apart ---------------------------------------------- */

struct fuzz_input {
	const uint8_t *p;
	size_t left;
};

/* The next byte, or 0 past the end. */
static inline uint8_t fuzz_byte(struct fuzz_input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* The next n (at most 8) bytes as a little-endian number; 0s past the
 * end. */
static inline uint64_t fuzz_uint(struct fuzz_input *in, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n && i < 8; i++)
		v |= (uint64_t)fuzz_byte(in) << (8 * i);
	return v;
}

/* The bytes up to the next NUL (or the end), as a malloc'ed string of
 * exactly that size (reading past it trips ASan); NULL once the input is
 * used up. */
static inline char *fuzz_string(struct fuzz_input *in)
{
	const uint8_t *nul;
	size_t n;
	char *s;

	if (!in->left)
		return NULL;
	nul = memchr(in->p, '\0', in->left);
	n = nul ? (size_t)(nul - in->p) : in->left;
	s = malloc(n + 1);
	FUZZ_CHECK(s != NULL);
	memcpy(s, in->p, n);
	s[n] = '\0';
	in->p += n + (nul != NULL);
	in->left -= n + (nul != NULL);
	return s;
}

/* FNV-1a, to fold what a parser hands out into one comparable number. */
static inline uint64_t fuzz_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

#define FUZZ_HASH_INIT 0xcbf29ce484222325ULL

#endif
