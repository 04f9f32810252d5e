/*
 * parquet_meta.h: what a Parquet file's footer says (FileMetaData): the
 * leaf columns of its schema, by dotted path, and per row group where each
 * column chunk lies; and the header in front of each page.  Both are read
 * from Thrift's compact protocol, with caps on the number of columns and
 * row groups, and every offset and size checked to be a sane number (the
 * file's own bounds are the caller's to check).
 */
#ifndef SCRAPEWATCH_PARQUET_META_H
#define SCRAPEWATCH_PARQUET_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PARQUET_COLUMNS_MAX    4096 /* schema elements */
#define PARQUET_ROW_GROUPS_MAX 65536
#define PARQUET_CHUNKS_MAX     (1 << 20) /* columns times row groups */

enum parquet_type {
	PARQUET_BOOLEAN,
	PARQUET_INT32,
	PARQUET_INT64,
	PARQUET_INT96,
	PARQUET_FLOAT,
	PARQUET_DOUBLE,
	PARQUET_BYTE_ARRAY,
	PARQUET_FIXED_LEN_BYTE_ARRAY,
};

enum parquet_page_type {
	PARQUET_PAGE_DATA,
	PARQUET_PAGE_INDEX,
	PARQUET_PAGE_DICTIONARY,
	PARQUET_PAGE_DATA_V2,
};

/* The converted types that change how an integer reads. */
#define PARQUET_CONVERTED_UINT_32 8
#define PARQUET_CONVERTED_UINT_64 10

struct parquet_leaf {
	char *path; /* owned: the names from the root, dot-separated */
	int type;   /* enum parquet_type, or -1 when the schema gives none */
	int32_t type_length;
	int converted; /* converted_type, or -1 */
	unsigned max_def, max_rep;
};

struct parquet_chunk {
	int64_t start; /* the first page: the dictionary's, if any */
	int64_t size;  /* compressed bytes from start */
	int64_t num_values;
	int codec;
	int type;
	bool elsewhere; /* the chunk is in another file (file_path) */
};

struct parquet_group {
	int64_t num_rows;
	struct parquet_chunk *chunks; /* owned: one per leaf, in schema order */
	size_t n_chunks;
};

struct parquet_meta {
	struct parquet_leaf *leaves; /* owned */
	size_t n_leaves;
	struct parquet_group *groups; /* owned */
	size_t n_groups;
	int64_t num_rows;
};

/* Reads the len bytes of a FileMetaData.  Returns 0 with *ret filled, or
 * -EBADMSG (corrupt, or past a cap) with why in err. */
int parquet_meta_parse(const void *data, size_t len, struct parquet_meta *ret,
		       char *err, size_t errsize);

/* Frees what parquet_meta_parse() filled; accepts a zeroed one. */
void parquet_meta_free(struct parquet_meta *m);

struct parquet_page_header {
	int type; /* enum parquet_page_type */
	int32_t uncompressed_size, compressed_size;
	int32_t num_values;
	int encoding;
	int def_encoding; /* data page v1 */
	int rep_encoding;
	int32_t num_nulls; /* data page v2 */
	int32_t num_rows;
	int32_t def_length, rep_length;
	bool is_compressed;
};

/* Reads the page header at the start of the len bytes at data.  Returns 0
 * with *ret and the header's length in *ret_used, or -EBADMSG with why in
 * err. */
int parquet_page_header_parse(const void *data, size_t len,
			      struct parquet_page_header *ret, size_t *ret_used,
			      char *err, size_t errsize);

#endif
