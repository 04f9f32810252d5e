/*
 * config_walk.c: the walk of a YAML configuration and its error list.
 *
 * Reads one file with libyaml's document API and walks each mapping against
 * a static key table (config_keys.c), handing values to their parsers
 * (config_values.c).  Every problem goes through config_error(), which
 * records "file:line:column: message" and lets the walk go on, so one run
 * reports every mistake; a message about a catalogue entry also says which
 * dataset used it.  The walk guards against alias bombs with a node
 * budget and refuses a second document.  Nothing here logs: the caller
 * prints the collected messages.
 */
#include "config/config_internal.h"

#include <assert.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config/config.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

#define CONFIG_FILE_MAX (64u << 20) /* bytes in one YAML file */

static void config_error_at(struct loader *ld, const char *file, unsigned line,
			    unsigned column, const char *fmt, va_list ap)
{
	char msg[1024];

	ld->n_errors++;
	if (ld->n_errors > CONFIG_ERRORS_SHOWN)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* The error list is bounded by CONFIG_ERRORS_SHOWN, not by buf's max;
	 * line 0 means the message is about the file as a whole. */
	if (line)
		(void)buf_printf(&ld->errors, "%s:%u:%u: %s", file, line,
				 column, msg);
	else
		(void)buf_printf(&ld->errors, "%s: %s", file, msg);
	if (ld->used_by)
		(void)buf_printf(&ld->errors,
				 " (catalogue entry '%s', used at "
				 "%s:%u:%u)",
				 ld->used_by->entry, ld->used_by->file,
				 ld->used_by->line, ld->used_by->column);
	(void)buf_putc(&ld->errors, '\n');
}

void config_error(struct loader *ld, const yaml_node_t *node, const char *fmt,
		  ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_error_at(ld, ld->file, (unsigned)node->start_mark.line + 1,
			(unsigned)node->start_mark.column + 1, fmt, ap);
	va_end(ap);
}

void config_error_where(struct loader *ld, const struct config_where *w,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_error_at(ld, w->file, w->line, w->column, fmt, ap);
	va_end(ap);
}

struct config_where config_where_of(const struct loader *ld,
				    const yaml_node_t *node)
{
	return (struct config_where){
		.file = ld->file,
		.line = (unsigned)node->start_mark.line + 1,
		.column = (unsigned)node->start_mark.column + 1,
	};
}

/* ---- scalars ---------------------------------------------------------- */

/* Returns the node's text if it is a non-empty scalar, else reports what was
 * expected and returns NULL. */
const char *config_scalar(struct loader *ld, const yaml_node_t *node,
			  const char *expected)
{
	const char *s;

	if (node->type != YAML_SCALAR_NODE) {
		config_error(ld, node, "expected %s, found a %s", expected,
			     node->type == YAML_MAPPING_NODE ? "mapping"
							     : "list");
		return NULL;
	}
	s = (const char *)node->data.scalar.value;
	if (node->data.scalar.length == 0) {
		config_error(ld, node, "expected %s, found nothing", expected);
		return NULL;
	}
	if (strlen(s) != node->data.scalar.length) {
		config_error(ld, node, "expected %s, found a NUL byte",
			     expected);
		return NULL;
	}
	return s;
}

/* ---- mappings against key tables -------------------------------------- */

/* Counts one visited node; false once the budget is spent, which only an
 * alias bomb (a few aliases that expand exponentially) can do. */
bool config_visit(struct loader *ld, const yaml_node_t *node)
{
	if (ld->budget == 0)
		return false;
	if (--ld->budget == 0)
		config_error(ld, node,
			     "the document expands to too many nodes "
			     "(aliases nested too deep?)");
	return ld->budget > 0;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[64];

	if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = MIN(row[j] + 1, row[j - 1] + 1);
			cur = MIN(cur, prev + (a[i - 1] != b[j - 1]));
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *config_nearest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t i, d, best_d = SIZE_MAX;

	for (i = 0; i < n; i++) {
		d = edit_distance(s, names[i]);
		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best && best_d <= MAX(strlen(s) / 3, 2u) ? best : NULL;
}

/* The closest name in the table, if close enough to be a likely typo. */
static const char *did_you_mean(const char *s, const struct key *keys, size_t n)
{
	const char *names[64];
	size_t i;

	for (i = 0; i < n && i < ELEMENTSOF(names); i++)
		names[i] = keys[i].name;
	return config_nearest(s, names, i);
}

const yaml_node_t *config_mapping_get(const struct loader *ld,
				      const yaml_node_t *node, const char *key)
{
	yaml_node_pair_t *pair;

	if (node->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, pair->key);

		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(ld->doc, pair->value);
	}
	return NULL;
}

