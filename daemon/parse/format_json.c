/*
 * format_json.c: the generic JSON ("json") and JSON Lines ("jsonl")
 * manifest formats, and the streaming record reader that format_ffhq.c
 * reuses through format_json.h.
 *
 * yajl tokenises the stream chunk by chunk and calls back once per token.
 * This file keeps only enough state to know where it is: how far it has
 * gone down the record path ('records': "images[]" is the array under the
 * top-level key "images", "data.items[]" one level deeper, "[]" a
 * top-level array, "images" or nothing an object whose values are the
 * records, by key), a trie of the field paths inside a record ("owner.nsid";
 * "a|b" takes the first of a and b that is present), and a depth counter for
 * every value it ignores, so that a skipped subtree (FFHQ's landmarks,
 * COCO's annotations) costs no memory.  The texts a record's fields need
 * are copied into one reused buffer and handed on as one entry when the
 * record's '}' arrives.  Strings arrive unescaped and checked as UTF-8;
 * numbers arrive as written; true, false and null count as absent.
 *
 * Positions are stream offsets.  An entry's offset is its record's first
 * byte: the '{' of an array element, or the opening quote of its key in a
 * keyed object (reckoned as the key's end minus its unescaped length and two
 * quotes, so a key written with escapes points into itself); its length runs
 * through the closing '}'; entry.line is the record number, from 1, counting
 * records that were skipped (the store keeps it as such, and letters and
 * evidence call it "record N" for these formats).  For jsonl, offset, length
 * and line are those of the line, as lines.h gives them.
 *
 * Reports name a real line, from 1.  A message that names a byte gives
 * that byte's line: "invalid JSON near byte N" (where the last well-formed
 * token ended, which, unlike yajl's own error offset, does not depend on
 * how the input was cut into chunks), "token longer ... near byte N",
 * "nested deeper ... at byte N".  A problem with a record, or with the
 * value where the record path goes on, gives the line where it starts.
 * "records '...' not found", known only at the end, has no position: line
 * 0.  The newlines are counted as the bytes go by, by memchr over each
 * slice handed to yajl up to each token's end, so no byte is looked at
 * twice and the count does not depend on the chunking.  jsonl reports give
 * the line lines.h counts.
 *
 * Caps: nesting deeper than limits.max_depth, and a record or a single
 * token (really: any stretch between two tokens) longer than
 * limits.max_record, since yajl would buffer it whole.  The rule that keeps
 * the outcome independent of the chunking: yajl reads up to and including
 * the byte that breaks a cap (byte max_record + 1 of the record or of the
 * stretch), never further.  If yajl finds that byte, or one before it, not
 * to be JSON, the error is -EBADMSG; otherwise it is -E2BIG.  Each feed is
 * cut into slices that end at that byte at the latest, and the caps are
 * checked at every token and at the end of every slice.  (Checking at the
 * end of whatever chunk arrived instead would let a chunk that ends inside a
 * bad token give -E2BIG where the whole input gives -EBADMSG.)
 *
 * Cost: yajl keeps an unfinished token and lexes it again from its start
 * with each slice.  The slices are the blocks decode.c hands on (64 KiB
 * from the decompressors, 1 MiB from a plain file), so the longest token
 * the cap lets through, 1 MiB, is lexed at most 17 times, about 9 MiB of
 * lexing for 1 MiB of input; cuts at a cap add fewer than three slices per
 * max_record bytes plus three per block.  Only tiny chunks (tests) make it
 * quadratic.
 *
 * Problems are fatal for json (yajl cannot resynchronise) except a record
 * that is not an object; for jsonl every problem costs only its line.  A
 * report says what is wrong, not what becomes of it: the caller decides
 * whether the release is taken.  Nothing here logs.
 */
#include "parse/format_json.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "lib/buf.h"
#include "lib/lines.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/entry.h"

enum json_mode {
	JSON_VALUES,   /* records are the values of an object, by key */
	JSON_ELEMENTS, /* records are the elements of an array */
	JSON_LINES,    /* records are the top-level values, one a line */
};

