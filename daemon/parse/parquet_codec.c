/*
 * parquet_codec.c: the decompressors of parquet_codec.h.  Each must fill
 * the page's stated size exactly: a shorter or longer result is a corrupt
 * page, never a truncated value.  GZIP pages are gzip members (RFC 1952).
 */
#include "parse/parquet_codec.h"

#include <errno.h>
#include <limits.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "lib/macro.h"

static const struct {
	int codec;
	const char *name;
	bool supported;
} codecs[] = {
	{0, "UNCOMPRESSED", true}, {1, "SNAPPY", true},	  {2, "GZIP", true},
	{3, "LZO", false},	   {4, "BROTLI", false},  {5, "LZ4", false},
	{6, "ZSTD", true},	   {7, "LZ4_RAW", false},
};

const char *parquet_codec_name(int codec, bool *ret_supported)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(codecs); i++)
		if (codecs[i].codec == codec) {
			*ret_supported = codecs[i].supported;
			return codecs[i].name;
		}
	*ret_supported = false;
	return NULL;
}

static int gunzip(const void *src, size_t len, void *dst, size_t size)
{
	z_stream z = {0};
	int r;

	if (len > UINT_MAX || size > UINT_MAX)
		return -EBADMSG;
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)len;
	z.next_out = dst;
	z.avail_out = (uInt)size;
	r = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	return r == Z_STREAM_END && z.avail_out == 0 ? 0 : -EBADMSG;
}

static int unsnappy(const void *src, size_t len, void *dst, size_t size)
{
	size_t n;

	if (snappy_uncompressed_length(src, len, &n) != SNAPPY_OK || n != size)
		return -EBADMSG;
	if (snappy_uncompress(src, len, dst, &n) != SNAPPY_OK || n != size)
		return -EBADMSG;
	return 0;
}

static int unzstd(const void *src, size_t len, void *dst, size_t size)
{
	size_t n = ZSTD_decompress(dst, size, src, len);

	return ZSTD_isError(n) || n != size ? -EBADMSG : 0;
}

int parquet_codec_decompress(int codec, const void *src, size_t len, void *dst,
			     size_t size)
{
	switch (codec) {
	case PARQUET_CODEC_UNCOMPRESSED:
		if (len != size)
			return -EBADMSG;
		if (size)
			memcpy(dst, src, size);
		return 0;
	case PARQUET_CODEC_SNAPPY:
		return unsnappy(src, len, dst, size);
	case PARQUET_CODEC_GZIP:
		return gunzip(src, len, dst, size);
	case PARQUET_CODEC_ZSTD:
		return unzstd(src, len, dst, size);
	default:
		return -ENOTSUP;
	}
}
