/*
 * decode.c: libarchive behind decode.h, with the file's SHA-256 computed on
 * a second thread.
 *
 * The file is read() into a ring of blocks and each block handed to
 * libarchive; the hashing thread hashes the same blocks in order.  A
 * block is reused once both are done with it, so the file is read once.
 * A plain file is read and handed out on the caller's thread, the hash
 * beside it.  A compressed one (or an archive's member) is decompressed on
 * a third, unpacking thread into a second ring of decoded blocks, which
 * decode_read() hands out: decompression takes as long as the parse or
 * longer, and the two then run side by side.  A plain zstd file (the
 * packaging of the largest releases) is decompressed by libzstd straight
 * into that ring, from the raw blocks libarchive's detection read, which
 * spares a copy of every decoded byte.  Only the formats and
 * filters scrapewatch needs are enabled (no external programs, no text
 * formats that could misread a manifest as an archive).
 */
#include "fetch/decode.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "lib/macro.h"
#include "lib/xalloc.h"

#define DECODE_SLOTS 4
#define DECODE_BLOCK (1u << 20)
#define UNPACK_SLOTS 4 /* decoded blocks waiting for the caller */

struct decode {
	int fd;
	struct archive *a; /* owned */
	char *member;	   /* owned glob, or NULL */
	uint64_t max_decoded;
	uint64_t max_expansion; /* decoded per raw byte read, or 0 */
	uint64_t decoded;
	bool in_entry; /* positioned inside the chosen member */
	bool done;     /* the member has been read to its end */
	char kind[128];
	char error[512];

	/* The ring, shared with the hashing thread under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t hasher;
	bool hasher_started;
	char *slot[DECODE_SLOTS]; /* owned blocks */
	size_t slot_len[DECODE_SLOTS];
	uint64_t filled;   /* blocks read so far */
	uint64_t hashed;   /* blocks hashed so far */
	uint64_t released; /* blocks the decoder (libarchive's or libzstd) is
			    * done with */
	bool eof, stop;
	int read_errno;
	uint64_t raw_bytes;

	/* The unpacking thread, once started: it fills out[] (under mu) with
	 * copies of what libarchive decodes, and ends with out_end. */
	pthread_t unpacker;
	bool unpacker_started;
	char *out[UNPACK_SLOTS]; /* owned blocks of DECODE_BLOCK bytes */
	size_t out_len[UNPACK_SLOTS];
	uint64_t out_filled, out_taken;
	bool taking;	    /* the caller holds block out_taken */
	bool unpack_stop;   /* the caller wants no more */
	int out_end;	    /* 0 while unpacking; 1 at the end, or -errno */
	EVP_MD_CTX *sha;    /* owned; used by the hashing thread only */
	ZSTD_DStream *zstd; /* owned: a plain zstd file, decoded by libzstd */

	/* A plain gzip file: libarchive does not check its trailer, so the
	 * CRC-32 and length of what it decoded are checked here. */
	char *path; /* owned */
	bool gzip;
	uLong crc;
};

static void *decode_hash_main(void *arg)
{
	struct decode *d = arg;
	size_t i;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (d->hashed == d->filled && !d->eof && !d->stop)
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->stop || d->hashed == d->filled)
			break;
		i = d->hashed % DECODE_SLOTS;
		pthread_mutex_unlock(&d->mu);
		EVP_DigestUpdate(d->sha, d->slot[i], d->slot_len[i]);
		pthread_mutex_lock(&d->mu);
		d->hashed++;
		pthread_cond_broadcast(&d->cv);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

/* Reads the next block of the file into the ring.  Returns its slot, or
 * -1 at the end of the file, or -2 on a read error. */
