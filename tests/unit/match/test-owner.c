/*
 * test-owner.c: the owner lookup's one rule, as a table of entries against
 * two ownership datasets that disagree on a photo and each lack one the
 * other has: an entry naming an NSID or alias keeps it; else the tables
 * in configuration order, not the entry's own, the first that ever had
 * the photo with an NSID or alias (its earliest such entry, even after a
 * release removed it); else the entry as it is.
 */
#include <errno.h>

#include "config/config.h"
#include "lib/macro.h"
#include "match/owner.h"
#include "store/store.h"
#include "store/store_index.h"
#include "store/store_entries.h"
#include "store/store_segment.h"
#include "test.h"
#include "testutil.h"

/* t1 comes first in the configuration; faces is no table. */
static struct config_dataset datasets[] = {
	{.name = (char *)"t1", .ownership = true},
	{.name = (char *)"faces"},
	{.name = (char *)"t2", .ownership = true},
};
static struct config cfg = {.datasets = datasets,
			    .n_datasets = ELEMENTSOF(datasets)};

/* What the tables hold: photo, key, NSID, display name. */
static const struct row {
	const char *dataset;
	uint64_t photo, key;
	const char *nsid, *name;
} rows[] = {
	{"t1", 1, 1, "1@N01", "Alice"},	  {"t1", 3, 3, "1@N01", "Alice"},
	{"t1", 4, 4, "", "Only A Name"},  {"t1", 6, 60, "6@N06", "First"},
	{"t1", 6, 61, "7@N07", "Second"}, {"t2", 1, 1, "2@N02", "Bob"},
	{"t2", 2, 2, "2@N02", "Bob"},	  {"t2", 4, 4, "2@N02", "Bob"},
	{"t2", 3, 3, "2@N02", "Bob"},	  {"faces", 2, 2, "8@N08", "Face"},
};

static int64_t entry_ids[ELEMENTSOF(rows)];

#define OWN   STORE_VIA_OWNERSHIP
#define ENTRY STORE_VIA_ENTRY

static int64_t add_release(struct store *s, int64_t dataset_id)
{
	struct store_release rel = {.dataset_id = dataset_id,
				    .sha256 = "0",
				    .source = "file:///dev/null",
				    .kind = "plain"};

	CHECK_INT(store_release_add(s, &rel), 0);
	return rel.id;
}

/* Rows [from, to) of one dataset as its release rel's entries: a
 * segment, in key order, as an ingest writes it. */
