/*
 * test-source-drive.c: the google_drive source against the loopback
 * Drive of tests/lib/gdrive.py (over TLS), then the listed file fetched
 * as a check fetches it.
 *
 * source_list(): a small file served directly (one request, named by its
 * Content-Disposition, unless the name is unfit), the same after a
 * redirect to the content host, a
 * large file's virus-scan warning (the form's URL, every hidden input in
 * it), the quota page with 200 and 403, a sign-in page, a missing file,
 * 429 and 503 with Retry-After, and a form that would leave https.  Then
 * fetch_new()/fetch_run() of what was listed: the file, with its SHA-256
 * and MD5; an HTML page refused (refuse_html) with its title in the error
 * and nothing left in the cache, whether its Content-Type says HTML or
 * only its first bytes do.
 *
 * tests/cli/drive.sh runs it: it starts the server and exports
 * GDRIVED_DIR (the server's directory: state.json, requests.log),
 * GDRIVED_URL (https://localhost:PORT, the drive server) and
 * GDRIVED_CA (the CA its certificate is signed by).  Without them every
 * test fails.
 */
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>

#include "config/config.h"
#include "fetch/fetch.h"
#include "fetch/source.h"
#include "lib/macro.h"
#include "test.h"
#include "testutil.h"

#define BIG_SIZE (3 << 20)

struct server {
	const char *dir, *url, *ca;
	char content_url[256]; /* https://localhost:PORT of the content host */
};

/* The server drive.sh started, or NULL (a failure, said why). */
static const struct server *server(void)
{
	static struct server s;
	static bool done;
	char path[PATH_MAX];
	unsigned drive_port, content_port;
	FILE *f;

	if (done)
		return s.dir ? &s : NULL;
	done = true;
	s.dir = getenv("GDRIVED_DIR");
	s.url = getenv("GDRIVED_URL");
	s.ca = getenv("GDRIVED_CA");
	if (!s.dir || !s.url || !s.ca) {
		fprintf(stderr, "  no GDRIVED_DIR, GDRIVED_URL and "
				"GDRIVED_CA: tests/cli/drive.sh runs this\n");
		s.dir = NULL;
		test_failures++;
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/ready", s.dir);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%u %u", &drive_port, &content_port) != 2) {
		fprintf(stderr, "  cannot read %s\n", path);
		s.dir = NULL;
		test_failures++;
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	snprintf(s.content_url, sizeof(s.content_url), "https://localhost:%u",
		 content_port);
	if (fetch_global_init() < 0)
		abort();
	return &s;
}

/* Writes the server's state.json (by a rename) and empties its log. */
static void state(const struct server *s, const char *json)
{
	char tmp[PATH_MAX], path[PATH_MAX];

	test_write(s->dir, "state.json.new", json, 0644);
	snprintf(tmp, sizeof(tmp), "%s/state.json.new", s->dir);
	snprintf(path, sizeof(path), "%s/state.json", s->dir);
	if (rename(tmp, path) < 0) {
		perror(path);
		exit(2);
	}
	test_write(s->dir, "requests.log", "", 0644);
}

/* The server's log since state(). */
static const char *requests(const struct server *s)
{
	static char log[8192];
	char path[PATH_MAX];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/requests.log", s->dir);
	f = fopen(path, "r");
	if (f) {
		n = fread(log, 1, sizeof(log) - 1, f);
		fclose(f);
	}
	log[n] = '\0';
	return log;
}

/* The test's files in the server's directory: small.json, the big file
 * (BIG_SIZE bytes of a pattern) and a page served as a file. */
static const char small[] = "{\"0\": {\"metadata\": {\"photo_url\": "
			    "\"https://www.flickr.com/photos/a/1/\"}}}\n";
static const char page[] = "\n  <!DOCTYPE html><html><head><title>Sign in "
			   "- Google Accounts</title></head></html>\n";
static char *big;

