/* test-source-github.c: the github source against a loopback GitHub
 * (tests/lib/github_api.py): a release is the newest commit touching the
 * path, asked for with its ETag (a 304 is nothing new); its files are the
 * path's (a file, a directory, a directory's names matching a glob) at
 * that commit, downloaded from the raw host without the token; rate
 * limits, paths no commit touches, missing repositories and broken
 * replies fail with their reasons. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fetch/fetch.h"
#include "fetch/source.h"
#include "lib/buf.h"
#include "test.h"
#include "testutil.h"
/* After test.h and testutil.h. */
#include "loopback.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccc"

static struct loopback *github(void)
{
	static bool written;
	struct loopback *lb = loopback_start("github_api.py");

	if (!written) {
		test_write(lb->dir, "a1", "12345_1.jpg\n", 0600);
		test_write(lb->dir, "a2", "12345_1.jpg\n67890_2.jpg\n", 0600);
		test_write(lb->dir, "b", "id,path\n1,x.jpg\n", 0600);
		test_write(lb->dir, "x1", "other 1\n", 0600);
		test_write(lb->dir, "x2", "other 2\n", 0600);
		written = true;
	}
	return lb;
}

/* GitHub's state: o/lists with its first n commits (A: lists/a.txt,
 * lists/b.csv, other/x.txt; B changes lists/a.txt; C only other/x.txt),
 * o/private (token ghp_priv), and faults (a JSON list, or NULL). */
static void github_state(unsigned n, const char *faults)
{
	static const struct {
		const char *sha, *a, *x;
	} commits[] = {
		{SHA_A, "a1", "x1"}, {SHA_B, "a2", "x1"}, {SHA_C, "a2", "x2"}};
	struct loopback *lb = github();
	const char *d = lb->dir;
	_cleanup_(buf_free) struct buf b = {0};
	unsigned i;

	buf_init(&b, 1 << 16);
	buf_puts(&b, "{\"repos\": {\"o/lists\": {\"commits\": [");
	for (i = 0; i < n && i < ELEMENTSOF(commits); i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_printf(&b,
			   "{\"sha\": \"%s\", \"files\": {\"lists/a.txt\": "
			   "\"%s/%s\", \"lists/b.csv\": \"%s/b\", "
			   "\"other/x.txt\": \"%s/%s\"}}",
			   commits[i].sha, d, commits[i].a, d, d, commits[i].x);
	}
	buf_printf(&b,
		   "]}, \"o/private\": {\"token\": \"ghp_priv\", \"commits\": "
		   "[{\"sha\": \"" SHA_A "\", \"files\": {\"faces.txt\": "
		   "\"%s/a1\"}}]}}, \"faults\": %s}",
		   d, faults ? faults : "[]");
	loopback_state(lb, b.data);
	(void)loopback_log(lb);
}

/* A dataset of path in repo; extra is more github keys, token one to
 * give it, or NULL. */
static struct config *github_config(const char *repo, const char *path,
				    const char *extra, const char *token)
{
	struct loopback *lb = github();
	char yaml[2048], tok[256] = "";

	if (token) {
		const char *p = test_write(lb->dir, "token", token, 0600);

		snprintf(tok, sizeof(tok), ", token: { file: '%s' }", p);
	}
	snprintf(yaml, sizeof(yaml),
		 "datasets:\n"
		 "  - name: lists\n"
		 "    format: paths\n"
		 "    github: { repo: %s, path: '%s', endpoint: "
		 "'http://127.0.0.1:%d'%s%s }\n",
		 repo, path, lb->ports[0], extra ? extra : "", tok);
	return loopback_config(yaml);
}

static int list(const struct config *c, const char *last_revision,
		const char *last_etag, struct source_listing *l)
{
	struct source_request rq = {
		.dataset = &c->datasets[0],
		.options = &c->fetch,
		.last_revision = last_revision,
		.last_etag = last_etag,
	};

	return source_list(&rq, l);
}

static const char *raw_url(const char *repo, const char *sha, const char *path)
{
	static char url[1024];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s/%s/%s",
		 github()->ports[1], repo, sha, path);
	return url;
}