static void add_entries(struct store *s, int64_t dataset_id, int64_t rel,
			size_t from, size_t to)
{
	struct segment_writer *w;
	char path[4096];
	size_t order[ELEMENTSOF(rows)], n = to - from, i, j;
	uint64_t texts[ELEMENTSOF(rows)];
	int64_t owners[ELEMENTSOF(rows)], first = 0;

	for (i = 0; i < n; i++)
		order[i] = from + i;
	for (i = 1; i < n; i++) /* by key */
		for (j = i;
		     j > 0 && rows[order[j]].key < rows[order[j - 1]].key;
		     j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	CHECK_INT(store_segment_path(s, dataset_id, path, sizeof(path)), 0);
	CHECK_INT(segment_writer_new(path, &w), 0);
	for (i = 0; i < n; i++) {
		const struct row *row = &rows[order[i]];
		struct store_entry e = {
			.nsid = row->nsid, .alias = "", .name = row->name};
		int64_t owner;

		struct entry_text none[TEXTPACK_TEXTS] = {{"", 0}};
		uint64_t text;

		CHECK_INT(store_owner_of(s, &e, &owner), 0);
		CHECK_INT(segment_writer_texts(w, row->photo, none, &text), 0);
		texts[i] = text;
		owners[i] = owner;
	}
	for (i = 0; i < n; i++) {
		const struct row *row = &rows[order[i]];

		CHECK_INT(segment_writer_record(
				  w,
				  &(struct segment_entry){
					  .key = row->key,
					  .photo_id = row->photo,
					  .owner_id = (uint32_t)owners[i],
					  .text = texts[i],
				  }),
			  0);
	}
	CHECK_INT(segment_writer_finish(w), 0);
	segment_writer_free(w);
	CHECK_INT(store_segment_add(s, dataset_id, rel, path, n, &first), 0);
	for (i = 0; i < n; i++)
		entry_ids[order[i]] = first + (int64_t)i;
}

/* The tables' first releases, then t1's second, without photo 3. */
static void fill(struct store *s)
{
	int64_t t1, rel = 0, second, id = 0;
	size_t i, from = 0;

	CHECK_INT(store_begin(s), 0);
	for (i = 0; i <= ELEMENTSOF(rows); i++) {
		if (i == ELEMENTSOF(rows) ||
		    (i > 0 && strcmp(rows[i].dataset, rows[i - 1].dataset))) {
			add_entries(s, id, rel, from, i);
			from = i;
		}
		if (i == ELEMENTSOF(rows))
			break;
		CHECK_INT(store_dataset_id(s, rows[i].dataset, &id), 0);
		if (i == from)
			rel = add_release(s, id);
	}
	CHECK_INT(store_dataset_id(s, "t1", &t1), 0);
	second = add_release(s, t1);
	CHECK_INT(
		store_change_add(s, second, entry_ids[1], STORE_CHANGE_REMOVED),
		0);
	CHECK_INT(store_commit(s), 0);
}

TEST(the_rule)
{
	/* The entry (its dataset, photo id, NSID, alias, display name), then
	 * how its owner is found, the owner's NSID and name, the table and
	 * the row of rows[] that gave it (-1: none). */
	static const struct {
		const char *dataset;
		uint64_t photo;
		const char *nsid, *alias, *name;
		enum store_via via;
		const char *owner_nsid, *owner_name, *from;
		int row;
	} cases[] = {
		/* Both tables have photo 1: the first configured wins. */
		{"faces", 1, "", "", "", OWN, "1@N01", "Alice", "t1", 0},
		/* Only t2 has photo 2. */
		{"faces", 2, "", "", "", OWN, "2@N02", "Bob", "t2", 6},
		/* t1 names no NSID or alias for photo 4: t2 is asked. */
		{"faces", 4, "", "", "", OWN, "2@N02", "Bob", "t2", 7},
		/* t1's newest release dropped photo 3: it still had it. */
		{"faces", 3, "", "", "", OWN, "1@N01", "Alice", "t1", 1},
		/* Two entries of photo 6 in t1: the earliest. */
		{"faces", 6, "", "", "", OWN, "6@N06", "First", "t1", 3},
		/* No table has photo 5. */
		{"faces", 5, "", "", "", ENTRY, "", "", NULL, -1},
		/* A display name alone names no one. */
		{"faces", 1, "", "", "Someone", OWN, "1@N01", "Alice", "t1", 0},
		{"faces", 5, "", "", "Someone", ENTRY, "", "Someone", NULL, -1},
		/* An entry naming its owner keeps it. */
		{"faces", 1, "9@N09", "", "", ENTRY, "9@N09", "", NULL, -1},
		{"faces", 1, "", "zed", "", ENTRY, "", "", NULL, -1},
		/* No photo id, nothing to ask. */
		{"faces", 0, "", "", "", ENTRY, "", "", NULL, -1},
		/* A table's own entry: the other tables only (faces is none). */
		{"t1", 1, "", "", "", OWN, "2@N02", "Bob", "t2", 5},
		{"t2", 2, "", "", "", ENTRY, "", "", NULL, -1},
	};
	const char *dir = test_tmpdir();
	char path[4096];
	struct store *s;
	struct owner_lookup *l;
	size_t i;

	snprintf(path, sizeof(path), "%s/state.db", dir);
	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), 0);
	fill(s);
	CHECK_INT(owner_lookup_new(s, &cfg, &l), 0);
	for (i = 0; i < ELEMENTSOF(cases); i++) {
		struct store_entry e = {.photo_id = cases[i].photo,
					.nsid = cases[i].nsid,
					.alias = cases[i].alias,
					.name = cases[i].name};
		int failures = test_failures;
		struct owner o;

		CHECK_INT(owner_of(l, cases[i].dataset, &e, &o), 0);
		CHECK_INT(o.via, cases[i].via);
		CHECK_STR(o.nsid, cases[i].owner_nsid);
		CHECK_STR(o.name, cases[i].owner_name);
		CHECK_STR(o.source_dataset ? o.source_dataset : "-",
			  cases[i].from ? cases[i].from : "-");
		CHECK_INT(o.source,
			  cases[i].row < 0 ? 0 : entry_ids[cases[i].row]);
		if (test_failures != failures)
			fprintf(stderr, "  (case %zu)\n", i);
	}
	l = owner_lookup_free(l);
	s = store_close(s);
}

TEST(the_tables_in_configuration_order)
{
	const char *dir = test_tmpdir();
	char path[4096];
	struct store *s;
	struct owner_lookup *l;
	const int64_t *ids;
	int64_t t1, t2;
	size_t n;

	snprintf(path, sizeof(path), "%s/state.db", dir);
	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), 0);
	/* t2 gets the lower row id: the order is the configuration's. */
	CHECK_INT(store_dataset_id(s, "t2", &t2), 0);
	CHECK_INT(store_dataset_id(s, "t1", &t1), 0);
	CHECK_INT(owner_lookup_new(s, &cfg, &l), 0);
	ids = owner_lookup_datasets(l, &n);
	CHECK_INT(n, 2);
	CHECK_INT(ids[0], t1);
	CHECK_INT(ids[1], t2);
	CHECK(owner_lookup_free(l) == NULL);
	CHECK(owner_lookup_free(NULL) == NULL);
	s = store_close(s);
}
