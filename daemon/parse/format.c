/*
 * format.c: the table of manifest formats.  Adding a format means adding
 * one file that defines a struct format and one row here.
 */
#include "parse/format.h"

#include <string.h>

#include "lib/macro.h"

extern const struct format format_yfcc100m;
extern const struct format format_ffhq;
extern const struct format format_csv;
extern const struct format format_tsv;
extern const struct format format_json;
extern const struct format format_jsonl;
extern const struct format format_paths;
extern const struct format format_sqlite;
extern const struct format format_parquet;

static const struct format *const formats[] = {
	&format_yfcc100m, &format_ffhq,	  &format_csv,
	&format_tsv,	  &format_json,	  &format_jsonl,
	&format_paths,	  &format_sqlite, &format_parquet,
};

const struct format *format_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < ELEMENTSOF(formats); i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

const char *format_name(size_t i)
{
	return i < ELEMENTSOF(formats) ? formats[i]->name : NULL;
}
