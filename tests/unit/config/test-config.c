/*
 * test-config.c: the configuration loader.
 *
 * A table of broken configurations, each with the first message a user
 * must see (file:line:column and what was expected), and good
 * configurations whose loaded values are checked field by field.
 */
#include <errno.h>
#include <unistd.h>

#include "config/catalogue.h"
#include "config/config.h"
#include "lib/macro.h"
#include "test.h"
#include "testutil.h"

/* A subscriber and smtp section that make the rest of a config valid. */
/* A signing secret of 32 bytes, as Standard Webhooks writes one. */
#define TEST_WEBHOOK_SECRET "whsec_c2NyYXBld2F0Y2ggdW5pdCB0ZXN0IHNlY3JldCEhISE="
#define SMTP		    "smtp: { url: smtps://mail.example.org, from: sw@example.org }\n"

static const struct {
	const char *name;
	const char *yaml;
	const char *error; /* first line, after "<file>:" */
} bad[] = {
	{"unknown top-level key with a hint", "datsets: []\n",
	 "1:1: unknown key 'datsets' in the configuration; did you mean "
	 "'datasets'?"},
	{"unknown dataset key with a hint",
	 "datasets:\n  - name: ffhq\n    url: https://example.org/f.json\n"
	 "    format: ffhq\n    intreval: 6h\n",
	 "5:5: unknown key 'intreval' in dataset; did you mean 'interval'?"},
	{"unknown key far from any",
	 "datasets:\n  - name: ffhq\n    url: https://example.org/f.json\n"
	 "    format: ffhq\n    colour: blue\n",
	 "5:5: unknown key 'colour' in dataset"},
	{"datasets is not a list", "datasets:\n  name: ffhq\n",
	 "2:3: expected a list of datasets"},
	{"duration with words", "defaults:\n  interval: 6 hours\n",
	 "2:13: expected a duration like 90s, 30m, 6h or 7d (at most 365d), "
	 "found '6 hours'"},
	{"duration without unit", "defaults: { interval: 90 }\n",
	 "1:23: expected a duration like 90s, 30m, 6h or 7d (at most 365d), "
	 "found '90'"},
	{"no source", "datasets:\n  - name: ffhq\n    format: ffhq\n",
	 "2:5: dataset needs a source: one of 'url', 'urls', 'huggingface', "
	 "'github' or 'google_drive', or 'use' for an entry of the catalogue"},
	{"two sources",
	 "datasets:\n  - name: ffhq\n    url: https://e.org/f.json\n"
	 "    google_drive: { id: 16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA }\n"
	 "    format: ffhq\n",
	 "4:19: 'google_drive' given together with 'url': a dataset has one "
	 "source"},
	{"urls not a list",
	 "datasets:\n  - { name: oi, urls: https://e.org/a.csv, format: paths }\n",
	 "2:23: expected a list of URLs for 'urls'"},
	{"urls listed twice",
	 "datasets:\n  - { name: oi, format: paths, urls: [https://e.org/a, "
	 "https://e.org/a] }\n",
	 "2:56: URL listed twice in 'urls'"},
	{"urls with a bad scheme",
	 "datasets:\n  - { name: oi, format: paths, urls: [ftp://e.org/a] }\n",
	 "2:39: unsupported dataset URL 'ftp://e.org/a' (expected a URL "
	 "starting with https://, http://, file://)"},
	{"sha256 pin on several files",
	 "datasets:\n  - { name: oi, format: paths, urls: [https://e.org/a], "
	 "sha256: "
	 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 }\n",
	 "2:5: dataset 'oi': 'sha256' pins one file; a release of several "
	 "files is pinned by its revision"},
	{"md5 pin on several files",
	 "datasets:\n  - { name: oi, format: paths, urls: [https://e.org/a], "
	 "md5: 425ae20f06a4da1d4dc0f46d40ba5fd6 }\n",
	 "2:5: dataset 'oi': 'md5' pins one file; a release of several "
	 "files is pinned by its revision"},
	{"md5 pin on a hub's files",
	 "datasets:\n  - { name: l, format: paths, huggingface: { repo: a/b }, "
	 "md5: 425ae20f06a4da1d4dc0f46d40ba5fd6 }\n",
	 "2:5: dataset 'l': 'md5' pins one file; a release of several "
	 "files is pinned by its revision"},
	{"md5 pin on a GitHub path",
	 "datasets:\n  - { name: g, format: paths, github: { repo: a/b, "
	 "path: x.txt }, md5: 425ae20f06a4da1d4dc0f46d40ba5fd6 }\n",
	 "2:5: dataset 'g': 'md5' pins one file; a release of several "
	 "files is pinned by its revision"},
	{"huggingface repo not OWNER/NAME",
	 "datasets:\n  - { name: l, format: paths, huggingface: { repo: "
	 "laion } }\n",
	 "2:52: a repository is OWNER/NAME (letters, digits, '-', '_' and '.'), "
	 "like 'laion/laion2B-en'"},
	{"huggingface needs a repo",
	 "datasets:\n  - { name: l, format: paths, huggingface: { files: "
	 "'*.txt' } }\n",
	 "2:44: huggingface lacks required key 'repo'"},
	{"huggingface token inline",
	 "datasets:\n  - { name: l, format: paths, huggingface: { repo: a/b, "
	 "token: hf_abc } }\n",
	 "2:64: secrets are never written inline; use { credential: NAME } "
	 "(systemd LoadCredential=) or { file: PATH } (a file only the daemon "
	 "can read)"},
	{"endpoint with a query",
	 "datasets:\n  - { name: l, format: paths, huggingface: { repo: a/b, "
	 "endpoint: 'https://hf.example/?x=1' } }\n",
	 "2:67: an endpoint is a base URL, without '?' or '#'"},
	{"drive api_key inline",
	 "datasets:\n  - name: f\n    format: ffhq\n"
	 "    google_drive: { id: 1abcdefghijk, api_key: AIzaSyFake }\n",
	 "4:48: secrets are never written inline; use { credential: NAME } "
	 "(systemd LoadCredential=) or { file: PATH } (a file only the daemon "
	 "can read)"},
	{"drive api_key from a missing credential",
	 "datasets:\n  - name: f\n    format: ffhq\n"
	 "    google_drive:\n      id: 1abcdefghijk\n"
	 "      api_key: { credential: drive-key }\n",
	 "6:16: credential 'drive-key' is not available: "
	 "$CREDENTIALS_DIRECTORY is not set; run under systemd with "
	 "LoadCredential=drive-key:/path/to/secret, or write { file: PATH } "
	 "instead"},
	{"drive api_key beside a source of the dataset's own",
	 "datasets:\n  - name: f\n    format: ffhq\n"
	 "    google_drive: { id: 1abcdefghijk }\n"
	 "    api_key: { credential: drive-key }\n",
	 "5:5: 'api_key' may only be set beside 'use'; a dataset's own Google "
	 "Drive source takes it inside 'google_drive'"},
	{"drive api_endpoint with a fragment",
	 "datasets:\n  - name: f\n    format: ffhq\n"
	 "    google_drive: { id: 1abcdefghijk, api_endpoint: "
	 "'https://apis.example/#x' }\n",
	 "4:53: an endpoint is a base URL, without '?' or '#'"},
	{"drive api_endpoint not http",
	 "datasets:\n  - name: f\n    format: ffhq\n"
	 "    google_drive: { id: 1abcdefghijk, api_endpoint: "
	 "'ftp://apis.example' }\n",
	 "4:53: unsupported endpoint URL 'ftp://apis.example' (expected a URL "
	 "starting with https://, http://)"},
	{"api_key is not a hub's key",
	 "datasets:\n  - { name: l, format: paths, huggingface: { repo: a/b, "
	 "api_key: { credential: k } } }\n",
	 "2:57: unknown key 'api_key' in huggingface"},
	{"revision with a space",
	 "datasets:\n  - { name: l, format: paths, huggingface: { repo: a/b, "
	 "revision: 'a b' } }\n",
	 "2:5: dataset 'l': revision or ref 'a b' is not a plain branch, tag "
	 "or commit name"},
	{"github needs a path",
	 "datasets:\n  - { name: g, format: paths, github: { repo: a/b } }\n",
	 "2:39: github lacks required key 'path'"},
	{"github path outside the repository",
	 "datasets:\n  - { name: g, format: paths, github: { repo: a/b, "
	 "path: ../x } }\n",
	 "2:5: dataset 'g': '../x' is not a path inside the repository"},
	{"google drive id too short",
	 "datasets:\n  - { name: f, format: ffhq, google_drive: { id: abc } }\n",
	 "2:50: a Google Drive file id is 10 to 128 letters, digits, '-' and "
	 "'_' (the part after 'id=' or '/d/' in its link)"},
	{"empty value",
	 "datasets:\n  - name: ffhq\n    url:\n    format: ffhq\n",
	 "3:9: expected a dataset URL, found nothing"},
	{"unsupported dataset URL scheme",
	 "datasets:\n  - { name: a, url: 'ftp://example.org/a.csv', format: paths }\n",
	 "2:21: unsupported dataset URL 'ftp://example.org/a.csv' (expected a "
	 "URL starting with https://, http://, file://)"},
	{"unknown format",
	 "datasets:\n  - { name: laion, url: https://e.org/l, format: webdataset "
	 "}\n",
	 "2:50: unknown format 'webdataset' (expected one of: yfcc100m, ffhq, "
	 "csv, tsv, json, jsonl, paths, sqlite, parquet)"},
	{"csv needs columns",
	 "datasets:\n  - { name: dif, url: https://e.org/d.csv, format: csv }\n",
	 "2:5: dataset 'dif': format csv needs 'columns' to say which entry "
	 "fields to read (e.g. columns: { url: 0 })"},
	{"column names without a header",
	 "datasets:\n  - name: dif\n    url: https://e.org/d.csv\n"
	 "    format: csv\n    header: false\n    columns: { url: ImageURL }\n",
	 "2:5: dataset 'dif': with 'header: false' columns are numbers (from 0), "
	 "not names like 'ImageURL'"},
	{"a JSON path the format refuses",
	 "datasets:\n  - name: coco\n    url: https://e.org/c.json\n"
	 "    format: json\n    records: 'images[]'\n"
	 "    fields: { image_url: 'a..b' }\n",
	 "2:5: dataset 'coco': format json cannot use these options (check "
	 "'records', 'fields' and 'columns')"},
	{"columns on a json dataset",
	 "datasets:\n  - name: coco\n    url: https://e.org/c.json\n"
	 "    format: json\n    columns: { url: 3 }\n",
	 "2:5: dataset 'coco': 'columns' applies to format csv, tsv, sqlite or "
	 "parquet, "
	 "not json"},
	{"unknown entry field",
	 "datasets:\n  - name: dif\n    url: https://e.org/d.csv\n"
	 "    format: csv\n    columns: { link: 0 }\n",
	 "5:16: unknown entry field 'link' in 'columns' (expected key, photo_id, "
	 "url, page_url, image_url, owner_nsid, owner_alias, owner_name, "
	 "owner_url, license or path)"},
	{"duplicate dataset name",
	 "datasets:\n  - { name: ffhq, url: https://e.org/1, format: ffhq }\n"
	 "  - { name: ffhq, url: https://e.org/2, format: ffhq }\n",
	 "3:5: dataset 'ffhq' is defined twice (first at {file}:2)"},
	{"bad dataset name",
	 "datasets:\n  - { name: 'my set', url: https://e.org/1, format: ffhq }\n",
	 "2:5: dataset name 'my set' must be letters, digits, '.', '_' or '-' "
	 "(at most 64)"},
	{"key given twice",
	 "datasets:\n  - name: a\n    url: https://e.org/1\n    format: ffhq\n"
	 "    format: csv\n",
	 "5:5: key 'format' given twice in dataset"},
	{"bad sha256 pin",
	 "datasets:\n  - { name: a, url: https://e.org/1, format: ffhq, sha256: abc }\n",
	 "2:60: expected a SHA-256 hash (64 hex digits), found 'abc'"},
	{"bad md5 pin",
	 "datasets:\n  - { name: a, url: https://e.org/1, format: ffhq, md5: "
	 "425ae20f06a4da1d4dc0f46d40ba5fdZ }\n",
	 "2:57: expected an MD5 hash (32 hex digits), found "
	 "'425ae20f06a4da1d4dc0f46d40ba5fdZ'"},
	{"md5 pin too long",
	 "datasets:\n  - { name: a, url: https://e.org/1, format: ffhq, md5: "
	 "425ae20f06a4da1d4dc0f46d40ba5fd60 }\n",
	 "2:57: expected an MD5 hash (32 hex digits), found "
	 "'425ae20f06a4da1d4dc0f46d40ba5fd60'"},
	{"md5 pin not a scalar",
	 "datasets:\n  - { name: a, url: https://e.org/1, format: ffhq, md5: "
	 "[425ae20f06a4da1d4dc0f46d40ba5fd6] }\n",
	 "2:57: expected an MD5 hash, found a list"},
	{"inline token in a header",
	 "datasets:\n  - name: a\n    url: https://e.org/1\n    format: ffhq\n"
	 "    headers: { X-Api-Key: abc123 }\n",
	 "5:27: secrets are never written inline; use { credential: NAME } "
	 "(systemd LoadCredential=) or { file: PATH } (a file only the daemon "
	 "can read)"},
	{"header scrapewatch sets itself",
	 "datasets:\n  - name: a\n    url: https://e.org/1\n    format: ffhq\n"
	 "    headers: { Range: bytes=0- }\n",
	 "5:16: header 'Range' is set by scrapewatch itself"},
	{"header name with a space",
	 "datasets:\n  - name: a\n    url: https://e.org/1\n    format: ffhq\n"
	 "    headers: { 'X Thing': yes }\n",
	 "5:16: 'X Thing' is not an HTTP header name"},
	{"header value with a newline",
	 "datasets:\n  - name: a\n    url: https://e.org/1\n    format: ffhq\n"
	 "    headers: { Accept: \"a\\nb\" }\n",
	 "5:24: the value of header 'Accept' holds a control character"},
	{"inline bearer token",
	 "datasets:\n  - name: a\n    url: https://e.org/1\n    format: ffhq\n"
	 "    bearer: abc123\n",
	 "5:13: secrets are never written inline; use { credential: NAME } "
	 "(systemd LoadCredential=) or { file: PATH } (a file only the daemon "
	 "can read)"},
	{"auth without a password",
	 "datasets:\n  - name: a\n    url: https://e.org/1\n    format: ffhq\n"
	 "    auth: { user: reader }\n",
	 "5:11: auth lacks required key 'password'"},
	{"unknown fetch key with a hint", "fetch: { conect_timeout: 10s }\n",
	 "1:10: unknown key 'conect_timeout' in fetch; did you mean "
	 "'connect_timeout'?"},
	{"keep_releases not a number", "fetch: { keep_releases: all }\n",
	 "1:25: expected a whole number from 0, found 'all'"},
	{"max_download not a size",
	 "datasets:\n  - { name: a, url: https://e.org/1, format: ffhq, "
	 "max_download: lots }\n",
	 "2:66: expected a size like 512M, 20G or 2T, found 'lots'"},
	{"zero timeout", "fetch: { timeout: 0s }\n",
	 "1:19: expected a duration like 90s, 30m, 6h or 7d (at most 365d), "
	 "found '0s'"},
	{"contact with a newline", "fetch: { contact: \"a\\nb\" }\n",
	 "1:8: 'contact' holds a control character"},
	{"alerts: retries not a list", "alerts: { webhook_retries: 5s }\n",
	 "1:28: expected a list of durations, like [5s, 5m, 30m]"},
	{"alerts: a retry that is not a duration",
	 "alerts: { email_retries: [1m, soon] }\n",
	 "1:31: expected a duration like 90s, 30m, 6h or 7d (at most 365d), "
	 "found 'soon'"},
	{"alerts: unsubscribe over http",
	 "alerts: { unsubscribe: http://e.org/u }\n",
	 "1:24: expected a mailto: address or an https:// URL, found "
	 "'http://e.org/u'"},
	{"alerts: zero concurrency", "alerts: { concurrency: 0 }\n",
	 "1:24: expected a positive whole number, found '0'"},
	{"operator without a channel", "operator: { failing_after: 2 }\n",
	 "1:11: the operator has no channel: give 'email', 'webhook' or both"},
	{"operator webhook without a secret",
	 "operator: { webhook: https://ops.example.org/h }\n",
	 "1:11: the operator's webhook needs a 'secret' to sign with"},
	{"operator email without smtp",
	 "operator: { email: ops@example.org }\n",
	 "1:11: the operator has an email channel, but no 'smtp' section "
	 "says how to send mail"},
	{"unknown operator key with a hint",
	 "operator: { emial: ops@example.org }\n",
	 "1:13: unknown key 'emial' in operator; did you mean 'email'?"},
	{"bool that is not one",
	 "datasets:\n  - { name: a, url: https://e.org/1, format: yfcc100m, "
	 "ownership: maybe }\n",
	 "2:67: expected true or false, found 'maybe'"},
	{"NSID with a short suffix",
	 SMTP "subscribers: { jane: { email: jane@example.org } }\n"
	      "watch:\n  - subscriber: jane\n    flickr: { nsid: 1234@N1 }\n",
	 "5:21: '1234@N1' is not a Flickr NSID (expected digits@Nxx, like "
	 "12345678@N00)"},
	{"NSID with letters",
	 SMTP "subscribers: { jane: { email: jane@example.org } }\n"
	      "watch:\n  - subscriber: jane\n    flickr: { nsid: abc@N00 }\n",
	 "5:21: 'abc@N00' is not a Flickr NSID (expected digits@Nxx, like "
	 "12345678@N00)"},
	{"alias with a space",
	 SMTP
	 "subscribers: { jane: { email: jane@example.org } }\n"
	 "watch:\n  - subscriber: jane\n    flickr: { alias: 'jane doe' }\n",
	 "5:22: 'jane doe' is not a Flickr path alias (letters, digits, '-' and "
	 "'_', not all digits)"},
	{"watch names an unknown subscriber",
	 SMTP "subscribers: { jane: { email: jane@example.org } }\n"
	      "watch:\n  - subscriber: jnae\n    flickr: { alias: janedoe }\n",
	 "4:5: watch names subscriber 'jnae', which is not defined under "
	 "'subscribers'"},
	{"watch without anything to watch",
	 SMTP "subscribers: { jane: { email: jane@example.org } }\n"
	      "watch:\n  - subscriber: jane\n",
	 "4:5: a watch needs 'flickr' (an account) or 'photos' / 'photos_file'"},
	{"photo that is not one",
	 SMTP "subscribers: { jane: { email: jane@example.org } }\n"
	      "watch:\n  - subscriber: jane\n    photos: [ 123456, hello ]\n",
	 "5:23: 'hello' is not a Flickr photo id or photo URL"},
	{"duplicate subscriber",
	 SMTP "subscribers:\n  jane: { email: jane@example.org }\n"
	      "  jane: { email: other@example.org }\n",
	 "4:3: subscriber 'jane' is defined twice (first at {file}:3)"},
	{"subscriber without channel",
	 SMTP "subscribers:\n  jane: { digest: daily }\n",
	 "3:3: subscriber 'jane' has no channel: give 'email', 'webhook' or both"},
	{"bad email",
	 SMTP "subscribers:\n  jane: { email: 'jane at example.org' }\n",
	 "3:18: expected an email address like jane@example.org or Jane Doe "
	 "<jane@example.org>, found 'jane at example.org'"},
	{"display name with an unclosed address",
	 SMTP "subscribers:\n  jane: { email: 'Jane <jane@example.org' }\n",
	 "3:18: expected an email address like jane@example.org or Jane Doe "
	 "<jane@example.org>, found 'Jane <jane@example.org'"},
	{"display name with a quote",
	 SMTP "subscribers:\n  jane: { email: 'J\"x <jane@example.org>' }\n",
	 "3:18: expected an email address like jane@example.org or Jane Doe "
	 "<jane@example.org>, found 'J\"x <jane@example.org>'"},
	{"unknown digest",
	 SMTP
	 "subscribers:\n  jane: { email: jane@example.org, digest: monthly }\n",
	 "3:44: unknown digest period 'monthly' (expected one of: none, hourly, "
	 "daily, weekly)"},
	{"email without smtp",
	 "subscribers:\n  jane: { email: jane@example.org }\n",
	 "2:3: subscriber 'jane' has an email channel, but no 'smtp' section says "
	 "how to send mail"},
	{"webhook URL scheme",
	 "subscribers:\n  org:\n    webhook: ftp://cases.example.org/hook\n",
	 "3:14: unsupported webhook URL 'ftp://cases.example.org/hook' (expected "
	 "a URL starting with https://, http://)"},
	{"webhook without secret",
	 "subscribers:\n  org: { webhook: https://cases.example.org/hook }\n",
	 "2:3: subscriber 'org': a webhook needs a 'secret' to sign with, e.g. "
	 "secret: { credential: org-hmac }"},
	{"inline secret",
	 "subscribers:\n  org:\n    webhook: https://cases.example.org/hook\n"
	 "    secret: hunter2\n",
	 "4:13: secrets are never written inline; use { credential: NAME } "
	 "(systemd LoadCredential=) or { file: PATH } (a file only the daemon "
	 "can read)"},
	{"secret with both sources",
	 "subscribers:\n  org:\n    webhook: https://cases.example.org/hook\n"
	 "    secret: { credential: a, file: /b }\n",
	 "4:13: a secret needs exactly one of 'credential' or 'file'"},
	{"missing credential",
	 "subscribers:\n  org:\n    webhook: https://cases.example.org/hook\n"
	 "    secret: { credential: org-hmac }\n",
	 "4:13: credential 'org-hmac' is not available: $CREDENTIALS_DIRECTORY "
	 "is not set; run under systemd with "
	 "LoadCredential=org-hmac:/path/to/secret, or write { file: PATH } "
	 "instead"},
	{"smtp URL scheme",
	 "smtp: { url: 'http://mail.example.org', from: sw@example.org }\n",
	 "1:14: unsupported SMTP URL 'http://mail.example.org' (expected a URL "
	 "starting with smtps://, smtp://)"},
	{"smtp without from", "smtp: { url: smtps://mail.example.org }\n",
	 "1:7: smtp lacks required key 'from'"},
	{"expansion ratio of zero",
	 "datasets:\n  - { name: a, url: https://e.org/1, format: ffhq, "
	 "max_expansion: 0 }\n",
	 "2:67: expected a ratio like 1000:1 (decoded bytes per byte of the "
	 "file, from 1 to 1000000000), found '0'"},
	{"expansion ratio against something else",
	 "datasets:\n  - { name: a, url: https://e.org/1, format: ffhq, "
	 "max_expansion: '1000:2' }\n",
	 "2:67: expected a ratio like 1000:1 (decoded bytes per byte of the "
	 "file, from 1 to 1000000000), found '1000:2'"},
	{"EHLO name that is not a domain name",
	 "smtp:\n  url: smtps://mail.example.org\n  from: sw@example.org\n"
	 "  helo: localhost\n",
	 "4:9: expected a domain name like mail.example.org or an address "
	 "literal like [192.0.2.1], found 'localhost'"},
	{"EHLO name that is a bare address",
	 "smtp:\n  url: smtps://mail.example.org\n  from: sw@example.org\n"
	 "  helo: 192.0.2.1\n",
	 "4:9: expected a domain name like mail.example.org or an address "
	 "literal like [192.0.2.1], found '192.0.2.1'"},
	{"EHLO name given twice",
	 "smtp:\n  url: smtps://mail.example.org/me.example.org\n"
	 "  from: sw@example.org\n  helo: me.example.org\n",
	 "2:3: the EHLO name is given twice: by 'helo' and by the path of "
	 "'url'; keep 'helo' and write the URL without a path"},
	{"YAML syntax: unclosed quote", "state_dir: \"/var/lib\n",
	 "2:1: YAML syntax error: found unexpected end of stream while scanning "
	 "a quoted scalar"},
	{"YAML syntax: bad indentation", "datasets:\n  - name: a\n   url: b\n",
	 "3:4: YAML syntax error: did not find expected '-' indicator while "
	 "parsing a block collection"},
	{"top level is a list", "- a\n- b\n",
	 "1:1: expected a mapping (key: value) for the configuration"},
	{"two documents", "datasets: []\n---\ndatasets: []\n",
	 "2:1: only one YAML document per file is read"},
	{"list where a string belongs", "state_dir: [ a, b ]\n",
	 "1:12: expected a path, found a list"},
};

