/*
 * config_keys.c: the key tables, one per section of the configuration.
 *
 * Each table lists a section's keys (name, value parser, offset into the
 * struct, whether required or main-file only) with designated offsets; the
 * walk (config_walk.c) applies them.  Sections with a shape of their own
 * are parsed here too: the list of datasets with their field maps and
 * basic auth, subscribers, watches with their photo lists and files, retry
 * lists, and the include patterns.  Values are checked by config_values.c.
 * The table of dataset keys is also the table of catalogue entries
 * (catalogue.c): its flags say which keys only an entry has, which an
 * entry fixes, and which a dataset may set beside 'use'.
 */
#include "config/config_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "lib/lines.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "parse/flickr.h"
#include "parse/format.h"

#define CONFIG_PHOTO_LINE_MAX 4096 /* a line of a photos file */

/* ---- datasets --------------------------------------------------------- */

static void value_fieldmap(struct loader *ld, const yaml_node_t *node,
			   void *dest, const char *map_key)
{
	char **fields = dest;
	yaml_node_pair_t *pair;
	enum entry_field field;

	if (node->type != YAML_MAPPING_NODE) {
		config_error(
			ld, node,
			"expected a mapping from entry field to %s for '%s'",
			strcmp(map_key, "columns") == 0 ? "column" : "path",
			map_key);
		return;
	}
	if (ld->map_key) {
		config_error(ld, node, "'%s' given together with '%s'", map_key,
			     ld->map_key);
		return;
	}
	ld->map_key = map_key;
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *knode = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *vnode =
			yaml_document_get_node(ld->doc, pair->value);
		const char *k = config_scalar(ld, knode, "an entry field name");
		const char *v =
			config_scalar(ld, vnode, "a column name or number");

		if (!k || !v)
			continue;
		if (entry_field_find(k, &field) < 0) {
			config_error(
				ld, knode,
				"unknown entry field '%s' in '%s' (expected "
				"key, photo_id, url, page_url, image_url, "
				"owner_nsid, owner_alias, owner_name, "
				"owner_url, license or path)",
				k, map_key);
			continue;
		}
		if (fields[field]) {
			config_error(ld, knode, "entry field '%s' mapped twice",
				     k);
			continue;
		}
		fields[field] = xstrdup(v);
	}
}

static void value_columns(struct loader *ld, const yaml_node_t *node,
			  void *dest)
{
	value_fieldmap(ld, node, dest, "columns");
}

static void value_fields(struct loader *ld, const yaml_node_t *node, void *dest)
{
	value_fieldmap(ld, node, dest, "fields");
}

#define DS(f) offsetof(struct config_dataset, f)

static const struct key auth_keys[] = {
	{"user", value_string, DS(user), KEY_REQUIRED},
	{"password", value_secret, DS(password), KEY_REQUIRED},
};

/* auth: { user: NAME, password: { credential: NAME } }: HTTP basic auth. */
static void value_auth(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_dataset *d = dest;

	config_load_mapping(ld, ld->doc, node, auth_keys, ELEMENTSOF(auth_keys),
			    d, "auth");
	if (d->user && strchr(d->user, ':'))
		config_error(ld, node, "an auth user may not contain ':'");
}

/* ---- sources: exactly one of url, urls, huggingface, github,
 * google_drive ---- */

/* Records that the dataset's source is kind, given by key at node; a
 * second source key is an error.  Returns false then. */
static bool source_key(struct loader *ld, const yaml_node_t *node,
		       struct config_dataset *d, enum config_source_kind kind,
		       const char *key)
{
	if (ld->source_key) {
		config_error(ld, node,
			     "'%s' given together with '%s': a dataset has "
			     "one source",
			     key, ld->source_key);
		return false;
	}
	ld->source_key = key;
	d->source.kind = kind;
	return true;
}

static void value_source_url(struct loader *ld, const yaml_node_t *node,
			     void *dest)
{
	struct config_dataset *d = dest;

	if (source_key(ld, node, d, CONFIG_SOURCE_URL, "url"))
		value_dataset_url(ld, node, &d->url);
}

