/*
 * cli_datasets.c: `scrapewatch datasets [--format text|json]` -- the
 * catalogue of the real datasets (catalogue.h): for each entry its title,
 * publisher, where it is published and how it is read, its size, how it
 * can be had, its licence and homepage, how people get out of it, and
 * notes.
 *
 * It reads the catalogue folder the configuration names (or the default
 * one), not the rest of the configuration, and no database: it works
 * before anything is set up, and reads no credential.  Every text from a
 * catalogue file is escaped for the terminal, or written as a JSON string.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli_internal.h"
#include "config/catalogue.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/text.h"

#define LABEL_WIDTH 16 /* "  optout route  " */
#define LINE_WIDTH  79

static const char *const source_kinds[] = {
	[CONFIG_SOURCE_URL] = "url",
	[CONFIG_SOURCE_URLS] = "urls",
	[CONFIG_SOURCE_HUGGINGFACE] = "huggingface",
	[CONFIG_SOURCE_GITHUB] = "github",
	[CONFIG_SOURCE_GOOGLE_DRIVE] = "google_drive",
};

/* ---- text ----------------------------------------------------------------- */

/* Appends "  LABEL  value", the value escaped and wrapped at spaces into
 * lines of LINE_WIDTH, continued under itself.  Nothing for NULL. */
static void text_field(struct buf *b, const char *label, const char *value)
{
	struct buf esc;
	const char *p, *end;
	size_t col = LABEL_WIDTH, n;

	if (!value)
		return;
	buf_init(&esc, 1 << 20);
	(void)text_puts(&esc, value);
	(void)buf_putc(&esc, '\0');
	(void)buf_printf(b, "  %-*s", LABEL_WIDTH - 2, label);
	for (p = esc.data; *p; p = end + strspn(end, " ")) {
		end = p + strcspn(p, " ");
		n = (size_t)(end - p);
		if (col > LABEL_WIDTH && col + 1 + n > LINE_WIDTH) {
			(void)buf_printf(b, "\n%*s", LABEL_WIDTH, "");
			col = LABEL_WIDTH;
		} else if (col > LABEL_WIDTH) {
			(void)buf_putc(b, ' ');
			col++;
		}
		(void)buf_append(b, p, n);
		col += n;
	}
	(void)buf_putc(b, '\n');
	buf_free(&esc);
}

/* Where the entry is published, in words. */
static void source_words(struct buf *w, const struct config_dataset *d)
{
	const struct config_source *s = &d->source;
	size_t i;

	if (!config_dataset_has_source(d)) {
		(void)buf_printf(w,
				 "none (no public source; import a copy: "
				 "scrapewatch import %s FILE)",
				 d->name);
		return;
	}
	(void)buf_printf(w, "%s ", source_kinds[s->kind]);
	switch (s->kind) {
	case CONFIG_SOURCE_URL:
		(void)buf_puts(w, d->url);
		break;
	case CONFIG_SOURCE_URLS:
		for (i = 0; i < s->n_urls; i++)
			(void)buf_printf(w, "%s%s", i ? " " : "", s->urls[i]);
		break;
	case CONFIG_SOURCE_HUGGINGFACE:
	case CONFIG_SOURCE_GITHUB:
		(void)buf_printf(w, "%s%s%s", s->repo, s->revision ? "@" : "",
				 s->revision ? s->revision : "");
		if (s->files)
			(void)buf_printf(w, ", %s %s",
					 s->kind == CONFIG_SOURCE_GITHUB
						 ? "path"
						 : "files",
					 s->files);
		break;
	case CONFIG_SOURCE_GOOGLE_DRIVE:
		(void)buf_puts(w, s->id);
		break;
	}
}

static void text_entry(struct buf *b, const struct config_dataset *d)
{
	const struct config_about *a = &d->about;
	struct buf w;

	buf_init(&w, 1 << 20);
	(void)text_printf(b, "%s  %s\n", d->name, a->title);
	text_field(b, "publisher", a->publisher);
	source_words(&w, d);
	(void)buf_putc(&w, '\0');
	text_field(b, "source", w.data);
	buf_reset(&w);
	(void)buf_printf(&w, "%s%s%s%s", d->format,
			 d->member ? " (member " : "",
			 d->member ? d->member : "", d->member ? ")" : "");
	if (d->ownership)
		(void)buf_puts(&w, "; the photo id -> owner table");
	(void)buf_putc(&w, '\0');
	text_field(b, "format", w.data);
	text_field(b, "size", a->size);
	buf_reset(&w);
	(void)buf_printf(&w, "%s%s%s%s", catalogue_access_name(a->access),
			 a->credential ? " (credential " : "",
			 a->credential ? a->credential : "",
			 a->credential ? ")" : "");
	(void)buf_putc(&w, '\0');
	text_field(b, "access", w.data);
	text_field(b, "licence", a->licence);
	text_field(b, "homepage", a->homepage);
	text_field(b, "optout", d->optout);
	text_field(b, "optout route", a->optout_route);
	text_field(b, "notes", a->notes);
	(void)buf_putc(b, '\n');
	buf_free(&w);
}

