/*
 * pending.c: the records of entries waiting for their keys' lookup
 * (pending.h).
 */
#include "index/pending.h"

#include <assert.h>
#include <string.h>

#include "lib/macro.h"

/* Texts kept per entry, in this order. */
enum pending_text {
	PENDING_NSID,
	PENDING_ALIAS,
	PENDING_NAME,
	PENDING_KEY_TEXT,
	PENDING_PAGE_URL,
	PENDING_IMAGE_URL,
	PENDING_LICENSE,
	PENDING_TEXTS,
};

_Static_assert(PENDING_RECORD_MAX ==
		       PENDING_HEAD + PENDING_TEXTS * (2 + PENDING_TEXT_MAX),
	       "PENDING_RECORD_MAX counts every text");
_Static_assert(PENDING_LICENSE - PENDING_KEY_TEXT + 1 == TEXTPACK_TEXTS &&
		       TEXTPACK_KEY_TEXT == 0 && TEXTPACK_LICENSE == 3,
	       "a segment's texts are the record's last four, in order");

void pending_record(struct buf *b, const struct entry *e,
		    enum entry_field key_field, uint32_t file)
{
	struct entry_text t[PENDING_TEXTS] = {
		[PENDING_NSID] = {e->nsid, strlen(e->nsid)},
		[PENDING_ALIAS] = {e->alias, strlen(e->alias)},
		[PENDING_NAME] = e->field[ENTRY_FIELD_OWNER_NAME],
		[PENDING_PAGE_URL] = entry_page_url(e),
		[PENDING_IMAGE_URL] = entry_image_url(e),
		[PENDING_LICENSE] = e->field[ENTRY_FIELD_LICENSE],
	};
	uint32_t total = PENDING_HEAD;
	size_t i;
	char *p;

	if (key_field != ENTRY_FIELD_PHOTO_ID)
		t[PENDING_KEY_TEXT] = e->field[key_field];
	for (i = 0; i < PENDING_TEXTS; i++) {
		t[i].len = MIN(t[i].len, (size_t)PENDING_TEXT_MAX);
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
	p += PENDING_HEAD;
	for (i = 0; i < PENDING_TEXTS; i++) {
		uint16_t len = (uint16_t)t[i].len;

		memcpy(p, &len, 2);
		if (len)
			memcpy(p + 2, t[i].s, len);
		p += 2 + len;
	}
}

size_t pending_owner(const char *rec, char *out, struct store_entry *e)
{
	const char **names[3] = {&e->nsid, &e->alias, &e->name};
	const char *p = rec + PENDING_HEAD;
	size_t i, n = 0;

	/* The owner's are the record's first three texts. */
	_Static_assert(PENDING_NSID == 0 && PENDING_ALIAS == 1 &&
			       PENDING_NAME == 2,
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

void pending_read(const char *rec, struct pending_entry *ret)
{
	const char *p = rec + PENDING_HEAD;
	size_t i;

	ret->photo_id = unaligned_read_u64(rec + 4);
	ret->line = unaligned_read_u64(rec + 12);
	ret->offset = unaligned_read_u64(rec + 20);
	ret->length = unaligned_read_u64(rec + 28);
	memcpy(&ret->file, rec + 36, 4);
	for (i = 0; i < PENDING_TEXTS; i++) {
		uint16_t len;

		memcpy(&len, p, 2);
		if (i >= PENDING_KEY_TEXT)
			ret->texts[i - PENDING_KEY_TEXT] =
				(struct entry_text){p + 2, len};
		p += 2 + len;
	}
}