enum json_kind {
	JSON_SCALAR,
	JSON_OBJECT,
	JSON_ARRAY,
};

/* A node of the trie of field paths: node 0 is the record itself, any
 * other node a key inside its parent's object. */
struct json_node {
	const char *name; /* borrowed from json_parser.specs; not terminated */
	size_t len;
	size_t parent;
	bool inner; /* some path goes on below this key */
	/* Per field: 0 if no path of the field ends here, else UINT8_MAX minus
	 * the index of the alternative that does (higher wins). */
	uint8_t prio[ENTRY_FIELD_MAX];
};

/* A text kept for the record being read: text.data[off, off + len). */
struct json_span {
	size_t off, len;
	uint8_t prio; /* as json_node.prio; 0: nothing kept */
};

/* One key of the record path: path[off, off + len). */
struct json_key {
	size_t off, len;
};

struct json_parser {
	struct format_sink sink;
	struct format_limits limits;
	enum json_mode mode;
	yajl_handle yajl; /* owned */

	/* What to read; fixed once opened. */
	char *path;		      /* owned: the records setting, or "" */
	struct json_key *keys;	      /* owned: the keys down to the records */
	size_t n_keys;		      /* (all of path but a final "[]") */
	char *specs[ENTRY_FIELD_MAX]; /* owned: the field paths */
	struct json_node *nodes;      /* owned: their trie, root first */
	size_t n_nodes;

	/* Where the parse is. */
	const char *in;	    /* borrowed: the slice yajl is reading, or NULL */
	size_t in_len;	    /* its length */
	uint64_t base;	    /* its stream offset */
	uint64_t last;	    /* stream offset after the last token */
	uint64_t last_line; /* the line of byte last, from 1 */
	uint64_t counted;   /* newlines are counted up to this offset */
	uint64_t newlines;  /* '\n' bytes before it */
	unsigned depth;	    /* open containers */
	unsigned skip;	    /* open containers of the value being ignored */
	size_t level;	    /* containers of the record path entered */
	bool on_path;	    /* the next value is the next container of it */
	bool found;	    /* the container of the records was entered */
	uint64_t number;    /* record (jsonl: line) being or last read */

	/* The record being read. */
	bool in_record;
	bool line_record;    /* jsonl: the line's record is complete */
	size_t node;	     /* trie node of the object being read */
	size_t next;	     /* trie node the last key named; 0: none */
	uint64_t start;	     /* stream offset of its first byte */
	uint64_t start_line; /* and that byte's line */
	uint64_t length;     /* its length in bytes, once complete */
	struct buf text;     /* the texts kept, bounded by max_record */
	struct json_span key;
	struct json_span field[ENTRY_FIELD_MAX];

	struct lines lines; /* jsonl: the line splitter */
	int error;	    /* the fatal error, once there is one */
};

static void json_vreport(struct json_parser *p, uint64_t line, bool fatal,
			 const char *fmt, va_list ap) _printf_(4, 0);
static void json_skipped(struct json_parser *p, uint64_t line, const char *fmt,
			 ...) _printf_(3, 4);
static int json_fail(struct json_parser *p, uint64_t line, int r,
		     const char *fmt, ...) _printf_(4, 5);

/* Hands a problem at line (0: none) to the sink. */
static void json_vreport(struct json_parser *p, uint64_t line, bool fatal,
			 const char *fmt, va_list ap)
{
	char why[256];

	vsnprintf(why, sizeof(why), fmt, ap);
	p->sink.report(p->sink.userdata, line, fatal, why);
}

/* Reports a record (or jsonl line) that is skipped. */
static void json_skipped(struct json_parser *p, uint64_t line, const char *fmt,
			 ...)
{
	va_list ap;

	va_start(ap, fmt);
	json_vreport(p, line, false, fmt, ap);
	va_end(ap);
}

/* Reports input the parse cannot go on with and returns r.  For json that
 * is the end (the error sticks); for jsonl it is the end of the line. */
static int json_fail(struct json_parser *p, uint64_t line, int r,
		     const char *fmt, ...)
{
	bool fatal = p->mode != JSON_LINES;
	va_list ap;

	va_start(ap, fmt);
	json_vreport(p, line, fatal, fmt, ap);
	va_end(ap);
	if (fatal)
		p->error = r;
	return r;
}

