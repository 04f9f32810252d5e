/* test-source-hub.c: the huggingface source against a loopback Hub
 * (tests/lib/hf_hub.py): a release is a commit, listed page by page at its
 * sha, its files known by their LFS SHA-256; the same commit again costs
 * one request; gated repositories, rate limits, missing repositories and
 * broken replies fail with their reasons; and the token goes to the Hub
 * alone, never to the host its downloads redirect to. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "fetch/source.h"
#include "lib/buf.h"
#include "lib/stop.h"
#include "test.h"
#include "testutil.h"
/* After test.h and testutil.h. */
#include "loopback.h"

#define SHA1 "1111111111111111111111111111111111111111"
#define SHA2 "2222222222222222222222222222222222222222"
#define SHA3 "3333333333333333333333333333333333333333"

/* The bytes of the repository's files, written once under the server's
 * directory. */
static const struct {
	const char *key, *bytes;
} contents[] = {
	{"readme", "# faces\n"},      {"cap1", "caption v1 rows"},
	{"cap2", "caption v2 rows"},  {"train", "train shard one"},
	{"extra1", "extra shard"},    {"extra2", "extra shard, re-cut"},
	{"pq", "parquet conversion"},
};

static const char *bytes_of(const char *key)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(contents); i++)
		if (strcmp(contents[i].key, key) == 0)
			return contents[i].bytes;
	abort();
}

static const char *sha_of(const char *key)
{
	static char hex[65];
	const char *b = bytes_of(key);

	loopback_sha256(b, strlen(b), hex);
	return hex;
}

static struct loopback *hub(void)
{
	static bool written;
	struct loopback *lb = loopback_start("hf_hub.py");
	size_t i;

	if (!written) {
		for (i = 0; i < ELEMENTSOF(contents); i++)
			test_write(lb->dir, contents[i].key, contents[i].bytes,
				   0600);
		written = true;
	}
	return lb;
}

/* The Hub's state: o/faces (its refs/convert/parquet commit, commit 1,
 * and commit 2 when second), o/gated (token hf_gate), and faults (a JSON
 * list, or NULL). */
static void hub_state(bool second, const char *faults)
{
	struct loopback *lb = hub();
	const char *d = lb->dir;
	_cleanup_(buf_free) struct buf b = {0};

	buf_init(&b, 1 << 16);
	buf_printf(&b,
		   "{\"page_size\": 2, \"tokens\": [\"hf_other\"], "
		   "\"repos\": {\"o/faces\": {\"plain\": [\"*.md\"], "
		   "\"refs\": {\"refs/convert/parquet\": \"" SHA3 "\"}, "
		   "\"commits\": ["
		   "{\"sha\": \"" SHA3 "\", \"files\": "
		   "{\"default/train/0000.parquet\": \"%s/pq\"}}, "
		   "{\"sha\": \"" SHA1 "\", \"files\": {"
		   "\"README.md\": \"%s/readme\", "
		   "\"data/caption-v1.parquet\": \"%s/cap1\", "
		   "\"data/sub/extra.parquet\": \"%s/extra1\", "
		   "\"data/train-00001.parquet\": \"%s/train\"}}",
		   d, d, d, d, d);
	if (second)
		buf_printf(&b,
			   ", {\"sha\": \"" SHA2 "\", \"files\": {"
			   "\"README.md\": \"%s/readme\", "
			   "\"data/caption-v2 (final).parquet\": \"%s/cap2\", "
			   "\"data/sub/extra.parquet\": \"%s/extra2\", "
			   "\"data/train-00001.parquet\": \"%s/train\"}}",
			   d, d, d, d);
	buf_printf(&b,
		   "]}, \"o/gated\": {\"gated\": \"manual\", \"token\": "
		   "\"hf_gate\", \"commits\": [{\"sha\": \"" SHA1 "\", "
		   "\"files\": {\"faces.parquet\": \"%s/cap1\"}}]}}, "
		   "\"faults\": %s}",
		   d, faults ? faults : "[]");
	loopback_state(lb, b.data);
	(void)loopback_log(lb); /* what came before is not this test's */
}

