/*
 * daemon.c: the service that `scrapewatch daemon` runs (daemon.h).
 *
 * One sd-event loop in the main thread keeps the schedule -- a wall-clock
 * timer per dataset, its next check kept in the database so that a
 * restart resumes the plan -- and speaks the systemd protocol: READY=1
 * once the configuration, the database and the timers are up; STATUS= in
 * plain words, kept current (and with it the metrics file, if the
 * configuration names one); WATCHDOG=1 from the loop itself (sd-event
 * does it when WatchdogSec= is set); SIGHUP reloads the configuration
 * all or nothing between RELOADING=1 and READY=1; SIGTERM and SIGINT stop
 * with STOPPING=1.  The work -- checks, ingests, deliveries -- runs in
 * workers.c's threads, so the loop never waits on it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>
#include <time.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "fetch/fetch.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/xalloc.h"
#include "service/daemon.h"
#include "service/metrics.h"
#include "service/schedule.h"
#include "service/setup.h"
#include "service/workers.h"
#include "store/store_outbox.h"

#define STATUS_EVERY (30 * 1000000ULL) /* µs between STATUS= refreshes */
#define USEC_PER_SEC 1000000ULL
#define OUTCOMES_MAX 16

struct daemon;

/* One configured dataset and its timer. */
struct slot {
	struct daemon *daemon;
	char name[CONFIG_NAME_MAX + 1];
	int64_t id; /* its row */
	uint64_t interval;
	int64_t next; /* Unix seconds */
	int64_t last; /* when its last check ended (or began), 0: never */
	int failures; /* in a row */
	bool busy;    /* queued or being checked */
	bool present; /* still in the configuration (during a reload) */
	bool unsaved; /* its plan is not in the database yet */
	sd_event_source *timer;
};

struct daemon {
	const char *config_path; /* borrowed from the caller */
	sd_event *event;
	struct store *store; /* the main thread's connection */
	struct workers_config *cfg;
	struct workers *workers;
	struct slot **slots;
	size_t n_slots;
	sd_event_source *results, *status_timer;
	int metrics_error; /* the last failure to write the metrics file */
	int64_t metrics_version; /* the database's data version it shows */
	bool metrics_current;	 /* written since the last reload */
};

static double random_unit(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)time(NULL);
	return (double)v / 4294967296.0;
}

/* ---- STATUS= and the metrics file ----------------------------------------- */

/* Rewrites the metrics file when the workers have changed the database
 * since it was written (counting events can take a while on a large one). */
static void write_metrics(struct daemon *d)
{
	int64_t version = 0;

	if (store_data_version(d->store, &version) < 0)
		d->metrics_current = false;
	else if (d->metrics_current && version == d->metrics_version)
		return;
	metrics_update(d->cfg->config, d->store, &d->metrics_error);
	d->metrics_version = version;
	d->metrics_current = d->metrics_error == 0;
}

static void notify_status(struct daemon *d, const char *state)
{
	const struct slot *next = NULL;
	char wait[32], line[512];
	int64_t counts[3] = {0, 0, 0}, now = (int64_t)time(NULL);
	size_t i, failing = 0, busy = 0;

	for (i = 0; i < d->n_slots; i++) {
		const struct slot *s = d->slots[i];

		failing += s->failures > 0;
		busy += s->busy;
		if (!s->busy && (!next || s->next < next->next))
			next = s;
	}
	(void)store_alert_counts(d->store, counts);
	write_metrics(d);
	store_idle(d->store);
	if (next)
		schedule_wait(next->next - now, wait, sizeof(wait));
	snprintf(line, sizeof(line),
		 "%sSTATUS=%zu dataset%s, %zu being checked, %s%s%s%s, %zu "
		 "failing, %lld alert%s pending",
		 state ? state : "", d->n_slots, d->n_slots == 1 ? "" : "s",
		 busy, next ? "next check " : "no check planned",
		 next ? next->name : "", next ? " in " : "", next ? wait : "",
		 failing, (long long)counts[STORE_ALERT_PENDING],
		 counts[STORE_ALERT_PENDING] == 1 ? "" : "s");
	(void)sd_notify(0, line);
}

static void save_plan(struct slot *s);

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	size_t i;

	for (i = 0; i < d->n_slots; i++)
		if (d->slots[i]->unsaved)
			save_plan(d->slots[i]);
	notify_status(d, NULL);
	(void)sd_event_source_set_time(s, usec + STATUS_EVERY);
	return 0;
}

/* ---- the schedule ---------------------------------------------------------- */

static int on_due(sd_event_source *s, uint64_t usec, void *userdata);

/* Keeps the slot's plan in the database.  The event loop does not wait
 * for another writer: when one holds the database the plan stays in
 * memory, and the status timer tries again. */
static void save_plan(struct slot *s)
{
	struct daemon *d = s->daemon;
	int r = 0;

	if (!s->id)
		r = store_dataset_id(d->store, s->name, &s->id);
	if (r >= 0)
		r = store_next_check_set(d->store, s->id, s->next);
	s->unsaved = r == -EBUSY;
	if (r < 0 && r != -EBUSY)
		log_warning("%s: cannot keep the next check in the database",
			    s->name);
}

