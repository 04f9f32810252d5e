/*
 * catalogue.c: the catalogue of the real datasets (catalogue.h), and the
 * datasets of a configuration that 'use' its entries.
 *
 * An entry is read after every file of the configuration, once the folder
 * is known (catalogue: may come last in the main file), with the dataset
 * table of config_keys.c in its catalogue mode: the keys a dataset gave
 * beside 'use' (interval, limits, opt-out address) stand and the entry's
 * are skipped; a hub token or a Drive api_key in the entry gives way to
 * credentials of the dataset's own.  Messages about an entry name its file, line and column
 * and the dataset that used it.  An entry with 'access: none' has no
 * source: it is loaded, but only 'import' can give it releases.  This
 * file does not log: messages go into the loader.
 */
#include "config/catalogue.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "config/config_internal.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "lib/xalloc.h"

#ifndef SCRAPEWATCH_CATALOGUE_DIR
#define SCRAPEWATCH_CATALOGUE_DIR "/usr/share/scrapewatch/datasets"
#endif

#define ENTRIES_MAX 4096 /* entries a catalogue folder may hold */

static const char *const access_names[] = {
	[CONFIG_ACCESS_ANONYMOUS] = "anonymous",
	[CONFIG_ACCESS_TOKEN] = "token",
	[CONFIG_ACCESS_ACCOUNT] = "account",
	[CONFIG_ACCESS_NONE] = "none",
};

const char *catalogue_access_name(enum config_access a)
{
	return (size_t)a < ELEMENTSOF(access_names) ? access_names[a] : "?";
}

const char *catalogue_default_dir(void)
{
	const char *e = getenv(CATALOGUE_ENV);

	return e && *e ? e : SCRAPEWATCH_CATALOGUE_DIR;
}

/* An entry's name is its file's: letters, digits, '.', '_' and '-', not
 * starting with '.' or '-', so that it stays inside the folder. */
static bool entry_name_valid(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len <= CONFIG_NAME_MAX && s[0] != '.' &&
	       s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

/* ---- the keys only catalogue entries and their users have -------------- */

void value_use(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s =
		config_scalar(ld, node, "the name of a catalogue entry");

	if (!s)
		return;
	if (!entry_name_valid(s)) {
		config_error(ld, node,
			     "'%s' is not the name of a catalogue entry "
			     "(letters, digits, '.', '_' and '-'; see "
			     "scrapewatch datasets)",
			     s);
		return;
	}
	free(*(char **)dest);
	*(char **)dest = xstrdup(s);
}

void value_access(struct loader *ld, const yaml_node_t *node, void *dest)
{
	const char *s = config_scalar(ld, node, "an access");
	size_t i;

	if (!s)
		return;
	for (i = 0; i < ELEMENTSOF(access_names); i++)
		if (strcmp(s, access_names[i]) == 0) {
			*(enum config_access *)dest = (enum config_access)i;
			return;
		}
	config_error(ld, node,
		     "expected an access of anonymous, token, account or none, "
		     "found '%s'",
		     s);
}

void value_hub_token(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_dataset *d = dest;
	const yaml_node_t *name;

	if (!ld->in_catalogue) {
		value_bearer(ld, node, dest);
		return;
	}
	name = config_mapping_get(ld, node, "credential");
	if (name && name->type == YAML_SCALAR_NODE && !d->about.credential)
		d->about.credential =
			xstrdup((const char *)name->data.scalar.value);
	/* The dataset's own credentials win; a listing reads none. */
	if (ld->no_secrets || d->user || dataset_has_header(d, "Authorization"))
		return;
	value_bearer(ld, node, dest);
}

void value_drive_api_key(struct loader *ld, const yaml_node_t *node, void *dest)
{
	/* The dataset's own key, given beside 'use', wins; a listing reads
	 * none. */
	if (ld->in_catalogue && (ld->no_secrets || *(char **)dest))
		return;
	value_api_key(ld, node, dest);
}

/* ---- the folder ---------------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The names of the entries in dir (NAME.yaml), sorted.  Returns 0 or
 * -errno (-E2BIG past ENTRIES_MAX). */
static int entry_names(const char *dir, char ***ret, size_t *ret_n)
{
	char **names = NULL;
	struct dirent *de;
	size_t n = 0, len;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if (n == ENTRIES_MAX) {
			closedir(d);
			names_free(names, n);
			return -E2BIG;
		}
		GROW(names, n);
		names[n] = xstrndup(de->d_name, len - 5);
		if (entry_name_valid(names[n]))
			n++;
		else
			free(names[n]);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	*ret = names;
	*ret_n = n;
	return 0;
}

static char *entry_path(const char *dir, const char *name)
{
	struct buf b;

	buf_init(&b, SIZE_MAX);
	(void)buf_printf(&b, "%s/%s.yaml", dir, name);
	return buf_steal(&b);
}

/* "a, b, c": the known names, for a message. */
static char *names_joined(char **names, size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b, SIZE_MAX);
	for (i = 0; i < n; i++)
		(void)buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
	return buf_steal(&b);
}

