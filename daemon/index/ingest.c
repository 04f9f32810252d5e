/*
 * ingest.c: the ingest pipeline of ingest.h.
 *
 * Before the parse, the dataset's key set (every key it ever had, with its
 * entry id and presence; a file per dataset, rebuilt from the database when
 * missing or stale) is loaded and indexed.  During the parse each entry's
 * key is looked up: a known key is only marked; a new one has its texts
 * written to the release's segment file there and then (the texts come
 * first in it, in any order), and its key and a fixed record of the rest
 * (photo id, owner, where it is, where its texts went) kept in memory.
 * After the parse, unmarked present keys are the removed entries, marked
 * absent ones the reincluded, and the new keys (sorted) the added, whose
 * records go to the segment in key order.  Only those touch the database,
 * in one transaction, so an unchanged entry costs a lookup and no
 * write.  The new key set is written after the commit; if that fails, the
 * next ingest rebuilds it.
 */
#include "index/ingest.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch/decode.h"
#include "index/diff.h"
#include "index/keyset.h"
#include "index/newowners.h"
#include "index/pending.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/hashid.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/runsort.h"
#include "lib/stop.h"
#include "lib/xalloc.h"
#include "parse/format.h"
#include "store/store_entries.h"
#include "store/store_segment.h"

#define INGEST_BATCH	 64	    /* lookups issued together */
#define INGEST_CACHE_MIB 256	    /* SQLite page cache while committing */
#define NEWS_CHUNK	 (1u << 21) /* new entries sorted in memory at once */

/* A new entry as the parse leaves it, until its record is written: its
 * key first, for the sort. */
struct new_entry {
	uint64_t key;
	uint64_t photo_id, line, offset;
	uint64_t text; /* where its texts are in the segment */
	int64_t owner; /* its owner's reference (new_owners_note()) */
	uint32_t file, length;
};

/* The keys one parsed file of a release of several holds, for its key
 * list. */
struct file_keys {
	uint64_t *v; /* owned */
	size_t n, cap;
};

struct ingest {
	struct store *store;
	const struct config_dataset *d;
	const struct format *format;
	const struct ingest_options *o;
	struct ingest_result *res;
	int64_t dataset_id;

	/* A release of several files (borrowed), or NULL for one file. */
	struct ingest_file *files;
	size_t n_files;
	uint32_t cur;		/* the file being read */
	struct file_keys *keys; /* owned, per file when files */

	struct diff_set *set; /* owned: the key set before this release */
	/* Its items (key, row id and presence): in memory when rebuilt from
	 * the database (owned), else read again from its file. */
	struct diff_item *old_items;
	struct diff_item *moved; /* owned: old entries whose presence changed:
				  * key, and id | DIFF_PRESENT if now present */
	size_t n_moved;
	/* The new entries (keys not in the set), sorted by key in runs
	 * beside the segment; then how many differ, and the first of their
	 * row ids. */
	struct runsort *news;
	uint64_t n_added;
	int64_t first_id;
	uint64_t known; /* entries of this release already in the set */
	/* Entries waiting for one batched lookup in the set: their keys and
	 * their pending records. */
	uint64_t batch_keys[INGEST_BATCH];
	size_t batch_at[INGEST_BATCH];
	size_t n_batch;
	struct buf batch;
	uint64_t duplicates; /* entries whose key came twice */
	uint64_t bad;
	int sink_error; /* why the sink failed (a full disk, say), or 0 */

	struct segment_writer *writer; /* owned: the segment of the new
					* entries, until written */
	struct new_owners *owners;     /* owned: the owners they add */

	struct store_release *rel; /* the release being written */
	int64_t based_on;	   /* the newest release before it, or 0 */
	bool writing;		   /* its transaction is open */
	/* The segment file of the added entries ("": none), and whether the
	 * release's commit listed it (else it is removed). */
	char segment[PATH_MAX];
	bool listed;
};

/* The process is stopping: give up; the caller rolls back. */
static int stopped(struct ingest *in)
{
	snprintf(in->res->error, sizeof(in->res->error),
		 "stopped: scrapewatch is shutting down; the index is as it "
		 "was");
	return -ECANCELED;
}

/* ---- the parser's sink --------------------------------------------------- */

/* A problem as shown: "line N: why" (unit "line" or "record"), or just
 * why when it has no position (0). */
static void report_text(char *out, size_t size, const char *unit, uint64_t at,
			const char *why)
{
	if (at)
		snprintf(out, size, "%s %llu: %s", unit, (unsigned long long)at,
			 why);
	else
		snprintf(out, size, "%s", why);
}

/* The unit of a position ("line"), after the file's name in a release of
 * several ("part-1.csv line"). */
static const char *unit_of(const struct ingest *in, const char *unit, char *buf,
			   size_t size)
{
	if (!in->files)
		return unit;
	snprintf(buf, size, "%.80s %s", in->files[in->cur].row.name, unit);
	return buf;
}

static void ingest_bad(struct ingest *in, const char *unit, uint64_t at,
		       const char *why)
{
	struct ingest_result *res = in->res;
	char u[128];

	in->bad++;
	if (res->n_bad_shown < INGEST_BAD_SHOWN)
		report_text(res->bad[res->n_bad_shown++], sizeof(res->bad[0]),
			    unit_of(in, unit, u, sizeof(u)), at, why);
}

