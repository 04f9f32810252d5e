/* test-redact.c: URLs shown without their secrets: userinfo and secret
 * query values replaced, everything else kept byte for byte, in a URL alone
 * and in running text. */
#include <stdlib.h>

#include "lib/redact.h"
#include "test.h"

static void check_url(const char *in, const char *want)
{
	char out[512];

	char *whole = redact_url_new(in);

	CHECK_STR(redact_url(in, out, sizeof(out)), want);
	/* The allocating form gives the same, never cut. */
	CHECK_STR(whole, want);
	free(whole);
}

TEST(urls)
{
	check_url("https://example.org/data/v2.json",
		  "https://example.org/data/v2.json");
	check_url("https://user:pass@example.org/x",
		  "https://REDACTED@example.org/x");
	check_url("https://user@example.org:8443/x?a=1",
		  "https://REDACTED@example.org:8443/x?a=1");
	/* A signed redirect (S3, the Hugging Face CDN). */
	check_url("https://cdn.example/f.parquet?X-Amz-Algorithm=AWS4&"
		  "X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=abc123&"
		  "X-Amz-Expires=3600",
		  "https://cdn.example/f.parquet?X-Amz-Algorithm=AWS4&"
		  "X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&"
		  "X-Amz-Expires=3600");
	check_url("http://h/p?access_token=t0k&page=2#frag?token=x",
		  "http://h/p?access_token=REDACTED&page=2#frag?token=x");
	check_url("https://h/p?API_KEY=k&flag&sig=",
		  "https://h/p?API_KEY=REDACTED&flag&sig=REDACTED");
	/* An '@' in the path is not a userinfo. */
	check_url("https://www.flickr.com/photos/12345678@N00/1/",
		  "https://www.flickr.com/photos/12345678@N00/1/");
	check_url("not a url", "not a url");
}

TEST(text)
{
	char out[512];

	CHECK_STR(redact_text("https://u:p@h/x: HTTP 404 (from "
			      "https://h/y?token=s3cret&a=b).",
			      out, sizeof(out)),
		  "https://REDACTED@h/x: HTTP 404 (from "
		  "https://h/y?token=REDACTED&a=b).");
	CHECK_STR(redact_text("no url here, httpd says hi", out, sizeof(out)),
		  "no url here, httpd says hi");
	CHECK_STR(redact_text("", out, sizeof(out)), "");
	/* Cut to the buffer, always terminated. */
	CHECK_STR(redact_text("https://h/p?key=v", out, 12), "https://h/p");
}