/* 'use' of a name the catalogue has no entry for: the nearest name, or
 * the names it has. */
static void unknown_entry(struct loader *ld, const struct dataset_use *u)
{
	const struct config_where at = {u->file, u->line, u->column};
	const char *dir = ld->cfg->catalogue_dir, *near;
	_cleanup_free_ char *known = NULL;
	char **names = NULL;
	size_t n = 0;
	int r = entry_names(dir, &names, &n);

	if (r < 0) {
		config_error_where(ld, &at,
				   "no catalogue entry '%s': cannot read the "
				   "catalogue '%s': %s (name the folder with "
				   "'catalogue:' or $%s)",
				   u->entry, dir, strerror(-r), CATALOGUE_ENV);
		return;
	}
	near = config_nearest(u->entry, (const char *const *)names, n);
	known = names_joined(names, n);
	if (near)
		config_error_where(
			ld, &at,
			"no catalogue entry '%s' in %s; did you mean "
			"'%s'?",
			u->entry, dir, near);
	else
		config_error_where(ld, &at,
				   "no catalogue entry '%s' in %s; it has: %s",
				   u->entry, dir, n ? known : "nothing");
	names_free(names, n);
}

/* ---- an entry ------------------------------------------------------------ */

struct entry_walk {
	struct config_dataset *d;
	uint64_t skip; /* the keys given beside 'use' */
};

/* What an entry must say, beyond what each key checks. */
static void check_entry(struct loader *ld, const yaml_node_t *root,
			const struct config_dataset *d)
{
	static const char *const required[] = {"title", "access", "format"};
	size_t i;

	for (i = 0; i < ELEMENTSOF(required); i++)
		if (!config_mapping_get(ld, root, required[i]))
			config_error(ld, root,
				     "catalogue entry lacks required key '%s'",
				     required[i]);
	if (d->about.access == CONFIG_ACCESS_NONE && ld->source_key)
		config_error(ld, root,
			     "catalogue entry says 'access: none' (no public "
			     "source), but names one: '%s'",
			     ld->source_key);
	else if (d->about.access != CONFIG_ACCESS_NONE && !ld->source_key)
		config_error(ld, root,
			     "catalogue entry needs a source: one of 'url', "
			     "'urls', 'huggingface', 'github' or "
			     "'google_drive', or 'access: none' when there is "
			     "no public one");
}

static void walk_entry(struct loader *ld, const yaml_node_t *root,
		       void *userdata)
{
	const struct entry_walk *w = userdata;

	config_load_dataset(ld, root, w->d, w->skip);
	if (root->type == YAML_MAPPING_NODE)
		check_entry(ld, root, w->d);
}