/* urls: [URL, ...]: a release of several files. */
static void value_source_urls(struct loader *ld, const yaml_node_t *node,
			      void *dest)
{
	struct config_dataset *d = dest;
	yaml_node_item_t *item;

	if (!source_key(ld, node, d, CONFIG_SOURCE_URLS, "urls"))
		return;
	if (node->type != YAML_SEQUENCE_NODE ||
	    node->data.sequence.items.start == node->data.sequence.items.top) {
		config_error(ld, node, "expected a list of URLs for 'urls'");
		return;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		yaml_node_t *n = yaml_document_get_node(ld->doc, *item);
		char *url = NULL;
		size_t j;

		if (!config_visit(ld, n))
			return;
		value_dataset_url(ld, n, &url);
		if (!url)
			continue;
		for (j = 0; j < d->source.n_urls; j++)
			if (strcmp(d->source.urls[j], url) == 0)
				break;
		if (j < d->source.n_urls) {
			config_error(ld, n, "URL listed twice in 'urls'");
			free(url);
			continue;
		}
		GROW(d->source.urls, d->source.n_urls);
		d->source.urls[d->source.n_urls++] = url;
	}
}

static const struct key huggingface_keys[] = {
	{"repo", value_repo, DS(source.repo), KEY_REQUIRED},
	{"revision", value_string, DS(source.revision), 0},
	{"files", value_string, DS(source.files), 0},
	{"token", value_hub_token, 0, 0},
	{"endpoint", value_endpoint, DS(source.endpoint), 0},
};

static const struct key github_keys[] = {
	{"repo", value_repo, DS(source.repo), KEY_REQUIRED},
	{"ref", value_string, DS(source.revision), 0},
	{"path", value_string, DS(source.files), KEY_REQUIRED},
	{"token", value_hub_token, 0, 0},
	{"endpoint", value_endpoint, DS(source.endpoint), 0},
};

static const struct key google_drive_keys[] = {
	{"id", value_drive_id, DS(source.id), KEY_REQUIRED},
	{"endpoint", value_endpoint, DS(source.endpoint), 0},
	{"api_key", value_drive_api_key, DS(source.api_key), 0},
	{"api_endpoint", value_endpoint, DS(source.api_endpoint), 0},
};

static void load_source(struct loader *ld, const yaml_node_t *node,
			struct config_dataset *d, enum config_source_kind kind,
			const char *key, const struct key *keys, size_t n)
{
	if (!source_key(ld, node, d, kind, key))
		return;
	config_load_mapping(ld, ld->doc, node, keys, n, d, key);
}

static void value_huggingface(struct loader *ld, const yaml_node_t *node,
			      void *dest)
{
	load_source(ld, node, dest, CONFIG_SOURCE_HUGGINGFACE, "huggingface",
		    huggingface_keys, ELEMENTSOF(huggingface_keys));
}

static void value_github(struct loader *ld, const yaml_node_t *node, void *dest)
{
	load_source(ld, node, dest, CONFIG_SOURCE_GITHUB, "github", github_keys,
		    ELEMENTSOF(github_keys));
}

static void value_google_drive(struct loader *ld, const yaml_node_t *node,
			       void *dest)
{
	load_source(ld, node, dest, CONFIG_SOURCE_GOOGLE_DRIVE, "google_drive",
		    google_drive_keys, ELEMENTSOF(google_drive_keys));
}

/* What a catalogue entry fixes (the source and how to read it), what only
 * an entry says (for people), what only the configuration gives (a name,
 * the entry used, credentials of its own) and what either may set (the
 * schedule, the limits, the opt-out address): beside 'use', a dataset
 * gives only the last two kinds. */
