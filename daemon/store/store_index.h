/*
 * store_index.h: the release index in the database.
 *
 * Per dataset: its releases (content hash, size, counts), its entries --
 * each stored once, when first seen, and never rewritten -- and per
 * release the changes it brought (added, removed, reincluded).  Owners
 * (NSID, alias, display name) are stored once and shared.  Everything a
 * release writes happens inside the caller's transaction (store_begin()).
 */
#ifndef SCRAPEWATCH_STORE_INDEX_H
#define SCRAPEWATCH_STORE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_release {
	int64_t id, dataset_id, seq;
	char sha256[65];
	int64_t size, decoded_size, ingested;
	char source[2048];
	char kind[128];
	char etag[256], last_modified[64]; /* the server's, or "" */
	char file[1024];    /* kept in the cache as evidence, or "" */
	char revision[128]; /* the source's name for it (a commit), or "" */
	int64_t entries, added, removed, reincluded, bad_records;
};

/* One file of a release of several (release_files). */
struct store_release_file {
	int64_t id, release_id;
	char name[512];	 /* in the release */
	char url[64];	 /* "url:" and the digest of its URL */
	char sha256[65]; /* of its content */
	int64_t size;	 /* its bytes */
	char etag[256], last_modified[64]; /* the server's, or "" */
	char file[1024];		   /* kept in the cache, or "" */
	char md5[33]; /* of its content (lower-case hex), or "" when the
		       * download computed none (only Drive's files do) */
};

/* An entry's details.  Strings are NUL-terminated, "" when unknown; when
 * read from the store they are borrowed until the next call. */
struct store_entry {
	int64_t id;
	uint64_t key;
	uint64_t photo_id;
	const char *nsid, *alias, *name;
	const char *key_text, *page_url, *image_url, *license;
	uint64_t line, offset, length; /* where it was first seen */
	int64_t first_release;	       /* release id (read only) */
	/* The release_files row it was first seen in, or 0 (the release's
	 * one file). */
	int64_t file_id;
};

/* Reads the dataset's newest release.  Returns 1, 0 if it has none, or
 * -errno. */
int store_release_latest(struct store *s, int64_t dataset_id,
			 struct store_release *ret);

/* Adds r as the dataset's next release (r->seq and r->id are set; the
 * counts are written later by store_release_finish()).  Returns 0 or
 * -errno. */
int store_release_add(struct store *s, struct store_release *r);

/* Calls fn for each file kept by the dataset's releases (the release's
 * one file, or its files of release_files), newest release first, after
 * skipping the keep newest, and never for a release that is evidence (one
 * where a photo in an event was first seen).  Returns 0, fn's negative
 * value, or -errno. */
int store_release_files_beyond(struct store *s, int64_t dataset_id,
			       uint64_t keep,
			       int (*fn)(void *userdata, int64_t release_id,
					 const char *file),
			       void *userdata);

/* Records that release_id no longer keeps file.  Returns 1 if another
 * release still keeps the same file, 0 if none does, or -errno. */
int store_release_forget_file(struct store *s, int64_t release_id,
			      const char *file);

/* Adds f as a file of release f->release_id (f->id is set).  Returns 0 or
 * -errno. */
int store_release_file_add(struct store *s, struct store_release_file *f);

/* Records md5 (32 lower-case hex digits) as the MD5 of release_files row
 * id, where the row has none.  Returns 1 when it was recorded, 0 when the
 * row has an MD5 already (or there is no such row), -EINVAL for an md5
 * that is not 32 lower-case hex digits, or -errno. */
int store_release_file_set_md5(struct store *s, int64_t id, const char *md5);

/* Calls fn for each file of release_id, by name.  Returns 0, fn's
 * negative value, or -errno. */
int store_release_files_each(struct store *s, int64_t release_id,
			     int (*fn)(void *userdata,
				       const struct store_release_file *f),
			     void *userdata);

/* Reads the file of release_files row id.  Returns 1, 0 if there is no
 * such row, or -errno. */
int store_release_file_get(struct store *s, int64_t id,
			   struct store_release_file *ret);