static void sink_report(void *userdata, uint64_t line, bool fatal,
			const char *why)
{
	struct ingest *in = userdata;
	char u[128];

	if (fatal)
		report_text(in->res->error, sizeof(in->res->error),
			    unit_of(in, "line", u, sizeof(u)), line, why);
	else
		ingest_bad(in, "line", line, why);
}

static void file_keys_push(struct file_keys *k, uint64_t key)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 1 << 10;
		k->v = xreallocarray(k->v, k->cap, sizeof(*k->v));
	}
	k->v[k->n++] = key;
}

/* Says that writing the segment failed with r, and returns r. */
static int segment_failed(struct ingest *in, int r)
{
	if (!in->res->error[0])
		snprintf(in->res->error, sizeof(in->res->error),
			 "cannot write the new entries to '%.400s': %s",
			 in->segment, strerror(-r));
	return r;
}

/* Starts the segment of the new entries, and their sort beside it. */
static int start_segment(struct ingest *in)
{
	char dir[PATH_MAX];
	int r;

	r = store_segment_path(in->store, in->dataset_id, in->segment,
			       sizeof(in->segment));
	if (r >= 0)
		r = path_dir(in->segment, dir, sizeof(dir));
	if (r >= 0)
		r = segment_writer_new(in->segment, &in->writer);
	if (r < 0)
		return r;
	in->news =
		runsort_new(dir, sizeof(struct new_entry),
			    in->o->sort_chunk ? in->o->sort_chunk : NEWS_CHUNK);
	return 0;
}

/* Keeps a key that is not in the set: its texts go to the segment (made
 * for the first), the rest of its entry to the sort. */
static int add_new(struct ingest *in, uint64_t key, const char *rec)
{
	struct pending_entry p;
	int64_t owner;
	uint64_t text;
	int r = 0;

	if (in->known + (in->news ? runsort_count(in->news) : 0) >=
	    in->o->max_entries) {
		snprintf(in->res->error, sizeof(in->res->error),
			 "more than %llu entries in one release",
			 (unsigned long long)in->o->max_entries);
		return -E2BIG;
	}
	if (!in->writer)
		r = start_segment(in);
	if (r >= 0) {
		pending_read(rec, &p);
		r = segment_writer_texts(in->writer, p.photo_id, p.texts,
					 &text);
	}
	if (r < 0)
		return segment_failed(in, r);
	r = new_owners_note(in->owners, in->store, rec, &owner);
	if (r < 0)
		return r;
	r = runsort_add(in->news, &(struct new_entry){
					  .key = key,
					  .photo_id = p.photo_id,
					  .line = p.line,
					  .offset = p.offset,
					  .text = text,
					  .owner = owner,
					  .file = p.file,
					  .length = (uint32_t)p.length,
				  });
	return r < 0 ? segment_failed(in, r) : 0;
}

/* Looks the batch up in the set: known keys are marked, new ones kept. */
static int batch_flush(struct ingest *in)
{
	ptrdiff_t found[INGEST_BATCH];
	size_t i;
	int r = 0;

	diff_set_find_batch(in->set, in->batch_keys, in->n_batch, found);
	for (i = 0; i < in->n_batch && r >= 0; i++) {
		if (found[i] < 0)
			r = add_new(in, in->batch_keys[i],
				    in->batch.data + in->batch_at[i]);
		else if (diff_set_mark(in->set, (size_t)found[i]))
			in->known++;
		else
			in->duplicates++;
	}
	in->n_batch = 0;
	buf_reset(&in->batch);
	return r;
}

static int sink_entry(void *userdata, const struct entry *e)
{
	struct ingest *in = userdata;
	uint64_t key;
	int field;

	field = entry_key(e, in->format->photo_keyed, &key);
	if (field < 0) {
		ingest_bad(in, in->format->counts_records ? "record" : "line",
			   e->line, "no photo id, URL or path to key on");
		return 0;
	}
	if (in->files)
		file_keys_push(&in->keys[in->cur], key);
	in->batch_keys[in->n_batch] = key;
	in->batch_at[in->n_batch++] = in->batch.len;
	pending_record(&in->batch, e, field, in->cur);
	if (in->n_batch < INGEST_BATCH)
		return 0;
	/* The parser passes a sink's error on as its own: kept, so that a
	 * failed write is not taken for a bad manifest. */
	in->sink_error = batch_flush(in);
	return in->sink_error;
}

/* ---- parse --------------------------------------------------------------- */

/* What a format's failure r means: the sink's own error when the sink
 * failed (a full disk is not a bad manifest); a cap or memory as itself;
 * and, for a format that read the file itself (read_file), the I/O and
 * stop errors it met; anything else is a manifest it cannot read: bad
 * data. */
static int parse_result(const struct ingest *in, int r, bool read_file)
{
	if (r >= 0)
		return r;
	if (in->sink_error)
		return in->sink_error;
	if (r == -EFBIG || r == -E2BIG || r == -ENOMEM)
		return r;
	if (read_file && (r == -ECANCELED || r == -ENOSPC || r == -EIO))
		return r;
	return -EBADMSG;
}