static void unknown_key(struct loader *ld, const yaml_node_t *knode,
			const char *k, const struct key *keys, size_t n,
			const char *what)
{
	const char *hint = did_you_mean(k, keys, n);

	/* libyaml leaves merge keys to the application; this one takes none,
	 * so say so rather than "unknown key". */
	if (strcmp(k, "<<") == 0)
		config_error(ld, knode,
			     "YAML merge keys ('<<: *name') are not supported "
			     "(in %s): write the keys out; what all datasets "
			     "share belongs in 'defaults:'",
			     what);
	else if (hint)
		config_error(ld, knode,
			     "unknown key '%s' in %s; did you mean '%s'?", k,
			     what, hint);
	else
		config_error(ld, knode, "unknown key '%s' in %s", k, what);
}

/* Where a dataset of its own gives what key k gives beside 'use'. */
static const char *use_only_hint(const char *k)
{
	if (strcmp(k, "api_key") == 0)
		return "a dataset's own Google Drive source takes it inside "
		       "'google_drive'";
	return "a dataset's own hub source takes it inside 'huggingface' or "
	       "'github', any other source as 'bearer'";
}

/* Whether key k may not be given where the walk is (a drop-in, a catalogue
 * entry, beside 'use'); if so, reports why. */
static bool key_refused(struct loader *ld, const yaml_node_t *knode,
			const struct key *key)
{
	const char *k = key->name;

	if ((key->flags & KEY_MAIN_ONLY) && !ld->main_file)
		config_error(ld, knode,
			     "'%s' may only be set in the main configuration "
			     "file",
			     k);
	else if ((key->flags & KEY_CATALOGUE) && !ld->in_catalogue)
		config_error(
			ld, knode,
			"'%s' describes a dataset of the catalogue and may "
			"only be set in a catalogue entry (see scrapewatch "
			"datasets; a dataset takes one with 'use: NAME')",
			k);
	else if ((key->flags & KEY_NOT_CATALOGUE) && ld->in_catalogue)
		config_error(ld, knode,
			     "'%s' may not be set in a catalogue entry: an "
			     "entry is named by its file, uses no other entry "
			     "and reads no credential but a hub's token or a "
			     "Drive api_key",
			     k);
	else if ((key->flags & KEY_FROM_CATALOGUE) && ld->use_entry)
		config_error(ld, knode,
			     "'%s' comes from catalogue entry '%s' and cannot "
			     "be changed beside 'use'; beside it a dataset may "
			     "set name, interval, token, api_key, optout, the "
			     "limits and its own headers, bearer or auth",
			     k, ld->use_entry);
	else if ((key->flags & KEY_USE_ONLY) && !ld->use_entry)
		config_error(ld, knode, "'%s' may only be set beside 'use'; %s",
			     k, use_only_hint(k));
	else
		return false;
	return true;
}

/* Missing required keys are reported at the mapping's start. */
void config_load_mapping(struct loader *ld, yaml_document_t *doc,
			 const yaml_node_t *node, const struct key *keys,
			 size_t n, void *obj, const char *what)
{
	bool seen[64] = {false};
	yaml_node_pair_t *pair;
	size_t i;

	assert(n <= ELEMENTSOF(seen));
	if (node->type != YAML_MAPPING_NODE) {
		config_error(ld, node, "expected a mapping (key: value) for %s",
			     what);
		return;
	}
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *knode = yaml_document_get_node(doc, pair->key);
		yaml_node_t *vnode = yaml_document_get_node(doc, pair->value);
		const char *k;

		if (!config_visit(ld, vnode))
			return;
		k = config_scalar(ld, knode, "a key");
		if (!k)
			continue;
		for (i = 0; i < n && strcmp(k, keys[i].name) != 0; i++)
			;
		if (i == n) {
			unknown_key(ld, knode, k, keys, n, what);
			continue;
		}
		if (key_refused(ld, knode, &keys[i]))
			continue;
		if (seen[i]) {
			config_error(ld, knode, "key '%s' given twice in %s", k,
				     what);
			continue;
		}
		seen[i] = true;
		keys[i].parse(ld, vnode, (char *)obj + keys[i].offset);
	}
	for (i = 0; i < n; i++)
		if ((keys[i].flags & KEY_REQUIRED) && !seen[i])
			config_error(ld, node, "%s lacks required key '%s'",
				     what, keys[i].name);
}

