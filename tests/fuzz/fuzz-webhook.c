/*
 * fuzz-webhook.c: what an alert becomes -- the webhook body and signature
 * (webhook.h) and the email it is rendered into (mailbody.h, mail.h) --
 * for alerts built in memory from hostile strings.
 *
 * Input: a 23-byte head (alert kind and channel, digest period, events
 * and photos per event, event type, how and via a photo matched, photo
 * id, line, photo count, release, times, signing timestamp), then
 * NUL-separated strings: subscriber, dataset name, dataset URL, opt-out
 * route, webhook secret, then per photo its NSID, alias, display name,
 * key, page URL, image URL and licence (what a manifest supplied; reused
 * when the input runs out).  Names that config.c validates (subscriber,
 * dataset) are mapped onto the characters it allows, an owner NSID or
 * alias that flickr.h would not accept is left out (the store only holds
 * validated ones), and identifiers the daemon makes itself (alert and
 * event ids, hashes) are hex.
 *
 * Oracles: the body is one well-formed JSON value (and valid UTF-8 when
 * every string given was); a signature is "v1," and the base64 of the
 * HMAC-SHA256 that OpenSSL computes here over id.timestamp.body with the
 * documented key; and the rendered email builds (mail_build() returns 0)
 * whenever the manifest's strings were UTF-8.
 */
#include <openssl/evp.h>
#include <yajl/yajl_parse.h>

#include "alert/alert.h"
#include "alert/mail.h"
#include "alert/mailbody.h"
#include "alert/webhook.h"
#include "config/config.h"
#include "config/secret.h"
#include "fuzz.h"
#include "lib/buf.h"
#include "lib/text.h"
#include "parse/flickr.h"

#define PHOTO_STRINGS 7
#define MAX_EVENTS    3
#define MAX_PHOTOS    3

/* What the head of the input says. */
struct head {
	uint8_t kind, digest, n_events, n_photos, type, how, via;
	bool email;
	uint64_t photo_id, line;
	int64_t n_total, release, created, signed_at;
};

/* Everything built, to free in one place. */
struct fixture {
	struct alert a;
	struct alert_event events[MAX_EVENTS];
	struct alert_photo photos[MAX_EVENTS][MAX_PHOTOS];
	char *strings[5 + MAX_EVENTS * MAX_PHOTOS * PHOTO_STRINGS];
	size_t n_strings;
	struct config c;
	struct config_dataset dataset;
	struct config_subscriber subscriber;
	bool utf8; /* every string from the input is UTF-8 */
};

static void read_head(struct fuzz_input *in, struct head *h)
{
	uint8_t b = fuzz_byte(in);

	h->kind = (uint8_t)(STORE_ALERT_EVENT + b % 4);
	h->email = b & 4;
	h->digest = (uint8_t)((b >> 3) & 3);
	b = fuzz_byte(in);
	h->n_events = (uint8_t)(b % (MAX_EVENTS + 1));
	h->n_photos = (uint8_t)((b >> 2) % (MAX_PHOTOS + 1));
	b = fuzz_byte(in);
	h->type = (uint8_t)(STORE_EVENT_INCLUDED + b % 4);
	h->how = (uint8_t)(STORE_MATCH_PHOTO + (b >> 2) % 4);
	h->via = (uint8_t)(STORE_VIA_ENTRY + ((b >> 4) & 1));
	h->photo_id = fuzz_uint(in, 5);
	h->line = fuzz_uint(in, 3);
	h->n_total = (int64_t)fuzz_uint(in, 2);
	h->release = (int64_t)fuzz_uint(in, 2);
	/* Times the daemon makes: up to 2^32 s (the year 2106). */
	h->created = (int64_t)fuzz_uint(in, 4);
	h->signed_at = (int64_t)fuzz_uint(in, 4);
}

/* The next string, owned by f; def when the input is used up. */
static char *take(struct fixture *f, struct fuzz_input *in, const char *def)
{
	char *s = fuzz_string(in);

	if (!s)
		s = strdup(def);
	FUZZ_CHECK(s != NULL);
	if (!text_utf8_valid(s, strlen(s)))
		f->utf8 = false;
	f->strings[f->n_strings++] = s;
	return s;
}

/* A name as config.c allows it: 1 to CONFIG_NAME_MAX letters, digits,
 * '.', '_' or '-'.  It does not count against f->utf8. */
static char *take_name(struct fixture *f, struct fuzz_input *in,
		       const char *def)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
				 "TUVWXYZ0123456789._-";
	bool utf8 = f->utf8;
	char *s = take(f, in, def), *p;

	f->utf8 = utf8;
	if (!*s) {
		free(s);
		s = f->strings[f->n_strings - 1] = strdup(def);
	}
	FUZZ_CHECK(s != NULL);
	if (strlen(s) > CONFIG_NAME_MAX)
		s[CONFIG_NAME_MAX] = '\0';
	for (p = s; *p; p++)
		if (!strchr(ok, *p))
			*p = ok[(unsigned char)*p % (sizeof(ok) - 1)];
	return s;
}

