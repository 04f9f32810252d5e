/*
 * test-alert.c: an alert read back from the outbox: a notice's type comes
 * from its own column, as routing wrote it, on each operator channel; and
 * a database from before that column (schema 8) keeps its notices' types,
 * taken from their JSON by the migration ("notice" when the JSON has none).
 * Alert ids: two installations given the same releases share none, a copy
 * of one database tells two release files apart, and routing the same
 * again makes the same id.  Webhook bodies: the one schema (version 2) of
 * every kind of alert, member by member, read back as JSON.
 */
#include <errno.h>
#include <sqlite3.h>
#include <yajl/yajl_tree.h>

#include "alert/alert.h"
#include "alert/channel.h"
#include "alert/route.h"
#include "alert/webhook.h"
#include "lib/buf.h"
#include "lib/macro.h"
#include "store/store.h"
#include "store/store_outbox.h"
#include "test.h"
#include "testutil.h"

#define NOW 1700000000

/* The operator's channels: both, with an SMTP server. */
static const struct config operator_config = {
	.smtp = {.url = (char *)"smtps://mail.example.org",
		 .from = (char *)"scrapewatch <alerts@example.org>"},
	.operator= {.email = (char *)"ops@example.org",
		    .webhook = (char *)"https://hooks.example.org/ops"},
};

struct ids {
	char id[16][STORE_ALERT_ID_LEN + 1];
	char who[16][16]; /* the subscriber, "" for the operator */
	size_t n;
};

static int collect(void *userdata, const struct store_alert *a)
{
	struct ids *ids = userdata;

	if (ids->n < ELEMENTSOF(ids->id)) {
		snprintf(ids->who[ids->n], sizeof(ids->who[0]), "%s",
			 a->subscriber);
		memcpy(ids->id[ids->n++], a->id, sizeof(ids->id[0]));
	}
	return 0;
}

/* Checks that every alert in s is a notice of type want. */
static void check_types(struct store *s, size_t n, const char *want)
{
	struct ids ids = {0};
	struct alert *a;
	size_t i;

	CHECK_INT(store_alerts_each(s, -1, collect, &ids), 0);
	CHECK_INT(ids.n, n);
	for (i = 0; i < ids.n; i++) {
		a = NULL;
		CHECK_INT(alert_load(s, ids.id[i], &a), 0);
		if (!a)
			continue;
		CHECK_INT(a->kind, STORE_ALERT_NOTICE);
		CHECK_STR(alert_type(a), want);
		a = alert_free(a);
	}
}

static void exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		TEST_FAIL("%s: %s", sql, err ? err : "?");
	sqlite3_free(err);
	sqlite3_close(db);
}

/* Opens a new database in a new directory; path gets its name. */
static struct store *open_new(char path[PATH_MAX])
{
	struct store *s = NULL;

	snprintf(path, PATH_MAX, "%s/state.db", test_tmpdir());
	CHECK_INT(store_open(path, STORE_READ_WRITE, &s), 0);
	return s;
}

/* Back to schema 8: no notice_type column, and what later schemas added
 * undone. */
#define SCHEMA_8                                                         \
	"DROP TABLE segments;"                                           \
	"ALTER TABLE change_log RENAME TO changes;"                      \
	"CREATE TABLE entries(id INTEGER PRIMARY KEY, dataset_id, key, " \
	"photo_id, owner_id, first_release, line, offset, length, "      \
	"key_text, page_url, image_url, license, file_id);"              \
	"ALTER TABLE alerts DROP COLUMN notice_type;"                    \
	"DROP TABLE release_files;"                                      \
	"ALTER TABLE entries DROP COLUMN file_id;"                       \
	"ALTER TABLE releases DROP COLUMN revision;"                     \
	"ALTER TABLE runs DROP COLUMN files;"                            \
	"ALTER TABLE runs DROP COLUMN files_fetched;"                    \
	"ALTER TABLE runs DROP COLUMN files_parsed;"                     \
	"ALTER TABLE runs DROP COLUMN retry_after;"                      \
	"PRAGMA user_version = 8;"

