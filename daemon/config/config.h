/*
 * config.h: the configuration a user writes, loaded into an immutable struct.
 *
 * One YAML file plus the drop-ins it includes (conf.d/\*.yaml, lexical
 * order).  Loading walks libyaml's document tree against static key tables,
 * collects every error it finds with file:line:column, then runs a semantic
 * pass (names, references, format options).  Secrets are resolved while
 * loading, so a missing credential is a configuration error.  Once loaded a
 * config never changes; a reload builds a new one and swaps it in whole.
 */
#ifndef SCRAPEWATCH_CONFIG_H
#define SCRAPEWATCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/format.h"

#define CONFIG_NAME_MAX		     64 /* dataset and subscriber names */
#define CONFIG_DEFAULT_PATH	     "/etc/scrapewatch/scrapewatch.yaml"
#define CONFIG_DEFAULT_INTERVAL	     (24 * 3600)
#define CONFIG_DEFAULT_MAX_DECODED   (256ULL << 30)
#define CONFIG_DEFAULT_MAX_ENTRIES   500000000ULL
#define CONFIG_DEFAULT_MAX_BAD_SHARE 0.01

/* Decoded bytes per byte of a release file, at most (N:1). */
#define CONFIG_DEFAULT_MAX_EXPANSION 1000

/* The base URL of Google Drive's files API (google_drive's api_endpoint). */
#define CONFIG_DRIVE_API_ENDPOINT "https://www.googleapis.com"

/* The unit's StateDirectory= and CacheDirectory=: the defaults, so that a
 * command run by hand uses the unit's database and downloads. */
#define CONFIG_STATE_DIR "/var/lib/scrapewatch"
#define CONFIG_CACHE_DIR "/var/cache/scrapewatch"

/* Download defaults (fetch: section). */
#define CONFIG_DEFAULT_CONNECT_TIMEOUT	 30
#define CONFIG_DEFAULT_LOW_SPEED_TIME	 120
#define CONFIG_DEFAULT_LOW_SPEED_LIMIT	 1024
#define CONFIG_DEFAULT_TIMEOUT		 (24 * 3600)
#define CONFIG_DEFAULT_MAX_DOWNLOAD	 (256ULL << 30)
#define CONFIG_DEFAULT_KEEP_RELEASES	 3
#define CONFIG_DEFAULT_FETCH_CONCURRENCY 2

/* Alert delivery (the alerts: section). */
#define CONFIG_DEFAULT_ALERT_CONCURRENCY 8
#define CONFIG_DEFAULT_ALERT_TIMEOUT	 30
#define CONFIG_DEFAULT_FAILING_AFTER	 3
#define CONFIG_RETRIES_MAX		 32

/* Where something was written, for messages that point back at it. */
struct config_where {
	const char *file; /* borrowed from struct config's files */
	unsigned line, column;
};

enum config_digest {
	CONFIG_DIGEST_NONE,
	CONFIG_DIGEST_HOURLY,
	CONFIG_DIGEST_DAILY,
	CONFIG_DIGEST_WEEKLY,
};

/* An extra request header of a dataset.  A secret value came from a
 * credential or a private file and is never logged. */
struct config_header {
	char *name;  /* owned */
	char *value; /* owned */
	bool secret;
};

/* Where a dataset's release files come from: exactly one of its keys
 * url, urls, huggingface, github or google_drive (fetch/source.h lists
 * the files). */
enum config_source_kind {
	CONFIG_SOURCE_URL,	    /* url: one file */
	CONFIG_SOURCE_URLS,	    /* urls: the release is every file listed */
	CONFIG_SOURCE_HUGGINGFACE,  /* a dataset repository on a Hub */
	CONFIG_SOURCE_GITHUB,	    /* files in a GitHub repository */
	CONFIG_SOURCE_GOOGLE_DRIVE, /* one file on Google Drive */
};

