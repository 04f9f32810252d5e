/*
 * spill.c: the spill file of spill.h.  Appends are buffered (SPILL_BUF)
 * and written in one go; the scan reads the file in SPILL_BUF pieces into
 * one buffer and decodes each record into another, both reused.
 */
#include "index/spill.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/macro.h"
#include "lib/xalloc.h"

#define SPILL_BUF (1u << 20)

/* Texts kept per entry, in this order. */
enum spill_text {
	SPILL_NSID,
	SPILL_ALIAS,
	SPILL_NAME,
	SPILL_KEY_TEXT,
	SPILL_PAGE_URL,
	SPILL_IMAGE_URL,
	SPILL_LICENSE,
	SPILL_TEXTS,
};

_Static_assert(SPILL_RECORD_MAX ==
		       SPILL_HEAD + SPILL_TEXTS * (2 + SPILL_TEXT_MAX),
	       "SPILL_RECORD_MAX counts every text");

struct spill {
	int fd;		    /* owned */
	struct buf pending; /* appended, not written yet */
	uint64_t off;	    /* file offset of pending.data[0] */
	char *record;	    /* owned: one record read back */
	size_t record_cap;
};

int spill_open(const char *dir, struct spill **ret)
{
	struct spill *sp;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	sp = xcalloc(1, sizeof(*sp));
	sp->fd = fd;
	buf_init(&sp->pending, 2 * SPILL_BUF);
	*ret = sp;
	return 0;
}

struct spill *spill_free(struct spill *sp)
{
	if (!sp)
		return NULL;
	close(sp->fd);
	buf_free(&sp->pending);
	free(sp->record);
	free(sp);
	return NULL;
}

