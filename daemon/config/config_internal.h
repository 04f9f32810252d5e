/*
 * config_internal.h: what the files that load a configuration share, and
 * nothing outside daemon/config/ may include: the state of one load, the
 * walk of a YAML mapping against a key table (config_walk.c), the value
 * parsers the tables name (config_values.c), the tables' entry point
 * (config_keys.c) and the semantic pass (config_checks.c).  The structs of
 * config.h are only declared here: config.c includes this header, so this
 * header does not include config.h back.
 */
#ifndef SCRAPEWATCH_CONFIG_INTERNAL_H
#define SCRAPEWATCH_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

#define CONFIG_ERRORS_SHOWN 100 /* messages kept; the rest are counted */

struct config;
struct config_dataset;
struct config_where;

/* The state of one load: the config being built and the messages so far. */
struct loader {
	struct config *cfg; /* being built; owned by config_load() */
	struct buf errors;  /* "file:line:col: message\n" lines */
	unsigned n_errors;
	const char *file; /* file being walked (borrowed from cfg) */
	char *dir;	  /* owned: its directory, for relative paths */
	bool main_file;	  /* drop-ins may set only some sections */
	size_t budget;	  /* nodes the walk may still visit */
	char **includes;  /* owned: patterns from the main file's include: */
	size_t n_includes;
	char **watch_subscribers; /* owned, per watch: the subscriber named */
	yaml_document_t *doc;	  /* the document being walked (borrowed) */
	const char *map_key;	  /* "columns" or "fields", per dataset */
	const char **map_keys;	  /* per dataset: the key that set fields[] */
	const char *source_key;	  /* "url", "huggingface", ..., per dataset */
};

/* A value parser takes the value node and a pointer into the struct being
 * built.  It reports errors and leaves *dest alone on failure. */
typedef void (*value_parser)(struct loader *ld, const yaml_node_t *node,
			     void *dest);

/* One key of a mapping: its parser writes at the object + offset. */
struct key {
	const char *name;
	value_parser parse;
	size_t offset;
	unsigned flags;
};
#define KEY_REQUIRED  1u /* must be given */
#define KEY_MAIN_ONLY 2u /* not in drop-ins */

/* Grows array (n elements so far) to the next power of two when full. */
#define GROW(array, n)                                                      \
	do {                                                                \
		if (((n) & ((n)-1)) == 0)                                   \
			(array) = xreallocarray((array), (n) ? 2 * (n) : 1, \
						sizeof(*(array)));          \
	} while (0)

/* ---- the walk (config_walk.c) ---- */

/* Records "file:line:column: message" at node, or at w (line 0: about the
 * file as a whole), and lets the walk go on. */
void config_error(struct loader *ld, const yaml_node_t *node, const char *fmt,
		  ...) _printf_(3, 4);
void config_error_where(struct loader *ld, const struct config_where *w,
			const char *fmt, ...) _printf_(3, 4);

/* Where node is, for messages written after the walk. */
struct config_where config_where_of(const struct loader *ld,
				    const yaml_node_t *node);

/* The node's text if it is a non-empty scalar without NUL bytes, else
 * reports what was expected and returns NULL. */
const char *config_scalar(struct loader *ld, const yaml_node_t *node,
			  const char *expected);

/* Counts one visited node; false once the budget is spent. */
bool config_visit(struct loader *ld, const yaml_node_t *node);

/* Walks a mapping node against keys[n], calling each key's parser with a
 * pointer at obj + offset.  Reports unknown, repeated, misplaced and
 * missing required keys, what says where ("dataset", "smtp"). */
void config_load_mapping(struct loader *ld, yaml_document_t *doc,
			 const yaml_node_t *node, const struct key *keys,
			 size_t n, void *obj, const char *what);

/* Reads, parses and walks one file (the main one, or a drop-in).  Returns
 * -errno if it cannot be read, else 0 (errors are in ld). */
int config_load_file(struct loader *ld, const char *path, bool main_file);

/* Loads the drop-ins the main file's include: patterns name. */
void config_load_includes(struct loader *ld);

/* ---- the key tables (config_keys.c) ---- */

/* Walks a file's top-level mapping against the table of sections. */
void config_load_top(struct loader *ld, const yaml_node_t *root);

/* ---- the semantic pass (config_checks.c) ---- */

/* Fills in dataset defaults and checks what no single value shows: names,
 * duplicates, references, options against formats. */
void config_check(struct loader *ld);

/* ---- value parsers (config_values.c) ---- */

void value_string(struct loader *ld, const yaml_node_t *node, void *dest);
void value_bool(struct loader *ld, const yaml_node_t *node, void *dest);
void value_duration(struct loader *ld, const yaml_node_t *node, void *dest);
void value_size(struct loader *ld, const yaml_node_t *node, void *dest);
void value_count(struct loader *ld, const yaml_node_t *node, void *dest);
void value_uint(struct loader *ld, const yaml_node_t *node, void *dest);
void value_percent(struct loader *ld, const yaml_node_t *node, void *dest);
/* A ratio N:1, written "1000:1" or "1000" (N from 1 to 10^9). */
void value_ratio(struct loader *ld, const yaml_node_t *node, void *dest);
void value_format(struct loader *ld, const yaml_node_t *node, void *dest);
void value_digest(struct loader *ld, const yaml_node_t *node, void *dest);
void value_dataset_url(struct loader *ld, const yaml_node_t *node, void *dest);
void value_webhook_url(struct loader *ld, const yaml_node_t *node, void *dest);
void value_endpoint(struct loader *ld, const yaml_node_t *node, void *dest);
void value_repo(struct loader *ld, const yaml_node_t *node, void *dest);
void value_drive_id(struct loader *ld, const yaml_node_t *node, void *dest);
void value_smtp_url(struct loader *ld, const yaml_node_t *node, void *dest);
void value_mailto_or_https(struct loader *ld, const yaml_node_t *node,
			   void *dest);
void value_email(struct loader *ld, const yaml_node_t *node, void *dest);
/* A domain name or an address literal (config_ehlo_name_valid()). */
void value_ehlo_name(struct loader *ld, const yaml_node_t *node, void *dest);
void value_nsid(struct loader *ld, const yaml_node_t *node, void *dest);
void value_alias(struct loader *ld, const yaml_node_t *node, void *dest);
void value_sha256(struct loader *ld, const yaml_node_t *node, void *dest);
void value_md5(struct loader *ld, const yaml_node_t *node, void *dest);
/* A path, relative ones resolved against the file's directory. */
void value_path(struct loader *ld, const yaml_node_t *node, void *dest);
/* { credential: NAME } or { file: PATH }, read right away (char **). */
void value_secret(struct loader *ld, const yaml_node_t *node, void *dest);
void value_webhook_secret(struct loader *ld, const yaml_node_t *node,
			  void *dest);
/* A dataset's headers: and bearer: (dest is the struct config_dataset). */
void value_headers(struct loader *ld, const yaml_node_t *node, void *dest);
void value_bearer(struct loader *ld, const yaml_node_t *node, void *dest);

/* Whether s may be sent as an HTTP header value (no control characters). */
bool header_value_valid(const char *s);

/* Whether the dataset already sends header name (any case). */
bool dataset_has_header(const struct config_dataset *d, const char *name);

#endif
