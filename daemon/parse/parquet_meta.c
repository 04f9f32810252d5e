/*
 * parquet_meta.c: the footer and page header readers of parquet_meta.h,
 * from the structs of parquet.thrift (apache/parquet-format): only the
 * fields a reader of flat columns needs are kept, every other one is
 * skipped.  The schema is a depth-first list of elements, each group
 * saying how many children follow; the leaves are numbered in that order,
 * which is also the order of the column chunks in every row group.
 */
#include "parse/parquet_meta.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/parquet_thrift.h"

#define PATH_MAX_BYTES 4096

enum { REPETITION_REQUIRED, REPETITION_OPTIONAL, REPETITION_REPEATED };

struct element {
	const uint8_t *name; /* borrowed from the footer */
	size_t name_len;
	int type, repetition, converted;
	int32_t type_length, num_children;
};

struct elements {
	struct element *v; /* owned */
	size_t n;
};

static int meta_fail(char *err, size_t errsize, const char *why)
{
	snprintf(err, errsize, "%s", why);
	return -EBADMSG;
}

static int32_t int32_of(struct thrift *t, enum thrift_type type)
{
	int64_t v = thrift_int(t, type);

	if (v < INT32_MIN || v > INT32_MAX) {
		if (!t->why)
			t->why =
				"a 32-bit field of the metadata is out of range";
		return 0;
	}
	return (int32_t)v;
}

/* A struct whose fields the reader keeps are 32-bit integers, booleans
 * and one string: each by its id, where it goes in the C struct. */
enum slot_kind { SLOT_INT32, SLOT_BOOL, SLOT_NAME };

struct slot {
	int16_t id;
	enum slot_kind kind;
	size_t offset;
};

static void slots_read(struct thrift *t, const struct slot *slots, size_t n,
		       void *base)
{
	int16_t last = 0, id;
	enum thrift_type type;
	size_t i;

	thrift_struct_begin(t);
	while (thrift_field(t, &last, &id, &type)) {
		char *at = NULL;

		for (i = 0; i < n && !at; i++)
			if (slots[i].id == id)
				at = (char *)base + slots[i].offset;
		if (!at)
			thrift_skip(t, type);
		else if (slots[i - 1].kind == SLOT_INT32)
			*(int32_t *)(void *)at = int32_of(t, type);
		else if (slots[i - 1].kind == SLOT_BOOL)
			*(bool *)at = thrift_int(t, type) != 0;
		else
			((struct element *)base)->name = thrift_binary(
				t, &((struct element *)base)->name_len);
	}
	thrift_struct_end(t);
}

static const struct slot element_slots[] = {
	{1, SLOT_INT32, offsetof(struct element, type)},
	{2, SLOT_INT32, offsetof(struct element, type_length)},
	{3, SLOT_INT32, offsetof(struct element, repetition)},
	{4, SLOT_NAME, offsetof(struct element, name)},
	{5, SLOT_INT32, offsetof(struct element, num_children)},
	{6, SLOT_INT32, offsetof(struct element, converted)},
};

static void element_read(struct thrift *t, struct element *e)
{
	*e = (struct element){.type = -1, .converted = -1};
	slots_read(t, element_slots, ELEMENTSOF(element_slots), e);
}

static void schema_read(struct thrift *t, struct elements *el)
{
	enum thrift_type elem;
	size_t n = thrift_list(t, &elem), i;

	if (el->v || elem != THRIFT_STRUCT || n > PARQUET_COLUMNS_MAX) {
		t->why = el->v ? "the schema is given twice"
			 : elem != THRIFT_STRUCT
				 ? "the schema is not a list of "
				   "elements"
				 : "the schema has more than 4096 "
				   "elements";
		return;
	}
	el->v = xcalloc(n ? n : 1, sizeof(*el->v));
	el->n = n;
	for (i = 0; i < n; i++)
		element_read(t, &el->v[i]);
}

/* ColumnMetaData: where the pages are. */
static void column_meta_read(struct thrift *t, struct parquet_chunk *c)
{
	int16_t last = 0, id;
	enum thrift_type type;
	int64_t data = -1, dict = -1;

	thrift_struct_begin(t);
	while (thrift_field(t, &last, &id, &type)) {
		if (id == 1)
			c->type = int32_of(t, type);
		else if (id == 4)
			c->codec = int32_of(t, type);
		else if (id == 5)
			c->num_values = thrift_int(t, type);
		else if (id == 7)
			c->size = thrift_int(t, type);
		else if (id == 9)
			data = thrift_int(t, type);
		else if (id == 11)
			dict = thrift_int(t, type);
		else
			thrift_skip(t, type);
	}
	thrift_struct_end(t);
	/* Some writers set a dictionary offset of 0 for "none". */
	c->start = dict > 0 && dict < data ? dict : data;
	if (c->start < 0 || c->size < 0 || c->num_values < 0)
		t->why = t->why ? t->why
				: "a column chunk has a negative offset, size "
				  "or count";
}

