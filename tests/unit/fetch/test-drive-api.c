/* test-drive-api.c: the replies of Google Drive's files API, read: a file's
 * MD5 (in lower case), its size (an int64 as Google writes one: a string of
 * digits), a Google Docs file without either, members of the wrong kind
 * refused with the reason; Google's error replies read for their reason and
 * message; the same file told from another; and the request's URL. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "fetch/drive_api.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "test.h"

#define MD5 "425ae20f06a4da1d4dc0f46d40ba5fd6"

static const struct {
	const char *name;
	const char *json;
	int r;		 /* drive_api_file_read()'s return */
	const char *md5; /* read, or the reason why not */
	long long size;	 /* read */
	const char *modified, *file;
} replies[] = {
	{"the whole reply",
	 "{\"md5Checksum\": \"" MD5 "\", \"size\": \"267793842\", "
	 "\"modifiedTime\": \"2019-06-25T12:00:00.000Z\", \"name\": "
	 "\"ffhq-dataset-v2.json\"}",
	 0, MD5, 267793842, "2019-06-25T12:00:00.000Z", "ffhq-dataset-v2.json"},
	{"an MD5 in upper case, kept in lower",
	 "{\"md5Checksum\": \"425AE20F06A4DA1D4DC0F46D40BA5FD6\", \"size\": "
	 "\"1\"}",
	 0, MD5, 1, "", ""},
	{"a size as a number", "{\"md5Checksum\": \"" MD5 "\", \"size\": 42}",
	 0, MD5, 42, "", ""},
	{"a size of 0", "{\"md5Checksum\": \"" MD5 "\", \"size\": \"0\"}", 0,
	 MD5, 0, "", ""},
	{"members not asked for are ignored",
	 "{\"kind\": \"drive#file\", \"md5Checksum\": \"" MD5 "\", \"size\": "
	 "\"7\", \"owners\": [{\"x\": 1}]}",
	 0, MD5, 7, "", ""},
	{"a Google Docs file: no MD5, no size",
	 "{\"modifiedTime\": \"2024-01-01T00:00:00Z\", \"name\": \"Notes\"}", 0,
	 "", -1, "2024-01-01T00:00:00Z", "Notes"},
	{"an empty object", "{}", 0, "", -1, "", ""},
	{"not an object", "[\"" MD5 "\"]", -EBADMSG,
	 "the reply is not a JSON object", 0, NULL, NULL},
	{"an MD5 too short", "{\"md5Checksum\": \"425ae20f\"}", -EBADMSG,
	 "its md5Checksum is not 32 hex digits", 0, NULL, NULL},
	{"an MD5 not hex",
	 "{\"md5Checksum\": \"425ae20f06a4da1d4dc0f46d40ba5fdg\"}", -EBADMSG,
	 "its md5Checksum is not 32 hex digits", 0, NULL, NULL},
	{"an MD5 as a number", "{\"md5Checksum\": 425}", -EBADMSG,
	 "its md5Checksum is not 32 hex digits", 0, NULL, NULL},
	{"an MD5 of null", "{\"md5Checksum\": null}", -EBADMSG,
	 "its md5Checksum is not 32 hex digits", 0, NULL, NULL},
	{"a negative size", "{\"md5Checksum\": \"" MD5 "\", \"size\": \"-1\"}",
	 -EBADMSG, "its size is not a whole number of bytes", 0, NULL, NULL},
	{"a negative size as a number", "{\"size\": -5}", -EBADMSG,
	 "its size is not a whole number of bytes", 0, NULL, NULL},
	{"a size with letters", "{\"size\": \"12a\"}", -EBADMSG,
	 "its size is not a whole number of bytes", 0, NULL, NULL},
	{"an empty size", "{\"size\": \"\"}", -EBADMSG,
	 "its size is not a whole number of bytes", 0, NULL, NULL},
	{"a size past int64", "{\"size\": \"99999999999999999999\"}", -EBADMSG,
	 "its size is not a whole number of bytes", 0, NULL, NULL},
	{"a fractional size", "{\"size\": 1.5}", -EBADMSG,
	 "its size is not a whole number of bytes", 0, NULL, NULL},
	{"a name that is no string",
	 "{\"md5Checksum\": \"" MD5 "\", \"name\": 7}", -EBADMSG,
	 "its name is not a string", 0, NULL, NULL},
	{"a modifiedTime that is no string", "{\"modifiedTime\": {}}", -EBADMSG,
	 "its modifiedTime is not a string", 0, NULL, NULL},
};

static yajl_val parse(const char *json)
{
	char why[256];
	yajl_val v = yajl_tree_parse(json, why, sizeof(why));

	if (!v)
		TEST_FAIL("test JSON does not parse: %s", why);
	return v;
}

TEST(file_replies_are_read_or_refused_with_the_reason)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(replies); i++) {
		yajl_val v = parse(replies[i].json);
		struct drive_api_file f = {.md5 = "untouched"};
		char why[128] = "";
		int r = drive_api_file_read(v, &f, why, sizeof(why));

		if (r != replies[i].r)
			TEST_FAIL("%s: returned %d, expected %d (%s)",
				  replies[i].name, r, replies[i].r, why);
		else if (r < 0 && strcmp(why, replies[i].md5) != 0)
			TEST_FAIL("%s: why '%s', expected '%s'",
				  replies[i].name, why, replies[i].md5);
		else if (r < 0 && strcmp(f.md5, "untouched") != 0)
			TEST_FAIL("%s: the result was written on failure",
				  replies[i].name);
		else if (r == 0 &&
			 (strcmp(f.md5, replies[i].md5) != 0 ||
			  f.size != replies[i].size ||
			  strcmp(f.modified, replies[i].modified) != 0 ||
			  strcmp(f.name, replies[i].file) != 0))
			TEST_FAIL("%s: read '%s' %lld '%s' '%s'",
				  replies[i].name, f.md5, (long long)f.size,
				  f.modified, f.name);
		yajl_tree_free(v);
	}
}

