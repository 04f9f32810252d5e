/*
 * hashid.c: stable identifiers from SHA-256 (hashid.h).
 */
#include "lib/hashid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void hashid_init(struct hashid *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		abort();
	h->ctx = ctx;
}

void hashid_add(struct hashid *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void hashid_add_str(struct hashid *h, const char *s)
{
	hashid_add(h, s, strlen(s) + 1);
}

void hashid_final(struct hashid *h, char out[HASHID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0, i;
	static const char hex[] = "0123456789abcdef";

	EVP_DigestFinal_ex(h->ctx, md, &len);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	for (i = 0; i < HASHID_LEN / 2 && i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[HASHID_LEN] = '\0';
}

void hashid_of(char out[HASHID_LEN + 1], const char *const *parts, size_t n)
{
	struct hashid h;
	size_t i;

	hashid_init(&h);
	for (i = 0; i < n; i++)
		hashid_add_str(&h, parts[i]);
	hashid_final(&h, out);
}
