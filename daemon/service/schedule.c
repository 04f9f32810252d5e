/*
 * schedule.c: when datasets are checked (schedule.h).
 */
#include "service/schedule.h"

#include <stdio.h>

#include "lib/macro.h"

int64_t schedule_backoff(uint64_t interval, int failures)
{
	int64_t wait = SCHEDULE_BACKOFF_BASE;

	while (--failures > 0 && wait < SCHEDULE_BACKOFF_CAP)
		wait *= 2;
	wait = MIN(wait, SCHEDULE_BACKOFF_CAP);
	wait = MIN(wait, (int64_t)MIN(interval, (uint64_t)INT64_MAX));
	return MAX(wait, 1);
}

int64_t schedule_after(uint64_t interval, int failures, int64_t now, double r)
{
	int64_t jitter;

	if (failures > 0)
		return now + schedule_backoff(interval, failures);
	jitter = (int64_t)((double)interval * SCHEDULE_JITTER * (2 * r - 1));
	return now + MAX((int64_t)interval + jitter, 1);
}

int64_t schedule_initial(int64_t planned, int64_t last_start, int failures,
			 uint64_t interval, int64_t now, unsigned *overdue,
			 double r)
{
	int64_t when = planned;

	if (!when && last_start)
		when = schedule_after(interval, failures, last_start, r);
	if (when > now)
		return when;
	return now + (int64_t)(*overdue)++ * SCHEDULE_STAGGER;
}

void schedule_wait(int64_t seconds, char *out, unsigned size)
{
	int64_t t = MAX(seconds, 0);
	int64_t d = t / 86400, h = t / 3600 % 24, m = t / 60 % 60, s = t % 60;

	if (d)
		snprintf(out, size, "%lldd%lldh", (long long)d, (long long)h);
	else if (h)
		snprintf(out, size, "%lldh%02lldm", (long long)h, (long long)m);
	else if (m)
		snprintf(out, size, "%lldm%02llds", (long long)m, (long long)s);
	else
		snprintf(out, size, "%llds", (long long)s);
}

int64_t schedule_due(bool has_run, enum store_outcome outcome, int64_t started,
		     int failures, uint64_t interval, int64_t retry_at,
		     const char **ret_why)
{
	const char *why = NULL;

	if (!has_run) {
		*ret_why = "never checked";
		return 0;
	}
	if (outcome == STORE_OUTCOME_FAILED) {
		/* A failed check is not due again at once: a file that fails
		 * late (a bomb, a slow server) would cost that much again on
		 * every run. */
		*ret_why = "the last check failed";
		return MAX(started +
				   schedule_backoff(interval, MAX(failures, 1)),
			   retry_at);
	}
	if (outcome == STORE_OUTCOME_RUNNING)
		why = "the last check has not ended";
	else if (outcome == STORE_OUTCOME_STOPPED)
		why = "the last check was stopped";
	*ret_why = why;
	return why ? started : started + (int64_t)interval;
}