#define FIXED KEY_FROM_CATALOGUE
static const struct key dataset_keys[] = {
	{"name", value_string, DS(name), KEY_NOT_CATALOGUE},
	{"use", value_use, DS(about.entry), KEY_NOT_CATALOGUE},
	{"url", value_source_url, 0, FIXED},
	{"urls", value_source_urls, 0, FIXED},
	{"huggingface", value_huggingface, 0, FIXED},
	{"github", value_github, 0, FIXED},
	{"google_drive", value_google_drive, 0, FIXED},
	{"format", value_format, DS(format), FIXED},
	{"interval", value_duration, DS(interval), 0},
	{"ownership", value_bool, DS(ownership), FIXED},
	{"header", value_bool, DS(layout.header), FIXED},
	{"columns", value_columns, DS(layout.fields), FIXED},
	{"fields", value_fields, DS(layout.fields), FIXED},
	{"records", value_string, DS(layout.records), FIXED},
	{"table", value_string, DS(layout.table), FIXED},
	{"member", value_string, DS(member), FIXED},
	{"sha256", value_sha256, DS(sha256), FIXED},
	{"md5", value_md5, DS(md5), FIXED},
	{"max_decoded_size", value_size, DS(max_decoded), 0},
	{"max_expansion", value_ratio, DS(max_expansion), 0},
	{"max_entries", value_count, DS(max_entries), 0},
	{"max_bad_records", value_percent, DS(max_bad_share), 0},
	{"max_download", value_size, DS(max_download), 0},
	{"timeout", value_duration, DS(timeout), 0},
	{"optout", value_mailto_or_https, DS(optout), 0},
	{"headers", value_headers, 0, KEY_NOT_CATALOGUE},
	{"bearer", value_bearer, 0, KEY_NOT_CATALOGUE},
	{"auth", value_auth, 0, KEY_NOT_CATALOGUE},
	{"token", value_bearer, 0, KEY_USE_ONLY},
	{"api_key", value_api_key, DS(source.api_key), KEY_USE_ONLY},
	{"title", value_string, DS(about.title), KEY_CATALOGUE},
	{"publisher", value_string, DS(about.publisher), KEY_CATALOGUE},
	{"homepage", value_string, DS(about.homepage), KEY_CATALOGUE},
	{"licence", value_string, DS(about.licence), KEY_CATALOGUE},
	{"size", value_string, DS(about.size), KEY_CATALOGUE},
	{"access", value_access, DS(about.access), KEY_CATALOGUE},
	{"optout_route", value_string, DS(about.optout_route), KEY_CATALOGUE},
	{"notes", value_string, DS(about.notes), KEY_CATALOGUE},
};
#undef FIXED

/* The configuration's value stands (the key was given beside 'use'). */
static void value_given(struct loader *ld _unused_,
			const yaml_node_t *node _unused_, void *dest _unused_)
{
}

void config_load_dataset(struct loader *ld, const yaml_node_t *node,
			 struct config_dataset *d, uint64_t skip)
{
	struct key keys[ELEMENTSOF(dataset_keys)];
	size_t i;

	for (i = 0; i < ELEMENTSOF(keys); i++) {
		keys[i] = dataset_keys[i];
		if (skip & (1ULL << i))
			keys[i].parse = value_given;
	}
	config_load_mapping(ld, ld->doc, node, keys, ELEMENTSOF(keys), d,
			    ld->in_catalogue ? "catalogue entry" : "dataset");
}

/* The keys of a dataset mapping that a catalogue entry may set too (bit i
 * for dataset_keys[i]): given beside 'use', they win over the entry's. */
static uint64_t keys_given(const struct loader *ld, const yaml_node_t *node)
{
	uint64_t given = 0;
	size_t i;

	for (i = 0; i < ELEMENTSOF(dataset_keys); i++)
		if (dataset_keys[i].flags == 0 &&
		    config_mapping_get(ld, node, dataset_keys[i].name))
			given |= 1ULL << i;
	return given;
}

