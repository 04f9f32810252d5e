/*
 * webhook.c: webhook bodies and their signatures (webhook.h).
 *
 * Every body is one envelope, {"type","version","id","timestamp","data"},
 * and each thing a body names has one shape wherever it appears: a
 * dataset {"name","url"}, a release {"number","sha256","fetched"}, a
 * missing value null.  URLs go out redacted (lib/redact.h).  It reads the
 * alert and the configuration only.
 */
#include "alert/webhook.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <yajl/yajl_tree.h>

#include "alert/photo.h"
#include "config/secret.h"
#include "lib/macro.h"
#include "lib/redact.h"
#include "lib/text.h"

void webhook_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
}

/* A JSON string, or null for a value that is missing (NULL or ""). */
static void json_text(struct buf *b, const char *value)
{
	if (value && *value)
		(void)text_json_string(b, value);
	else
		(void)buf_puts(b, "null");
}

/* "name": after a comma, unless it is the first member. */
static void json_key(struct buf *b, const char *name, bool first)
{
	(void)buf_printf(b, "%s\"%s\":", first ? "" : ",", name);
}

static void json_member(struct buf *b, const char *name, const char *value,
			bool first)
{
	json_key(b, name, first);
	json_text(b, value);
}

/* A URL as receivers may see it: without userinfo or secret query values. */
static void json_url(struct buf *b, const char *url)
{
	_cleanup_free_ char *shown = NULL;

	if (!url || !*url) {
		(void)buf_puts(b, "null");
		return;
	}
	shown = redact_url_new(url);
	(void)text_json_string(b, shown);
}

static void json_time(struct buf *b, int64_t t)
{
	char when[32];

	webhook_time(t, when);
	(void)buf_printf(b, "\"%s\"", when);
}

static void photo_json(struct buf *b, const struct alert_photo *p)
{
	const struct store_entry *e = &p->e;
	struct buf page;

	(void)buf_puts(b, "{\"photo_id\":");
	if (e->photo_id)
		(void)buf_printf(b, "%llu", (unsigned long long)e->photo_id);
	else
		(void)buf_puts(b, "null");
	/* The page URL comes from the manifest: quoted like any text. */
	buf_init(&page, 1 << 16);
	photo_page_url(e, &page);
	(void)buf_putc(&page, '\0');
	json_member(b, "page_url", page.data, false);
	buf_free(&page);
	json_member(b, "image_url", photo_image_url(e), false);
	json_key(b, "owner", false);
	(void)buf_putc(b, '{');
	json_member(b, "nsid", e->nsid, true);
	json_member(b, "alias", e->alias, false);
	json_member(b, "display_name", e->name, false);
	(void)buf_printf(b, "},\"match\":\"%s\",\"owner_found\":\"%s\"",
			 photo_match_token(p->how),
			 photo_owner_token(p->how, p->via));
	json_member(b, "license", e->license, false);
	json_member(b, "key", e->key_text, false);
	(void)buf_printf(b, ",\"line\":%llu}", (unsigned long long)e->line);
}

/* {"name","url"}: the same object in every payload that names a dataset;
 * url is the configured one when the payload does not carry its own. */
static void dataset_json(struct buf *b, const char *name, const char *url,
			 const struct config *c)
{
	const struct config_dataset *d = config_find_dataset(c, name);

	(void)buf_putc(b, '{');
	json_member(b, "name", name, true);
	json_key(b, "url", false);
	json_url(b, url ? url : d ? d->url : NULL);
	(void)buf_putc(b, '}');
}

/* {"number","sha256","fetched"}: likewise for a release. */
static void release_json(struct buf *b, long long number, const char *sha256,
			 int64_t fetched)
{
	(void)buf_printf(b, "{\"number\":%lld", number);
	json_member(b, "sha256", sha256, false);
	json_key(b, "fetched", false);
	json_time(b, fetched);
	(void)buf_putc(b, '}');
}

/* An event's members after the caller's first: dataset, release,
 * photo_count, photos. */
static void event_json(struct buf *b, const struct alert_event *ev,
		       const struct config *c)
{
	size_t i;

	json_key(b, "dataset", false);
	dataset_json(b, ev->dataset, NULL, c);
	json_key(b, "release", false);
	release_json(b, (long long)ev->release, ev->release_sha256,
		     ev->release_time);
	(void)buf_printf(b, ",\"photo_count\":%lld,\"photos\":[",
			 (long long)ev->n_total);
	for (i = 0; i < ev->n_photos; i++) {
		if (i)
			(void)buf_putc(b, ',');
		photo_json(b, &ev->photos[i]);
	}
	(void)buf_putc(b, ']');
}

/* A digest's data: the subscriber and each event with its id, type and
 * time. */
static void events_json(struct buf *b, const struct alert *a,
			const struct config *c)
{
	size_t i;

	(void)buf_puts(b, ",\"events\":[");
	for (i = 0; i < a->n_events; i++) {
		(void)buf_printf(b, "%s{\"id\":\"%s\",\"type\":\"%s\"",
				 i ? "," : "", a->events[i].id,
				 alert_event_type(a->events[i].type));
		json_key(b, "timestamp", false);
		json_time(b, a->events[i].created);
		event_json(b, &a->events[i], c);
		(void)buf_putc(b, '}');
	}
	(void)buf_putc(b, ']');
}

/* ---- operator notices ------------------------------------------------------ */