/* A dataset of repo on the Hub at port; extra is more of its huggingface
 * keys (", files: '*.csv'"), token a token to give it, or NULL. */
static struct config *hub_config_at(int port, const char *repo,
				    const char *extra, const char *token)
{
	struct loopback *lb = hub();
	char yaml[2048], tok[256] = "";

	if (token) {
		const char *path = test_write(lb->dir, "token", token, 0600);

		snprintf(tok, sizeof(tok), ", token: { file: '%s' }", path);
	}
	snprintf(yaml, sizeof(yaml),
		 "datasets:\n"
		 "  - name: faces\n"
		 "    format: paths\n"
		 "    huggingface: { repo: %s, endpoint: "
		 "'http://127.0.0.1:%d'%s%s }\n",
		 repo, port, extra ? extra : "", tok);
	return loopback_config(yaml);
}

static struct config *hub_config(const char *repo, const char *extra,
				 const char *token)
{
	return hub_config_at(hub()->ports[0], repo, extra, token);
}

static int list(const struct config *c, const char *last_revision,
		struct source_listing *l)
{
	struct source_request rq = {
		.dataset = &c->datasets[0],
		.options = &c->fetch,
		.last_revision = last_revision,
	};

	return source_list(&rq, l);
}

/* The URL the Hub serves path of o/faces from at sha (path as encoded). */
static const char *resolve_url(const char *repo, const char *sha,
			       const char *path)
{
	static char url[1024];

	snprintf(url, sizeof(url),
		 "http://127.0.0.1:%d/datasets/%s/resolve/%s/%s",
		 hub()->ports[0], repo, sha, path);
	return url;
}

/* The API URL of o/faces's what (revision/main, tree/SHA?...). */
static const char *api_url(const char *repo, const char *what)
{
	static char url[1024];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/datasets/%s/%s",
		 hub()->ports[0], repo, what);
	return url;
}

static void check_file(const struct source_file *f, const char *name,
		       const char *url, const char *key, bool lfs)
{
	CHECK_STR(f->name, name);
	CHECK_STR(f->url, url);
	CHECK_STR(f->sha256, lfs ? sha_of(key) : "");
	CHECK_INT(f->size, (long long)strlen(bytes_of(key)));
}

TEST(first_listing)
{
	struct config *c;
	struct source_listing l;
	const char *log;

	hub_state(false, NULL);
	c = hub_config("o/faces", NULL, NULL);
	CHECK_INT(list(c, NULL, &l), 0);
	CHECK_STR(l.revision, SHA1);
	CHECK(!l.not_modified);
	CHECK_STR(l.etag, "");
	CHECK_INT(l.http_status, 200);
	/* The revision, then three pages of two entries (4 files and the
	 * directories data and data/sub). */
	CHECK_INT(l.requests, 4);
	CHECK_INT(l.n_files, 4);
	if (l.n_files == 4) {
		check_file(&l.files[0], "README.md",
			   resolve_url("o/faces", SHA1, "README.md"), "readme",
			   false);
		check_file(
			&l.files[1], "data/caption-v1.parquet",
			resolve_url("o/faces", SHA1, "data/caption-v1.parquet"),
			"cap1", true);
		check_file(
			&l.files[2], "data/sub/extra.parquet",
			resolve_url("o/faces", SHA1, "data/sub/extra.parquet"),
			"extra1", true);
		check_file(&l.files[3], "data/train-00001.parquet",
			   resolve_url("o/faces", SHA1,
				       "data/train-00001.parquet"),
			   "train", true);
	}
	log = loopback_log(hub());
	CHECK_INT(loopback_lines(log,
				 "GET /api/datasets/o/faces/revision/main "
				 "auth=no 200",
				 NULL),
		  1);
	/* The tree at the sha, not at the branch, followed through Link. */
	CHECK_INT(loopback_lines(log, "/tree/" SHA1 "?recursive=true", NULL),
		  3);
	CHECK_INT(loopback_lines(log, "/tree/" SHA1 "?recursive=true&cursor=",
				 "auth=no 200"),
		  2);
	CHECK_INT(loopback_lines(log, "/tree/main", NULL), 0);
	source_listing_free(&l);
	config_free(c);
}

