/*
 * fuzz-config.c: the configuration loader (config.h) on hostile YAML.
 *
 * config_load() reads a path, so the input is written to scrapewatch.yaml
 * in a per-process temporary directory that also holds what a config may
 * point at: a drop-in under conf.d/, a photos file, a private secret file
 * and a credentials directory ($CREDENTIALS_DIRECTORY) with one
 * credential.  Relative paths in the input resolve there.
 *
 * Oracles, from config.h: success gives a config and no errors, failure
 * gives errors and no config; a loaded config holds known formats, watch
 * subscribers that exist, absolute state and cache directories, retry
 * lists within their bound, and names that find their own dataset and
 * subscriber.
 */
#include "config/config.h"
#include "fuzz.h"
#include "parse/format.h"

static char main_path[PATH_MAX];

static void write_text(const char *dir, const char *name, const char *text,
		       mode_t mode)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fuzz_write(path, text, strlen(text), mode);
}

/* The files a configuration may name, made once. */
static void setup(void)
{
	const char *dir = fuzz_tmpdir();
	char sub[PATH_MAX];

	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	FUZZ_CHECK(mkdir(sub, 0700) == 0);
	write_text(dir, "conf.d/10-members.yaml",
		   "subscribers:\n"
		   "  member-001: { email: m1@members.example.org, digest: "
		   "weekly }\n"
		   "watch:\n"
		   "  - subscriber: member-001\n"
		   "    flickr: { nsid: 51496478@N08 }\n",
		   0600);
	write_text(dir, "photos.txt",
		   "# Jane's photos\n2999358212\n"
		   "https://www.flickr.com/photos/janedoe/8564217339/\n"
		   "https://flic.kr/p/5z3uGC\n",
		   0600);
	write_text(dir, "secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
		   0600);
	snprintf(sub, sizeof(sub), "%s/creds", dir);
	FUZZ_CHECK(mkdir(sub, 0700) == 0);
	write_text(dir, "creds/smtp-password", "hunter2\n", 0600);
	FUZZ_CHECK(setenv("CREDENTIALS_DIRECTORY", sub, 1) == 0);
	(void)unsetenv("STATE_DIRECTORY");
	(void)unsetenv("CACHE_DIRECTORY");
	snprintf(main_path, sizeof(main_path), "%s/scrapewatch.yaml", dir);
}

static void check_config(const struct config *c)
{
	size_t i;

	FUZZ_CHECK(c->n_files >= 1 && strcmp(c->files[0], main_path) == 0);
	FUZZ_CHECK(c->state_dir && c->state_dir[0] == '/');
	FUZZ_CHECK(c->cache_dir && c->cache_dir[0] == '/');
	FUZZ_CHECK(c->alerts.n_webhook_retries <= CONFIG_RETRIES_MAX);
	FUZZ_CHECK(c->alerts.n_email_retries <= CONFIG_RETRIES_MAX);
	for (i = 0; i < c->n_datasets; i++) {
		const struct config_dataset *d = &c->datasets[i];

		FUZZ_CHECK(d->name && d->url && d->format);
		FUZZ_CHECK(format_find(d->format) != NULL);
		FUZZ_CHECK(config_find_dataset(c, d->name) == d);
		FUZZ_CHECK(d->n_headers == 0 || d->headers != NULL);
	}
	for (i = 0; i < c->n_subscribers; i++)
		FUZZ_CHECK(config_find_subscriber(c, c->subscribers[i].name) ==
			   &c->subscribers[i]);
	for (i = 0; i < c->n_watches; i++)
		FUZZ_CHECK(c->watches[i].subscriber < c->n_subscribers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	char *errors = NULL;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	if (!main_path[0])
		setup();
	fuzz_write(main_path, data, size, 0600);
	r = config_load(main_path, &c, &errors);
	if (r >= 0) {
		FUZZ_CHECK(r == 0 && c != NULL && errors == NULL);
		check_config(c);
	} else {
		FUZZ_CHECK(c == NULL && errors != NULL && errors[0] != '\0');
	}
	config_free(c);
	free(errors);
	return 0;
}