/* Loads yaml from a fresh directory; returns the error text (malloc'ed)
 * or NULL if it loaded. */
static char *load_text(const char *yaml, const char **ret_path)
{
	const char *dir = test_tmpdir();
	static char path[PATH_MAX];
	struct config *c = NULL;
	char *errors = NULL;
	int r;

	snprintf(path, sizeof(path), "%s",
		 test_write(dir, "sw.yaml", yaml, 0600));
	r = config_load(path, &c, &errors);
	if (r >= 0) {
		config_free(c);
		errors = NULL;
	} else if (!errors) {
		errors = strdup("(no message)");
	}
	*ret_path = path;
	return errors;
}

/* Replaces "{file}" in the expectation with the file's path. */
static void expect_line(const char *path, const char *expected, char *out,
			size_t size)
{
	const char *at = strstr(expected, "{file}");

	if (at)
		snprintf(out, size, "%s:%.*s%s%s\n", path, (int)(at - expected),
			 expected, path, at + 6);
	else
		snprintf(out, size, "%s:%s\n", path, expected);
}

TEST(broken_configs_name_line_and_column)
{
	size_t i;

	unsetenv("CREDENTIALS_DIRECTORY");
	CHECK(ELEMENTSOF(bad) >= 25);
	for (i = 0; i < ELEMENTSOF(bad); i++) {
		const char *path;
		char *errors = load_text(bad[i].yaml, &path);
		char want[1024];
		size_t len;

		expect_line(path, bad[i].error, want, sizeof(want));
		len = strlen(want);
		if (!errors)
			TEST_FAIL("%s: loaded, expected an error", bad[i].name);
		else if (strncmp(errors, want, len) != 0)
			TEST_FAIL("%s:\n    got:  %.*s    want: %s",
				  bad[i].name, (int)strcspn(errors, "\n") + 1,
				  errors, want);
		free(errors);
	}
}