TEST(same_revision_is_not_modified)
{
	struct config *c;
	struct source_listing l;
	const char *log;

	hub_state(false, NULL);
	c = hub_config("o/faces", NULL, NULL);
	CHECK_INT(list(c, SHA1, &l), 0);
	CHECK(l.not_modified);
	CHECK_STR(l.revision, SHA1);
	CHECK_INT(l.n_files, 0);
	CHECK_INT(l.requests, 1);
	log = loopback_log(hub());
	CHECK_INT(loopback_lines(log, "/revision/main", NULL), 1);
	CHECK_INT(loopback_lines(log, "/tree/", NULL), 0);
	source_listing_free(&l);
	config_free(c);
}

TEST(new_commit_lists_changed_and_renamed_files)
{
	struct config *c;
	struct source_listing l;

	hub_state(true, NULL);
	c = hub_config("o/faces", NULL, NULL);
	CHECK_INT(list(c, SHA1, &l), 0);
	CHECK(!l.not_modified);
	CHECK_STR(l.revision, SHA2);
	CHECK_INT(l.n_files, 4);
	if (l.n_files == 4) {
		/* Renamed: known by its SHA-256, the path encoded. */
		check_file(&l.files[1], "data/caption-v2 (final).parquet",
			   resolve_url("o/faces", SHA2,
				       "data/caption-v2%20%28final%29.parquet"),
			   "cap2", true);
		check_file(
			&l.files[2], "data/sub/extra.parquet",
			resolve_url("o/faces", SHA2, "data/sub/extra.parquet"),
			"extra2", true);
		check_file(&l.files[3], "data/train-00001.parquet",
			   resolve_url("o/faces", SHA2,
				       "data/train-00001.parquet"),
			   "train", true);
	}
	CHECK_INT(loopback_lines(loopback_log(hub()), "/tree/" SHA2, NULL), 3);
	source_listing_free(&l);
	config_free(c);
}

TEST(files_glob_matches_across_directories)
{
	struct config *c;
	struct source_listing l;

	hub_state(false, NULL);
	/* No FNM_PATHNAME: '*' spans '/', as the Hub's allow_patterns. */
	c = hub_config("o/faces", ", files: 'data/*.parquet'", NULL);
	CHECK_INT(list(c, NULL, &l), 0);
	CHECK_INT(l.n_files, 3);
	if (l.n_files == 3) {
		CHECK_STR(l.files[0].name, "data/caption-v1.parquet");
		CHECK_STR(l.files[1].name, "data/sub/extra.parquet");
		CHECK_STR(l.files[2].name, "data/train-00001.parquet");
	}
	source_listing_free(&l);
	config_free(c);
}

TEST(files_glob_matching_nothing)
{
	struct config *c;
	struct source_listing l;

	hub_state(false, NULL);
	c = hub_config("o/faces", ", files: '*.csv'", NULL);
	CHECK_INT(list(c, NULL, &l), -ENOENT);
	CHECK_STR(l.error, "no file of 'o/faces' at " SHA1 " matches '*.csv'");
	CHECK_INT(l.n_files, 0);
	config_free(c);
}