/* Stream offset just after the token yajl is calling back for. */
static uint64_t json_pos(const struct json_parser *p)
{
	return p->base + yajl_get_bytes_consumed(p->yajl);
}

/* Counts the newlines before stream offset pos, which is at or after where
 * the count stopped last.  The bytes counted are those of the slice yajl is
 * reading; there are none past its end (yajl_complete_parse() reads a
 * space of its own). */
static void json_count_lines(struct json_parser *p, uint64_t pos)
{
	const char *s, *end;

	assert(p->counted >= p->base && pos >= p->counted);
	if (pos > p->base + p->in_len)
		pos = p->base + p->in_len;
	if (pos <= p->counted)
		return;
	s = p->in + (p->counted - p->base);
	end = p->in + (pos - p->base);
	while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		p->newlines++;
		s++;
	}
	p->counted = pos;
}

/* Fails with -E2BIG when, by stream offset pos, the record or the stretch
 * since the last token has outgrown max_record: yajl would buffer it. */
static int json_check_span(struct json_parser *p, uint64_t pos)
{
	size_t max = p->limits.max_record;

	if (p->in_record && pos - p->start > max)
		return json_fail(p, p->start_line, -E2BIG,
				 "record longer than %zu bytes", max);
	if (pos > p->last && pos - p->last > max)
		return json_fail(p, p->last_line, -E2BIG,
				 "JSON token longer than %zu bytes near byte "
				 "%" PRIu64,
				 max, p->last);
	return 0;
}

/* Notes that a token ended; every callback starts here.  Afterwards
 * last_line is the line of the token (no token holds a newline). */
static int json_token(struct json_parser *p)
{
	uint64_t pos = json_pos(p);
	int r = json_check_span(p, pos);

	json_count_lines(p, pos);
	p->last = pos;
	p->last_line = p->newlines + 1;
	return r;
}

/* The trie node for key s inside the object of node parent, or 0. */
static size_t json_child(const struct json_parser *p, size_t parent,
			 const char *s, size_t len)
{
	size_t i;

	for (i = 1; i < p->n_nodes; i++) {
		const struct json_node *n = &p->nodes[i];

		if (n->parent == parent && n->len == len &&
		    memcmp(n->name, s, len) == 0)
			return i;
	}
	return 0;
}

/* ---- the record being read ------------------------------------------- */

static void json_record_reset(struct json_parser *p)
{
	size_t f;

	buf_reset(&p->text);
	p->key = (struct json_span){0};
	for (f = 0; f < ENTRY_FIELD_MAX; f++)
		p->field[f] = (struct json_span){0};
}

static struct entry_text json_text(const struct json_parser *p,
				   const struct json_span *span)
{
	return (struct entry_text){.s = p->text.data + span->off,
				   .len = span->len};
}

/* Hands the complete record to the sink; a sink error is fatal, as is. */
static int json_emit(struct json_parser *p)
{
	struct entry e = {
		.line = p->number, .offset = p->start, .length = p->length};
	size_t f;
	int r;

	for (f = 0; f < ENTRY_FIELD_MAX; f++)
		if (p->field[f].prio)
			e.field[f] = json_text(p, &p->field[f]);
	if (!e.field[ENTRY_FIELD_KEY].len && p->key.prio)
		e.field[ENTRY_FIELD_KEY] = json_text(p, &p->key);
	entry_identify(&e);
	r = p->sink.entry(p->sink.userdata, &e);
	if (r < 0)
		p->error = r;
	return r;
}

/* Keeps a string or number for the fields whose path ends at node n,
 * unless an earlier alternative already gave them a text. */