/* Aliases let a small file name the same big list many times; the walk has
 * a budget so that such a file fails fast instead of taking minutes. */
TEST(alias_expansion_is_bounded)
{
	struct buf_like {
		char *p;
		size_t len;
	} y = {NULL, 0};
	FILE *f = open_memstream(&y.p, &y.len);
	const char *path;
	char *errors;
	int i;

	fputs(SMTP "subscribers: { j: { email: j@example.org } }\nwatch:\n"
		   "  - subscriber: j\n    photos: &p [",
	      f);
	for (i = 1; i <= 300; i++)
		fprintf(f, "%s%d", i > 1 ? ", " : "", i);
	fputs("]\n", f);
	for (i = 0; i < 1000; i++)
		fputs("  - { subscriber: j, photos: *p }\n", f);
	fclose(f);
	errors = load_text(y.p, &path);
	CHECK(errors &&
	      strstr(errors, "the document expands to too many nodes"));
	free(errors);
	free(y.p);
}

TEST(every_error_is_reported)
{
	const char *path;
	char *errors =
		load_text("datasets:\n"
			  "  - { name: a, url: ftp://x, format: ffhq }\n"
			  "  - { name: b, url: https://x, format: nope }\n"
			  "defaults: { interval: soon }\n",
			  &path);
	int lines = 0;

	CHECK(errors != NULL);
	for (const char *p = errors; p && *p; p++)
		lines += *p == '\n';
	CHECK_INT(lines, 3);
	free(errors);
}