static int decode_fill(struct decode *d)
{
	size_t i;
	ssize_t n;

	pthread_mutex_lock(&d->mu);
	while ((d->filled - d->hashed >= DECODE_SLOTS ||
		d->filled - d->released >= DECODE_SLOTS) &&
	       !d->stop)
		pthread_cond_wait(&d->cv, &d->mu);
	if (d->stop) {
		d->read_errno = ECANCELED;
		pthread_mutex_unlock(&d->mu);
		return -2;
	}
	pthread_mutex_unlock(&d->mu);
	if (d->eof)
		return -1;
	i = d->filled % DECODE_SLOTS;
	do
		n = read(d->fd, d->slot[i], DECODE_BLOCK);
	while (n < 0 && errno == EINTR);
	pthread_mutex_lock(&d->mu);
	if (n <= 0) {
		d->eof = true;
		if (n < 0)
			d->read_errno = errno;
	} else {
		d->slot_len[i] = (size_t)n;
		d->raw_bytes += (uint64_t)n;
		d->filled++;
	}
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return n > 0 ? (int)i : n == 0 ? -1 : -2;
}

/* Says that the decoder is done with the raw blocks before b. */
static void raw_release(struct decode *d, uint64_t b)
{
	pthread_mutex_lock(&d->mu);
	d->released = b;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

/* libarchive's read callback: the previous block is released, the next
 * one read. */
static la_ssize_t decode_archive_read(struct archive *a, void *arg,
				      const void **buf)
{
	struct decode *d = arg;
	int i;

	raw_release(d, d->filled);
	i = decode_fill(d);
	if (i == -2) {
		archive_set_error(a, d->read_errno, "read error: %s",
				  strerror(d->read_errno));
		return -1;
	}
	if (i < 0)
		return 0;
	*buf = d->slot[i];
	return (la_ssize_t)d->slot_len[i];
}

int decode_open(const char *path, const char *member, uint64_t max_decoded,
		struct decode **ret)
{
	struct decode *d;
	struct stat st;
	size_t i;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	d = xcalloc(1, sizeof(*d));
	d->fd = fd;
	d->path = xstrdup(path);
	d->member = member ? xstrdup(member) : NULL;
	d->max_decoded = max_decoded;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	for (i = 0; i < DECODE_SLOTS; i++)
		d->slot[i] = xmalloc(DECODE_BLOCK);
	d->sha = EVP_MD_CTX_new();
	if (!d->sha || !EVP_DigestInit_ex(d->sha, EVP_sha256(), NULL)) {
		decode_close(d);
		return -ENOMEM;
	}
	r = pthread_create(&d->hasher, NULL, decode_hash_main, d);
	if (r != 0) {
		decode_close(d);
		return -r;
	}
	d->hasher_started = true;

	d->a = archive_read_new();
	archive_read_support_filter_gzip(d->a);
	archive_read_support_filter_bzip2(d->a);
	archive_read_support_filter_xz(d->a);
	archive_read_support_filter_lzma(d->a);
	archive_read_support_filter_zstd(d->a);
	archive_read_support_format_tar(d->a);
	archive_read_support_format_zip(d->a);
	archive_read_support_format_raw(d->a);
	/* libarchive calls an empty file an "unrecognized archive format";
	 * a release of no bytes is a broken download, said plainly. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		snprintf(d->error, sizeof(d->error),
			 "the file is empty (0 bytes)");
	else if (archive_read_open(d->a, d, NULL, decode_archive_read, NULL) !=
		 ARCHIVE_OK) {
		snprintf(d->error, sizeof(d->error), "%s",
			 archive_error_string(d->a) ? archive_error_string(d->a)
						    : "cannot read");
		/* Still a decoder: decode_read() reports the error. */
	}
	*ret = d;
	return 0;
}

char *decode_member_glob(const char *name)
{
	char *q = xmalloc(2 * strlen(name) + 1), *p = q;

	for (; *name; name++) {
		if (strchr("*?[]\\", *name))
			*p++ = '\\';
		*p++ = *name;
	}
	*p = '\0';
	return q;
}

int decode_members(const char *path, const char *glob, char ***ret, size_t *n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char **names = NULL;
	size_t count = 0;
	int r;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	r = archive_read_open_filename(a, path, DECODE_BLOCK);
	while (r == ARCHIVE_OK) {
		const char *name;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			r = count ? -EBADMSG : 0; /* not an archive: none */
			goto out;
		}
		r = ARCHIVE_OK;
		name = archive_entry_pathname(e);
		if (archive_entry_filetype(e) != AE_IFREG || !name ||
		    fnmatch(glob, name, 0) != 0)
			continue;
		if (count == DECODE_MAX_MEMBERS) {
			r = -EFBIG;
			goto out;
		}
		if ((count & (count - 1)) == 0)
			names = xreallocarray(names, count ? 2 * count : 1,
					      sizeof(*names));
		names[count++] = xstrdup(name);
	}
	r = 0;
