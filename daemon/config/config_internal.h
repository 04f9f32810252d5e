/*
 * config_internal.h: what the files that load a configuration share, and
 * nothing outside daemon/config/ may include: the state of one load, the
 * walk of a YAML mapping against a key table (config_walk.c), the value
 * parsers the tables name (config_values.c), the tables' entry point
 * (config_keys.c), the catalogue entries that datasets 'use'
 * (catalogue.c) and the semantic pass (config_checks.c).  The structs of
 * config.h are only declared here: config.c includes this header, so this
 * header does not include config.h back.
 */
#ifndef SCRAPEWATCH_CONFIG_INTERNAL_H
#define SCRAPEWATCH_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

#define CONFIG_ERRORS_SHOWN 100 /* messages kept; the rest are counted */

struct config;
struct config_dataset;
struct config_where;

/* Where a dataset was given 'use: NAME', and which keys it gave beside:
 * the catalogue entry is read once every file is (catalogue_resolve()). */
struct dataset_use {
	const char *entry; /* borrowed from the dataset; NULL: no 'use' */
	const char *file;  /* borrowed from cfg */
	unsigned line, column;
	uint64_t given; /* bit i: key i of the dataset table was given */
};

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
	struct dataset_use *uses; /* owned, per dataset */
	const char *use_entry;	  /* the entry the dataset walked 'use's */
	bool in_catalogue;	  /* walking a catalogue entry */
	bool no_secrets; /* listing the catalogue: read no credential */
	/* in a catalogue entry: the dataset that uses it, for messages */
	const struct dataset_use *used_by;
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
#define KEY_REQUIRED	   1u  /* must be given */
#define KEY_MAIN_ONLY	   2u  /* not in drop-ins */
#define KEY_CATALOGUE	   4u  /* describes a catalogue entry: only there */
#define KEY_FROM_CATALOGUE 8u  /* what an entry fixes: not beside 'use' */
#define KEY_NOT_CATALOGUE  16u /* never in a catalogue entry */
#define KEY_USE_ONLY	   32u /* only beside 'use' */

/* Grows array (n elements so far) to the next power of two when full. */
#define GROW(array, n)                                                      \
	do {                                                                \
		if (((n) & ((n)-1)) == 0)                                   \
			(array) = xreallocarray((array), (n) ? 2 * (n) : 1, \
						sizeof(*(array)));          \
	} while (0)

/* ---- a load (config.c) ---- */

/* Starts a load: a new config with every section's defaults. */
void config_loader_init(struct loader *ld);

/*
 * Ends a load whose reading returned r (< 0: the main file could not be
 * read): unless r < 0, the semantic pass; then the config in *ret, or the
 * messages in *ret_errors and the config freed.  Frees the loader's own
 * state.  Returns 0, -EINVAL (messages) or r.
 */
int config_loader_finish(struct loader *ld, int r, struct config **ret,
			 char **ret_errors);

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

/* Walks a mapping node against keys[n] (at most 64), calling each key's
 * parser with a pointer at obj + offset.  Reports unknown, repeated,
 * misplaced and missing required keys, what says where ("dataset",
 * "smtp"). */
void config_load_mapping(struct loader *ld, yaml_document_t *doc,
			 const yaml_node_t *node, const struct key *keys,
			 size_t n, void *obj, const char *what);

/* The value of key in a mapping node, or NULL (no walk, no message). */
const yaml_node_t *config_mapping_get(const struct loader *ld,
				      const yaml_node_t *node, const char *key);

/* Of names[n], the one closest to s if it is close enough to be a likely
 * typo of it, else NULL. */
const char *config_nearest(const char *s, const char *const *names, size_t n);

/* Reads and parses one YAML file, what it is ("configuration file",
 * "catalogue entry") saying what cannot be read, and hands its root node
 * to walk.  The file joins cfg->files; the loader's file, directory and
 * document are the file's during the walk and restored after.  Returns
 * -errno if it cannot be read (reported), else 0 (errors are in ld). */
int config_read_yaml(struct loader *ld, const char *path, const char *what,
		     void (*walk)(struct loader *ld, const yaml_node_t *root,
				  void *userdata),
		     void *userdata);

/* Reads, parses and walks one file (the main one, or a drop-in).  Returns
 * -errno if it cannot be read, else 0 (errors are in ld). */
int config_load_file(struct loader *ld, const char *path, bool main_file);

/* Loads the drop-ins the main file's include: patterns name. */
void config_load_includes(struct loader *ld);

/* ---- the key tables (config_keys.c) ---- */

/* Walks a file's top-level mapping against the table of sections. */
void config_load_top(struct loader *ld, const yaml_node_t *root);

/* Adds a dataset with its defaults, written at where (borrowed file). */
struct config_dataset *config_dataset_add(struct loader *ld,
					  const struct config_where *where);

/* Walks a dataset mapping into d against the table of dataset keys, but
 * for the keys whose bit is set in skip (they were given beside 'use'). */
void config_load_dataset(struct loader *ld, const yaml_node_t *node,
			 struct config_dataset *d, uint64_t skip);

/* ---- the catalogue (catalogue.c) ---- */

/* Reads the catalogue entry of each dataset that 'use's one, under the
 * keys given beside it; reports an unknown entry with the known ones. */
void catalogue_resolve(struct loader *ld);

/* use: NAME (into a char *), and access: anonymous|token|account|none. */
void value_use(struct loader *ld, const yaml_node_t *node, void *dest);
void value_access(struct loader *ld, const yaml_node_t *node, void *dest);

/* A hub's token (huggingface: and github:), read as 'bearer' is; in a
 * catalogue entry it gives way to credentials given beside 'use'. */
void value_hub_token(struct loader *ld, const yaml_node_t *node, void *dest);

/* google_drive's api_key (into a char *), read as value_api_key() does; in
 * a catalogue entry it gives way to an api_key given beside 'use'. */
void value_drive_api_key(struct loader *ld, const yaml_node_t *node,
			 void *dest);

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
/* An API key: a secret (char **, secret memory) that may be sent as a
 * header value and holds no white space. */
void value_api_key(struct loader *ld, const yaml_node_t *node, void *dest);

/* Whether s may be sent as an HTTP header value (no control characters). */
bool header_value_valid(const char *s);

/* Whether the dataset already sends header name (any case). */
bool dataset_has_header(const struct config_dataset *d, const char *name);

#endif
