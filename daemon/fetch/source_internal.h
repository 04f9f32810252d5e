/*
 * source_internal.h: what the sources of source.h share, and nothing
 * outside daemon/fetch/ may include: one row per source, and the helpers
 * that fill a listing.  The structs of source.h are only declared here:
 * source.c includes this header, so this header does not include
 * source.h back.
 */
#ifndef SCRAPEWATCH_SOURCE_INTERNAL_H
#define SCRAPEWATCH_SOURCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/macro.h"

struct source_request;
struct source_listing;

/* A source: the config kind it serves and how it lists a release. */
struct source_kind {
	enum config_source_kind kind;
	const char *name; /* the dataset's key: "url", "huggingface", ... */
	int (*list)(const struct source_request *rq,
		    struct source_listing *ret);
	/* source_page_wait() for a page titled title, or NULL: none. */
	unsigned (*page_wait)(const char *title);
};

/* The sources that ask a host (source_hub.c, source_github.c). */
int source_list_huggingface(const struct source_request *rq,
			    struct source_listing *ret);
int source_list_github(const struct source_request *rq,
		       struct source_listing *ret);
/* ... and source_drive.c. */
int source_list_google_drive(const struct source_request *rq,
			     struct source_listing *ret);

/* google_drive's source_page_wait(). */
unsigned source_drive_page_wait(const char *title);

/* Adds a file (sha256 "" or NULL if unknown, size -1 if unknown).
 * Returns 0, or -EFBIG past SOURCE_MAX_FILES (ret->error says so). */
int source_add_file(struct source_listing *l, const char *name, const char *url,
		    const char *sha256, int64_t size);

/* Writes ret->error (printf-style) and returns r (a negative errno). */
int source_fail(struct source_listing *l, int r, const char *fmt, ...)
	_printf_(3, 4);

/* The last path segment of url, without query or fragment ("" if none):
 * a file's name when the configuration gives only its URL. */
void source_url_name(const char *url, char *out, size_t size);

#endif
