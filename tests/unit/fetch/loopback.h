/*
 * loopback.h: a loopback host from tests/lib (hf_hub.py, github_api.py)
 * for the source tests, and what they share: the server started once per
 * test program in a directory of its own ($SW_TEST_DATA/lib/SCRIPT DIR,
 * run by /usr/bin/python3, ready when DIR/ready holds its ports), its
 * state file rewritten by each test, its request log read back, a
 * dataset loaded from YAML, and SHA-256s of test files.  Header-only;
 * include after test.h and testutil.h.
 */
#ifndef SCRAPEWATCH_TEST_LOOPBACK_H
#define SCRAPEWATCH_TEST_LOOPBACK_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"

struct loopback {
	char dir[PATH_MAX];
	pid_t pid, owner;
	int ports[2];
	long log_mark; /* bytes of the log already read */
};

static struct loopback loopback_server;

static inline void loopback_stop(void)
{
	if (loopback_server.pid > 0 && getpid() == loopback_server.owner) {
		kill(loopback_server.pid, SIGTERM);
		waitpid(loopback_server.pid, NULL, 0);
		loopback_server.pid = 0;
	}
}

static inline void loopback_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The server of script (started at the first call; exits 2 when it does
 * not start). */
static inline struct loopback *loopback_start(const char *script)
{
	struct loopback *lb = &loopback_server;
	const char *data = getenv("SW_TEST_DATA");
	char path[PATH_MAX], ready[PATH_MAX + 8], err[PATH_MAX + 16];
	FILE *f = NULL;
	int i;

	if (lb->pid > 0)
		return lb;
	snprintf(lb->dir, sizeof(lb->dir), "%s", test_tmpdir());
	snprintf(path, sizeof(path), "%s/lib/%s", data ? data : "tests",
		 script);
	snprintf(ready, sizeof(ready), "%s/ready", lb->dir);
	snprintf(err, sizeof(err), "%s/server.err", lb->dir);
	lb->owner = getpid();
	lb->pid = fork();
	if (lb->pid == 0) {
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
		execl("/usr/bin/python3", "python3", path, lb->dir,
		      (char *)NULL);
		_exit(127);
	}
	atexit(loopback_stop);
	for (i = 0; i < 200 && !f; i++) {
		f = fopen(ready, "r");
		if (!f)
			loopback_sleep_ms(50);
	}
	if (!f || fscanf(f, "%d %d", &lb->ports[0], &lb->ports[1]) != 2) {
		fprintf(stderr, "%s did not start (see %s)\n", script, err);
		exit(2);
	}
	fclose(f);
	return lb;
}

/* Replaces the server's state file with json (through a rename). */
static inline void loopback_state(struct loopback *lb, const char *json)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/state.json", lb->dir);
	snprintf(tmp, sizeof(tmp), "%s/state.json.tmp", lb->dir);
	test_write(lb->dir, "state.json.tmp", json, 0600);
	if (rename(tmp, path) < 0) {
		perror(path);
		exit(2);
	}
}

/* The log lines written since the last call (static, overwritten). */
static inline const char *loopback_log(struct loopback *lb)
{
	static char text[1 << 16];
	char path[PATH_MAX + 8];
	size_t n = 0;
	FILE *f;

	text[0] = '\0';
	snprintf(path, sizeof(path), "%s/log", lb->dir);
	f = fopen(path, "r");
	if (!f)
		return text;
	if (fseek(f, lb->log_mark, SEEK_SET) == 0)
		n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	lb->log_mark += (long)n;
	fclose(f);
	return text;
}

/* The lines of text that hold a, and b unless it is NULL. */
static inline unsigned loopback_lines(const char *text, const char *a,
				      const char *b)
{
	unsigned n = 0;
	const char *line = text, *end;
	char one[4096];

	for (; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		snprintf(one, sizeof(one), "%.*s", (int)(end - line), line);
		if (strstr(one, a) && (!b || strstr(one, b)))
			n++;
	}
	return n;
}

/* Loads a configuration of the YAML text; exits 2 when it is wrong. */
static inline struct config *loopback_config(const char *yaml)
{
	const char *dir = test_tmpdir();
	struct config *c = NULL;
	char *errors = NULL, path[PATH_MAX];

	snprintf(path, sizeof(path), "%s",
		 test_write(dir, "sw.yaml", yaml, 0600));
	if (config_load(path, &c, &errors) < 0) {
		fprintf(stderr, "configuration refused: %s\n", errors);
		exit(2);
	}
	return c;
}

/* SHA-256 of len bytes, in hex. */
static inline void loopback_sha256(const char *data, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned n = 0, i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, data, len);
	EVP_DigestFinal_ex(c, md, &n);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(c);
}

#endif