TEST(a_long_name_is_cut_to_fit)
{
	char json[1024], name[600];
	struct drive_api_file f;
	yajl_val v;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(json, sizeof(json), "{\"name\": \"%s\"}", name);
	v = parse(json);
	CHECK_INT(drive_api_file_read(v, &f, json, sizeof(json)), 0);
	CHECK_INT(strlen(f.name), sizeof(f.name) - 1);
	yajl_tree_free(v);
}

static const struct {
	const char *name;
	const char *json; /* NULL: a body that was not JSON */
	const char *reason, *message;
} errors[] = {
	{"a key not valid: the ErrorInfo's reason",
	 "{\"error\": {\"code\": 400, \"message\": \"API key not valid. Please "
	 "pass a valid API key.\", \"errors\": [{\"message\": \"API key not "
	 "valid.\", \"domain\": \"global\", \"reason\": \"badRequest\"}], "
	 "\"status\": \"INVALID_ARGUMENT\", \"details\": [{\"@type\": "
	 "\"type.googleapis.com/google.rpc.ErrorInfo\", \"reason\": "
	 "\"API_KEY_INVALID\", \"domain\": \"googleapis.com\"}]}}",
	 "API_KEY_INVALID", "API key not valid. Please pass a valid API key."},
	{"a missing file: errors[0]'s reason",
	 "{\"error\": {\"code\": 404, \"message\": \"File not found: x.\", "
	 "\"errors\": [{\"reason\": \"notFound\", \"location\": \"fileId\"}]}}",
	 "notFound", "File not found: x."},
	{"only a status",
	 "{\"error\": {\"code\": 403, \"status\": \"PERMISSION_DENIED\"}}",
	 "PERMISSION_DENIED", ""},
	{"details without a reason fall back",
	 "{\"error\": {\"details\": [{\"@type\": \"x\"}], \"errors\": "
	 "[{\"reason\": \"rateLimitExceeded\"}], \"message\": \"slow down\"}}",
	 "rateLimitExceeded", "slow down"},
	{"members of the wrong kind say nothing",
	 "{\"error\": {\"errors\": \"notFound\", \"message\": 5, \"status\": "
	 "[]}}",
	 "", ""},
	{"not Google's error", "{\"detail\": \"Not Found\"}", "", ""},
	{"not JSON at all", NULL, "", ""},
};

TEST(error_replies_give_their_reason_and_message)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(errors); i++) {
		yajl_val v = errors[i].json ? parse(errors[i].json) : NULL;
		char reason[64] = "x", message[256] = "x";

		drive_api_error_read(v, reason, sizeof(reason), message,
				     sizeof(message));
		if (strcmp(reason, errors[i].reason) != 0 ||
		    strcmp(message, errors[i].message) != 0)
			TEST_FAIL("%s: '%s' '%s'", errors[i].name, reason,
				  message);
		if (v)
			yajl_tree_free(v);
	}
}

TEST(an_error_message_is_cut_to_fit)
{
	yajl_val v = parse("{\"error\": {\"message\": \"0123456789\", "
			   "\"status\": \"RESOURCE_EXHAUSTED\"}}");
	char reason[6], message[5];

	drive_api_error_read(v, reason, sizeof(reason), message,
			     sizeof(message));
	CHECK_STR(reason, "RESOU");
	CHECK_STR(message, "0123");
	yajl_tree_free(v);
}

TEST(the_same_file_needs_its_md5_and_size)
{
	struct drive_api_file f = {.md5 = MD5, .size = 10};
	struct drive_api_file none = {.md5 = "", .size = -1};
	struct drive_api_file no_size = {.md5 = MD5, .size = -1};

	CHECK(drive_api_same(&f, MD5, 10));
	CHECK(!drive_api_same(&f, "d5dff1aeb0d9e6a8e5b704eb3549b9e1", 10));
	CHECK(!drive_api_same(&f, MD5, 11));
	CHECK(!drive_api_same(&f, NULL, 10));
	/* A Google Docs file is never "the same": it is downloaded. */
	CHECK(!drive_api_same(&none, "", -1));
	CHECK(!drive_api_same(&no_size, MD5, -1));
}

TEST(the_url_names_the_file_and_the_fields)
{
	struct buf b;

	buf_init(&b, 4096);
	CHECK_INT(drive_api_url("https://www.googleapis.com",
				"16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA", &b),
		  0);
	CHECK_STR(b.data, "https://www.googleapis.com/drive/v3/files/"
			  "16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA"
			  "?fields=md5Checksum,size,modifiedTime,name");
	buf_reset(&b);
	/* The id is a path segment: nothing in it leaves it. */
	CHECK_INT(drive_api_url("http://127.0.0.1:8080/base", "a/b?c", &b), 0);
	CHECK_STR(b.data,
		  "http://127.0.0.1:8080/base/drive/v3/files/"
		  "a%2Fb%3Fc?fields=md5Checksum,size,modifiedTime,name");
	buf_free(&b);
	buf_init(&b, 40);
	CHECK_INT(drive_api_url("https://www.googleapis.com", "x", &b), -E2BIG);
	buf_free(&b);
}
