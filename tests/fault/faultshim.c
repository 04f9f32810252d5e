/*
 * faultshim.c: the fault-injecting SQLite VFS of faultshim.h.
 *
 * Each file opened through the shim wraps the underlying VFS's file: the
 * wrapper's methods count the operation, fail it when armed for it, and
 * otherwise pass it through.  Memory mapping is refused (xFetch hands back
 * no pointer), so every page SQLite reads goes through xRead and can fail.
 * Shared memory (the WAL index) passes through untouched.  The program's
 * own writes and syncs come through the __wrap_ functions at the end.
 */
#include "faultshim.h"

#include <errno.h>
#include <sqlite3.h>
#include <stddef.h>
#include <unistd.h>

struct shim_file {
	sqlite3_file base;   /* must come first: SQLite sees this */
	sqlite3_file *under; /* owned (sqlite3_malloc): the real file */
};

static struct {
	sqlite3_vfs vfs;
	sqlite3_vfs *under; /* borrowed: the VFS below */
	unsigned long count[FAULTSHIM_OPS];
	int armed;
	enum faultshim_op op;
	unsigned long at;
	int rc, sticky;
	unsigned long injected;
} shim;

static const char *const op_names[FAULTSHIM_OPS] = {
	[FAULTSHIM_READ] = "read",
	[FAULTSHIM_WRITE] = "write",
	[FAULTSHIM_SYNC] = "sync",
	[FAULTSHIM_TRUNCATE] = "truncate",
	[FAULTSHIM_FILE_WRITE] = "file-write",
	[FAULTSHIM_FILE_SYNC] = "file-sync",
};

const char *faultshim_op_name(enum faultshim_op op)
{
	return op < FAULTSHIM_OPS ? op_names[op] : "?";
}

void faultshim_reset(void)
{
	for (int i = 0; i < FAULTSHIM_OPS; i++)
		shim.count[i] = 0;
	shim.armed = 0;
	shim.injected = 0;
}

void faultshim_arm(enum faultshim_op op, unsigned long n, int rc, int sticky)
{
	faultshim_reset();
	shim.armed = 1;
	shim.op = op;
	shim.at = n;
	shim.rc = rc;
	shim.sticky = sticky;
}

void faultshim_disarm(void)
{
	shim.armed = 0;
}

unsigned long faultshim_count(enum faultshim_op op)
{
	return shim.count[op];
}

unsigned long faultshim_injected(void)
{
	return shim.injected;
}

/* Counts one operation; returns the error to fake, or SQLITE_OK. */
static int shim_hit(enum faultshim_op op)
{
	unsigned long n = ++shim.count[op];

	if (!shim.armed || op != shim.op)
		return SQLITE_OK;
	if (n == shim.at || (shim.sticky && n > shim.at)) {
		shim.injected++;
		return shim.rc;
	}
	return SQLITE_OK;
}

static sqlite3_file *under(sqlite3_file *f)
{
	return ((struct shim_file *)f)->under;
}

static int shim_close(sqlite3_file *f)
{
	sqlite3_file *u = under(f);
	int rc = u->pMethods->xClose(u);

	sqlite3_free(u);
	return rc;
}

static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	int rc = shim_hit(FAULTSHIM_READ);

	return rc ? rc : under(f)->pMethods->xRead(under(f), p, n, off);
}

static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	int rc = shim_hit(FAULTSHIM_WRITE);

	return rc ? rc : under(f)->pMethods->xWrite(under(f), p, n, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = shim_hit(FAULTSHIM_TRUNCATE);

	return rc ? rc : under(f)->pMethods->xTruncate(under(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
	int rc = shim_hit(FAULTSHIM_SYNC);

	return rc ? rc : under(f)->pMethods->xSync(under(f), flags);
}

static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return under(f)->pMethods->xFileSize(under(f), size);
}

static int shim_lock(sqlite3_file *f, int level)
{
	return under(f)->pMethods->xLock(under(f), level);
}

static int shim_unlock(sqlite3_file *f, int level)
{
	return under(f)->pMethods->xUnlock(under(f), level);
}

static int shim_check_reserved(sqlite3_file *f, int *out)
{
	return under(f)->pMethods->xCheckReservedLock(under(f), out);
}

static int shim_file_control(sqlite3_file *f, int op, void *arg)
{
	return under(f)->pMethods->xFileControl(under(f), op, arg);
}

static int shim_sector_size(sqlite3_file *f)
{
	return under(f)->pMethods->xSectorSize(under(f));
}

static int shim_device_characteristics(sqlite3_file *f)
{
	return under(f)->pMethods->xDeviceCharacteristics(under(f));
}

static int shim_shm_map(sqlite3_file *f, int region, int size, int extend,
			void volatile **pp)
{
	return under(f)->pMethods->xShmMap(under(f), region, size, extend, pp);
}

static int shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return under(f)->pMethods->xShmLock(under(f), offset, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
	under(f)->pMethods->xShmBarrier(under(f));
}

static int shim_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return under(f)->pMethods->xShmUnmap(under(f), delete_flag);
}