static void chunk_read(struct thrift *t, struct parquet_chunk *c)
{
	int16_t last = 0, id;
	enum thrift_type type;
	bool meta = false;
	size_t len;

	*c = (struct parquet_chunk){.start = -1};
	thrift_struct_begin(t);
	while (thrift_field(t, &last, &id, &type)) {
		if (id == 1) {
			thrift_binary(t, &len);
			c->elsewhere = true;
		} else if (id == 3 && type == THRIFT_STRUCT) {
			column_meta_read(t, c);
			meta = true;
		} else {
			thrift_skip(t, type);
		}
	}
	thrift_struct_end(t);
	if (!meta && !c->elsewhere && !t->why)
		t->why = "a column chunk has no metadata";
}

static void group_chunks_read(struct thrift *t, struct parquet_group *g,
			      size_t *total)
{
	enum thrift_type elem;
	size_t n = thrift_list(t, &elem), i;

	if (g->chunks || elem != THRIFT_STRUCT || n > PARQUET_COLUMNS_MAX ||
	    *total + n > PARQUET_CHUNKS_MAX) {
		t->why = t->why ? t->why
				: "a row group's column chunks are not a "
				  "list within the caps";
		return;
	}
	*total += n;
	g->chunks = xcalloc(n ? n : 1, sizeof(*g->chunks));
	g->n_chunks = n;
	for (i = 0; i < n; i++)
		chunk_read(t, &g->chunks[i]);
}

static void group_read(struct thrift *t, struct parquet_group *g, size_t *total)
{
	int16_t last = 0, id;
	enum thrift_type type;

	thrift_struct_begin(t);
	while (thrift_field(t, &last, &id, &type)) {
		if (id == 1 && type == THRIFT_LIST)
			group_chunks_read(t, g, total);
		else if (id == 3)
			g->num_rows = thrift_int(t, type);
		else
			thrift_skip(t, type);
	}
	thrift_struct_end(t);
	if (g->num_rows < 0 && !t->why)
		t->why = "a row group has a negative number of rows";
}

static void groups_read(struct thrift *t, struct parquet_meta *m)
{
	enum thrift_type elem;
	size_t n = thrift_list(t, &elem), i, total = 0;

	if (m->groups || elem != THRIFT_STRUCT || n > PARQUET_ROW_GROUPS_MAX) {
		t->why = m->groups ? "the row groups are given twice"
			 : elem != THRIFT_STRUCT
				 ? "the row groups are not a "
				   "list of structs"
				 : "the file has more than 65536 "
				   "row groups";
		return;
	}
	m->groups = xcalloc(n ? n : 1, sizeof(*m->groups));
	m->n_groups = n;
	for (i = 0; i < n; i++)
		group_read(t, &m->groups[i], &total);
}

/* One leaf from element i, under the path and levels of its parents. */
static void leaf_add(struct parquet_meta *m, const struct element *e,
		     const struct buf *path, unsigned def, unsigned rep)
{
	struct parquet_leaf *l = &m->leaves[m->n_leaves++];

	*l = (struct parquet_leaf){
		.path = xstrndup(path->data, path->len),
		.type = e->type,
		.type_length = e->type_length,
		.converted = e->converted,
		.max_def = def,
		.max_rep = rep,
	};
}

struct walk {
	const struct elements *el;
	struct parquet_meta *m;
	size_t next; /* the element to read next */
	struct buf path;
};

