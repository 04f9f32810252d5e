/*
 * test-schedule.c: when datasets are checked: an interval on with jitter,
 * backoff doubling after failures up to its cap and never past the
 * interval, the stored plan at start, overdue checks staggered.
 */
#include "service/schedule.h"
#include "test.h"

#define DAY 86400

TEST(after_success_one_interval_with_jitter)
{
	CHECK_INT(schedule_after(DAY, 0, 1000, 0.5), 1000 + DAY);
	CHECK_INT(schedule_after(DAY, 0, 1000, 0.0),
		  1000 + DAY - (int64_t)(DAY * SCHEDULE_JITTER));
	CHECK(schedule_after(DAY, 0, 1000, 0.999) <=
	      1000 + DAY + (int64_t)(DAY * SCHEDULE_JITTER));
	/* A tiny interval still moves on. */
	CHECK(schedule_after(1, 0, 1000, 0.0) >= 1001);
}

TEST(backoff_doubles_to_its_cap)
{
	CHECK_INT(schedule_after(DAY, 1, 0, 0.5), 60);
	CHECK_INT(schedule_after(DAY, 2, 0, 0.5), 120);
	CHECK_INT(schedule_after(DAY, 3, 0, 0.5), 240);
	CHECK_INT(schedule_after(DAY, 9, 0, 0.5), 60 * 256);
	CHECK_INT(schedule_after(DAY, 10, 0, 0.5), SCHEDULE_BACKOFF_CAP);
	CHECK_INT(schedule_after(DAY, 40, 0, 0.5), SCHEDULE_BACKOFF_CAP);
	/* Never later than the interval itself. */
	CHECK_INT(schedule_after(300, 9, 0, 0.5), 300);
	CHECK_INT(schedule_after(10, 1, 0, 0.5), 10);
}

TEST(initial_plan_last_check_and_overdue)
{
	unsigned overdue = 0;

	/* A stored plan in the future holds. */
	CHECK_INT(schedule_initial(5000, 100, 0, DAY, 1000, &overdue, 0.5),
		  5000);
	/* No plan: the last check plus the interval. */
	CHECK_INT(schedule_initial(0, 900, 0, 600, 1000, &overdue, 0.5), 1500);
	/* Failing: the backoff from the last check. */
	CHECK_INT(schedule_initial(0, 980, 1, DAY, 1000, &overdue, 0.5), 1040);
	CHECK_INT(overdue, 0);
	/* Missed while stopped, or never checked: soon, a few s apart. */
	CHECK_INT(schedule_initial(900, 0, 0, DAY, 1000, &overdue, 0.5), 1000);
	CHECK_INT(schedule_initial(0, 0, 0, DAY, 1000, &overdue, 0.5),
		  1000 + SCHEDULE_STAGGER);
	CHECK_INT(schedule_initial(0, 10, 0, 60, 1000, &overdue, 0.5),
		  1000 + 2 * SCHEDULE_STAGGER);
	CHECK_INT(overdue, 3);
}

TEST(waits_for_people)
{
	char s[32];

	schedule_wait(45, s, sizeof(s));
	CHECK_STR(s, "45s");
	schedule_wait(185, s, sizeof(s));
	CHECK_STR(s, "3m05s");
	schedule_wait(3 * 3600 + 12 * 60, s, sizeof(s));
	CHECK_STR(s, "3h12m");
	schedule_wait(2 * DAY + 4 * 3600 + 5, s, sizeof(s));
	CHECK_STR(s, "2d4h");
	schedule_wait(-5, s, sizeof(s));
	CHECK_STR(s, "0s");
}

TEST(due_rule_of_check_and_status)
{
	static const struct {
		bool has_run;
		enum store_outcome outcome;
		int failures;
		int64_t due;
		const char *why;
	} cases[] = {
		{false, 0, 0, 0, "never checked"},
		{true, STORE_OUTCOME_NEW_RELEASE, 0, 1000 + 3600, NULL},
		{true, STORE_OUTCOME_UNCHANGED, 0, 1000 + 3600, NULL},
		/* A failed check backs off, as the daemon does: not due again
		 * at once. */
		{true, STORE_OUTCOME_FAILED, 1, 1000 + 60,
		 "the last check failed"},
		{true, STORE_OUTCOME_FAILED, 2, 1000 + 120,
		 "the last check failed"},
		{true, STORE_OUTCOME_FAILED, 5, 1000 + 960,
		 "the last check failed"},
		/* Never past the interval. */
		{true, STORE_OUTCOME_FAILED, 7, 1000 + 3600,
		 "the last check failed"},
		/* The count unknown (not recorded): one failure. */
		{true, STORE_OUTCOME_FAILED, 0, 1000 + 60,
		 "the last check failed"},
		{true, STORE_OUTCOME_STOPPED, 0, 1000,
		 "the last check was stopped"},
		{true, STORE_OUTCOME_RUNNING, 0, 1000,
		 "the last check has not ended"},
	};
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = "unset";
		CHECK_INT(schedule_due(cases[i].has_run, cases[i].outcome, 1000,
				       cases[i].failures, 3600, 0, &why),
			  cases[i].due);
		if (cases[i].why)
			CHECK_STR(why, cases[i].why);
		else
			CHECK(why == NULL);
	}
}

/* A host's Retry-After holds a failed check back longer than the backoff,
 * never shorter; it says nothing of a check that did not fail. */
TEST(retry_after_is_honoured)
{
	const char *why;

	CHECK_INT(schedule_due(true, STORE_OUTCOME_FAILED, 1000, 1, 3600,
			       1000 + 900, &why),
		  1000 + 900);
	CHECK_INT(schedule_due(true, STORE_OUTCOME_FAILED, 1000, 1, 3600,
			       1000 + 10, &why),
		  1000 + 60);
	CHECK_INT(schedule_due(true, STORE_OUTCOME_UNCHANGED, 1000, 0, 3600,
			       1000 + 9000, &why),
		  1000 + 3600);
}

/* `check` and the daemon back off by one rule: the same waits after the
 * same failures. */
TEST(check_backs_off_as_the_daemon_does)
{
	const char *why;
	int failures;

	for (failures = 1; failures <= 40; failures++) {
		CHECK_INT(schedule_due(true, STORE_OUTCOME_FAILED, 1000,
				       failures, DAY, 0, &why),
			  schedule_after(DAY, failures, 1000, 0.5));
		CHECK_INT(schedule_backoff(DAY, failures),
			  schedule_after(DAY, failures, 0, 0.5));
	}
}
