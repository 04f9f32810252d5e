/*
 * parquet_codec.h: the page codecs of Parquet files as they are published:
 * UNCOMPRESSED, SNAPPY, GZIP and ZSTD (libsnappy, zlib, libzstd).  A page
 * says how long it is decompressed; anything else is a corrupt page.
 */
#ifndef SCRAPEWATCH_PARQUET_CODEC_H
#define SCRAPEWATCH_PARQUET_CODEC_H

#include <stdbool.h>
#include <stddef.h>

enum parquet_codec {
	PARQUET_CODEC_UNCOMPRESSED = 0,
	PARQUET_CODEC_SNAPPY = 1,
	PARQUET_CODEC_GZIP = 2,
	PARQUET_CODEC_ZSTD = 6,
};

/* The codec's name ("SNAPPY"), or NULL if the file's number is none the
 * reader knows of; *ret_supported says whether it decodes it. */
const char *parquet_codec_name(int codec, bool *ret_supported);

/* Decompresses the len bytes at src into exactly size bytes at dst.
 * Returns 0, or -EBADMSG (corrupt, or of another size) or -ENOTSUP (a
 * codec it does not decode). */
int parquet_codec_decompress(int codec, const void *src, size_t len, void *dst,
			     size_t size);

#endif
