/*
 * parquet_thrift.c: the compact protocol reader of parquet_thrift.h, from
 * Apache Thrift's description of the protocol: ULEB128 varints, zigzag
 * signed integers, field headers of a 4-bit id delta and a 4-bit type,
 * list headers of a 4-bit size (15: a varint follows) and a 4-bit element
 * type, and booleans carried in the field header's type (one byte each
 * inside a container).
 */
#include "parse/parquet_thrift.h"

static void thrift_fail(struct thrift *t, const char *why)
{
	if (!t->why)
		t->why = why;
	t->p = t->end;
}

struct thrift thrift_init(const void *data, size_t len)
{
	const uint8_t *p = data;

	return (struct thrift){.p = p, .end = p + len};
}

static uint8_t thrift_byte(struct thrift *t)
{
	if (t->why || t->p >= t->end) {
		thrift_fail(t, "the metadata ends inside a value");
		return 0;
	}
	return *t->p++;
}

static uint64_t thrift_varint(struct thrift *t)
{
	uint64_t v = 0;
	unsigned shift;

	for (shift = 0; shift < 64; shift += 7) {
		uint8_t b = thrift_byte(t);

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	thrift_fail(t, "a varint of the metadata is longer than 10 bytes");
	return 0;
}

static int64_t thrift_zigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int thrift_field(struct thrift *t, int16_t *last_id, int16_t *ret_id,
		 enum thrift_type *ret_type)
{
	uint8_t head = thrift_byte(t);
	int64_t id;

	if (t->why || head == 0)
		return 0;
	if (head >> 4)
		id = *last_id + (head >> 4);
	else
		id = thrift_zigzag(thrift_varint(t));
	if (id < 0 || id > INT16_MAX || (head & 0x0f) > THRIFT_STRUCT) {
		thrift_fail(t, "a field header of the metadata is not valid");
		return 0;
	}
	*last_id = (int16_t)id;
	*ret_id = (int16_t)id;
	*ret_type = (enum thrift_type)(head & 0x0f);
	return t->why ? 0 : 1;
}

int64_t thrift_int(struct thrift *t, enum thrift_type type)
{
	switch (type) {
	case THRIFT_TRUE:
		return 1;
	case THRIFT_FALSE:
		return 0;
	case THRIFT_BYTE:
		return (int8_t)thrift_byte(t);
	case THRIFT_I16:
	case THRIFT_I32:
	case THRIFT_I64:
		return thrift_zigzag(thrift_varint(t));
	default:
		thrift_fail(t, "a field of the metadata has the wrong type");
		return 0;
	}
}

const uint8_t *thrift_binary(struct thrift *t, size_t *ret_len)
{
	uint64_t len = thrift_varint(t);
	const uint8_t *s = t->p;

	if (t->why || len > (uint64_t)(t->end - t->p)) {
		thrift_fail(t, "a string of the metadata runs past its end");
		*ret_len = 0;
		return t->end;
	}
	t->p += len;
	*ret_len = (size_t)len;
	return s;
}

size_t thrift_list(struct thrift *t, enum thrift_type *ret_elem)
{
	uint8_t head = thrift_byte(t);
	uint64_t n = head >> 4;

	if (n == 15)
		n = thrift_varint(t);
	*ret_elem = (enum thrift_type)(head & 0x0f);
	/* Every element takes at least one byte, booleans included. */
	if (t->why || n > (uint64_t)(t->end - t->p)) {
		thrift_fail(t,
			    "a list of the metadata is longer than the rest");
		return 0;
	}
	return (size_t)n;
}

void thrift_struct_begin(struct thrift *t)
{
	if (++t->depth > THRIFT_DEPTH_MAX)
		thrift_fail(t, "the metadata nests deeper than 16 levels");
}

void thrift_struct_end(struct thrift *t)
{
	if (t->depth)
		t->depth--;
}

static void thrift_skip_n(struct thrift *t, enum thrift_type type, size_t n)
{
	size_t i;

	for (i = 0; i < n && !t->why; i++) {
		if (type == THRIFT_TRUE || type == THRIFT_FALSE)
			thrift_byte(t);
		else
			thrift_skip(t, type);
	}
}

static void thrift_skip_struct(struct thrift *t)
{
	int16_t last = 0, id;
	enum thrift_type type;

	thrift_struct_begin(t);
	while (thrift_field(t, &last, &id, &type))
		thrift_skip(t, type);
	thrift_struct_end(t);
}

void thrift_skip(struct thrift *t, enum thrift_type type)
{
	enum thrift_type elem;
	uint64_t n;
	size_t len;
	uint8_t kv;

	switch (type) {
	case THRIFT_TRUE:
	case THRIFT_FALSE:
		break;
	case THRIFT_BYTE:
	case THRIFT_I16:
	case THRIFT_I32:
	case THRIFT_I64:
		thrift_int(t, type);
		break;
	case THRIFT_DOUBLE:
		for (len = 0; len < 8; len++)
			thrift_byte(t);
		break;
	case THRIFT_BINARY:
		thrift_binary(t, &len);
		break;
	case THRIFT_LIST:
	case THRIFT_SET:
		thrift_struct_begin(t);
		n = thrift_list(t, &elem);
		thrift_skip_n(t, elem, n);
		thrift_struct_end(t);
		break;
	case THRIFT_MAP:
		thrift_struct_begin(t);
		n = thrift_varint(t);
		kv = n ? thrift_byte(t) : 0;
		if (n > (uint64_t)(t->end - t->p))
			thrift_fail(t, "a map of the metadata is longer than "
				       "the rest");
		for (; n > 0 && !t->why; n--) {
			thrift_skip_n(t, (enum thrift_type)(kv >> 4), 1);
			thrift_skip_n(t, (enum thrift_type)(kv & 0x0f), 1);
		}
		thrift_struct_end(t);
		break;
	case THRIFT_STRUCT:
		thrift_skip_struct(t);
		break;
	default:
		thrift_fail(t, "a value of the metadata has an unknown type");
	}
}