/*
 * A notice is kept as the flat JSON object its maker wrote (dataset.release:
 * "dataset" its name, "release" its number, "sha256", counts...), which the
 * mail renders in words.  Its data here takes the shapes every other payload
 * has: "dataset" the {"name","url"} object (with the notice's "url"),
 * "release" the {"number","sha256","fetched"} object (with its "sha256";
 * fetched when the notice was made, with the release); a count named
 * like a list gets its _count name; "" becomes null; "type" is left out,
 * the envelope has it.
 */
static const struct {
	const char *from, *to;
} notice_renames[] = {
	{"events", "event_count"},
};

static yajl_val notice_member(yajl_val root, const char *key)
{
	const char *path[] = {key, NULL};

	return yajl_tree_get(root, path, yajl_t_any);
}

/* Is member key of the notice folded into another (or the envelope)? */
static bool notice_folded(yajl_val root, const char *key)
{
	if (strcmp(key, "type") == 0)
		return true;
	if (strcmp(key, "url") == 0)
		return YAJL_IS_STRING(notice_member(root, "dataset"));
	if (strcmp(key, "sha256") == 0)
		return YAJL_IS_INTEGER(notice_member(root, "release"));
	return false;
}

static void value_json(struct buf *b, yajl_val v);

static void object_json(struct buf *b, yajl_val v)
{
	size_t i;

	(void)buf_putc(b, '{');
	for (i = 0; i < v->u.object.len; i++) {
		(void)buf_puts(b, i ? "," : "");
		(void)text_json_string(b, v->u.object.keys[i]);
		(void)buf_putc(b, ':');
		value_json(b, v->u.object.values[i]);
	}
	(void)buf_putc(b, '}');
}

/* A value of the kept JSON, written again ("" as null). */
static void value_json(struct buf *b, yajl_val v)
{
	size_t i;

	if (YAJL_IS_STRING(v))
		json_text(b, YAJL_GET_STRING(v));
	else if (YAJL_IS_NUMBER(v))
		(void)buf_puts(b, YAJL_GET_NUMBER(v));
	else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		(void)buf_puts(b, YAJL_IS_TRUE(v) ? "true" : "false");
	else if (YAJL_IS_OBJECT(v))
		object_json(b, v);
	else if (YAJL_IS_ARRAY(v)) {
		(void)buf_putc(b, '[');
		for (i = 0; i < v->u.array.len; i++) {
			(void)buf_puts(b, i ? "," : "");
			value_json(b, v->u.array.values[i]);
		}
		(void)buf_putc(b, ']');
	} else
		(void)buf_puts(b, "null");
}

/* One member of a notice's data: its name (renamed or as kept), then its
 * value in the shape of every payload. */
static void notice_member_json(struct buf *b, const struct alert *a,
			       const struct config *c, yajl_val root, size_t i)
{
	const char *key = root->u.object.keys[i];
	yajl_val v = root->u.object.values[i], url, sha256;
	size_t k;

	for (k = 0; k < ELEMENTSOF(notice_renames); k++)
		if (strcmp(key, notice_renames[k].from) == 0)
			key = notice_renames[k].to;
	(void)text_json_string(b, key);
	(void)buf_putc(b, ':');
	if (strcmp(key, "dataset") == 0 && YAJL_IS_STRING(v)) {
		url = notice_member(root, "url");
		dataset_json(b, YAJL_GET_STRING(v),
			     YAJL_IS_STRING(url) ? YAJL_GET_STRING(url) : NULL,
			     c);
	} else if (strcmp(key, "release") == 0 && YAJL_IS_INTEGER(v)) {
		sha256 = notice_member(root, "sha256");
		release_json(b, YAJL_GET_INTEGER(v),
			     YAJL_IS_STRING(sha256) ? YAJL_GET_STRING(sha256)
						    : NULL,
			     a->created);
	} else
		value_json(b, v);
}

static void notice_json(struct buf *b, const struct alert *a,
			const struct config *c)
{
	yajl_val root = yajl_tree_parse(a->notice, NULL, 0);
	bool first = true;
	size_t i;

	(void)buf_putc(b, '{');
	for (i = 0; YAJL_IS_OBJECT(root) && i < root->u.object.len; i++) {
		if (notice_folded(root, root->u.object.keys[i]))
			continue;
		(void)buf_puts(b, first ? "" : ",");
		first = false;
		notice_member_json(b, a, c, root, i);
	}
	(void)buf_putc(b, '}');
	yajl_tree_free(root);
}

/* ---- the body ------------------------------------------------------------- */

/* The data of a subscriber's alert: the subscriber, then what the kind
 * of alert says. */
static void subscriber_json(struct buf *b, const struct alert *a,
			    const struct config *c)
{
	(void)buf_putc(b, '{');
	json_member(b, "subscriber", a->subscriber, true);
	if (a->kind == STORE_ALERT_TEST)
		json_member(b, "message", TEST_MESSAGE, false);
	else if (a->kind == STORE_ALERT_EVENT && a->n_events == 1)
		event_json(b, &a->events[0], c);
	else
		events_json(b, a, c);
	(void)buf_putc(b, '}');
}

void webhook_body(const struct alert *a, const struct config *c,
		  struct buf *out)
{
	(void)buf_printf(out, "{\"type\":\"%s\",\"version\":%d,\"id\":\"%s\"",
			 alert_type(a), WEBHOOK_SCHEMA_VERSION, a->id);
	json_key(out, "timestamp", false);
	json_time(out, a->created);
	json_key(out, "data", false);
	if (a->kind == STORE_ALERT_NOTICE)
		notice_json(out, a, c);
	else
		subscriber_json(out, a, c);
	(void)buf_putc(out, '}');
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