/* ---- JSON ----------------------------------------------------------------- */

/* ,"key":"value" (or null). */
static void json_member(struct buf *b, const char *key, const char *value)
{
	(void)buf_printf(b, ",\"%s\":", key);
	if (value)
		(void)text_json_string(b, value);
	else
		(void)buf_puts(b, "null");
}

static void json_source(struct buf *b, const struct config_dataset *d)
{
	const struct config_source *s = &d->source;
	size_t i;

	(void)buf_puts(b, ",\"source\":");
	if (!config_dataset_has_source(d)) {
		(void)buf_puts(b, "null");
		return;
	}
	(void)buf_printf(b, "{\"kind\":\"%s\"", source_kinds[s->kind]);
	if (s->kind == CONFIG_SOURCE_URL)
		json_member(b, "url", d->url);
	else if (s->kind == CONFIG_SOURCE_URLS) {
		(void)buf_puts(b, ",\"urls\":[");
		for (i = 0; i < s->n_urls; i++) {
			(void)buf_puts(b, i ? "," : "");
			(void)text_json_string(b, s->urls[i]);
		}
		(void)buf_putc(b, ']');
	} else if (s->kind == CONFIG_SOURCE_GOOGLE_DRIVE)
		json_member(b, "id", s->id);
	else {
		json_member(b, "repo", s->repo);
		json_member(
			b, s->kind == CONFIG_SOURCE_GITHUB ? "ref" : "revision",
			s->revision);
		json_member(b,
			    s->kind == CONFIG_SOURCE_GITHUB ? "path" : "files",
			    s->files);
	}
	(void)buf_putc(b, '}');
}

static void json_entry(struct buf *b, const struct config_dataset *d)
{
	const struct config_about *a = &d->about;

	(void)buf_puts(b, "  {\"name\":");
	(void)text_json_string(b, d->name);
	json_member(b, "title", a->title);
	json_member(b, "publisher", a->publisher);
	json_source(b, d);
	json_member(b, "format", d->format);
	json_member(b, "member", d->member);
	(void)buf_printf(b, ",\"ownership\":%s",
			 d->ownership ? "true" : "false");
	json_member(b, "size", a->size);
	json_member(b, "access", catalogue_access_name(a->access));
	json_member(b, "credential", a->credential);
	json_member(b, "licence", a->licence);
	json_member(b, "homepage", a->homepage);
	json_member(b, "optout", d->optout);
	json_member(b, "optout_route", a->optout_route);
	json_member(b, "notes", a->notes);
	json_member(b, "file", d->where.file);
	(void)buf_putc(b, '}');
}

/* ---- the command ---------------------------------------------------------- */

/* Logs each line of a loader's messages. */
static void log_lines(char *errors)
{
	char *line, *next;

	for (line = errors; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		log_error("%s", line);
	}
}

static void print_catalogue(const struct config *cat, enum out_format format)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1 << 24);
	for (i = 0; i < cat->n_datasets; i++) {
		if (format == OUT_JSON) {
			(void)buf_puts(&b, i ? ",\n" : "");
			json_entry(&b, &cat->datasets[i]);
		} else
			text_entry(&b, &cat->datasets[i]);
	}
	cmd_list_begin(format, NULL);
	fwrite(b.data, 1, b.len, stdout);
	(void)cmd_list_end(format, cat->n_datasets, "\n", NULL, NULL, 0);
	if (format == OUT_TEXT)
		cmd_printf("%zu dataset%s in the catalogue %s; a configuration "
			   "takes one with '- use: NAME' under datasets:\n",
			   cat->n_datasets, cat->n_datasets == 1 ? "" : "s",
			   cat->catalogue_dir);
	buf_free(&b);
}

int cli_datasets(struct cli *cli, int argc, char **argv)
{
	_cleanup_free_ char *dir = NULL, *errors = NULL;
	struct config *cat = NULL;
	struct cmd c = {0};
	int status, r;

	status =
		cmd_args(&c, argc, argv, 0, 0, "datasets [--format text|json]");
	if (status)
		return status;
	if (c.format == OUT_CSV) {
		log_error("datasets prints text or json, not csv");
		return EX_USAGE;
	}
	dir = catalogue_dir_of(cli->config_path);
	r = catalogue_load(dir, &cat, &errors);
	if (r < 0) {
		log_lines(errors);
		log_error("The catalogue '%s' cannot be listed", dir);
		return r == -EINVAL ? EX_CONFIG : EX_NOINPUT;
	}
	print_catalogue(cat, c.format);
	config_free(cat);
	return EX_OK;
}