int spill_flush(struct spill *sp)
{
	size_t done = 0;
	ssize_t n;

	while (done < sp->pending.len) {
		n = write(sp->fd, sp->pending.data + done,
			  sp->pending.len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	sp->off += sp->pending.len;
	buf_reset(&sp->pending);
	return 0;
}

void spill_record(struct buf *b, const struct entry *e,
		  enum entry_field key_field, uint32_t file)
{
	struct entry_text t[SPILL_TEXTS] = {
		[SPILL_NSID] = {e->nsid, strlen(e->nsid)},
		[SPILL_ALIAS] = {e->alias, strlen(e->alias)},
		[SPILL_NAME] = e->field[ENTRY_FIELD_OWNER_NAME],
		[SPILL_PAGE_URL] = entry_page_url(e),
		[SPILL_IMAGE_URL] = entry_image_url(e),
		[SPILL_LICENSE] = e->field[ENTRY_FIELD_LICENSE],
	};
	uint32_t total = SPILL_HEAD;
	size_t i;
	char *p;

	if (key_field != ENTRY_FIELD_PHOTO_ID)
		t[SPILL_KEY_TEXT] = e->field[key_field];
	for (i = 0; i < SPILL_TEXTS; i++) {
		t[i].len = MIN(t[i].len, (size_t)SPILL_TEXT_MAX);
		total += 2 + (uint32_t)t[i].len;
	}
	p = buf_extend(b, total);
	assert(p);
	memcpy(p, &total, 4);
	unaligned_write_u64(p + 4, e->photo_id);
	unaligned_write_u64(p + 12, e->line);
	unaligned_write_u64(p + 20, e->offset);
	unaligned_write_u64(p + 28, e->length);
	memcpy(p + 36, &file, 4);
	p += SPILL_HEAD;
	for (i = 0; i < SPILL_TEXTS; i++) {
		uint16_t len = (uint16_t)t[i].len;

		memcpy(p, &len, 2);
		if (len)
			memcpy(p + 2, t[i].s, len);
		p += 2 + len;
	}
}

size_t spill_record_owner(const char *rec, char *out, struct store_entry *e)
{
	const char **names[3] = {&e->nsid, &e->alias, &e->name};
	const char *p = rec + SPILL_HEAD;
	size_t i, n = 0;

	/* The owner's are the record's first three texts. */
	_Static_assert(SPILL_NSID == 0 && SPILL_ALIAS == 1 && SPILL_NAME == 2,
		       "the owner's texts come first");
	for (i = 0; i < 3; i++) {
		uint16_t len;

		memcpy(&len, p, 2);
		memcpy(out + n, p + 2, len);
		out[n + len] = '\0';
		*names[i] = out + n;
		n += len + 1u;
		p += 2 + len;
	}
	return n;
}

int spill_append(struct spill *sp, const char *rec, uint64_t *ret_off)
{
	uint32_t total;
	int r;

	memcpy(&total, rec, 4);
	if (sp->pending.len + total > SPILL_BUF) {
		r = spill_flush(sp);
		if (r < 0)
			return r;
	}
	*ret_off = sp->off + sp->pending.len;
	return buf_append(&sp->pending, rec, total);
}

/* Reads the record of total bytes at src into *ret (strings in the reused
 * record buffer). */
static void decode_record(struct spill *sp, const char *src, uint32_t total,
			  struct store_entry *ret)
{
	const char *texts[SPILL_TEXTS];
	uint32_t file;
	char *p;
	size_t i;

	if (total > sp->record_cap) {
		sp->record = xreallocarray(sp->record, total + SPILL_TEXTS, 1);
		sp->record_cap = total;
	}
	memcpy(sp->record, src, total);
	memcpy(&file, sp->record + 36, 4);
	/* Make each text a C string: shift it left over its length bytes. */
	p = sp->record + SPILL_HEAD;
	for (i = 0; i < SPILL_TEXTS; i++) {
		uint16_t len;

		memcpy(&len, p, 2);
		memmove(p, p + 2, len);
		p[len] = '\0';
		texts[i] = p;
		p += 2 + len;
	}
	*ret = (struct store_entry){
		.photo_id = unaligned_read_u64(sp->record + 4),
		.line = unaligned_read_u64(sp->record + 12),
		.offset = unaligned_read_u64(sp->record + 20),
		.length = unaligned_read_u64(sp->record + 28),
		.file_id = (int64_t)file,
		.nsid = texts[SPILL_NSID],
		.alias = texts[SPILL_ALIAS],
		.name = texts[SPILL_NAME],
		.key_text = texts[SPILL_KEY_TEXT],
		.page_url = texts[SPILL_PAGE_URL],
		.image_url = texts[SPILL_IMAGE_URL],
		.license = texts[SPILL_LICENSE],
	};
}

/* Reads at most size bytes at off into buf: how many (0 at the end), or
 * -errno. */
static ssize_t read_at(int fd, char *buf, size_t size, uint64_t off)
{
	ssize_t n;

	do
		n = pread(fd, buf, size, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int spill_scan(struct spill *sp,
	       int (*fn)(void *userdata, uint64_t off,
			 const struct store_entry *e),
	       void *userdata)
{
	size_t cap = SPILL_BUF + SPILL_RECORD_MAX, len = 0, pos = 0;
	char *buf = xmalloc(cap);
	uint64_t base = 0; /* the file offset of buf[0] */
	struct store_entry e;
	int r = spill_flush(sp);

	while (r >= 0 && base + pos < sp->off) {
		uint32_t total;

		if (len - pos < SPILL_RECORD_MAX && base + len < sp->off) {
			ssize_t n;

			memmove(buf, buf + pos, len - pos);
			base += pos;
			len -= pos;
			pos = 0;
			n = read_at(sp->fd, buf + len, cap - len, base + len);
			if (n <= 0)
				r = n < 0 ? (int)n : -EIO;
			else
				len += (size_t)n;
			continue;
		}
		if (len - pos < 4)
			r = -EIO;
		else {
			memcpy(&total, buf + pos, 4);
			if (total < SPILL_HEAD || total > len - pos)
				r = -EIO;
		}
		if (r < 0)
			break;
		decode_record(sp, buf + pos, total, &e);
		r = fn(userdata, base + pos, &e);
		pos += total;
	}
	free(buf);
	return r;
}