/* ---- files ------------------------------------------------------------ */

static void yaml_syntax_error(struct loader *ld, const yaml_parser_t *p)
{
	struct config_where w = {ld->file, (unsigned)p->problem_mark.line + 1,
				 (unsigned)p->problem_mark.column + 1};

	if (p->context)
		config_error_where(ld, &w, "YAML syntax error: %s %s",
				   p->problem ? p->problem : "", p->context);
	else
		config_error_where(ld, &w, "YAML syntax error: %s",
				   p->problem ? p->problem : "unknown");
}

/* Registers path in cfg->files (once) and returns the kept copy. */
static const char *file_register(struct config *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->n_files; i++)
		if (strcmp(c->files[i], path) == 0)
			return c->files[i];
	GROW(c->files, c->n_files);
	c->files[c->n_files++] = xstrdup(path);
	return c->files[c->n_files - 1];
}

/* The directory of path, for the relative paths written in it. */
static char *dir_of(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (!slash) {
		free(dir);
		return xstrdup(".");
	}
	*(slash == dir ? slash + 1 : slash) = '\0';
	return dir;
}

/* Parses the open file f and walks its one document. */
static void read_document(struct loader *ld, FILE *f,
			  void (*walk)(struct loader *ld,
				       const yaml_node_t *root, void *userdata),
			  void *userdata)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_syntax_error(ld, &parser);
		yaml_parser_delete(&parser);
		return;
	}
	root = yaml_document_get_root_node(&doc);
	if (root) {
		ld->budget =
			4 * (size_t)(doc.nodes.top - doc.nodes.start) + 1024;
		ld->doc = &doc;
		walk(ld, root, userdata);
		/* A second document would be silently ignored: refuse it. */
		if (yaml_parser_load(&parser, &extra)) {
			if (yaml_document_get_root_node(&extra))
				config_error_where(
					ld,
					&(struct config_where){
						ld->file,
						(unsigned)extra.start_mark
								.line +
							1,
						1},
					"only one YAML document per file is read");
			yaml_document_delete(&extra);
		} else
			yaml_syntax_error(ld, &parser);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

int config_read_yaml(struct loader *ld, const char *path, const char *what,
		     void (*walk)(struct loader *ld, const yaml_node_t *root,
				  void *userdata),
		     void *userdata)
{
	const char *file = ld->file;
	char *dir = ld->dir;
	yaml_document_t *doc = ld->doc;
	size_t budget = ld->budget;
	FILE *f;
	struct stat st;
	int r = 0;

	ld->file = file_register(ld->cfg, path);
	ld->dir = dir_of(path);
	f = fopen(path, "re");
	if (!f || fstat(fileno(f), &st) < 0) {
		r = -errno;
		config_error_where(ld, &(struct config_where){ld->file, 0, 0},
				   "cannot read %s: %s", what, strerror(-r));
	} else if (st.st_size > CONFIG_FILE_MAX)
		config_error_where(ld, &(struct config_where){ld->file, 1, 1},
				   "file is larger than %u MiB",
				   CONFIG_FILE_MAX >> 20);
	else
		read_document(ld, f, walk, userdata);
	if (f)
		fclose(f);
	free(ld->dir);
	ld->file = file;
	ld->dir = dir;
	ld->doc = doc;
	ld->budget = budget;
	return r;
}

static void walk_top(struct loader *ld, const yaml_node_t *root,
		     void *userdata _unused_)
{
	config_load_top(ld, root);
}

int config_load_file(struct loader *ld, const char *path, bool main_file)
{
	ld->main_file = main_file;
	return config_read_yaml(ld, path, "configuration file", walk_top, NULL);
}

/* A missing conf.d is an empty one; any other read error stops the glob. */
static int glob_error(const char *path _unused_, int error)
{
	return error != ENOENT && error != ENOTDIR;
}

void config_load_includes(struct loader *ld)
{
	size_t i, j;

	for (i = 0; i < ld->n_includes; i++) {
		glob_t g;
		int r = glob(ld->includes[i], 0, glob_error, &g);

		if (r == GLOB_NOMATCH)
			continue; /* an empty conf.d is fine */
		if (r != 0) {
			config_error_where(
				ld,
				&(struct config_where){ld->cfg->files[0], 1, 1},
				"cannot read include '%s'", ld->includes[i]);
			continue;
		}
		for (j = 0; j < g.gl_pathc; j++)
			(void)config_load_file(ld, g.gl_pathv[j], false);
		globfree(&g);
	}
}