static void files(const struct server *s)
{
	char path[PATH_MAX];
	size_t i;
	FILE *f;

	if (big)
		return;
	big = malloc(BIG_SIZE);
	for (i = 0; i < BIG_SIZE; i++)
		big[i] = (char)(i * 7 + (i >> 10));
	snprintf(path, sizeof(path), "%s/big.bin", s->dir);
	f = fopen(path, "wb");
	if (!f || fwrite(big, 1, BIG_SIZE, f) != BIG_SIZE || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	test_write(s->dir, "small.json", small, 0644);
	test_write(s->dir, "page.bin", page, 0644);
}

/* A google_drive dataset of file id, as the configuration loads it. */
struct drive_dataset {
	struct config_dataset d;
	struct config_fetch o;
	char url[512];
	char cache[PATH_MAX];
};

static void dataset(const struct server *s, const char *id,
		    struct drive_dataset *dd)
{
	*dd = (struct drive_dataset){0};
	snprintf(dd->url, sizeof(dd->url), "%s/uc?export=download&id=%s",
		 s->url, id);
	snprintf(dd->cache, sizeof(dd->cache), "%s/cache", test_tmpdir());
	dd->d = (struct config_dataset){
		.name = (char *)"ffhq",
		.url = dd->url,
		.source = {.kind = CONFIG_SOURCE_GOOGLE_DRIVE,
			   .id = (char *)id,
			   .endpoint = (char *)s->url},
		.format = (char *)"ffhq",
		.max_download = 1ULL << 30,
		.timeout = 60,
	};
	dd->o = (struct config_fetch){
		.ca_file = (char *)s->ca,
		.connect_timeout = 10,
		.low_speed_limit = 1,
		.low_speed_time = 30,
	};
}

static int list(struct drive_dataset *dd, struct source_listing *l)
{
	struct source_request rq = {.dataset = &dd->d, .options = &dd->o};

	return source_list(&rq, l);
}

/* Lists the dataset's file, expecting one. */
static const struct source_file *list_one(struct drive_dataset *dd,
					  struct source_listing *l)
{
	int r = list(dd, l);

	CHECK_INT(r, 0);
	if (r < 0)
		TEST_FAIL("source_list(): %s", l->error);
	CHECK_INT(l->n_files, 1);
	if (r < 0 || l->n_files != 1)
		return NULL;
	CHECK(l->files[0].refuse_html);
	CHECK_STR(l->files[0].sha256, "");
	CHECK_INT(l->files[0].size, -1);
	return &l->files[0];
}

static void hex_digest(const EVP_MD *md, const void *data, size_t len,
		       char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;

	EVP_Digest(data, len, d, &n, md, NULL);
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The names in dir (none: ""), sorted, one a line. */
static const char *dir_entries(const char *dir)
{
	static char names[4096];
	struct dirent **list;
	int n, i;
	size_t at = 0;

	names[0] = '\0';
	n = scandir(dir, &list, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") &&
		    strcmp(list[i]->d_name, ".."))
			at += (size_t)snprintf(names + at, sizeof(names) - at,
					       "%s\n", list[i]->d_name);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return names;
}

/* Fetches url for the dataset, as a check fetches a listed file.
 * Returns fetch_run()'s result; *res is copied out. */
static int fetch_url(struct drive_dataset *dd, const char *url,
		     bool refuse_html, struct fetch_result *res)
{
	struct fetch_request rq = {
		.dataset = &dd->d,
		.options = &dd->o,
		.cache_dir = dd->cache,
		.url = url,
		.auth_url = dd->d.url,
		.part_name = "ffhq~file",
		.refuse_html = refuse_html,
	};
	struct fetch *f = NULL;
	int r;

	r = fetch_new(&rq, &f);
	if (r >= 0)
		r = fetch_run(f);
	*res = *fetch_result(f);
	fetch_free(f);
	return r;
}

/* Fetches url, expecting content (len bytes) in the cache. */
static void fetch_expect(struct drive_dataset *dd, const char *url,
			 const void *content, size_t len)
{
	struct fetch_result res;
	char sha256[65], md5[33];
	int r;

	hex_digest(EVP_sha256(), content, len, sha256);
	hex_digest(EVP_md5(), content, len, md5);
	r = fetch_url(dd, url, true, &res);
	CHECK_INT(r, 0);
	if (r < 0)
		TEST_FAIL("fetch: %s", res.error);
	CHECK_INT(res.http_status, 200);
	CHECK_U64(res.size, len);
	CHECK_STR(res.sha256, sha256);
	CHECK_STR(res.md5, md5);
	CHECK(access(res.path, R_OK) == 0);
}

/* Fetches url with refuse_html, expecting error and an empty cache. */
static void fetch_refused(struct drive_dataset *dd, const char *url,
			  const char *error)
{
	struct fetch_result res;

	CHECK_INT(fetch_url(dd, url, true, &res), -EBADMSG);
	CHECK_STR(res.error, error);
	CHECK_STR(res.path, "");
	CHECK_STR(dir_entries(dd->cache), "");
}

/* ---- the file itself ------------------------------------------------------ */

TEST(small_file_direct)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;
	const struct source_file *f;
	char want[512];

	if (!s)
		return;
	files(s);
	state(s, "{\"files\": {\"1smallFILE_id-01\": {\"path\": \"small.json\","
		 " \"mode\": \"direct\", \"name\": \"ffhq-small.json\"}}}");
	dataset(s, "1smallFILE_id-01", &dd);
	f = list_one(&dd, &l);
	if (f) {
		CHECK_STR(f->name, "ffhq-small.json");
		CHECK_STR(f->url, dd.url);
	}
	CHECK_INT(l.requests, 1);
	CHECK_INT(l.http_status, 200);
	CHECK_STR(l.revision, "");
	snprintf(want, sizeof(want),
		 "drive GET /uc?export=download&id=1smallFILE_id-01 200\n");
	CHECK_STR(requests(s), want);
	if (f)
		fetch_expect(&dd, f->url, small, strlen(small));
	source_listing_free(&l);
}

TEST(small_file_after_redirect)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;
	const struct source_file *f;

	if (!s)
		return;
	files(s);
	state(s, "{\"files\": {\"1smallFILE_id-02\": {\"path\": \"small.json\","
		 " \"mode\": \"direct\", \"redirect\": true}}}");
	dataset(s, "1smallFILE_id-02", &dd);
	f = list_one(&dd, &l);
	if (f) {
		CHECK_STR(f->name, "small.json");
		CHECK_STR(f->url, dd.url);
	}
	CHECK_INT(l.requests, 2);
	CHECK_STR(requests(s),
		  "drive GET /uc?export=download&id=1smallFILE_id-02 303\n"
		  "content GET /download?id=1smallFILE_id-02&export=download "
		  "200\n");
	if (f)
		fetch_expect(&dd, f->url, small, strlen(small));
	source_listing_free(&l);
}