/* Feeds the decoded manifest to the parser, to its end. */
static int feed_stream(struct ingest *in, struct decode *dec, void *parser)
{
	const char *data;
	size_t len;
	int r = 0;

	while (r >= 0) {
		if (stop_requested())
			return stopped(in);
		r = decode_read(dec, &data, &len);
		if (r < 0) {
			snprintf(in->res->error, sizeof(in->res->error), "%s",
				 decode_error(dec));
			break;
		}
		r = len ? in->format->feed(parser, data, len)
			: in->format->finish(parser);
		r = parse_result(in, r, false);
		if (len == 0)
			break;
	}
	return r;
}

/* Reads the file through the decoder to its end, for its SHA-256 and
 * sizes, when the format read the manifest itself. */
static int drain(struct ingest *in, struct decode *dec)
{
	const char *data;
	size_t len = 1;
	int r = 0;

	while (r >= 0 && len > 0) {
		if (stop_requested())
			return stopped(in);
		r = decode_read(dec, &data, &len);
		if (r < 0)
			snprintf(in->res->error, sizeof(in->res->error), "%s",
				 decode_error(dec));
	}
	return r;
}

/* Parses the manifest: read by its format from the file when it is a
 * database (an SQLite file), else fed from the decoder. */
static int parse_decoded(struct ingest *in, struct decode *dec, void *parser,
			 const char *path)
{
	int r = -ENOTSUP;

	if (in->format->read_file)
		r = in->format->read_file(parser, path);
	if (r == -ENOTSUP && in->format->feed)
		return feed_stream(in, dec, parser);
	r = parse_result(in, r, true);
	return r < 0 ? r : drain(in, dec);
}

static int parse_file(struct ingest *in, const char *path, char sha[65])
{
	const char *member = in->files && in->files[in->cur].member
				     ? in->files[in->cur].member
				     : in->d->member;
	const struct format_limits limits = FORMAT_LIMITS_DEFAULT;
	const struct format_sink sink = {sink_entry, sink_report, in};
	struct decode *dec = NULL;
	void *parser = NULL;
	int r;

	r = decode_open(path, member, in->o->max_decoded, &dec);
	if (r < 0) {
		snprintf(in->res->error, sizeof(in->res->error),
			 "cannot open '%s': %s", path, strerror(-r));
		return r;
	}

	decode_limit_expansion(dec, in->d->max_expansion);
	r = in->format->open(&in->d->layout, &limits, &sink, &parser);
	if (r < 0)
		snprintf(
			in->res->error, sizeof(in->res->error),
			"format %s cannot read with this dataset's options: %s",
			in->format->name, strerror(-r));
	else
		r = parse_decoded(in, dec, parser, path);
	if (r >= 0)
		r = batch_flush(in);
	if (r >= 0)
		r = decode_sha256(dec, sha);
	if (r >= 0) {
		/* Members of one archive: its bytes count once. */
		if (!in->files || !in->files[in->cur].member || in->cur == 0)
			in->rel->size += (int64_t)decode_raw_bytes(dec);
		if (in->files)
			in->files[in->cur].row.size =
				(int64_t)decode_raw_bytes(dec);
		in->rel->decoded_size += (int64_t)decode_decoded_bytes(dec);
		if (!in->rel->kind[0])
			snprintf(in->rel->kind, sizeof(in->rel->kind), "%s",
				 decode_kind(dec));
	}
	if (r < 0 && !in->res->error[0])
		snprintf(in->res->error, sizeof(in->res->error),
			 "cannot read '%s': %s", path, strerror(-r));
	in->format->free(parser);
	decode_close(dec);
	return r;
}

/* ---- releases of several files ------------------------------------------- */

void ingest_keys_dir(const char *state_dir, int64_t dataset_id,
		     const struct config_dataset *d, char *out, size_t size)
{
	char id[HASHID_LEN + 1];
	struct hashid h;
	size_t i;

	hashid_init(&h);
	hashid_add_str(&h, d->format);
	for (i = 0; i < ENTRY_FIELD_MAX; i++)
		hashid_add_str(&h,
			       d->layout.fields[i] ? d->layout.fields[i] : "");
	hashid_add_str(&h, d->layout.header ? "header" : "");
	hashid_add_str(&h, d->layout.records ? d->layout.records : "");
	hashid_add_str(&h, d->layout.table ? d->layout.table : "");
	hashid_add_str(&h, d->member ? d->member : "");
	hashid_final(&h, id);
	snprintf(out, size, "%s/keys/%lld-%.16s", state_dir,
		 (long long)dataset_id, id);
}

void ingest_keys_path(const char *dir, const char *sha256, char *out,
		      size_t size)
{
	snprintf(out, size, "%s/%s.keys", dir, sha256);
}

void ingest_keys_prune(const char *dir, const struct ingest_file *files,
		       size_t n)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	size_t i, len;

	if (!dh)
		return;
	while ((de = readdir(dh))) {
		len = strlen(de->d_name);
		if (len != 64 + 5 || strcmp(de->d_name + 64, ".keys") != 0)
			continue;
		for (i = 0; i < n; i++)
			if (strncmp(files[i].row.sha256, de->d_name, 64) == 0)
				break;
		if (i == n)
			(void)unlinkat(dirfd(dh), de->d_name, 0);
	}
	closedir(dh);
}