static int json_capture(struct json_parser *p, size_t n, const char *s,
			size_t len)
{
	const struct json_node *node = &p->nodes[n];
	size_t f, off = p->text.len;
	bool kept = false;

	if (!s || len == 0)
		return 0;
	for (f = 0; f < ENTRY_FIELD_MAX; f++) {
		if (node->prio[f] <= p->field[f].prio)
			continue;
		if (!kept && buf_append(&p->text, s, len) < 0)
			return json_fail(p, p->start_line, -E2BIG,
					 "record longer than %zu bytes",
					 p->limits.max_record);
		kept = true;
		p->field[f] = (struct json_span){
			.off = off, .len = len, .prio = node->prio[f]};
	}
	return 0;
}

/* A key in the object of keyed records: a record may begin here. */
static int json_record_key(struct json_parser *p, const char *s, size_t len)
{
	uint64_t pos = json_pos(p), raw = (uint64_t)len + 2;

	json_record_reset(p);
	p->start = pos >= raw ? pos - raw : 0;
	p->start_line = p->last_line;
	if (len == 0)
		return 0;
	if (buf_append(&p->text, s, len) < 0)
		return json_fail(p, p->start_line, -E2BIG,
				 "record longer than %zu bytes",
				 p->limits.max_record);
	p->key = (struct json_span){.off = 0, .len = len, .prio = 1};
	return 0;
}

/* A value where a record belongs that is not an object. */
static int json_not_object(struct json_parser *p, enum json_kind kind)
{
	const char *why = "record is not a JSON object";

	if (kind == JSON_ARRAY)
		p->skip = 1;
	if (p->mode == JSON_LINES)
		return json_fail(p, p->start_line, -EBADMSG, "%s", why);
	json_skipped(p, p->start_line, "%s", why);
	return 0;
}

/* A value where a record belongs. */
static int json_record_begin(struct json_parser *p, enum json_kind kind)
{
	if (p->mode != JSON_LINES)
		p->number++;
	else if (p->line_record)
		return json_fail(p, p->last_line, -EBADMSG,
				 "more than one JSON value on the line");
	/* A keyed record starts at its key (json_record_key), any other at
	 * its value: for an object, the '{' just read. */
	if (p->mode != JSON_VALUES) {
		json_record_reset(p);
		p->start = json_pos(p) - 1;
		p->start_line = p->last_line;
	}
	if (kind != JSON_OBJECT)
		return json_not_object(p, kind);
	p->in_record = true;
	p->node = 0;
	p->next = 0;
	return 0;
}

/* The record's closing '}'. */
static int json_record_end(struct json_parser *p)
{
	p->in_record = false;
	p->length = json_pos(p) - p->start;
	if (p->mode == JSON_LINES) {
		/* Handed on once the line proves to hold nothing else. */
		p->line_record = true;
		return 0;
	}
	return json_emit(p);
}

/* ---- the way down to the records -------------------------------------- */

/* Whether a value met outside any record and any skipped value is one. */
static bool json_at_records(const struct json_parser *p)
{
	return p->mode == JSON_LINES || p->level == p->n_keys + 1;
}

/* Enters the next container of the record path; it must be of the kind the
 * path says. */
static int json_path_enter(struct json_parser *p, enum json_kind kind)
{
	bool last = p->level == p->n_keys;
	enum json_kind want =
		last && p->mode == JSON_ELEMENTS ? JSON_ARRAY : JSON_OBJECT;
	const char *what = want == JSON_ARRAY ? "an array" : "an object";
	const struct json_key *k;

	if (kind == want) {
		p->level++;
		p->on_path = false;
		p->found = p->found || last;
		return 0;
	}
	if (p->level == 0)
		return json_fail(p, p->last_line, -EBADMSG,
				 "top level is not %s", what);
	k = &p->keys[p->level - 1];
	return json_fail(p, p->last_line, -EBADMSG, "'%.*s' is not %s",
			 (int)(k->off + k->len), p->path, what);
}

/* A value outside any record. */
static int json_path_value(struct json_parser *p, enum json_kind kind)
{
	if (json_at_records(p))
		return json_record_begin(p, kind);
	if (p->on_path)
		return json_path_enter(p, kind);
	if (kind != JSON_SCALAR)
		p->skip = 1;
	return 0;
}

/* ---- yajl callbacks: 1 goes on, 0 stops ------------------------------- */

