/*
 * workers.c: the daemon's check threads and delivery thread (workers.h).
 *
 * One lock guards the queue of checks, the list of outcomes and the flags;
 * the checks themselves and the deliveries run outside it.  Outcomes are
 * announced on an eventfd the main loop watches.
 */
#include "service/workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "alert/deliver.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/stop.h"
#include "lib/xalloc.h"
#include "service/check.h"
#include "store/store.h"

#define DELIVER_EVERY 5 /* seconds between delivery runs when idle */

struct job {
	char dataset[CONFIG_NAME_MAX + 1];
};

struct workers {
	char *db_path;
	pthread_mutex_t lock;
	pthread_cond_t work;	    /* a job is queued, or stopping */
	pthread_cond_t deliver;	    /* delivery wanted, or stopping */
	struct workers_config *cfg; /* what new jobs get */
	struct job *queue;
	size_t n_queue, running;
	struct check_outcome *done;
	size_t n_done;
	bool deliver_now, stopping;
	int fd; /* eventfd: outcomes wait */
	pthread_t *checkers, deliverer;
	size_t n_checkers;
	bool have_deliverer;
};

struct workers_config *workers_config_new(struct config *c)
{
	struct workers_config *s = xcalloc(1, sizeof(*s));

	s->config = c;
	s->watches = watchset_new(c);
	atomic_init(&s->refs, 1);
	return s;
}

struct workers_config *workers_config_ref(struct workers_config *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void workers_config_unref(struct workers_config *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	watchset_free(s->watches);
	config_free(s->config);
	free(s);
}

/* The configuration for a job, with a reference taken. */
static struct workers_config *current(struct workers *w)
{
	struct workers_config *s;

	pthread_mutex_lock(&w->lock);
	s = workers_config_ref(w->cfg);
	pthread_mutex_unlock(&w->lock);
	return s;
}

/* ---- checks ---------------------------------------------------------------- */

static void log_outcome(const struct config_dataset *d,
			const struct check_result *res, int r)
{
	char words[64];

	if (r < 0 && res->outcome == STORE_OUTCOME_STOPPED)
		log_notice("%s: check stopped (%s); it runs again after the "
			   "restart",
			   d->name, res->error);
	else if (r < 0)
		log_error("%s: check failed: %s (%s)", d->name, res->error,
			  check_failures_words(res, words, sizeof(words)));
	else if (res->land.ingest.unchanged)
		log_info("%s: unchanged", d->name);
	else
		log_notice("%s: release %lld: %lld entries; %lld added, %lld "
			   "removed, %lld reincluded; %u events",
			   d->name, (long long)res->land.ingest.release.seq,
			   (long long)res->land.ingest.release.entries,
			   (long long)res->land.ingest.release.added,
			   (long long)res->land.ingest.release.removed,
			   (long long)res->land.ingest.release.reincluded,
			   res->land.events.events);
}

/* Runs one check; fills out. */
static void run_check(struct workers *w, struct store *s, const char *name,
		      struct check_outcome *out)
{
	struct workers_config *cfg = current(w);
	const struct config_dataset *d = config_find_dataset(cfg->config, name);
	struct check_result res;
	int64_t id;
	int r;

	snprintf(out->dataset, sizeof(out->dataset), "%s", name);
	if (!d) { /* dropped by a reload meanwhile */
		out->r = -ENOENT;
		workers_config_unref(cfg);
		return;
	}
	r = store_dataset_id(s, d->name, &id);
	if (r >= 0)
		r = check_dataset(s, cfg->config, cfg->watches, d, id, &res);
	else
		res = (struct check_result){.failures = 0};
	log_outcome(d, &res, r);
	out->r = r;
	out->failures = r < 0 ? MAX(res.failures, 1) : 0;
	out->retry_after = r < 0 ? res.retry_after : 0;
	out->release = r >= 0 && !res.land.ingest.unchanged;
	out->events = res.land.events.events;
	workers_config_unref(cfg);
}

static void announce(struct workers *w, const struct check_outcome *o)
{
	uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	w->done = xreallocarray(w->done, w->n_done + 1, sizeof(*w->done));
	w->done[w->n_done++] = *o;
	w->running--;
	if (o->events)
		w->deliver_now = true;
	pthread_cond_signal(&w->deliver);
	pthread_mutex_unlock(&w->lock);
	if (write(w->fd, &one, sizeof(one)) < 0)
		log_warning("Cannot wake the main loop: %m");
}

static void *checker(void *userdata)
{
	struct workers *w = userdata;
	struct check_outcome out;
	struct store *s = NULL;
	struct job job;
	int r;

	r = store_open(w->db_path, STORE_READ_WRITE, &s);
	if (r < 0)
		log_error_errno(r, "Cannot open the database: %m");
	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (!w->n_queue && !w->stopping)
			pthread_cond_wait(&w->work, &w->lock);
		if (w->stopping) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		job = w->queue[0];
		memmove(w->queue, w->queue + 1,
			--w->n_queue * sizeof(*w->queue));
		w->running++;
		pthread_mutex_unlock(&w->lock);
		out = (struct check_outcome){.r = -EIO, .failures = 1};
		snprintf(out.dataset, sizeof(out.dataset), "%s", job.dataset);
		if (s) {
			run_check(w, s, job.dataset, &out);
			store_idle(s);
		}
		announce(w, &out);
	}
	store_close(s);
	return NULL;
}