/* Arms the slot's timer for slot->next and keeps the plan. */
static void plan(struct slot *s)
{
	struct daemon *d = s->daemon;
	uint64_t usec = (uint64_t)MAX(s->next, 0) * USEC_PER_SEC;
	int r;

	if (!s->timer)
		r = sd_event_add_time(d->event, &s->timer, CLOCK_REALTIME, usec,
				      USEC_PER_SEC, on_due, s);
	else
		r = sd_event_source_set_time(s->timer, usec);
	if (r >= 0)
		r = sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
	if (r < 0)
		log_error_errno(r, "%s: cannot set its timer: %m", s->name);
	save_plan(s);
}

static int on_due(sd_event_source *src _unused_, uint64_t usec _unused_,
		  void *userdata)
{
	struct slot *s = userdata;

	if (s->busy)
		return 0;
	s->busy = true;
	log_debug("%s: due; checking", s->name);
	(void)workers_check(s->daemon->workers, s->name);
	notify_status(s->daemon, NULL);
	return 0;
}

static struct slot *find_slot(struct daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_slots; i++)
		if (strcmp(d->slots[i]->name, name) == 0)
			return d->slots[i];
	return NULL;
}

/* A slot for a dataset new to the daemon: its first check from the plan
 * in the database, or its last check, or soon. */
static struct slot *slot_new(struct daemon *d, const struct config_dataset *ds,
			     int64_t now, unsigned *overdue)
{
	struct slot *s = xcalloc(1, sizeof(*s));
	struct store_run last = {0};
	int64_t planned = 0;
	int r;

	s->daemon = d;
	snprintf(s->name, sizeof(s->name), "%s", ds->name);
	s->interval = ds->interval;
	/* A dataset new to the database gets its row when its plan is saved
	 * (id 0 until then: the row is a write, and may have to wait). */
	r = store_dataset_id(d->store, ds->name, &s->id);
	if (r == -EBUSY) {
		r = 0;
		s->id = 0;
	}
	if (r >= 0 && s->id &&
	    store_next_check_get(d->store, s->id, &planned) <= 0)
		planned = 0;
	if (r >= 0 && s->id && store_run_last(d->store, s->id, &last) <= 0)
		last.started = 0;
	s->failures = r >= 0 && s->id
			      ? MAX(store_dataset_failures(d->store, s->id), 0)
			      : 0;
	s->last = last.ended ? last.ended : last.started;
	s->next = schedule_initial(planned, last.started, s->failures,
				   s->interval, now, overdue, random_unit());
	if (r < 0)
		log_error_errno(r, "%s: cannot read the database: %m", s->name);
	return s;
}

static void slot_free(struct slot *s)
{
	sd_event_source_disable_unref(s->timer);
	free(s);
}

/* Makes the slots match the configuration: keeps the plan of datasets
 * that stay, plans the new ones, drops the others. */
/* A kept dataset whose interval changed: its next check moves to the new
 * interval after the last (at once if that is past).  One that is being
 * checked, or is backing off after failures, is planned anew when that
 * ends. */
static void retime(struct slot *s, uint64_t interval, int64_t now)
{
	if (s->interval == interval)
		return;
	s->interval = interval;
	if (s->busy || s->failures > 0)
		return;
	s->next = MAX(s->last + (int64_t)interval, now);
	plan(s);
}

static void sync_slots(struct daemon *d)
{
	const struct config *c = d->cfg->config;
	int64_t now = (int64_t)time(NULL);
	unsigned overdue = 0;
	size_t i, n = 0;

	for (i = 0; i < d->n_slots; i++)
		d->slots[i]->present = false;
	for (i = 0; i < c->n_datasets; i++) {
		struct slot *s = find_slot(d, c->datasets[i].name);

		/* No public source (catalogue access: none): only 'import'
		 * gives it releases, so it gets no timer. */
		if (!config_dataset_has_source(&c->datasets[i]))
			continue;
		if (s) {
			s->present = true;
			retime(s, c->datasets[i].interval, now);
			continue;
		}
		s = slot_new(d, &c->datasets[i], now, &overdue);
		s->present = true;
		d->slots = xreallocarray(d->slots, d->n_slots + 1,
					 sizeof(*d->slots));
		d->slots[d->n_slots++] = s;
		plan(s);
	}
	for (i = 0; i < d->n_slots; i++) {
		if (d->slots[i]->present)
			d->slots[n++] = d->slots[i];
		else {
			log_info("%s: no longer configured", d->slots[i]->name);
			slot_free(d->slots[i]);
		}
	}
	d->n_slots = n;
}

/* ---- outcomes of checks ----------------------------------------------------- */