TEST(missing_main_file)
{
	struct config *c = NULL;
	char *errors = NULL;

	CHECK_INT(config_load("/nonexistent/sw.yaml", &c, &errors), -ENOENT);
	CHECK(c == NULL);
	CHECK_STR(errors,
		  "/nonexistent/sw.yaml: cannot read configuration file: "
		  "No such file or directory\n");
	free(errors);
}

TEST(good_config_loads_every_value)
{
	const char *dir = test_tmpdir();
	struct config *c = NULL;
	char *errors = NULL, path[PATH_MAX], dropdir[PATH_MAX];
	const struct config_dataset *d;

	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	test_write(dir, "org-hmac", TEST_WEBHOOK_SECRET "\n", 0400);
	test_write(dir, "smtp.pw", "pw\n", 0600);
	test_write(dir, "hf-token", "hf_abc\n", 0400);
	test_write(dir, "api-key", "k-123\n", 0400);
	test_write(dir, "dif-pw", "open sesame\n", 0400);
	test_write(
		dir, "jane-photos.txt",
		"# Jane's photos\n\n 2999358212 \n"
		"https://www.flickr.com/photos/janedoe/53012345678/in/photostream/\n",
		0644);
	snprintf(dropdir, sizeof(dropdir), "%s/conf.d", dir);
	mkdir(dropdir, 0755);
	test_write(
		dropdir, "20-b.yaml",
		"watch:\n  - subscriber: org\n    flickr: { nsid: 30302697@N00 }\n",
		0644);
	test_write(
		dropdir, "10-a.yaml",
		"subscribers:\n  org:\n    webhook: https://cases.example.org/h\n"
		"    secret: { credential: org-hmac }\n",
		0644);
	snprintf(
		path, sizeof(path), "%s",
		test_write(
			dir, "sw.yaml",
			"state_dir: state\n"
			"defaults: { interval: 12h }\n"
			"fetch: { contact: ops@example.org, ca_file: ca.pem,\n"
			"         timeout: 6h, keep_releases: 0,\n"
			"         low_speed_limit: 10K, low_speed_time: 30s }\n"
			"include: conf.d/*.yaml\n"
			"datasets:\n"
			"  - name: ffhq\n"
			"    url: https://example.org/ffhq-dataset-v2.json\n"
			"    format: ffhq\n"
			"    bearer: { credential: hf-token }\n"
			"    headers: { Accept: application/json,\n"
			"               X-Api-Key: { credential: api-key } }\n"
			"    max_download: 2G\n"
			"  - name: dif\n"
			"    url: file:///srv/datasets/DiF_v1.csv\n"
			"    format: csv\n"
			"    interval: 7d\n"
			"    auth: { user: reader, password: { credential: "
			"dif-pw } }\n"
			"    timeout: 1h\n"
			"    header: false\n"
			"    columns: { url: 0, license: 3 }\n"
			"subscribers:\n"
			"  jane: { email: jane@example.org, digest: daily }\n"
			"watch:\n"
			"  - subscriber: jane\n"
			"    flickr: { nsid: 12345678@N00, alias: JaneDoe, "
			"display_name: Jane Doe }\n"
			"    photos: [ 'https://flic.kr/p/2Lw1fV' ]\n"
			"    photos_file: jane-photos.txt\n"
			"smtp:\n"
			"  url: smtps://mail.example.org\n"
			"  from: scrapewatch@example.org\n"
			"  user: scrapewatch\n"
			"  password: { file: smtp.pw }\n"
			"alerts: { concurrency: 2, timeout: 10s, webhook_retries: "
			"[1s, 2m],\n"
			"          unsubscribe: 'mailto:stop@example.org' }\n"
			"operator: { email: ops@example.org, failing_after: 5 }\n",
			0644));
	CHECK_INT(config_load(path, &c, &errors), 0);
	if (errors)
		fprintf(stderr, "%s", errors);
	if (!c)
		return;
	CHECK_INT(c->n_files, 3);
	CHECK(strstr(c->files[1], "10-a.yaml") != NULL);
	CHECK(strstr(c->files[2], "20-b.yaml") != NULL);
	CHECK_INT(c->n_datasets, 2);
	CHECK_STR(c->fetch.contact, "ops@example.org");
	CHECK(strstr(c->fetch.ca_file, "/ca.pem") &&
	      c->fetch.ca_file[0] == '/');
	CHECK_U64(c->fetch.keep_releases, 0);
	CHECK_U64(c->fetch.low_speed_limit, 10 * 1024);
	CHECK_U64(c->fetch.low_speed_time, 30);
	CHECK_U64(c->fetch.connect_timeout, CONFIG_DEFAULT_CONNECT_TIMEOUT);
	CHECK_U64(c->alerts.concurrency, 2);
	CHECK_U64(c->alerts.timeout, 10);
	CHECK(c->alerts.n_webhook_retries == 2 &&
	      c->alerts.webhook_retries[0] == 1 &&
	      c->alerts.webhook_retries[1] == 120);
	CHECK_U64(c->alerts.n_email_retries, 10); /* the default schedule */
	CHECK_STR(c->alerts.unsubscribe, "mailto:stop@example.org");
	CHECK_STR(c->operator.email, "ops@example.org");
	CHECK_U64(c->operator.failing_after, 5);
	d = config_find_dataset(c, "ffhq");
	CHECK(d && d->interval == 12 * 3600 && d->layout.header);
	CHECK(d && d->max_download == 2ULL << 30 && d->timeout == 6 * 3600);
	CHECK(d && d->n_headers == 3 && !d->user);
	if (d && d->n_headers == 3) {
		CHECK_STR(d->headers[0].name, "Authorization");
		CHECK_STR(d->headers[0].value, "Bearer hf_abc");
		CHECK(d->headers[0].secret);
		CHECK_STR(d->headers[1].name, "Accept");
		CHECK_STR(d->headers[1].value, "application/json");
		CHECK(!d->headers[1].secret);
		CHECK_STR(d->headers[2].value, "k-123");
		CHECK(d->headers[2].secret);
	}
	d = config_find_dataset(c, "dif");
	CHECK(d && d->interval == 7 * 86400 && !d->layout.header);
	CHECK(d && d->timeout == 3600 &&
	      d->max_download == CONFIG_DEFAULT_MAX_DOWNLOAD);
	CHECK(d && d->user && strcmp(d->user, "reader") == 0);
	CHECK(d && d->password && strcmp(d->password, "open sesame") == 0);
	CHECK(d && d->layout.fields[ENTRY_FIELD_URL] &&
	      strcmp(d->layout.fields[ENTRY_FIELD_URL], "0") == 0);
	CHECK(d && d->layout.fields[ENTRY_FIELD_LICENSE] &&
	      strcmp(d->layout.fields[ENTRY_FIELD_LICENSE], "3") == 0);
	CHECK(d && !d->layout.fields[ENTRY_FIELD_PHOTO_ID]);
	CHECK(config_find_dataset(c, "nope") == NULL);
	CHECK_INT(c->n_subscribers, 2);
	CHECK_STR(config_find_subscriber(c, "org")->webhook_secret,
		  TEST_WEBHOOK_SECRET);
	CHECK_INT(config_find_subscriber(c, "jane")->digest,
		  CONFIG_DIGEST_DAILY);
	CHECK_INT(c->n_watches, 2);
	CHECK_STR(c->subscribers[c->watches[0].subscriber].name, "jane");
	CHECK_STR(c->watches[0].alias, "JaneDoe");
	CHECK_STR(c->watches[0].display_name, "Jane Doe");
	CHECK_INT(c->watches[0].n_photos, 3);
	if (c->watches[0].n_photos == 3) {
		CHECK_U64(c->watches[0].photos[1], 2999358212ULL);
		CHECK_U64(c->watches[0].photos[2], 53012345678ULL);
	}
	CHECK_STR(c->subscribers[c->watches[1].subscriber].name, "org");
	CHECK_STR(c->watches[1].nsid, "30302697@N00");
	CHECK_STR(c->smtp.password, "pw");
	CHECK(strstr(c->state_dir, "/state") != NULL && c->state_dir[0] == '/');
	CHECK(strstr(c->cache_dir, "/state/cache") != NULL);
	config_free(c);
	unsetenv("CREDENTIALS_DIRECTORY");
	test_rmtree(dir);
}