TEST(notice_types)
{
	static const struct {
		const char *type; /* routed */
		const char *sql;  /* then run on the closed database */
		const char *want; /* the type read back after reopening */
	} cases[] = {
		/* Once written, the type is the column's: the JSON no
		 * longer says. */
		{"dataset.failing", "UPDATE alerts SET notice = '{}'",
		 "dataset.failing"},
		/* A database from before the column: the migration reads
		 * the JSON. */
		{"alert.failed", SCHEMA_8, "alert.failed"},
		{"dataset.release", SCHEMA_8, "dataset.release"},
		/* JSON without a type, or not JSON at all: "notice", as
		 * when the type was read from the JSON. */
		{"alert.failed",
		 SCHEMA_8 "UPDATE alerts SET notice = '{\"a\":1}'", "notice"},
		{"alert.failed",
		 SCHEMA_8 "UPDATE alerts SET notice = '{not json'", "notice"},
	};
	char path[PATH_MAX];
	struct store *s;
	size_t i;

	for (i = 0; i < ELEMENTSOF(cases); i++) {
		s = open_new(path);
		CHECK_INT(route_notice(s, &operator_config, cases[i].type,
				       "key", "\"dataset\":\"ffhq\"", NOW),
			  0);
		check_types(s, CHANNEL_MAX, cases[i].type);
		s = store_close(s);
		exec(path, cases[i].sql);
		CHECK_INT(store_open(path, STORE_READ_WRITE, &s), 0);
		check_types(s, CHANNEL_MAX, cases[i].want);
		s = store_close(s);
		*strrchr(path, '/') = '\0';
		test_rmtree(path);
	}
}

TEST(notices_go_to_the_operators_channels)
{
	struct config c = {
		/* No SMTP server: no email. */
		.operator= {.email = (char *)"ops@example.org"},
	};
	char path[PATH_MAX];
	struct store *s = open_new(path);

	CHECK_INT(route_notice(s, &c, "dataset.failing", "ffhq",
			       "\"dataset\":\"ffhq\"", NOW),
		  0);
	check_types(s, 0, "");
	c.operator.webhook =(char *) "https://hooks.example.org/ops";
	CHECK_INT(route_notice(s, &c, "dataset.failing", "ffhq",
			       "\"dataset\":\"ffhq\"", NOW),
		  0);
	check_types(s, 1, "dataset.failing");
	s = store_close(s);
	*strrchr(path, '/') = '\0';
	test_rmtree(path);
}

/* ---- alert ids ------------------------------------------------------------ */

#define SHA_A "8d79c4e5a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c"
#define SHA_B "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

/* jane by webhook, eve by webhook in a daily digest; the operator on both
 * channels. */
static struct config_subscriber id_subscribers[] = {
	{.name = (char *)"jane",
	 .webhook = (char *)"https://hooks.example.org/jane"},
	{.name = (char *)"eve",
	 .webhook = (char *)"https://hooks.example.org/eve",
	 .digest = CONFIG_DIGEST_DAILY},
};

/* What an ingest of release file sha256 routes: an event each for jane
 * and eve (ids as the events module would make them: the same in every
 * installation) and the operator's dataset.release notice. */
static void route_release(struct store *s, const char *sha256)
{
	struct config c = operator_config;
	struct store_release rel = {.size = 1, .ingested = NOW};
	struct store_event e[] = {
		{.id = "11111111111111111111111111111111",
		 .type = STORE_EVENT_INCLUDED,
		 .subscriber = "jane"},
		{.id = "22222222222222222222222222222222",
		 .type = STORE_EVENT_REMOVED,
		 .subscriber = "eve"},
	};
	size_t i;

	c.subscribers = id_subscribers;
	c.n_subscribers = ELEMENTSOF(id_subscribers);
	snprintf(rel.sha256, sizeof(rel.sha256), "%s", sha256);
	CHECK_INT(store_dataset_id(s, "ffhq", &rel.dataset_id), 0);
	CHECK_INT(store_release_add(s, &rel), 0);
	for (i = 0; i < ELEMENTSOF(e); i++) {
		e[i].dataset_id = rel.dataset_id;
		e[i].release_id = rel.id;
		e[i].created = NOW;
		e[i].photos = 1;
		CHECK_INT(store_event_add(s, &e[i]), 1);
		CHECK_INT(route_event(s, &c, &id_subscribers[i], &e[i]), 1);
	}
	CHECK_INT(route_notice(s, &c, "dataset.release", "ffhq/1",
			       "\"dataset\":\"ffhq\",\"release\":1", NOW),
		  0);
}