static int on_results(sd_event_source *src _unused_, int fd _unused_,
		      uint32_t revents _unused_, void *userdata)
{
	struct check_outcome out[OUTCOMES_MAX];
	struct daemon *d = userdata;
	int64_t now = (int64_t)time(NULL);
	size_t n, i;

	n = workers_results(d->workers, out, ELEMENTSOF(out));
	for (i = 0; i < n; i++) {
		struct slot *s = find_slot(d, out[i].dataset);

		if (!s) /* dropped by a reload meanwhile */
			continue;
		s->busy = false;
		s->last = now;
		s->failures = out[i].failures;
		s->next = schedule_after(s->interval, s->failures, now,
					 random_unit());
		/* A host's Retry-After (a 429, a quota) is honoured. */
		s->next = MAX(s->next, now + (int64_t)out[i].retry_after);
		plan(s);
	}
	notify_status(d, NULL);
	return 0;
}

/* ---- signals ---------------------------------------------------------------- */

static int on_stop(sd_event_source *src _unused_,
		   const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;

	log_notice("Stopping (signal %u)", si->ssi_signo);
	(void)sd_notify(0, "STOPPING=1\nSTATUS=Stopping");
	return sd_event_exit(d->event, 0);
}

/* SIGHUP: the new configuration whole, or the old one kept. */
static int on_reload(sd_event_source *src _unused_,
		     const struct signalfd_siginfo *si _unused_, void *userdata)
{
	struct daemon *d = userdata;
	struct config *c = NULL;
	struct workers_config *s;

	(void)sd_notify(0, "RELOADING=1\nSTATUS=Reloading the configuration");
	if (setup_config(d->config_path, &c) != 0) {
		log_error("The configuration has errors (above); the running "
			  "one stays");
		notify_status(d, "READY=1\n");
		return 0;
	}
	if (strcmp(c->state_dir, d->cfg->config->state_dir) != 0)
		log_warning("state_dir changed: takes effect at the next "
			    "start");
	s = workers_config_new(c);
	workers_set_config(d->workers, s);
	workers_config_unref(d->cfg);
	d->cfg = s;
	sync_slots(d);
	d->metrics_current = false; /* metrics_file may have changed */
	log_notice("Configuration reloaded: %zu datasets, %zu subscribers, "
		   "%zu watches",
		   c->n_datasets, c->n_subscribers, c->n_watches);
	notify_status(d, "READY=1\n");
	workers_deliver_now(d->workers);
	return 0;
}

/* ---- start and end ---------------------------------------------------------- */

static int setup_loop(struct daemon *d)
{
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Blocked before any thread starts, so that all inherit it. */
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0)
		return -EINVAL;
	r = sd_event_default(&d->event);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGTERM, on_stop, d);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGINT, on_stop, d);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGHUP, on_reload, d);
	if (r >= 0)
		r = sd_event_set_watchdog(d->event, true);
	return r;
}

static int start(struct daemon *d)
{
	char path[4096];
	uint64_t now;
	int r;

	setup_db_path(d->cfg->config, path, sizeof(path));
	r = workers_start(path, d->cfg,
			  (unsigned)d->cfg->config->fetch.concurrency,
			  &d->workers);
	if (r < 0)
		return r;
	r = sd_event_add_io(d->event, &d->results, workers_fd(d->workers),
			    EPOLLIN, on_results, d);
	if (r < 0)
		return r;
	sync_slots(d);
	r = sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	if (r >= 0)
		r = sd_event_add_time(d->event, &d->status_timer,
				      CLOCK_MONOTONIC, now + STATUS_EVERY,
				      USEC_PER_SEC, on_status_timer, d);
	if (r >= 0)
		r = sd_event_source_set_enabled(d->status_timer, SD_EVENT_ON);
	return r;
}

static void finish(struct daemon *d)
{
	size_t i;

	/* Threads first: they stop their work and leave the index intact. */
	d->workers = workers_stop(d->workers);
	for (i = 0; i < d->n_slots; i++)
		slot_free(d->slots[i]);
	free(d->slots);
	sd_event_source_disable_unref(d->results);
	sd_event_source_disable_unref(d->status_timer);
	d->event = sd_event_unref(d->event);
	d->store = store_close(d->store);
	workers_config_unref(d->cfg);
}

int daemon_run(const char *config_path)
{
	struct daemon d = {.config_path = config_path};
	struct config *c = NULL;
	int status, r;

	status = setup_config(config_path, &c);
	if (!status)
		status = setup_store(c, SETUP_WRITES, &d.store);
	if (status) {
		config_free(c);
		return status;
	}
	/* The event loop answers systemd and signals at once: it never waits
	 * for the database (see save_plan()); the workers do the waiting. */
	store_busy_wait(d.store, 0);
	if (fetch_global_init() < 0) {
		log_error("Cannot initialise libcurl");
		d.store = store_close(d.store);
		config_free(c);
		return EX_SOFTWARE;
	}
	d.cfg = workers_config_new(c);
	r = setup_loop(&d);
	if (r >= 0)
		r = start(&d);
	if (r >= 0) {
		log_notice("Started: %zu datasets, %zu subscribers, %zu "
			   "watches",
			   d.cfg->config->n_datasets,
			   d.cfg->config->n_subscribers,
			   d.cfg->config->n_watches);
		notify_status(&d, "READY=1\n");
		r = sd_event_loop(d.event);
	}
	if (r < 0)
		log_error_errno(r, "The daemon failed: %m");
	finish(&d);
	curl_global_cleanup();
	return r < 0 ? EX_SOFTWARE : 0;
}