TEST(defaults_for_the_common_case)
{
	const char *path;
	struct config *c = NULL;
	char *errors = NULL;

	unsetenv("STATE_DIRECTORY");
	unsetenv("CACHE_DIRECTORY");
	free(load_text(
		"datasets:\n  - { name: a, url: https://e.org/a, format: ffhq }\n",
		&path));
	CHECK_INT(config_load(path, &c, &errors), 0);
	if (!c)
		return;
	CHECK_U64(c->datasets[0].interval, 24 * 3600);
	/* The unit's directories, for a command run by hand. */
	CHECK_STR(c->state_dir, "/var/lib/scrapewatch");
	CHECK_STR(c->cache_dir, "/var/cache/scrapewatch");
	config_free(c);

	/* A state directory of one's own keeps its downloads inside. */
	free(load_text("state_dir: /srv/sw\n"
		       "datasets:\n  - { name: a, url: https://e.org/a, "
		       "format: ffhq }\n",
		       &path));
	CHECK_INT(config_load(path, &c, &errors), 0);
	if (c) {
		CHECK_STR(c->state_dir, "/srv/sw");
		CHECK_STR(c->cache_dir, "/srv/sw/cache");
	}
	config_free(c);
	setenv("STATE_DIRECTORY", "/run/sw", 1);
	free(load_text(
		"datasets:\n  - { name: a, url: https://e.org/a, format: ffhq }\n",
		&path));
	CHECK_INT(config_load(path, &c, &errors), 0);
	if (c) {
		CHECK_STR(c->state_dir, "/run/sw");
		CHECK_STR(c->cache_dir, "/run/sw/cache");
	}
	config_free(c);

	setenv("STATE_DIRECTORY", "/var/lib/private/scrapewatch", 1);
	setenv("CACHE_DIRECTORY", "/var/cache/scrapewatch", 1);
	CHECK_INT(config_load(path, &c, &errors), 0);
	if (c) {
		CHECK_STR(c->state_dir, "/var/lib/private/scrapewatch");
		CHECK_STR(c->cache_dir, "/var/cache/scrapewatch");
	}
	config_free(c);
	unsetenv("STATE_DIRECTORY");
	unsetenv("CACHE_DIRECTORY");
}