/* Remembers where a dataset took 'use', for catalogue_resolve(). */
static void note_use(struct loader *ld, const yaml_node_t *node,
		     const yaml_node_t *use, struct dataset_use *u,
		     const struct config_dataset *d)
{
	*u = (struct dataset_use){
		.entry = d->about.entry,
		.file = ld->file,
		.line = (unsigned)use->start_mark.line + 1,
		.column = (unsigned)use->start_mark.column + 1,
		.given = keys_given(ld, node),
	};
}

struct config_dataset *config_dataset_add(struct loader *ld,
					  const struct config_where *where)
{
	struct config *c = ld->cfg;
	struct config_dataset *d;

	GROW(c->datasets, c->n_datasets);
	GROW(ld->map_keys, c->n_datasets);
	GROW(ld->uses, c->n_datasets);
	d = &c->datasets[c->n_datasets];
	*d = (struct config_dataset){
		.layout.header = true,
		.max_decoded = CONFIG_DEFAULT_MAX_DECODED,
		.max_expansion = CONFIG_DEFAULT_MAX_EXPANSION,
		.max_entries = CONFIG_DEFAULT_MAX_ENTRIES,
		.max_bad_share = CONFIG_DEFAULT_MAX_BAD_SHARE,
		.where = *where};
	ld->map_keys[c->n_datasets] = NULL;
	ld->uses[c->n_datasets] = (struct dataset_use){0};
	c->n_datasets++;
	return d;
}

static void load_dataset(struct loader *ld, const yaml_node_t *node)
{
	const yaml_node_t *use = config_mapping_get(ld, node, "use");
	const struct config_where where = config_where_of(ld, node);
	struct config_dataset *d = config_dataset_add(ld, &where);
	size_t i = ld->cfg->n_datasets - 1;

	ld->map_key = NULL;
	ld->source_key = NULL;
	/* With 'use', what the entry fixes is refused here whatever the
	 * order of the keys. */
	ld->use_entry = !use ? NULL
			: use->type == YAML_SCALAR_NODE
				? (const char *)use->data.scalar.value
				: "?";
	config_load_dataset(ld, node, d, 0);
	ld->use_entry = NULL;
	ld->map_keys[i] = ld->map_key;
	if (use) {
		if (d->about.entry)
			note_use(ld, node, use, &ld->uses[i], d);
		return;
	}
	/* Required unless the dataset 'use's an entry. */
	if (node->type == YAML_MAPPING_NODE &&
	    !config_mapping_get(ld, node, "name"))
		config_error(ld, node, "dataset lacks required key 'name'");
	if (node->type == YAML_MAPPING_NODE &&
	    !config_mapping_get(ld, node, "format"))
		config_error(ld, node, "dataset lacks required key 'format'");
	if (!ld->source_key && config_visit(ld, node))
		config_error(ld, node,
			     "dataset needs a source: one of 'url', 'urls', "
			     "'huggingface', 'github' or 'google_drive', or "
			     "'use' for an entry of the catalogue");
}

static void value_datasets(struct loader *ld, const yaml_node_t *node,
			   void *dest _unused_)
{
	yaml_node_item_t *item;

	if (node->type != YAML_SEQUENCE_NODE) {
		config_error(ld, node, "expected a list of datasets");
		return;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		yaml_node_t *n = yaml_document_get_node(ld->doc, *item);

		if (!config_visit(ld, n))
			return;
		load_dataset(ld, n);
	}
}

#define SUB(f) offsetof(struct config_subscriber, f)
static const struct key subscriber_keys[] = {
	{"email", value_email, SUB(email), 0},
	{"webhook", value_webhook_url, SUB(webhook), 0},
	{"secret", value_webhook_secret, SUB(webhook_secret), 0},
	{"digest", value_digest, SUB(digest), 0},
};