TEST(revision_with_a_slash_is_encoded)
{
	struct config *c;
	struct source_listing l;

	hub_state(false, NULL);
	c = hub_config("o/faces", ", revision: refs/convert/parquet", NULL);
	CHECK_INT(list(c, NULL, &l), 0);
	CHECK_STR(l.revision, SHA3);
	CHECK_INT(l.n_files, 1);
	if (l.n_files == 1)
		CHECK_STR(l.files[0].url,
			  resolve_url("o/faces", SHA3,
				      "default/train/0000.parquet"));
	CHECK_INT(loopback_lines(loopback_log(hub()),
				 "/revision/refs%2Fconvert%2Fparquet auth=no "
				 "200",
				 NULL),
		  1);
	source_listing_free(&l);
	config_free(c);
}

TEST(gated_without_token)
{
	struct config *c;
	struct source_listing l;
	const char *log;

	hub_state(false, NULL);
	c = hub_config("o/gated", NULL, NULL);
	CHECK_INT(list(c, NULL, &l), -EACCES);
	CHECK_STR(l.error,
		  "the repository 'o/gated' is gated: its files download "
		  "only with a token of an account that accepted its terms; "
		  "dataset 'faces' needs huggingface.token");
	CHECK_INT(l.requests, 1);
	/* Found out from the revision: no tree, no download tried. */
	log = loopback_log(hub());
	CHECK_INT(loopback_lines(log, "/revision/main", NULL), 1);
	CHECK_INT(loopback_lines(log, "/tree/", NULL), 0);
	CHECK_INT(loopback_lines(log, "/resolve/", NULL), 0);
	config_free(c);
}

TEST(gated_with_token)
{
	struct config *c;
	struct source_listing l;
	const char *log;

	hub_state(false, NULL);
	c = hub_config("o/gated", NULL, "hf_gate\n");
	CHECK_INT(list(c, NULL, &l), 0);
	CHECK_INT(l.n_files, 1);
	if (l.n_files == 1) {
		CHECK_STR(l.files[0].name, "faces.parquet");
		CHECK_STR(l.files[0].sha256, sha_of("cap1"));
	}
	log = loopback_log(hub());
	CHECK_INT(loopback_lines(log, "/api/datasets/o/gated/", "auth=yes 200"),
		  2);
	CHECK_INT(loopback_lines(log, "auth=no", NULL), 0);
	source_listing_free(&l);
	config_free(c);
}

TEST(token_refused)
{
	struct config *c;
	struct source_listing l;
	char want[512];

	hub_state(false, NULL);
	c = hub_config("o/gated", NULL, "hf_wrong");
	CHECK_INT(list(c, NULL, &l), -EACCES);
	CHECK_INT(l.http_status, 401);
	snprintf(want, sizeof(want),
		 "%s: HTTP 401: the token was refused (huggingface.token)",
		 api_url("o/gated", "revision/main"));
	CHECK_STR(l.error, want);
	config_free(c);
}

TEST(rate_limited_with_seconds)
{
	struct config *c;
	struct source_listing l;
	char want[512];

	hub_state(false, "[{\"path\": \"/api/datasets/o/faces/revision/\", "
			 "\"status\": 429, \"headers\": {\"Retry-After\": "
			 "\"7\", \"RateLimit\": "
			 "\"\\\"api\\\";r=0;t=200\"}}]");
	c = hub_config("o/faces", NULL, NULL);
	CHECK_INT(list(c, NULL, &l), -EAGAIN);
	CHECK_INT(l.retry_after, 7);
	CHECK_INT(l.http_status, 429);
	CHECK_INT(l.requests, 1);
	snprintf(want, sizeof(want),
		 "%s: HTTP 429: rate limited; the host asks to wait 7s",
		 api_url("o/faces", "revision/main"));
	CHECK_STR(l.error, want);
	/* Once: the next check goes through (nothing here retries). */
	CHECK_INT(loopback_lines(loopback_log(hub()), "/revision/", NULL), 1);
	CHECK_INT(list(c, NULL, &l), 0);
	source_listing_free(&l);
	config_free(c);
}