static const char *api_url(const char *what)
{
	static char url[1024];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/repos/%s",
		 github()->ports[0], what);
	return url;
}

static void check_file(const struct source_file *f, const char *name,
		       const char *url, long long size)
{
	CHECK_STR(f->name, name);
	CHECK_STR(f->url, url);
	CHECK_STR(f->sha256, ""); /* git blob ids are no SHA-256 */
	CHECK_INT(f->size, size);
}

TEST(first_listing_of_a_directory)
{
	struct config *c;
	struct source_listing l;
	const char *log;

	github_state(1, NULL);
	c = github_config("o/lists", "lists", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), 0);
	CHECK_STR(l.revision, SHA_A);
	CHECK(!l.not_modified);
	CHECK(strncmp(l.etag, "W/\"", 3) == 0);
	CHECK_INT(l.requests, 2);
	CHECK_INT(l.n_files, 2);
	if (l.n_files == 2) {
		check_file(&l.files[0], "lists/a.txt",
			   raw_url("o/lists", SHA_A, "lists/a.txt"), 12);
		check_file(&l.files[1], "lists/b.csv",
			   raw_url("o/lists", SHA_A, "lists/b.csv"), 16);
	}
	log = loopback_log(github());
	CHECK_INT(loopback_lines(log,
				 "api GET /repos/o/lists/commits?path=lists&"
				 "per_page=1 auth=no 200",
				 NULL),
		  1);
	CHECK_INT(loopback_lines(
			  log,
			  "api GET /repos/o/lists/contents/lists?ref=" SHA_A
			  " auth=no 200",
			  NULL),
		  1);
	source_listing_free(&l);
	config_free(c);
}

TEST(etag_gives_not_modified)
{
	struct config *c;
	struct source_listing l;
	char etag[256];
	const char *log;

	github_state(1, NULL);
	c = github_config("o/lists", "lists", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), 0);
	snprintf(etag, sizeof(etag), "%s", l.etag);
	source_listing_free(&l);
	(void)loopback_log(github());

	CHECK_INT(list(c, SHA_A, etag, &l), 0);
	CHECK(l.not_modified);
	CHECK_STR(l.revision, SHA_A);
	CHECK_STR(l.etag, etag);
	CHECK_INT(l.n_files, 0);
	CHECK_INT(l.requests, 1);
	CHECK_INT(l.http_status, 304);
	/* The server answers 304 only to its ETag sent back. */
	log = loopback_log(github());
	CHECK_INT(loopback_lines(log, "/commits?path=lists", "auth=no 304"), 1);
	CHECK_INT(loopback_lines(log, "/contents/", NULL), 0);

	/* A validator with a line end is never sent back. */
	CHECK_INT(list(c, SHA_A, "W/\"x\"\r\nX-Evil: 1", &l), 0);
	CHECK(!l.not_modified);
	CHECK_INT(l.requests, 2);
	source_listing_free(&l);
	config_free(c);
}

TEST(new_commit_touching_the_path)
{
	struct config *c;
	struct source_listing l;
	char etag_a[256], etag_b[256];

	github_state(1, NULL);
	c = github_config("o/lists", "lists", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), 0);
	snprintf(etag_a, sizeof(etag_a), "%s", l.etag);
	source_listing_free(&l);

	github_state(2, NULL);
	CHECK_INT(list(c, SHA_A, etag_a, &l), 0);
	CHECK(!l.not_modified);
	CHECK_STR(l.revision, SHA_B);
	CHECK(strcmp(l.etag, etag_a) != 0);
	snprintf(etag_b, sizeof(etag_b), "%s", l.etag);
	CHECK_INT(l.n_files, 2);
	if (l.n_files == 2)
		check_file(&l.files[0], "lists/a.txt",
			   raw_url("o/lists", SHA_B, "lists/a.txt"), 24);
	source_listing_free(&l);

	/* Commit C changes other/ only: nothing new for lists/. */
	github_state(3, NULL);
	CHECK_INT(list(c, SHA_B, etag_b, &l), 0);
	CHECK(l.not_modified);
	CHECK_STR(l.revision, SHA_B);
	source_listing_free(&l);
	config_free(c);
}

