/*
 * test-smtp.c: sending one message with smtp_send().
 *
 * The first tests need no server: bad arguments, and a port where nobody
 * listens.  The server_* tests talk to the test SMTP server of
 * tests/lib/smtpd.sh and are run one at a time by tests/cli/smtp.sh, which
 * starts it, exports its SMTPD_* variables, sets the failure to inject
 * before each test, and afterwards checks what the server received.  Run
 * without SMTPD_URL (as the plain unit test), they say "skipped" and pass.
 * Extra variables from smtp.sh: SW_SMTP_SENT, a file to write the bytes
 * handed to smtp_send() to; SW_SMTP_PLAIN_URL, a server that offers no
 * STARTTLS; SW_SMTP_SILENT_URL, one that never answers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alert/mail.h"
#include "alert/smtp.h"
#include "lib/buf.h"
#include "test.h"

#define TIMEOUT 20

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Whether the server tests can run; says why not otherwise. */
static bool have_server(void)
{
	if (env("SMTPD_URL") && env("SMTPD_CA"))
		return true;
	fprintf(stderr,
		"  skipped: no SMTPD_URL (tests/cli/smtp.sh runs it)\n");
	return false;
}

static struct config_smtp server_config(const char *url)
{
	return (struct config_smtp){
		.url = (char *)url,
		.from = (char *)"scrapewatch <alerts@example.org>",
		.user = (char *)env("SMTPD_USER"),
		.password = (char *)env("SMTPD_PASSWORD"),
	};
}

/*
 * The message, built as the daemon builds it, with lines that SMTP must
 * dot-stuff: "." alone would end the message early.
 */
static void message(struct buf *b)
{
	struct mail_message m = {
		.from = "scrapewatch <alerts@example.org>",
		.to = "Jane Doe <jane@example.org>",
		.subject = "3 Fotos in FFHQ — Überblick",
		.message_id = "smtp-test.1@scrapewatch.invalid",
		.list_unsubscribe = "https://example.org/unsubscribe?t=1",
		.text = "Hallo Jane,\n.\n..zwei Punkte\n.ein Punkt\nEnde.\n",
		.html = "<p>Hallo Jane,</p>\n.\n<p>Grüße</p>\n",
		.date = 1700000000,
	};
	char err[256] = "";

	buf_init(b, 1 << 20);
	CHECK_INT(mail_build(&m, b, err, sizeof(err)), 0);
	if (err[0])
		TEST_FAIL("%s", err);
}

/* Writes what is sent to $SW_SMTP_SENT, for smtp.sh to compare. */
static void save_sent(const struct buf *b)
{
	const char *path = env("SW_SMTP_SENT");
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(fwrite(b->data, 1, b->len, f), b->len);
	CHECK_INT(fclose(f), 0);
}

/* Sends the message to Jane through cfg, trusting the CA file ca (or only
 * the system's with NULL); returns smtp_send()'s result. */
static int send_to(const struct config_smtp *cfg, const char *ca, long timeout,
		   struct smtp_reply *reply)
{
	struct buf b;
	int r;

	message(&b);
	save_sent(&b);
	r = smtp_send(cfg, ca, "Jane Doe <jane@example.org>", b.data, b.len,
		      timeout, reply);
	fprintf(stderr, "  smtp_send: %d, code %d, %s: %s\n", r, reply->code,
		reply->permanent ? "permanent" : "temporary", reply->text);
	buf_free(&b);
	return r;
}

static void check_text(const struct smtp_reply *reply, const char *part)
{
	if (!strstr(reply->text, part))
		TEST_FAIL("reply text '%s' lacks '%s'", reply->text, part);
}

/* ---- no server needed ---------------------------------------------------- */

static const struct {
	const char *what, *url, *from, *rcpt;
} bad_args[] = {
	{"an http URL", "http://127.0.0.1:1/", "a@example.org",
	 "b@example.org"},
	{"no URL", NULL, "a@example.org", "b@example.org"},
	{"not a URL", "smtp://", "a@example.org", "b@example.org"},
	{"a sender that is no address", "smtp://127.0.0.1:1", "Jane",
	 "b@example.org"},
	{"no sender", "smtp://127.0.0.1:1", NULL, "b@example.org"},
	{"RCPT injection", "smtp://127.0.0.1:1", "a@example.org",
	 "b@example.org\r\nRCPT TO:<c@example.org>"},
	{"two recipients", "smtp://127.0.0.1:1", "a@example.org",
	 "b@example.org, c@example.org"},
	{"no recipient", "smtp://127.0.0.1:1", "a@example.org", NULL},
	{"an empty recipient", "smtp://127.0.0.1:1", "a@example.org", ""},
};