/* Returns 1 if a release of any dataset keeps file, 0 if none, or -errno. */
int store_file_kept(struct store *s, const char *file);

/* Writes r's counts.  Returns 0 or -errno. */
int store_release_finish(struct store *s, const struct store_release *r);

/* The row id of e's owner (NSID, alias, name), added if new; 0 when e
 * names none.  Returns 0 or -errno. */
int store_owner_of(struct store *s, const struct store_entry *e, int64_t *ret);

/* The row id of e's owner, if it has one (0 when e names none): 1, 0 when
 * it has none (nothing is added), or -errno. */
int store_owner_find(struct store *s, const struct store_entry *e,
		     int64_t *ret);

/* Records a removal or a reinclusion of an existing entry in release_id
 * (an entry's addition is its first release).  Returns 0 or -errno. */
int store_change_add(struct store *s, int64_t release_id, int64_t entry_id,
		     enum store_change kind);

/* Calls fn for every entry the dataset ever had: key, row id, and whether
 * it is in the newest release (its last change was not a removal).
 * Returns 0, fn's negative value, or -errno. */
int store_items_each(struct store *s, int64_t dataset_id,
		     int (*fn)(void *userdata, uint64_t key, int64_t id,
			       bool present),
		     void *userdata);

/* Calls fn for each release of the dataset, oldest first.  Returns 0,
 * fn's negative value, or -errno. */
int store_releases_each(struct store *s, int64_t dataset_id,
			int (*fn)(void *userdata,
				  const struct store_release *r),
			void *userdata);

/* Calls fn for each change a release brought, by kind then key. */
int store_changes_each(struct store *s, int64_t release_id,
		       int (*fn)(void *userdata, enum store_change kind,
				 const struct store_entry *e),
		       void *userdata);

/* Watch subjects, many at once: photo ids, NSIDs (exact), path aliases
 * and display names (case-insensitive). */
struct store_subjects {
	const int64_t *photos;
	size_t n_photos;
	const char *const *nsids, *const *aliases, *const *names;
	size_t n_nsids, n_aliases, n_names;
};

/*
 * Calls fn for the changes of release_id (of the dataset) that q may
 * match, by kind then key, as store_changes_each() would for them: the
 * same candidates as store_present_candidates() (store_events.h) finds,
 * through the same indexes, for every subject of q in one query; for the
 * ownership datasets' photos, those of ownership[0..n_ownership).  Candidates only: the
 * caller decides each.  Returns 0, fn's negative value, or -errno.
 */
int store_changed_candidates(struct store *s, int64_t dataset_id,
			     int64_t release_id, const int64_t *ownership,
			     size_t n_ownership, const struct store_subjects *q,
			     int (*fn)(void *userdata, enum store_change kind,
				       const struct store_entry *e),
			     void *userdata);

/*
 * Calls fn for each entry whose presence differs between the dataset's
 * releases seq_a and seq_b (seq_a < seq_b): STORE_CHANGE_REMOVED if it is
 * only in a; if only in b, STORE_CHANGE_REINCLUDED when it was in a
 * release before a, else STORE_CHANGE_ADDED; by kind then key.
 */
int store_diff_each(struct store *s, int64_t dataset_id, int64_t seq_a,
		    int64_t seq_b,
		    int (*fn)(void *userdata, enum store_change kind,
			      const struct store_entry *e),
		    void *userdata);

/* What search looks for; unset members are 0 / "". */
struct store_query {
	uint64_t photo_id;
	const char *nsid;  /* exact */
	const char *alias; /* case-insensitive */
	const char *name;  /* display name, case-insensitive */
};

/*
 * Calls fn for every entry, in any dataset and any release, that matches
 * q, with the dataset's name and how it matched.  Returns 0, fn's negative
 * value, or -errno.
 */
int store_search(struct store *s, const struct store_query *q,
		 int (*fn)(void *userdata, const char *dataset,
			   enum store_match how, const struct store_entry *e),
		 void *userdata);

/* Calls fn with the release seq of each change of an entry, oldest first. */
int store_history_each(struct store *s, int64_t entry_id,
		       int (*fn)(void *userdata, enum store_change kind,
				 int64_t seq),
		       void *userdata);

#endif