/* Reads dataset i's entry into it, under the keys given beside 'use'. */
static void use_entry(struct loader *ld, size_t i)
{
	struct config_dataset *d = &ld->cfg->datasets[i];
	const struct dataset_use *u = &ld->uses[i];
	struct entry_walk w = {d, u->given};
	_cleanup_free_ char *path =
		entry_path(ld->cfg->catalogue_dir, u->entry);

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		unknown_entry(ld, u);
		return;
	}
	ld->map_key = NULL;
	ld->source_key = NULL;
	ld->in_catalogue = true;
	ld->used_by = u->file ? u : NULL;
	(void)config_read_yaml(ld, path, "catalogue entry", walk_entry, &w);
	ld->in_catalogue = false;
	ld->used_by = NULL;
	ld->map_keys[i] = ld->map_key;
	if (!d->name)
		d->name = xstrdup(u->entry);
	/* What is shown as its source, and what its headers go to: none. */
	if (d->about.access == CONFIG_ACCESS_NONE && !d->url)
		d->url = xstrdup("");
}

void catalogue_resolve(struct loader *ld)
{
	struct config *c = ld->cfg;
	size_t i;

	if (!c->catalogue_dir)
		c->catalogue_dir = xstrdup(catalogue_default_dir());
	for (i = 0; i < c->n_datasets; i++)
		if (ld->uses[i].entry)
			use_entry(ld, i);
}

/* ---- the listing ---------------------------------------------------------- */

int catalogue_load(const char *dir, struct config **ret, char **ret_errors)
{
	struct loader ld;
	char **names = NULL;
	size_t n = 0, i;
	struct buf b;
	int r;

	r = entry_names(dir, &names, &n);
	if (r < 0) {
		buf_init(&b, SIZE_MAX);
		(void)buf_printf(&b, "%s: cannot read the catalogue: %s\n", dir,
				 strerror(-r));
		*ret_errors = buf_steal(&b);
		return r;
	}
	config_loader_init(&ld);
	ld.cfg->catalogue_dir = xstrdup(dir);
	ld.no_secrets = true;
	for (i = 0; i < n; i++) {
		_cleanup_free_ char *path = entry_path(dir, names[i]);
		struct config_dataset *d;
		struct config_where at = {NULL, 1, 1};

		at.file = path;
		d = config_dataset_add(&ld, &at);
		d->about.entry = TAKE_PTR(names[i]);
		ld.uses[i].entry = d->about.entry;
		/* Messages after the walk point at the entry's file, which
		 * the walk keeps in cfg->files. */
		use_entry(&ld, i);
		d->where.file = ld.cfg->files[ld.cfg->n_files - 1];
	}
	names_free(names, n);
	return config_loader_finish(&ld, 0, ret, ret_errors);
}

/* The scalar value of the top-level key 'catalogue' of doc, or NULL. */
static const char *doc_catalogue(yaml_document_t *doc)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_pair_t *pair;

	if (!root || root->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(doc, pair->value);

		if (k->type == YAML_SCALAR_NODE &&
		    v->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, "catalogue") ==
			    0 &&
		    v->data.scalar.length > 0)
			return (const char *)v->data.scalar.value;
	}
	return NULL;
}

char *catalogue_dir_of(const char *config_path)
{
	_cleanup_fclose_ FILE *f = fopen(config_path, "re");
	const char *slash = strrchr(config_path, '/'), *v;
	yaml_parser_t parser;
	yaml_document_t doc;
	char *dir = NULL;
	struct buf b;

	if (!f)
		return xstrdup(catalogue_default_dir());
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (yaml_parser_load(&parser, &doc)) {
		v = doc_catalogue(&doc);
		if (v && (v[0] == '/' || !slash))
			dir = xstrdup(v);
		else if (v) {
			buf_init(&b, SIZE_MAX);
			(void)buf_printf(&b, "%.*s/%s",
					 (int)(slash - config_path),
					 config_path, v);
			dir = buf_steal(&b);
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	return dir ? dir : xstrdup(catalogue_default_dir());
}