/* Marks the keys of an unchanged file, read from its key list. */
static int mark_unchanged(struct ingest *in, const struct ingest_file *f)
{
	struct diff_item *items = NULL;
	char path[PATH_MAX];
	size_t n = 0, i, j;

	ingest_keys_path(in->o->keys_dir, f->row.sha256, path, sizeof(path));
	if (keyset_read(path, 0, &items, &n) < 0) {
		(void)unlink(path);
		snprintf(in->res->error, sizeof(in->res->error),
			 "file '%.200s' is unchanged, but its key list is "
			 "missing or damaged; it is downloaded again",
			 f->row.name);
		return -ESTALE;
	}
	for (i = 0; i < n; i += INGEST_BATCH) {
		ptrdiff_t found[INGEST_BATCH];
		uint64_t keys[INGEST_BATCH];
		size_t m = MIN((size_t)INGEST_BATCH, n - i);

		if (stop_requested()) {
			free(items);
			return stopped(in);
		}
		for (j = 0; j < m; j++)
			keys[j] = items[i + j].key;
		diff_set_find_batch(in->set, keys, m, found);
		for (j = 0; j < m; j++) {
			if (found[j] < 0)
				break;
			if (diff_set_mark(in->set, (size_t)found[j]))
				in->known++;
			else
				in->duplicates++;
		}
		if (j < m)
			break;
	}
	free(items);
	if (i < n) {
		(void)unlink(path);
		snprintf(in->res->error, sizeof(in->res->error),
			 "the key list of unchanged file '%.200s' names an "
			 "entry the index does not have; the file is "
			 "downloaded again",
			 f->row.name);
		return -ESTALE;
	}
	in->rel->size += f->row.size;
	return 0;
}

/* The release's SHA-256: of its "SHA256  NAME\n" lines, in name order.
 * Needs every file's SHA-256. */
static int files_digest(const struct ingest_file *files, size_t n, char out[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0, k;
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	size_t i;

	for (i = 0; i < n && ok; i++)
		ok = EVP_DigestUpdate(ctx, files[i].row.sha256,
				      strlen(files[i].row.sha256)) &&
		     EVP_DigestUpdate(ctx, "  ", 2) &&
		     EVP_DigestUpdate(ctx, files[i].row.name,
				      strlen(files[i].row.name)) &&
		     EVP_DigestUpdate(ctx, "\n", 1);
	ok = ok && EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO;
	for (k = 0; k < len && k < 32; k++)
		snprintf(out + 2 * k, 3, "%02x", md[k]);
	return 0;
}

static bool files_all_known(const struct ingest_file *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!files[i].row.sha256[0])
			return false;
	return true;
}

/* Reads every file of the release: parsed, or marked from its key list. */
static int read_files(struct ingest *in)
{
	size_t i;
	int r = 0;

	for (i = 0; i < in->n_files && r >= 0; i++) {
		struct ingest_file *f = &in->files[i];
		char sha[65];

		in->cur = (uint32_t)i;
		if (!f->path) {
			r = mark_unchanged(in, f);
			continue;
		}
		r = parse_file(in, f->path, sha);
		if (r >= 0 && !f->row.sha256[0])
			snprintf(f->row.sha256, sizeof(f->row.sha256), "%s",
				 sha);
	}
	if (r >= 0 && in->n_files != 1)
		snprintf(in->rel->kind, sizeof(in->rel->kind), "%zu files",
			 in->n_files);
	if (r >= 0 && in->o->sha256)
		snprintf(in->rel->sha256, sizeof(in->rel->sha256), "%s",
			 in->o->sha256);
	else if (r >= 0)
		r = files_digest(in->files, in->n_files, in->rel->sha256);
	return r;
}

/* Writes the key list of each file parsed, after the commit: the next
 * release reads it for the file if it is unchanged.  One that fails to
 * write only costs that file's download next time. */
static void write_key_lists(struct ingest *in)
{
	size_t i, j, n;

	if (mkdir_p(in->o->keys_dir) < 0)
		return;
	for (i = 0; i < in->n_files; i++) {
		struct file_keys *k = &in->keys[i];
		struct diff_item *items, *tmp;
		struct keyset_writer *w;
		char path[PATH_MAX];

		if (!in->files[i].path || in->files[i].member)
			continue;
		items = xreallocarray(NULL, k->n ? k->n : 1, sizeof(*items));
		tmp = xreallocarray(NULL, k->n ? k->n : 1, sizeof(*tmp));
		for (j = 0; j < k->n; j++)
			items[j] = (struct diff_item){k->v[j], 0};
		diff_sort_items(items, tmp, k->n);
		free(tmp);
		for (j = n = 0; j < k->n; j++)
			if (n == 0 || items[n - 1].key != items[j].key)
				items[n++] = items[j];
		ingest_keys_path(in->o->keys_dir, in->files[i].row.sha256, path,
				 sizeof(path));
		if (keyset_writer_open(path, 0, n, &w) == 0) {
			for (j = 0; j < n; j++)
				keyset_writer_add(w, &items[j]);
			if (keyset_writer_commit(w) < 0)
				log_debug("ingest: cannot write the key list "
					  "of '%s'",
					  in->files[i].row.name);
		}
		free(items);
	}
}

/* ---- key sets ------------------------------------------------------------ */

struct items {
	struct diff_item *v; /* owned */
	size_t n, cap;
};