/* Checks that a subscriber's channels are complete. */
static void check_channels(struct loader *ld, const struct config_subscriber *s)
{
	if (!s->email && !s->webhook)
		config_error_where(
			ld, &s->where,
			"subscriber '%s' has no channel: give 'email', "
			"'webhook' or both",
			s->name);
	if (s->webhook && !s->webhook_secret)
		config_error_where(
			ld, &s->where,
			"subscriber '%s': a webhook needs a 'secret' to "
			"sign with, e.g. secret: { credential: %s-hmac }",
			s->name, s->name);
	if (s->webhook_secret && !s->webhook)
		config_error_where(
			ld, &s->where,
			"subscriber '%s': 'secret' signs webhooks, but "
			"there is no 'webhook'",
			s->name);
}

static void value_subscribers(struct loader *ld, const yaml_node_t *node,
			      void *dest _unused_)
{
	struct config *c = ld->cfg;
	yaml_node_pair_t *pair;
	unsigned errors_before;

	if (node->type != YAML_MAPPING_NODE) {
		config_error(
			ld, node,
			"expected a mapping of subscriber names to channels");
		return;
	}
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *knode = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *vnode =
			yaml_document_get_node(ld->doc, pair->value);
		struct config_subscriber *s;
		const char *name;

		if (!config_visit(ld, vnode))
			return;
		name = config_scalar(ld, knode, "a subscriber name");
		if (!name)
			continue;
		GROW(c->subscribers, c->n_subscribers);
		s = &c->subscribers[c->n_subscribers++];
		*s = (struct config_subscriber){
			.name = xstrdup(name),
			.where = config_where_of(ld, knode)};
		errors_before = ld->n_errors;
		config_load_mapping(ld, ld->doc, vnode, subscriber_keys,
				    ELEMENTSOF(subscriber_keys), s,
				    "subscriber");
		if (ld->n_errors == errors_before)
			check_channels(ld, s);
	}
}

/* ---- watches ---------------------------------------------------------- */

/* Adds one photo given as an id or any Flickr URL form that names a photo. */
static int watch_add_photo(struct config_watch *w, const char *s, size_t len)
{
	struct flickr_ref ref;

	if (flickr_parse(s, len, &ref) < 0 || ref.photo_id == 0)
		return -EINVAL;
	GROW(w->photos, w->n_photos);
	w->photos[w->n_photos++] = ref.photo_id;
	return 0;
}

static void value_photos(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_watch *w = dest;
	yaml_node_item_t *item;

	if (node->type != YAML_SEQUENCE_NODE) {
		config_error(ld, node, "expected a list of photo ids or URLs");
		return;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		yaml_node_t *n = yaml_document_get_node(ld->doc, *item);
		const char *s;

		if (!config_visit(ld, n))
			return;
		s = config_scalar(ld, n, "a photo id or URL");
		if (s && watch_add_photo(w, s, strlen(s)) < 0)
			config_error(
				ld, n,
				"'%s' is not a Flickr photo id or photo URL",
				s);
	}
}

/* Trims ASCII white space from both ends of s[0..*len). */
static bool blank_char(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *trim(const char *s, size_t *len)
{
	while (*len && blank_char(s[0])) {
		s++;
		(*len)--;
	}
	while (*len && blank_char(s[*len - 1]))
		(*len)--;
	return s;
}

struct photos_file {
	struct loader *ld;
	struct config_watch *w;
	const char *path;
};

static int photos_line(void *userdata, const char *line, size_t len,
		       uint64_t number, uint64_t offset _unused_,
		       uint64_t length _unused_)
{
	struct photos_file *pf = userdata;
	struct config_where at = {pf->path, (unsigned)MIN(number, UINT_MAX), 1};
	const char *s;

	if (!line) {
		config_error_where(pf->ld, &at, "line longer than %d bytes",
				   CONFIG_PHOTO_LINE_MAX);
	} else {
		s = trim(line, &len);
		if (len > 0 && s[0] != '#' &&
		    watch_add_photo(pf->w, s, len) < 0)
			config_error_where(
				pf->ld, &at,
				"'%.*s' is not a Flickr photo id or photo URL",
				(int)MIN(len, 200u), s);
	}
	/* A file of garbage is not read to its end for more of the same. */
	return pf->ld->n_errors > CONFIG_ERRORS_SHOWN ? -EBADMSG : 0;
}

static void value_photos_file(struct loader *ld, const yaml_node_t *node,
			      void *dest)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct photos_file pf = {ld, dest, NULL};
	struct lines lines;
	char chunk[65536];
	struct stat st;
	ssize_t n = 0;
	int r = 0;

	value_path(ld, node, &path);
	if (!path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		config_error(ld, node, "cannot read photos file '%s': %s", path,
			     strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		config_error(ld, node, "photos file '%s' is not a regular file",
			     path);
		return;
	}
	pf.path = path;
	lines_init(&lines, CONFIG_PHOTO_LINE_MAX, photos_line, &pf);
	while (r == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			config_error(ld, node,
				     "cannot read photos file '%s': %s", path,
				     strerror(errno));
			break;
		}
		r = lines_feed(&lines, chunk, (size_t)n);
	}
	if (r == 0 && n == 0)
		(void)lines_finish(&lines);
	lines_free(&lines);
}

