/*
 * drive_api.h: Google Drive's files API, asked by the google_drive source
 * (source_drive.c) whether the file is the newest release's before it is
 * downloaded again.
 *
 *   GET {api_endpoint}/drive/v3/files/{id}?fields=md5Checksum,size,
 *       modifiedTime,name
 *   X-Goog-Api-Key: KEY
 *
 * answers the file's MD5 and size (size as a JSON string of digits: an
 * int64 in Google's JSON).  The same MD5 and size as the newest release's
 * file are "nothing new"; a file the API gives no MD5 for (a Google Docs
 * file) is downloaded as before.  The key goes in that header only, never
 * in a URL, only to api_endpoint's origin, and no redirect is followed
 * (source_api.h).  An error reply is Google's JSON
 * {"error": {"code", "message", "status", "errors": [{"reason"}],
 * "details": [{"reason"}]}}: its reason and message go into the error,
 * escaped, the message left out when it quotes the key.  Nothing here
 * logs.
 */
#ifndef SCRAPEWATCH_DRIVE_API_H
#define SCRAPEWATCH_DRIVE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lib/buf.h"

#define DRIVE_API_MAX_REPLY (64u << 10) /* bytes of a reply, at most */
#define DRIVE_API_FIELDS    "md5Checksum,size,modifiedTime,name"

struct source_request;
struct source_listing;

/* What the files API says of a file. */
struct drive_api_file {
	char md5[33];	   /* md5Checksum in lower case, or "": none */
	int64_t size;	   /* its bytes, or -1: none */
	char modified[64]; /* modifiedTime as sent (RFC 3339), or "" */
	char name[256];	   /* or "" */
};

/* Appends {endpoint}/drive/v3/files/{id, percent-encoded}?fields=...
 * to b.  Returns 0 or -E2BIG. */
int drive_api_url(const char *endpoint, const char *id, struct buf *b);

/*
 * Reads a 200's reply (the parsed JSON) into *ret.  Members it does not
 * ask for are ignored, and any it asks for may be missing.  Returns 0, or
 * -EBADMSG with a sentence in why[size] when the reply is not an object or
 * a member is not what the API sends (md5Checksum not 32 hex digits, size
 * not a whole number of bytes, modifiedTime or name not a string); *ret is
 * written only on success.
 */
int drive_api_file_read(yajl_val reply, struct drive_api_file *ret, char *why,
			size_t size);

/*
 * What Google's error reply (parsed JSON, or NULL) says: its reason (the
 * ErrorInfo's in details, else errors[0].reason, else error.status) into
 * reason[rsize], and error.message into message[msize], each "" when not
 * said and cut to fit.  Not escaped: what a server sent.
 */
void drive_api_error_read(yajl_val reply, char *reason, size_t rsize,
			  char *message, size_t msize);

/* Is f the file of MD5 md5 and size size (the newest release's): both
 * given by the API and equal? */
bool drive_api_same(const struct drive_api_file *f, const char *md5,
		    int64_t size);

/*
 * Asks the files API about rq's dataset's file (its source's api_key and
 * api_endpoint; rq->last_md5 and last_size, the newest release's file).
 * Returns 1 when it is that file (nothing to download), 0 when it is not
 * or the API cannot say (no md5Checksum or no size: download it), or
 * -errno with ret->error saying why, the status and the API's reason:
 * -EACCES (400, 401, 403: the key refused, restricted, or the file not
 * shared), -ENOENT (404), -EAGAIN (429, or a 403 or 503 that is a rate
 * limit: ret->retry_after the wait asked for, or 0), -EBADMSG (not JSON,
 * or not the API's), -EFBIG (over DRIVE_API_MAX_REPLY), -EIO (the
 * transfer, a redirect, another status), -ECANCELED (the process is
 * stopping).
 */
int drive_api_check(const struct source_request *rq,
		    struct source_listing *ret);

#endif
