/*
 * stop.h: the process-wide "stop now" flag.  The daemon raises it on
 * SIGTERM; long work polls it at safe points and gives up cleanly: a
 * download stops (to resume later), an ingest rolls its transaction back,
 * the delivery worker sends nothing more (what is in flight stays
 * pending).  Safe from any thread.
 */
#ifndef SCRAPEWATCH_STOP_H
#define SCRAPEWATCH_STOP_H

#include <stdbool.h>

void stop_request(void);
bool stop_requested(void);

#endif