/* A string or number (s), or true, false or null (s == NULL). */
static int json_scalar(struct json_parser *p, const char *s, size_t len)
{
	size_t n;
	int r = json_token(p);

	if (r < 0 || p->skip)
		return r;
	if (!p->in_record)
		return json_path_value(p, JSON_SCALAR);
	n = p->next;
	p->next = 0;
	return n ? json_capture(p, n, s, len) : 0;
}

/* A '{' or '['. */
static int json_open(struct json_parser *p, enum json_kind kind)
{
	int r = json_token(p);

	if (r < 0)
		return r;
	if (p->depth >= p->limits.max_depth)
		return json_fail(p, p->last_line, -E2BIG,
				 "JSON nested deeper than %u levels at byte "
				 "%" PRIu64,
				 p->limits.max_depth, p->last - 1);
	p->depth++;
	if (p->skip) {
		p->skip++;
		return 0;
	}
	if (!p->in_record)
		return json_path_value(p, kind);
	/* Inside a record only the objects on a field path are entered. */
	if (kind == JSON_OBJECT && p->next && p->nodes[p->next].inner)
		p->node = p->next;
	else
		p->skip = 1;
	p->next = 0;
	return 0;
}

/* A '}' or ']'. */
static int json_close(struct json_parser *p)
{
	int r = json_token(p);

	if (r < 0)
		return r;
	p->depth--;
	if (p->skip) {
		p->skip--;
		return 0;
	}
	if (!p->in_record) {
		p->level--;
		p->on_path = false;
		return 0;
	}
	if (p->node) {
		p->node = p->nodes[p->node].parent;
		return 0;
	}
	return json_record_end(p);
}

static int json_key(struct json_parser *p, const char *s, size_t len)
{
	const struct json_key *k;
	int r = json_token(p);

	if (r < 0 || p->skip)
		return r;
	if (p->in_record) {
		p->next = json_child(p, p->node, s, len);
		return 0;
	}
	if (json_at_records(p))
		return json_record_key(p, s, len);
	assert(p->level > 0);
	k = &p->keys[p->level - 1];
	p->on_path = len == k->len && memcmp(p->path + k->off, s, len) == 0;
	return 0;
}

static int json_on_null(void *ctx)
{
	return json_scalar(ctx, NULL, 0) >= 0;
}

static int json_on_boolean(void *ctx, int value _unused_)
{
	return json_scalar(ctx, NULL, 0) >= 0;
}

static int json_on_number(void *ctx, const char *s, size_t len)
{
	return json_scalar(ctx, s, len) >= 0;
}

static int json_on_string(void *ctx, const unsigned char *s, size_t len)
{
	return json_scalar(ctx, (const char *)s, len) >= 0;
}

static int json_on_start_map(void *ctx)
{
	return json_open(ctx, JSON_OBJECT) >= 0;
}

static int json_on_start_array(void *ctx)
{
	return json_open(ctx, JSON_ARRAY) >= 0;
}

static int json_on_end(void *ctx)
{
	return json_close(ctx) >= 0;
}

static int json_on_map_key(void *ctx, const unsigned char *s, size_t len)
{
	return json_key(ctx, (const char *)s, len) >= 0;
}

/* yajl_number takes every number as written, so yajl_integer and
 * yajl_double are never called. */
static const yajl_callbacks json_callbacks = {
	.yajl_null = json_on_null,
	.yajl_boolean = json_on_boolean,
	.yajl_number = json_on_number,
	.yajl_string = json_on_string,
	.yajl_start_map = json_on_start_map,
	.yajl_map_key = json_on_map_key,
	.yajl_end_map = json_on_end,
	.yajl_start_array = json_on_start_array,
	.yajl_end_array = json_on_end,
};

/* yajl allocates through xalloc, so out of memory aborts (STYLE 15). */
static void *json_malloc(void *ctx _unused_, size_t size)
{
	return xmalloc(size);
}

static void *json_realloc(void *ctx _unused_, void *ptr, size_t size)
{
	return xreallocarray(ptr, size, 1);
}

static void json_mfree(void *ctx _unused_, void *ptr)
{
	free(ptr);
}