static bool has_id(const struct ids *ids, const char *id)
{
	size_t i;

	for (i = 0; i < ids->n; i++)
		if (strcmp(ids->id[i], id) == 0)
			return true;
	return false;
}

static void collect_ids(struct store *s, struct ids *ids)
{
	*ids = (struct ids){0};
	CHECK_INT(store_alerts_each(s, -1, collect, ids), 0);
}

static void remove_store(char path[PATH_MAX])
{
	*strrchr(path, '/') = '\0';
	test_rmtree(path);
}

TEST(alert_ids_differ_between_installations)
{
	char path[2][PATH_MAX];
	struct ids ids[2], again;
	struct store *s[2];
	char inst[2][STORE_INSTALLATION_ID_LEN + 1];
	size_t i, k;

	for (k = 0; k < 2; k++) {
		s[k] = open_new(path[k]);
		CHECK_INT(store_installation_id(s[k], inst[k]), 0);
		CHECK_INT(strspn(inst[k], "0123456789abcdef"),
			  STORE_INSTALLATION_ID_LEN);
		route_release(s[k], SHA_A);
		collect_ids(s[k], &ids[k]);
		/* jane's alert, eve's digest, the notice on two channels */
		CHECK_INT(ids[k].n, 4);
	}
	CHECK(strcmp(inst[0], inst[1]) != 0);
	for (i = 0; i < ids[1].n; i++)
		if (has_id(&ids[0], ids[1].id[i]))
			TEST_FAIL("alert id %s in both installations",
				  ids[1].id[i]);
	/* The installation id stays: reopened, routing again finds the
	 * alerts it made (the same ids), and adds none. */
	s[0] = store_close(s[0]);
	CHECK_INT(store_open(path[0], STORE_READ_WRITE, &s[0]), 0);
	CHECK_INT(store_installation_id(s[0], inst[1]), 0);
	CHECK_STR(inst[1], inst[0]);
	CHECK_INT(route_notice(s[0], &operator_config, "dataset.release",
			       "ffhq/1", "\"dataset\":\"ffhq\"", NOW + 60),
		  0);
	collect_ids(s[0], &again);
	CHECK_INT(again.n, ids[0].n);
	for (i = 0; i < again.n; i++)
		CHECK(has_id(&ids[0], again.id[i]));
	for (k = 0; k < 2; k++) {
		s[k] = store_close(s[k]);
		remove_store(path[k]);
	}
}

