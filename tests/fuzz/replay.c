/*
 * replay.c: the main() a fuzz target is linked with when it is not built
 * for libFuzzer.  Each argument is a file or a directory of files (not
 * recursive, in name order); every file is read into a buffer of exactly
 * its size and handed to LLVMFuzzerTestOneInput() once.  A crash or a
 * sanitizer report ends the program like it would end the fuzzer; a clean
 * run prints how many inputs it replayed.  Replaying nothing is an error,
 * so that a misspelt corpus path cannot pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads path whole into a malloc'ed buffer of its exact size. */
static uint8_t *read_file(const char *path, size_t *ret_size)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		uint8_t *grown;

		if (size == cap) {
			cap = cap ? 2 * cap : 4096;
			grown = realloc(data, cap);
			if (!grown)
				abort();
			data = grown;
		}
		n = fread(data + size, 1, cap - size, f);
		size += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(data);
		return NULL;
	}
	fclose(f);
	/* An exact-size copy: a read past the input trips ASan. */
	{
		uint8_t *exact = malloc(size ? size : 1);

		if (!exact)
			abort();
		if (size)
			memcpy(exact, data, size);
		free(data);
		*ret_size = size;
		return exact;
	}
}

static int replay_file(const char *path)
{
	size_t size = 0;
	uint8_t *data = read_file(path, &size);

	if (!data) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	(void)LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 1;
}

static int skip_name(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Replays every file of dir; returns how many, or -1. */
static int replay_dir(const char *dir)
{
	struct dirent **names;
	char path[4096];
	int i, n, done = 0, r;

	n = scandir(dir, &names, skip_name, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list '%s': %s\n", dir,
			strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		r = snprintf(path, sizeof(path), "%s/%s", dir,
			     names[i]->d_name);
		if (r > 0 && (size_t)r < sizeof(path) && done >= 0)
			done = replay_file(path) < 0 ? -1 : done + 1;
		free(names[i]);
	}
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	struct stat st;
	long total = 0;
	int i, n;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: '%s': %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(argv[i])
					: replay_file(argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "replay: no inputs (usage: %s FILE|DIR...)\n",
			argv[0]);
		return 1;
	}
	printf("replayed %ld inputs\n", total);
	return 0;
}