static void items_push(struct items *it, uint64_t key, uint64_t id)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? 2 * it->cap : 1 << 12;
		it->v = xreallocarray(it->v, it->cap, sizeof(*it->v));
	}
	it->v[it->n++] = (struct diff_item){key, id};
}

static int items_add(void *userdata, uint64_t key, int64_t id, bool present)
{
	items_push(userdata, key, (uint64_t)id | (present ? DIFF_PRESENT : 0));
	return 0;
}

static void keyset_path(const struct ingest *in, char *path, size_t size)
{
	snprintf(path, size, "%s/keys-%lld.bin", in->o->work_dir,
		 (long long)in->dataset_id);
}

/* The old key set's items, in key order: in memory, or streamed back
 * from its file. */
struct old_items {
	const struct diff_item *mem;  /* the items, or NULL */
	struct keyset_stream *stream; /* owned when streaming */
	size_t n;		      /* how many */
};

static const struct diff_item *old_item(struct old_items *o, size_t i)
{
	return o->mem ? &o->mem[i] : keyset_stream_at(o->stream, i);
}

/* Opens the old items of release_id: those in memory, or their file. */
static int old_items_open(const struct ingest *in, int64_t release_id,
			  struct old_items *o)
{
	char path[PATH_MAX];

	*o = (struct old_items){.n = diff_set_count(in->set)};
	if (in->old_items || o->n == 0) {
		o->mem = in->old_items;
		return 0;
	}
	keyset_path(in, path, sizeof(path));
	if (keyset_stream_open(path, release_id, &o->stream) < 0 ||
	    keyset_stream_count(o->stream) != o->n) {
		keyset_stream_free(o->stream);
		o->stream = NULL;
		return -EIO;
	}
	return 0;
}

/* Builds the set's index over n items in key order.  Returns 0, -EIO
 * when an item cannot be read, or -EINVAL for keys out of order. */
static int set_build(struct ingest *in, struct old_items *o)
{
	uint64_t min = 0, max = 0;
	size_t i;
	int r = 0;

	if (o->mem && o->n) {
		min = o->mem[0].key;
		max = o->mem[o->n - 1].key;
	} else if (o->n)
		r = keyset_stream_bounds(o->stream, &min, &max);
	if (r < 0)
		return r;
	in->set = diff_set_new(min, max, o->n);
	for (i = 0; i < o->n && r >= 0; i++) {
		const struct diff_item *it = old_item(o, i);

		r = it ? diff_set_add(in->set, it->key) : -EIO;
	}
	if (r < 0)
		in->set = diff_set_free(in->set);
	return r;
}

/* Builds the set from the key-set file of release_id.  Returns 0 or
 * -ESTALE. */
static int set_from_file(struct ingest *in, int64_t release_id)
{
	struct old_items o = {0};
	char path[PATH_MAX];
	int r;

	keyset_path(in, path, sizeof(path));
	if (keyset_stream_open(path, release_id, &o.stream) < 0)
		return -ESTALE;
	o.n = keyset_stream_count(o.stream);
	r = set_build(in, &o);
	keyset_stream_free(o.stream);
	return r < 0 ? -ESTALE : 0;
}

/* Loads the key set of the dataset as of release_id (0: none yet). */
static int keyset_load(struct ingest *in, int64_t release_id)
{
	struct items it = {NULL, 0, 0};
	struct old_items o;
	struct diff_item *tmp;
	int r;

	if (!release_id) {
		in->set = diff_set_new(0, 0, 0);
		return 0;
	}
	if (set_from_file(in, release_id) == 0) {
		log_debug("ingest: key set of %zu keys in %zu MB",
			  diff_set_count(in->set),
			  diff_set_bytes(in->set) >> 20);
		return 0;
	}
	r = store_items_each(in->store, in->dataset_id, items_add, &it);
	if (r < 0) {
		free(it.v);
		return r;
	}
	tmp = xreallocarray(NULL, it.n ? it.n : 1, sizeof(*tmp));
	diff_sort_items(it.v, tmp, it.n);
	free(tmp);
	log_debug("ingest: key set rebuilt from the database (%zu keys)", it.n);
	in->old_items = it.v;
	o = (struct old_items){.mem = it.v, .n = it.n};
	r = set_build(in, &o);
	if (r == -EINVAL) {
		snprintf(in->res->error, sizeof(in->res->error),
			 "the index holds an entry key twice");
		return -EBADMSG;
	}
	return r;
}

/* The merge of the old items (with their new presence) and the added
 * entries' keys, read back from their segment. */
struct merge {
	struct old_items old;
	size_t i;		   /* the next old item */
	struct segment_keys *keys; /* owned, or NULL for none added */
	uint64_t key, j;	   /* the next added key and its place */
	bool have_key;
};

static int merge_next_key(struct merge *m)
{
	int r = m->keys ? segment_keys_next(m->keys, &m->key) : 0;

	if (m->have_key)
		m->j++;
	m->have_key = r > 0;
	return r < 0 ? r : 0;
}

/* The next item of the new key set.  Returns 1, 0 at the end, or -EIO. */
static int next_item(const struct ingest *in, struct merge *m,
		     struct diff_item *ret)
{
	const struct diff_item *it = NULL;