/* The id of jane's alert among ids. */
static const char *janes(const struct ids *ids)
{
	size_t i;

	for (i = 0; i < ids->n; i++)
		if (strcmp(ids->who[i], "jane") == 0)
			return ids->id[i];
	TEST_FAIL("no alert for jane");
	return "";
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wbx");
	char block[1 << 14];
	size_t n;

	CHECK(in && out);
	while (in && out && (n = fread(block, 1, sizeof(block), in)) > 0)
		CHECK_INT(fwrite(block, 1, n, out), n);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

/* A copy of one database (one installation id, e.g. a restored backup)
 * that ingests another release file under the same number: the event
 * alert's id changes with the file; the same file makes the same id. */
TEST(alert_ids_follow_the_release_file)
{
	static const char *const files[] = {SHA_A, SHA_B, SHA_A};
	char path[3][PATH_MAX], first[PATH_MAX];
	struct ids ids[3];
	struct store *s = open_new(first);
	size_t k;

	s = store_close(s);
	for (k = 0; k < 3; k++) {
		snprintf(path[k], PATH_MAX, "%s/state.db", test_tmpdir());
		copy_file(first, path[k]);
		CHECK_INT(store_open(path[k], STORE_READ_WRITE, &s), 0);
		route_release(s, files[k]);
		collect_ids(s, &ids[k]);
		s = store_close(s);
	}
	/* jane's event alert is the one that names the release file. */
	CHECK_INT(ids[1].n, ids[0].n);
	CHECK(strcmp(janes(&ids[0]), janes(&ids[1])) != 0);
	CHECK_INT(ids[2].n, ids[0].n);
	for (k = 0; k < ids[2].n; k++)
		CHECK(has_id(&ids[0], ids[2].id[k]));
	remove_store(first);
	for (k = 0; k < 3; k++)
		remove_store(path[k]);
}

TEST(test_messages_never_share_an_id)
{
	struct alert *a = alert_test("jane", STORE_CHANNEL_WEBHOOK, NOW);
	struct alert *b = alert_test("jane", STORE_CHANNEL_WEBHOOK, NOW);

	CHECK_INT(strspn(a->id, "0123456789abcdef"), STORE_ALERT_ID_LEN);
	CHECK(strcmp(a->id, b->id) != 0);
	alert_free(a);
	alert_free(b);
}

/* ---- webhook bodies -------------------------------------------------------- */

/* The value at path in v ("data/photos/0/owner": names, and numbers that
 * index arrays), or NULL when there is none. */
static yajl_val at(yajl_val v, const char *path)
{
	char part[64], *end;
	unsigned long k;
	size_t len, i;

	while (v && *path) {
		len = strcspn(path, "/");
		snprintf(part, sizeof(part), "%.*s", (int)len, path);
		path += len + (path[len] == '/');
		if (YAJL_IS_ARRAY(v)) {
			k = strtoul(part, &end, 10);
			v = *end || k >= v->u.array.len ? NULL
							: v->u.array.values[k];
			continue;
		}
		if (!YAJL_IS_OBJECT(v))
			return NULL;
		for (i = 0; i < v->u.object.len; i++)
			if (strcmp(v->u.object.keys[i], part) == 0)
				break;
		v = i < v->u.object.len ? v->u.object.values[i] : NULL;
	}
	return v;
}

/* What a value is, as the tables below write it: a string in quotes, a
 * number as written, null, {N} and [N] for objects and arrays of N, or
 * "absent". */
static void shape(yajl_val v, char *out, size_t size)
{
	if (!v)
		snprintf(out, size, "absent");
	else if (YAJL_IS_STRING(v))
		snprintf(out, size, "\"%s\"", YAJL_GET_STRING(v));
	else if (YAJL_IS_NUMBER(v))
		snprintf(out, size, "%s", YAJL_GET_NUMBER(v));
	else if (YAJL_IS_OBJECT(v))
		snprintf(out, size, "{%zu}", v->u.object.len);
	else if (YAJL_IS_ARRAY(v))
		snprintf(out, size, "[%zu]", v->u.array.len);
	else
		snprintf(out, size, "%s", YAJL_IS_NULL(v) ? "null" : "bool");
}

struct member {
	const char *path, *want;
};

/* Renders a's body, parses it and checks each member. */
static void check_body(const struct alert *a, const struct config *c,
		       const struct member *m, size_t n)
{
	yajl_val root;
	struct buf body;
	char got[512];
	size_t i;

	buf_init(&body, 1 << 20);
	webhook_body(a, c, &body);
	(void)buf_putc(&body, '\0');
	root = yajl_tree_parse(body.data, NULL, 0);
	if (!root)
		TEST_FAIL("not JSON: %s", body.data);
	for (i = 0; root && i < n; i++) {
		shape(at(root, m[i].path), got, sizeof(got));
		if (strcmp(got, m[i].want) != 0)
			TEST_FAIL("%s: %s is %s, expected %s", alert_type(a),
				  m[i].path, got, m[i].want);
	}
	yajl_tree_free(root);
	buf_free(&body);
}

#define ALERT_ID "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define PAGE	 "https://www.flickr.com/photos/janedoe/2005/"
/* The configured URL, as a receiver sees it: its secret left out. */
#define DATASET_URL   "https://example.org/ffhq.json?token=s3cret"
#define DATASET_SHOWN "https://example.org/ffhq.json?token=REDACTED"

static struct config_dataset body_datasets[] = {
	{.name = (char *)"ffhq", .url = (char *)DATASET_URL},
};

/* Every payload: type, version, id, timestamp and data, nothing else. */
#define ENVELOPE(type)                                     \
	{"type", "\"" type "\""}, {"version", "2"},        \
		{"id", "\"" ALERT_ID "\""},                \
		{"timestamp", "\"2023-11-14T22:13:20Z\""}, \
		{"created", "absent"},                     \
	{                                                  \
		"subscriber", "absent"                     \
	}

/* The dataset and release objects: the same members in every payload. */
#define DATASET_AND_RELEASE(at)                                    \
	{at "dataset", "{2}"}, {at "dataset/name", "\"ffhq\""},    \
		{at "dataset/url", "\"" DATASET_SHOWN "\""},       \
		{at "release", "{3}"}, {at "release/number", "3"}, \
		{at "release/sha256", "\"" SHA_A "\""},            \
	{                                                          \
		at "release/fetched", "\"2023-11-14T22:13:18Z\""   \
	}

TEST(webhook_bodies_of_subscriber_alerts)
{
	static const struct member event[] = {
		ENVELOPE("photo.included"),
		{"data", "{5}"},
		{"data/subscriber", "\"jane\""},
		DATASET_AND_RELEASE("data/"),
		{"data/photo_count", "2"},
		{"data/photos", "[2]"},
		{"data/photos/0", "{9}"},
		{"data/photos/0/photo_id", "2005"},
		{"data/photos/0/page_url", "\"" PAGE "\""},
		/* Missing values are null, never "". */
		{"data/photos/0/image_url", "null"},
		{"data/photos/0/owner/nsid", "null"},
		{"data/photos/0/owner/alias", "\"janedoe\""},
		{"data/photos/0/owner/display_name", "\"Jane Doe\""},
		{"data/photos/0/match", "\"alias\""},
		{"data/photos/0/owner_found", "\"direct\""},
		{"data/photos/0/license", "null"},
		{"data/photos/0/key", "null"},
		{"data/photos/0/line", "4"},
		/* No photo id, no owner: no page either. */
		{"data/photos/1/photo_id", "null"},
		{"data/photos/1/page_url", "null"},
		{"data/photos/1/key", "\"row 7\""},
	};
	static const struct member baseline[] = {
		ENVELOPE("subscription.baseline"),
		DATASET_AND_RELEASE("data/"),
	};
	static const struct member digest[] = {
		ENVELOPE("subscription.digest"),
		{"data", "{2}"},
		{"data/subscriber", "\"jane\""},
		{"data/events", "[2]"},
		{"data/events/0", "{7}"},
		{"data/events/0/id", "\"e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0\""},
		{"data/events/0/type", "\"photo.included\""},
		{"data/events/0/timestamp", "\"2023-11-14T22:13:20Z\""},
		DATASET_AND_RELEASE("data/events/0/"),
		{"data/events/0/photo_count", "2"},
		{"data/events/0/photos/0/photo_id", "2005"},
		{"data/events/1/type", "\"photo.removed\""},
		DATASET_AND_RELEASE("data/events/1/"),
	};
	struct alert_photo photos[] = {
		{.e = {.photo_id = 2005,
		       .nsid = "",
		       .alias = "janedoe",
		       .name = "Jane Doe",
		       .key_text = "",
		       .page_url = "",
		       .image_url = "",
		       .license = "",
		       .line = 4},
		 .how = STORE_MATCH_ALIAS,
		 .via = STORE_VIA_ENTRY},
		{.e = {.nsid = "",
		       .alias = "",
		       .name = "",
		       .key_text = "row 7",
		       .page_url = "",
		       .image_url = "",
		       .license = "",
		       .line = 9},
		 .how = STORE_MATCH_PHOTO,
		 .via = STORE_VIA_ENTRY},
	};
	struct alert_event ev[2] = {
		{.id = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0",
		 .type = STORE_EVENT_INCLUDED,
		 .created = NOW,
		 .dataset = (char *)"ffhq",
		 .release = 3,
		 .release_sha256 = SHA_A,
		 .release_time = NOW - 2,
		 .n_total = 2,
		 .photos = photos,
		 .n_photos = 2},
	};
	struct alert a = {
		.id = ALERT_ID,
		.subscriber = (char *)"jane",
		.channel = STORE_CHANNEL_WEBHOOK,
		.kind = STORE_ALERT_EVENT,
		.created = NOW,
		.notice = (char *)"",
		.events = ev,
		.n_events = 1,
	};
	struct config c = {.datasets = body_datasets,
			   .n_datasets = ELEMENTSOF(body_datasets)};

	check_body(&a, &c, event, ELEMENTSOF(event));
	ev[0].type = STORE_EVENT_BASELINE;
	check_body(&a, &c, baseline, ELEMENTSOF(baseline));
	ev[0].type = STORE_EVENT_INCLUDED;
	ev[1] = ev[0];
	ev[1].type = STORE_EVENT_REMOVED;
	a.kind = STORE_ALERT_DIGEST;
	a.n_events = 2;
	check_body(&a, &c, digest, ELEMENTSOF(digest));
}

TEST(webhook_body_of_a_test_message)
{
	static const struct member test[] = {
		{"type", "\"subscription.test\""},
		{"version", "2"},
		{"timestamp", "\"2023-11-14T22:13:20Z\""},
		{"data", "{2}"},
		{"data/subscriber", "\"jane\""},
		{"data/message", "\"" TEST_MESSAGE "\""},
	};
	struct alert *a = alert_test("jane", STORE_CHANNEL_WEBHOOK, NOW);
	struct config c = {0};

	check_body(a, &c, test, ELEMENTSOF(test));
	alert_free(a);
}

/* Operator notices as routing queues them (the members their makers
 * write), read back from the outbox. */
TEST(webhook_bodies_of_operator_notices)
{
	static const struct member release[] = {
		{"type", "\"dataset.release\""},
		{"version", "2"},
		{"data", "{7}"},
		/* The envelope's type is not repeated. */
		{"data/type", "absent"},
		DATASET_AND_RELEASE("data/"),
		/* In the release object, not beside it; fetched with it. */
		{"data/sha256", "absent"},
		{"data/release/fetched", "\"2023-11-14T22:13:18Z\""},
		{"data/entries", "10"},
		{"data/added", "1"},
		{"data/removed", "0"},
		{"data/reincluded", "0"},
		/* A count, named as counts are ("events" is a digest's list). */
		{"data/event_count", "2"},
		{"data/events", "absent"},
	};
	static const struct member failing[] = {
		{"type", "\"dataset.failing\""},
		{"data", "{3}"},
		{"data/type", "absent"},
		{"data/dataset", "{2}"},
		{"data/dataset/name", "\"ffhq\""},
		/* The URL that failed, as the notice has it, redacted. */
		{"data/dataset/url",
		 "\"https://example.org/old.json?sig=REDACTED\""},
		{"data/url", "absent"},
		{"data/failures", "2"},
		{"data/error", "null"},
	};
	static const struct member failed[] = {
		{"type", "\"alert.failed\""},
		{"data", "{6}"},
		{"data/alert", "\"" ALERT_ID "\""},
		{"data/subscriber", "\"bob\""},
		{"data/channel", "\"webhook\""},
		{"data/alert_type", "\"subscription.baseline\""},
		{"data/attempts", "3"},
		{"data/reply", "\"HTTP 410: gone\""},
	};
	static const struct {
		const char *type, *data;
		int64_t created;
		const struct member *m;
		size_t n;
	} cases[] = {
		{"dataset.release",
		 "\"dataset\":\"ffhq\",\"release\":3,\"sha256\":\"" SHA_A "\","
		 "\"entries\":10,\"added\":1,\"removed\":0,\"reincluded\":0,"
		 "\"events\":2",
		 NOW - 2, release, ELEMENTSOF(release)},
		{"dataset.failing",
		 "\"dataset\":\"ffhq\",\"url\":\"https://example.org/"
		 "old.json?sig=abc\",\"failures\":2,\"error\":\"\"",
		 NOW, failing, ELEMENTSOF(failing)},
		{"alert.failed",
		 "\"alert\":\"" ALERT_ID "\",\"subscriber\":\"bob\","
		 "\"channel\":\"webhook\",\"alert_type\":"
		 "\"subscription.baseline\",\"attempts\":3,\"reply\":"
		 "\"HTTP 410: gone\"",
		 NOW + 1, failed, ELEMENTSOF(failed)},
	};
	struct config c = {
		.operator= {.webhook = (char *)"https://hooks.example.org/ops"},
		.datasets = body_datasets,
		.n_datasets = ELEMENTSOF(body_datasets),
	};
	char path[PATH_MAX];
	struct store *s = open_new(path);
	struct ids ids;
	struct alert *a;
	size_t i;

	/* Each case is later than the one before: the outbox lists the
	 * oldest first. */
	for (i = 0; i < ELEMENTSOF(cases); i++) {
		CHECK_INT(route_notice(s, &c, cases[i].type, "key",
				       cases[i].data, cases[i].created),
			  0);
		collect_ids(s, &ids);
		CHECK_INT(ids.n, i + 1);
		a = NULL;
		CHECK_INT(alert_load(s, ids.id[i], &a), 0);
		if (!a)
			continue;
		/* The tables' envelope has this id. */
		snprintf(a->id, sizeof(a->id), "%s", ALERT_ID);
		check_body(a, &c, cases[i].m, cases[i].n);
		a = alert_free(a);
	}
	s = store_close(s);
	remove_store(path);
}
