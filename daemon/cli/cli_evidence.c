/*
 * cli_evidence.c: `scrapewatch evidence SUBSCRIBER [--dataset D] --out DIR`
 * writes what a subscriber can show a dataset's maintainers, a lawyer or a
 * regulator: for each photo they were told about, the release it was first
 * seen in (its SHA-256, when and where it was downloaded) and the manifest
 * record byte for byte with its line number, read back from the release
 * file kept in the cache.  DIR gets evidence.json, evidence.csv and
 * summary.txt, each written atomically.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/evp.h>

#include "cli/cli_internal.h"
#include "cli/cli_photos.h"
#include "fetch/decode.h"
#include "fetch/excerpt.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/redact.h"
#include "lib/text.h"
#include "lib/xalloc.h"

/* One photo's evidence. */
struct proof {
	const struct cli_photo *p;
	const struct release_list *releases; /* of its dataset */
	const struct store_release *release; /* first seen in; or NULL */
	/* The file of a release of several it was first seen in, when
	 * file.id is not 0. */
	struct store_release_file file;
	char *record;	   /* verbatim, or NULL */
	size_t record_len; /* without its line end */
	bool text;	   /* UTF-8 without NUL */
	char note[256];	   /* why there is no record */
};

struct evidence {
	struct cmd *c;
	const char *subscriber;
	struct photo_list photos;
	struct proof *proofs;	       /* one per photo */
	struct release_list *releases; /* one per dataset */
	int64_t now;
};

static const struct config_dataset *dataset_config(const struct evidence *ev,
						   const char *name)
{
	return config_find_dataset(ev->c->config, name);
}

/* Cuts the line end a line-based record carries; records the length. */
static void record_trim(struct proof *pf)
{
	size_t len = pf->p->e.length;

	if (len && pf->record[len - 1] == '\n')
		len--;
	if (len && pf->record[len - 1] == '\r')
		len--;
	pf->record[len] = '\0';
	pf->record_len = len;
	pf->text = text_utf8_valid(pf->record, len);
}

/* The kept file that holds proof pf's record, the SHA-256 it must have,
 * and the archive member to read (*member, malloc'ed; NULL: the dataset's
 * member glob). */
static const char *kept_file(const struct proof *pf, const char **sha256,
			     char **member)
{
	const struct store_release_file *f = &pf->file;
	bool is_member = f->id && strcmp(f->url, "member") == 0;

	*sha256 = f->id && !is_member ? f->sha256 : pf->release->sha256;
	*member = is_member ? decode_member_glob(f->name) : NULL;
	return f->id && !is_member ? f->file : pf->release->file;
}

/* Reads the records first seen in the file of proof first (a release's
 * kept file, or one file of it).  Returns 0, or -EBADMSG when the file is
 * no longer the release's (logged): its records would contradict the hash
 * the evidence cites. */
static int read_records(struct evidence *ev, const struct proof *first,
			const char *dataset)
{
	const struct config_dataset *d = dataset_config(ev, dataset);
	const struct store_release *rel = first->release;
	_cleanup_free_ char *member = NULL;
	char err[768] = "";
	const char *path, *sha256;
	struct excerpt *want;
	size_t i, n = 0;
	int r;

	path = kept_file(first, &sha256, &member);
	r = excerpt_verify(path, sha256, err, sizeof(err));
	if (r == -EBADMSG) {
		log_error("%s release %lld: %s; no evidence written", dataset,
			  (long long)rel->seq, err);
		return r;
	}
	want = xreallocarray(NULL, ev->photos.n, sizeof(*want));
	for (i = 0; i < ev->photos.n; i++)
		if (ev->proofs[i].release == rel &&
		    ev->proofs[i].file.id == first->file.id)
			want[n++] = (struct excerpt){
				.offset = ev->photos.v[i].e.offset,
				.length = ev->photos.v[i].e.length,
				.tag = i,
			};
	r = excerpt_read(path,
			 member ? member
			 : d	? d->member
				: NULL,
			 d ? d->max_decoded : UINT64_MAX, want, n, err,
			 sizeof(err));
	if (r < 0)
		log_warning("%s release %lld: %s", dataset, (long long)rel->seq,
			    err);
	for (i = 0; i < n; i++) {
		struct proof *pf = &ev->proofs[want[i].tag];

		pf->record = want[i].text;
		if (pf->record)
			record_trim(pf);
		else
			snprintf(pf->note, sizeof(pf->note),
				 "the kept file of release %lld %s",
				 (long long)rel->seq,
				 r < 0 ? "cannot be read"
				       : "ends before the record");
	}
	free(want);
	return 0;
}