	if (m->i < m->old.n) {
		it = old_item(&m->old, m->i);
		if (!it)
			return -EIO;
	}
	if (it && (!m->have_key || it->key < m->key)) {
		*ret = *it;
		ret->id = (ret->id & ~DIFF_PRESENT) |
			  (diff_set_marked(in->set, m->i) ? DIFF_PRESENT : 0);
		m->i++;
		return 1;
	}
	if (!m->have_key)
		return 0;
	*ret = (struct diff_item){m->key,
				  (uint64_t)(in->first_id + (int64_t)m->j) |
					  DIFF_PRESENT};
	return merge_next_key(m) < 0 ? -EIO : 1;
}

/* Writes the key set after this release: the old items with their new
 * presence, merged with the added entries (their row ids from the first
 * on, in key order). */
static int keyset_write(const struct ingest *in, int64_t release_id)
{
	struct merge m = {0};
	struct keyset_writer *w;
	struct diff_item item;
	char path[PATH_MAX];
	int r;

	r = old_items_open(in, in->based_on, &m.old);
	if (r >= 0 && in->n_added)
		r = segment_keys_open(in->segment, &m.keys);
	if (r >= 0)
		r = merge_next_key(&m);
	keyset_path(in, path, sizeof(path));
	if (r >= 0)
		r = keyset_writer_open(path, release_id, m.old.n + in->n_added,
				       &w);
	if (r >= 0) {
		while ((r = next_item(in, &m, &item)) > 0)
			keyset_writer_add(w, &item);
		if (r < 0)
			keyset_writer_abort(w);
		else
			r = keyset_writer_commit(w);
	}
	keyset_stream_free(m.old.stream);
	segment_keys_free(m.keys);
	return r;
}

static int moved_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct diff_item *)a)->id & ~DIFF_PRESENT;
	uint64_t y = ((const struct diff_item *)b)->id & ~DIFF_PRESENT;

	return x < y ? -1 : x > y;
}

/* Collects the old entries whose presence changed (removed or
 * reincluded), walking the old items again with the marks, so that the
 * set's keys can be freed before the commit; by row id, so that their
 * change rows go into both of change_log's B-trees in order (a third
 * less time in the release's transaction). */
static int collect_moved(struct ingest *in)
{
	struct old_items o;
	size_t i;
	int r;

	r = old_items_open(in, in->based_on, &o);
	for (i = 0; r >= 0 && i < o.n; i++) {
		const struct diff_item *it = old_item(&o, i);
		bool was, is = diff_set_marked(in->set, i);

		if (!it) {
			r = -EIO;
			break;
		}
		was = it->id & DIFF_PRESENT;
		if (was == is)
			continue;
		if (in->n_moved % 4096 == 0)
			in->moved = xreallocarray(in->moved, in->n_moved + 4096,
						  sizeof(*in->moved));
		in->moved[in->n_moved++] = (struct diff_item){
			it->key,
			(it->id & ~DIFF_PRESENT) | (is ? DIFF_PRESENT : 0)};
	}
	keyset_stream_free(o.stream);
	if (r < 0) {
		snprintf(in->res->error, sizeof(in->res->error),
			 "cannot read the key set again: %s", strerror(-r));
		return r;
	}
	if (in->n_moved)
		qsort(in->moved, in->n_moved, sizeof(*in->moved), moved_cmp);
	return 0;
}

/* ---- the transaction ------------------------------------------------------ */

/* Records the removed and reincluded entries. */
static int write_old_changes(struct ingest *in)
{
	size_t i;
	int r;

	for (i = 0; i < in->n_moved; i++) {
		bool is = in->moved[i].id & DIFF_PRESENT;

		r = store_change_add(in->store, in->rel->id,
				     (int64_t)(in->moved[i].id & ~DIFF_PRESENT),
				     is ? STORE_CHANGE_REINCLUDED
					: STORE_CHANGE_REMOVED);
		if (r < 0)
			return r;
		if (is)
			in->rel->reincluded++;
		else
			in->rel->removed++;
	}
	return 0;
}

/* Logs how long a stage took, at debug level (-vv). */
static void stage_done(const char *stage, struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	log_debug("ingest: %s took %.3f s", stage,
		  (double)(now.tv_sec - since->tv_sec) +
			  (double)(now.tv_nsec - since->tv_nsec) / 1e9);
	*since = now;
}

/*
 * Ends the segment of the new entries (listed by the release's
 * transaction): their texts are in it already; their records follow in
 * key order, as the sort gives them back, each owner's reference made its
 * row, and a key that came twice kept once (its first).  The owners are
 * in the database already (new_owners_add()).
 */
static int write_segment(struct ingest *in)
{
	const void *p;
	uint64_t taken = 0, last = 0;
	int r;

	r = runsort_finish(in->news);
	in->res->sort_runs = runsort_runs(in->news);
	while (r >= 0 && (r = runsort_next(in->news, &p)) > 0) {
		struct new_entry n;
		int64_t owner;

		memcpy(&n, p, sizeof(n));
		if ((taken++ & 0xffff) == 0 && stop_requested())
			return stopped(in);
		if (in->n_added && n.key == last)
			continue;
		owner = new_owners_row(in->owners, n.owner);
		if (owner < 0 || owner > UINT32_MAX)
			return -E2BIG;
		r = segment_writer_record(
			in->writer, &(struct segment_entry){
					    .key = n.key,
					    .photo_id = n.photo_id,
					    .owner_id = (uint32_t)owner,
					    .file = in->files ? n.file + 1 : 0,
					    .line = n.line,
					    .offset = n.offset,
					    .length = n.length,
					    .text = n.text,
				    });
		last = n.key;
		in->n_added++;
	}
	if (r >= 0)
		r = segment_writer_finish(in->writer);
	in->writer = segment_writer_free(in->writer);
	in->news = runsort_free(in->news);
	return r < 0 ? segment_failed(in, r) : 0;
}