struct flickr_account {
	char *nsid, *alias, *display_name;
};

static const struct key flickr_keys[] = {
	{"nsid", value_nsid, offsetof(struct flickr_account, nsid), 0},
	{"alias", value_alias, offsetof(struct flickr_account, alias), 0},
	{"display_name", value_string,
	 offsetof(struct flickr_account, display_name), 0},
};

static void value_flickr(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_watch *w = dest;
	struct flickr_account a = {NULL, NULL, NULL};

	config_load_mapping(ld, ld->doc, node, flickr_keys,
			    ELEMENTSOF(flickr_keys), &a, "flickr account");
	if (node->type == YAML_MAPPING_NODE && !a.nsid && !a.alias &&
	    !a.display_name &&
	    node->data.mapping.pairs.start == node->data.mapping.pairs.top)
		config_error(ld, node,
			     "a flickr account needs an nsid, an alias or a "
			     "display_name");
	w->nsid = a.nsid;
	w->alias = a.alias;
	w->display_name = a.display_name;
}

/* A watch is parsed into a scratch struct: the subscriber is a name until
 * the semantic pass turns it into an index. */
struct watch_scratch {
	char *subscriber;
	struct config_watch w;
};

#define WS(f) offsetof(struct watch_scratch, f)
static const struct key watch_keys[] = {
	{"subscriber", value_string, WS(subscriber), KEY_REQUIRED},
	{"flickr", value_flickr, WS(w), 0},
	{"photos", value_photos, WS(w), 0},
	{"photos_file", value_photos_file, WS(w), 0},
};

static void value_watches(struct loader *ld, const yaml_node_t *node,
			  void *dest _unused_)
{
	struct config *c = ld->cfg;
	yaml_node_item_t *item;

	if (node->type != YAML_SEQUENCE_NODE) {
		config_error(ld, node, "expected a list of watches");
		return;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		yaml_node_t *n = yaml_document_get_node(ld->doc, *item);
		struct watch_scratch ws = {.w.where = config_where_of(ld, n)};
		unsigned errors_before = ld->n_errors;

		if (!config_visit(ld, n))
			return;
		config_load_mapping(ld, ld->doc, n, watch_keys,
				    ELEMENTSOF(watch_keys), &ws, "watch");
		if (ld->n_errors == errors_before && !ws.w.nsid &&
		    !ws.w.alias && !ws.w.display_name && ws.w.n_photos == 0)
			config_error(ld, n,
				     "a watch needs 'flickr' (an account) or "
				     "'photos' / 'photos_file'");
		GROW(c->watches, c->n_watches);
		GROW(ld->watch_subscribers, c->n_watches);
		c->watches[c->n_watches] = ws.w;
		ld->watch_subscribers[c->n_watches++] = ws.subscriber;
	}
}

/* ---- smtp, defaults, include, top level -------------------------------- */