/* Gives p a fresh yajl handle and parse state: when opened, and for jsonl
 * after a line yajl stopped on (yajl cannot be reset). */
static void json_yajl_renew(struct json_parser *p)
{
	yajl_alloc_funcs funcs = {.malloc = json_malloc,
				  .realloc = json_realloc,
				  .free = json_mfree};

	if (p->yajl)
		yajl_free(p->yajl);
	p->yajl = yajl_alloc(&json_callbacks, &funcs, p);
	assert(p->yajl);
	/* jsonl feeds every line to one handle while the lines are good. */
	if (p->mode == JSON_LINES)
		yajl_config(p->yajl, yajl_allow_multiple_values, 1);
	p->depth = 0;
	p->skip = 0;
	p->level = 0;
	p->in_record = false;
}

/* After yajl stopped: a callback failed (and said why), or the text is
 * not JSON.  The message gives the end of the last well-formed token, as
 * yajl's own error offset depends on how the input was cut into chunks.
 * Returns the error. */
static int json_stopped(struct json_parser *p, yajl_status st)
{
	unsigned char *msg;
	size_t n;
	int r;

	if (st == yajl_status_client_canceled)
		return p->error ? p->error : -ECANCELED;
	/* The terse form is one line, "lexical error: invalid char in json
	 * text.\n"; the newline and a final full stop are dropped. */
	msg = yajl_get_error(p->yajl, 0, NULL, 0);
	n = strcspn((const char *)msg, "\n");
	if (n > 0 && msg[n - 1] == '.')
		n--;
	r = json_fail(p, p->last_line, -EBADMSG,
		      "invalid JSON near byte %" PRIu64 ": %.*s", p->last,
		      (int)n, (const char *)msg);
	yajl_free_error(p->yajl, msg);
	return r;
}

/* ---- opening and closing ---------------------------------------------- */

/* Splits the first len bytes of p->path at '.' into p->keys. */
static int json_split_keys(struct json_parser *p, size_t len)
{
	const char *s = p->path, *end = p->path + len, *dot;
	size_t n;

	p->keys = xreallocarray(NULL, len, sizeof(*p->keys));
	for (;;) {
		dot = memchr(s, '.', (size_t)(end - s));
		n = (size_t)((dot ? dot : end) - s);
		if (n == 0 || memchr(s, '[', n) || memchr(s, ']', n))
			return -EINVAL;
		p->keys[p->n_keys++] = (struct json_key){
			.off = (size_t)(s - p->path), .len = n};
		if (!dot)
			return 0;
		s = dot + 1;
	}
}

/* Reads the 'records' setting: keys joined by '.', then "[]" for an array
 * of records, or nothing for an object of keyed records. */
static int json_parse_records(struct json_parser *p, const char *records)
{
	size_t len;

	p->path = xstrdup(records ? records : "");
	p->on_path = true;
	len = strlen(p->path);
	if (p->mode == JSON_LINES)
		return len ? -EINVAL : 0;
	if (len >= 2 && memcmp(p->path + len - 2, "[]", 2) == 0) {
		p->mode = JSON_ELEMENTS;
		len -= 2;
	}
	return len ? json_split_keys(p, len) : 0;
}

/* The trie node for key s under node parent, added if new. */
static size_t json_node_add(struct json_parser *p, size_t parent, const char *s,
			    size_t len)
{
	size_t i = json_child(p, parent, s, len);

	if (i)
		return i;
	p->nodes = xreallocarray(p->nodes, p->n_nodes + 1, sizeof(*p->nodes));
	p->nodes[p->n_nodes] =
		(struct json_node){.name = s, .len = len, .parent = parent};
	p->nodes[parent].inner = true;
	return p->n_nodes++;
}

/* Adds one path (len bytes at s, keys joined by '.') of field f. */
static int json_add_path(struct json_parser *p, enum entry_field f,
			 const char *s, size_t len, uint8_t prio)
{
	const char *end = s + len, *dot;
	size_t node = 0, n;

	for (;;) {
		dot = memchr(s, '.', (size_t)(end - s));
		n = (size_t)((dot ? dot : end) - s);
		if (n == 0)
			return -EINVAL;
		node = json_node_add(p, node, s, n);
		if (!dot)
			break;
		s = dot + 1;
	}
	if (!p->nodes[node].prio[f])
		p->nodes[node].prio[f] = prio;
	return 0;
}

