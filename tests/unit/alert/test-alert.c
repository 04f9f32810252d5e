/*
 * test-alert.c: an alert read back from the outbox: a notice's type comes
 * from its own column, as routing wrote it, on each operator channel; and
 * a database from before that column (schema 8) keeps its notices' types,
 * taken from their JSON by the migration ("notice" when the JSON has none).
 */
#include <errno.h>
#include <sqlite3.h>

#include "alert/alert.h"
#include "alert/channel.h"
#include "alert/route.h"
#include "lib/macro.h"
#include "store/store.h"
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
	char id[4][STORE_ALERT_ID_LEN + 1];
	size_t n;
};

static int collect(void *userdata, const struct store_alert *a)
{
	struct ids *ids = userdata;

	if (ids->n < ELEMENTSOF(ids->id))
		memcpy(ids->id[ids->n++], a->id, sizeof(ids->id[0]));
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