struct config_source {
	enum config_source_kind kind;
	char **urls; /* owned, urls: https://, http:// or file:// */
	size_t n_urls;
	char *repo;	/* owned, huggingface and github: OWNER/NAME */
	char *revision; /* owned, huggingface: the revision (main); github:
			 * the ref, or NULL for the default branch */
	char *files;	/* owned, huggingface: a glob of paths in the repo,
			 * or NULL for every file; github: the path (a file,
			 * a directory or a glob) */
	char *id;	/* owned, google_drive: the file id */
	/* owned: the host's base URL, defaulted at load
	 * (https://huggingface.co, https://api.github.com,
	 * https://drive.google.com); a token goes only there */
	char *endpoint;
	/* google_drive: the key of Drive's files API (owned secret, in
	 * secret memory, or NULL; never logged, never in a URL: sent only
	 * as X-Goog-Api-Key to api_endpoint's origin), and that API's base
	 * URL (owned, defaulted at load to https://www.googleapis.com). */
	char *api_key;
	char *api_endpoint;
};

/* How a catalogue entry's files can be had (its access: key). */
enum config_access {
	CONFIG_ACCESS_ANONYMOUS, /* anyone may download them */
	CONFIG_ACCESS_TOKEN,	 /* with an access token (a gated Hub repo) */
	CONFIG_ACCESS_ACCOUNT,	 /* with an account of the publisher's */
	CONFIG_ACCESS_NONE,	 /* no public source: import a copy */
};

/* What the catalogue (catalogue.h) says of a dataset besides its source
 * and format, for people: all owned, NULL when not said (and all NULL for
 * a dataset the configuration defines itself). */
struct config_about {
	char *entry;	    /* the catalogue entry taken with 'use', or NULL */
	char *title;	    /* "Flickr-Faces-HQ (FFHQ), manifest v2" */
	char *publisher;    /* "NVIDIA" */
	char *homepage;	    /* where the publisher describes it */
	char *licence;	    /* the dataset's licence, in words */
	char *size;	    /* "65.6 GB SQLite", in words */
	char *optout_route; /* how people get out of it, in words */
	char *notes;	    /* anything else a watcher should know */
	char *credential;   /* the credential its hub token is read from */
	enum config_access access;
};

struct config_dataset {
	char *name; /* owned */
	/* owned: https://, http:// or file://: the file for url:, the first
	 * for urls:, and for a hub its page under the endpoint (what is
	 * shown, and the origin the dataset's headers and token go to); ""
	 * for a catalogue entry without a public source (access: none) */
	char *url;
	struct config_source source;
	char *format;	   /* owned: one of the known format names */
	uint64_t interval; /* seconds between checks */
	bool ownership;	   /* feeds the photo id -> owner table */
	char *member;	   /* owned, archives: glob choosing the member */
	char *sha256;	   /* owned: expected content hash, lower-case hex */
	char *md5;	   /* owned: expected MD5 (a publisher's), lower-case */
	char *optout;	   /* owned, or NULL: where to ask for removal
			    * (mailto: or https://) */
	/* owned: what its format reads (columns or paths, header, records) */
	struct format_options layout;
	uint64_t max_decoded; /* cap on a release's decoded bytes */
	/* cap on decoded bytes per byte of the file (N:1), above a floor
	 * (decode.h); 0 means none */
	uint64_t max_expansion;
	uint64_t max_entries; /* cap on a release's entries */
	double max_bad_share; /* reject a release with more bad records */
	/* Download: 0 means the fetch section's value (filled in at load). */
	uint64_t max_download; /* cap on the downloaded file's size */
	uint64_t timeout;      /* seconds a whole download may take */
	/* Access to gated datasets; sent only to the URL's own host. */
	struct config_header *headers; /* owned */
	size_t n_headers;
	char *user;		   /* owned, or NULL: HTTP basic auth */
	char *password;		   /* owned secret, or NULL; never log it */
	struct config_about about; /* from the catalogue, if 'use'd */
	struct config_where where;
};

/* How downloads are made (the fetch: section). */
struct config_fetch {
	char *contact;		  /* owned, or NULL: added to User-Agent */
	char *ca_file;		  /* owned, or NULL: extra CAs to trust */
	uint64_t connect_timeout; /* seconds */
	uint64_t low_speed_limit; /* bytes a second ... */
	uint64_t low_speed_time;  /* ... below which for this long aborts */
	uint64_t timeout;	  /* default for datasets */
	uint64_t max_download;	  /* default for datasets */
	uint64_t keep_releases;	  /* release files kept in the cache */
	uint64_t concurrency;	  /* datasets the daemon checks at once */
};

