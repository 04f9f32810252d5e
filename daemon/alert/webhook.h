/*
 * webhook.h: what a webhook receiver gets: the JSON body of an alert
 * (schema version 2, documented member by member in README.md) and its
 * Standard Webhooks signature.
 *
 * The body is rendered from the alert alone, so every retry sends the same
 * bytes; the signature covers the alert id, the attempt's timestamp and
 * the body: v1,base64(HMAC-SHA256(key, id "." timestamp "." body)), the key
 * being the bytes of the secret's base64 after "whsec_"
 * (secret_webhook_key()).
 */
#ifndef SCRAPEWATCH_WEBHOOK_H
#define SCRAPEWATCH_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "alert/alert.h"
#include "config/config.h"
#include "lib/buf.h"

#define WEBHOOK_SCHEMA_VERSION 2
#define WEBHOOK_SIGNATURE_MAX  128

/* Appends the alert's JSON body to out (c: for the datasets' URLs). */
void webhook_body(const struct alert *a, const struct config *c,
		  struct buf *out);

/* Writes the webhook-signature value ("v1,...") into out.  Returns 0, or
 * -EINVAL when secret_webhook_check() would. */
int webhook_sign(const char *secret, const char *id, int64_t timestamp,
		 const char *body, size_t len, char out[WEBHOOK_SIGNATURE_MAX]);

/* "2026-11-27T04:04:00Z". */
void webhook_time(int64_t t, char out[32]);

#endif
