/*
 * schedule.h: when the daemon checks each dataset next.
 *
 * After a good check, one interval on, give or take a little jitter (so
 * that many daemons, or many datasets with one interval, do not all knock
 * at once).  After failures, a shorter wait that doubles with each failure
 * in a row, up to a cap and never past the interval; success resets it.
 * At start, the plan kept in the database holds; a check that came due
 * while the daemon was stopped runs soon after start, the overdue ones a
 * few seconds apart rather than all at once.  `check` backs off after
 * failures by the same rule.  Pure: the caller gives the facts, the time
 * and a random number.
 */
#ifndef SCRAPEWATCH_SCHEDULE_H
#define SCRAPEWATCH_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "vocab.h"

#define SCHEDULE_JITTER	      0.05	 /* of the interval, either way */
#define SCHEDULE_BACKOFF_BASE 60	 /* seconds after a first failure */
#define SCHEDULE_BACKOFF_CAP  (6 * 3600) /* at most, after many */
#define SCHEDULE_STAGGER      5		 /* seconds between overdue checks */

/* The wait after failures (>= 1) failed checks in a row:
 * SCHEDULE_BACKOFF_BASE, doubled with each failure after the first, at most
 * SCHEDULE_BACKOFF_CAP and never more than the interval.  The one backoff
 * rule of the daemon and `check`. */
int64_t schedule_backoff(uint64_t interval, int failures);

/* The next check after one that ended at now with failures failures in a
 * row (0: it went well).  r is random in [0, 1). */
int64_t schedule_after(uint64_t interval, int failures, int64_t now, double r);

/*
 * The first check of a dataset when the daemon starts at now: planned
 * (the stored plan, 0 if none), else from the last check (its start, 0 if
 * never; failures in a row then), else now.  A time already past becomes
 * now plus *overdue stagger steps, and *overdue counts up.
 */
int64_t schedule_initial(int64_t planned, int64_t last_start, int failures,
			 uint64_t interval, int64_t now, unsigned *overdue,
			 double r);

/*
 * When `check` (and the timer) finds a dataset due, from its last run: a
 * dataset never checked (has_run false) is due at once (0); one whose last
 * check failed is due schedule_backoff() after that check's start
 * (failures: failed checks in a row, this one included), and not before
 * retry_at (when the host's Retry-After ends, or 0); one whose last
 * check was stopped or has not ended is due since that check's start; for
 * these *ret_why says which.  Else one interval after its last start, and
 * *ret_why is NULL.  The one rule of `check` and `status`.
 */
int64_t schedule_due(bool has_run, enum store_outcome outcome, int64_t started,
		     int failures, uint64_t interval, int64_t retry_at,
		     const char **ret_why);

/* "3h12m", "45s", "2d4h": a wait for people. */
void schedule_wait(int64_t seconds, char *out, unsigned size);

#endif