/* Walks the elements under one group of n children, depth-first. */
static int schema_walk(struct walk *w, int32_t n, unsigned def, unsigned rep,
		       unsigned depth)
{
	int32_t i;

	if (depth > 32 || n < 0)
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		const struct element *e;
		size_t keep = w->path.len;
		unsigned d = def, r = rep;
		int ret = 0;

		if (w->next >= w->el->n)
			return -EBADMSG;
		e = &w->el->v[w->next++];
		d += e->repetition != REPETITION_REQUIRED;
		r += e->repetition == REPETITION_REPEATED;
		if ((keep && buf_putc(&w->path, '.') < 0) ||
		    buf_append(&w->path, e->name, e->name_len) < 0)
			return -EBADMSG;
		if (e->num_children > 0)
			ret = schema_walk(w, e->num_children, d, r, depth + 1);
		else
			leaf_add(w->m, e, &w->path, d, r);
		w->path.len = keep;
		w->path.data[keep] = '\0';
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int leaves_build(const struct elements *el, struct parquet_meta *m)
{
	struct walk w = {.el = el, .m = m, .next = 1};
	int r;

	if (el->n == 0)
		return -EBADMSG;
	m->leaves = xcalloc(el->n, sizeof(*m->leaves));
	buf_init(&w.path, PATH_MAX_BYTES);
	r = schema_walk(&w, el->v[0].num_children, 0, 0, 0);
	buf_free(&w.path);
	return r < 0 || w.next != el->n ? -EBADMSG : 0;
}

static int meta_check(const struct parquet_meta *m, char *err, size_t errsize)
{
	size_t g;

	for (g = 0; g < m->n_groups; g++)
		if (m->groups[g].n_chunks != m->n_leaves) {
			snprintf(err, errsize,
				 "row group %zu of %zu has %zu column chunks "
				 "for %zu columns",
				 g + 1, m->n_groups, m->groups[g].n_chunks,
				 m->n_leaves);
			return -EBADMSG;
		}
	return 0;
}

int parquet_meta_parse(const void *data, size_t len, struct parquet_meta *ret,
		       char *err, size_t errsize)
{
	struct thrift t = thrift_init(data, len);
	struct parquet_meta m = {0};
	struct elements el = {0};
	int16_t last = 0, id;
	enum thrift_type type;
	int r;

	while (thrift_field(&t, &last, &id, &type)) {
		if (id == 2 && type == THRIFT_LIST)
			schema_read(&t, &el);
		else if (id == 3)
			m.num_rows = thrift_int(&t, type);
		else if (id == 4 && type == THRIFT_LIST)
			groups_read(&t, &m);
		else
			thrift_skip(&t, type);
	}
	if (t.why)
		r = meta_fail(err, errsize, t.why);
	else if (!el.v)
		r = meta_fail(err, errsize, "the metadata has no schema");
	else if (leaves_build(&el, &m) < 0)
		r = meta_fail(err, errsize,
			      "the schema's groups and children do not add up");
	else
		r = meta_check(&m, err, errsize);
	free(el.v);
	if (r < 0) {
		parquet_meta_free(&m);
		return r;
	}
	*ret = m;
	return 0;
}

void parquet_meta_free(struct parquet_meta *m)
{
	size_t i;

	for (i = 0; i < m->n_leaves; i++)
		free(m->leaves[i].path);
	for (i = 0; i < m->n_groups; i++)
		free(m->groups[i].chunks);
	free(m->leaves);
	free(m->groups);
	*m = (struct parquet_meta){0};
}

/* DataPageHeader (v1) and DictionaryPageHeader share their first fields. */
static void data_header_read(struct thrift *t, struct parquet_page_header *h)
{
	int16_t last = 0, id;
	enum thrift_type type;

	thrift_struct_begin(t);
	while (thrift_field(t, &last, &id, &type)) {
		if (id == 1)
			h->num_values = int32_of(t, type);
		else if (id == 2)
			h->encoding = int32_of(t, type);
		else if (id == 3 && h->type == PARQUET_PAGE_DATA)
			h->def_encoding = int32_of(t, type);
		else if (id == 4 && h->type == PARQUET_PAGE_DATA)
			h->rep_encoding = int32_of(t, type);
		else
			thrift_skip(t, type);
	}
	thrift_struct_end(t);
}

static const struct slot v2_slots[] = {
	{1, SLOT_INT32, offsetof(struct parquet_page_header, num_values)},
	{2, SLOT_INT32, offsetof(struct parquet_page_header, num_nulls)},
	{3, SLOT_INT32, offsetof(struct parquet_page_header, num_rows)},
	{4, SLOT_INT32, offsetof(struct parquet_page_header, encoding)},
	{5, SLOT_INT32, offsetof(struct parquet_page_header, def_length)},
	{6, SLOT_INT32, offsetof(struct parquet_page_header, rep_length)},
	{7, SLOT_BOOL, offsetof(struct parquet_page_header, is_compressed)},
};

static void v2_header_read(struct thrift *t, struct parquet_page_header *h)
{
	slots_read(t, v2_slots, ELEMENTSOF(v2_slots), h);
}

static void page_field_read(struct thrift *t, struct parquet_page_header *h,
			    int16_t id, enum thrift_type type)
{
	bool sub = type == THRIFT_STRUCT;

	if (id == 1)
		h->type = int32_of(t, type);
	else if (id == 2)
		h->uncompressed_size = int32_of(t, type);
	else if (id == 3)
		h->compressed_size = int32_of(t, type);
	else if (sub && ((id == 5 && h->type == PARQUET_PAGE_DATA) ||
			 (id == 7 && h->type == PARQUET_PAGE_DICTIONARY)))
		data_header_read(t, h);
	else if (sub && id == 8 && h->type == PARQUET_PAGE_DATA_V2)
		v2_header_read(t, h);
	else
		thrift_skip(t, type);
}

int parquet_page_header_parse(const void *data, size_t len,
			      struct parquet_page_header *ret, size_t *ret_used,
			      char *err, size_t errsize)
{
	struct thrift t = thrift_init(data, len);
	struct parquet_page_header h = {.type = -1, .is_compressed = true};
	int16_t last = 0, id;
	enum thrift_type type;

	while (thrift_field(&t, &last, &id, &type))
		page_field_read(&t, &h, id, type);
	if (t.why)
		return meta_fail(err, errsize, t.why);
	if (h.uncompressed_size < 0 || h.compressed_size < 0 ||
	    h.num_values < 0 || h.def_length < 0 || h.rep_length < 0 ||
	    h.num_nulls < 0)
		return meta_fail(err, errsize,
				 "a page header has a negative size or count");
	*ret = h;
	*ret_used = (size_t)(t.p - (const uint8_t *)data);
	return 0;
}
