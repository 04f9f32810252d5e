/*
 * parquet_thrift.h: a reader of Thrift's compact protocol, the encoding of
 * a Parquet file's footer and page headers, over a bounded byte range.
 *
 * Errors are sticky: the first problem (a read past the end, a varint too
 * long, nesting too deep, an unknown type) is kept in why, every later read
 * returns zero values and thrift_field() ends every struct, so a decoder
 * checks once at the end.  Nothing is allocated; strings are borrowed from
 * the range.
 */
#ifndef SCRAPEWATCH_PARQUET_THRIFT_H
#define SCRAPEWATCH_PARQUET_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The compact protocol's value types, as a field header gives them. */
enum thrift_type {
	THRIFT_STOP = 0,
	THRIFT_TRUE = 1,
	THRIFT_FALSE = 2,
	THRIFT_BYTE = 3,
	THRIFT_I16 = 4,
	THRIFT_I32 = 5,
	THRIFT_I64 = 6,
	THRIFT_DOUBLE = 7,
	THRIFT_BINARY = 8,
	THRIFT_LIST = 9,
	THRIFT_SET = 10,
	THRIFT_MAP = 11,
	THRIFT_STRUCT = 12,
};

#define THRIFT_DEPTH_MAX 16

struct thrift {
	const uint8_t *p;   /* next byte, borrowed */
	const uint8_t *end; /* one past the last */
	unsigned depth;	    /* structs and containers open */
	const char *why;    /* the first problem (static text), or NULL */
};

/* A reader of the len bytes at data. */
struct thrift thrift_init(const void *data, size_t len);

/* Steps to the next field of the struct being read: 1 with its id and type,
 * 0 at the struct's end (or after an error).  *last_id is the previous
 * field's id (0 at the struct's start), which the protocol's deltas need. */
int thrift_field(struct thrift *t, int16_t *last_id, int16_t *ret_id,
		 enum thrift_type *ret_type);

/* Integer values of type I16/I32/I64 (zigzag varints); BYTE; bool from the
 * field's type. */
int64_t thrift_int(struct thrift *t, enum thrift_type type);

/* A BINARY value: its bytes (borrowed) and length. */
const uint8_t *thrift_binary(struct thrift *t, size_t *ret_len);

/* A LIST or SET header: the element type and the number of elements, each
 * to be read with the functions here (or skipped). */
size_t thrift_list(struct thrift *t, enum thrift_type *ret_elem);

/* Opens and closes a nested struct (counts the depth). */
void thrift_struct_begin(struct thrift *t);
void thrift_struct_end(struct thrift *t);

/* Skips one value of the given type, nested ones included. */
void thrift_skip(struct thrift *t, enum thrift_type type);

#endif