/* Lower-case hex of a hash of salt and n, into out (len digits). */
static void hex_id(char *out, size_t len, const char *salt, uint64_t n)
{
	uint64_t h = fuzz_hash(FUZZ_HASH_INIT, salt, strlen(salt));
	size_t i;

	for (i = 0; i < len; i++) {
		h = fuzz_hash(h, &n, sizeof(n));
		out[i] = "0123456789abcdef"[h & 15];
	}
	out[len] = '\0';
}

static void build_photo(struct fixture *f, struct fuzz_input *in,
			const struct head *h, struct alert_photo *p, size_t k)
{
	static const char *const defaults[PHOTO_STRINGS] = {
		"12345678@N00",
		"janedoe",
		"Jane Doe",
		"2999358212",
		"https://www.flickr.com/photos/janedoe/2999358212/",
		"https://farm4.staticflickr.com/3127/2999358212_2cd5ab4f9d.jpg",
		"Attribution-NonCommercial License",
	};
	const char *s[PHOTO_STRINGS];
	size_t i;

	for (i = 0; i < PHOTO_STRINGS; i++)
		s[i] = take(f, in, defaults[i]);
	/* The store holds an owner only once flickr.h has validated it. */
	if (!flickr_nsid_valid(s[0], strlen(s[0])))
		s[0] = "";
	if (!flickr_alias_valid(s[1], strlen(s[1])))
		s[1] = "";
	*p = (struct alert_photo){
		.e = {.id = (int64_t)k + 1,
		      .photo_id = h->photo_id + k,
		      .nsid = s[0],
		      .alias = s[1],
		      .name = s[2],
		      .key_text = s[3],
		      .page_url = s[4],
		      .image_url = s[5],
		      .license = s[6],
		      .line = h->line + k},
		.how = h->how,
		.via = h->via,
	};
}

static void build_event(struct fixture *f, struct fuzz_input *in,
			const struct head *h, size_t i, const char *dataset)
{
	struct alert_event *ev = &f->events[i];
	size_t k;

	*ev = (struct alert_event){
		.type = (enum store_event_type)((h->type + i - 1) % 4 + 1),
		.created = h->created + (int64_t)i,
		.dataset = strdup(dataset),
		.release = h->release,
		.release_time = h->created,
		.n_total = h->n_total,
		.photos = f->photos[i],
		.n_photos = h->n_photos,
	};
	FUZZ_CHECK(ev->dataset != NULL);
	hex_id(ev->id, STORE_EVENT_ID_LEN, "event", i);
	hex_id(ev->release_sha256, 64, "release", (uint64_t)h->release);
	for (k = 0; k < h->n_photos; k++)
		build_photo(f, in, h, &f->photos[i][k], k);
}

static void build_notice(struct alert *a, const char *dataset, const char *why)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	(void)buf_puts(&b, "{\"type\":\"dataset.failing\",\"dataset\":");
	(void)text_json_string(&b, dataset);
	(void)buf_puts(&b, ",\"error\":");
	(void)text_json_string(&b, why);
	(void)buf_putc(&b, '}');
	a->notice = buf_steal(&b);
	snprintf(a->notice_type, sizeof(a->notice_type), "dataset.failing");
}

/* Builds the alert and the config it is rendered with; returns the
 * webhook secret. */