/* Lists the segment: the new entries get their row ids, in key order,
 * from in->first_id on. */
static int list_segment(struct ingest *in)
{
	int r;

	r = store_segment_add(in->store, in->dataset_id, in->rel->id,
			      in->segment, in->n_added, &in->first_id);
	if (r < 0)
		return r;
	in->rel->added = (int64_t)in->n_added;
	return 0;
}

/* new_owners_add()'s check between batches. */
static int stop_between(void *userdata)
{
	return stop_requested() ? stopped(userdata) : 0;
}

/* Adds the new entries' owners to the database, then writes the new
 * entries' segment: before the release's transaction, so that it holds
 * the write lock only for what is small. */
static int write_news(struct ingest *in, struct timespec *t)
{
	uint64_t n = in->news ? runsort_count(in->news) : 0;
	int r;

	r = new_owners_add(in->owners, in->store, stop_between, in);
	stage_done("the new owners", t);
	if (r >= 0 && in->writer) {
		r = write_segment(in);
		log_debug("ingest: %llu new entries sorted in %zu runs",
			  (unsigned long long)n, in->res->sort_runs);
		stage_done("the segment of the added", t);
	}
	if (r < 0)
		return r;
	in->res->duplicates = in->duplicates + (n - in->n_added);
	in->rel->entries = (int64_t)(in->known + in->n_added);
	return 0;
}

/* ---- the whole ------------------------------------------------------------ */

static int check_bad_share(struct ingest *in)
{
	uint64_t total =
		in->known + (in->news ? runsort_count(in->news) : 0) + in->bad;

	if (in->bad == 0 ||
	    (double)in->bad <= in->o->max_bad_share * (double)total)
		return 0;
	snprintf(in->res->error, sizeof(in->res->error),
		 "%llu of %llu records are malformed, more than the %g%% "
		 "allowed; release rejected",
		 (unsigned long long)in->bad, (unsigned long long)total,
		 in->o->max_bad_share * 100);
	return -EBADMSG;
}

static int ingest_run(struct ingest *in, const char *path)
{
	struct store_release latest = {0};
	struct timespec t;
	int has_latest, r;

	clock_gettime(CLOCK_MONOTONIC, &t);
	has_latest = store_release_latest(in->store, in->dataset_id, &latest);
	if (has_latest < 0)
		return has_latest;
	/* Files all known and all the newest release's: nothing to read. */
	if (in->files && has_latest &&
	    files_all_known(in->files, in->n_files) &&
	    files_digest(in->files, in->n_files, in->rel->sha256) == 0 &&
	    strcmp(latest.sha256, in->rel->sha256) == 0) {
		in->res->unchanged = true;
		in->res->release = latest;
		return 0;
	}
	r = keyset_load(in, has_latest ? latest.id : 0);
	if (r < 0)
		return r;
	stage_done("key set", &t);
	r = in->files ? read_files(in) : parse_file(in, path, in->rel->sha256);
	stage_done("decode, parse and hash", &t);
	if (r >= 0)
		r = check_bad_share(in);
	if (r < 0)
		return r;
	if (has_latest && strcmp(latest.sha256, in->rel->sha256) == 0) {
		in->res->unchanged = true;
		in->res->release = latest;
		return 0;
	}
	in->rel->bad_records = (int64_t)in->bad;
	/* An empty manifest after a real one is far likelier a broken
	 * download or a server's error page than a dataset emptied: taking it
	 * would tell every subscriber their photos were removed. */
	if (in->known == 0 && !in->news && has_latest && latest.entries > 0) {
		snprintf(
			in->res->error, sizeof(in->res->error),
			"the release has no entries, the newest before it %lld: "
			"refused (an empty file is not taken for every photo "
			"removed)",
			(long long)latest.entries);
		return -EBADMSG;
	}
	in->based_on = has_latest ? latest.id : 0;
	r = collect_moved(in);
	if (r < 0)
		return r;
	/* Make room for the sort and the database's cache: the marks are
	 * all the merge needs of the set. */
	diff_set_drop_keys(in->set);
	stage_done("removed and reincluded", &t);
	return write_news(in, &t);
}

static int prepare(struct store *s, const struct config_dataset *d,
		   int64_t dataset_id, const char *path,
		   struct ingest_file *files, size_t n_files,
		   const struct ingest_options *o, struct ingest_result *res,
		   struct ingest **ret)
{
	struct ingest *in = xcalloc(1, sizeof(*in));
	int r;

