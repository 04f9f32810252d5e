/*
 * format_json.h: the streaming JSON record reader of format_json.c, for
 * the formats whose layout is fixed rather than configured (format_ffhq.c).
 *
 * It declares the generic vtable, whose feed, finish and free serve every
 * parser opened here, and one extra constructor; nothing else of
 * format_json.c is public.
 */
#ifndef SCRAPEWATCH_FORMAT_JSON_H
#define SCRAPEWATCH_FORMAT_JSON_H

#include "parse/format.h"

extern const struct format format_json;

/*
 * Opens a parser for a JSON document whose top level is an object whose
 * values are the records, keyed like FFHQ's "0".."69999": exactly what
 * format_json.open() makes for a dataset without 'records'.  fields[f] is
 * the path of entry field f inside a record, or NULL: keys joined by '.'
 * ("metadata.photo_url"), and alternatives joined by '|' of which the
 * first present non-empty one wins ("metadata.license|metadata.license_url").
 * The record's key in the top-level object feeds ENTRY_FIELD_KEY unless
 * fields[ENTRY_FIELD_KEY] finds one.  The strings are copied; the limits
 * and the sink are copied too.
 *
 * Feed, finish and free the parser through format_json's vtable.  Returns
 * 0 and the parser in *ret, or -EINVAL when a path is malformed (an empty
 * key, or more than 254 alternatives).
 */
int format_json_open_keyed(const char *const fields[ENTRY_FIELD_MAX],
			   const struct format_limits *limits,
			   const struct format_sink *sink, void **ret);

#endif