#define SMTP(f) offsetof(struct config_smtp, f)
static const struct key smtp_keys[] = {
	{"url", value_smtp_url, SMTP(url), KEY_REQUIRED},
	{"from", value_email, SMTP(from), KEY_REQUIRED},
	{"user", value_string, SMTP(user), 0},
	{"password", value_secret, SMTP(password), 0},
	{"helo", value_ehlo_name, SMTP(helo), 0},
};

/* Whether an SMTP URL has a path after its host ("smtp://host/NAME"),
 * which libcurl takes as the EHLO name. */
static bool smtp_url_names_ehlo(const char *url)
{
	const char *a = strstr(url, "://");
	const char *path;

	if (!a)
		return false;
	path = a + 3 + strcspn(a + 3, "/?#");
	return path[0] == '/' && path[1] != '\0';
}

static void value_smtp(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_smtp *smtp = dest;

	config_load_mapping(ld, ld->doc, node, smtp_keys, ELEMENTSOF(smtp_keys),
			    dest, "smtp");
	if (smtp->helo && smtp->url && smtp_url_names_ehlo(smtp->url))
		config_error(ld, node,
			     "the EHLO name is given twice: by 'helo' and by "
			     "the path of 'url'; keep 'helo' and write the URL "
			     "without a path");
}

#define FETCH(f) offsetof(struct config_fetch, f)
static const struct key fetch_keys[] = {
	{"contact", value_string, FETCH(contact), 0},
	{"ca_file", value_path, FETCH(ca_file), 0},
	{"connect_timeout", value_duration, FETCH(connect_timeout), 0},
	{"low_speed_limit", value_size, FETCH(low_speed_limit), 0},
	{"low_speed_time", value_duration, FETCH(low_speed_time), 0},
	{"timeout", value_duration, FETCH(timeout), 0},
	{"max_download", value_size, FETCH(max_download), 0},
	{"keep_releases", value_uint, FETCH(keep_releases), 0},
	{"concurrency", value_count, FETCH(concurrency), 0},
};

static void value_fetch(struct loader *ld, const yaml_node_t *node, void *dest)
{
	struct config_fetch *f = dest;

	config_load_mapping(ld, ld->doc, node, fetch_keys,
			    ELEMENTSOF(fetch_keys), f, "fetch");
	if (f->contact && !header_value_valid(f->contact))
		config_error(ld, node, "'contact' holds a control character");
}

/* A list of durations, e.g. [5s, 5m, 30m]. */
static void value_durations(struct loader *ld, const yaml_node_t *node,
			    uint64_t *v, size_t *n)
{
	yaml_node_item_t *item;

	if (node->type != YAML_SEQUENCE_NODE) {
		config_error(ld, node,
			     "expected a list of durations, like "
			     "[5s, 5m, 30m]");
		return;
	}
	*n = 0;
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++) {
		yaml_node_t *d = yaml_document_get_node(ld->doc, *item);

		if (!config_visit(ld, d))
			return;
		if (*n == CONFIG_RETRIES_MAX) {
			config_error(ld, d, "at most %d retries",
				     CONFIG_RETRIES_MAX);
			return;
		}
		value_duration(ld, d, &v[(*n)++]);
	}
}

static void value_webhook_retries(struct loader *ld, const yaml_node_t *node,
				  void *dest)
{
	struct config_alerts *a = dest;

	value_durations(ld, node, a->webhook_retries, &a->n_webhook_retries);
}

static void value_email_retries(struct loader *ld, const yaml_node_t *node,
				void *dest)
{
	struct config_alerts *a = dest;

	value_durations(ld, node, a->email_retries, &a->n_email_retries);
}

#define ALERTS(f) offsetof(struct config_alerts, f)
static const struct key alerts_keys[] = {
	{"concurrency", value_count, ALERTS(concurrency), 0},
	{"timeout", value_duration, ALERTS(timeout), 0},
	{"webhook_retries", value_webhook_retries, 0, 0},
	{"email_retries", value_email_retries, 0, 0},
	{"unsubscribe", value_mailto_or_https, ALERTS(unsubscribe), 0},
	{"ca_file", value_path, ALERTS(ca_file), 0},
};