TEST(unavailable_until_a_date)
{
	struct config *c;
	struct source_listing l;
	char faults[256], date[64];
	time_t when = time(NULL) + 120;
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(faults, sizeof(faults),
		 "[{\"path\": \"/api/datasets/o/faces/tree/\", \"status\": "
		 "503, \"headers\": {\"Retry-After\": \"%s\"}}]",
		 date);
	hub_state(false, faults);
	c = hub_config("o/faces", NULL, NULL);
	CHECK_INT(list(c, NULL, &l), -EAGAIN);
	CHECK_INT(l.http_status, 503);
	CHECK(l.retry_after >= 115 && l.retry_after <= 120);
	config_free(c);
}

TEST(missing_repository_and_revision)
{
	struct config *c;
	struct source_listing l;
	char want[512];

	hub_state(false, NULL);
	c = hub_config("o/missing", NULL, NULL);
	CHECK_INT(list(c, NULL, &l), -ENOENT);
	CHECK_INT(l.http_status, 404);
	snprintf(want, sizeof(want),
		 "%s: HTTP 404: no dataset repository 'o/missing' with a "
		 "revision 'main'",
		 api_url("o/missing", "revision/main"));
	CHECK_STR(l.error, want);
	config_free(c);

	c = hub_config("o/faces", ", revision: v9", NULL);
	CHECK_INT(list(c, NULL, &l), -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: HTTP 404: no dataset repository 'o/faces' with a "
		 "revision 'v9'",
		 api_url("o/faces", "revision/v9"));
	CHECK_STR(l.error, want);
	config_free(c);
}

/* A fault on the tree's first page answers body (a JSON string's
 * content) with status 200 and headers (a JSON object). */
static void broken_tree(const char *body, const char *headers, const char *what)
{
	struct config *c;
	struct source_listing l;
	char faults[1024], want[1024];

	snprintf(faults, sizeof(faults),
		 "[{\"path\": \"/api/datasets/o/faces/tree/\", \"status\": "
		 "200, \"body\": \"%s\", \"headers\": %s}]",
		 body, headers);
	hub_state(false, faults);
	c = hub_config("o/faces", NULL, NULL);
	CHECK_INT(list(c, NULL, &l), -EBADMSG);
	snprintf(want, sizeof(want), "%s: %s",
		 api_url("o/faces", "tree/" SHA1 "?recursive=true"), what);
	CHECK_STR(l.error, want);
	CHECK_INT(l.n_files, 0);
	config_free(c);
}

TEST(broken_replies)
{
	char deep[300] = "";
	size_t i;

	broken_tree("[{\\\"type\\\": \\\"file\\\"", "{}",
		    "the reply is not JSON (parse error: premature EOF)");
	broken_tree("{\\\"error\\\": \\\"no\\\"}", "{}",
		    "the tree is not a list of entries");
	broken_tree("[{\\\"path\\\": \\\"a\\\"}]", "{}",
		    "an entry without 'type' and 'path'");
	broken_tree("[{\\\"type\\\": \\\"file\\\", \\\"path\\\": "
		    "\\\"../../etc/x\\\"}]",
		    "{}",
		    "an entry whose path is not a file's path in a "
		    "repository");
	for (i = 0; i < 100; i++)
		deep[i] = '[';
	for (i = 100; i < 200; i++)
		deep[i] = ']';
	broken_tree(deep, "{}", "the reply nests deeper than 64 levels");
	/* The token goes with every page: a next page elsewhere is
	 * refused, not asked for. */
	broken_tree("[]",
		    "{\"Link\": \"<http://127.0.0.2:9/x?cursor=1>; "
		    "rel=\\\"next\\\"\"}",
		    "its next page is on another host");
	CHECK_INT(loopback_lines(loopback_log(hub()), "/x?cursor", NULL), 0);
}