out:
	archive_read_free(a);
	if (r < 0) {
		while (count > 0)
			free(names[--count]);
		free(names);
		return r;
	}
	*ret = names;
	*n = count;
	return 0;
}

static int decode_fail(struct decode *d, int r, const char *what)
{
	const char *why = archive_error_string(d->a);

	snprintf(d->error, sizeof(d->error), "%s%s%s", what, why ? ": " : "",
		 why ? why : "");
	return r;
}

/* Describes what was found: "gzip, plain", "zstd, ZIP 2.0 member 'x'". */
static void decode_set_kind(struct decode *d, const char *member)
{
	const char *filter = archive_filter_code(d->a, 0) == ARCHIVE_FILTER_NONE
				     ? NULL
				     : archive_filter_name(d->a, 0);
	size_t len = 0;

	if (filter)
		len = (size_t)snprintf(d->kind, sizeof(d->kind), "%s, ",
				       filter);
	if (archive_format(d->a) == ARCHIVE_FORMAT_RAW)
		snprintf(d->kind + len, sizeof(d->kind) - len, "plain");
	else
		snprintf(d->kind + len, sizeof(d->kind) - len, "%s member %s",
			 archive_format_name(d->a), member ? member : "?");
}

/* Moves to the member to read.  Returns 0, or -EBADMSG. */
static int decode_find_member(struct decode *d)
{
	struct archive_entry *e;
	const char *name;
	int r;

	for (;;) {
		r = archive_read_next_header(d->a, &e);
		if (r == ARCHIVE_EOF) {
			if (d->member)
				snprintf(
					d->error, sizeof(d->error),
					"no member matching '%s' in the archive",
					d->member);
			else
				snprintf(d->error, sizeof(d->error),
					 "the archive holds no regular file");
			return -EBADMSG;
		}
		if (r < ARCHIVE_WARN)
			return decode_fail(d, -EBADMSG,
					   "cannot read the archive");
		name = archive_entry_pathname(e);
		if (archive_format(d->a) == ARCHIVE_FORMAT_RAW)
			break;
		if (archive_entry_filetype(e) == AE_IFREG &&
		    (!d->member || (name && fnmatch(d->member, name, 0) == 0)))
			break;
	}
	decode_set_kind(d, name);
	d->in_entry = true;
	d->gzip = archive_filter_code(d->a, 0) == ARCHIVE_FILTER_GZIP &&
		  archive_format(d->a) == ARCHIVE_FORMAT_RAW;
	d->crc = crc32(0L, Z_NULL, 0);
	return 0;
}

/* Whether zlib reads the whole gzip file without an error: every member's
 * CRC-32 and length checked (the slow path, for files of several members,
 * whose last trailer covers only the last one). */
