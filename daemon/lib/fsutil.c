/*
 * fsutil.c: durable file system steps (fsutil.h).
 */
#include "lib/fsutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"

/* Makes dir and its parents (mode 0700 for what it creates). */
int mkdir_p(const char *dir)
{
	char path[4096];
	size_t i, len = strlen(dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (i = 1; i <= len; i++)
		if (path[i] == '/' || path[i] == '\0') {
			char saved = path[i];

			path[i] = '\0';
			if (mkdir(path, 0700) < 0 && errno != EEXIST)
				return -errno;
			path[i] = saved;
		}
	return 0;
}

int fsync_dir(const char *dir)
{
	int fd, r = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int path_dir(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;

	if (slash == path)
		len = 1;
	if (len >= size)
		return -ENAMETOOLONG;
	if (!slash)
		snprintf(dir, size, ".");
	else {
		memcpy(dir, path, len);
		dir[len] = '\0';
	}
	return 0;
}

int rename_durably(const char *from, const char *to)
{
	char d_from[PATH_MAX], d_to[PATH_MAX];
	int r;

	r = path_dir(from, d_from, sizeof(d_from));
	if (r >= 0)
		r = path_dir(to, d_to, sizeof(d_to));
	if (r < 0)
		return r;
	if (rename(from, to) < 0)
		return -errno;
	r = fsync_dir(d_to);
	if (r >= 0 && strcmp(d_from, d_to) != 0)
		r = fsync_dir(d_from);
	return r;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *data = buf;

	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int create_new_file(const char *path, int mode)
{
	int fd;

	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  (mode_t)mode);
	if (fd < 0)
		return -errno;
	/* The umask may have taken bits the mode asks for. */
	if (fchmod(fd, (mode_t)mode) < 0) {
		int r = -errno;

		close(fd);
		(void)unlink(path);
		return r;
	}
	return fd;
}

FILE *fopen_nofollow(const char *path, const char *how, int mode)
{
	bool write = how[0] == 'w';
	int fd, saved;
	FILE *f;

	fd = write ? create_new_file(path, mode)
		   : open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		errno = write ? -fd : errno;
		return NULL;
	}
	f = fdopen(fd, how);
	if (!f) {
		saved = errno;
		close(fd);
		if (write)
			(void)unlink(path);
		errno = saved;
	}
	return f;
}

int write_file_durably(const char *path, const void *data, size_t len, int mode)
{
	char tmp[4096];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = create_new_file(tmp, mode);
	if (fd < 0)
		return fd;
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		r = rename_durably(tmp, path);
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

char *file_uri(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	struct buf b;

	buf_init(&b, 3 * strlen(path) + strlen(query) + 8);
	buf_append(&b, "file:", 5);
	for (p = (const unsigned char *)path; *p; p++)
		if (isalnum(*p) || strchr("/-._~", *p))
			buf_append(&b, (const char *)p, 1);
		else
			buf_printf(&b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	buf_printf(&b, "?%s", query);
	return buf_steal(&b);
}
