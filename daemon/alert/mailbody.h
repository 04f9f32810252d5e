/*
 * mailbody.h: what an alert email says -- a subject, a plain-text body and
 * an HTML body with the same content: what happened in plain words, the
 * photos (thumbnail, Flickr page, how they matched), where to ask for
 * removal when the dataset's opt-out route is known, and how to get the
 * request and the evidence written; or, for the operator, a notice in
 * words (what happened, to which dataset or subscriber, what to do), not
 * its JSON.  Rendered from the alert alone (the same alert always reads
 * the same); pure: no I/O.
 */
#ifndef SCRAPEWATCH_MAILBODY_H
#define SCRAPEWATCH_MAILBODY_H

#include "alert/alert.h"
#include "config/config.h"
#include "lib/buf.h"

struct mailbody {
	char subject[256];
	struct buf text, html;
};

/* Renders alert a (c: the subscriber's digest period, the datasets' URLs
 * and opt-out routes) into m, which mailbody_free() releases. */
void mailbody_render(const struct alert *a, const struct config *c,
		     struct mailbody *m);
void mailbody_free(struct mailbody *m);

#endif