static const char *build(struct fixture *f, struct fuzz_input *in,
			 const struct head *h)
{
	char *subscriber = take_name(f, in, "jane");
	char *dataset = take_name(f, in, "ffhq");
	char *url =
		take(f, in, "https://example.org/ffhq/ffhq-dataset-v2.json");
	char *optout = take(f, in, "mailto:ffhq-removal@example.org");
	bool utf8 = f->utf8;
	/* The secret is not in the body: it does not count against utf8. */
	const char *secret =
		take(f, in, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	size_t i;

	f->utf8 = utf8;
	f->a = (struct alert){
		.subscriber =
			strdup(h->kind == STORE_ALERT_NOTICE ? "" : subscriber),
		.channel =
			h->email ? STORE_CHANNEL_EMAIL : STORE_CHANNEL_WEBHOOK,
		.kind = (enum store_alert_kind)h->kind,
		.created = h->created,
		.due = h->created,
		.events = f->events,
	};
	FUZZ_CHECK(f->a.subscriber != NULL);
	hex_id(f->a.id, STORE_ALERT_ID_LEN, "alert", (uint64_t)h->created);
	if (h->kind == STORE_ALERT_NOTICE)
		build_notice(&f->a, dataset, url);
	else
		f->a.notice = strdup("");
	if (h->kind == STORE_ALERT_EVENT || h->kind == STORE_ALERT_DIGEST)
		for (i = 0; i < h->n_events; i++, f->a.n_events++)
			build_event(f, in, h, i, dataset);
	f->dataset = (struct config_dataset){
		.name = dataset, .url = url, .format = NULL, .optout = optout};
	f->subscriber = (struct config_subscriber){
		.name = subscriber, .digest = (enum config_digest)h->digest};
	f->c = (struct config){.datasets = &f->dataset,
			       .n_datasets = 1,
			       .subscribers = &f->subscriber,
			       .n_subscribers = 1};
	return secret;
}

static void fixture_free(struct fixture *f)
{
	size_t i;

	for (i = 0; i < f->a.n_events; i++)
		free(f->events[i].dataset);
	free(f->a.subscriber);
	free(f->a.notice);
	for (i = 0; i < f->n_strings; i++)
		free(f->strings[i]);
}

/* ---- oracles -------------------------------------------------------------- */

static void check_json(const char *s, size_t len, bool utf8)
{
	yajl_handle y = yajl_alloc(NULL, NULL, NULL);
	yajl_status st;

	FUZZ_CHECK(y != NULL);
	if (!utf8)
		yajl_config(y, yajl_dont_validate_strings, 1);
	st = yajl_parse(y, (const unsigned char *)s, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(y);
	if (st != yajl_status_ok) {
		unsigned char *why =
			yajl_get_error(y, 1, (const unsigned char *)s, len);

		fprintf(stderr, "webhook body is not JSON: %s\n%s\n",
			(const char *)why, s);
		yajl_free_error(y, why);
	}
	yajl_free(y);
	FUZZ_CHECK(st == yajl_status_ok);
}

/* The signing key as webhook.h documents it, decoded with OpenSSL's
 * streaming base64 decoder.  Returns its length, or -1 if not base64. */
static int documented_key(const char *secret, unsigned char *key, int size)
{
	EVP_ENCODE_CTX *ctx;
	int n = 0, m = 0, len;

	if (strncmp(secret, "whsec_", 6) != 0) {
		len = (int)strlen(secret);
		if (len > size)
			return -1;
		memcpy(key, secret, (size_t)len);
		return len;
	}
	len = (int)strlen(secret + 6);
	if (len == 0 || len / 4 * 3 > size)
		return -1;
	ctx = EVP_ENCODE_CTX_new();
	FUZZ_CHECK(ctx != NULL);
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, key, &n, (const unsigned char *)secret + 6,
			     len) < 0 ||
	    EVP_DecodeFinal(ctx, key + n, &m) < 0)
		n = -1, m = 0;
	EVP_ENCODE_CTX_free(ctx);
	return n < 0 ? -1 : n + m;
}

static void check_signature(const char *secret, const char *id,
			    int64_t timestamp, const struct buf *body)
{
	char sig[WEBHOOK_SIGNATURE_MAX], want[64], ts[24];
	unsigned char key[256 + 64], mac[32];
	struct buf msg;
	size_t mac_len = 0;
	int r, key_len;

	memset(sig, 0x5a, sizeof(sig));
	r = webhook_sign(secret, id, timestamp, body->data, body->len, sig);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	FUZZ_CHECK(secret_webhook_check(secret) == r); /* config's check */
	key_len = documented_key(secret, key, 256);
	if (r < 0)
		return;
	FUZZ_CHECK(memchr(sig, '\0', sizeof(sig)) != NULL);
	FUZZ_CHECK(strncmp(sig, "v1,", 3) == 0 && strlen(sig) == 3 + 44);
	if (key_len < 0)
		return; /* accepted where OpenSSL's decoder is stricter */
	snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	buf_init(&msg, SIZE_MAX);
	(void)buf_printf(&msg, "%s.%s.", id, ts);
	(void)buf_append(&msg, body->data, body->len);
	FUZZ_CHECK(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key,
			     (size_t)key_len, (const unsigned char *)msg.data,
			     msg.len, mac, sizeof(mac), &mac_len) != NULL);
	buf_free(&msg);
	EVP_EncodeBlock((unsigned char *)want, mac, (int)mac_len);
	if (strcmp(sig + 3, want) != 0) {
		fprintf(stderr, "signature %s, expected v1,%s (key %d bytes)\n",
			sig, want, key_len);
		FUZZ_CHECK(!"webhook_sign() used another key");
	}
}

static void check_mail(const struct fixture *f)
{
	struct mailbody m;
	struct buf out;
	char err[512] = "";
	int r;

	mailbody_render(&f->a, &f->c, &m);
	FUZZ_CHECK(memchr(m.subject, '\0', sizeof(m.subject)) != NULL);
	buf_init(&out, SIZE_MAX);
	r = mail_build(&(struct mail_message){.from = "scrapewatch "
						      "<alerts@example.org>",
					      .to = "jane@example.org",
					      .subject = m.subject,
					      .message_id = "a1@example.org",
					      .text = m.text.data,
					      .html = m.html.data,
					      .date = f->a.created},
		       &out, err, sizeof(err));
	if (r < 0 && f->utf8) {
		fprintf(stderr, "mail_build: %s\n", err);
		FUZZ_CHECK(!"a rendered alert does not build into an email");
	}
	buf_free(&out);
	mailbody_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct fixture f = {.utf8 = true};
	struct head h;
	struct buf body;
	const char *secret;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	read_head(&in, &h);
	secret = build(&f, &in, &h);
	buf_init(&body, SIZE_MAX);
	webhook_body(&f.a, &f.c, &body);
	check_json(body.data, body.len, f.utf8);
	check_signature(secret, f.a.id, h.signed_at, &body);
	check_mail(&f);
	buf_free(&body);
	fixture_free(&f);
	return 0;
}