/* A name from Content-Disposition is a name: its filename* (UTF-8),
 * without a path; one unfit (here "..") leaves the id. */
TEST(small_file_names)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{"donn\u00e9es/ffhq-\u00fc.json", "ffhq-\xc3\xbc.json"},
		{"..", "1smallFILE_id-03"},
		{"a\\u0007b.json", "1smallFILE_id-03"},
	};
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;
	const struct source_file *f;
	char json[512];
	size_t i;

	if (!s)
		return;
	files(s);
	dataset(s, "1smallFILE_id-03", &dd);
	for (i = 0; i < ELEMENTSOF(cases); i++) {
		snprintf(json, sizeof(json),
			 "{\"files\": {\"1smallFILE_id-03\": {\"path\": "
			 "\"small.json\", \"mode\": \"direct\", \"name\": "
			 "\"%s\"}}}",
			 cases[i].name);
		state(s, json);
		f = list_one(&dd, &l);
		if (f)
			CHECK_STR(f->name, cases[i].want);
		source_listing_free(&l);
	}
}

/* ---- the virus-scan warning ----------------------------------------------- */

/* Checks that url is the warning form's for id, uuid aside. */
static void check_form_url(const struct server *s, const char *id,
			   const char *url)
{
	char prefix[512];
	const char *suffix = "&at=AEz7%26x%27y%22z%3C1%3E", *uuid;
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix),
			     "%s/download?id=%s&export=download&confirm=t"
			     "&uuid=",
			     s->content_url, id);
	if (strncmp(url, prefix, n) != 0) {
		TEST_FAIL("the form's URL is %s, expected it to start %s", url,
			  prefix);
		return;
	}
	uuid = url + n;
	CHECK_INT(strcspn(uuid, "&"), 36);
	CHECK_STR(uuid + strcspn(uuid, "&"), suffix);
}