static bool gzip_sound(const char *path)
{
	gzFile f = gzopen(path, "rb");
	char buf[1 << 16];
	int n, err = Z_OK;

	if (!f)
		return false;
	while ((n = gzread(f, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		(void)gzerror(f, &err);
	gzclose(f);
	return n == 0 && err == Z_OK;
}

/* At the end of a plain gzip file: the trailer's CRC-32 and length must
 * be those of the data decoded.  Returns 0 or -EBADMSG. */
static int gzip_check(struct decode *d)
{
	unsigned char t[8];
	struct stat st;
	uint32_t crc, isize;

	if (fstat(d->fd, &st) == 0 && st.st_size >= 18 &&
	    pread(d->fd, t, 8, st.st_size - 8) == 8) {
		crc = (uint32_t)t[0] | (uint32_t)t[1] << 8 |
		      (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
		isize = (uint32_t)t[4] | (uint32_t)t[5] << 8 |
			(uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;
		if (crc == (uint32_t)d->crc && isize == (uint32_t)d->decoded)
			return 0;
	}
	if (gzip_sound(d->path))
		return 0;
	snprintf(d->error, sizeof(d->error),
		 "the gzip file is corrupt: its CRC-32 or length does not "
		 "match the data (gzip -t says the same)");
	return -EBADMSG;
}

void decode_limit_expansion(struct decode *d, uint64_t ratio)
{
	d->max_expansion = ratio;
}

/* Whether size more decoded bytes stay within the caps; if not, says which
 * cap in d->error. */
static bool decode_within_caps(struct decode *d, size_t size)
{
	uint64_t allowed;

	if (size > d->max_decoded - d->decoded) {
		snprintf(d->error, sizeof(d->error),
			 "decoded content exceeds the cap of %llu bytes "
			 "(a decompression bomb?)",
			 (unsigned long long)d->max_decoded);
		return false;
	}
	if (!d->max_expansion)
		return true;
	/* raw_bytes is written by this thread only (decode_fill()). */
	allowed = d->raw_bytes > UINT64_MAX / d->max_expansion
			  ? UINT64_MAX
			  : d->raw_bytes * d->max_expansion;
	allowed = MAX(allowed, DECODE_EXPANSION_FLOOR);
	if (size <= allowed - MIN(d->decoded, allowed))
		return true;
	snprintf(d->error, sizeof(d->error),
		 "'%s' (%s) expands more than %llu:1: %llu bytes decoded "
		 "from its first %llu (a decompression bomb? max_expansion "
		 "sets the ratio)",
		 d->path, decode_kind(d), (unsigned long long)d->max_expansion,
		 (unsigned long long)(d->decoded + size),
		 (unsigned long long)d->raw_bytes);
	return false;
}

/* The next block libarchive decodes, on whichever thread unpacks; *len
 * is 0 at the end.  Returns 0 or -errno, with d->error. */
static int next_block(struct decode *d, const char **ret_data, size_t *ret_len)
{
	const void *buf;
	size_t size;
	la_int64_t offset;
	int r;

	*ret_data = NULL;
	*ret_len = 0;
	r = archive_read_data_block(d->a, &buf, &size, &offset);
	if (r == ARCHIVE_EOF)
		return d->gzip ? gzip_check(d) : 0;
	if (r < ARCHIVE_WARN)
		return decode_fail(d, -EBADMSG, "corrupt or truncated data");
	if (!decode_within_caps(d, size))
		return -EFBIG;
	d->decoded += size;
	if (d->gzip)
		d->crc = crc32(d->crc, buf, (uInt)size);
	*ret_data = buf;
	*ret_len = size;
	return 0;
}

/* Waits for room in the decoded ring: false if the caller wants no more. */
static bool unpack_wait_room(struct decode *d)
{
	bool go;

	pthread_mutex_lock(&d->mu);
	while (d->out_filled - d->out_taken >= UNPACK_SLOTS && !d->unpack_stop)
		pthread_cond_wait(&d->cv, &d->mu);
	go = !d->unpack_stop;
	pthread_mutex_unlock(&d->mu);
	return go;
}

/* Hands decoded block i, of len bytes, to the caller. */
static void unpacked(struct decode *d, size_t i, size_t len)
{
	d->out_len[i] = len;
	pthread_mutex_lock(&d->mu);
	d->out_filled++;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

/* Says that unpacking ended with r (0: at the end of the data). */
static void unpack_end(struct decode *d, int r)
{
	pthread_mutex_lock(&d->mu);
	d->out_end = r < 0 ? r : 1;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

static void *decode_unpack_main(void *arg)
{
	struct decode *d = arg;
	const char *data;
	size_t len, done, n, i;
	int r;

	for (;;) {
		r = next_block(d, &data, &len);
		if (r < 0 || len == 0)
			break;
		for (done = 0; done < len; done += n) {
			if (!unpack_wait_room(d))
				return NULL;
			n = MIN(len - done, (size_t)DECODE_BLOCK);
			i = d->out_filled % UNPACK_SLOTS;
			memcpy(d->out[i], data + done, n);
			unpacked(d, i, n);
		}
	}
	unpack_end(d, r);
	return NULL;
}

/* Raw block b (the next after b - 1) for libzstd: still in the ring if
 * libarchive's detection read it, else read now.  Returns 1, 0 at the end
 * of the file, or -errno. */
static int zstd_input(struct decode *d, uint64_t b, ZSTD_inBuffer *in)
{
	int i;

	if (b < d->filled)
		i = (int)(b % DECODE_SLOTS);
	else if ((i = decode_fill(d)) < 0)
		return i == -1 ? 0 : -d->read_errno;
	*in = (ZSTD_inBuffer){d->slot[i], d->slot_len[i], 0};
	return 1;
}

/* Decodes into out until it is full or the file has ended.  Returns 0,
 * or -errno with d->error. */
static int zstd_fill(struct decode *d, ZSTD_inBuffer *in, uint64_t *block,
		     bool *eof, ZSTD_outBuffer *out, size_t *hint)
{
	while (out->pos < out->size) {
		size_t before = out->pos, took = in->pos, h;
		int r;

		if (in->pos == in->size && !*eof) {
			/* The first, of none, takes back what libarchive
			 * released: libzstd starts from the first block. */
			raw_release(d, *block);
			r = zstd_input(d, *block, in);
			if (r < 0) {
				snprintf(d->error, sizeof(d->error),
					 "read error: %s", strerror(-r));
				return r;
			}
			if (r == 0)
				*eof = true;
			else
				++*block;
		}
		h = ZSTD_decompressStream(d->zstd, out, in);
		if (ZSTD_isError(h)) {
			snprintf(d->error, sizeof(d->error),
				 "corrupt or truncated data: %s",
				 ZSTD_getErrorName(h));
			return -EBADMSG;
		}
		/* 0 once a frame ends; a call that did nothing at the end of
		 * the file asks for a next frame that need not come. */
		if (out->pos != before || in->pos != took)
			*hint = h;
		else if (*eof)
			break;
	}
	return 0;
}

/* The unpacking thread of a plain zstd file: blocks decoded into the
 * ring, each checked against the caps first. */
static void *decode_zstd_main(void *arg)
{
	struct decode *d = arg;
	ZSTD_inBuffer in = {NULL, 0, 0};
	uint64_t block = 0; /* the raw blocks taken so far */
	size_t hint = 0, i;
	bool eof = false;
	int r = 0;

	while (r == 0) {
		ZSTD_outBuffer out;

		if (!unpack_wait_room(d))
			return NULL;
		i = d->out_filled % UNPACK_SLOTS;
		out = (ZSTD_outBuffer){d->out[i], DECODE_BLOCK, 0};
		r = zstd_fill(d, &in, &block, &eof, &out, &hint);
		if (r < 0)
			break;
		if (out.pos == 0) {
			if (hint != 0) {
				snprintf(d->error, sizeof(d->error),
					 "corrupt or truncated data: the file "
					 "ends inside a zstd frame");
				r = -EBADMSG;
			}
			break;
		}
		if (!decode_within_caps(d, out.pos)) {
			r = -EFBIG;
			break;
		}
		d->decoded += out.pos;
		unpacked(d, i, out.pos);
	}
	unpack_end(d, r);
	return NULL;
}

/* Whether libzstd can take a plain zstd file over from libarchive: its
 * detection read no more raw blocks than the ring holds, so all of them
 * are still there for a start from the first byte. */
static bool zstd_takes_over(struct decode *d)
{
	return archive_filter_code(d->a, 0) == ARCHIVE_FILTER_ZSTD &&
	       archive_filter_count(d->a) == 2 &&
	       archive_format(d->a) == ARCHIVE_FORMAT_RAW &&
	       d->filled <= DECODE_SLOTS;
}

/* Starts the unpacking thread when libarchive has work to do: a filter
 * or an archive.  Without one (or if it cannot start) the caller's
 * thread decodes. */
static void unpacker_start(struct decode *d)
{
	size_t i;

	if (archive_filter_code(d->a, 0) == ARCHIVE_FILTER_NONE &&
	    archive_format(d->a) == ARCHIVE_FORMAT_RAW)
		return;
	for (i = 0; i < UNPACK_SLOTS; i++)
		d->out[i] = xmalloc(DECODE_BLOCK);
	if (zstd_takes_over(d) && (d->zstd = ZSTD_createDStream()) &&
	    !ZSTD_isError(ZSTD_initDStream(d->zstd))) {
		d->unpacker_started = pthread_create(&d->unpacker, NULL,
						     decode_zstd_main, d) == 0;
		if (d->unpacker_started)
			return;
	}
	ZSTD_freeDStream(d->zstd);
	d->zstd = NULL;
	d->unpacker_started =
		pthread_create(&d->unpacker, NULL, decode_unpack_main, d) == 0;
}

/* Stops the unpacking thread, if it runs, and waits for it. */
static void unpacker_stop(struct decode *d)
{
	if (!d->unpacker_started)
		return;
	pthread_mutex_lock(&d->mu);
	d->unpack_stop = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->unpacker, NULL);
	d->unpacker_started = false;
}

/* decode_read() from the unpacking thread's ring. */
static int take_block(struct decode *d, const char **ret_data, size_t *ret_len)
{
	size_t i;
	int end;

	pthread_mutex_lock(&d->mu);
	if (d->taking) {
		d->out_taken++;
		d->taking = false;
		pthread_cond_broadcast(&d->cv);
	}
	while (d->out_filled == d->out_taken && !d->out_end)
		pthread_cond_wait(&d->cv, &d->mu);
	if (d->out_filled > d->out_taken) {
		i = d->out_taken % UNPACK_SLOTS;
		d->taking = true;
		pthread_mutex_unlock(&d->mu);
		*ret_data = d->out[i];
		*ret_len = d->out_len[i];
		return 0;
	}
	end = d->out_end;
	pthread_mutex_unlock(&d->mu);
	/* It has ended: what it said in d->error is ours to read now. */
	pthread_join(d->unpacker, NULL);
	d->unpacker_started = false;
	d->done = end > 0;
	*ret_data = NULL;
	*ret_len = 0;
	return end > 0 ? 0 : end;
}

int decode_read(struct decode *d, const char **ret_data, size_t *ret_len)
{
	int r;

	if (d->unpacker_started)
		return take_block(d, ret_data, ret_len);
	if (d->error[0])
		return -EBADMSG;
	if (d->done) {
		*ret_data = NULL;
		*ret_len = 0;
		return 0;
	}
	if (!d->in_entry) {
		r = decode_find_member(d);
		if (r < 0)
			return r;
		unpacker_start(d);
		if (d->unpacker_started)
			return take_block(d, ret_data, ret_len);
	}
	r = next_block(d, ret_data, ret_len);
	if (r >= 0 && *ret_len == 0)
		d->done = true;
	return r;
}

int decode_sha256(struct decode *d, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	int slot;

	/* Read (and hash) whatever libarchive did not need. */
	unpacker_stop(d);
	do {
		raw_release(d, d->filled);
		slot = decode_fill(d);
	} while (slot >= 0);
	if (slot == -2) {
		snprintf(d->error, sizeof(d->error), "read error: %s",
			 strerror(d->read_errno));
		return -d->read_errno;
	}
	pthread_join(d->hasher, NULL);
	d->hasher_started = false;
	if (!EVP_DigestFinal_ex(d->sha, md, &n) || n != 32)
		return -EIO;
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

const char *decode_error(const struct decode *d)
{
	return d->error;
}

uint64_t decode_raw_bytes(const struct decode *d)
{
	return d->raw_bytes;
}

uint64_t decode_decoded_bytes(const struct decode *d)
{
	return d->decoded;
}

const char *decode_kind(const struct decode *d)
{
	return d->kind[0] ? d->kind : "unknown";
}

struct decode *decode_close(struct decode *d)
{
	size_t i;

	if (!d)
		return NULL;
	pthread_mutex_lock(&d->mu);
	d->stop = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	unpacker_stop(d);
	if (d->hasher_started)
		pthread_join(d->hasher, NULL);
	if (d->a)
		archive_read_free(d->a);
	EVP_MD_CTX_free(d->sha);
	ZSTD_freeDStream(d->zstd);
	for (i = 0; i < DECODE_SLOTS; i++)
		free(d->slot[i]);
	for (i = 0; i < UNPACK_SLOTS; i++)
		free(d->out[i]);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	close(d->fd);
	free(d->member);
	free(d->path);
	free(d);
	return NULL;
}
