/*
 * read-manifest.c: reads one manifest with one of scrapewatch's formats and
 * counts its entries, nothing else -- the parse alone, without the hash,
 * the key set or the database, for bench/sqlite to set against the sqlite3
 * shell reading the same file.
 *
 *   read-manifest FORMAT FILE [TABLE COLUMN...]
 *
 * A format that reads files itself (yfcc100m on an SQLite file, sqlite) is
 * given the path; any other is fed the file in 1 MiB chunks.  For sqlite,
 * TABLE and the COLUMNs to map to the photo_id, owner_nsid, page_url and
 * image_url fields, in that order.  Prints the entries counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse/format.h"

struct count {
	unsigned long long entries, bad;
	uint64_t photo_ids; /* summed, so that the entries are really read */
};

static int on_entry(void *userdata, const struct entry *e)
{
	struct count *c = userdata;

	c->entries++;
	c->photo_ids += e->photo_id;
	return 0;
}

static void on_report(void *userdata, uint64_t line, bool fatal,
		      const char *why)
{
	struct count *c = userdata;

	c->bad++;
	if (fatal)
		fprintf(stderr, "read-manifest: line %llu: %s\n",
			(unsigned long long)line, why);
}

/* Feeds the file at path to a parser of a streamed format. */
static int feed_file(const struct format *f, void *parser, const char *path)
{
	static char chunk[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (r >= 0 && (n = read(fd, chunk, sizeof(chunk))) > 0)
		r = f->feed(parser, chunk, (size_t)n);
	if (r >= 0)
		r = n < 0 ? -errno : f->finish(parser);
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	static const enum entry_field mapped[] = {
		ENTRY_FIELD_PHOTO_ID, ENTRY_FIELD_OWNER_NSID,
		ENTRY_FIELD_PAGE_URL, ENTRY_FIELD_IMAGE_URL};
	const struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	struct format_options o = {0};
	struct count c = {0};
	struct format_sink sink = {on_entry, on_report, &c};
	const struct format *f;
	void *parser = NULL;
	int i, r;

	if (argc < 3 || !(f = format_find(argv[1]))) {
		fprintf(stderr, "usage: read-manifest FORMAT FILE "
				"[TABLE COLUMN...]\n");
		return 2;
	}
	if (argc > 3)
		o.table = argv[3];
	for (i = 4; i < argc && i - 4 < (int)(sizeof(mapped) / sizeof(*mapped));
	     i++)
		o.fields[mapped[i - 4]] = argv[i];
	r = f->open(&o, &limits, &sink, &parser);
	if (r >= 0) {
		r = f->read_file ? f->read_file(parser, argv[2]) : -ENOTSUP;
		if (r == -ENOTSUP && f->feed)
			r = feed_file(f, parser, argv[2]);
	}
	f->free(parser);
	if (r < 0) {
		fprintf(stderr, "read-manifest: %s\n", strerror(-r));
		return 1;
	}
	printf("%llu entries, %llu bad (photo ids sum to %llu)\n", c.entries,
	       c.bad, (unsigned long long)c.photo_ids);
	return 0;
}