	*in = (struct ingest){
		.store = s,
		.d = d,
		.format = format_find(d->format),
		.o = o,
		.res = res,
		.dataset_id = dataset_id,
		.files = files,
		.n_files = n_files,
		.keys = files ? xcalloc(n_files ? n_files : 1,
					sizeof(*in->keys))
			      : NULL,
		.owners = new_owners_new(),
	};
	*res = (struct ingest_result){0};
	res->release = (struct store_release){.dataset_id = dataset_id,
					      .ingested = o->now};
	snprintf(res->release.source, sizeof(res->release.source), "%s",
		 o->source);
	snprintf(res->release.etag, sizeof(res->release.etag), "%s",
		 o->etag ? o->etag : "");
	snprintf(res->release.last_modified, sizeof(res->release.last_modified),
		 "%s", o->last_modified ? o->last_modified : "");
	snprintf(res->release.file, sizeof(res->release.file), "%s",
		 o->file ? o->file : "");
	snprintf(res->release.revision, sizeof(res->release.revision), "%s",
		 o->revision ? o->revision : "");
	in->rel = &res->release;
	/* A batch holds at most INGEST_BATCH records of bounded size. */
	buf_init(&in->batch, INGEST_BATCH * PENDING_RECORD_MAX);
	if (!in->format) {
		snprintf(res->error, sizeof(res->error), "unknown format '%s'",
			 d->format);
		r = -EINVAL;
	} else
		r = ingest_run(in, path);
	if (r < 0) {
		if (!res->error[0])
			snprintf(res->error, sizeof(res->error), "%s",
				 strerror(-r));
		ingest_free(in);
		return r;
	}
	*ret = in;
	return 0;
}

int ingest_prepare(struct store *s, const struct config_dataset *d,
		   int64_t dataset_id, const char *path,
		   const struct ingest_options *o, struct ingest_result *res,
		   struct ingest **ret)
{
	return prepare(s, d, dataset_id, path, NULL, 0, o, res, ret);
}

int ingest_prepare_files(struct store *s, const struct config_dataset *d,
			 int64_t dataset_id, struct ingest_file *files,
			 size_t n, const struct ingest_options *o,
			 struct ingest_result *res, struct ingest **ret)
{
	assert(o->keys_dir);
	return prepare(s, d, dataset_id, NULL, files, n, o, res, ret);
}

/* Records the files of a release of several (each row gets its id). */
static int write_files(struct ingest *in)
{
	size_t i;
	int r = 0;

	for (i = 0; i < in->n_files && r >= 0; i++) {
		in->files[i].row.release_id = in->rel->id;
		r = store_release_file_add(in->store, &in->files[i].row);
	}
	return r;
}

/* The release's transaction; it checks that no other ingest of the
 * dataset committed since the key set was read. */
int ingest_write(struct ingest *in)
{
	struct store_release now;
	struct timespec t;
	int r;

	assert(!in->res->unchanged && !in->writing);
	store_cache_size(in->store, INGEST_CACHE_MIB);
	clock_gettime(CLOCK_MONOTONIC, &t);
	r = store_begin(in->store);
	if (r < 0)
		return r;
	in->writing = true;
	r = store_release_latest(in->store, in->dataset_id, &now);
	if (r >= 0 && (r ? now.id : 0) != in->based_on) {
		snprintf(in->res->error, sizeof(in->res->error),
			 "another ingest of this dataset finished meanwhile; "
			 "run again");
		r = -EAGAIN;
	}
	if (r >= 0)
		r = store_release_add(in->store, in->rel);
	if (r >= 0 && in->files)
		r = write_files(in);
	if (r >= 0)
		r = write_old_changes(in);
	stage_done("write: removed and reincluded", &t);
	if (r >= 0 && in->n_added)
		r = list_segment(in);
	stage_done("write: the release", &t);
	if (r >= 0)
		r = store_release_finish(in->store, in->rel);
	if (r < 0)
		ingest_abort(in);
	return r < 0 ? r : 0;
}

int ingest_commit(struct ingest *in)
{
	struct timespec t;
	int r;

	assert(in->writing);
	clock_gettime(CLOCK_MONOTONIC, &t);
	r = stop_requested() ? stopped(in) : store_commit(in->store);
	stage_done("COMMIT", &t);
	if (r < 0) {
		ingest_abort(in);
		return r;
	}
	in->writing = false;
	in->listed = in->n_added > 0; /* the index's now */
	/* The index is committed; a key-set file that fails to write is
	 * rebuilt from the database next time. */
	r = keyset_write(in, in->rel->id);
	if (r < 0)
		log_debug("ingest: cannot write the key set: %s", strerror(-r));
	if (in->files)
		write_key_lists(in);
	stage_done("key set written", &t);
	return 0;
}

void ingest_abort(struct ingest *in)
{
	if (in->writing)
		store_rollback(in->store);
	in->writing = false;
}

struct ingest *ingest_free(struct ingest *in)
{
	if (!in)
		return NULL;
	ingest_abort(in);
	segment_writer_free(in->writer);
	if (in->segment[0] && !in->listed)
		(void)unlink(in->segment);
	buf_free(&in->batch);
	new_owners_free(in->owners);
	diff_set_free(in->set);
	for (size_t i = 0; in->keys && i < in->n_files; i++)
		free(in->keys[i].v);
	free(in->keys);
	free(in->moved);
	free(in->old_items);
	runsort_free(in->news);
	free(in);
	return NULL;
}
