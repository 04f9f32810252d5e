/*
 * webhook.c: webhook bodies and their signatures (webhook.h).
 */
#include "alert/webhook.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "alert/photo.h"
#include "config/secret.h"
#include "lib/macro.h"
#include "lib/text.h"

void webhook_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
}

static void json_member(struct buf *b, const char *name, const char *value)
{
	(void)buf_printf(b, "\"%s\":", name);
	(void)text_json_string(b, value);
}

static void photo_json(struct buf *b, const struct alert_photo *p)
{
	const struct store_entry *e = &p->e;
	struct buf page;

	(void)buf_printf(b, "{\"photo_id\":%llu,",
			 (unsigned long long)e->photo_id);
	/* The page URL comes from the manifest: quoted like any text. */
	buf_init(&page, 1 << 16);
	photo_page_url(e, &page);
	(void)buf_putc(&page, '\0');
	json_member(b, "page_url", page.data);
	buf_free(&page);
	(void)buf_putc(b, ',');
	json_member(b, "image_url", photo_image_url(e));
	(void)buf_puts(b, ",\"owner\":{");
	json_member(b, "nsid", e->nsid);
	(void)buf_putc(b, ',');
	json_member(b, "alias", e->alias);
	(void)buf_putc(b, ',');
	json_member(b, "display_name", e->name);
	(void)buf_printf(b, "},\"match\":\"%s\",\"owner_found\":\"%s\",",
			 photo_match_token(p->how),
			 photo_owner_token(p->how, p->via));
	json_member(b, "license", e->license);
	(void)buf_putc(b, ',');
	json_member(b, "key", e->key_text);
	(void)buf_printf(b, ",\"line\":%llu}", (unsigned long long)e->line);
}

/* An event's members: dataset, release, photos. */
static void event_json(struct buf *b, const struct alert_event *ev,
		       const struct config *c)
{
	const struct config_dataset *d = config_find_dataset(c, ev->dataset);
	char when[32];
	size_t i;

	webhook_time(ev->release_time, when);
	(void)buf_puts(b, "\"dataset\":{");
	json_member(b, "name", ev->dataset);
	(void)buf_putc(b, ',');
	json_member(b, "url", d ? d->url : "");
	(void)buf_printf(b,
			 "},\"release\":{\"number\":%lld,\"sha256\":\"%s\","
			 "\"fetched\":\"%s\"},\"photo_count\":%lld,"
			 "\"photos\":[",
			 (long long)ev->release, ev->release_sha256, when,
			 (long long)ev->n_total);
	for (i = 0; i < ev->n_photos; i++) {
		if (i)
			(void)buf_putc(b, ',');
		photo_json(b, &ev->photos[i]);
	}
	(void)buf_putc(b, ']');
}

void webhook_body(const struct alert *a, const struct config *c,
		  struct buf *out)
{
	char when[32];
	size_t i;

	webhook_time(a->created, when);
	(void)buf_printf(out,
			 "{\"version\":%d,\"type\":\"%s\",\"id\":\"%s\","
			 "\"created\":\"%s\",",
			 WEBHOOK_SCHEMA_VERSION, alert_type(a), a->id, when);
	if (a->kind == STORE_ALERT_NOTICE) {
		/* The notice's JSON is {"type":...,data members}. */
		(void)buf_puts(out, "\"data\":");
		(void)buf_puts(out, a->notice);
		(void)buf_puts(out, "}");
		return;
	}
	json_member(out, "subscriber", a->subscriber);
	if (a->kind == STORE_ALERT_TEST) {
		(void)buf_putc(out, ',');
		json_member(out, "message", TEST_MESSAGE);
		(void)buf_putc(out, '}');
		return;
	}
	if (a->kind == STORE_ALERT_EVENT && a->n_events == 1) {
		(void)buf_putc(out, ',');
		event_json(out, &a->events[0], c);
		(void)buf_puts(out, "}");
		return;
	}
	(void)buf_puts(out, ",\"events\":[");
	for (i = 0; i < a->n_events; i++) {
		webhook_time(a->events[i].created, when);
		(void)buf_printf(out,
				 "%s{\"id\":\"%s\",\"type\":\"%s\","
				 "\"created\":\"%s\",",
				 i ? "," : "", a->events[i].id,
				 alert_event_type(a->events[i].type), when);
		event_json(out, &a->events[i], c);
		(void)buf_putc(out, '}');
	}
	(void)buf_puts(out, "]}");
}

/* HMAC-SHA256 over the parts, one after another. */
static void hmac_sha256(const unsigned char *key, size_t key_len,
			const char *const *parts, const size_t *lens, size_t n,
			unsigned char mac[32])
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("digest", digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
	size_t i, out = 0;

	if (!ctx || !EVP_MAC_init(ctx, key, key_len, params))
		abort();
	for (i = 0; i < n; i++)
		EVP_MAC_update(ctx, (const unsigned char *)parts[i], lens[i]);
	if (!EVP_MAC_final(ctx, mac, &out, 32) || out != 32)
		abort();
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
}

int webhook_sign(const char *secret, const char *id, int64_t timestamp,
		 const char *body, size_t len, char out[WEBHOOK_SIGNATURE_MAX])
{
	unsigned char key[SECRET_WEBHOOK_KEY_MAX], mac[32];
	char ts[24];
	const char *parts[] = {id, ".", ts, ".", body};
	size_t lens[] = {strlen(id), 1, 0, 1, len};
	size_t key_len;
	int r;

	r = secret_webhook_key(secret, key, &key_len);
	if (r < 0)
		return r;
	lens[2] =
		(size_t)snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	hmac_sha256(key, key_len, parts, lens, ELEMENTSOF(parts), mac);
	explicit_bzero(key, sizeof(key));
	memcpy(out, "v1,", 3);
	EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)sizeof(mac));
	return 0;
}
