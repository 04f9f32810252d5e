/*
 * secret.c: secret files and systemd credentials.  A secret is read with one
 * open() and checked on that descriptor (no check-then-open race), capped at
 * SECRET_MAX bytes, and handed to the caller; nothing here keeps or prints it.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "xalloc.h"

/* Reads the whole secret from fd.  private_only: refuse group/other access. */
static int secret_read_fd(int fd, const char *what, int private_only,
			  char **ret_value, char *why, size_t size)
{
	char data[SECRET_MAX + 1];
	struct stat st;
	size_t len = 0;
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		snprintf(why, size, "cannot stat %s: %s", what,
			 strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, size, "%s is not a regular file", what);
		return -EINVAL;
	}
	if (private_only && (st.st_mode & 077)) {
		snprintf(why, size,
			 "%s can be read by other users (mode %04o); make it "
			 "private with chmod 600",
			 what, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	while (len < sizeof(data)) {
		n = read(fd, data + len, sizeof(data) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, size, "cannot read %s: %s", what,
				 strerror(errno));
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SECRET_MAX) {
		snprintf(why, size, "%s is larger than %d bytes", what,
			 SECRET_MAX);
		return -EFBIG;
	}
	if (len > 0 && data[len - 1] == '\n')
		len--;
	if (len > 0 && data[len - 1] == '\r')
		len--;
	if (len == 0 || memchr(data, '\0', len)) {
		snprintf(why, size, "%s is empty or holds a NUL byte", what);
		return -EINVAL;
	}
	*ret_value = xstrndup(data, len);
	explicit_bzero(data, sizeof(data));
	return 0;
}

int secret_read_credential(const char *name, char **ret_value, char *why,
			   size_t size)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	_cleanup_close_ int dfd = -1, fd = -1;
	char what[512];

	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		snprintf(why, size,
			 "credential name '%s' must be a plain file name",
			 name);
		return -EINVAL;
	}
	if (!dir || !*dir) {
		snprintf(
			why, size,
			"credential '%s' is not available: $CREDENTIALS_DIRECTORY "
			"is not set; run under systemd with "
			"LoadCredential=%s:/path/to/secret, or write "
			"{ file: PATH } instead",
			name, name);
		return -ENOENT;
	}
	snprintf(what, sizeof(what), "credential '%s'", name);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			snprintf(
				why, size,
				"credential '%s' not found in '%s'; add "
				"LoadCredential=%s:/path/to/secret to the unit",
				name, dir, name);
		else
			snprintf(why, size,
				 "cannot open credential '%s' in '%s': %s",
				 name, dir, strerror(e));
		return -e;
	}
	/* systemd makes credentials private to the service: no mode check. */
	return secret_read_fd(fd, what, 0, ret_value, why, size);
}

int secret_read_file(const char *path, char **ret_value, char *why, size_t size)
{
	_cleanup_close_ int fd = -1;
	char what[512];

	snprintf(what, sizeof(what), "secret file '%s'", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		snprintf(why, size, "cannot open %s: %s", what, strerror(e));
		return -e;
	}
	return secret_read_fd(fd, what, 1, ret_value, why, size);
}