TEST(directory_and_glob)
{
	struct config *c;
	struct source_listing l;
	const char *log;

	github_state(2, NULL);
	c = github_config("o/lists", "lists/*.txt", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), 0);
	CHECK_STR(l.revision, SHA_B);
	CHECK_INT(l.n_files, 1);
	if (l.n_files == 1)
		check_file(&l.files[0], "lists/a.txt",
			   raw_url("o/lists", SHA_B, "lists/a.txt"), 24);
	/* Both requests name the directory. */
	log = loopback_log(github());
	CHECK_INT(loopback_lines(log, "/commits?path=lists&per_page=1", NULL),
		  1);
	CHECK_INT(loopback_lines(log, "/contents/lists?ref=" SHA_B, NULL), 1);
	source_listing_free(&l);
	config_free(c);

	c = github_config("o/lists", "lists/*.json", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), -ENOENT);
	CHECK_STR(l.error, "no file in 'lists' at " SHA_B " matches '*.json'");
	config_free(c);
}

TEST(single_file_at_a_ref)
{
	struct config *c;
	struct source_listing l;

	github_state(3, NULL);
	c = github_config("o/lists", "lists/b.csv", ", ref: main", NULL);
	CHECK_INT(list(c, NULL, NULL, &l), 0);
	/* The newest commit touching the file is the first. */
	CHECK_STR(l.revision, SHA_A);
	CHECK_INT(l.n_files, 1);
	if (l.n_files == 1)
		check_file(&l.files[0], "lists/b.csv",
			   raw_url("o/lists", SHA_A, "lists/b.csv"), 16);
	CHECK_INT(loopback_lines(loopback_log(github()),
				 "/commits?path=lists/b.csv&sha=main&"
				 "per_page=1 auth=no 200",
				 NULL),
		  1);
	source_listing_free(&l);
	config_free(c);
}

TEST(rate_limit_used_up)
{
	struct config *c;
	struct source_listing l;
	char want[512];

	github_state(1, "[{\"path\": \"/repos/o/lists/commits\", "
			"\"rate_limited\": 120}]");
	c = github_config("o/lists", "lists", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), -EAGAIN);
	CHECK_INT(l.http_status, 403);
	CHECK(l.retry_after >= 115 && l.retry_after <= 120);
	snprintf(want, sizeof(want),
		 "%s: HTTP 403: rate limited; the host asks to wait %us",
		 api_url("o/lists/commits?path=lists&per_page=1"),
		 l.retry_after);
	CHECK_STR(l.error, want);
	config_free(c);

	/* A 429 with Retry-After: its wait, not the reset's. */
	github_state(1, "[{\"path\": \"/repos/o/lists/commits\", "
			"\"rate_limited\": 900, \"status\": 429, "
			"\"headers\": {\"Retry-After\": \"60\"}}]");
	c = github_config("o/lists", "lists", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), -EAGAIN);
	CHECK_INT(l.retry_after, 60);
	snprintf(want, sizeof(want),
		 "%s: HTTP 429: rate limited; the host asks to wait 60s",
		 api_url("o/lists/commits?path=lists&per_page=1"));
	CHECK_STR(l.error, want);
	config_free(c);
}

TEST(no_commit_touches_the_path)
{
	struct config *c;
	struct source_listing l;

	github_state(3, NULL);
	c = github_config("o/lists", "nope", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), -ENOENT);
	CHECK_STR(l.error, "no commit touches 'nope'");
	CHECK_INT(l.requests, 1);
	config_free(c);
}

TEST(missing_repository)
{
	struct config *c;
	struct source_listing l;
	char want[512];

	github_state(1, NULL);
	/* A private repository is not found without its token. */
	c = github_config("o/private", "faces.txt", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), -ENOENT);
	CHECK_INT(l.http_status, 404);
	snprintf(want, sizeof(want),
		 "%s: HTTP 404: no repository 'o/private' (or a private one: "
		 "github.token), or no ref '(default branch)' in it",
		 api_url("o/private/commits?path=faces.txt&per_page=1"));
	CHECK_STR(l.error, want);
	config_free(c);
}

