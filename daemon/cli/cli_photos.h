/*
 * cli_photos.h: what the opt-out and evidence commands share: a
 * subscriber's photos as the store knows them (every photo an event told
 * them about, copied out of the store), a dataset's releases, and the
 * links a person follows to a photo.
 */
#ifndef SCRAPEWATCH_CLI_PHOTOS_H
#define SCRAPEWATCH_CLI_PHOTOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/photo.h"
#include "store/store_events.h"

struct buf;

struct cli_photo {
	char *dataset; /* owned */
	int64_t dataset_id;
	enum store_match how; /* the best way it matched */
	enum store_via via;
	bool present;	      /* in the dataset's newest release */
	struct store_entry e; /* strings in the block below */
	char *strings;	      /* owned */
	char *releases;	      /* owned: "1-2, 4-latest" */
};

struct photo_list {
	struct cli_photo *v;
	size_t n;
};

/* Loads subscriber's photos in dataset_id (0: every dataset), by dataset
 * then key.  Returns 0 or -errno. */
int photos_load(struct store *s, const char *subscriber, int64_t dataset_id,
		struct photo_list *ret);
void photos_free(struct photo_list *l);

struct release_list {
	struct store_release *v;
	size_t n;
};

/* Loads a dataset's releases, oldest first.  Returns 0 or -errno. */
int releases_load(struct store *s, int64_t dataset_id,
		  struct release_list *ret);
/* The release with row id, or NULL. */
const struct store_release *releases_find(const struct release_list *l,
					  int64_t id);
void releases_free(struct release_list *l);

struct config_dataset;
/* What a position in the dataset's manifest counts: "line", or "record"
 * for the JSON formats (d may be NULL: "line"). */
const char *photo_position_unit(const struct config_dataset *d);

#endif