/* ---- delivery -------------------------------------------------------------- */

static void deliver_once(struct workers *w, struct store *s)
{
	struct workers_config *cfg = current(w);
	struct deliver_result res;
	int r;

	r = deliver_due(s, cfg->config, (int64_t)time(NULL), &res);
	if (r < 0 && r != -EALREADY)
		log_error_errno(r, "Cannot deliver alerts: %m");
	workers_config_unref(cfg);
}

static void *deliverer(void *userdata)
{
	struct workers *w = userdata;
	struct store *s = NULL;
	struct timespec until;
	int r;

	r = store_open(w->db_path, STORE_READ_WRITE, &s);
	if (r < 0) {
		log_error_errno(r, "Cannot open the database: %m");
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&w->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += DELIVER_EVERY;
		while (!w->deliver_now && !w->stopping &&
		       pthread_cond_timedwait(&w->deliver, &w->lock, &until) !=
			       ETIMEDOUT)
			;
		w->deliver_now = false;
		if (w->stopping) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		pthread_mutex_unlock(&w->lock);
		deliver_once(w, s);
	}
	store_close(s);
	return NULL;
}

/* ---- the pool -------------------------------------------------------------- */

int workers_start(const char *db_path, struct workers_config *cfg, unsigned n,
		  struct workers **ret)
{
	struct workers *w = xcalloc(1, sizeof(*w));
	size_t i;

	w->db_path = xstrdup(db_path);
	w->cfg = workers_config_ref(cfg);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->deliver, NULL);
	w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->fd < 0) {
		int r = -errno;

		workers_stop(w);
		return r;
	}
	w->checkers = xcalloc(MAX(n, 1u), sizeof(*w->checkers));
	for (i = 0; i < MAX(n, 1u); i++) {
		if (pthread_create(&w->checkers[i], NULL, checker, w) != 0)
			break;
		w->n_checkers++;
	}
	w->have_deliverer =
		pthread_create(&w->deliverer, NULL, deliverer, w) == 0;
	if (!w->n_checkers || !w->have_deliverer) {
		workers_stop(w);
		return -EAGAIN;
	}
	*ret = w;
	return 0;
}

void workers_set_config(struct workers *w, struct workers_config *cfg)
{
	struct workers_config *old;

	pthread_mutex_lock(&w->lock);
	old = w->cfg;
	w->cfg = workers_config_ref(cfg);
	pthread_mutex_unlock(&w->lock);
	workers_config_unref(old);
}

int workers_check(struct workers *w, const char *dataset)
{
	pthread_mutex_lock(&w->lock);
	w->queue = xreallocarray(w->queue, w->n_queue + 1, sizeof(*w->queue));
	snprintf(w->queue[w->n_queue].dataset,
		 sizeof(w->queue[w->n_queue].dataset), "%s", dataset);
	w->n_queue++;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void workers_deliver_now(struct workers *w)
{
	pthread_mutex_lock(&w->lock);
	w->deliver_now = true;
	pthread_cond_signal(&w->deliver);
	pthread_mutex_unlock(&w->lock);
}

int workers_fd(const struct workers *w)
{
	return w->fd;
}

size_t workers_results(struct workers *w, struct check_outcome *out, size_t max)
{
	uint64_t n;
	size_t k;

	if (read(w->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warning("Cannot read the workers' eventfd: %m");
	pthread_mutex_lock(&w->lock);
	k = MIN(max, w->n_done);
	memcpy(out, w->done, k * sizeof(*out));
	memmove(w->done, w->done + k, (w->n_done - k) * sizeof(*w->done));
	w->n_done -= k;
	if (w->n_done) { /* more than max: come back */
		uint64_t one = 1;

		if (write(w->fd, &one, sizeof(one)) < 0)
			log_warning("Cannot wake the main loop: %m");
	}
	pthread_mutex_unlock(&w->lock);
	return k;
}

size_t workers_busy(struct workers *w)
{
	size_t n;

	pthread_mutex_lock(&w->lock);
	n = w->n_queue + w->running;
	pthread_mutex_unlock(&w->lock);
	return n;
}

struct workers *workers_stop(struct workers *w)
{
	size_t i;

	if (!w)
		return NULL;
	stop_request();
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->work);
	pthread_cond_broadcast(&w->deliver);
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < w->n_checkers; i++)
		pthread_join(w->checkers[i], NULL);
	if (w->have_deliverer)
		pthread_join(w->deliverer, NULL);
	if (w->fd >= 0)
		close(w->fd);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->deliver);
	pthread_mutex_destroy(&w->lock);
	workers_config_unref(w->cfg);
	free(w->checkers);
	free(w->queue);
	free(w->done);
	free(w->db_path);
	free(w);
	return NULL;
}
