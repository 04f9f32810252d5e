/*
 * test-alert.c: an alert read back from the outbox: a notice's type comes
 * from its own column, as routing wrote it, on each operator channel; and
 * a database from before that column (schema 8) keeps its notices' types,
 * taken from their JSON by the migration ("notice" when the JSON has none).
 * Alert ids: two installations given the same releases share none, a copy
 * of one database tells two release files apart, and routing the same
 * again makes the same id.
 */
#include <errno.h>
#include <sqlite3.h>

#include "alert/alert.h"
#include "alert/channel.h"
#include "alert/route.h"
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

/* Back to schema 8: no notice_type column. */
#define SCHEMA_8                                      \
	"ALTER TABLE alerts DROP COLUMN notice_type;" \
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