/* Adds field f's paths: alternatives joined by '|', the first wins. */
static int json_add_field(struct json_parser *p, enum entry_field f,
			  const char *spec)
{
	const char *s = spec, *bar;
	unsigned alt;
	int r;

	for (alt = 0;; alt++) {
		if (alt >= UINT8_MAX)
			return -EINVAL;
		bar = strchr(s, '|');
		r = json_add_path(p, f, s, bar ? (size_t)(bar - s) : strlen(s),
				  (uint8_t)(UINT8_MAX - alt));
		if (r < 0 || !bar)
			return r;
		s = bar + 1;
	}
}

static int json_parse_fields(struct json_parser *p,
			     const char *const fields[ENTRY_FIELD_MAX])
{
	size_t f;
	int r;

	p->nodes = xcalloc(1, sizeof(*p->nodes));
	p->n_nodes = 1;
	for (f = 0; f < ENTRY_FIELD_MAX; f++) {
		if (!fields[f])
			continue;
		p->specs[f] = xstrdup(fields[f]);
		r = json_add_field(p, f, p->specs[f]);
		if (r < 0)
			return r;
	}
	/* Records without a key of their own need a field to be told by. */
	if (p->n_nodes == 1 && p->mode != JSON_VALUES)
		return -EINVAL;
	return 0;
}

static struct json_parser *json_parser_free(struct json_parser *p)
{
	size_t f;

	if (!p)
		return NULL;
	if (p->yajl)
		yajl_free(p->yajl);
	lines_free(&p->lines);
	buf_free(&p->text);
	for (f = 0; f < ENTRY_FIELD_MAX; f++)
		free(p->specs[f]);
	free(p->nodes);
	free(p->keys);
	free(p->path);
	free(p);
	return NULL;
}

DEFINE_FREEP(struct json_parser, json_parser_free)

static int jsonl_line(void *userdata, const char *line, size_t len,
		      uint64_t number, uint64_t offset, uint64_t length);

static int json_new(bool lines, const char *records,
		    const char *const fields[ENTRY_FIELD_MAX],
		    const struct format_limits *limits,
		    const struct format_sink *sink, void **ret)
{
	_cleanup_(json_parser_freep) struct json_parser *p = NULL;
	int r;

	p = xmalloc(sizeof(*p));
	*p = (struct json_parser){.sink = *sink,
				  .limits = *limits,
				  .mode = lines ? JSON_LINES : JSON_VALUES,
				  .last_line = 1};
	buf_init(&p->text, limits->max_record);
	lines_init(&p->lines, limits->max_record, jsonl_line, p);
	r = json_parse_records(p, records);
	if (r < 0)
		return r;
	r = json_parse_fields(p, fields);
	if (r < 0)
		return r;
	json_yajl_renew(p);
	*ret = TAKE_PTR(p);
	return 0;
}

static void *json_free(void *parser)
{
	return json_parser_free(parser);
}

/* ---- json ------------------------------------------------------------- */

static int json_open_dataset(const struct format_options *d,
			     const struct format_limits *limits,
			     const struct format_sink *sink, void **ret)
{
	return json_new(false, d->records, (const char *const *)d->fields,
			limits, sink, ret);
}

int format_json_open_keyed(const char *const fields[ENTRY_FIELD_MAX],
			   const struct format_limits *limits,
			   const struct format_sink *sink, void **ret)
{
	return json_new(false, NULL, fields, limits, sink, ret);
}

/* How many of the next len bytes yajl may read: up to and including the
 * first one that would make the record, or the stretch since the last
 * token, longer than max_record. */