/* Finds each photo's release and reads the records, one pass per file. */
static int collect(struct evidence *ev)
{
	size_t i, n = ev->photos.n ? ev->photos.n : 1, k = 0;
	int r = 0;

	ev->proofs = xcalloc(n, sizeof(*ev->proofs));
	ev->releases = xcalloc(n, sizeof(*ev->releases));
	for (i = 0; r == 0 && i < ev->photos.n; i++) {
		const struct cli_photo *p = &ev->photos.v[i];
		struct proof *pf = &ev->proofs[i];

		/* Photos come by dataset: load its releases once. */
		if (i == 0 || p->dataset_id != ev->photos.v[i - 1].dataset_id)
			r = releases_load(ev->c->store, p->dataset_id,
					  &ev->releases[k++]);
		pf->p = p;
		pf->releases = &ev->releases[k - 1];
		pf->release = releases_find(pf->releases, p->e.first_release);
		if (p->e.file_id &&
		    store_release_file_get(ev->c->store, p->e.file_id,
					   &pf->file) <= 0)
			pf->file.id = 0;
	}
	for (i = 0; r == 0 && i < ev->photos.n; i++) {
		struct proof *pf = &ev->proofs[i];

		if (!pf->release || pf->record || *pf->note)
			continue;
		if (pf->file.id && !pf->file.file[0] &&
		    strcmp(pf->file.url, "member") != 0) {
			snprintf(pf->note, sizeof(pf->note),
				 "file '%.100s' of release %lld is no longer "
				 "kept",
				 pf->file.name, (long long)pf->release->seq);
			continue;
		}
		if (!pf->file.id && !*pf->release->file) {
			snprintf(
				pf->note, sizeof(pf->note),
				"the file of release %lld is not kept (pruned, "
				"or imported with --no-copy)",
				(long long)pf->release->seq);
			continue;
		}
		r = read_records(ev, pf, pf->p->dataset);
	}
	return r;
}