static void value_alerts(struct loader *ld, const yaml_node_t *node, void *dest)
{
	config_load_mapping(ld, ld->doc, node, alerts_keys,
			    ELEMENTSOF(alerts_keys), dest, "alerts");
}

#define OPERATOR(f) offsetof(struct config_operator, f)
static const struct key operator_keys[] = {
	{"email", value_email, OPERATOR(email), 0},
	{"webhook", value_webhook_url, OPERATOR(webhook), 0},
	{"secret", value_webhook_secret, OPERATOR(webhook_secret), 0},
	{"failing_after", value_count, OPERATOR(failing_after), 0},
};

static void value_operator(struct loader *ld, const yaml_node_t *node,
			   void *dest)
{
	struct config_operator *o = dest;

	o->where = config_where_of(ld, node);
	config_load_mapping(ld, ld->doc, node, operator_keys,
			    ELEMENTSOF(operator_keys), dest, "operator");
	if (!o->email && !o->webhook)
		config_error(ld, node,
			     "the operator has no channel: give "
			     "'email', 'webhook' or both");
	if (o->webhook && !o->webhook_secret)
		config_error(ld, node,
			     "the operator's webhook needs a "
			     "'secret' to sign with");
	if (o->webhook_secret && !o->webhook)
		config_error(ld, node,
			     "'secret' signs webhooks, but the "
			     "operator has no 'webhook'");
}

static const struct key defaults_keys[] = {
	{"interval", value_duration, 0, 0},
};

static void value_defaults(struct loader *ld, const yaml_node_t *node,
			   void *dest)
{
	config_load_mapping(ld, ld->doc, node, defaults_keys,
			    ELEMENTSOF(defaults_keys), dest, "defaults");
}

/* include: one glob pattern or a list of them, relative to the main file. */
static void value_include(struct loader *ld, const yaml_node_t *node,
			  void *dest _unused_)
{
	yaml_node_item_t *item;
	char *p = NULL;

	if (node->type != YAML_SEQUENCE_NODE) {
		value_path(ld, node, &p);
		if (p) {
			GROW(ld->includes, ld->n_includes);
			ld->includes[ld->n_includes++] = p;
		}
		return;
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++)
		value_include(ld, yaml_document_get_node(ld->doc, *item), NULL);
}

#define CFG(f) offsetof(struct config, f)
/* Keys of the top level; drop-ins may set only datasets, subscribers and
 * watches. */
static const struct key top_keys[] = {
	{"datasets", value_datasets, 0, 0},
	{"subscribers", value_subscribers, 0, 0},
	{"watch", value_watches, 0, 0},
	{"state_dir", value_path, CFG(state_dir), KEY_MAIN_ONLY},
	{"catalogue", value_path, CFG(catalogue_dir), KEY_MAIN_ONLY},
	{"cache_dir", value_path, CFG(cache_dir), KEY_MAIN_ONLY},
	{"metrics_file", value_path, CFG(metrics_file), KEY_MAIN_ONLY},
	{"defaults", value_defaults, CFG(default_interval), KEY_MAIN_ONLY},
	{"smtp", value_smtp, CFG(smtp), KEY_MAIN_ONLY},
	{"fetch", value_fetch, CFG(fetch), KEY_MAIN_ONLY},
	{"alerts", value_alerts, CFG(alerts), KEY_MAIN_ONLY},
	{"operator", value_operator, CFG(operator), KEY_MAIN_ONLY},
	{"include", value_include, 0, KEY_MAIN_ONLY},
};

void config_load_top(struct loader *ld, const yaml_node_t *root)
{
	config_load_mapping(ld, ld->doc, root, top_keys, ELEMENTSOF(top_keys),
			    ld->cfg, "the configuration");
}