static size_t json_room(const struct json_parser *p, size_t len)
{
	uint64_t used = p->base - p->last, room;

	if (p->in_record && p->base - p->start > used)
		used = p->base - p->start;
	/* json_check_span() stopped the parse at any more. */
	assert(used <= p->limits.max_record);
	room = p->limits.max_record - used + 1;
	return room < len ? (size_t)room : len;
}

/* Hands yajl the len bytes at data (stream offset p->base), then checks the
 * caps at their end.  Returns 0 or the error, reported. */
static int json_parse_slice(struct json_parser *p, const char *data, size_t len)
{
	yajl_status st;

	p->in = data;
	p->in_len = len;
	st = yajl_parse(p->yajl, (const unsigned char *)data, len);
	if (st == yajl_status_ok)
		json_count_lines(p, p->base + len);
	p->in = NULL;
	p->in_len = 0;
	if (st != yajl_status_ok)
		return json_stopped(p, st);
	p->base += len;
	return json_check_span(p, p->base);
}

static int json_feed(void *parser, const char *data, size_t len)
{
	struct json_parser *p = parser;
	size_t n;
	int r = p->error;

	while (r == 0 && len > 0) {
		n = json_room(p, len);
		r = json_parse_slice(p, data, n);
		data += n;
		len -= n;
	}
	return r;
}

static int json_finish(void *parser)
{
	struct json_parser *p = parser;
	yajl_status st;

	if (p->error)
		return p->error;
	st = yajl_complete_parse(p->yajl);
	if (st != yajl_status_ok)
		return json_stopped(p, st);
	if (!p->found)
		return json_fail(p, 0, -EBADMSG, "records '%s' not found",
				 p->path);
	return 0;
}

/* ---- jsonl ------------------------------------------------------------ */

static bool json_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Parses line number as one complete JSON value.  It holds no newline,
 * and lines.h keeps it within max_record, so it is one slice whose every
 * report names line number.  Returns 0, or a negative errno once the line
 * is reported (p->error is set if that is fatal). */
static int jsonl_parse(struct json_parser *p, const char *line, size_t len,
		       uint64_t number, uint64_t offset)
{
	yajl_status st;
	int r;

	p->base = offset;
	p->last = offset;
	p->counted = offset;
	p->newlines = number - 1;
	p->last_line = number;
	p->line_record = false;
	r = json_parse_slice(p, line, len);
	if (r < 0)
		return r;
	st = yajl_complete_parse(p->yajl);
	if (st != yajl_status_ok)
		return json_stopped(p, st);
	return 0;
}

static int jsonl_line(void *userdata, const char *line, size_t len,
		      uint64_t number, uint64_t offset, uint64_t length)
{
	struct json_parser *p = userdata;

	p->number = number;
	if (!line) {
		json_skipped(p, number, "line longer than %zu bytes",
			     p->limits.max_record);
		return 0;
	}
	if (json_blank(line, len))
		return 0;
	if (jsonl_parse(p, line, len, number, offset) < 0) {
		if (p->error)
			return p->error;
		json_yajl_renew(p);
		return 0;
	}
	if (!p->line_record)
		return 0; /* whitespace yajl knows and we do not */
	p->start = offset;
	p->length = length;
	return json_emit(p);
}

static int jsonl_open(const struct format_options *d,
		      const struct format_limits *limits,
		      const struct format_sink *sink, void **ret)
{
	return json_new(true, d->records, (const char *const *)d->fields,
			limits, sink, ret);
}

static int jsonl_feed(void *parser, const char *data, size_t len)
{
	struct json_parser *p = parser;

	return lines_feed(&p->lines, data, len);
}

static int jsonl_finish(void *parser)
{
	struct json_parser *p = parser;

	return lines_finish(&p->lines);
}

/* format_json is declared in format_json.h. */
const struct format format_json = {
	.name = "json",
	.photo_keyed = false,
	.counts_records = true,
	.open = json_open_dataset,
	.feed = json_feed,
	.finish = json_finish,
	.free = json_free,
};

extern const struct format format_jsonl;
const struct format format_jsonl = {
	.name = "jsonl",
	.photo_keyed = false,
	.open = jsonl_open,
	.feed = jsonl_feed,
	.finish = jsonl_finish,
	.free = json_free,
};
