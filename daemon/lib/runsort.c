/*
 * runsort.c: the external sort of runsort.h.
 *
 * A chunk is sorted by radix-sorting (key, place) pairs and gathering the
 * records in that order, so that the records themselves move once.  Runs
 * go one after the other into one file; the merge reads each back
 * through a buffer of its own and picks the smallest key with a binary
 * heap over the runs, ties to the earlier run (records of one key keep
 * the order they came in: each run is sorted stably).
 */
#include "lib/runsort.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/macro.h"
#include "lib/radix.h"
#include "lib/xalloc.h"

#define OUT_BUF	 (1u << 20) /* bytes written at once */
#define RUN_BUF	 (1u << 18) /* bytes read back at once, per run */
#define RUNS_MAX 4096	    /* runs in one file (records * chunks) */

struct key_place {
	uint64_t key, place;
};

RADIX_SORT(sort_key_places, struct key_place, key)

struct run {
	uint64_t off, n; /* where it starts in the file, its records */
	uint64_t done;	 /* records taken from it */
	unsigned char *buf;
	size_t len, pos; /* records in buf, the current one */
};

struct runsort {
	char *dir;
	size_t size, chunk;
	unsigned char *mem; /* the chunk being gathered */
	size_t n_mem;
	struct key_place *order, *tmp; /* the chunk's sort */
	uint64_t count;
	int fd; /* the runs' file, or -1 before the first run */
	uint64_t file_bytes;
	struct run *runs;
	size_t n_runs;
	bool finished;
	/* The merge: runs by their current key, and the one taken last,
	 * advanced at the next call. */
	size_t *heap, n_heap;
	bool advance;
	size_t mem_at; /* the next of the chunk, with no runs */
};

struct runsort *runsort_new(const char *dir, size_t record_size,
			    size_t chunk_records)
{
	struct runsort *rs = xcalloc(1, sizeof(*rs));

	rs->dir = xstrdup(dir);
	rs->size = MAX(record_size, (size_t)8);
	rs->chunk = MAX(chunk_records, (size_t)1);
	rs->fd = -1;
	return rs;
}

static uint64_t key_of(const unsigned char *rec)
{
	uint64_t k;

	memcpy(&k, rec, 8);
	return k;
}

/* Sorts the chunk: rs->order holds its places in key order. */
static void sort_chunk(struct runsort *rs)
{
	size_t i;

	if (!rs->order) {
		rs->order = xreallocarray(NULL, rs->chunk, sizeof(*rs->order));
		rs->tmp = xreallocarray(NULL, rs->chunk, sizeof(*rs->tmp));
	}
	for (i = 0; i < rs->n_mem; i++)
		rs->order[i] =
			(struct key_place){key_of(rs->mem + i * rs->size), i};
	sort_key_places(rs->order, rs->tmp, rs->n_mem);
}

/* The runs' file: made afresh and unlinked at once. */
static int open_file(struct runsort *rs)
{
	static atomic_uint serial;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/.runsort-%ld-%u.tmp", rs->dir,
		 (long)getpid(), atomic_fetch_add(&serial, 1));
	(void)unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -errno;
	(void)unlink(path);
	rs->fd = fd;
	return 0;
}

/* Writes the chunk, sorted, as the next run. */
static int spill(struct runsort *rs)
{
	unsigned char *out;
	size_t i, n = 0, per = MAX(OUT_BUF / rs->size, (size_t)1);
	int r = 0;

	if (rs->n_runs == RUNS_MAX)
		return -E2BIG;
	if (rs->fd < 0) {
		r = open_file(rs);
		if (r < 0)
			return r;
	}
	sort_chunk(rs);
	out = xmalloc(per * rs->size);
	for (i = 0; i < rs->n_mem && r >= 0; i++) {
		memcpy(out + n * rs->size,
		       rs->mem + rs->order[i].place * rs->size, rs->size);
		if (++n == per || i + 1 == rs->n_mem) {
			r = write_all(rs->fd, out, n * rs->size);
			n = 0;
		}
	}
	free(out);
	if (r < 0)
		return r;
	rs->runs = xreallocarray(rs->runs, rs->n_runs + 1, sizeof(*rs->runs));
	rs->runs[rs->n_runs++] =
		(struct run){.off = rs->file_bytes, .n = rs->n_mem};
	rs->file_bytes += (uint64_t)rs->n_mem * rs->size;
	rs->n_mem = 0;
	return 0;
}

int runsort_add(struct runsort *rs, const void *rec)
{
	int r;

	if (rs->finished)
		return -EINVAL;
	if (!rs->mem)
		rs->mem = xreallocarray(NULL, rs->chunk, rs->size);
	if (rs->n_mem == rs->chunk) {
		r = spill(rs);
		if (r < 0)
			return r;
	}
	memcpy(rs->mem + rs->n_mem * rs->size, rec, rs->size);
	rs->n_mem++;
	rs->count++;
	return 0;
}