/* How alerts are delivered (the alerts: section).  Retries: the delay
 * before each retry after a failed attempt; when they run out, the alert
 * has failed. */
struct config_alerts {
	uint64_t concurrency; /* deliveries in flight at once */
	uint64_t timeout;     /* seconds one attempt may take */
	uint64_t webhook_retries[CONFIG_RETRIES_MAX];
	size_t n_webhook_retries;
	uint64_t email_retries[CONFIG_RETRIES_MAX];
	size_t n_email_retries;
	char *unsubscribe; /* owned, or NULL: List-Unsubscribe (mailto/https) */
	char *ca_file;	   /* owned, or NULL: extra CAs for SMTP and webhooks */
};

/* Who runs this scrapewatch (the operator: section): told about failing
 * datasets, failed alerts and new releases; never a subscriber. */
struct config_operator {
	char *email;		/* owned, or NULL */
	char *webhook;		/* owned, or NULL */
	char *webhook_secret;	/* owned secret, or NULL; never log it */
	uint64_t failing_after; /* consecutive failed checks before telling */
	struct config_where where;
};

struct config_subscriber {
	char *name;	      /* owned */
	char *email;	      /* owned, or NULL */
	char *webhook;	      /* owned, or NULL */
	char *webhook_secret; /* owned secret, or NULL; never log it */
	enum config_digest digest;
	struct config_where where;
};

struct config_watch {
	size_t subscriber;  /* index into config.subscribers */
	char *nsid;	    /* owned, or NULL */
	char *alias;	    /* owned, or NULL */
	char *display_name; /* owned, or NULL: a possible match only */
	uint64_t *photos;   /* owned: photo ids, inline and from the file */
	size_t n_photos;
	struct config_where where;
};

struct config_smtp {
	char *url;	/* owned: smtp:// or smtps://, or NULL: no mail */
	char *from;	/* owned */
	char *user;	/* owned, or NULL */
	char *password; /* owned secret, or NULL; never log it */
	char *helo;	/* owned, or NULL: the EHLO name to greet with */
};

struct config {
	char **files; /* owned: every file read, main file first, then the
		       * drop-ins and the catalogue entries used */
	size_t n_files;
	char *catalogue_dir; /* owned: where 'use' finds entries (catalogue.h) */
	char *state_dir;     /* owned, absolute */
	char *cache_dir;     /* owned, absolute */
	char *metrics_file;  /* owned: a Prometheus textfile to keep, or NULL */
	uint64_t default_interval;
	struct config_dataset *datasets; /* owned */
	size_t n_datasets;
	struct config_subscriber *subscribers; /* owned */
	size_t n_subscribers;
	struct config_watch *watches; /* owned */
	size_t n_watches;
	struct config_smtp smtp;
	struct config_fetch fetch;
	struct config_alerts alerts;
	struct config_operator operator;
};

/*
 * Loads path and its drop-ins.  On success returns 0 and a new config in
 * *ret.  On failure returns -EINVAL (the configuration is wrong: *ret_errors
 * gets every message, one a line, each "file:line:column: what"), or
 * -ENOENT/-EACCES/... when the main file cannot be read (also described in
 * *ret_errors).  *ret_errors is malloc'ed and written only on failure.
 */
int config_load(const char *path, struct config **ret, char **ret_errors);

/* Frees a config; accepts NULL; returns NULL. */
struct config *config_free(struct config *c);

/* Looks up a dataset or subscriber by name; NULL if there is none. */
const struct config_dataset *config_find_dataset(const struct config *c,
						 const char *name);
const struct config_subscriber *config_find_subscriber(const struct config *c,
						       const char *name);

/* Whether the dataset can be checked: false for a catalogue entry with no
 * public source (access: none), which only 'import' can give releases. */
bool config_dataset_has_source(const struct config_dataset *d);

/*
 * Whether name can be an EHLO name (RFC 5321 4.1.2): a domain name of at
 * least two dot-separated labels (letters, digits and '-', no label
 * starting or ending with '-', the last not all digits), or an address
 * literal: "[192.0.2.1]" or "[IPv6:2001:db8::1]".
 */
bool config_ehlo_name_valid(const char *name);

#endif