TEST(dropins_may_not_set_main_settings)
{
	const char *dir = test_tmpdir();
	struct config *c = NULL;
	char *errors = NULL, path[PATH_MAX], dropdir[PATH_MAX],
	     want[PATH_MAX + 128];

	snprintf(dropdir, sizeof(dropdir), "%s/conf.d", dir);
	mkdir(dropdir, 0755);
	test_write(dropdir, "x.yaml", "datasets: []\nstate_dir: /tmp\n", 0644);
	snprintf(path, sizeof(path), "%s",
		 test_write(dir, "sw.yaml", "include: [ conf.d/*.yaml ]\n",
			    0644));
	CHECK_INT(config_load(path, &c, &errors), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/x.yaml:2:1: 'state_dir' may only be set in the main "
		 "configuration file\n",
		 dropdir);
	CHECK(errors && strncmp(errors, want, strlen(want)) == 0);
	if (errors && strncmp(errors, want, strlen(want)) != 0)
		fprintf(stderr, "got: %s", errors);
	free(errors);
	test_rmtree(dir);
}

TEST(world_readable_secret_file_is_refused)
{
	const char *dir = test_tmpdir();
	struct config *c = NULL;
	char *errors = NULL, path[PATH_MAX], want[2 * PATH_MAX];

	test_write(dir, "hmac", TEST_WEBHOOK_SECRET "\n", 0644);
	snprintf(path, sizeof(path), "%s",
		 test_write(dir, "sw.yaml",
			    "subscribers:\n  org:\n"
			    "    webhook: https://cases.example.org/h\n"
			    "    secret: { file: hmac }\n",
			    0644));
	CHECK_INT(config_load(path, &c, &errors), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:4:13: secret file '%s/hmac' can be read by other users "
		 "(mode 0644); make it private with chmod 600\n",
		 path, dir);
	CHECK_STR(errors, want);
	free(errors);
	test_rmtree(dir);
}