TEST(warning_page)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;
	const struct source_file *f;
	char want[1024];

	if (!s)
		return;
	files(s);
	state(s, "{\"files\": {\"16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA\": "
		 "{\"path\": \"big.bin\", \"mode\": \"warn\", "
		 "\"name\": \"ffhq-dataset-v2.json\"}}}");
	dataset(s, "16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA", &dd);
	f = list_one(&dd, &l);
	if (!f)
		return;
	CHECK_STR(f->name, "16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA");
	check_form_url(s, "16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA", f->url);
	CHECK_INT(l.requests, 1);
	fetch_expect(&dd, f->url, big, BIG_SIZE);
	snprintf(want, sizeof(want),
		 "drive GET /uc?export=download&id=16N0RV4fHI6joBuKbQAoG34V_"
		 "cQk7vxSA 200\ncontent GET %s 200\n",
		 f->url + strlen(s->content_url));
	CHECK_STR(requests(s), want);
	source_listing_free(&l);
}

TEST(warning_page_after_redirect)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;
	const struct source_file *f;

	if (!s)
		return;
	files(s);
	state(s, "{\"files\": {\"1IB0BFbN_eRZx9UkJqLHSgJiQhqX-PrI6\": "
		 "{\"path\": \"big.bin\", \"mode\": \"warn\", "
		 "\"redirect\": true}}}");
	dataset(s, "1IB0BFbN_eRZx9UkJqLHSgJiQhqX-PrI6", &dd);
	f = list_one(&dd, &l);
	if (f) {
		check_form_url(s, "1IB0BFbN_eRZx9UkJqLHSgJiQhqX-PrI6", f->url);
		fetch_expect(&dd, f->url, big, BIG_SIZE);
	}
	CHECK_INT(l.requests, 2);
	source_listing_free(&l);
}

TEST(warning_form_leaving_https)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;
	char json[512], want[512];
	const char *port = strrchr(s ? s->content_url : ":", ':') + 1;

	if (!s)
		return;
	files(s);
	snprintf(json, sizeof(json),
		 "{\"files\": {\"1downgradeFILE\": {\"path\": \"big.bin\", "
		 "\"mode\": \"warn\", \"action\": "
		 "\"http://localhost:%s/download\"}}}",
		 port);
	state(s, json);
	dataset(s, "1downgradeFILE", &dd);
	CHECK_INT(list(&dd, &l), -EBADMSG);
	snprintf(want, sizeof(want),
		 "Google Drive's download warning for file '1downgradeFILE' "
		 "sends to 'http://localhost:%s/download', refused: it leaves "
		 "https for plain http",
		 port);
	CHECK_STR(l.error, want);
	CHECK_INT(l.n_files, 0);
}

/* ---- pages that are not the file ------------------------------------------ */

static void check_quota(int status)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;
	char json[256], want[512];

	if (!s)
		return;
	files(s);
	snprintf(json, sizeof(json),
		 "{\"files\": {\"1quotaFILE_id\": {\"path\": \"big.bin\", "
		 "\"mode\": \"quota\", \"status\": %d}}}",
		 status);
	state(s, json);
	dataset(s, "1quotaFILE_id", &dd);
	CHECK_INT(list(&dd, &l), -EAGAIN);
	snprintf(want, sizeof(want),
		 "Google Drive answered with its \"Quota exceeded\" page (HTTP "
		 "%d): too many have downloaded file '1quotaFILE_id' lately; "
		 "it can be fetched again later (in about a day)",
		 status);
	CHECK_STR(l.error, want);
	CHECK_INT(l.retry_after, 6 * 3600);
	CHECK_INT(l.http_status, status);
	CHECK_INT(l.n_files, 0);
}

TEST(quota_page_200)
{
	check_quota(200);
}

TEST(quota_page_403)
{
	check_quota(403);
}