TEST(redirects_and_server_errors)
{
	struct config *c;
	struct source_listing l;
	char want[512];

	hub_state(false, "[{\"path\": \"/api/datasets/o/faces/revision/\", "
			 "\"status\": 302, \"headers\": {\"Location\": "
			 "\"http://127.0.0.2:9/elsewhere\"}}, {\"path\": "
			 "\"/api/datasets/o/faces/revision/\", \"status\": "
			 "500}]");
	c = hub_config("o/faces", NULL, NULL);
	CHECK_INT(list(c, NULL, &l), -EIO);
	CHECK_INT(l.http_status, 302);
	snprintf(want, sizeof(want),
		 "%s: HTTP 302: a redirect, not followed from an API",
		 api_url("o/faces", "revision/main"));
	CHECK_STR(l.error, want);
	CHECK_INT(list(c, NULL, &l), -EIO);
	snprintf(want, sizeof(want), "%s: HTTP 500",
		 api_url("o/faces", "revision/main"));
	CHECK_STR(l.error, want);
	CHECK_INT(loopback_lines(loopback_log(hub()), "elsewhere", NULL), 0);
	config_free(c);
}

TEST(host_unreachable)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct config *c;
	struct source_listing l;
	char want[256];

	/* A port nothing listens on: bound, then closed. */
	CHECK_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	c = hub_config_at(ntohs(sa.sin_port), "o/faces", NULL, NULL);
	CHECK_INT(list(c, NULL, &l), -EIO);
	CHECK_INT(l.http_status, 0);
	CHECK_INT(l.requests, 1);
	snprintf(want, sizeof(want),
		 "http://127.0.0.1:%d/api/datasets/o/faces/revision/main: "
		 "Failed to connect to 127.0.0.1 port %d",
		 ntohs(sa.sin_port), ntohs(sa.sin_port));
	CHECK(strncmp(l.error, want, strlen(want)) == 0);
	config_free(c);
}

TEST(stopping_cancels)
{
	struct config *c;
	struct source_listing l;
	pid_t pid;
	int status = 0;

	hub_state(false, NULL);
	c = hub_config("o/faces", NULL, NULL);
	pid = fork();
	if (pid == 0) {
		int r;

		stop_request();
		r = list(c, NULL, &l);
		_exit(r == -ECANCELED && strstr(l.error, ": stopped") ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(loopback_lines(loopback_log(hub()), "/api/", NULL), 0);
	config_free(c);
}

/* The listed URL downloads through fetch.c: the Hub's 302 to its signed
 * host is followed, the token goes to the Hub and not there. */
TEST(download_keeps_token_at_the_hub)
{
	struct config *c;
	struct source_listing l;
	struct fetch *f = NULL;
	const char *log;

	hub_state(false, NULL);
	c = hub_config("o/gated", NULL, "hf_gate");
	CHECK_INT(list(c, NULL, &l), 0);
	CHECK_INT(l.n_files, 1);
	if (l.n_files == 1) {
		struct fetch_request rq = {
			.dataset = &c->datasets[0],
			.options = &c->fetch,
			.cache_dir = test_tmpdir(),
			.url = l.files[0].url,
			.auth_url = c->datasets[0].url,
			.part_name = "faces~0",
		};

		CHECK_INT(fetch_new(&rq, &f), 0);
		CHECK_INT(fetch_run(f), 0);
		CHECK_STR(fetch_result(f)->sha256, l.files[0].sha256);
		CHECK_INT(fetch_result(f)->http_status, 200);
		f = fetch_free(f);
	}
	log = loopback_log(hub());
	CHECK_INT(loopback_lines(log,
				 "api GET /datasets/o/gated/resolve/" SHA1
				 "/faces.parquet auth=yes 302",
				 NULL),
		  1);
	CHECK_INT(loopback_lines(log, "cdn GET /repos/o/gated/", "Signature="),
		  1);
	CHECK_INT(loopback_lines(log, "cdn GET", "auth=no 200"), 1);
	CHECK_INT(loopback_lines(log, "cdn ", "auth=yes"), 0);
	source_listing_free(&l);
	config_free(c);
}