uint64_t runsort_count(const struct runsort *rs)
{
	return rs->count;
}

size_t runsort_runs(const struct runsort *rs)
{
	return rs->n_runs;
}

/* Reads the next records of run x into its buffer.  Returns 1, 0 when
 * it is used up, or -errno. */
static int refill(struct runsort *rs, struct run *x)
{
	size_t per = MAX(RUN_BUF / rs->size, (size_t)1);
	size_t want = (size_t)MIN((uint64_t)per, x->n - x->done);
	ssize_t got;

	if (want == 0)
		return 0;
	if (!x->buf)
		x->buf = xmalloc(per * rs->size);
	got = pread(rs->fd, x->buf, want * rs->size,
		    (off_t)(x->off + x->done * rs->size));
	if (got < 0)
		return -errno;
	if ((size_t)got != want * rs->size)
		return -EIO;
	x->len = want;
	x->pos = 0;
	return 1;
}

static const unsigned char *current(const struct runsort *rs,
				    const struct run *x)
{
	return x->buf + x->pos * rs->size;
}

/* Does run a come before run b: a smaller key, or the same key and an
 * earlier run? */
static bool before(const struct runsort *rs, size_t a, size_t b)
{
	uint64_t ka = key_of(current(rs, &rs->runs[a]));
	uint64_t kb = key_of(current(rs, &rs->runs[b]));

	return ka < kb || (ka == kb && a < b);
}

static void sift_down(struct runsort *rs, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i, t;

		if (l < rs->n_heap && before(rs, rs->heap[l], rs->heap[m]))
			m = l;
		if (l + 1 < rs->n_heap &&
		    before(rs, rs->heap[l + 1], rs->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		t = rs->heap[i];
		rs->heap[i] = rs->heap[m];
		rs->heap[m] = t;
		i = m;
	}
}

int runsort_finish(struct runsort *rs)
{
	size_t i;
	int r;

	if (rs->finished)
		return -EINVAL;
	rs->finished = true;
	if (rs->n_runs == 0) {
		/* All of it in memory: taken in the chunk's order. */
		if (rs->n_mem)
			sort_chunk(rs);
		return 0;
	}
	if (rs->n_mem) {
		r = spill(rs);
		if (r < 0)
			return r;
	}
	free(rs->mem);
	free(rs->order);
	free(rs->tmp);
	rs->mem = NULL;
	rs->order = rs->tmp = NULL;
	rs->heap = xreallocarray(NULL, rs->n_runs, sizeof(*rs->heap));
	for (i = 0; i < rs->n_runs; i++) {
		r = refill(rs, &rs->runs[i]);
		if (r < 0)
			return r;
		if (r > 0)
			rs->heap[rs->n_heap++] = i;
	}
	for (i = rs->n_heap / 2; i-- > 0;)
		sift_down(rs, i);
	return 0;
}

/* Moves the run at the heap's top past its current record. */
static int advance_top(struct runsort *rs)
{
	struct run *x = &rs->runs[rs->heap[0]];
	int r = 1;

	x->done++;
	if (++x->pos == x->len)
		r = refill(rs, x);
	if (r < 0)
		return r;
	if (r == 0) {
		/* Used up: the last run takes its place. */
		free(x->buf);
		x->buf = NULL;
		rs->heap[0] = rs->heap[--rs->n_heap];
	}
	if (rs->n_heap)
		sift_down(rs, 0);
	return 0;
}

int runsort_next(struct runsort *rs, const void **rec)
{
	int r;

	if (!rs->finished)
		return -EINVAL;
	if (rs->n_runs == 0) {
		if (rs->mem_at == rs->n_mem)
			return 0;
		*rec = rs->mem + rs->order[rs->mem_at++].place * rs->size;
		return 1;
	}
	if (rs->advance) {
		rs->advance = false;
		r = advance_top(rs);
		if (r < 0)
			return r;
	}
	if (rs->n_heap == 0)
		return 0;
	*rec = current(rs, &rs->runs[rs->heap[0]]);
	rs->advance = true;
	return 1;
}

struct runsort *runsort_free(struct runsort *rs)
{
	size_t i;

	if (!rs)
		return NULL;
	if (rs->fd >= 0)
		close(rs->fd);
	for (i = 0; i < rs->n_runs; i++)
		free(rs->runs[i].buf);
	free(rs->runs);
	free(rs->heap);
	free(rs->mem);
	free(rs->order);
	free(rs->tmp);
	free(rs->dir);
	free(rs);
	return NULL;
}
