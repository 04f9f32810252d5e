/*
 * newowners.h: the owners that a release's new entries name and the index
 * does not have yet.  They are noted while the release is parsed and
 * added before its segment is written, in short transactions that do
 * nothing else, so that writing the segment -- file work that takes as
 * long as the release is large -- never holds the database's write lock.
 */
#ifndef SCRAPEWATCH_NEWOWNERS_H
#define SCRAPEWATCH_NEWOWNERS_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct new_owners;

struct new_owners *new_owners_new(void);

/* Frees the list; accepts NULL; returns NULL. */
struct new_owners *new_owners_free(struct new_owners *no);

/* Notes the owner that pending record rec names, unless the store has it
 * or it was noted before.  Reads the database, writes nothing.  Its
 * reference goes to *ret: its row id when the store has it, 0 when rec
 * names no owner, else a negative number that new_owners_row() turns
 * into its row once added.  Returns 0 or -errno. */
int new_owners_note(struct new_owners *no, struct store *s, const char *rec,
		    int64_t *ret);

/*
 * Adds the noted owners to the store, batch transactions of at most
 * NEW_OWNERS_BATCH; an owner row that nothing names yet is harmless, so a
 * later failure needs no undo.  Calls stop() between batches: a negative
 * value ends the work with it.  Returns 0 or -errno.
 */
#define NEW_OWNERS_BATCH 4096
int new_owners_add(struct new_owners *no, struct store *s,
		   int (*stop)(void *userdata), void *userdata);

/* The row of a reference from new_owners_note(), after a successful
 * new_owners_add(). */
int64_t new_owners_row(const struct new_owners *no, int64_t ref);

#endif
