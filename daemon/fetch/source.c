/*
 * source.c: the table of sources (source.h), and the two that need no
 * host: url and urls, whose files the configuration names.
 */
#include "fetch/source.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch/source_internal.h"
#include "lib/xalloc.h"

void source_url_name(const char *url, char *out, size_t size)
{
	size_t end = strcspn(url, "?#"), start = end;

	while (start > 0 && url[start - 1] != '/')
		start--;
	snprintf(out, size, "%.*s", (int)(end - start), url + start);
}

int source_fail(struct source_listing *l, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->error, sizeof(l->error), fmt, ap);
	va_end(ap);
	return r;
}

int source_add_file(struct source_listing *l, const char *name, const char *url,
		    const char *sha256, int64_t size)
{
	struct source_file *f;

	if (l->n_files >= SOURCE_MAX_FILES)
		return source_fail(l, -EFBIG,
				   "more than %d files in one release",
				   SOURCE_MAX_FILES);
	if ((l->n_files & (l->n_files - 1)) == 0)
		l->files =
			xreallocarray(l->files, l->n_files ? 2 * l->n_files : 1,
				      sizeof(*l->files));
	f = &l->files[l->n_files++];
	*f = (struct source_file){
		.name = xstrdup(name), .url = xstrdup(url), .size = size};
	/* Only 64 hex digits, in lower case: it names files in the cache
	 * and the state directory. */
	if (sha256 && strlen(sha256) == 64 &&
	    strspn(sha256, "0123456789abcdefABCDEF") == 64) {
		size_t i;

		for (i = 0; i < 64; i++)
			f->sha256[i] = (char)tolower((unsigned char)sha256[i]);
		f->sha256[64] = '\0';
	}
	return 0;
}

/* url: the one file; urls: each listed.  Two URLs of one name keep
 * apart by their place in the list ("2:name"). */
static int list_urls(const struct source_request *rq,
		     struct source_listing *ret)
{
	const struct config_dataset *d = rq->dataset;
	const struct config_source *src = &d->source;
	char name[512], unique[540];
	size_t i, j;
	int r = 0;

	if (src->kind == CONFIG_SOURCE_URL) {
		source_url_name(d->url, name, sizeof(name));
		return source_add_file(ret, name[0] ? name : d->name, d->url,
				       NULL, -1);
	}
	for (i = 0; i < src->n_urls && r >= 0; i++) {
		source_url_name(src->urls[i], name, sizeof(name));
		for (j = 0; j < i; j++) {
			char other[512];

			source_url_name(src->urls[j], other, sizeof(other));
			if (strcmp(other, name) == 0)
				break;
		}
		if (j < i || !name[0])
			snprintf(unique, sizeof(unique), "%zu:%s", i + 1, name);
		else
			snprintf(unique, sizeof(unique), "%s", name);
		r = source_add_file(ret, unique, src->urls[i], NULL, -1);
	}
	return r;
}

static const struct source_kind sources[] = {
	{CONFIG_SOURCE_URL, "url", list_urls, NULL},
	{CONFIG_SOURCE_URLS, "urls", list_urls, NULL},
	{CONFIG_SOURCE_HUGGINGFACE, "huggingface", source_list_huggingface,
	 NULL},
	{CONFIG_SOURCE_GITHUB, "github", source_list_github, NULL},
	{CONFIG_SOURCE_GOOGLE_DRIVE, "google_drive", source_list_google_drive,
	 source_drive_page_wait},
};

static const struct source_kind *source_find(enum config_source_kind kind)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(sources); i++)
		if (sources[i].kind == kind)
			return &sources[i];
	return NULL;
}

bool source_is_listed(const struct config_dataset *d)
{
	return d->source.kind != CONFIG_SOURCE_URL &&
	       d->source.kind != CONFIG_SOURCE_URLS;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct source_file *)a)->name,
		      ((const struct source_file *)b)->name);
}

int source_list(const struct source_request *rq, struct source_listing *ret)
{
	const struct source_kind *k = source_find(rq->dataset->source.kind);
	int r;

	*ret = (struct source_listing){0};
	if (!k)
		return source_fail(ret, -ENOTSUP,
				   "this build has no such source");
	r = k->list(rq, ret);
	if (r < 0) {
		source_listing_free(ret);
		return r;
	}
	/* A listing that is not_modified has no files (and no array). */
	if (ret->n_files > 1)
		qsort(ret->files, ret->n_files, sizeof(*ret->files), name_cmp);
	return 0;
}

unsigned source_page_wait(const struct config_dataset *d, const char *title)
{
	const struct source_kind *k = source_find(d->source.kind);

	return k && k->page_wait && title[0] ? k->page_wait(title) : 0;
}

void source_listing_free(struct source_listing *l)
{
	size_t i;

	for (i = 0; i < l->n_files; i++) {
		free(l->files[i].name);
		free(l->files[i].url);
	}
	free(l->files);
	l->files = NULL;
	l->n_files = 0;
}