/* The record in base64 (binary, or not UTF-8); a new string. */
static char *record_base64(const struct proof *pf)
{
	char *enc = xmalloc(4 * ((pf->record_len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)pf->record,
			(int)pf->record_len);
	return enc;
}

/* The record as JSON: a string when it is UTF-8 text, else base64. */
static void record_json(struct buf *b, const struct proof *pf)
{
	char *enc;

	if (!pf->record) {
		(void)buf_puts(b, "\"record\":null,\"record_note\":");
		(void)text_json_string(b, pf->note);
	} else if (pf->text) {
		(void)buf_puts(b, "\"record\":");
		(void)text_json_string(b, pf->record);
	} else {
		enc = record_base64(pf);
		(void)buf_printf(b, "\"record\":null,\"record_base64\":\"%s\"",
				 enc);
		free(enc);
	}
}

static void release_json(struct buf *b, const struct store_release *rel)
{
	(void)buf_printf(b,
			 "\"release\":%lld,\"release_sha256\":\"%s\","
			 "\"release_fetched\":%lld,\"release_source\":",
			 rel ? (long long)rel->seq : 0LL,
			 rel ? rel->sha256 : "",
			 rel ? (long long)rel->ingested : 0LL);
	(void)text_json_string(b, rel ? rel->source : "");
}

static void proof_json(struct buf *b, const struct evidence *ev,
		       const struct proof *pf, struct buf *page)
{
	const struct config_dataset *d = dataset_config(ev, pf->p->dataset);
	const struct cli_photo *p = pf->p;
	_cleanup_free_ char *url = redact_url_new(d ? d->url : "");

	(void)buf_puts(b, "{\"dataset\":");
	(void)text_json_string(b, p->dataset);
	(void)buf_puts(b, ",\"dataset_url\":");
	(void)text_json_string(b, url);
	(void)buf_putc(b, ',');
	release_json(b, pf->release);
	(void)buf_printf(b,
			 ",\"match\":\"%s\",\"owner_found\":\"%s\","
			 "\"present\":%s,\"releases\":\"%s\",",
			 match_names[p->how], photo_owner_found(p->how, p->via),
			 p->present ? "true" : "false", p->releases);
	entry_json(b, &p->e);
	(void)buf_puts(b, ",\"photo_page\":");
	(void)text_json_string(b, page->data);
	(void)buf_printf(b, ",\"offset\":%llu,\"length\":%llu,",
			 (unsigned long long)p->e.offset,
			 (unsigned long long)p->e.length);
	if (pf->file.id) {
		(void)buf_puts(b, "\"file\":");
		(void)text_json_string(b, pf->file.name);
		(void)buf_putc(b, ',');
	}
	record_json(b, pf);
	(void)buf_putc(b, '}');
}

static void proof_csv(struct buf *b, const struct proof *pf, struct buf *page)
{
	const struct store_release *rel = pf->release;
	const struct cli_photo *p = pf->p;

	(void)text_csv_field(b, p->dataset);
	(void)buf_printf(b, ",%lld,%s,%lld,", rel ? (long long)rel->seq : 0LL,
			 rel ? rel->sha256 : "",
			 rel ? (long long)rel->ingested : 0LL);
	(void)text_csv_field(b, rel ? rel->source : "");
	(void)buf_printf(b, ",%s,%s,%s,", match_names[p->how],
			 photo_owner_found(p->how, p->via),
			 p->present ? "yes" : "no");
	(void)text_csv_field(b, p->releases);
	(void)buf_putc(b, ',');
	entry_csv(b, &p->e);
	(void)buf_putc(b, ',');
	(void)text_csv_field(b, page->data);
	(void)buf_printf(b, ",%llu,%llu,", (unsigned long long)p->e.offset,
			 (unsigned long long)p->e.length);
	if (pf->record && pf->text)
		(void)text_csv_field(b, pf->record);
	(void)buf_putc(b, ',');
	if (pf->record && !pf->text) {
		char *enc = record_base64(pf);

		(void)buf_puts(b, enc);
		free(enc);
	}
	(void)buf_putc(b, ',');
	if (pf->file.id)
		(void)text_csv_field(b, pf->file.name);
	(void)buf_puts(b, "\r\n");
}

static void page_of(struct buf *page, const struct cli_photo *p)
{
	buf_reset(page);
	photo_page_url(&p->e, page);
	(void)buf_putc(page, '\0');
}

static void write_json(struct buf *b, const struct evidence *ev)
{
	struct buf page;
	size_t i;

	buf_init(&page, 1 << 16);
	(void)buf_puts(b, "{\"subscriber\":");
	(void)text_json_string(b, ev->subscriber);
	(void)buf_printf(b, ",\"generated\":%lld,\"photos\":[\n",
			 (long long)ev->now);
	for (i = 0; i < ev->photos.n; i++) {
		page_of(&page, ev->proofs[i].p);
		(void)buf_puts(b, i ? ",\n  " : "  ");
		proof_json(b, ev, &ev->proofs[i], &page);
	}
	(void)buf_puts(b, "\n]}\n");
	buf_free(&page);
}

static void write_csv(struct buf *b, const struct evidence *ev)
{
	struct buf page;
	size_t i;

	buf_init(&page, 1 << 16);
	(void)buf_puts(b, "dataset,release,release_sha256,release_fetched,"
			  "release_source,match,owner_found,present,releases,"
			  "photo_id,nsid,alias,display_name,key,page_url,"
			  "image_url,license,line,photo_page,offset,length,"
			  "record,record_base64,file\r\n");
	for (i = 0; i < ev->photos.n; i++) {
		page_of(&page, ev->proofs[i].p);
		proof_csv(b, &ev->proofs[i], &page);
	}
	buf_free(&page);
}

static void summary_photo(struct buf *b, const struct evidence *ev,
			  const struct proof *pf)
{
	const struct config_dataset *d = dataset_config(ev, pf->p->dataset);
	const struct cli_photo *p = pf->p;
	char when[32] = "";

	if (p->e.photo_id)
		(void)buf_printf(b, "  photo %llu",
				 (unsigned long long)p->e.photo_id);
	else
		(void)text_printf(b, "  %s", p->e.key_text);
	(void)buf_printf(b, "  (%s%s)  in releases %s\n", match_names[p->how],
			 p->via == STORE_VIA_OWNERSHIP
				 ? ", owner from the ownership table"
				 : "",
			 p->releases);
	if (pf->release)
		format_time(pf->release->ingested, when, sizeof(when));
	(void)buf_printf(b,
			 "      first seen in release %lld, downloaded %s UTC, "
			 "%s %llu; %s\n",
			 pf->release ? (long long)pf->release->seq : 0LL, when,
			 photo_position_unit(d), (unsigned long long)p->e.line,
			 pf->record ? "record copied" : pf->note);
}

static void write_summary(struct buf *b, const struct evidence *ev)
{
	size_t i, records = 0, present = 0;
	char when[32];

	for (i = 0; i < ev->photos.n; i++) {
		records += ev->proofs[i].record != NULL;
		present += ev->proofs[i].p->present;
	}
	format_time(ev->now, when, sizeof(when));
	(void)text_printf(
		b,
		"Evidence for %s, written %s UTC by scrapewatch %s\n\n"
		"%zu photo%s; %zu in the newest release of %s "
		"dataset; %zu manifest record%s copied byte for "
		"byte.\n",
		ev->subscriber, when, SCRAPEWATCH_VERSION, ev->photos.n,
		ev->photos.n == 1 ? "" : "s", present,
		present == 1 ? "its" : "their", records,
		records == 1 ? "" : "s");
	for (i = 0; i < ev->photos.n; i++) {
		const struct release_list *rl = ev->proofs[i].releases;

		if (rl->n && (i == 0 || rl != ev->proofs[i - 1].releases)) {
			const struct store_release *rel = &rl->v[rl->n - 1];

			(void)text_printf(b,
					  "\n%s (newest: release %lld, sha256 "
					  "%s)\n",
					  ev->photos.v[i].dataset,
					  (long long)rel->seq, rel->sha256);
		}
		summary_photo(b, ev, &ev->proofs[i]);
	}
	(void)buf_puts(b,
		       "\nevidence.csv and evidence.json hold each record with "
		       "its release: download the\nrelease from its source, "
		       "check its SHA-256, and the record is at the line (the\n"
		       "record number for JSON) and byte offset given, in the "
		       "decoded manifest.  "
		       "\"possible\" matches share only a\ndisplay name with a "
		       "watched account: check them before acting.\n");
}

static int write_out(const struct evidence *ev, const char *dir)
{
	static const struct {
		const char *name;
		void (*write)(struct buf *b, const struct evidence *ev);
	} files[] = {
		{"evidence.json", write_json},
		{"evidence.csv", write_csv},
		{"summary.txt", write_summary},
	};
	char path[4096];
	struct buf b;
	size_t i;
	int r;

	r = mkdir_p(dir);
	buf_init(&b, SIZE_MAX / 2);
	for (i = 0; r == 0 && i < ELEMENTSOF(files); i++) {
		buf_reset(&b);
		files[i].write(&b, ev);
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		r = write_file_durably(path, b.data, b.len, 0600);
		if (r < 0)
			log_error_errno(r, "Cannot write '%s': %m", path);
	}
	buf_free(&b);
	return r;
}

static void evidence_free(struct evidence *ev)
{
	size_t i;

	for (i = 0; ev->proofs && i < ev->photos.n; i++) {
		free(ev->proofs[i].record);
		releases_free(&ev->releases[i]);
	}
	free(ev->proofs);
	free(ev->releases);
	photos_free(&ev->photos);
}

static int evidence_run(struct cmd *c, const char *subscriber, const char *dir)
{
	struct evidence ev = {.c = c, .subscriber = subscriber};
	int r;

	ev.now = (int64_t)time(NULL);
	r = photos_load(c->store, subscriber, c->dataset_id, &ev.photos);
	if (r == 0)
		r = collect(&ev);
	if (r == -EBADMSG) {
		evidence_free(&ev);
		return EX_DATAERR;
	}
	if (r < 0) {
		log_error_errno(r, "Cannot read the database: %m");
		evidence_free(&ev);
		return EX_IOERR;
	}
	r = write_out(&ev, dir);
	if (r == 0)
		cmd_printf(
			"%s/: evidence for %zu photo%s of %s (evidence.json, "
			"evidence.csv, summary.txt)\n",
			dir, ev.photos.n, ev.photos.n == 1 ? "" : "s",
			subscriber);
	evidence_free(&ev);
	return r < 0 ? EX_CANTCREAT : 0;
}

int cli_evidence(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"evidence SUBSCRIBER [--dataset DATASET] --out DIR";
	const char *dataset = NULL, *dir = NULL;
	struct cmd c = {0};
	int status;

	(void)cmd_take_option(&argc, argv, "--dataset", &dataset);
	(void)cmd_take_option(&argc, argv, "--out", &dir);
	if (!dir) {
		log_error("Where to? usage: scrapewatch %s", usage);
		return EX_USAGE;
	}
	status = cmd_begin(&c, cli, argc, argv,
			   &(struct cmd_spec){.usage = usage,
					      .min_args = 1,
					      .max_args = 1,
					      .subscriber_arg = 1,
					      .dataset = dataset});
	if (status)
		return status;
	status = evidence_run(&c, c.args[0], dir);
	cmd_close(&c);
	return status;
}
