/*
 * faultshim.h: an SQLite VFS that sits over the default one and makes one
 * chosen file operation fail, for the fault-injection tests; and the same
 * for the files the program writes itself (entry segments, key sets,
 * downloads), whose write(), pwrite(), fsync() and fdatasync() calls reach
 * the shim when the test is linked with -Wl,--wrap= for each (SQLite's
 * own calls, in its shared library, do not).
 *
 * It counts every read, write, sync and truncate of every file SQLite opens
 * through it (database, WAL, journals, temporary files).  Armed with a kind
 * and a number N, the Nth operation of that kind (counted from the arming)
 * returns the given SQLite error instead of reaching the disk; "sticky"
 * faults keep failing every later operation of that kind, like a disk that
 * stays full.  Single-threaded use only: the counters are plain globals of
 * the test program.
 */
#ifndef SCRAPEWATCH_FAULTSHIM_H
#define SCRAPEWATCH_FAULTSHIM_H

enum faultshim_op {
	FAULTSHIM_READ,
	FAULTSHIM_WRITE,
	FAULTSHIM_SYNC,
	FAULTSHIM_TRUNCATE,
	FAULTSHIM_FILE_WRITE, /* the program's own: write(), pwrite() */
	FAULTSHIM_FILE_SYNC,  /* fsync(), fdatasync() */
	FAULTSHIM_OPS,
};

/* Registers the shim as "faultshim" over the current default VFS, and
 * makes it the default when make_default.  Returns an SQLite code. */
int faultshim_register(int make_default);

/* Zeroes the counters and disarms. */
void faultshim_reset(void);

/* Fails the nth (1-based) operation of kind op from now on with rc (an
 * SQLite code; for the program's own files an errno); with sticky, every
 * one after it too.  Zeroes the counters. */
void faultshim_arm(enum faultshim_op op, unsigned long n, int rc, int sticky);

/* Stops failing (the counters keep counting). */
void faultshim_disarm(void);

/* Operations of kind op seen since the last reset or arm. */
unsigned long faultshim_count(enum faultshim_op op);

/* Operations that were made to fail since the last arm. */
unsigned long faultshim_injected(void);

/* "read", "write", "sync", "truncate", "file-write", "file-sync". */
const char *faultshim_op_name(enum faultshim_op op);

#endif