TEST(photos_file_errors_point_into_that_file)
{
	const char *dir = test_tmpdir();
	struct config *c = NULL;
	char *errors = NULL, path[PATH_MAX], want[2 * PATH_MAX];

	test_write(dir, "photos.txt", "123\nnot-a-photo\n", 0644);
	snprintf(
		path, sizeof(path), "%s",
		test_write(
			dir, "sw.yaml",
			"subscribers:\n  org:\n"
			"    email: org@example.org\n"
			"smtp: { url: smtp://localhost, from: a@example.org }\n"
			"watch:\n  - { subscriber: org, photos_file: photos.txt }\n",
			0644));
	CHECK_INT(config_load(path, &c, &errors), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/photos.txt:2:1: 'not-a-photo' is not a Flickr photo id or "
		 "photo URL\n",
		 dir);
	CHECK_STR(errors, want);
	free(errors);
	test_rmtree(dir);
}

static const struct {
	const char *name;
	bool valid;
} ehlo_names[] = {
	{"mail.example.org", true},
	{"Box-1.Example.ORG", true},
	{"a.b", true},
	{"xn--bcher-kva.example", true},
	{"[192.0.2.1]", true},
	{"[IPv6:2001:db8::1]", true},
	{"[ipv6:::1]", true},
	{"localhost", false},
	{"", false},
	{"example.org.", false},
	{".example.org", false},
	{"mail..example.org", false},
	{"-mail.example.org", false},
	{"mail-.example.org", false},
	{"mail_1.example.org", false},
	{"mail example.org", false},
	{"192.0.2.1", false},
	{"[192.0.2.256]", false},
	{"[2001:db8::1]", false},
	{"[IPv6:192.0.2.1]", false},
	{"[]", false},
	{"[192.0.2.1", false},
	{"a123456789012345678901234567890123456789012345678901234567890123"
	 ".example.org",
	 false},
};

TEST(ehlo_names_are_domain_names_or_address_literals)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(ehlo_names); i++)
		if (config_ehlo_name_valid(ehlo_names[i].name) !=
		    ehlo_names[i].valid)
			TEST_FAIL("'%s': want %s", ehlo_names[i].name,
				  ehlo_names[i].valid ? "valid" : "invalid");
}

/* Loads yaml, which must load; NULL (the test failed) if it does not. */
static struct config *load_good(const char *yaml)
{
	const char *path;
	struct config *c = NULL;
	char *errors = NULL;

	free(load_text(yaml, &path));
	CHECK_INT(config_load(path, &c, &errors), 0);
	if (errors)
		TEST_FAIL("%s", errors);
	free(errors);
	return c;
}

TEST(smtp_helo_is_loaded)
{
	struct config *c;

	c = load_good("smtp:\n  url: smtps://mail.example.org:465\n"
		      "  from: sw@example.org\n"
		      "  helo: scrapewatch.example.org\n");
	if (c)
		CHECK_STR(c->smtp.helo, "scrapewatch.example.org");
	config_free(c);
	/* Without it, smtp.c picks the name. */
	c = load_good("smtp: { url: smtps://mail.example.org, from: "
		      "sw@example.org }\n");
	if (c)
		CHECK(c->smtp.helo == NULL);
	config_free(c);
}

TEST(max_expansion_is_a_ratio_with_a_default)
{
	struct config *c = load_good(
		"datasets:\n"
		"  - { name: a, url: https://e.org/a, format: ffhq }\n"
		"  - { name: b, url: https://e.org/b, format: ffhq, "
		"max_expansion: '20000:1' }\n"
		"  - { name: c, url: https://e.org/c, format: ffhq, "
		"max_expansion: 50 }\n");

	if (!c)
		return;
	CHECK_U64(c->datasets[0].max_expansion, CONFIG_DEFAULT_MAX_EXPANSION);
	CHECK_U64(c->datasets[0].max_expansion, 1000);
	CHECK_U64(c->datasets[1].max_expansion, 20000);
	CHECK_U64(c->datasets[2].max_expansion, 50);
	config_free(c);
}

/* A catalogue of one entry, in a folder of its own; returns the folder. */
static const char *catalogue_of(const char *name, const char *entry)
{
	static char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	test_write(dir, name, entry, 0644);
	return dir;
}

TEST(use_takes_an_entry_and_the_keys_beside_it_win)
{
	const char *dir = catalogue_of(
		"faces.yaml",
		"title: Faces\npublisher: Lab\naccess: anonymous\n"
		"url: https://e.org/faces.csv\nformat: csv\nheader: false\n"
		"columns: { url: 0 }\noptout: mailto:remove@e.org\n"
		"max_entries: 1000\ninterval: 2d\nnotes: Two words.\n");
	const struct config_dataset *d;
	struct config *c;
	char yaml[PATH_MAX + 256];

	snprintf(yaml, sizeof(yaml),
		 "catalogue: %s\ndatasets:\n  - use: faces\n"
		 "  - use: faces\n    name: faces-mine\n    interval: 3h\n"
		 "    optout: https://e.org/optout\n    max_entries: 5\n",
		 dir);
	c = load_good(yaml);
	if (!c)
		return;
	CHECK_U64(c->n_datasets, 2);
	/* The entry's file is read (and counted) once. */
	CHECK_U64(c->n_files, 2);
	d = &c->datasets[0];
	CHECK_STR(d->name, "faces");
	CHECK_STR(d->url, "https://e.org/faces.csv");
	CHECK_STR(d->format, "csv");
	CHECK(!d->layout.header);
	CHECK_STR(d->layout.fields[ENTRY_FIELD_URL], "0");
	CHECK_STR(d->optout, "mailto:remove@e.org");
	CHECK_U64(d->max_entries, 1000);
	CHECK_U64(d->interval, 2 * 86400);
	CHECK_STR(d->about.entry, "faces");
	CHECK_STR(d->about.title, "Faces");
	CHECK_STR(d->about.publisher, "Lab");
	CHECK_STR(d->about.notes, "Two words.");
	CHECK_INT(d->about.access, CONFIG_ACCESS_ANONYMOUS);
	CHECK(config_dataset_has_source(d));
	/* Messages about the dataset point at the configuration. */
	CHECK_STR(d->where.file, c->files[0]);
	d = &c->datasets[1];
	CHECK_STR(d->name, "faces-mine");
	CHECK_STR(d->url, "https://e.org/faces.csv");
	CHECK_U64(d->interval, 3 * 3600);
	CHECK_STR(d->optout, "https://e.org/optout");
	CHECK_U64(d->max_entries, 5);
	CHECK_STR(d->about.title, "Faces");
	config_free(c);
}