TEST(token_refused)
{
	struct config *c;
	struct source_listing l;
	char want[512];

	github_state(1, NULL);
	c = github_config("o/private", "faces.txt", NULL, "ghp_wrong");
	CHECK_INT(list(c, NULL, NULL, &l), -EACCES);
	snprintf(want, sizeof(want),
		 "%s: HTTP 401: the token was refused (github.token)",
		 api_url("o/private/commits?path=faces.txt&per_page=1"));
	CHECK_STR(l.error, want);
	config_free(c);
}

static void broken(const char *path, const char *body, const char *url,
		   const char *what)
{
	struct config *c;
	struct source_listing l;
	char faults[1024], want[1024];

	snprintf(faults, sizeof(faults),
		 "[{\"path\": \"%s\", \"status\": 200, \"body\": \"%s\"}]",
		 path, body);
	github_state(1, faults);
	c = github_config("o/lists", "lists", NULL, NULL);
	CHECK_INT(list(c, NULL, NULL, &l), -EBADMSG);
	snprintf(want, sizeof(want), "%s: %s", api_url(url), what);
	CHECK_STR(l.error, want);
	config_free(c);
}

TEST(broken_replies)
{
	static const char commits[] = "o/lists/commits?path=lists&per_page=1";
	static const char contents[] = "o/lists/contents/lists?ref=" SHA_A;

	broken("/repos/o/lists/commits", "[{\\\"sha\\\": 5}]", commits,
	       "not a list of commits with a 'sha' of 40 hex digits");
	broken("/repos/o/lists/commits", "<html>", commits,
	       "the reply is not JSON (lexical error: invalid char in json "
	       "text.)");
	broken("/repos/o/lists/contents/", "\\\"lists\\\"", contents,
	       "neither a file nor a list of entries");
	broken("/repos/o/lists/contents/",
	       "[{\\\"type\\\": \\\"file\\\", \\\"name\\\": \\\"a\\\", "
	       "\\\"path\\\": \\\"lists/a\\\", \\\"download_url\\\": "
	       "\\\"file:///etc/passwd\\\"}]",
	       contents, "a file without an http(s) 'download_url'");
	broken("/repos/o/lists/contents/",
	       "[{\\\"type\\\": \\\"file\\\", \\\"name\\\": \\\"a\\\", "
	       "\\\"path\\\": \\\"lists/../../a\\\", \\\"download_url\\\": "
	       "\\\"http://x/a\\\"}]",
	       contents,
	       "an entry whose path is not a file's path in a repository");
}

/* A private repository with its token: the token goes to the API, and
 * not to the raw host the file downloads from. */
TEST(token_stays_at_the_api)
{
	struct config *c;
	struct source_listing l;
	struct fetch *f = NULL;
	const char *log;

	github_state(1, NULL);
	c = github_config("o/private", "faces.txt", NULL, "ghp_priv\n");
	CHECK_INT(list(c, NULL, NULL, &l), 0);
	CHECK_INT(l.n_files, 1);
	if (l.n_files == 1) {
		struct fetch_request rq = {
			.dataset = &c->datasets[0],
			.options = &c->fetch,
			.cache_dir = test_tmpdir(),
			.url = l.files[0].url,
			.auth_url = c->datasets[0].url,
			.part_name = "lists~0",
		};

		CHECK_STR(l.files[0].url,
			  raw_url("o/private", SHA_A, "faces.txt"));
		CHECK_INT(fetch_new(&rq, &f), 0);
		CHECK_INT(fetch_run(f), 0);
		CHECK_U64(fetch_result(f)->size, 12);
		f = fetch_free(f);
	}
	log = loopback_log(github());
	CHECK_INT(loopback_lines(log, "api GET /repos/o/private/",
				 "auth=yes 200"),
		  2);
	CHECK_INT(loopback_lines(log, "raw GET /o/private/" SHA_A "/faces.txt",
				 "auth=no 200"),
		  1);
	CHECK_INT(loopback_lines(log, "raw ", "auth=yes"), 0);
	source_listing_free(&l);
	config_free(c);
}