TEST(bad_arguments_are_refused)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(bad_args); i++) {
		struct config_smtp cfg = {.url = (char *)bad_args[i].url,
					  .from = (char *)bad_args[i].from};
		struct smtp_reply reply;
		int r;

		r = smtp_send(&cfg, NULL, bad_args[i].rcpt, "x\r\n", 3, 5,
			      &reply);
		if (r != -EINVAL)
			TEST_FAIL("%s: got %d, want -EINVAL", bad_args[i].what,
				  r);
		CHECK_INT(reply.code, 0);
		CHECK(reply.text[0] != '\0');
	}
}

/* A loopback port that was free a moment ago. */
static int closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

TEST(nobody_listening_is_temporary)
{
	struct smtp_reply reply;
	struct config_smtp cfg = {.from = (char *)"a@example.org"};
	char url[64];

	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", closed_port());
	cfg.url = url;
	CHECK_INT(smtp_send(&cfg, NULL, "b@example.org", "x\r\n", 3, 5, &reply),
		  -ECONNREFUSED);
	CHECK_INT(reply.code, 0);
	CHECK(!reply.permanent);
	CHECK(reply.text[0] != '\0');
}

/* ---- against tests/lib/smtpd.sh -------------------------------------------- */

TEST(server_starttls_auth)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server())
		return;
	cfg = server_config(env("SMTPD_URL"));
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), 0);
	CHECK_INT(reply.code, 250);
	CHECK(!reply.permanent);
	check_text(&reply, "250 2.0.0 OK queued as");
}

TEST(server_smtps_with_ehlo_name)
{
	struct smtp_reply reply;
	struct config_smtp cfg;
	char url[256];

	if (!have_server())
		return;
	/* The path of the URL is the EHLO name. */
	snprintf(url, sizeof(url), "%s/client.scrapewatch.test",
		 env("SMTPD_SMTPS_URL"));
	cfg = server_config(url);
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), 0);
	CHECK_INT(reply.code, 250);
}

/* smtp.helo, a domain name or an address literal, is the EHLO name. */
TEST(server_ehlo_from_config)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server())
		return;
	cfg = server_config(env("SMTPD_URL"));
	cfg.helo = (char *)"mail.scrapewatch.test";
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), 0);
	cfg.helo = (char *)"[127.0.0.1]";
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), 0);
}

TEST(server_wrong_password)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server())
		return;
	cfg = server_config(env("SMTPD_URL"));
	cfg.password = (char *)"not-the-password";
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), -EACCES);
	CHECK_INT(reply.code, 535);
	CHECK(reply.permanent);
	check_text(&reply, "535");
	/* The password is nowhere in what the caller may log. */
	CHECK(!strstr(reply.text, "not-the-password"));
}

TEST(server_data_451)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server())
		return;
	cfg = server_config(env("SMTPD_URL"));
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), -EIO);
	CHECK_INT(reply.code, 451);
	CHECK(!reply.permanent);
	check_text(&reply, "451 4.3.0 Temporary failure (test)");
}

TEST(server_data_554)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server())
		return;
	cfg = server_config(env("SMTPD_URL"));
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), -EIO);
	CHECK_INT(reply.code, 554);
	CHECK(reply.permanent);
	check_text(&reply, "554 5.6.0");
}

TEST(server_rcpt_550)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server())
		return;
	cfg = server_config(env("SMTPD_URL"));
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), -EIO);
	CHECK_INT(reply.code, 550);
	CHECK(reply.permanent);
	check_text(&reply, "550 5.1.1 Recipient rejected (test)");
}

TEST(server_connection_dropped)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server())
		return;
	cfg = server_config(env("SMTPD_URL"));
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), -EIO);
	CHECK(!reply.permanent);
	CHECK(reply.code < 400); /* the last reply was DATA's 354 */
}

TEST(server_unknown_ca)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server())
		return;
	/* Without the test CA, the server's certificate is not trusted, by
	 * STARTTLS or implicit TLS. */
	cfg = server_config(env("SMTPD_URL"));
	CHECK_INT(send_to(&cfg, NULL, TIMEOUT, &reply), -EPROTO);
	CHECK(!reply.permanent);
	check_text(&reply, "certificate");
	cfg = server_config(env("SMTPD_SMTPS_URL"));
	CHECK_INT(send_to(&cfg, NULL, TIMEOUT, &reply), -EPROTO);
	CHECK(!reply.permanent);
	check_text(&reply, "certificate");
}

TEST(server_without_starttls)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server() || !env("SW_SMTP_PLAIN_URL"))
		return;
	cfg = server_config(env("SW_SMTP_PLAIN_URL"));
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), TIMEOUT, &reply), -EPROTO);
	CHECK(!reply.permanent);
}

TEST(server_silent_times_out)
{
	struct smtp_reply reply;
	struct config_smtp cfg;

	if (!have_server() || !env("SW_SMTP_SILENT_URL"))
		return;
	cfg = server_config(env("SW_SMTP_SILENT_URL"));
	CHECK_INT(send_to(&cfg, env("SMTPD_CA"), 2, &reply), -ETIMEDOUT);
	CHECK_INT(reply.code, 0);
	CHECK(!reply.permanent);
}