TEST(an_entry_without_a_public_source_loads_but_has_none)
{
	const char *dir = catalogue_of(
		"gone.yaml", "title: Gone\naccess: none\nformat: paths\n");
	const struct config_dataset *d;
	struct config *c;
	char yaml[PATH_MAX + 64];

	snprintf(yaml, sizeof(yaml),
		 "catalogue: %s\ndatasets:\n  - use: gone\n", dir);
	c = load_good(yaml);
	if (!c)
		return;
	d = &c->datasets[0];
	CHECK_STR(d->name, "gone");
	CHECK_INT(d->about.access, CONFIG_ACCESS_NONE);
	CHECK(!config_dataset_has_source(d));
	CHECK_STR(d->url, "");
	config_free(c);
}

TEST(md5_pins_one_file_in_lower_case)
{
	struct config *c = load_good(
		"datasets:\n"
		"  - name: ffhq\n"
		"    google_drive: { id: 16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA }\n"
		"    format: ffhq\n"
		"    md5: 425AE20F06A4DA1D4DC0F46D40BA5FD6\n"
		"  - { name: v1, url: https://e.org/ffhq-dataset-v1.json, "
		"format: ffhq, md5: d5dff1aeb0d9e6a8e5b704eb3549b9e1 }\n"
		"  - { name: plain, url: https://e.org/p.json, format: ffhq }\n");

	if (!c)
		return;
	CHECK_STR(c->datasets[0].md5, "425ae20f06a4da1d4dc0f46d40ba5fd6");
	CHECK_STR(c->datasets[0].url,
		  "https://drive.google.com/uc?export=download&id="
		  "16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA");
	CHECK_STR(c->datasets[1].md5, "d5dff1aeb0d9e6a8e5b704eb3549b9e1");
	CHECK(c->datasets[2].md5 == NULL);
	config_free(c);
}

TEST(drive_api_key_and_api_endpoint_load)
{
	const char *dir = test_tmpdir();
	struct config *c;

	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	test_write(dir, "drive-key", "AIzaSy-test_key\n", 0400);
	test_write(dir, "bad-key", "AIza key\n", 0400);
	c = load_good("datasets:\n"
		      "  - name: ffhq\n"
		      "    google_drive:\n"
		      "      id: 16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA\n"
		      "      api_key: { credential: drive-key }\n"
		      "    format: ffhq\n"
		      "  - name: mirror\n"
		      "    google_drive: { id: 1abcdefghijk, api_endpoint: "
		      "'https://apis.example/base/' }\n"
		      "    format: ffhq\n");
	if (c) {
		const struct config_source *s = &c->datasets[0].source;

		CHECK_STR(s->api_key, "AIzaSy-test_key");
		CHECK_STR(s->api_endpoint, "https://www.googleapis.com");
		s = &c->datasets[1].source;
		CHECK(s->api_key == NULL);
		/* Kept without its trailing '/', as endpoints are. */
		CHECK_STR(s->api_endpoint, "https://apis.example/base");
		config_free(c);
	}
	c = load_good("datasets:\n  - { name: u, url: https://e.org/u.json, "
		      "format: ffhq }\n");
	if (c) {
		CHECK(c->datasets[0].source.api_endpoint == NULL);
		config_free(c);
	}
	{
		const char *path;
		char *errors =
			load_text("datasets:\n  - name: f\n    format: ffhq\n"
				  "    google_drive:\n      id: 1abcdefghijk\n"
				  "      api_key: { credential: bad-key }\n",
				  &path);
		char want[PATH_MAX + 128];

		snprintf(want, sizeof(want),
			 "%s:6:16: the api_key is empty or holds white space "
			 "or a control character\n",
			 path);
		CHECK_STR(errors, want);
		free(errors);
	}
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* The configuration "catalogue: cat" and datasets (the list's lines). */
static const char *with_catalogue(const char *cat, const char *datasets)
{
	static char yaml[PATH_MAX + 1024];

	snprintf(yaml, sizeof(yaml), "catalogue: %s\ndatasets:\n%s", cat,
		 datasets);
	return yaml;
}

/* A catalogue entry's api_key gives way to the one given beside 'use';
 * beside the use of an entry that is not on Drive it is an error. */
TEST(use_takes_a_drive_api_key_beside_it)
{
	const char *dir = test_tmpdir();
	const char *cat = catalogue_of(
		"drive.yaml",
		"title: On Drive\naccess: anonymous\nformat: ffhq\n"
		"google_drive: { id: 1abcdefghijk, api_key: { credential: "
		"entry-key } }\n");
	const char *path;
	struct config *c;
	char *errors, want[PATH_MAX + 256], entry_key[PATH_MAX];

	test_write(cat, "plain.yaml",
		   "title: Plain\naccess: anonymous\nformat: ffhq\n"
		   "url: https://e.org/p.json\n",
		   0644);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	snprintf(entry_key, sizeof(entry_key), "%s",
		 test_write(dir, "entry-key", "AIza-entry\n", 0400));
	test_write(dir, "my-key", "AIza-mine\n", 0400);
	c = load_good(with_catalogue(cat,
				     "  - use: drive\n"
				     "  - use: drive\n    name: mine\n"
				     "    api_key: { credential: my-key }\n"));
	if (c) {
		CHECK_STR(c->datasets[0].source.api_key, "AIza-entry");
		CHECK_STR(c->datasets[1].source.api_key, "AIza-mine");
		CHECK_STR(c->datasets[1].source.api_endpoint,
			  "https://www.googleapis.com");
		config_free(c);
	}
	/* The dataset's own key is read even when the entry's credential
	 * is not there. */
	unlink(entry_key);
	c = load_good(with_catalogue(cat,
				     "  - use: drive\n"
				     "    api_key: { credential: my-key }\n"));
	CHECK_STR(c ? c->datasets[0].source.api_key : NULL, "AIza-mine");
	config_free(c);
	/* The listing reads no credential. */
	c = NULL;
	errors = NULL;
	CHECK_INT(catalogue_load(cat, &c, &errors), 0);
	if (c) {
		CHECK(c->datasets[0].source.api_key == NULL);
		config_free(c);
	}
	free(errors);
	errors = load_text(with_catalogue(cat, "  - use: plain\n"
					       "    api_key: { credential: "
					       "my-key }\n"),
			   &path);
	snprintf(want, sizeof(want),
		 "%s:3:5: dataset 'plain': 'api_key' is the key of Google "
		 "Drive's files API, but its source is not google_drive\n",
		 path);
	CHECK_STR(errors, want);
	free(errors);
	unsetenv("CREDENTIALS_DIRECTORY");
}
