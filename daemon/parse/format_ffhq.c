/*
 * format_ffhq.c: the manifest of NVIDIA's FFHQ (ffhq-dataset-v2.json; v1
 * has the same shape), as the format "ffhq".
 *
 * The manifest is one JSON object keyed "0".."69999"; each value describes
 * one face: "metadata" names the Flickr photo page, its author and licence,
 * "image" the aligned 1024x1024 crop.  This file is only that field map.
 * The streaming reader, its caps, positions and reports are format_json.c's
 * (see format_json.h): FFHQ reads exactly like a json dataset without
 * 'records' and with these fields.  The record's key ("0") is the entry
 * key.  file_url is a Google Drive link, not a Flickr one, so it is not
 * read; the thumbnail and in-the-wild objects are skipped unread.
 */
#include "parse/format_json.h"

#include "lib/macro.h"

static const char *const ffhq_fields[ENTRY_FIELD_MAX] = {
	[ENTRY_FIELD_PAGE_URL] = "metadata.photo_url",
	[ENTRY_FIELD_OWNER_NAME] = "metadata.author",
	[ENTRY_FIELD_LICENSE] = "metadata.license|metadata.license_url",
	[ENTRY_FIELD_PATH] = "image.file_path",
};

/* The dataset has no options to give: config.c refuses them for ffhq. */
static int ffhq_open(const struct format_options *d _unused_,
		     const struct format_limits *limits,
		     const struct format_sink *sink, void **ret)
{
	return format_json_open_keyed(ffhq_fields, limits, sink, ret);
}

static int ffhq_feed(void *parser, const char *data, size_t len)
{
	return format_json.feed(parser, data, len);
}

static int ffhq_finish(void *parser)
{
	return format_json.finish(parser);
}

static void *ffhq_free(void *parser)
{
	return format_json.free(parser);
}

extern const struct format format_ffhq;
const struct format format_ffhq = {
	.name = "ffhq",
	.photo_keyed = false,
	.counts_records = true,
	.open = ffhq_open,
	.feed = ffhq_feed,
	.finish = ffhq_finish,
	.free = ffhq_free,
};