TEST(signin_page)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;

	if (!s)
		return;
	state(s, "{\"files\": {\"1privateFILE\": {\"path\": \"big.bin\", "
		 "\"mode\": \"signin\"}}}");
	dataset(s, "1privateFILE", &dd);
	CHECK_INT(list(&dd, &l), -EBADMSG);
	CHECK_STR(l.error, "Google Drive answered file '1privateFILE' with a "
			   "page that is neither the file nor its download "
			   "warning: 'Google Drive: Sign-in' (HTTP 200)");
	CHECK_INT(l.n_files, 0);
}

TEST(missing_file)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;

	if (!s)
		return;
	state(s, "{\"files\": {}}");
	dataset(s, "1noSuchFILE", &dd);
	CHECK_INT(list(&dd, &l), -ENOENT);
	CHECK_STR(l.error, "Google Drive has no file '1noSuchFILE' (HTTP 404)");
	CHECK_INT(l.http_status, 404);
}

TEST(rate_limited)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;

	if (!s)
		return;
	state(s, "{\"files\": {\"1busyFILE\": {\"path\": \"big.bin\", "
		 "\"mode\": \"busy\", \"retry_after\": 120}}}");
	dataset(s, "1busyFILE", &dd);
	CHECK_INT(list(&dd, &l), -EAGAIN);
	CHECK_STR(l.error, "Google Drive asks to wait 120 seconds (HTTP 429)");
	CHECK_INT(l.retry_after, 120);
	state(s, "{\"files\": {\"1busyFILE\": {\"path\": \"big.bin\", "
		 "\"mode\": \"busy\", \"status\": 503, \"retry_after\": 30}}}");
	CHECK_INT(list(&dd, &l), -EAGAIN);
	CHECK_STR(l.error, "Google Drive asks to wait 30 seconds (HTTP 503)");
	CHECK_INT(l.retry_after, 30);
}

/* ---- refuse_html when fetching ------------------------------------------- */

TEST(fetch_refuses_the_quota_page)
{
	const struct server *s = server();
	struct drive_dataset dd;
	char want[512];

	if (!s)
		return;
	files(s);
	state(s, "{\"files\": {\"1quotaFILE_id\": {\"path\": \"big.bin\", "
		 "\"mode\": \"quota\"}}}");
	dataset(s, "1quotaFILE_id", &dd);
	snprintf(want, sizeof(want),
		 "%s: the server sent an HTML page, not the file: 'Google "
		 "Drive - Quota exceeded'",
		 dd.url);
	fetch_refused(&dd, dd.url, want);
}

/* The quota ran out between the warning page and its form's
 * submission. */
TEST(fetch_refuses_the_quota_page_after_the_warning)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct source_listing l;
	const struct source_file *f;
	char want[1024];

	if (!s)
		return;
	files(s);
	state(s, "{\"files\": {\"1lateQUOTA\": {\"path\": \"big.bin\", "
		 "\"mode\": \"warn\", \"quota_later\": true}}}");
	dataset(s, "1lateQUOTA", &dd);
	f = list_one(&dd, &l);
	if (f) {
		snprintf(want, sizeof(want),
			 "%s: the server sent an HTML page, not the file: "
			 "'Google Drive - Quota exceeded'",
			 f->url);
		fetch_refused(&dd, f->url, want);
	}
	source_listing_free(&l);
}

/* A page served as application/octet-stream: its first bytes tell. */
TEST(fetch_refuses_a_page_by_its_first_bytes)
{
	const struct server *s = server();
	struct drive_dataset dd;
	struct fetch_result res;
	char want[512];

	if (!s)
		return;
	files(s);
	state(s, "{\"files\": {\"1pageFILE\": {\"path\": \"page.bin\", "
		 "\"mode\": \"direct\"}}}");
	dataset(s, "1pageFILE", &dd);
	snprintf(want, sizeof(want),
		 "%s: the server sent an HTML page, not the file: 'Sign in - "
		 "Google Accounts'",
		 dd.url);
	fetch_refused(&dd, dd.url, want);
	/* Without refuse_html the same bytes are a file like any. */
	CHECK_INT(fetch_url(&dd, dd.url, false, &res), 0);
	CHECK_U64(res.size, strlen(page));
}