/* No memory mapping: SQLite falls back to xRead. */
static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	(void)f;
	(void)off;
	(void)n;
	*pp = NULL;
	return SQLITE_OK;
}

static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	(void)f;
	(void)off;
	(void)p;
	return SQLITE_OK;
}

static const sqlite3_io_methods shim_methods = {
	.iVersion = 3,
	.xClose = shim_close,
	.xRead = shim_read,
	.xWrite = shim_write,
	.xTruncate = shim_truncate,
	.xSync = shim_sync,
	.xFileSize = shim_file_size,
	.xLock = shim_lock,
	.xUnlock = shim_unlock,
	.xCheckReservedLock = shim_check_reserved,
	.xFileControl = shim_file_control,
	.xSectorSize = shim_sector_size,
	.xDeviceCharacteristics = shim_device_characteristics,
	.xShmMap = shim_shm_map,
	.xShmLock = shim_shm_lock,
	.xShmBarrier = shim_shm_barrier,
	.xShmUnmap = shim_shm_unmap,
	.xFetch = shim_fetch,
	.xUnfetch = shim_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
		     int flags, int *out_flags)
{
	struct shim_file *sf = (struct shim_file *)f;
	sqlite3_file *u;
	int rc;

	(void)vfs;
	sf->base.pMethods = NULL;
	sf->under = NULL;
	u = sqlite3_malloc(shim.under->szOsFile);
	if (!u)
		return SQLITE_NOMEM;
	for (int i = 0; i < shim.under->szOsFile; i++)
		((unsigned char *)u)[i] = 0;
	rc = shim.under->xOpen(shim.under, name, u, flags, out_flags);
	/* A half-opened file still needs its xClose: keep the wrapper
	 * whenever the real file has methods. */
	if (!u->pMethods) {
		sqlite3_free(u);
		return rc;
	}
	sf->under = u;
	sf->base.pMethods = &shim_methods;
	return rc;
}

static int shim_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return shim.under->xDelete(shim.under, name, sync_dir);
}

static int shim_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return shim.under->xAccess(shim.under, name, flags, out);
}

static int shim_full_pathname(sqlite3_vfs *vfs, const char *name, int n,
			      char *out)
{
	(void)vfs;
	return shim.under->xFullPathname(shim.under, name, n, out);
}

static int shim_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return shim.under->xRandomness(shim.under, n, out);
}

static int shim_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return shim.under->xSleep(shim.under, us);
}

static int shim_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return shim.under->xCurrentTime(shim.under, out);
}

static int shim_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return shim.under->xGetLastError(shim.under, n, out);
}

static int shim_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return shim.under->xCurrentTimeInt64(shim.under, out);
}

int faultshim_register(int make_default)
{
	shim.under = sqlite3_vfs_find(NULL);
	if (!shim.under)
		return SQLITE_ERROR;
	shim.vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct shim_file),
		.mxPathname = shim.under->mxPathname,
		.zName = "faultshim",
		.xOpen = shim_open,
		.xDelete = shim_delete,
		.xAccess = shim_access,
		.xFullPathname = shim_full_pathname,
		.xRandomness = shim_randomness,
		.xSleep = shim_sleep,
		.xCurrentTime = shim_current_time,
		.xGetLastError = shim_last_error,
		.xCurrentTimeInt64 = shim_current_time64,
	};
	return sqlite3_vfs_register(&shim.vfs, make_default);
}

/* ---- the program's own files ---------------------------------------------- */

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __real_pwrite(int fd, const void *buf, size_t n, off_t off);
int __real_fsync(int fd);
int __real_fdatasync(int fd);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off);
int __wrap_fsync(int fd);
int __wrap_fdatasync(int fd);

/* Counts one call on fd (not the standard streams, where the log goes);
 * -1 with errno set when it is to fail. */
static int file_hit(enum faultshim_op op, int fd)
{
	int rc = fd > 2 ? shim_hit(op) : SQLITE_OK;

	if (rc == SQLITE_OK)
		return 0;
	errno = rc;
	return -1;
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	return file_hit(FAULTSHIM_FILE_WRITE, fd) < 0
		       ? -1
		       : __real_write(fd, buf, n);
}

ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return file_hit(FAULTSHIM_FILE_WRITE, fd) < 0
		       ? -1
		       : __real_pwrite(fd, buf, n, off);
}

int __wrap_fsync(int fd)
{
	return file_hit(FAULTSHIM_FILE_SYNC, fd) < 0 ? -1 : __real_fsync(fd);
}

int __wrap_fdatasync(int fd)
{
	return file_hit(FAULTSHIM_FILE_SYNC, fd) < 0 ? -1
						     : __real_fdatasync(fd);
}
