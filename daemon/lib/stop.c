/*
 * stop.c: the process-wide stop flag (stop.h).
 */
#include "lib/stop.h"

#include <stdatomic.h>

static atomic_bool requested;

void stop_request(void)
{
	atomic_store(&requested, true);
}

bool stop_requested(void)
{
	return atomic_load(&requested);
}
