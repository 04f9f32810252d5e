/*
 * fuzz-mail.c: the alert email builder (mail.h) on hostile fields.
 *
 * Input: 8 bytes of date (little-endian Unix seconds), one byte of flags
 * (bit 0: no HTML body, bit 1: no List-Unsubscribe, bits 2-3: the output
 * buffer's maximum: 512 B, 8 KiB, 256 KiB, 1 MiB), then NUL-separated:
 * From, To, Subject, Message-ID, List-Unsubscribe, text body, HTML body.
 * A field the input does not reach gets a valid default.
 *
 * Oracles, from mail.h: mail_build() returns 0, -EINVAL or -E2BIG; on
 * failure it explains why and leaves the buffer as it was; on success it
 * appended a message that is 7-bit, has CRLF line ends only and no line
 * over 998 octets, and building it again gives the same bytes.
 * mail_address() gives an address with an '@' and no space, angle
 * bracket or control character.  With SW_FUZZ_STRICT set in the
 * environment, refusing a message whose fields passed the checks (GMime's
 * output failed mail.c's own check) is a finding too.
 */
#include "alert/mail.h"
#include "fuzz.h"
#include "lib/buf.h"

#define MAIL_LINE_MAX 998

static const char *const defaults[] = {
	"Scrapewatch <alerts@example.org>",
	"Jane Doe <jane@example.org>",
	"3 of your photos are in ffhq",
	"0123456789abcdef0123456789abcdef@scrapewatch.example.org",
	"https://scrapewatch.example.org/unsubscribe?s=jane",
	"Hello,\n\n3 of your photos are in the new release of ffhq.\n",
	"<p>Hello,</p><p>3 of your photos are in <b>ffhq</b>.</p>\n",
};

static const size_t maxima[] = {512, 8192, 256 * 1024, 1024 * 1024};

/* 7-bit, CRLF only, no line over MAIL_LINE_MAX octets. */
static void check_wire(const char *s, size_t len)
{
	size_t i, line = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_CHECK(c != 0 && c < 128);
		if (c == '\r')
			FUZZ_CHECK(i + 1 < len && s[i + 1] == '\n');
		if (c == '\n')
			FUZZ_CHECK(i > 0 && s[i - 1] == '\r');
		line = c == '\n' ? 0 : line + (c != '\r');
		FUZZ_CHECK(line <= MAIL_LINE_MAX);
	}
}

static void check_address(const char *s)
{
	char addr[320], tiny[8];
	size_t i;
	int r;

	r = mail_address(s, addr, sizeof(addr));
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -E2BIG);
	if (r < 0)
		return;
	FUZZ_CHECK(strchr(addr, '@') != NULL);
	for (i = 0; addr[i]; i++)
		FUZZ_CHECK((unsigned char)addr[i] > ' ' && addr[i] != 0x7f &&
			   addr[i] != '<' && addr[i] != '>');
	if (strlen(addr) >= sizeof(tiny))
		FUZZ_CHECK(mail_address(s, tiny, sizeof(tiny)) == -E2BIG);
}

/* Did mail.c refuse its own output (rather than the fields)? */
static bool refused_output(const char *err)
{
	return strstr(err, "7-bit") || strstr(err, "bare CR") ||
	       strstr(err, "bare LF") || strstr(err, "longer than 998");
}

static void check_build(const struct mail_message *m, size_t max)
{
	static const char prefix[] = "prefix\r\n";
	struct buf out, again;
	char err[512] = "";
	int r;

	buf_init(&out, max);
	FUZZ_CHECK(buf_puts(&out, prefix) == 0);
	r = mail_build(m, &out, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -E2BIG);
	if (r < 0) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(out.len == strlen(prefix) &&
			   memcmp(out.data, prefix, out.len) == 0);
		if (getenv("SW_FUZZ_STRICT") && refused_output(err)) {
			fprintf(stderr, "mail_build refused: %s\n", err);
			FUZZ_CHECK(!"valid fields gave an invalid message");
		}
		buf_free(&out);
		return;
	}
	check_wire(out.data + strlen(prefix), out.len - strlen(prefix));
	buf_init(&again, max);
	FUZZ_CHECK(mail_build(m, &again, NULL, 0) == 0);
	FUZZ_CHECK(again.len + strlen(prefix) == out.len);
	FUZZ_CHECK(memcmp(again.data, out.data + strlen(prefix), again.len) ==
		   0);
	buf_free(&again);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	char *field[7];
	const char *v[7];
	struct mail_message m;
	uint8_t flags;
	size_t i;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	m.date = (int64_t)fuzz_uint(&in, 8);
	flags = fuzz_byte(&in);
	for (i = 0; i < 7; i++) {
		field[i] = fuzz_string(&in);
		v[i] = field[i] ? field[i] : defaults[i];
	}
	m.from = v[0];
	m.to = v[1];
	m.subject = v[2];
	m.message_id = v[3];
	m.list_unsubscribe = flags & 2 ? NULL : v[4];
	m.text = v[5];
	m.html = flags & 1 ? NULL : v[6];
	check_build(&m, maxima[(flags >> 2) & 3]);
	check_address(m.from);
	for (i = 0; i < 7; i++)
		free(field[i]);
	return 0;
}
